import React from 'react';
import xterm from '@xterm/headless';
import {render as inkTestRender} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {openModel} from '../source/commands/common.js';
import {createSession} from '../source/session/session.js';
import type {Session} from '../source/session/types.js';
import {App} from '../source/ui/App.js';
import {Controller, type Services} from '../source/ui/controller.js';
import {FrameWriter, frameText} from '../source/ui/frame.js';
import {LEGEND} from '../source/ui/help.js';
import {commandFor, KEYMAP, keyNames} from '../source/ui/keymap.js';
import {layoutKind, screenLines} from '../source/ui/layout.js';
import {memmapLines, pageTableLines, pgmapLines} from '../source/ui/statepanes.js';
import {FrameSinkContext} from '../source/ui/Screen.js';
import {KEYS, renderAt, settle, stripAnsi} from '../source/ui/testing.js';
import {fresh, mountApp as app, track} from './helpers/app.js';
import {CHANGED, plain} from '../source/ui/text.js';


/** The line of a frame holding `text`. */
const lineWith = (lines: string[], text: string): string => lines.find(l => l.includes(text)) ?? '';

/** The source line number the ▶ marker is on inside a CPU pane (column range). */
function cursorLine(lines: string[], label: string): number | null {
	const top = lines.findIndex(l => l.includes(label));
	const col = lines[top]!.indexOf(label) - 3;
	for (let i = top + 1; i < lines.length; i++) {
		const cell = lines[i]!.slice(col, col + 40);
		if (cell.startsWith('└')) break;
		const m = /^│▶\s*(\d+)/.exec(cell);
		if (m) return Number(m[1]);
	}
	return null;
}

describe.each([
	[80, 24],
	[120, 40],
])('the TUI at %ix%i', (columns, rows) => {
	it('shows every pane and fits the frame in rows-1 lines of the width', async () => {
		const r = app(fresh(), columns, rows);
		await settle();
		const lines = r.lines();
		expect(lines.length).toBe(rows - 1);
		for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns);
		const f = r.frame();
		expect(f).toContain('fsdax-unbind-2021');
		expect(f).toContain('step 0 of 0');
		expect(f).toContain('branch main');
		for (const label of ['CPU0 gup-fast', 'CPU1 unbind', 'CPU2 user load']) expect(f).toContain(label);
		expect(f).toContain('IRQs on');
		expect(f).toContain('TLB empty');
		expect(f).toContain('timeline');
		expect(f).toContain('(initial state)');
		if (columns > 80) expect(f).toContain('page tables');
		expect(f).toContain('memmap');
		expect(f).toContain('dev_pagemap');
		expect(f).toContain('pmem0');
		expect(lines[lines.length - 1]).toContain('0-9 step');
		if (columns === 80) {
			expect(f).toContain('─ state Tab');
			expect(f).toMatch(/▾ \+\d+ more/);
		} else {
			expect(f).toContain('0x100 present');
			expect(f).toContain('PTE T3');
		}
	});

	it('steps, rewinds and redoes with keys', async () => {
		const r = app(fresh(), columns, rows);
		await settle();
		expect(cursorLine(r.lines(), 'CPU1 unbind')).toBe(90);
		await r.press('1');
		expect(r.frame()).toContain('step 1 of 1');
		expect(cursorLine(r.lines(), 'CPU1 unbind')).toBe(91);
		expect(lineWith(r.lines(), 'CPU1 unbind')).toContain('◂ last');
		expect(r.frame()).toContain('90 kill_dax(pmem0);');
		await r.press(KEYS.left);
		expect(r.frame()).toContain('step 0 of 1');
		expect(cursorLine(r.lines(), 'CPU1 unbind')).toBe(90);
		await r.press('l');
		expect(r.frame()).toContain('step 1 of 1');
		await r.press('h');
		expect(r.frame()).toContain('step 0 of 1');
		await r.press(KEYS.left);
		expect(r.frame()).toContain('nothing to rewind');
	});

	it('says why a blocked CPU cannot move', async () => {
		const r = app(fresh('0 0 0 0 0 0 0 1 1 1 1'), columns, rows);
		await settle();
		expect(r.frame()).toContain('step 11 of 11');
		expect(r.frame()).toContain('■ wait_for_completion');
		await r.press('1');
		expect(r.frame()).toContain('step 11 of 11');
		const msg = r.lines().slice(rows - 4, rows - 2).join(' ');
		expect(msg).toContain('CPU1 is blocked in wait_for_completion');
		if (columns >= 120) expect(msg).toContain('CPU0 has IRQs off since step 1');
		expect(r.frame()).toContain(columns >= 120 ? 'IRQs OFF since step 1' : 'IRQs OFF since 1');
	});

	it('shows the violation banner with check, CPU and line', async () => {
		const r = app(fresh('1 1 1 1 1 1 1 2'), columns, rows);
		await settle();
		const banner = lineWith(r.lines(), '!!');
		expect(banner).toContain('stale-access (S2)');
		expect(banner).toContain('CPU2');
		expect(banner).toContain('line 101');
		expect(r.frame()).toContain('VIOLATION stale-mapping');
	});
});

