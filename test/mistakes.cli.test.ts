// A reviewer's user mistakes through the built binary (the evening of
// 2026-12-01): each command here once hung, crashed with an internal error,
// named the wrong reason, or lost work. Each now ends in one line and exit 2
// with nothing written, or does what was asked.

import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'racewalk-mistakes-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const CLI = join(import.meta.dirname, '..', 'dist/cli.js');
const cli = (args: string[], opts: {timeout?: number} = {}) => {
	const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: dir, timeout: opts.timeout ?? 30_000, env: {...process.env, NO_COLOR: '1'}});
	return {code: r.status, out: r.stdout, err: r.stderr, signal: r.signal};
};
/** One line on stderr, exit 2, no stack trace. */
const refused = (r: ReturnType<typeof cli>, line: string): void => {
	expect(r.signal).toBeNull();
	expect(r.err).not.toMatch(/\n\s+at |internal error/);
	expect(r.err).toBe(line + '\n');
	expect(r.code).toBe(2);
};
const S = 'fsdax-unbind-2021';

describe('flag values', () => {
	it('a value that starts with a dash is the value, not flags of its own (--shard -1/2 said "unknown flag --1")', () => {
		refused(cli(['explore', S, '--frontier', '3', '--shard', '-1/2']), "racewalk: --shard: expected I/N with 0 <= I < N (e.g. 0/4), got '-1/2'");
		const r = cli(['run', S, '-s', '1', '--record', '-x.json']);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
		expect(existsSync(join(dir, '-x.json'))).toBe(true);
	});

	it('a flag of the command where a value should be is a missing value (--set -s 1 ran without the --set)', () => {
		refused(cli(['run', S, '--set', '-s', '1']), 'racewalk: --set: expected a value, found the flag -s');
		refused(cli(['run', S, '-s', '1', '--record', '--force']), 'racewalk: --record: expected a value, found the flag --force');
		// a word with two dashes that is no flag stays an unknown flag, not a file name
		refused(cli(['run', S, '-s', '1', '--record', '--forse']), "racewalk: unknown flag --forse (did you mean '--force'?)");
	});

	it('--set gups=2 walkers=1 (as issue 9 writes it) sets both params; a k=v word after another flag is still refused', () => {
		const both = cli(['run', 'devdax-unbind', '--set', 'gups=2', 'walkers=1', '-s', '0']);
		expect(both.err).toBe('');
		expect(both.out).toContain('gups=2 pages=1 walkers=1');
		expect(both.out).toContain('CPU3 gup-fast #2');
		const apart = cli(['run', 'devdax-unbind', '--set', 'gups=2', '--set', 'walkers=1', '-s', '0']);
		expect(apart.out).toBe(both.out);
		refused(cli(['run', 'devdax-unbind', '-s', '0', 'walkers=1']), "racewalk: run: unexpected argument 'walkers=1' (a param is set with --set walkers=1)");
	});

	it('--jobs 999 is refused before 999 worker threads start (it took minutes and gigabytes)', () => {
		const r = cli(['explore', S, '--jobs', '999'], {timeout: 20_000});
		expect(r.signal).toBeNull();
		expect(r.code).toBe(2);
		expect(r.err).toMatch(/^racewalk: --jobs 999: at most 64 worker threads \(one per core is fastest; this machine has \d+\)\n$/);
	});

	it('a seed the PRNG cannot hold is refused (--seed 4294967297 ran the runs of --seed 1)', () => {
		refused(cli(['explore', S, '--strategy', 'random', '--runs', '5', '--seed', '4294967297']), 'racewalk: --seed: expected an integer from 0 to 4294967295 (the PRNG\'s 32 bits), got 4294967297');
		expect(cli(['explore', S, '--strategy', 'random', '--runs', '5', '--seed', '4294967295']).code).toBe(1);
	});

	it('a repeat count too large for any schedule says so, not that the token is malformed', () => {
		refused(cli(['run', S, '-s', '1*99999999999']), `racewalk: ${S}: schedule token 1 '1*99999999999': the schedule would be longer than 1,000,000 steps`);
	});
});

