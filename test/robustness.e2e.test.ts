// Issue 13 in a real pseudo-terminal: the TUI on a CPU with an empty body, a
// scenario whose comment holds terminal escapes, sessions that must never be
// lost (two TUIs quitting at once, a folder that cannot be written, nowhere
// to write at all), SIGQUIT, and closing the terminal under it.

import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, startTui} from './helpers/pty.js';

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'racewalk-13-e2e-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const fresh = (name: string): string => {
	const d = join(dir, name);
	mkdirSync(d, {recursive: true});
	return d;
};
const autosaves = (d: string): string[] => (existsSync(d) ? readdirSync(d).filter(f => f.startsWith('autosave-')) : []);
const replay = (path: string) => spawnSync(process.execPath, [CLI, 'replay', path], {encoding: 'utf8'});
const ready = (t: string) => t.includes('press a CPU digit') || t.includes('? help');

describe('issue 13 in a pseudo-terminal', () => {
	it('1. a CPU with an empty body: shown finished, stepping it says so, the others step', async () => {
		const d = fresh('empty');
		writeFileSync(join(d, 'e.race'), 'scenario e\nexpect safe\ncpu 0 "idle" {\n}\ncpu 1 "busy" {\n\ty = 1;\n}\n');
		const t = startTui(['e.race'], d);
		await t.waitFor(ready, 'the first frame');
		expect(t.text()).toMatch(/CPU0 idle[\s\S]*finished/);
		t.proc.write('0');
		await t.waitFor(s => s.includes('CPU0 is finished'), 'the refusal');
		t.proc.write('1');
		await t.waitFor(s => /step 1\b/.test(s), 'step 1');
		t.proc.write('q');
		expect((await t.exited).exitCode).toBe(0);
		expect(autosaves(join(d, '.racewalk'))).toHaveLength(1);
	});

	it('6. escapes in a scenario comment never reach the terminal; the source pane spells them out', async () => {
		const d = fresh('esc');
		writeFileSync(join(d, 'esc.race'), 'scenario esc\nexpect safe\ncpu 0 "a" {\n\tx = 1; // \u001b]2;pwned\u0007 \u001b[5;31mred\n}\n');
		const t = startTui(['esc.race'], d);
		await t.waitFor(s => s.includes('^[]2;pwned^G'), 'the comment, spelled out');
		expect(t.raw()).not.toContain('\u001b]2;pwned');
		expect(t.raw()).not.toContain('\u001b[5;31m');
		expect(t.text()).toContain('^[[5;31mred');
		t.proc.write('q');
		expect((await t.exited).exitCode).toBe(0);
	});

	it('3. two TUIs in one folder quitting in the same second both keep their session', async () => {
		const d = fresh('two');
		const a = startTui(['fsdax-unbind-2021'], d);
		const b = startTui(['fsdax-unbind-2021'], d);
		await a.waitFor(ready, 'TUI a');
		await b.waitFor(ready, 'TUI b');
		a.proc.write('1');
		b.proc.write('2');
		await a.waitFor(s => /step 1\b/.test(s), 'a stepped');
		await b.waitFor(s => /step 1\b/.test(s), 'b stepped');
		a.proc.write('q');
		b.proc.write('q');
		expect((await a.exited).exitCode).toBe(0);
		expect((await b.exited).exitCode).toBe(0);
		const files = autosaves(join(d, '.racewalk'));
		expect(files).toHaveLength(2);
		const schedules = files.map(f => JSON.parse(readFileSync(join(d, '.racewalk', f), 'utf8')).branches[0].schedule).sort();
		expect(schedules).toEqual(['1', '2']);
	});

	it('3. a folder that cannot be written: the session goes to the XDG state directory', async () => {
		const d = fresh('ro');
		writeFileSync(join(d, '.racewalk'), 'a file where the folder would be\n');
		const state = join(dir, 'xdg-state');
		const t = startTui(['fsdax-unbind-2021'], d, {XDG_STATE_HOME: state});
		await t.waitFor(ready, 'the first frame');
		t.proc.write('1');
		await t.waitFor(s => /step 1\b/.test(s), 'step 1');
		t.proc.write('q');
		expect((await t.exited).exitCode).toBe(0);
		const files = autosaves(join(state, 'racewalk'));
		expect(files).toHaveLength(1);
		expect(t.raw()).toContain(`session auto-saved to ${join(state, 'racewalk', files[0]!)} (${join(d, '.racewalk')} could not be written)`);
		expect(replay(join(state, 'racewalk', files[0]!)).status).toBe(0);
	});

	it('3. nowhere to write: q and :set are refused with the reason, :quit! quits', async () => {
		const d = fresh('nowhere');
		writeFileSync(join(d, '.racewalk'), 'not a folder\n');
		const blocker = join(d, 'blocker');
		writeFileSync(blocker, 'not a folder either\n');
		const t = startTui(['fsdax-unbind-2021'], d, {XDG_STATE_HOME: join(blocker, 'state'), HOME: blocker});
		await t.waitFor(ready, 'the first frame');
		t.proc.write('1');
		await t.waitFor(s => /step 1\b/.test(s), 'step 1');
		t.proc.write(':set gup_irqs_off=false\r');
		await t.waitFor(s => s.includes('not restarted: the session could not be saved first'), ':set refused');
		expect(t.text()).toMatch(/step 1\b/);
		t.proc.write('q');
		await t.waitFor(s => s.includes('not quitting: the session could not be saved'), 'q refused');
		t.proc.write(':quit!\r');
		expect((await t.exited).exitCode).toBe(0);
		expect(t.raw()).toContain('session not saved (:quit!)');
	});

	it('9. SIGQUIT restores the terminal (the alternate screen is left) and saves the session', async () => {
		const d = fresh('quit');
		const t = startTui(['fsdax-unbind-2021'], d);
		await t.waitFor(ready, 'the first frame');
		// a step: something to save (an open that changed nothing leaves no auto-save, issue 12)
		t.proc.write('1');
		await t.waitFor(x => x.includes('step 1 of 1'), 'a step');
		const before = t.raw().length;
		t.proc.kill('SIGQUIT');
		const e = await t.exited;
		expect(e.exitCode).toBe(131);
		const after = t.raw().slice(before);
		expect(after).toContain('\u001b[?1049l');
		expect(after).toContain('racewalk: stopped by SIGQUIT');
		expect(autosaves(join(d, '.racewalk'))).toHaveLength(1);
	});

	it.skipIf(spawnSync('tmux', ['-V']).status !== 0)('9. closing the terminal (tmux kill-session): one auto-save, no stack trace', async () => {
		const d = fresh('kill');
		const name = `racewalk-13-${process.pid}`;
		const scenario = join(d, `${name}.race`);
		writeFileSync(scenario, readFileSync(join(CLI, '../../scenarios/fsdax-unbind-2021.race'), 'utf8'));
		const env = Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('VITEST') && k !== 'TMUX');
		spawnSync('tmux', ['new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', d, `${process.execPath} ${CLI} ${scenario} 2> ${join(d, 'stderr.txt')}`], {env: Object.fromEntries(env)});
		const t0 = Date.now();
		while (!spawnSync('tmux', ['capture-pane', '-p', '-t', name], {encoding: 'utf8'}).stdout.includes('press a CPU digit')) {
			if (Date.now() - t0 > 20_000) throw new Error('the TUI did not start in tmux');
			await new Promise(r => setTimeout(r, 50));
		}
		spawnSync('tmux', ['send-keys', '-t', name, '1']);
		// wait for the step on screen (a fixed delay was too short under load): something to save
		const t2 = Date.now();
		while (!spawnSync('tmux', ['capture-pane', '-p', '-t', name], {encoding: 'utf8'}).stdout.includes('step 1 of 1')) {
			if (Date.now() - t2 > 20_000) throw new Error('the step did not show in tmux');
			await new Promise(r => setTimeout(r, 50));
		}
		spawnSync('tmux', ['kill-session', '-t', name]);
		// the process saves and exits on its own once its terminal is gone
		const t1 = Date.now();
		while (autosaves(join(d, '.racewalk')).length === 0 || spawnSync('pgrep', ['-f', scenario]).status === 0) {
			if (Date.now() - t1 > 20_000) break;
			await new Promise(r => setTimeout(r, 100));
		}
		await new Promise(r => setTimeout(r, 500));
		expect(autosaves(join(d, '.racewalk'))).toHaveLength(1);
		const err = readFileSync(join(d, 'stderr.txt'), 'utf8');
		expect(err).not.toMatch(/\n\s+at |EIO|internal error/);
	});
});
