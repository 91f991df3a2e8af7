// The command line as a user meets it: the built binary, its output and exit codes.

import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

describe('the command line says what it can', () => {
	it('a schedule error prints the trace up to the step that cannot run and the moves possible there', () => {
		const r = cli('run', 'devdax-unbind', '-s', '0 1 1 1 1');
		expect(r.code).toBe(2);
		expect(r.out).toContain('   4  CPU1  L');
		expect(r.out).not.toContain('   5  CPU1');
		expect(r.err.trim().split('\n')).toHaveLength(1);
		expect(r.err).toMatch(/^racewalk: devdax-unbind: step 5 \(1\): CPU1 is blocked in flush_tlb_mm_range: waiting for ack from CPU0, CPU2.*; possible there: 0 i0 2 i2\n$/);
		// ... and what the steps that ran reached.
		expect(r.out).toContain('\nverdict: no violation in 4 steps\n');
		expect(r.out).toMatch(/\nunfinished: CPU0: can move; CPU1: blocked in flush_tlb_mm_range/);
	});

	it('a violation reached before the schedule goes wrong is printed with the error', () => {
		// fsdax-unbind-2021's stale mapping (README), then a step of a CPU that has finished.
		const r = cli('run', 'fsdax-unbind-2021', '-s', '1 1 1 1 1 1 1 2 1 1');
		expect(r.code).toBe(2);
		expect(r.out).toMatch(/\nverdict: VIOLATION stale-mapping \(S2\) at step 7, CPU1/);
		expect(r.err).toBe('racewalk: fsdax-unbind-2021: step 10 (1): CPU1 is finished; possible there: 0 2\n');
	});

	it('a word that is neither a command nor a scenario says so and lists the commands', () => {
		const r = cli('frobnicate');
		expect(r.code).toBe(2);
		expect(r.err).toBe("racewalk: 'frobnicate' is neither a command nor a scenario (commands: list, run, replay, export, tui, explore, merge, check, new; scenarios: racewalk list)\n");
		expect(cli('explor').err).toContain("(did you mean 'explore'?)");
		// `racewalk open FILE`, as other tools have it: the way to open the file is named
		expect(cli('open', 'package.json').err).toMatch(/'open' is neither a command nor a scenario .*; to open package\.json in the debugger: racewalk package\.json\n$/);
		expect(cli('lost-wakeu').err).toContain("(did you mean 'lost-wakeup'?)");
	});

	it('a file that is not a scenario or a recording says so, not a parse error', () => {
		const r = cli('README.md');
		expect(r.code).toBe(2);
		expect(r.err).toBe('racewalk: README.md: not a scenario (.race) or a recording (.json); racewalk opens a scenario file, a built-in (racewalk list) or a saved recording\n');
	});

	it('run --help lists livelock under exit 3; one step is "1 step"', () => {
		expect(cli('run', '--help').out).toContain('3 liveness (deadlock, hung task, livelock)');
		expect(cli('run', 'devdax-unbind', '-s', '1').out).toContain('verdict: no violation in 1 step\n');
	});
});

