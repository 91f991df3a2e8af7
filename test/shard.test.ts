// A search split into shards (explore --frontier D --shard I/N) and merged
// (racewalk merge) gives the unsharded verdict: the same kinds, and the same
// shortest lengths, on every built-in scenario and variant. Plus the merge
// command's refusals, and --jobs.

import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {mergeReports, reportOf} from '../source/commands/report.js';
import {explore} from '../source/explore/index.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';

const cases = builtinNames().flatMap(name => [{name, variant: null as string | null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]);

const lengths = (kinds: {kind: string; length: number}[]) => Object.fromEntries(kinds.filter(k => k.kind !== 'livelock').map(k => [k.kind, k.length]));

describe('sharded and merged = unsharded, on every built-in and variant', () => {
	for (const c of cases) {
		it(`${c.name}/${c.variant ?? 'base'}`, () => {
			const model = loadModel(c.name, {variant: c.variant});
			const whole = reportOf(model, c.name, {}, explore(model, {liveness: true}), null);
			for (const [frontier, count] of [[3, 2], [6, 3]] as const) {
				const parts = Array.from({length: count}, (_, index) => reportOf(model, c.name, {}, explore(model, {liveness: true, shard: {frontier, index, count}}), null));
				const merged = mergeReports(parts, parts.map((_, i) => `shard ${i}`));
				expect(merged.kinds.map(k => k.kind).sort()).toEqual(whole.kinds.map(k => k.kind).sort());
				expect(lengths(merged.kinds)).toEqual(lengths(whole.kinds));
				expect(merged.complete && merged.livenessComplete).toBe(true);
				expect(merged.verdict).toBe(whole.verdict);
				// The frontier was really dealt out: every shard got some, none got all.
				const roots = parts.map(p => p.shard!.roots);
				expect(roots.reduce((a, b) => a + b, 0)).toBe(parts[0]!.shard!.frontierStates);
			}
		});
	}
});

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 300_000});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

describe('racewalk merge and explore --jobs', () => {
	const dir = mkdtempSync(join(tmpdir(), 'racewalk-merge-'));
	afterAll(() => rmSync(dir, {recursive: true, force: true}));
	const files = [0, 1, 2].map(i => join(dir, `s${i}.json`));

	it('merges the shard files into the unsharded verdict (exit code, kinds, shortest schedule)', () => {
		files.forEach((f, i) => {
			const r = cli('explore', 'fsdax-unbind-2021', '--variant', 'noref', '--frontier', '4', '--shard', `${i}/3`, '--json');
			expect([0, 1, 3]).toContain(r.code);
			writeFileSync(f, r.out);
		});
		const m = cli('merge', ...files);
		const whole = cli('explore', 'fsdax-unbind-2021', '--variant', 'noref');
		expect(m.code).toBe(whole.code);
		expect(m.out).toContain('merged 3 shards: frontier at depth 4');
		// The same kinds (the order of discovery may differ), each with the same shortest length and switches.
		const verdict = (t: string) => t.split('\n').find(l => l.startsWith('verdict: '))!.split(': ').slice(1).join(': ').split(', ').sort();
		expect(verdict(m.out)).toEqual(verdict(whole.out));
		const headers = (t: string) => t.split('\n').filter(l => /^== (?!livelock)/.test(l)).sort();
		expect(headers(m.out)).toEqual(headers(whole.out));
	});

	it('refuses a missing shard, a shard given twice, another search, and a file that is not a report (exit 2, one line)', () => {
		const missing = cli('merge', files[0]!, files[1]!);
		expect(missing.code).toBe(2);
		expect(missing.err.trim()).toBe('racewalk: merge: shard 2/3 missing; a verdict needs all 3');
		const twice = cli('merge', files[0]!, files[1]!, files[1]!);
		expect(twice.code).toBe(2);
		expect(twice.err).toMatch(/s1\.json: shard 1\/3 again/);
		const other = join(dir, 'other.json');
		writeFileSync(other, cli('explore', 'devdax-unbind', '--frontier', '4', '--shard', '2/3', '--json').out);
		const mixed = cli('merge', files[0]!, files[1]!, other);
		expect(mixed.code).toBe(2);
		expect(mixed.err).toMatch(/other\.json: a shard of another search/);
		const junk = join(dir, 'junk.json');
		writeFileSync(junk, '{"hello": 1}');
		expect(cli('merge', junk).err.trim()).toBe(`racewalk: ${junk}: not a search report (expected the output of 'racewalk explore ... --shard I/N --json')`);
		expect(cli('merge', join(dir, 'nope.json')).err).toMatch(/nope\.json: no such file\n$/);
	});

	it('explore flags: --shard needs --frontier, I must be below N, not with random', () => {
		expect(cli('explore', 'devdax-unbind', '--shard', '0/2').err.trim()).toBe('racewalk: --shard needs --frontier D (the depth where the search is split)');
		expect(cli('explore', 'devdax-unbind', '--frontier', '3', '--shard', '2/2').err.trim()).toBe("racewalk: --shard: expected I/N with 0 <= I < N (e.g. 0/4), got '2/2'");
		expect(cli('explore', 'devdax-unbind', '--strategy', 'random', '--jobs', '2').code).toBe(2);
	});

	it('--exact stores full states: the same states and verdict, no chance of an omission; each reduction can be turned off', () => {
		const exact = JSON.parse(cli('explore', 'devdax-unbind', '--set', 'gups=2', '--exact', '--json').out);
		const fp = JSON.parse(cli('explore', 'devdax-unbind', '--set', 'gups=2', '--json').out);
		expect(exact.stats.states).toBe(fp.stats.states);
		expect(exact.stats.omission).toBe(0);
		expect(fp.stats.omission).toBeGreaterThan(0);
		expect(fp.stats.omission).toBeLessThan(1e-9);
		expect(exact.stats.reductions).toEqual({por: true, merge: true, symmetry: true, exact: true});
		expect(exact.verdict).toBe(fp.verdict);
		expect(cli('explore', 'devdax-unbind', '--set', 'gups=2', '--exact').out).toContain('visited set: full states (--exact): no state can be omitted');
		const off = JSON.parse(cli('explore', 'devdax-unbind', '--set', 'gups=2', '--no-merge', '--no-symmetry', '--no-reduce', '--no-liveness', '--json').out);
		expect(off.stats.reductions).toEqual({por: false, merge: false, symmetry: false, exact: false});
		expect(off.stats.states).toBeGreaterThan(fp.stats.states);
		expect(off.verdict).toBe(fp.verdict);
	});

	it('--jobs 2 runs the shards on worker threads: the verdict of the plain search', () => {
		const j = cli('explore', 'devdax-unbind', '--variant', 'v5_18', '--jobs', '2');
		const whole = cli('explore', 'devdax-unbind', '--variant', 'v5_18');
		expect(j.code).toBe(1);
		expect(j.out).toMatch(/merged 2 workers sharing one visited set: frontier at depth \d+/);
		const kindsLine = /^(verdict: (?:LIVENESS )?VIOLATION: )(.*)$/;
		const headers = (t: string) => t.split('\n').filter(l => /^(verdict: |== )/.test(l)).map(l => l.replace(kindsLine, (_, p: string, k: string) => p + k.split(', ').sort().join(', '))).sort();
		expect(headers(j.out)).toEqual(headers(whole.out));
	});
});
