// explore --jobs N: worker threads sharing one visited set
// (explore/sharedtable.ts) and drawing roots from one frontier give, on every
// built-in scenario and variant, what the single-threaded explore gives: the
// same verdict and kinds, and (minimised after the merge) the same shortest,
// fewest-switch schedules.

import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {builtinNames, loadScenario} from '../source/lang/load.js';

const cases = builtinNames().flatMap(name => [{name, variant: null as string | null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]);

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 300_000});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

describe('explore --jobs 2 (worker threads sharing one visited set) = explore, on every built-in and variant', () => {
	const summary = (out: string) => {
		const r = JSON.parse(out) as {verdict: string; complete: boolean; livenessComplete: boolean; kinds: {kind: string; length: number; switches: number; schedule: string}[]};
		return {verdict: r.verdict, complete: r.complete, livenessComplete: r.livenessComplete, kinds: r.kinds.map(k => ({kind: k.kind, length: k.length, switches: k.switches, schedule: k.kind === 'livelock' ? '' : k.schedule}))};
	};
	for (const c of cases) {
		it(`${c.name}/${c.variant ?? 'base'}: the same verdict, kinds and minimised schedules`, () => {
			const variant = c.variant ? ['--variant', c.variant] : [];
			const jobs = cli('explore', c.name, ...variant, '--jobs', '2', '--json');
			const whole = cli('explore', c.name, ...variant, '--json');
			expect(jobs.code).toBe(whole.code);
			expect(summary(jobs.out)).toEqual(summary(whole.out));
			expect(JSON.parse(jobs.out).stats.shards).toBe(2);
		});
	}
});