describe('racewalk run', () => {
	it('reproduces the stale-mapping race of the thread on the default scenario (exit 1)', () => {
		const r = cli('run', 'fsdax-unbind-2021', '--schedule', '1 1 1 1 1 1 1 2');
		expect(r.code).toBe(1);
		expect(r.out).toContain('   7  CPU1  L');
		expect(r.out).toMatch(/arch_remove_memory\(pmem0\);\n\s+memmap and memory of pfn 0x100 removed/);
		expect(r.out).toMatch(/verdict: VIOLATION stale-mapping \(S2\) at step 7, CPU1, line \d+: arch_remove_memory\(pmem0\) while the PTE for va 0x7f000000 still maps pfn 0x100\n/);
		expect(r.out).toMatch(/verdict: VIOLATION stale-access \(S2\) at step 8, CPU2, line \d+: CPU2 loads pfn 0x100, which is no longer backed by memory \(removed by arch_remove_memory\)/);
		expect(r.err).toBe('');
	});

	it('1*7 is seven steps of CPU1: the same run as the schedule written out', () => {
		const short = cli('run', 'fsdax-unbind-2021', '-s', '1*7 2');
		const long = cli('run', 'fsdax-unbind-2021', '-s', '1 1 1 1 1 1 1 2');
		expect(short.code).toBe(1);
		expect(short.out).toBe(long.out);
	});

	it('reproduces the memmap use-after-free Dan describes on fsdax-unbind-2021-noref (exit 1)', () => {
		const r = cli('run', 'fsdax-unbind-2021-noref', '-s', '1 1 1 1 1 1 1 0 0 0 0 0 0 0 0');
		expect(r.code).toBe(1);
		expect(r.out).toMatch(/verdict: VIOLATION use-after-free \(S1\) at step 15, CPU0, line \d+: try_grab_page touches struct page of pfn 0x100, whose memmap was removed by arch_remove_memory/);
	});

	it('a safe schedule exits 0 and prints the final state hash', () => {
		const r = cli('run', 'devdax-unbind', '-s', '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 1 i0');
		expect(r.code).toBe(0);
		expect(r.out).toContain('verdict: no violation in 24 steps');
		expect(r.out).toMatch(/final state hash: [0-9a-f]{16}/);
	});

	it('a schedule naming a CPU that cannot move says where and why (exit 2)', () => {
		const r = cli('run', 'devdax-unbind', '-s', '0 0 1 1 1 1');
		expect(r.code).toBe(2);
		expect(r.err).toBe('racewalk: devdax-unbind: step 6 (1): CPU1 is blocked in flush_tlb_mm_range: waiting for ack from CPU0 (IRQs off), CPU2; CPU0 has IRQs off since step 2; possible there: 0 2 i2\n');
		// the steps that did run, on stdout
		expect(r.out).toMatch(/^\s+5 {2}CPU1 /m);
	});

	it('a hung task exits 3', () => {
		const r = cli('run', 'devdax-unbind', '--variant', 'longterm', '-s', '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 2 1 1 i0 i2 1 1 1');
		expect(r.code).toBe(3);
		expect(r.out).toContain('verdict: VIOLATION hung-task (S4)');
	});

	it('--json gives the steps with hashes and the verdict', () => {
		const r = cli('run', 'fsdax-unbind-2021', '-s', '1 1', '--json');
		const j = JSON.parse(r.out);
		expect(j.scenario).toBe('fsdax-unbind-2021');
		expect(j.steps).toHaveLength(2);
		expect(j.steps[0]).toMatchObject({n: 1, cpu: 1, irq: false, statement: 'kill_dax(pmem0);', changes: ['pmem0.dax: alive -> dead']});
		expect(j.verdict).toBe('ok');
		expect(j.hash).toMatch(/^[0-9a-f]{16}$/);
	});

	it.each([
		[['run'], 'racewalk: run: which scenario? (racewalk run <scenario|file.race> --schedule "...")'],
		[['run', 'fsdax-unbind-2021'], 'racewalk: run: --schedule is required (e.g. --schedule "0 0 1 1")'],
		[['run', 'fsdax-unbind-2021', '-s', '0 7'], 'racewalk: fsdax-unbind-2021: step 2 (7): there is no CPU7 (this scenario has CPU0-CPU2); possible there: 0 1 2'],
		[['run', 'fsdax-unbind-2021', '-s', '1*0'], "racewalk: fsdax-unbind-2021: schedule token 1 '1*0': a repeat count is 1 or more"],
		[['run', 'fsdax-unbind-2021', '-s', '0 1*999999 2*9'], "racewalk: fsdax-unbind-2021: schedule token 3 '2*9': the schedule would be longer than 1,000,000 steps"],
		[['run', 'fsdax-unbind-2021', '-s', '0 x1'], "racewalk: fsdax-unbind-2021: schedule token 2 'x1': expected a CPU digit (0-9), i + digit (take that CPU's pending interrupt), or either with *count (1*7: seven steps of CPU1)"],
		[['run', 'fsdax-unbind-2021', '-s', 'i0'], 'racewalk: fsdax-unbind-2021: step 1 (i0): CPU0 has no pending interrupt; possible there: 0 1 2'],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--sched', '1'], "racewalk: unknown flag --sched (did you mean '--schedule'?)"],
		// a flag of another command, named as typed and with the command it belongs to (said "unknown flag --s")
		[['fsdax-unbind-2021', '-s', '1 1'], 'racewalk: unknown flag -s: -s is a flag of \'racewalk run\' (racewalk run fsdax-unbind-2021 -s "0 1 ...")'],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--strategy', 'dfs'], "racewalk: unknown flag --strategy: --strategy is a flag of 'racewalk explore' (racewalk explore fsdax-unbind-2021 --strategy dfs)"],
		[['replay', 'race.json', '--format', 'diagram'], "racewalk: unknown flag --format: --format is a flag of 'racewalk export' (racewalk export race.json --format diagram)"],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--set', 'gup_pgmap_check=maybe'], 'racewalk: --set gup_pgmap_check=maybe: gup_pgmap_check is a boolean; use true or false'],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--set', 'nothing'], 'racewalk: --set nothing: expected name=value'],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--variant', 'nref'], "racewalk: unknown variant 'nref' (did you mean 'noref'?); this scenario has: noref, pmd"],
		[['run', 'fsdax-unbind-2021', '-s', '0', '--width', '0'], 'racewalk: --width: expected a whole number of columns from 40 to 1000, got 0'],
		// what was typed, as every other bad value says (it said "expected a number" alone)
		[['run', 'fsdax-unbind-2021', '-s', '0', '--width', 'wide'], "racewalk: --width: expected a number, got 'wide'"],
		[['explore', 'fsdax-unbind-2021', '--timeout=30s'], "racewalk: --timeout: expected a number, got '30s'"],
		[['run', 'fsdax-unbind-2021-nref', '-s', '0'], "racewalk: fsdax-unbind-2021-nref: no such built-in scenario, worked example or file (did you mean 'fsdax-unbind-2021-noref'?) ('racewalk list' shows them all)"],
		[['run', 'no-such-scenario', '-s', '0'], "racewalk: no-such-scenario: no such built-in scenario, worked example or file ('racewalk list' shows them all)"],
	])('bad input %j: one line, exit 2', (args, line) => {
		const r = cli(...args);
		expect(r.code).toBe(2);
		expect(r.err).toBe(line + '\n');
		expect(r.err).not.toMatch(/\n\s+at /);
	});

	it('a broken scenario file names file:line:col with the line and a caret', async () => {
		const {mkdtempSync, writeFileSync} = await import('node:fs');
		const {join} = await import('node:path');
		const {tmpdir} = await import('node:os');
		const dir = mkdtempSync(join(tmpdir(), 'rw-'));
		const file = join(dir, 'bad.race');
		writeFileSync(file, 'scenario bad\nmachine { }\ncpu 0 "x" {\n\tlocal_irq_sav();\n}\n');
		const r = cli('run', file, '-s', '0');
		expect(r.code).toBe(2);
		expect(r.err).toBe(`racewalk: ${file}:4:2: unknown primitive 'local_irq_sav' (did you mean 'local_irq_save'?)\n  4 |  local_irq_sav();\n    |  ^\n`);
	});
});

