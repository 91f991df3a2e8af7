// Issue 13 through the built binary: every way a hostile or careless user
// broke racewalk, each the command that showed it. Each ends in one line and
// exit 2 (or works), never a stack trace, and nothing from a file reaches the
// terminal as a control sequence.

import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {loadRecordingText} from '../source/session/recording.js';
import {SessionImpl} from '../source/session/session.js';

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'racewalk-13-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const CLI = join(import.meta.dirname, '..', 'dist/cli.js');
const cli = (args: string[], opts: {cwd?: string; timeout?: number} = {}) => {
	const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', cwd: opts.cwd ?? dir, timeout: opts.timeout ?? 30_000, env: {...process.env, NO_COLOR: '1'}});
	return {code: r.status, out: r.stdout, err: r.stderr, signal: r.signal};
};
const file = (name: string, text: string): string => {
	const p = join(dir, name);
	writeFileSync(p, text);
	return p;
};
/** One line on stderr, exit 2, no stack trace. */
const refused = (r: ReturnType<typeof cli>, line: RegExp | string): void => {
	expect(r.signal).toBeNull();
	expect(r.err).not.toMatch(/\n\s+at |internal error/);
	if (typeof line === 'string') expect(r.err).toBe(line + '\n');
	else expect(r.err).toMatch(line);
	expect(r.code).toBe(2);
};
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

describe('1. a CPU with an empty body is finished from the start', () => {
	const EMPTY = 'scenario e\nexpect safe\ncpu 0 "a" {\n}\ncpu 1 "b" {\n\ty = 1;\n}\n';
	const FOLDED = 'scenario f\nexpect safe\nparam p = true\ncpu 0 "a" {\n\tif (p) x = 1;\n}\ncpu 1 "b" {\n\ty = 2;\n}\n';

	it('run: stepping it is a schedule error, stepping the others works', () => {
		const e = file('e.race', EMPTY);
		refused(cli(['run', e, '-s', '0']), `racewalk: ${e}: step 1 (0): CPU0 is finished; possible there: 1`);
		const ok = cli(['run', e, '-s', '1']);
		expect(ok.code).toBe(0);
		expect(ok.out).toContain('verdict: no violation in 1 step\n');
	});

	it('check and explore: a finished CPU is no deadlock', () => {
		const e = file('e2.race', EMPTY);
		expect(cli(['check', e]).code).toBe(0);
		const r = cli(['explore', e]);
		expect(r.code).toBe(0);
		expect(r.out).toContain('verdict: no violation reachable');
	});

	it('a param that folds the whole body away, and the recording of it replayed', () => {
		const f = file('f.race', FOLDED);
		const rec = join(dir, 'folded.json');
		const r = cli(['run', f, '--set', 'p=false', '-s', '1', '--record', rec]);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
		const back = cli(['replay', rec]);
		expect(back.err).toBe('');
		expect(back.code).toBe(0);
		expect(back.out).toContain('recording verified');
	});
});

describe('2. sizes are checked before anything is built', () => {
	it.each([
		['literal', 'cpu 0 "x" * 1000000000 {\n\tx = 1;\n}\n'],
		['const', 'const N = 1000000000\ncpu 0 "x" * N {\n\tx = 1;\n}\n'],
		['param', 'param n = 1000000000\ncpu 0 "x" * n {\n\tx = 1;\n}\n'],
	])('%s replica count: refused at once', (_, body) => {
		const p = file('big.race', `scenario big\nexpect safe\n${body}`);
		const r = cli(['run', p, '-s', '0'], {timeout: 20_000});
		refused(r, /at most 10 CPUs \(0-9\), this scenario has 1000000000\n/);
	});
});

