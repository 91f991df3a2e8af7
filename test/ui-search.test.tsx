// Everything search finds, in the TUI: `e` runs the liveness search too (a
// livelock opens as a branch with its loop marked), `c` stops where the run
// repeats a state without progress, a result the tree already holds is gone
// to rather than added again, and what the TUI writes goes to .racewalk/.

import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import React from 'react';
import {afterAll, describe, expect, it} from 'vitest';
import {loadRecording} from '../source/session/recording.js';
import {createSession} from '../source/session/session.js';
import type {Session} from '../source/session/types.js';
import {Controller, type Services} from '../source/ui/controller.js';
import {exportService, saveService, searchService} from '../source/ui/services.js';
import {fresh, mountApp} from './helpers/app.js';
import {miniModel} from './helpers/mini.js';

const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-search-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const app = (session: Session, services: Services = {}, columns = 120, rows = 40) => mountApp(session, columns, rows, services);

const until = async (r: {frame: () => string}, pred: (f: string) => boolean, what: string): Promise<void> => {
	for (let i = 0; i < 400; i++) {
		if (pred(r.frame())) return;
		await new Promise(res => setTimeout(res, 25));
	}
	throw new Error(`timed out waiting for ${what}:\n${r.frame()}`);
};

// `racewalk explore fsdax-unbind-2021` reports this livelock: 26 steps (S2 on the way), then CPU0's 7-step retry loop
const LIVELOCK_PREFIX = '0 0 0 0 0 0 1 1 1 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 2 2';

describe('e and c see livelocks', () => {
	it('e from the livelock prefix finds the livelock and opens it as a branch with its loop marked', async () => {
		const r = app(fresh(LIVELOCK_PREFIX), {search: searchService()});
		await r.press('e');
		await until(r, f => f.includes('found livelock'), 'the livelock');
		const f = r.frame();
		expect(f).toContain('found livelock (S8)');
		expect(f).toContain('steps 27-33 loop for ever (↻)');
		expect(f).not.toContain('no violation reachable');
		const s = r.ctl.current!.session;
		expect(s.branches.length).toBe(2);
		expect(s.cursor.depth).toBe(33);
		// the loop's steps carry the mark; its first step the note (kept in a recording)
		const loopRows = r.lines().filter(l => /^│[▶ ]\s*\d+ ↻/.test(l));
		expect(loopRows.map(l => Number(/(\d+) ↻/.exec(l)![1]))).toEqual([27, 28, 29, 30, 31, 32, 33]);
		// on the step the loop starts after, as explore --record puts it (the exports mark the loop from it)
		expect(s.pathOf()[26]!.userNote).toBe('livelock: from here steps 27-33 repeat for ever without progress');
		expect(f).toContain('↻ loop 27-33 repeats');
	});

	it('c from the livelock prefix stops when the run is back in a state without progress, and says so', async () => {
		const r = app(fresh(LIVELOCK_PREFIX));
		await r.press('c');
		const f = r.frame();
		expect(f).toMatch(/livelock\? the run is back in the state of step \d+ without progress: steps \d+-\d+ loop/);
		const steps = Number(/continue \(seed 1\): (\d+) steps?/.exec(f)![1]);
		expect(steps).toBeGreaterThan(0);
		expect(steps).toBeLessThanOrEqual(14);
		expect(f).not.toContain('stopped after 10000 steps');
		expect(f).toMatch(/↻/);
	});

	it('c calls a loop a livelock only when every CPU that does not move in it cannot move (fairness)', () => {
		// CPU0 spins for ever; while CPU1 can still move, a repeat of CPU0's state is not a livelock yet
		const c = new Controller(createSession(miniModel({cpus: ['retry:\n x = 1;\n goto retry;', 'kill_dax(pmem0);\n del_gendisk(pmem0);']})));
		for (let seed = 1; seed <= 6; seed++) {
			c.seed = seed;
			c.exec('goto 0');
			c.key('c');
			expect(c.message!.text).toMatch(/livelock\? the run is back in the state of step \d+ without progress/);
			expect(c.session.cursor.state.cpus[1]!.pc).toBe(-1);
		}
	});

	it('e from the start, with the counterexample already in the tree, goes to it instead of adding an equal branch', async () => {
		const r = app(fresh('1 1 1 1 1 1 1'), {search: searchService()});
		await r.press(':', ...'goto 0'.split(''), '\r');
		expect(r.ctl.current!.session.cursor.depth).toBe(0);
		await r.press('e');
		await until(r, f => f.includes('found stale-mapping'), 'the counterexample');
		const s = r.ctl.current!.session;
		expect(s.branches.length).toBe(1);
		expect(s.cursor.depth).toBe(7);
		expect(r.frame()).toContain('already on branch main (step 7)');
	});
});

describe('a recorded livelock', () => {
	it('a livelock branch of explore --record opens with its loop marked (from its note)', async () => {
		const file = join(dir, 'explored.json');
		const r0 = spawnSync(process.execPath, ['dist/cli.js', 'explore', 'fsdax-unbind-2021', '--record', file], {encoding: 'utf8'});
		expect(r0.status, r0.stderr).toBe(1);
		const {session} = loadRecording(file);
		const r = app(session);
		await r.press(':', ...'goto 0'.split(''), '\r');
		const s = r.ctl.current!.session;
		s.switchBranch('livelock');
		s.goto(s.point(s.branch.head).depth);
		await r.press('\x1b');
		const f = r.frame();
		expect(f).toMatch(/↻ loop \d+-\d+ repeats/);
		expect(r.lines().filter(l => / ↻ /.test(l)).length).toBeGreaterThanOrEqual(5);
	});
});

describe('where the TUI writes', () => {
	it('s and x write into .racewalk/ (as the auto-saves), and say the path', () => {
		const cwd = mkdtempSync(join(dir, 'cwd-'));
		const s = fresh('1');
		const rec = saveService(cwd, () => ({}))(s);
		const md = exportService(cwd, () => ({}))(s);
		expect(dirname(rec)).toBe(join(cwd, '.racewalk'));
		expect(dirname(md)).toBe(join(cwd, '.racewalk'));
		expect(existsSync(rec) && existsSync(md)).toBe(true);
		expect(readdirSync(cwd)).toEqual(['.racewalk']);
	});

	it('a session is changed (worth an auto-save) only once something happened', () => {
		const c = new Controller(fresh());
		expect(c.changed()).toBe(false);
		c.key('?');
		c.key('escape');
		c.key('z');
		expect(c.changed()).toBe(false);
		c.key('1');
		expect(c.changed()).toBe(true);
		const d = new Controller(fresh());
		d.exec('break 91');
		expect(d.changed()).toBe(true);
	});
});