describe('racewalk list', () => {
	it('lists the nine built-in scenarios with titles and expected verdicts, ✱ on model-derived ones', () => {
		const r = cli('list');
		expect(r.code).toBe(0);
		for (const name of ['fsdax-unbind-2021', 'fsdax-unbind-2021-noref', 'devdax-unbind', 'devdax-unbind-irqs-on', 'broadcast-flush-rcu', 'xfs-pre-remove', 'ext4-dax-unbind-now', 'khugepaged-collapse', 'madv-dontneed-flush']) {
			expect(r.out).toContain(name);
		}
		expect(r.out).toContain('expect: violation stale-access; violation stale-mapping; no use-after-free; violation livelock ✱');
		expect(r.out).toContain('violation use-after-free ✱ hypothesis');
	});
});

describe('racewalk explore --record', () => {
	it('saves every counterexample as a branch named after its kind, and never overwrites without --force', async () => {
		const {mkdtempSync, readFileSync} = await import('node:fs');
		const {join} = await import('node:path');
		const {tmpdir} = await import('node:os');
		const file = join(mkdtempSync(join(tmpdir(), 'rw-')), 'found.json');
		const r = cli('explore', 'fsdax-unbind-2021-noref', '--record', file);
		expect(r.code).toBe(1);
		expect(r.out).toContain(`recording saved: ${file} (one branch per counterexample)`);
		const rec = JSON.parse(readFileSync(file, 'utf8'));
		expect(rec.branches.map((b: {name: string}) => b.name).sort()).toEqual(['livelock', 'stale-access', 'stale-mapping', 'use-after-free']);
		expect(JSON.stringify(rec.notes)).toMatch(/livelock: from here the loop [0 ]+ repeats for ever without progress/);
		const replay = cli('replay', file, '--branch', 'use-after-free');
		expect(replay.out).toMatch(/verdict: VIOLATION use-after-free \(S1\) at step 15, CPU0/);
		const before = readFileSync(file, 'utf8');
		const again = cli('explore', 'fsdax-unbind-2021-noref', '--record', file);
		expect(again.code).toBe(2);
		expect(again.err).toBe(`racewalk: ${file}: already exists; not overwriting it (use --force to replace it)\n`);
		expect(readFileSync(file, 'utf8')).toBe(before);
		expect(cli('explore', 'fsdax-unbind-2021-noref', '--record', file, '--force').code).toBe(1);
	});
});

describe('help and check over several files', () => {
	it('-h is --help', () => {
		const r = cli('run', '-h');
		expect(r.code).toBe(0);
		expect(r.out).toContain('racewalk run <scenario|file.race> --schedule');
	});

	it('check reports a broken file and still checks the others (exit 2 at the end)', async () => {
		const {mkdtempSync, writeFileSync} = await import('node:fs');
		const {join} = await import('node:path');
		const {tmpdir} = await import('node:os');
		const dir = mkdtempSync(join(tmpdir(), 'rw-'));
		writeFileSync(join(dir, 'broken.race'), 'scenario broken\nmachine { }\ncpu 0 { x = ; }\n');
		writeFileSync(join(dir, 'none.race'), 'scenario none\nmachine { }\ncpu 0 { x = 1; }\n');
		const r = cli('check', join(dir, 'broken.race'), 'devdax-unbind-irqs-on', join(dir, 'none.race'));
		expect(r.code).toBe(2);
		expect(r.out).toContain('all 2 expectations hold');
		expect(r.err).toContain(`racewalk: ${join(dir, 'broken.race')}:3:13: expected an expression`);
		expect(r.err).toContain(`racewalk: ${join(dir, 'none.race')}: no expect clauses to check`);
	});
});