describe('TUI keys', () => {
	it('taking another order makes a new branch, shown in the header; [ ] switch', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('1', KEYS.left, '2');
		expect(r.frame()).toContain('branch b1 (2/2)');
		expect(r.frame()).toContain('new branch b1');
		await r.press('[');
		expect(r.frame()).toContain('branch main (1/2)');
		await r.press('t');
		expect(r.frame()).toContain('branch tree');
		expect(r.frame()).toContain('forks at step 0');
		await r.press(KEYS.escape);
		expect(r.frame()).not.toContain('branch tree');
	});

	it('the help screen is generated from the keymap and lists every key', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('?');
		const f = r.frame();
		for (const b of KEYMAP) {
			expect(f).toContain(b.label);
			expect(f).toContain(b.description.slice(0, 40));
		}
		// the help scrolls: the command line and the legend are further down
		let all = f;
		for (let i = 0; i < 6; i++) {
			await r.press('\x1b[6~');
			all += r.frame();
		}
		for (const cmd of ['set k=v', 'goto N', 'break N', 'note text', 'save [path]', 'swap']) expect(all).toContain(`:${cmd}`);
		for (const [glyph] of LEGEND) expect(all).toContain(glyph);
		expect(r.frame()).toMatch(/lines \d+-\d+ of \d+/);
		await r.press('?');
		expect(r.frame()).not.toContain('this help');
	});

	it('every binding resolves through the keymap', () => {
		for (const b of KEYMAP) for (const k of b.keys) if (k !== 'digit') expect(commandFor(k)).toBe(b.command);
		expect(commandFor('7')).toBe('step');
		expect(keyNames('', {leftArrow: true})).toEqual(['left']);
		expect(keyNames('c', {ctrl: true})).toEqual(['ctrl+c']);
		expect(keyNames('112', {})).toEqual(['1', '1', '2']);
	});

	it('handles several keys in one chunk', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('111');
		expect(r.frame()).toContain('step 3 of 3');
	});

	it('i and r take a CPU digit; a CPU without an IPI says so', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('i');
		expect(r.frame()).toContain('which CPU?');
		await r.press('0');
		expect(r.frame()).toContain('CPU0 has no pending interrupt');
		await r.press('r', '2');
		expect(r.frame()).toMatch(/r2: 2 steps, CPU2 finished/);
		expect(r.frame()).toContain('step 2 of 2');
		await r.press('7');
		expect(r.frame()).toContain('there is no CPU7');
	});

	it('the command line: goto, note, break, swap, unknown', async () => {
		const r = app(fresh('1 1 2'), 120, 40);
		await settle();
		await r.press(':', 'g', 'o', 't', 'o', ' ', '1', KEYS.enter);
		expect(r.frame()).toContain('step 1 of 3');
		await r.press(':', ...'note racy'.split(''), KEYS.enter);
		expect(r.frame()).toContain('«racy»');
		await r.press(':', ...'break 94'.split(''), KEYS.enter);
		expect(r.frame()).toContain('breakpoint set: line 94');
		expect(r.frame()).toMatch(/⊗\s*94/);
		await r.press(':', ...'goto 3'.split(''), KEYS.enter, ':', ...'swap'.split(''), KEYS.enter);
		expect(r.frame()).toContain('new branch b1');
		await r.press(':', 'z', 'z', KEYS.backspace, KEYS.enter);
		expect(r.frame()).toContain('unknown command :z');
		await r.press(':', 'x', KEYS.escape);
		expect(r.lines()[38]).toContain('0-9 step');
	});

	it('b toggles a breakpoint on the line of the last-stepped CPU; c stops there', async () => {
		const r = app(fresh('1 1'), 120, 40);
		await settle();
		await r.press('b');
		expect(r.frame()).toContain('breakpoint set: line 92 (CPU1)');
		await r.press('b');
		expect(r.frame()).toContain('breakpoint removed: line 92');
		await r.press(':', ...'break 95'.split(''), KEYS.enter, 'c');
		expect(r.frame()).toMatch(/continue \(seed 1\): \d+ steps/);
	});

	it('i + digit takes a pending IPI (devdax-unbind: the flush IPI of flush_tlb_mm_range)', async () => {
		const s = createSession(openModel('devdax-unbind'));
		for (let i = 0; i < 3; i++) s.step({cpu: 1, irq: false});
		const r = app(s, 120, 40);
		await settle();
		expect(r.frame()).toContain('IPI flush←CPU1 (i0)');
		expect(r.frame()).toContain('■ flush_tlb_mm_range: waiting for ack');
		await r.press('i', '0');
		expect(r.frame()).toContain('step 4: CPU0 took its interrupt');
		expect(r.frame()).toContain('IPI acked');
		expect(r.frame()).toContain('interrupt: flush_tlb_func (flush IPI)');
	});

	it('c runs the seeded random scheduler to a violation or the end', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('c');
		expect(r.frame()).toMatch(/continue \(seed 1\): \d+ steps; (violation|end|stopped)/);
		expect(r.frame()).not.toContain('step 0 of 0');
	});

	it('s and x use the services, or say they are missing', async () => {
		const r = app(fresh('1'), 120, 40, {save: (_s, p) => p ?? 'rec.json', exportReport: () => 'report.md'});
		await settle();
		await r.press('s');
		expect(r.frame()).toContain('recording saved to rec.json');
		await r.press(':', ...'save other.json'.split(''), KEYS.enter);
		expect(r.frame()).toContain('recording saved to other.json');
		await r.press('x');
		expect(r.frame()).toContain('report written to report.md');
		const bare = app(fresh(), 120, 40);
		await settle();
		await bare.press('e');
		expect(bare.frame()).toContain('search is not available in this build');
	});

	it('e searches from the cursor and opens the counterexample as a branch', async () => {
		const {searchService} = await import('../source/ui/services.js');
		const r = app(fresh(), 120, 40, {search: searchService()});
		await settle();
		await r.press('e');
		for (let i = 0; i < 200 && !r.frame().includes('→ branch'); i++) await settle();
		expect(r.frame()).toMatch(/found [a-z-]+ \(S\d\) in \d+ steps/);
		expect(r.frame()).toContain('branch b1 (2/2)');
		expect(r.frame()).toContain('VIOLATION');
	});

	it('a running search shows progress, keeps keys off the session, and Esc cancels it', async () => {
		const search: NonNullable<Services['search']> = (_s, _from, progress, signal) =>
			new Promise(resolve => {
				progress('bfs, 1,234 states');
				signal!.addEventListener('abort', () => resolve({schedule: null, summary: 'search cancelled after 1,234 states'}));
			});
		const r = app(fresh(), 120, 40, {search});
		await settle();
		await r.press('e');
		expect(r.frame()).toContain('searching from step 0: bfs, 1,234 states');
		await r.press('1');
		expect(r.frame()).toContain('busy: a search is running');
		expect(r.frame()).toContain('step 0 of 0');
		await r.press(KEYS.escape);
		await settle();
		expect(r.frame()).toContain('search cancelled after 1,234 states');
		await r.press('1');
		expect(r.frame()).toContain('step 1 of 1');
	});

	it(':set keeps the old tree as another root: :set back returns to it, t lists the roots', async () => {
		const reopen = (sets: Record<string, string>): Session => createSession(openModel('fsdax-unbind-2021', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`)}));
		const r = app(fresh('1 1 2'), 120, 40, {reopen});
		await settle();
		await r.press(KEYS.left, '0');
		expect(r.frame()).toContain('branch b1 (2/2)');
		await r.press(':', ...'set gup_pgmap_check=false'.split(''), KEYS.enter);
		expect(r.frame()).toContain('restarted with gup_pgmap_check=false');
		expect(r.frame()).toContain('the tree of (the defaults) is kept');
		await r.press('1');
		await r.press('t');
		expect(r.frame()).toContain('Roots: one tree per param set');
		expect(r.frame()).toMatch(/\(the defaults\) +2 branches/);
		expect(r.frame()).toMatch(/▶ gup_pgmap_check=false +1 branch +◂ current/);
		await r.press(KEYS.escape, ':', ...'set gup_pgmap_check=true'.split(''), KEYS.enter);
		// the defaults again: the first tree, its branches and cursor as they were
		expect(r.frame()).toContain('back to the tree of gup_pgmap_check=true (branch b1, step 3)');
		expect(r.frame()).toContain('branch b1 (2/2)');
		expect(r.ctl.current!.session.branches.length).toBe(2);
		await r.press(':', ...'set gup_pgmap_check=false'.split(''), KEYS.enter);
		expect(r.frame()).toContain('step 1 of 1');
	});

	it(':set restarts with params through reopen', async () => {
		const reopen = (sets: Record<string, string>): Session => createSession(openModel('fsdax-unbind-2021', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`)}));
		const r = app(fresh('1'), 120, 40, {reopen});
		await settle();
		await r.press(':', ...'set gup_pgmap_check=false'.split(''), KEYS.enter);
		expect(r.frame()).toContain('restarted with gup_pgmap_check=false');
		expect(r.frame()).toContain('gup_pgmap_check=false');
		expect(r.frame()).toContain('step 0 of 0');
	});
});