describe('4. files that are not regular files', () => {
	it('a FIFO is refused, not waited on (run, replay and the TUI)', () => {
		const fifo = join(dir, 'fifo.race');
		spawnSync('mkfifo', [fifo]);
		refused(cli(['run', fifo, '-s', '0'], {timeout: 10_000}), `racewalk: ${fifo}: a FIFO (named pipe), not a scenario file`);
		refused(cli(['replay', fifo], {timeout: 10_000}), `racewalk: ${fifo}: a FIFO (named pipe), not a recording file`);
		refused(cli([fifo], {timeout: 10_000}), `racewalk: ${fifo}: a FIFO (named pipe), not a scenario file`);
	});

	it('/dev/zero is refused (its stat size says 0, its content never ends)', () => {
		refused(cli(['run', '/dev/zero', '-s', '0'], {timeout: 10_000}), 'racewalk: /dev/zero: a character device, not a scenario file');
		refused(cli(['replay', '/dev/zero'], {timeout: 10_000}), 'racewalk: /dev/zero: a character device, not a recording file');
	});

	it('/proc/self/mem (EIO) and a socket (ENXIO)', async () => {
		refused(cli(['run', '/proc/self/mem', '-s', '0']), 'racewalk: /proc/self/mem: input/output error while reading');
		const sock = join(dir, 's.race');
		const server = createServer();
		await new Promise<void>(res => server.listen(sock, res));
		try {
			refused(cli(['run', sock, '-s', '0']), `racewalk: ${sock}: not a regular file (a socket or a device with nothing behind it)`);
		} finally {
			server.close();
		}
	});

	it.skipIf(process.getuid?.() === 0)('an unreadable file (EACCES)', () => {
		const p = file('secret.race', 'scenario s\n');
		chmodSync(p, 0);
		refused(cli(['run', p, '-s', '0']), `racewalk: ${p}: permission denied`);
	});

	it('a file that grows past the limit while read is cut at the limit (a /proc file with a size of 0)', () => {
		// /proc/self/environ says size 0; the bounded read still gets its text (here: not a scenario)
		const r = cli(['run', '/proc/self/environ', '-s', '0']);
		expect(r.code).toBe(2);
		expect(r.err).toMatch(/^racewalk: \/proc\/self\/environ:1:1: /);
	});
});

describe('5. a repeated flag is one line, not meow\'s stack trace', () => {
	it.each([
		[['run', 'fsdax-unbind-2021', '-s', '1', '-s', '2'], 'schedule'],
		[['run', 'fsdax-unbind-2021', '-s', '1', '--variant', 'noref', '--variant', 'pmd'], 'variant'],
		[['explore', 'fsdax-unbind-2021', '--max-states', '5', '--max-states', '6'], 'max-states'],
		[['run', 'fsdax-unbind-2021', '-s', '1', '--width', '80', '--width', '90'], 'width'],
		[['run', 'fsdax-unbind-2021', '-s', '1', '--record', 'a.json', '--record', 'b.json'], 'record'],
		[['explore', 'fsdax-unbind-2021', '--strategy', 'bfs', '--strategy', 'dfs'], 'strategy'],
		[['replay', 'x.json', '--branch', 'a', '--branch', 'b'], 'branch'],
	])('%j', (args, flag) => {
		refused(cli(args), `racewalk: --${flag}: given more than once; give it once`);
	});
});

