// What a third newcomer's trial of the TUI found (tmux at 80x24, 120x40 and
// 200x50): ↑↓ Home End did nothing on the main screen (the timeline runs down
// it), a schedule from the README or from explore could not be played in
// the TUI, and messages that did not say what to do next. Frames rendered
// with Ink and asserted.

import {describe, expect, it} from 'vitest';
import {keyNames} from '../source/ui/keymap.js';
import {KEYS} from '../source/ui/testing.js';
import {fresh, mountApp as app} from './helpers/app.js';

/** A command typed at the `:` prompt (the rest as one chunk, as a paste arrives). */
const type = (text: string): string[] => [':', `${text}\r`];
const HOME = '\x1b[H';
const END = '\x1b[F';

describe('moving along the timeline', () => {
	it('Home and End reach Ink as keys of their own', () => {
		expect(keyNames('', {home: true})).toEqual(['home']);
		expect(keyNames('', {end: true})).toEqual(['end']);
	});

	it('↑ ↓ step back and forward as ← →; Home goes to step 0, End to the head of the branch', async () => {
		const r = app(fresh('1 1 1 1 1'), 120, 40);
		await r.press(KEYS.up, KEYS.up);
		expect(r.frame()).toContain('step 3 of 5');
		await r.press(KEYS.down);
		expect(r.frame()).toContain('step 4 of 5');
		await r.press(HOME);
		expect(r.frame()).toContain('step 0 of 5');
		await r.press(HOME);
		expect(r.frame()).toContain('already at step 0');
		await r.press(END);
		expect(r.frame()).toContain('step 5 of 5');
		expect(r.frame()).toContain('the last of branch main');
		// in the branch tree ↑↓ still move its cursor, not the step
		await r.press('t', KEYS.down);
		expect(r.frame()).toContain('step 5 of 5');
	});

	it('the help scrolls to its ends with Home and End', async () => {
		const r = app(fresh(), 120, 40);
		await r.press('?', END);
		expect(r.frame()).toContain('Esc or ? closes this help');
		await r.press(HOME);
		expect(r.frame()).toMatch(/lines 1-\d+ of/);
	});
});

describe(':play steps a schedule as racewalk run -s takes it', () => {
	it("plays the thread's race from the README (1*7 2) and says where the violation is", async () => {
		const r = app(fresh(), 120, 40);
		await r.press(...type('play 1*7 2'));
		expect(r.frame()).toContain('step 8 of 8');
		expect(r.frame()).toContain('played 8 steps: steps 1-8 on branch main; !! stale-mapping at step 7');
		expect(r.frame()).toContain('stale-access (S2) at step 8, CPU2');
	});

	it('from a rewound cursor it follows the branch while it agrees and forks once where it leaves it', async () => {
		const s = fresh('1 1 1');
		const r = app(s, 120, 40);
		await r.press(HOME, ...type('play 1 2 0'));
		expect(r.frame()).toContain('steps 1-3  → new branch b1');
		expect(s.branches.map(b => b.name)).toEqual(['main', 'b1']);
		expect(s.point(s.branch.forkedFrom!).depth).toBe(1);
	});

	it('checks the whole schedule first: a step that cannot be taken plays nothing', async () => {
		const s = fresh();
		const r = app(s, 120, 40);
		await r.press(...type('play 1 1 i0'));
		expect(r.frame()).toContain(':play: step 3 (i0, token 3) cannot be taken: CPU0 has no pending interrupt; nothing played');
		expect(r.frame()).toContain('step 0 of 0');
		await r.press(...type('play 1 7'));
		expect(r.frame()).toContain('there is no CPU7');
		await r.press(...type('play 1 x'));
		expect(r.frame()).toContain("schedule token 2 'x'");
		await r.press(...type('play'));
		expect(r.frame()).toContain(':play needs a schedule');
		expect(s.cursor.depth).toBe(0);
	});
});

