// What a fourth newcomer's trial of the TUI found (tmux at 80x24 and
// 120x40, from the README alone): after :set, :variant or :reload at 80
// columns the message began with the auto-save's long path and the news
// itself ("restarted with ...") was cut off; :reload of an unchanged file
// spoke of recordings, and :reload in a recording did not say that it never
// reads the edited file. Frames rendered with Ink and asserted.

import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openModel} from '../source/commands/common.js';
import {modelFromSource} from '../source/lang/load.js';
import {createSession} from '../source/session/session.js';
import type {Session} from '../source/session/types.js';
import {KEYS} from '../source/ui/testing.js';
import {fresh, mountApp as app} from './helpers/app.js';

const type = (text: string): string[] => [':', `${text}\r`];
/** The frame's lines joined, so a message wrapped over two lines reads as one. */
const flat = (frame: string): string => frame.replace(/\s*\n\s*/g, ' ');
const LONG = '/home/someone/work/linux/mm-races/.racewalk/autosave-fsdax-unbind-2021-2026-12-01T21-36-15.json';

describe('messages after :set, :variant and :reload lead with what happened', () => {
	it(':set at 80 columns: "restarted with" is on screen, the saved path after it', async () => {
		const reopen = (sets: Record<string, string>, variant: string | null): Session =>
			createSession(openModel('fsdax-unbind-2021', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`), ...(variant ? {variant} : {})}));
		const r = app(fresh('1 1'), 80, 24, {reopen, autosave: () => LONG});
		await r.press(...type('set gup_pgmap_check=false'));
		const text = flat(r.frame());
		expect(text).toContain('restarted with gup_pgmap_check=false');
		expect(text.indexOf('restarted with')).toBeLessThan(text.indexOf('saved to'));
		expect(r.frame()).toContain('step 0 of 0');
	});

	it(':variant at 80 columns names the variant it opened before the saved path', async () => {
		const reopen = (sets: Record<string, string>, variant: string | null): Session =>
			createSession(openModel('kref-lookup', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`), ...(variant ? {variant} : {})}));
		const r = app(createSession(openModel('kref-lookup')), 80, 24, {reopen, autosave: () => LONG});
		await r.press('0');
		await r.press(...type('variant plain-get'));
		expect(flat(r.frame())).toContain('restarted with variant plain-get');
	});
});

describe(':reload says what it reads', () => {
	it('an unchanged scenario file: no word about recordings', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-t4-'));
		try {
			const file = join(dir, 'mine.race');
			writeFileSync(file, readFileSync('test/scenarios/counter-lock.race', 'utf8'));
			const reopen = (): Session => createSession(openModel(file));
			const r = app(reopen(), 120, 40, {reopen});
			await r.press(...type('reload'));
			expect(flat(r.frame())).toContain('mine.race: unchanged since it was opened');
			expect(r.frame()).not.toContain('recording');
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('a recording: it keeps its own text; the message says how to open the edited file', async () => {
		const source = readFileSync('test/scenarios/counter-lock.race', 'utf8');
		const reopen = (): Session => createSession(modelFromSource('mine.race', source));
		const r = app(reopen(), 140, 40, {reopen, recording: 'race.json'});
		await r.press(...type('reload'));
		expect(flat(r.frame())).toContain('race.json keeps the text of mine.race it was recorded with, so :reload finds no change; to step your edited file, open it: racewalk mine.race');
	});
});

describe('the timeline shows a store that changed nothing', () => {
	it("the lost update's second `counter = tmp + 1` says global.counter = 1 (unchanged) under the cursor", async () => {
		const r = app(fresh('0 1 0 1', 'test/scenarios/counter-lock.race'), 120, 40);
		// back and forth: the effects are those of the step the cursor is on
		await r.press(KEYS.left);
		expect(r.frame()).not.toContain('(unchanged)');
		await r.press(KEYS.right);
		expect(r.frame()).toContain('step 4 of 4');
		expect(r.frame()).toContain('↳ global.counter = 1 (unchanged)');
	});
});

describe('e from a state where every CPU has finished', () => {
	it('counts one state as "1 state" (it said "1 states")', async () => {
		const {searchService} = await import('../source/ui/services.js');
		const s = createSession(openModel('test/scenarios/counter-lock.race', {variant: 'fixed'}));
		const r = app(s, 140, 40, {search: searchService()});
		await r.press('c');
		expect(flat(r.frame())).toContain('end: every CPU finished');
		await r.press('e');
		for (let i = 0; i < 100 && !r.frame().includes('no violation or livelock'); i++) await new Promise(res => setTimeout(res, 50));
		expect(flat(r.frame())).toContain('(1 state in ');
	});
});

describe('the header names a param set over the variant', () => {
	it(':set locked=false on the variant fixed (locked = true) shows [fixed + locked=false]', async () => {
		const reopen = (sets: Record<string, string>, variant: string | null): Session =>
			createSession(openModel('test/scenarios/counter-lock.race', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`), ...(variant ? {variant} : {})}));
		const r = app(reopen({}, 'fixed'), 120, 40, {reopen});
		expect(r.frame()).toContain('counter-lock [fixed]  ');
		await r.press(...type('set locked=false'));
		expect(r.frame()).toContain('counter-lock [fixed + locked=false]');
		expect(r.frame()).toContain('params locked=false');
	});
});

describe('the header of a scenario without params', () => {
	it('has no "params" label with nothing after it', async () => {
		const src = 'scenario abba\ntitle "ABBA"\nspinlock_t a;\nspinlock_t b;\ncpu 0 "ab" {\n\tspin_lock(&a);\n\tspin_lock(&b);\n}\ncpu 1 "ba" {\n\tspin_lock(&b);\n\tspin_lock(&a);\n}\n';
		const r = app(createSession(modelFromSource('abba.race', src)), 80, 24);
		await r.press('0', '1', '0', '1');
		const status = r.lines().find(l => l.startsWith(' branch main'))!;
		expect(status).toContain('VIOLATION deadlock @4');
		expect(status).not.toContain('params');
	});
});

describe('keys pressed while e searches', () => {
	it('the progress line says that other keys do nothing until it ends (the "busy" refusal was overwritten at once)', async () => {
		const {searchService} = await import('../source/ui/services.js');
		const s = createSession(openModel('devdax-unbind', {set: ['gups=3', 'walkers=2']}));
		const r = app(s, 140, 40, {search: searchService()});
		await r.press('e');
		expect(flat(r.frame())).toContain('(Esc cancels)');
		await r.press('0');
		// the next progress report (every 200 ms) keeps the reason
		for (let i = 0; i < 100 && !flat(r.frame()).includes('other keys do nothing until it ends'); i++) await new Promise(res => setTimeout(res, 50));
		expect(flat(r.frame())).toMatch(/searching from step 0: .* states.*\(Esc cancels; other keys do nothing until it ends\)/);
		expect(r.frame()).toContain('step 0 of 0');
		await r.press('\x1b');
		for (let i = 0; i < 100 && !flat(r.frame()).includes('search cancelled'); i++) await new Promise(res => setTimeout(res, 50));
		expect(flat(r.frame())).toContain('search cancelled');
	});
});
