// explore's young generation stays at 2 MB semi-spaces (commands/young.ts):
// V8 must take the growth factor after start-up, or large searches keep ~30 MB
// more RSS. Each run is a fresh Node process (the flag is process-wide).

import {spawnSync} from 'node:child_process';
import {expect, it} from 'vitest';

/** new_space bytes after an allocation churn that makes V8 grow it, with or without the cap. */
function youngAfterChurn(cap: boolean): {after: boolean; size: number} {
	const script = `
		import {getHeapSpaceStatistics} from 'node:v8';
		import {capYoungGeneration} from './source/commands/young.ts';
		const young = () => getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size;
		// objects that survive a scavenge or two, as a search's queue does: V8 grows the young generation for them
		let keep = [];
		const churn = n => { for (let i = 0; i < n; i++) { keep.push({i, s: 'x' + i}); if (keep.length > 100000) keep = keep.slice(50000); } };
		while (young() < 4 * 2 ** 20) churn(10000);
		const after = ${cap} && capYoungGeneration();
		churn(3000000);
		console.log(JSON.stringify({after, size: young()}));
	`;
	const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'});
	expect(r.stderr).toBe('');
	return JSON.parse(r.stdout) as {after: boolean; size: number};
}

it('capped once it has 2 MB semi-spaces, the young generation grows no further; uncapped it does', () => {
	const capped = youngAfterChurn(true);
	expect(capped.after).toBe(true);
	expect(capped.size).toBe(4 * 2 ** 20);
	expect(youngAfterChurn(false).size).toBeGreaterThan(4 * 2 ** 20);
});