describe('messages that say what to do next', () => {
	it('a refused i<n> names the interrupts that can be taken (devdax-unbind: the flush IPI on CPU0 and CPU2)', async () => {
		const r = app(fresh(), 120, 40);
		await r.press('i', '0');
		expect(r.frame()).toContain('CPU0 has no pending interrupt (no CPU has one pending)');
		const s = fresh('', 'devdax-unbind-irqs-on');
		const d = app(s, 120, 40);
		// CPU1 zaps and sends the flush IPI to CPU0 and CPU2 (line 78 of the scenario)
		await d.press(...type('play 1 1 1'));
		await d.press('i', '1');
		expect(d.frame()).toContain('(i0, i2 can be taken now)');
	});

	it('s says how to open the recording again (relative to the cwd when under it)', async () => {
		const {join} = await import('node:path');
		const inside = join(process.cwd(), '.racewalk', 'r.json');
		const r = app(fresh('1'), 160, 40, {save: (_s, p) => p ?? inside});
		await r.press('s');
		expect(r.frame()).toContain(`recording saved to ${inside}  (open it again: racewalk .racewalk/r.json)`);
		await r.press(...type('save /elsewhere/r.json'));
		expect(r.frame()).toContain('(open it again: racewalk /elsewhere/r.json)');
	});

	it(':note alone on a step without a note says so instead of "note removed"', async () => {
		const r = app(fresh('1'), 120, 40);
		await r.press(...type('note'));
		expect(r.frame()).toContain('no note on step 1 to remove');
		await r.press(...type('note racy'), ...type('note'));
		expect(r.frame()).toContain('note removed from step 1');
	});
});