describe('an empty name', () => {
	it("'' is an empty name, not the current folder (': is a directory')", () => {
		const line = "racewalk: an empty scenario name (''): give a built-in or worked example ('racewalk list' shows them) or a .race file";
		refused(cli(['check', '']), line);
		refused(cli(['tui', '']), line);
		refused(cli(['merge', '']), "racewalk: merge: an empty file name (''): give the shards' report files");
	});
});

describe('output targets', () => {
	it('a directory is a directory, not a file that "already exists" (with or without --force)', () => {
		const d = join(dir, 'adir');
		mkdirSync(d);
		writeFileSync(join(d, 'keep'), 'x');
		refused(cli(['run', S, '-s', '1', '--record', 'adir']), 'racewalk: adir: cannot write: is a directory');
		refused(cli(['run', S, '-s', '1', '--record', 'adir', '--force']), 'racewalk: adir: cannot write: is a directory');
		refused(cli(['explore', S, '--record', 'adir']), 'racewalk: adir: cannot write: is a directory');
		expect(readFileSync(join(d, 'keep'), 'utf8')).toBe('x');
	});

	it('explore --record into a folder that cannot be written is refused before the search, not after it', () => {
		writeFileSync(join(dir, 'afile'), 'x');
		// a search bounded to 50 ms: refused at once, so nothing of it is printed
		for (const [target, why] of [['nodir/x.json', 'no such directory'], ['afile/x.json', 'a part of the path is not a directory']]) {
			const r = cli(['explore', 'devdax-unbind', '--set', 'gups=3', '--timeout', '0.05', '--record', target!]);
			refused(r, `racewalk: ${target}: cannot write: ${why}`);
			expect(r.out).toBe('');
		}
	});

	it('an output file that is the input is refused even with --force (the scenario became a recording, the recording a diagram)', () => {
		const scenario = 'scenario mine\nexpect safe\nint a = 0;\ncpu 0 "a" {\n\ta = 1;\n}\n';
		writeFileSync(join(dir, 'mine.race'), scenario);
		const line = 'racewalk: --record mine.race: that is the scenario file; writing there would replace it (give another file)';
		refused(cli(['run', 'mine.race', '-s', '0', '--record', 'mine.race', '--force']), line);
		refused(cli(['explore', 'mine.race', '--record', 'mine.race', '--force']), line);
		expect(readFileSync(join(dir, 'mine.race'), 'utf8')).toBe(scenario);
		expect(cli(['run', 'mine.race', '-s', '0', '--record', 'mine.json']).code).toBe(0);
		const recording = readFileSync(join(dir, 'mine.json'), 'utf8');
		refused(cli(['export', 'mine.json', '--format', 'diagram', '--out', './mine.json', '--force']), 'racewalk: --out ./mine.json: that is the recording being exported; writing there would replace it (give another file)');
		expect(readFileSync(join(dir, 'mine.json'), 'utf8')).toBe(recording);
	});

	it('a system error is named, not its code (ENOTDIR)', () => {
		writeFileSync(join(dir, 'plain.json'), '{}');
		refused(cli(['run', S, '-s', '1', '--record', 'plain.json/x.json']), 'racewalk: plain.json/x.json: cannot write: a part of the path is not a directory');
	});

	it('a file name near the 255-byte limit is written (the temporary name beside it was too long)', () => {
		const name = 'r'.repeat(250) + '.json';
		const r = cli(['run', S, '-s', '1', '--record', name]);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
		expect(existsSync(join(dir, name))).toBe(true);
	});
});

