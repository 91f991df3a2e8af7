// End to end: the BUILT binary in a real pseudo-terminal (node-pty), its output
// fed into a headless xterm, keys sent one at a time, screen conditions
// polled (never fixed sleeps).

import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {childEnv, CLI, ROOT, startTui, type Tui} from './helpers/pty.js';

/** The TUI at 100x30 unless told otherwise (the shared harness defaults to 120x40). */
const start = (args: string[], cwd: string, cols = 100, rows = 30): Tui => startTui(args, cwd, {}, cols, rows);

const has = (s: string) => (t: string) => t.includes(s);

// `racewalk explore fsdax-unbind-2021` reports this livelock: 26 steps, then CPU0's 7-step retry loop
const LIVELOCK_PREFIX = '0 0 0 0 0 0 1 1 1 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 2 2';

let dir: string;
beforeAll(() => {
	if (!existsSync(CLI)) spawnSync('npm', ['run', 'build', '--silent'], {cwd: ROOT, stdio: 'inherit'});
	dir = mkdtempSync(join(tmpdir(), 'racewalk-e2e-'));
});
afterAll(() => {
	rmSync(dir, {recursive: true, force: true});
});

/** A recording's branch as one schedule from the root (parents resolved). */
function fullSchedule(rec: {branches: {name: string; parent: {branch: string; step: number} | null; schedule: string}[]}, name: string): string[] {
	const b = rec.branches.find(x => x.name === name)!;
	const own = b.schedule.split(/[\s,]+/).filter(Boolean);
	if (!b.parent) return own;
	return [...fullSchedule(rec, b.parent.branch).slice(0, b.parent.step), ...own];
}

const traceLines = (out: string): string[] => out.split('\n').filter(l => /^\s+\d+\s+(CPU|i)\d/.test(l)).map(l => l.trimEnd());