describe('6. control characters from files are shown, not obeyed', () => {
	const OSC = '\u001b]2;pwned\u0007';

	it('a scenario comment or name with escapes: the diagnostic excerpt spells them out', () => {
		const p = file('esc.race', `scenario e\nexpect safe\ncpu 0 "a" {\n\tx = 1; // ${OSC}\n\ty = \u001b[31m2;\n}\n`);
		const r = cli(['run', p, '-s', '0']);
		expect(r.code).toBe(2);
		expect(r.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
		expect(r.err).toBe(`racewalk: ${p}:5:6: unexpected character U+001B\n  5 |  y = ^[[31m2;\n    |      ^\n`);
	});

	it('replay prints notes and recorded names with control characters made visible', () => {
		const rec = join(dir, 'notes.json');
		expect(cli(['run', 'fsdax-unbind-2021', '-s', '1 1', '--record', rec]).code).toBe(0);
		const j = JSON.parse(readFileSync(rec, 'utf8'));
		j.notes = [{branch: 'main', step: 1, text: `look ${OSC}\r\nhere\u0000`}];
		writeFileSync(rec, JSON.stringify(j));
		const r = cli(['replay', rec]);
		expect(r.code).toBe(0);
		expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
		expect(r.out).toContain('note: look ^[]2;pwned^G^M here^@');
	});

	it('--json output stays valid JSON with the same text (C1 controls, DEL, U+2028 in a note)', () => {
		const rec = join(dir, 'json-notes.json');
		expect(cli(['run', 'fsdax-unbind-2021', '-s', '1 1', '--record', rec]).code).toBe(0);
		const j = JSON.parse(readFileSync(rec, 'utf8'));
		const note = 'a\u009b31m b\u007f c\u2028d\u202ee\u001b';
		j.notes = [{branch: 'main', step: 1, text: note}];
		writeFileSync(rec, JSON.stringify(j));
		const r = cli(['replay', rec, '--json']);
		expect(r.code).toBe(0);
		expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
		expect(JSON.parse(r.out).steps[0].userNote).toBe(note);
	});

	it('a newline or an escape in a recording field: still one line', () => {
		const rec = join(dir, 'field.json');
		expect(cli(['run', 'fsdax-unbind-2021', '-s', '1', '--record', rec]).code).toBe(0);
		const j = JSON.parse(readFileSync(rec, 'utf8'));
		j.scenario.name = `evil\n\nline\u001b[2J\u0000`;
		writeFileSync(rec, JSON.stringify(j));
		const r = cli(['replay', rec]);
		refused(r, `racewalk: ${rec}: scenario.name is 'evil^J^Jline^[[2J^@' but the recorded source declares scenario 'fsdax-unbind-2021'`);
		const k = JSON.parse(readFileSync(rec, 'utf8'));
		k.params.set = {[`a\u001bb\nc`]: '1'};
		writeFileSync(rec, JSON.stringify(k));
		const r2 = cli(['replay', rec]);
		expect(r2.code).toBe(2);
		expect(r2.err.split('\n')).toHaveLength(2);
		expect(r2.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
	});
});

describe('7. a recording whose built-in source was edited', () => {
	it('replay says so, and the report reproduces with the recording, not the shipped file', () => {
		const rec = join(dir, 'edited.json');
		expect(cli(['run', 'fsdax-unbind-2021', '-s', '1', '--record', rec]).code).toBe(0);
		const j = JSON.parse(readFileSync(rec, 'utf8'));
		j.scenario.source = j.scenario.source.replace(/title\s+"/, 'title "edited: ');
		j.scenario.sha256 = sha(j.scenario.source);
		writeFileSync(rec, JSON.stringify(j));
		const r = cli(['replay', rec]);
		expect(r.code).toBe(0);
		expect(r.out).toContain("note: the scenario text differs from the built-in 'fsdax-unbind-2021' of this racewalk");
		expect(r.out).toContain("on its own scenario text, not the built-in 'fsdax-unbind-2021'");
		const md = cli(['export', rec, '--format', 'markdown']);
		expect(md.code).toBe(0);
		expect(md.out).not.toMatch(/^racewalk run /m);
		expect(md.out).toContain(`racewalk replay ${rec}`);
		// the same recording unedited: the built-in's name reproduces it
		const plain = join(dir, 'plain.json');
		expect(cli(['run', 'fsdax-unbind-2021', '-s', '1', '--record', plain]).code).toBe(0);
		expect(cli(['replay', plain]).out).not.toContain('differs from the built-in');
		expect(cli(['export', plain, '--format', 'markdown']).out).toContain('racewalk run fsdax-unbind-2021 --schedule "1"');
	});
});

describe("8. JavaScript's own names are not names of the language", () => {
	it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])('%s is an unknown name', name => {
		const p = file('proto.race', `scenario p\nexpect safe\ncpu 0 "a" {\n\tx = ${name};\n\tassert x "leaked";\n}\n`);
		refused(cli(['run', p, '-s', '0 0']), new RegExp(`proto\\.race:4:6: unknown name '${name}'`));
	});

	it('a local of that name reads NULL until assigned', () => {
		const p = file('local.race', 'scenario p\nexpect safe\ncpu 0 "a" {\n\tassert constructor == NULL "not NULL";\n\tconstructor = 1;\n\tassert constructor == 1 "not 1";\n}\n');
		const r = cli(['run', p, '-s', '0 0 0']);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
	});

	it('__proto__ is refused as a name and as a --set', () => {
		const p = file('p2.race', 'scenario p\nexpect safe\ncpu 0 "a" {\n\t__proto__ = 1;\n}\n');
		refused(cli(['run', p, '-s', '0']), new RegExp("p2\\.race:4:2: '__proto__' is a reserved name; rename it"));
		refused(cli(['run', 'fsdax-unbind-2021', '--set', '__proto__=1', '-s', '1']), "racewalk: --set __proto__=1: unknown param '__proto__'; params: gup_pgmap_check, gup_irqs_off, mapping");
	});
});

describe('9. the smaller ones', () => {
	it.each([
		[['run', 'fsdax-unbind-2021', '--set', 'gup_irqs_off=1', '-s', '1'], 'racewalk: --set gup_irqs_off=1: gup_irqs_off is a boolean; use true or false'],
		[['run', 'devdax-unbind', '--set', 'pages=-1', '-s', '1'], 'racewalk: --set pages=-1: pages must be in 1..8'],
		[['run', 'devdax-unbind', '--set', 'pages=x', '-s', '1'], 'racewalk: --set pages=x: pages is an integer in 1..8'],
		[['explore', 'fsdax-unbind-2021', '--max-states', ''], 'racewalk: --max-states: expected a value'],
		[['explore', 'fsdax-unbind-2021', '--max-states='], 'racewalk: --max-states: expected a value'],
		[['run', 'fsdax-unbind-2021', '--set', 'gup_irqs_off=true', '--set', 'gup_irqs_off=false', '-s', '1'], 'racewalk: --set gup_irqs_off=false: gup_irqs_off is already set to true by an earlier --set; give each param once'],
		[['run', 'fsdax-unbind-2021', '-s', ' '], 'racewalk: --schedule: expected a value'],
		[['list', 'extra'], "racewalk: list: unexpected argument 'extra' (racewalk list [--json]; to check a scenario: racewalk check extra)"],
		[['explore', 'fsdax-unbind-2021', '--strategy', 'pct', '--depth', '1000000'], "racewalk: --depth 1000000: PCT's bug depth is at most 100 (most races need 2 or 3)"],
		[['run', 'devdax-unbind', '-s', '0 0 1 1 1 1'], 'racewalk: devdax-unbind: step 6 (1): CPU1 is blocked in flush_tlb_mm_range: waiting for ack from CPU0 (IRQs off), CPU2; CPU0 has IRQs off since step 2; possible there: 0 2 i2'],
	])('%j', (args, line) => refused(cli(args, {timeout: 20_000}), line));

	it('--set over a --variant: the header says the variant no longer holds as declared', () => {
		const r = cli(['run', 'fsdax-unbind-2021', '--variant', 'noref', '--set', 'gup_pgmap_check=true', '-s', '1']);
		expect(r.out).toContain('variant: noref (with gup_pgmap_check=true set over it)');
		expect(cli(['run', 'fsdax-unbind-2021', '--variant', 'noref', '-s', '1']).out).toMatch(/variant: noref\n/);
	});

	it('CR-only line endings end lines (the first comment does not swallow the file)', () => {
		const p = file('cr.race', 'scenario cr\rexpect safe\r// a comment\rcpu 0 "a" {\r\tx = 1;\r\ty = ;\r}\r');
		const r = cli(['run', p, '-s', '0']);
		expect(r.code).toBe(2);
		expect(r.err).toBe(`racewalk: ${p}:6:6: expected an expression, found ';'\n  6 |  y = ;\n    |      ^\n`);
		const ok = file('cr2.race', 'scenario cr\rexpect safe\r// a comment\rcpu 0 "a" {\r\tx = 1;\r}\r');
		expect(cli(['run', ok, '-s', '0']).code).toBe(0);
	});
});

describe('found by the fuzzer', () => {
	it('an await whose condition calls a primitive that writes: peeked at on a throwaway draft, not on the frozen snapshot', () => {
		const p = file('await-write.race', 'scenario w\nexpect safe\nmachine {\n\tpgmap(pmem0, fsdax, 0x100, 1);\n\tmap(0x7f000000, 0x100, write, special, devmap);\n}\ncpu 0 "a" {\n\tpte = ptep_get_lockless(pmdp_get_lockless(0x7f000000), 0x7f000000);\n\tp = pte_page(pte);\n\tawait try_grab_page(p, FOLL_GET);\n\tx = 1;\n}\n');
		const r = cli(['run', p, '-s', '0 0 0 0']);
		expect(r.err).toBe('');
		expect(r.code).toBe(0);
		expect(r.out).toContain('verdict: no violation in 4 steps');
		const e = cli(['explore', p]);
		expect(e.err).toBe('');
		expect(e.code).toBe(0);
	});
});

describe('9. a long tampered recording is refused before its session is built', () => {
	const source = 'scenario spin\nexpect safe\ncpu 0 "a" {\nloop:\n\tx = 1;\n\tgoto loop;\n}\n';
	const recording = (branches: unknown[]) =>
		JSON.stringify({format: 'racewalk-recording/1', scenario: {name: 'spin', file: 'spin.race', sha256: sha(source), source}, params: {set: {}, variant: null}, branches, notes: [], cursor: {branch: 'main', step: 0}});

	it('stops at the first wrong hash without keeping a snapshot', () => {
		const restore = vi.spyOn(SessionImpl.prototype, 'restoreBranch');
		try {
			const text = recording([
				{name: 'main', parent: null, schedule: Array(200_000).fill('0').join(' '), hash: '0123456789abcdef'},
				{name: 'b1', parent: {branch: 'main', step: 10}, schedule: '0', hash: '0123456789abcdef'},
			]);
			expect(() => loadRecordingText(text, 'spin.json')).toThrow(/^spin\.json: branch 'main' diverged: its state after step 200000 hashes to [0-9a-f]{16}, the recording says 0123456789abcdef$/);
			expect(restore).not.toHaveBeenCalled();
		} finally {
			restore.mockRestore();
		}
	});

	it('a wrong hash on a later branch is found there, after the right ones', () => {
		const actual = (schedule: string): string => {
			try {
				loadRecordingText(recording([{name: 'main', parent: null, schedule, hash: '0'.repeat(16)}]), 'x');
			} catch (err) {
				return /hashes to ([0-9a-f]{16})/.exec(String(err))![1]!;
			}
			throw new Error('no divergence');
		};
		const text = recording([
			{name: 'main', parent: null, schedule: '0 0 0 0 0 0', hash: actual('0 0 0 0 0 0')},
			{name: 'b1', parent: {branch: 'main', step: 2}, schedule: '0', hash: 'fedcba9876543210'},
		]);
		expect(() => loadRecordingText(text, 'spin.json')).toThrow(/^spin\.json: branch 'b1' diverged: its state after step 3 hashes to [0-9a-f]{16}, the recording says fedcba9876543210$/);
	});
});

afterAll(() => {
	for (const f of ['a.json', 'b.json']) if (existsSync(join(dir, f))) rmSync(join(dir, f));
});