describe('TUI terminal sizes', () => {
	it('follows resizes and shows a too-small screen below the minimum', async () => {
		const r = app(fresh('1 1 1'), 120, 40);
		await settle();
		expect(r.lines().length).toBe(39);
		expect(r.frame()).not.toContain('─ state Tab');
		await r.resize(80, 24);
		expect(r.lines().length).toBe(23);
		expect(r.frame()).toContain('─ state Tab');
		for (const l of r.lines()) expect(l.length).toBeLessThanOrEqual(80);
		await r.resize(50, 12);
		expect(r.frame()).toContain('terminal too small: 50x12');
		await r.resize(70, 17);
		expect(r.frame()).toContain('state hidden');
		expect(r.frame()).toContain('step 3 of 3');
		await r.resize(120, 40);
		expect(r.frame()).toContain('page tables');
	});

	it('layout kinds by size', () => {
		expect(layoutKind({columns: 120, rows: 40})).toBe('full');
		expect(layoutKind({columns: 80, rows: 24})).toBe('compact');
		expect(layoutKind({columns: 59, rows: 30})).toBe('too-small');
		expect(layoutKind({columns: 100, rows: 15})).toBe('too-small');
	});

	it('never throws on odd sizes (pure layout)', () => {
		const c = new Controller(fresh('0 0 0 0 0 0 0 1 1 1 1 2 2'));
		for (const columns of [60, 61, 73, 80, 99, 100, 101, 140, 200, 300]) {
			for (const rows of [16, 17, 20, 24, 29, 30, 35, 40, 60]) {
				const lines = screenLines(c.view(), {columns, rows});
				expect(lines.length).toBe(rows - 1);
				for (const l of lines) expect(plain(l).length).toBeLessThanOrEqual(columns);
			}
		}
	});

	it('renders with ink-testing-library (100 columns, default rows)', async () => {
		const r = inkTestRender(<App session={fresh('2')} />);
		track(r);
		await settle();
		const f = stripAnsi(r.lastFrame() ?? '');
		expect(f).toContain('CPU2 user load');
		expect(f).toContain('step 1 of 1');
		r.stdin.write('2');
		await settle();
		expect(stripAnsi(r.lastFrame() ?? '')).toContain('step 2 of 2');
	});
});