describe('racewalk TUI in a pseudo-terminal', () => {
	let saved: string | null = null;

	it('steps, rewinds, branches, searches, saves, follows a resize and quits with 0', async () => {
		const t = start([], dir);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			expect(t.chunks.join('')).toContain('\x1b[?1049h');
			expect(t.text()).toContain('fsdax-unbind-2021');
			await t.press('0', has('step 1 of 1'), 'CPU0 step');
			const before = t.chunks.length;
			await t.press('1', has('step 2 of 2'), 'CPU1 step');
			// steady state: no clear-screen (a full redraw) for a step
			expect(t.chunks.slice(before).join('')).not.toContain('\x1b[2J');
			await t.press('2', has('step 3 of 3'), 'CPU2 step');
			await t.press('\x1b[D', has('step 2 of 3'), 'rewind');
			await t.press('0', has('branch b1 (2/2)'), 'a new branch from another order');
			expect(t.text()).toContain('new branch b1');
			await t.press('e', t2 => /found [a-z-]+|no violation reachable|nothing found|not available/.test(t2), 'search result');
			const afterSearch = t.text();
			if (/found [a-z-]+/.test(afterSearch)) expect(afterSearch).toContain('branch b2 (3/3)');
			await t.press('s', has('recording saved to'), 'save');
			// a long path wraps onto the message's second line
			const m = /recording saved to\s+(\S+\.json)/.exec(t.screen().map(l => l.trimEnd()).join(' '));
			expect(m, t.text()).not.toBeNull();
			// the path shown is absolute
			expect(m![1]!.startsWith(dir)).toBe(true);
			saved = m![1]!;
			expect(existsSync(saved)).toBe(true);
			// resize: the layout follows
			t.resize(80, 24);
			// the frame fits: header on the first row, footer on row 23, nothing below
			await t.waitFor((_, l) => l[0]!.includes('racewalk') && l.some(x => x.includes('─ state Tab')) && l[22]!.includes('help') && l[23]!.trim() === '', 'the compact layout at 80x24');
			const lines = t.screen();
			expect(lines[0]).toContain('racewalk');
			expect(lines.join('\n')).toMatch(/▾ \+\d+ more/);
			// the CPU panes end exactly at the right edge
			expect(lines.find(l => l.includes('CPU2 user load'))!.trimEnd().length).toBe(80);
			t.resize(100, 30);
			await t.waitFor((_, l) => l[0]!.includes('racewalk') && l[28]!.includes('help') && l[29]!.trim() === '', 'the layout back at 100x30');
			t.proc.write('q');
			const e = await t.exited;
			expect(e.exitCode).toBe(0);
			const all = t.chunks.join('');
			expect(all.lastIndexOf('\x1b[?1049l')).toBeGreaterThan(all.lastIndexOf('\x1b[?1049h'));
			expect(all).toContain(`session auto-saved to ${join(dir, '.racewalk', 'autosave-fsdax-unbind-2021-')}`);
		} finally {
			t.proc.kill();
		}
	});

	it('a saved recording replays to the same trace as run of the same schedule', () => {
		expect(saved).not.toBeNull();
		const rec = JSON.parse(readFileSync(saved!, 'utf8'));
		expect(rec.format).toBe('racewalk-recording/1');
		const schedule = fullSchedule(rec, rec.cursor.branch).join(' ');
		const run = spawnSync(process.execPath, [CLI, 'run', 'fsdax-unbind-2021', '-s', schedule], {cwd: dir, encoding: 'utf8'});
		expect(traceLines(run.stdout).length).toBe(schedule.split(' ').length);
		const help = spawnSync(process.execPath, [CLI, 'replay', '--help'], {cwd: dir, encoding: 'utf8'});
		if (help.status !== 0) return; // replay is not built in yet: the run side is checked above
		const replay = spawnSync(process.execPath, [CLI, 'replay', saved!, '--branch', rec.cursor.branch], {cwd: dir, encoding: 'utf8'});
		expect(traceLines(replay.stdout)).toEqual(traceLines(run.stdout));
	});

	it('replay --tui opens the saved recording on its cursor branch', async () => {
		expect(saved).not.toBeNull();
		const help = spawnSync(process.execPath, [CLI, 'replay', '--help'], {cwd: dir, encoding: 'utf8'});
		if (!help.stdout.includes('--tui')) return; // not wired yet
		const rec = JSON.parse(readFileSync(saved!, 'utf8'));
		const t = start(['replay', saved!, '--tui'], dir);
		try {
			await t.waitFor(has('replayed'), 'the replayed recording');
			expect(t.text()).toContain(`branch ${rec.cursor.branch} (`);
			expect(t.text()).toContain(`step ${rec.cursor.step} of`);
			await t.press('\x1b[D', has(`step ${rec.cursor.step - 1} of`), 'rewind in the replay');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('racewalk FILE.json opens a recording as replay --tui does (README: racewalk race.json)', async () => {
		expect(saved).not.toBeNull();
		const rec = JSON.parse(readFileSync(saved!, 'utf8'));
		const t = start([saved!], dir);
		try {
			await t.waitFor(t2 => t2.includes('replayed') && t2.includes('verified'), 'the replayed recording');
			expect(t.text()).toContain(`branch ${rec.cursor.branch} (`);
			expect(t.text()).toContain(`step ${rec.cursor.step} of`);
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('a command pasted with its Enter in one chunk runs (goto 1\\r)', async () => {
		const t = start(['fsdax-unbind-2021'], dir);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			await t.press('111', has('step 3 of 3'), 'three steps in one chunk');
			await t.press(':', has('Enter runs'), 'the prompt');
			await t.press('goto 1\r', has('step 1 of 3'), 'the pasted command ran');
			expect(t.text()).not.toContain('Enter runs');
			await t.press('1', has('step 2 of'), 'keys work after the paste');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('--no-color draws plain text', async () => {
		const t = start(['--no-color'], dir);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			// no SGR colour sequences (resets and cursor moves are fine)
			expect(t.chunks.join('')).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7])m/);
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('an unknown flag is one line in our style, exit 2', () => {
		const r = spawnSync(process.execPath, [CLI, '--bogus'], {cwd: dir, encoding: 'utf8', input: '', env: childEnv()});
		expect(r.status).toBe(2);
		const lines = r.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain('unknown flag --bogus');
	});

	it('SIGTERM restores the terminal and auto-saves', async () => {
		const t = start(['fsdax-unbind-2021'], dir);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			await t.press('1', has('step 1 of 1'), 'a step');
			t.proc.kill('SIGTERM');
			const e = await t.exited;
			expect(e.exitCode === 143 || e.signal === 15).toBe(true);
			const all = t.chunks.join('');
			expect(all).toContain('\x1b[?1049l');
			expect(all).toContain('session auto-saved to');
		} finally {
			t.proc.kill();
		}
	});

	it('Ctrl+C quits cleanly', async () => {
		const t = start([], dir, 80, 24);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			t.proc.write('\x03');
			const e = await t.exited;
			expect(e.exitCode).toBe(0);
			expect(t.chunks.join('')).toContain('\x1b[?1049l');
		} finally {
			t.proc.kill();
		}
	});

	it('shows what a step did: the hardware walk of a user load, under the step', async () => {
		const t = start([], dir, 120, 40);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			await t.press('2', has('step 1 of 1'), 'CPU2 loads');
			await t.waitFor(has('↳ TLB miss: walk va 0x7f000000 -> pte present, pfn 0x100; TLB filled'), 'the effect line');
			expect(t.text()).toContain('CPU2.tlb[0x7f000000] = pfn 0x100 W');
			await t.press('1', has('↳ pmem0.dax: alive -> dead'), 'the next step’s effect');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('e from the livelock prefix finds the livelock and opens it with its loop marked', async () => {
		const t = start([], dir, 120, 40);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			await t.press(LIVELOCK_PREFIX.replace(/ /g, ''), has('step 26 of 26'), 'the livelock prefix');
			await t.press('e', has('found livelock'), 'the livelock');
			const text = t.text();
			expect(text).toContain('found livelock (S8)');
			expect(text).toContain('steps 27-33 loop for ever');
			expect(text).toMatch(/33 ↻/);
			expect(text).toContain('step 33 of 33');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('80x24 keeps the values whole: UNBACKED in the memmap row, the leaf with its full pfn', async () => {
		const t = start([], dir, 80, 24);
		try {
			await t.waitFor(has('step 0 of 0'), 'the first frame');
			await t.press('21111111', has('step 8 of 8'), 'the race to MU4');
			await t.waitFor(has('UNBACKED'), 'the memmap row');
			const text = t.text();
			expect(text).toMatch(/0x100 +REMOVED +0 +0 UNBACKED/);
			expect(text).toContain('0x7f000000 → pfn 0x100 W S D');
			expect(text).toContain('mapping=pte_mapped');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('a key under the too-small screen does nothing (and says so); quit without a change leaves no auto-save', async () => {
		const before = existsSync(join(dir, '.racewalk')) ? readdirSync(join(dir, '.racewalk')).length : 0;
		const t = start([], dir, 50, 12);
		try {
			await t.waitFor(has('terminal too small: 50x12'), 'the too-small screen');
			await t.press('1', has('1 key ignored'), 'the ignored key');
			await t.press('e', has('2 keys ignored'), 'another ignored key');
			t.resize(80, 24);
			await t.waitFor(has('step 0 of 0'), 'the normal screen');
			expect(t.text()).not.toContain('branch b1');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
			expect(t.chunks.join('')).toContain('nothing changed: no auto-save');
			const after = existsSync(join(dir, '.racewalk')) ? readdirSync(join(dir, '.racewalk')).length : 0;
			expect(after).toBe(before);
		} finally {
			t.proc.kill();
		}
	});

	it('a terminal too small says so, and grows back', async () => {
		const t = start([], dir, 50, 12);
		try {
			await t.waitFor(has('terminal too small: 50x12'), 'the too-small screen');
			t.resize(80, 24);
			await t.waitFor(has('step 0 of 0'), 'the normal screen');
			t.proc.write('q');
			expect((await t.exited).exitCode).toBe(0);
		} finally {
			t.proc.kill();
		}
	});

	it('without a TTY it does not start Ink: one line, exit 2', () => {
		const r = spawnSync(process.execPath, [CLI], {cwd: dir, encoding: 'utf8', input: '', env: childEnv()});
		expect(r.status).toBe(2);
		expect(r.stdout).toBe('');
		const lines = r.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain('racewalk run');
		expect(lines[0]).toContain('racewalk replay');
	});
});
