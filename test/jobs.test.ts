// explore --jobs N: worker threads sharing one visited set
// (explore/sharedtable.ts) and drawing roots from one frontier give, on every
// built-in scenario and variant, what the single-threaded explore gives: the
// same verdict and kinds, and (minimised after the merge) the same shortest,
// fewest-switch schedules; and on small random scenarios, the kinds and
// shortest lengths of the plain search.

import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import {reportCode, reportOf} from '../source/commands/report.js';
import {builtinNames, loadModel, loadScenario, modelFromSource} from '../source/lang/load.js';
import {source, symmetricScenario} from './helpers/random-scenario.js';

const cases = builtinNames().flatMap(name => [{name, variant: null as string | null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]);

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 300_000});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

describe('explore --jobs 2 (worker threads sharing one visited set) = explore, on every built-in and variant', () => {
	type Json = {verdict: string; complete: boolean; livenessComplete: boolean; kinds: {kind: string; length: number; switches: number; schedule: string}[]; livelocks: {prefix: string; loop: string}[]};
	// Livelocks too: the lassos are the single-threaded search's (one per component, the same schedules).
	const summary = (r: Json) => ({
		verdict: r.verdict,
		complete: r.complete,
		livenessComplete: r.livenessComplete,
		kinds: r.kinds.map(k => ({kind: k.kind, length: k.length, switches: k.switches, schedule: k.schedule})),
		livelocks: r.livelocks.map(l => ({prefix: l.prefix, loop: l.loop})),
	});
	for (const c of cases) {
		it(`${c.name}/${c.variant ?? 'base'}: the same verdict, kinds and minimised schedules`, () => {
			const variant = c.variant ? ['--variant', c.variant] : [];
			const jobs = cli('explore', c.name, ...variant, '--jobs', '2', '--json');
			// The single-threaded explore in this process: the report `explore --json` prints.
			const model = loadModel(c.name, {variant: c.variant});
			const whole = reportOf(model, c.name, {}, explore(model, {liveness: true}), null);
			expect(jobs.code).toBe(reportCode(whole));
			expect(summary(JSON.parse(jobs.out) as Json)).toEqual(summary(whole));
			expect(JSON.parse(jobs.out).stats.shards).toBe(2);
		});
	}
});

describe('explore --jobs 2 on small random scenarios (threads racing on one table)', () => {
	const dir = mkdtempSync(join(tmpdir(), 'racewalk-jobs-'));
	afterAll(() => rmSync(dir, {recursive: true, force: true}));

	it('finds the kinds, deadlocks and livelocks of the plain search, with the same shortest lengths', () => {
		const seen = new Set<string>();
		let n = 0;
		fc.assert(
			fc.property(symmetricScenario, s => {
				const text = source(s);
				const file = join(dir, `rnd${n++}.race`);
				writeFileSync(file, text);
				const plain = explore(modelFromSource(file, text), {reduce: false, merge: false, symmetry: false, liveness: true, maxStates: 200_000});
				expect(plain.complete).toBe(true);
				// A frontier at depth 1: many roots drawn by two threads at once.
				const r = cli('explore', file, '--jobs', '2', '--frontier', '1', '--json');
				const jobs = JSON.parse(r.out) as {complete: boolean; kinds: {kind: string; length: number}[]};
				expect(jobs.complete).toBe(true);
				expect(jobs.kinds.map(k => k.kind).sort()).toEqual([...plain.kinds.keys()].sort());
				const lengths = (ks: {kind: string; length: number}[]) => Object.fromEntries(ks.filter(k => k.kind !== 'livelock').map(k => [k.kind, k.length]));
				expect(lengths(jobs.kinds)).toEqual(lengths([...plain.kinds.values()].map(f => ({kind: f.kind, length: f.schedule.length}))));
				for (const k of plain.kinds.keys()) seen.add(k);
			}),
			{numRuns: 25, seed: 20261201},
		);
		expect(seen.size).toBeGreaterThanOrEqual(4);
	}, 300_000);
});