describe(':export diagram writes the race diagram alone, for a mail', () => {
	it('writes the diagram racewalk export prints into .racewalk/ as .txt; x says the report holds it; bad formats are refused', async () => {
		const {mkdtempSync, readFileSync, rmSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const {exportService} = await import('../source/ui/services.js');
		const {loopStart, pointsToSteps, renderDiagram} = await import('../source/render/diagram.js');
		const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-export-'));
		try {
			const s = fresh('1 1 1 1 1 1 1 2');
			const r = app(s, 160, 40, {exportReport: exportService(dir, () => ({}))});
			await r.press(...type('export diagram'));
			const m = /race diagram of branch main written to (\S+\.txt)/.exec(r.frame());
			expect(m).not.toBeNull();
			expect(m![1]!.startsWith(join(dir, '.racewalk'))).toBe(true);
			const text = readFileSync(m![1]!, 'utf8');
			const points = s.pathOf();
			expect(text).toBe(renderDiagram(s.model, pointsToSteps(points), {loopFrom: loopStart(points)}) + '\n');
			expect(text).toContain('^^^ stale-mapping');
			await r.press('x');
			expect(r.frame()).toMatch(/report written to \S+\.md \(Markdown: the race diagram/);
			await r.press(...type('export pdf'));
			expect(r.frame()).toContain(':export takes diagram or markdown');
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});

describe(':variant opens a variant of the scenario as another root', () => {
	const reopen = async () => {
		const {openModel} = await import('../source/commands/common.js');
		const {createSession} = await import('../source/session/session.js');
		return (sets: Record<string, string>, variant: string | null) => createSession(openModel('scenarios/examples/kref-lookup.race', {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`), ...(variant ? {variant} : {})}));
	};

	it('lists the variants, opens one (the header names it), keeps the base tree; :variant - returns to it', async () => {
		const {openModel} = await import('../source/commands/common.js');
		const {createSession} = await import('../source/session/session.js');
		const base = createSession(openModel('scenarios/examples/kref-lookup.race'));
		base.step({cpu: 0, irq: false});
		const r = app(base, 140, 40, {reopen: await reopen()});
		await r.press(...type('variant'));
		expect(r.frame()).toContain('variants: plain-get, abba (now: none, the base scenario)');
		await r.press(...type('variant plain-get'));
		expect(r.frame()).toContain('kref-lookup [plain-get]');
		expect(r.frame()).toContain('restarted with variant plain-get');
		expect(r.frame()).toContain('(:variant - returns to it');
		expect(r.frame()).toContain('step 0 of 0');
		await r.press(...type('variant plain-get'));
		expect(r.frame()).toContain('already on variant plain-get');
		await r.press(...type('variant -'));
		expect(r.frame()).not.toContain('[plain-get]');
		expect(r.frame()).toContain('back to the tree of (the defaults) (branch main, step 1)');
		await r.press(...type('variant plain-gt'));
		expect(r.frame()).toContain("unknown variant 'plain-gt' (did you mean 'plain-get'?)");
	});

	it('a search that finds nothing names the other variants', async () => {
		const {openModel} = await import('../source/commands/common.js');
		const {createSession} = await import('../source/session/session.js');
		const {searchService} = await import('../source/ui/services.js');
		const r = app(createSession(openModel('scenarios/examples/kref-lookup.race')), 160, 40, {search: searchService()});
		await r.press('e');
		for (let i = 0; i < 100 && !r.frame().includes('no violation or livelock'); i++) await new Promise(res => setTimeout(res, 50));
		expect(r.frame()).toContain('complete); other variants: plain-get, abba (:variant NAME opens one)');
	});
});

describe('a leaf the step cleared stays in its slot of the page-table tree', () => {
	it('unmap_mapping_range: "└[0] 0x7f000000 → none (cleared)" under PTE T3, where the mapping was (was appended unindented below the tree)', async () => {
		const {pageTableLines} = await import('../source/ui/statepanes.js');
		const {Controller} = await import('../source/ui/controller.js');
		const {plain} = await import('../source/ui/text.js');
		const v = new Controller(fresh('1 1', 'devdax-unbind-irqs-on')).view();
		const lines = pageTableLines(v.state, v.changed, 200, false, v.prev).map(plain);
		expect(lines).toEqual(['PGD T0', ' └[0] PUD T1', '  └[1] PMD T2', '   └[504] PTE T3', '    └[0] 0x7f000000 → none (cleared)']);
		// the compact overview names its table, as it does for the live leaves
		expect(pageTableLines(v.state, v.changed, 200, true, v.prev).map(plain)).toEqual(['T3 0x7f000000 → none (cleared)']);
		// on screen, in the page tables pane
		const r = app(fresh('1 1', 'devdax-unbind-irqs-on'), 120, 40);
		expect(r.frame()).toContain('│    └[0] 0x7f000000 → none (cleared)');
	});
});

describe('the zoomed state pane shows every section at 80x24', () => {
	it('in two columns when one column is taller than the pane (the PTE leaf was cut off under ▾ +1 more)', async () => {
		const {pane} = await import('./helpers/panes.js');
		const r = app(fresh('1 1 1 1 1 1 1', 'fsdax-unbind-2021-noref'), 80, 24);
		await r.press('z', 'z', 'z', 'z');
		const p = pane(r.lines(), 'state  zoomed');
		const text = p.join('\n');
		for (const want of ['memmap', '0x100 REMOVED', 'dev_pagemap', 'fs xfs on pmem0', 'page tables', '└[0] 0x7f000000 → pfn 0x100 W S D']) expect(text).toContain(want);
		expect(r.frame()).not.toContain('▾ +');
		expect(p.find(l => l.startsWith('memmap'))).toMatch(/^memmap +page tables$/);
		// at 120x40 there is room for one column: the sections stay one under the other
		const wide = app(fresh('1 1 1 1 1 1 1', 'fsdax-unbind-2021-noref'), 120, 40);
		await wide.press('z', 'z', 'z', 'z');
		expect(pane(wide.lines(), 'state  zoomed').find(l => l.startsWith('memmap'))).toBe('memmap');
	});
});

describe('schedules that can be copied', () => {
	it('compactSchedule folds runs and parses back to the same schedule', async () => {
		const fc = (await import('fast-check')).default;
		const {compactSchedule} = await import('../source/ui/actions.js');
		const {parseSchedule, formatSchedule} = await import('../source/lang/schedule.js');
		expect(compactSchedule(parseSchedule('1 1 1 1 1 1 1 2'))).toBe('1*7 2');
		expect(compactSchedule(parseSchedule('0 0 1 i0 i0 i0 2'))).toBe('0 0 1 i0*3 2');
		fc.assert(
			fc.property(fc.array(fc.record({cpu: fc.integer({min: 0, max: 3}), irq: fc.boolean()}), {maxLength: 60}), ts => {
				expect(formatSchedule(parseSchedule(compactSchedule(ts)))).toBe(formatSchedule(ts));
			}),
		);
	});

	it('e says the whole schedule it found, folded; the branch tree shows every branch\'s schedule from step 0', async () => {
		const {searchService} = await import('../source/ui/services.js');
		const r = app(fresh('', 'devdax-unbind-irqs-on'), 140, 40, {search: searchService()});
		await r.press('e');
		for (let i = 0; i < 200 && !r.frame().includes('→ branch'); i++) await new Promise(res => setTimeout(res, 50));
		const m = /→ branch b1: schedule (\S.*\S)\s*$/m.exec(r.frame());
		expect(m).not.toBeNull();
		expect(m![1]).not.toContain('…');
		const sched = m![1]!;
		await r.press(HOME, ...type('goto 2'), '1', 't');
		expect(r.frame()).toContain(`schedule ${sched}`);
		expect(r.frame()).toMatch(/b2 .*forks at step 2, 3 steps[\s\S]*schedule 0 0 1/);
	});
});

describe('the header and Tab at every size', () => {
	it('params that do not fit beside the status wrap under the first param (60 columns), and fill a line when they can (120)', async () => {
		const narrow = app(fresh('', 'devdax-unbind-irqs-on'), 60, 20);
		const lines = narrow.lines();
		const at = lines.findIndex(l => l.startsWith(' params '));
		expect(at).toBeGreaterThan(0);
		expect(lines[at + 1]).toMatch(/^ {8}\S/);
		const wide = app(fresh('', 'devdax-unbind-irqs-on'), 120, 40);
		expect(wide.lines()[2]!.trimEnd()).toBe(' params gup_pgmap_check=false gup_irqs_off=false refcount=e21 ref_atomic=false io_never_completes=false gups=1 pages=1');
	});

	it('Tab in the full layout says every section is already on screen, and changes nothing', async () => {
		const r = app(fresh(), 120, 40);
		await r.press('\t');
		expect(r.frame()).toContain('every state section is on screen at this size');
		expect(r.ctl.current!.statePane).toBe(0);
	});
});

describe(':reload reads an edited scenario again', () => {
	it('replays the branch on the new code, keeps the cursor, reports a file that no longer compiles and keeps the session', async () => {
		const {mkdtempSync, readFileSync, writeFileSync, rmSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const {openModel} = await import('../source/commands/common.js');
		const {createSession} = await import('../source/session/session.js');
		const dir = mkdtempSync(join(tmpdir(), 'racewalk-ui-reload-'));
		try {
			const file = join(dir, 'mine.race');
			// a newcomer's counter race
			const text = readFileSync('test/scenarios/counter-lock.race', 'utf8');
			writeFileSync(file, text);
			const reopen = (sets: Record<string, string>, variant: string | null) => createSession(openModel(file, {set: Object.entries(sets).map(([k, v]) => `${k}=${v}`), ...(variant ? {variant} : {})}));
			const s = reopen({}, null);
			const r = app(s, 140, 40, {reopen});
			await r.press('0', '1', '0', KEYS.left);
			expect(r.frame()).toContain('step 2 of 3');
			await r.press(...type('reload'));
			expect(r.frame()).toContain('unchanged since it was opened');
			// a syntax error: said with its position, nothing else changes
			writeFileSync(file, text.replace('tmp = counter;', 'tmp = counter'));
			await r.press(...type('reload'));
			expect(r.frame().replace(/\n/g, " ")).toMatch(/:reload: \S*mine\.race:\d+:\d+: .*; the session is unchanged/);
			expect(r.frame()).toContain('step 2 of 3');
			// an edit that keeps the code: the branch replays whole, the cursor stays at step 2
			writeFileSync(file, text + '\n// edited\n');
			await r.press(...type('reload'));
			expect(r.frame()).toContain("branch main's 3 steps replayed whole, as branch main of the new tree; cursor at step 2");
			expect(r.frame()).toContain('step 2 of 3');
			expect(r.ctl.current!.session).not.toBe(s);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