describe('merge reads a shard report as a recording is read', () => {
	let shards: string[];
	beforeAll(() => {
		shards = [0, 1].map(i => {
			const r = cli(['explore', S, '--frontier', '3', '--shard', `${i}/2`, '--json']);
			const p = join(dir, `s${i}.json`);
			writeFileSync(p, r.out);
			return p;
		});
	});
	const tampered = (name: string, edit: (r: Record<string, any>) => void): string => {
		const r = JSON.parse(readFileSync(shards[0]!, 'utf8'));
		edit(r);
		const p = join(dir, name);
		writeFileSync(p, JSON.stringify(r));
		return p;
	};

	it('a FIFO and /dev/zero are refused, not read for ever', () => {
		const fifo = join(dir, 'fifo.json');
		spawnSync('mkfifo', [fifo]);
		refused(cli(['merge', fifo], {timeout: 10_000}), `racewalk: ${fifo}: a FIFO (named pipe), not a search report file`);
		refused(cli(['merge', '/dev/zero'], {timeout: 10_000}), 'racewalk: /dev/zero: a character device, not a search report file');
		refused(cli(['merge', 'nosuch.json']), 'racewalk: nosuch.json: no such file');
	});

	it.each([
		['stats', (r: Record<string, any>) => (r.stats = {}), 'missing field stats.states'],
		['set', (r: Record<string, any>) => (r.set = null), 'set: expected an object, got null'],
		['reductions', (r: Record<string, any>) => (r.stats.reductions = null), 'stats.reductions: expected an object, got null'],
		['a lasso', (r: Record<string, any>) => (r.livelocks = [{prefix: 1, loop: '0'}]), 'livelocks[0].prefix: expected a string, got a number'],
		['a schedule', (r: Record<string, any>) => (r.kinds[0].schedule = 'zz'), "kinds[0].schedule: schedule token 1 'zz': expected a CPU digit"],
		['an index', (r: Record<string, any>) => (r.shard.index = 5), 'shard.index: 5 is not below shard.count (2)'],
	])('a report with a broken %s is named by its JSON path (an internal error before)', (_, edit, problem) => {
		const p = tampered('bad.json', edit);
		const r = cli(['merge', p, shards[1]!]);
		expect(r.err).not.toMatch(/internal error|\n\s+at /);
		expect(r.code).toBe(2);
		expect(r.err.split('\n')).toHaveLength(2);
		expect(r.err.startsWith(`racewalk: ${p}: `)).toBe(true);
		expect(r.err).toContain(problem);
	});

	it('shards of another search name what differs', () => {
		const other = join(dir, 'g.json');
		writeFileSync(other, cli(['explore', 'devdax-unbind', '--frontier', '3', '--shard', '1/2', '--json']).out);
		refused(cli(['merge', shards[0]!, other]), `racewalk: ${other}: a shard of another search (scenario devdax-unbind, not ${S} as in ${shards[0]})`);
		const f4 = join(dir, 'f4.json');
		writeFileSync(f4, cli(['explore', S, '--frontier', '4', '--shard', '1/2', '--json']).out);
		refused(cli(['merge', shards[0]!, f4]), `racewalk: ${f4}: a shard of another search (frontier 4, not 3 as in ${shards[0]})`);
		const p = tampered('p.json', r => {
			r.params.gup_irqs_off = false;
			r.shard.index = 1;
		});
		refused(cli(['merge', shards[0]!, p]), `racewalk: ${p}: a shard of another search (params gup_irqs_off=false, not gup_irqs_off=true as in ${shards[0]})`);
		expect(cli(['merge', ...shards]).code).toBe(1);
	});
});

describe('a scenario given where a recording is expected (the fourth trial)', () => {
	it('replay and export of a .race say it is a scenario and which commands take one', () => {
		writeFileSync(join(dir, 'mine.race'), '// my race\nscenario mine\ncpu 0 {\n\tx = 1;\n}\n');
		const tail = "; it is a scenario: step it with 'racewalk mine.race', replay a schedule with 'racewalk run mine.race -s \"...\"', or record one with --record";
		refused(cli(['replay', 'mine.race']), `racewalk: mine.race: not JSON: a recording starts with '{', this file starts with "// my race\\ns"${tail}`);
		refused(cli(['export', 'mine.race', '--format', 'diagram']), `racewalk: mine.race: not JSON: a recording starts with '{', this file starts with "// my race\\ns"${tail}`);
		// a file that is neither keeps the plain reason
		writeFileSync(join(dir, 'notes.txt'), 'hello\n');
		refused(cli(['replay', 'notes.txt']), `racewalk: notes.txt: not JSON: a recording starts with '{', this file starts with "hello\\n"`);
	});
});