describe('state panes highlight what the last step changed', () => {
	const changedText = (lines: ReturnType<typeof memmapLines>): string[] => lines.flatMap(l => l.filter(s => s.bg === CHANGED.bg).map(s => s.text.trim()));
	it('memmap refcount and dev_pagemap ref', () => {
		const c = new Controller(fresh('1 1 1 1'));
		const v = c.view();
		expect(changedText(memmapLines(v.state, v.changed))).toContain('0');
		expect(changedText(pgmapLines(v.state, v.changed)).join(' ')).toMatch(/zero|dead|exited/);
		const c2 = new Controller(fresh('1 1 1'));
		expect(changedText(pgmapLines(c2.view().state, c2.view().changed)).join(' ')).toContain('dead 1');
	});
	it('memmap removal and the page-table tree', () => {
		const c = new Controller(fresh('1 1 1 1 1 1 1'));
		const v = c.view();
		const mm = changedText(memmapLines(v.state, v.changed));
		expect(mm.join(' ')).toMatch(/REMOVED/);
		const pt = pageTableLines(v.state, v.changed).map(plain).join('\n');
		expect(pt).toContain('PGD T0');
		expect(pt).toMatch(/→ pfn 0x100 W S D/);
	});
	it('nothing is highlighted at the root', () => {
		const c = new Controller(fresh());
		const v = c.view();
		expect(v.changed.size).toBe(0);
		expect(changedText(memmapLines(v.state, v.changed))).toEqual([]);
	});
});

