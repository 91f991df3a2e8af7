// The young generation of a search. What a search allocates per state dies
// young (drafts, copies, footprints), yet V8 grows the young generation to
// 16 MB semi-spaces all the same: some 30 MB of a large search's RSS that hold
// next to nothing live (docs/performance.md, "Memory"). Node takes
// --max-semi-space-size only on its command line (v8.setFlagsFromString is too
// late for it: the heap is laid out by then), but V8 reads
// --semi-space-growth-factor whenever the young generation grows, so a factor
// of 1 keeps it at the size it has. The command's start-up has grown it to
// 2 MB semi-spaces (4 MB in all): what --max-semi-space-size=2 gives, measured
// at no cost in time. Smaller (1 MB, never grown) costs 5-10 % more time in
// scavenges on a large search, so a young generation still that small is left
// to grow once first.

import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';

/** Both semi-spaces, in bytes, once they are 2 MB each. */
const CAPPED = 4 * 2 ** 20;

let capped = false;

/** Keep the young generation at its size (once it has 2 MB semi-spaces); returns whether it is capped. */
export function capYoungGeneration(): boolean {
	if (capped) return true;
	const young = getHeapSpaceStatistics().find(s => s.space_name === 'new_space');
	if (!young || young.space_size < CAPPED) return false;
	setFlagsFromString('--semi-space-growth-factor=1');
	capped = true;
	return true;
}
