// The `?` help: every key (generated from the keymap, so the two cannot
// disagree), the command line, and a legend of every glyph and code the
// screen shows. One column, wrapped to the pane, never cut; the pane scrolls.

import {BREAK_MARK} from './cpupane.js';
import {COLON_COMMANDS, KEYMAP} from './keymap.js';
import {CHANGED, type Line, seg, wrap} from './text.js';
import {LANE_MARK, LOOP_MARK} from './timeline.js';

/** The legend: [glyph or code, meaning]. */
export const LEGEND: readonly [string, string][] = [
	['▶', "a CPU's next statement; in the timeline, the step at the cursor"],
	['✓', 'finished (on the statement that ended the CPU)'],
	['●', 'runnable: the CPU can take its next step'],
	['■', 'blocked, and why (the call and what it waits for)'],
	[BREAK_MARK, 'a breakpoint on this line (b, :break N)'],
	['↯', 'the CPU runs an interrupt handler: which, and the line it returns to'],
	['◂ last', 'the CPU that took the step at the cursor (◂ irq: its interrupt)'],
	['↳', 'what a step did: what the primitives said (a TLB walk, a refcount reaching 0, an RCU callback) and every value it changed, as racewalk run prints it'],
	['◆', 'a fork: another branch leaves the timeline at this step'],
	['!', 'a violation at this step'],
	[LOOP_MARK, 'a step of a livelock loop: these steps repeat for ever'],
	[LANE_MARK, "the lanes left of a step's CPU column (each CPU is a column)"],
	['*', 'a state pane the last step changed'],
	['+N', 'N more: violations on the path (header), locals or TLB entries not shown (z zooms)'],
	['▾ +N more', 'lines below the edge of a pane (z zooms it)'],
	['W S D', 'PTE bits: writable, special, devmap (huge: a PMD-level leaf; PROT_NONE: a NUMA-hinting PTE the walker faults on; invalid: a huge PMD pmdp_invalidate left not present)'],
	['T0 T1..', 'page-table pages: PGD T0, PUD T1, PMD T2, PTE T3...; └[i] is the slot'],
	['global.x lock[l]', 'shared variables and locks (and any state without a pane of its own), in the state pane named for them'],
	['map ref pin mem', "memmap columns: struct page present or REMOVED, refcount, pins, the pfn's memory (backed, UNBACKED, or who owns it now)"],
	['E21 E25 NOW', 'the kernel era modelled: E21 = v5.11-v5.15, E25 = v6.10-v6.16, NOW = after devmap left GUP'],
	['S1..S10', 'the checks: S1 memmap use-after-free, S2 stale mapping, S3 pin across removal, S4 hung task or deadlock, S5 TLB coherence, S6 freed page table read, S7 gup page not mapped in its window, S8 livelock, S9 pin after the pin check, S10 TLB entry after a zap'],
	['G1 MU2 D1 F1 K3..', "step labels in the scenario's comments: the kernel's atomic steps (G gup-fast, MU memunmap_pages, D device-dax unbind, F fs-dax unbind, K khugepaged, R zap...); docs/model.md lists them"],
	['✱', 'a verdict the model derives (or a hypothesis), not a known kernel fact'],
];

/** All the help's lines for a pane `width` wide. */
export function helpLines(width = 200): Line[] {
	const w = Math.max(20, width);
	const entry = (key: string, text: string, keyW: number, color = 'cyan'): Line[] => {
		const body = wrap(text, Math.max(10, w - keyW - 3));
		// a long code on a line of its own, its meaning below
		if (key.length > keyW) return [[seg(`  ${key}`, {bold: true, color})], ...body.map(t => [seg(' '.repeat(keyW + 3)), seg(t)])];
		return body.map((t, i) => [seg(i ? ' '.repeat(keyW + 3) : `  ${key.padEnd(keyW)} `, {bold: true, color}), seg(t)]);
	};
	const out: Line[] = [[seg('Keys', {bold: true, color: 'blue'})]];
	for (const b of KEYMAP) out.push(...entry(b.label, b.description, 8));
	out.push([seg('Command line (:)', {bold: true, color: 'blue'})]);
	for (const c of COLON_COMMANDS) out.push(...entry(`:${c.usage}`, c.description, 12));
	out.push([seg('On the screen', {bold: true, color: 'blue'})]);
	out.push([seg('  '), seg('highlighted', CHANGED), seg(': what the last step changed')]);
	for (const [g, text] of LEGEND) out.push(...entry(g, text, 10, 'magenta'));
	out.push([seg('Esc or ? closes this help; ↑↓ PgUp PgDn Home End scroll it.', {dim: true})]);
	return out;
}