describe('screen colors', () => {
	it('lines carry SGR styles; the change highlight is a yellow background; NO_COLOR gives plain text', async () => {
		const {ansiLine} = await import('../source/ui/Screen.js');
		const {seg} = await import('../source/ui/text.js');
		const line = [seg('ref '), seg('dead 1', CHANGED), seg(' ok', {color: 'green', bold: true})];
		const on = ansiLine(line, true);
		expect(on).toContain('\x1b[30;43mdead 1\x1b[0m');
		expect(on).toContain('\x1b[1;32m ok');
		expect(ansiLine(line, false)).toBe('ref dead 1 ok');
	});
});

describe('the direct frame writer (real terminals bypass Ink output)', () => {
	const {Terminal} = xterm;
	const screenOf = async (term: InstanceType<typeof Terminal>, data: string): Promise<string[]> => {
		await new Promise<void>(res => term.write(data, res));
		const b = term.buffer.active;
		return Array.from({length: term.rows}, (_, i) => (b.getLine(b.viewportY + i)?.translateToString(true) ?? '').trimEnd());
	};

	it('draws a full frame first, then only the lines that changed, and nothing when nothing changed', async () => {
		const writes: string[] = [];
		const w = new FrameWriter(d => writes.push(d));
		const term = new Terminal({cols: 120, rows: 40, allowProposedApi: true});
		const c = new Controller(fresh('1 1'));
		const size = {columns: 120, rows: 40};
		const frame = (): string[] => frameText(screenLines(c.view(), size));
		w.draw(frame(), size);
		expect(writes[0]).toContain('\x1b[2J');
		let screen = await screenOf(term, writes[0]!);
		expect(screen.slice(0, 39)).toEqual(screenLines(c.view(), size).map(l => plain(l).trimEnd()));
		c.keys(['left']);
		w.draw(frame(), size);
		expect(writes).toHaveLength(2);
		expect(writes[1]).not.toContain('\x1b[2J');
		const rowsWritten = [...writes[1]!.matchAll(/\x1b\[(\d+);1H\x1b\[2K/g)].length;
		expect(rowsWritten).toBeGreaterThan(0);
		expect(rowsWritten).toBeLessThan(39);
		screen = await screenOf(term, writes[1]!);
		expect(screen.slice(0, 39)).toEqual(screenLines(c.view(), size).map(l => plain(l).trimEnd()));
		expect(screen[1]).toContain('step 1 of 2');
		w.draw(frame(), size);
		expect(writes).toHaveLength(2);
		// a new size: everything again
		const small = {columns: 80, rows: 24};
		w.draw(frameText(screenLines(c.view(), small)), small);
		expect(writes[2]).toContain('\x1b[2J');
		term.dispose();
	});

	it('under a FrameSink the App draws through it and renders nothing into Ink; keys still work', async () => {
		const frames: string[][] = [];
		const sink = {draw: (lines: readonly string[]) => void frames.push([...lines])};
		const r = renderAt(
			<FrameSinkContext.Provider value={sink}>
				<App session={fresh('1')} />
			</FrameSinkContext.Provider>,
			120,
			40,
		);
		track(r);
		await settle();
		expect(r.frame().trim()).toBe('');
		expect(frames.length).toBeGreaterThan(0);
		expect(frames.at(-1)).toHaveLength(39);
		expect(stripAnsi(frames.at(-1)!.join('\n'))).toContain('step 1 of 1');
		await r.press('2');
		expect(stripAnsi(frames.at(-1)!.join('\n'))).toContain('step 2 of 2');
	});
});

describe('TUI fixes from the newcomer trial', () => {
	it(':save takes an absolute path, refuses to overwrite, :save! overwrites; paths shown are absolute', async () => {
		const {mkdtempSync, existsSync, rmSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const {saveService} = await import('../source/ui/services.js');
		const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-save-'));
		const other = mkdtempSync(join(tmpdir(), 'racewalk-ui-cwd-'));
		try {
			const target = join(dir, 'x.json');
			const r = app(fresh('1'), 160, 40, {save: saveService(other, () => ({}))});
			await settle();
			await r.press(':', ...`save ${target}`.split(''), KEYS.enter);
			expect(r.frame()).toContain(`recording saved to ${target}`);
			expect(existsSync(target)).toBe(true);
			await r.press(':', `save ${target}\r`);
			expect(r.frame()).toContain('already exists');
			expect(r.frame()).toContain(`:save! ${target} overwrites it`);
			expect(r.frame()).not.toContain('--force');
			await r.press(':', `save! ${target}\r`);
			expect(r.frame()).toContain(`recording saved to ${target}`);
			// relative: against the cwd, shown absolute
			await r.press(':', 'save rel.json\r');
			expect(r.frame()).toContain(`recording saved to ${join(other, 'rel.json')}`);
			// the help documents it (on its first or second page: the keys come first)
			await r.press('?');
			const first = r.frame();
			await r.press('\x1b[6~');
			expect(first + r.frame()).toContain(':save! path');
		} finally {
			rmSync(dir, {recursive: true, force: true});
			rmSync(other, {recursive: true, force: true});
		}
	});

	it(':set saves the session first and says where; errors use :set, not --set', async () => {
		const reopen = (sets: Record<string, string>): Session => createSession(openModel('fsdax-unbind-2021', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`)}));
		const saved: Session[] = [];
		const autosave = (s: Session): string => (saved.push(s), '/abs/.racewalk/autosave-x.json');
		const r = app(fresh('1 1'), 140, 40, {reopen, autosave});
		await settle();
		await r.press(':', ...'set bogus_param=1'.split(''), KEYS.enter);
		expect(r.frame()).toContain(':set bogus_param=1: unknown param');
		expect(r.frame()).not.toContain('--set');
		expect(r.frame()).toContain('step 2 of 2');
		expect(saved).toHaveLength(0);
		await r.press(':', ...'set gup_pgmap_check=false'.split(''), KEYS.enter);
		expect(r.frame().replace(/\s*\n\s*/g, ' ')).toContain('restarted with gup_pgmap_check=false; the tree of (the defaults) is kept (:set k=v returns to it; t lists the roots); the session before it saved to /abs/.racewalk/autosave-x.json');
		expect(saved).toHaveLength(1);
		expect(saved[0]!.cursor.depth).toBe(2);
		expect(r.frame()).toContain('step 0 of 0');
	});

	it('a chunk pasted into the prompt with its Enter runs the command', async () => {
		const r = app(fresh('1 1 2'), 120, 40);
		await settle();
		await r.press(':');
		expect(r.frame()).toContain('Enter runs');
		await r.press('goto 1\r');
		expect(r.frame()).toContain('step 1 of 3');
		expect(r.frame()).not.toContain('Enter runs');
		// a whole command line in one chunk, then more keys in the same chunk
		await r.press(':goto 2\r1');
		expect(r.frame()).toContain('new branch b1');
		expect(keyNames('ab\rc\x7f', {})).toEqual(['a', 'b', 'enter', 'c', 'backspace']);
	});

	it(':break refuses lines without a statement; :break lists; :clear and :break -N remove', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press(':', ...'break 1'.split(''), KEYS.enter);
		expect(r.frame()).toContain('line 1 holds no statement of any CPU');
		await r.press(':', ...'break 999'.split(''), KEYS.enter);
		expect(r.frame()).toContain('line 999 holds no statement of any CPU');
		await r.press(':', ...'break'.split(''), KEYS.enter);
		expect(r.frame()).toContain('no breakpoints');
		await r.press(':', ...'break 94'.split(''), KEYS.enter, ':', ...'break 1:92'.split(''), KEYS.enter);
		expect(r.frame()).toContain('breakpoint set: line 92 (CPU1)');
		await r.press(':', ...'break'.split(''), KEYS.enter);
		expect(r.frame()).toContain('breakpoints: 94, 1:92');
		await r.press(':', ...'clear 94'.split(''), KEYS.enter);
		expect(r.frame()).toContain('breakpoint removed: line 94');
		await r.press(':', ...'break -92'.split(''), KEYS.enter);
		expect(r.frame()).toContain('breakpoint removed: line 92');
		await r.press(':', ...'break'.split(''), KEYS.enter);
		expect(r.frame()).toContain('no breakpoints');
		expect(r.ctl.current!.session.breakpoints).toHaveLength(0);
	});

	it('the branch tree has a cursor: ↓/j ↑/k move it, Enter switches, Esc closes; the help lists them', async () => {
		const r = app(fresh(), 120, 40);
		await settle();
		await r.press('1', KEYS.left, '2', KEYS.left, KEYS.left, '0');
		expect(r.frame()).toContain('branch b2 (3/3)');
		await r.press('t');
		expect(lineWith(r.lines(), '› ')).toContain('b2');
		await r.press(KEYS.up);
		expect(lineWith(r.lines(), '› ')).toContain('b1');
		await r.press('k');
		expect(lineWith(r.lines(), '› ')).toContain('main');
		await r.press('j', KEYS.down, KEYS.down);
		expect(lineWith(r.lines(), '› ')).toContain('main');
		await r.press('j', KEYS.enter);
		expect(r.frame()).not.toContain('branch tree');
		expect(r.frame()).toContain('branch b1 (2/3)');
		await r.press('t', KEYS.escape);
		expect(r.frame()).not.toContain('branch tree');
		expect(r.frame()).toContain('branch b1 (2/3)');
		await r.press('?');
		for (const label of ['↑/k', '↓/j', 'Enter', 'Esc', 'Tab']) expect(r.frame()).toContain(label);
	});

	it('the timeline and the status line show the statement a step ran (folded param-only if)', async () => {
		const s = createSession(openModel('devdax-unbind'));
		const r = app(s, 120, 40);
		await settle();
		await r.press('0', '0');
		const status = r.lines().slice(36, 39).join(' ');
		expect(status).toContain('CPU0 line 56: local_irq_save();');
		expect(status).not.toContain('if (gup_irqs_off)');
		const row = r.lines().find(l => /▶\s+2\s/.test(l) && l.includes('local_irq_save'))!;
		expect(row).toContain('56 local_irq_save();');
		expect(row).not.toContain('if (gup_irqs_off)');
	});

	it('Tab cycles the compact state pane so every section can be seen at 80x24', async () => {
		const r = app(fresh('1 1 1 1 1 1'), 80, 24);
		await settle();
		expect(r.frame()).toContain('─ state Tab');
		await r.press('\t');
		expect(r.frame()).toContain('state: memmap');
		await r.press('\t');
		expect(r.frame()).toContain('state: dev_pagemap');
		expect(r.frame()).toContain('pgmap_array');
		await r.press('\t');
		expect(r.frame()).toContain('state: page tables');
		expect(r.frame()).toMatch(/PGD T\d/);
		await r.press('\t');
		expect(r.frame()).toContain('─ state Tab');
	});
});

describe('the command line refuses what would end the session by mistake', () => {
	it(':q! with a word after it does not quit (it quit, unsaved); :q! alone does; :swap N is refused', async () => {
		const saved: Session[] = [];
		const r = app(fresh('1 1'), 120, 40, {autosave: s => (saved.push(s), '/abs/a.json')});
		await settle();
		for (const word of ['q!', 'quit!', 'q', 'quit']) {
			expect(r.ctl.current!.exec(`${word} draft.json`) ?? null).toBeNull();
			await r.press(':', `${word} draft.json\r`);
			expect(r.frame()).toContain(`:${word} takes no argument (:save draft.json saves there, then :${word} quits)`);
		}
		expect(saved).toHaveLength(0);
		await r.press(':', 'swap 1\r');
		expect(r.frame()).toContain(':swap takes no argument');
		expect(r.frame()).toContain('step 2 of 2');
		expect(r.ctl.current!.exec('q!')).toBe('quit');
		expect(saved).toHaveLength(0);
	});
});

describe(':save! onto the scenario file', () => {
	it('is refused: the .race file the session runs is not replaced by a recording', async () => {
		const {mkdtempSync, readFileSync, rmSync, writeFileSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const {saveService} = await import('../source/ui/services.js');
		const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-self-'));
		try {
			const file = join(dir, 'mine.race');
			const text = 'scenario mine\nexpect safe\nint a = 0;\ncpu 0 "a" {\n\ta = 1;\n}\n';
			writeFileSync(file, text);
			const r = app(createSession(openModel(file)), 220, 40, {save: saveService(dir, () => ({}))});
			await settle();
			await r.press(':', 'save! mine.race\r');
			expect(r.frame()).toContain(`${file}: that is the scenario file of this session; saving there would replace it (:save another file)`);
			expect(readFileSync(file, 'utf8')).toBe(text);
			await r.press(':', 'save! mine.json\r');
			expect(r.frame()).toContain(`recording saved to ${join(dir, 'mine.json')}`);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
