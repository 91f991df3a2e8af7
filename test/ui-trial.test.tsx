// What a second newcomer's trial of the TUI found (tmux, 120x40 and 80x24):
// the session's diff and "when did this last change" had no way in from the
// screen, branches could not be renamed, a long command line hid what was
// being typed, a scenario's folded lines vanished from its CPU pane, the
// timeline under a violation banner at 80x24 showed no step but the cursor's,
// and messages said things twice. Frames rendered with Ink and asserted.

import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {openModel} from '../source/commands/common.js';
import {violationLine} from '../source/render/verdict.js';
import {createSession} from '../source/session/session.js';
import {searchService} from '../source/ui/services.js';
import {KEYS} from '../source/ui/testing.js';
import {fresh, mountApp as app} from './helpers/app.js';
import {pane} from './helpers/panes.js';

/** A command typed at the `:` prompt (the rest arrives as one chunk, as a fast typist's or a paste does). */
const type = (text: string): string[] => [':', `${text}\r`];

// the thread's race: CPU1 unbinds to arch_remove_memory (step 7), CPU2 loads (step 8)
const THREAD = '1 1 1 1 1 1 1 2';
const COUNTER = 'test/scenarios/counter-lock.race';

describe(':diff compares two points', () => {
	it('opens an overlay of every value that differs, with the names :last takes; Esc closes it', async () => {
		const r = app(fresh(THREAD), 120, 40);
		await r.press(...type('diff 0'));
		const d = pane(r.lines(), 'diff main@0 → main@8').join('\n');
		expect(d).toMatch(/page\[0x100\]\.memmap +present -> REMOVED/);
		expect(d).toMatch(/pfn\[0x100\] +backed -> UNBACKED/);
		expect(d).toMatch(/CPU2\.tlb\[0x7f000000\] +- -> pfn 0x100 W/);
		expect(r.frame()).toContain('main@0 → main@8: 7 values differ');
		// the overlay owns the keys: a digit does not step
		await r.press('0');
		expect(r.frame()).toContain('step 8 of 8');
		await r.press(KEYS.escape);
		expect(r.frame()).not.toContain('diff main@0');
		expect(r.frame()).toContain('CPU0 gup-fast');
	});

	it('takes branch names and branch@step; says when two points hold the same state; one-line errors', async () => {
		const s = fresh(THREAD);
		s.goto(5);
		expect(s.step({cpu: 2, irq: false}).ok).toBe(true); // b1: CPU2 loads before percpu_ref_exit
		const r = app(s, 120, 40);
		await r.press(...type('diff main b1'));
		const d = pane(r.lines(), 'diff main@8 → b1@6').join('\n');
		expect(d).toMatch(/page\[0x100\]\.memmap +REMOVED -> present/);
		await r.press(KEYS.escape, ...type('diff main@5 b1@5'));
		expect(r.frame()).toContain('main@5 and b1@5: the same state');
		await r.press(...type('diff b7'));
		expect(r.frame()).toContain(":diff: no branch or step 'b7'");
		await r.press(...type('diff 9'));
		expect(r.frame()).toContain(':diff: branch b1 has steps 0-6');
		await r.press(...type('diff'));
		expect(r.frame()).toContain(':diff needs a point');
	});

	it('scrolls when the values do not fit (the smallest terminal, 60x16)', async () => {
		const r = app(fresh('1 0 1 2 2 0 1 1 0 0 0 0 0 0 0 0 0', 'fsdax-unbind-2021-noref'), 60, 16);
		await r.press(...type('diff 0'));
		const footer = r.lines().find(l => l.includes('Esc closes')) ?? '';
		const m = /lines 1-(\d+) of (\d+)/.exec(footer);
		expect(m).not.toBeNull();
		await r.press(KEYS.down);
		expect(r.frame()).toMatch(/lines 2-\d+ of/);
	});
});

describe(':last NAME jumps to the step that last changed a value', () => {
	it('from the head of the race: the refcount, the dax state; part of a name when only one value has it', async () => {
		const r = app(fresh(THREAD), 120, 40);
		await r.press(...type('last pmem0.ref'));
		expect(r.frame()).toContain('step 6 of 8');
		expect(r.frame()).toContain('pmem0.ref last changed at step 6: zero 0 (atomic) -> exited 0 (atomic); CPU1 line 95: percpu_ref_exit(pmem0);');
		await r.press(...type('last dax'));
		expect(r.frame()).toContain('step 1 of 8');
		expect(r.frame()).toContain('pmem0.dax last changed at step 1: alive -> dead');
		// a name's last part picks it among the names containing it (page[0x100].refcount has 'ref' too)
		await r.press(...type('goto 8'), ...type('last ref'));
		expect(r.frame()).toContain('pmem0.ref last changed at step 6');
	});

	it('at the step that changed it, says so and stays; a value that never changed; ambiguous and unknown names', async () => {
		const r = app(fresh(THREAD), 120, 40);
		await r.press(...type('last CPU2.tlb[0x7f000000]'));
		expect(r.frame()).toContain('step 8 of 8');
		expect(r.frame()).toContain('last changed at step 8 (the cursor: ← then :last again for the change before)');
		await r.press(...type('last pte[0x7f000000]'));
		expect(r.frame()).toMatch(/pte\[0x7f000000\] is .* and has not changed since step 0/);
		await r.press(...type('last 0x100'));
		expect(r.frame()).toContain("'0x100' names 3 values: page[0x100].memmap, page[0x100].refcount, pfn[0x100]; give the whole name");
		await r.press(...type('last nosuch'));
		expect(r.frame()).toContain(":last: no value named 'nosuch' here");
		expect(r.frame()).toContain('step 8 of 8');
	});

	it('the help lists :diff, :last and :rename', async () => {
		const r = app(fresh(), 120, 40);
		await r.press('?', '\x1b[6~');
		const help = r.frame();
		expect(help).toContain(':diff A [B]');
		expect(help).toContain(':last NAME');
		expect(help).toContain(':rename NEW');
	});
});

describe(':rename', () => {
	it('renames this branch or another; a taken name is a one-line error', async () => {
		const s = fresh(THREAD);
		s.goto(5);
		s.step({cpu: 2, irq: false});
		const r = app(s, 120, 40);
		await r.press(...type('rename early-load'));
		expect(r.frame()).toContain('branch early-load (2/2)');
		await r.press(...type('rename main thread-race'));
		expect(r.frame()).toContain('branch main is now thread-race');
		await r.press(...type('rename thread-race'));
		expect(r.frame()).toContain("a branch named 'thread-race' already exists");
		await r.press('t');
		expect(r.frame()).toContain('thread-race');
		expect(r.frame()).toContain('early-load');
	});
});

describe('the command line keeps what is typed in sight', () => {
	it('a line longer than the footer shows its end, the cursor after it', async () => {
		const r = app(fresh(), 80, 24);
		const text = 'note this is a very long note that goes on beyond the width of the terminal END';
		await r.press(':', text);
		const footer = r.lines()[r.lines().length - 1]!;
		expect(footer).toContain('terminal END');
		expect(footer.startsWith(':…')).toBe(true);
		expect(footer.length).toBeLessThanOrEqual(80);
		await r.press(KEYS.enter);
		expect(r.frame()).toContain('note on step 0: this is a very long note');
	});
});

describe('messages say a thing once', () => {
	it('r stopped by a breakpoint: "breakpoint at line 96", not "breakpoint: breakpoint at line 96"', async () => {
		const r = app(fresh(), 120, 40);
		await r.press(...type('break 96'), 'r', '1');
		expect(r.frame()).toContain('r1: 6 steps, breakpoint at line 96');
		expect(r.frame()).not.toContain('breakpoint: breakpoint');
	});

	it('an assert is not named twice: "assert at step 8", not "assert (assert)"', async () => {
		const r = app(fresh('0 1 0 1 0 1 1 1', COUNTER), 120, 40);
		await r.press(KEYS.escape);
		expect(r.frame()).toContain('!! assert at step 8, CPU1, line 30: assertion failed: lost update');
		expect(r.frame()).not.toContain('assert (assert)');
		// a check named apart from its kind keeps its code
		expect(violationLine({kind: 'stale-mapping', check: 'S2', message: 'm', cpu: 1, line: 96, objects: []}, 7)).toBe('stale-mapping (S2) at step 7, CPU1, line 96: m');
	});
});

describe('the CPU pane shows its whole block', () => {
	it('lines a param folded away (`if (locked) spin_lock` with locked=false) stay on screen above the first statement', async () => {
		const r = app(fresh('', COUNTER), 120, 40);
		await r.press(KEYS.escape);
		const cpu0 = pane(r.lines(), 'CPU0 bumper A');
		const at = cpu0.findIndex(l => /^▶18 tmp = counter;/.test(l));
		expect(at).toBeGreaterThan(-1);
		expect(cpu0[at - 1]).toMatch(/^ 17 if \(locked\) spin_lock\(&lock\);/);
	});

	it('a wrapped "what the step did" line is indented under its ↳', async () => {
		const r = app(fresh('1 1 1 1 1 1 1'), 120, 40);
		await r.press(KEYS.escape);
		const cpu1 = pane(r.lines(), 'CPU1 unbind');
		const at = cpu1.findIndex(l => l.startsWith('↳ memmap and memory of pfn 0x100'));
		expect(at).toBeGreaterThan(-1);
		expect(cpu1[at + 1]).toMatch(/^ {2}\S/);
	});
});

describe('the timeline keeps the interleaving on screen', () => {
	it('at 80x24 under a violation banner the step before the cursor shows with the cursor step and its effects', async () => {
		const r = app(fresh(THREAD.split(' ').slice(0, 7).join(' ')), 80, 24);
		await r.press(KEYS.escape);
		const t = pane(r.lines(), 'timeline main');
		expect(t.some(l => /^ +6 +· +95 percpu_ref_exit/.test(l))).toBe(true);
		expect(t.some(l => /^▶ +7 ! +· +96 arch_remove_memor/.test(l))).toBe(true);
		expect(t.some(l => l.includes('↳ memmap and memory of pfn 0x100'))).toBe(true);
	});

	it('zoomed, its title says so, as the other panes do', async () => {
		const r = app(fresh('1'), 120, 40);
		await r.press('z', 'z', 'z', 'z', 'z');
		expect(r.frame()).toMatch(/timeline main +zoomed: z next pane, Esc closes/);
	});
});

describe('the state panes show what the scenario has', () => {
	it('a race of locks and shared variables (no memory mapped) gets one full-width pane, not a bare PGD and an empty memmap', async () => {
		const r = app(fresh('0 1 0', COUNTER), 120, 40);
		await r.press(KEYS.escape);
		const f = r.frame();
		expect(f).not.toContain('─ page tables');
		expect(f).not.toContain('─ memmap');
		const top = r.lines().findIndex(l => l.includes('global, lock'));
		expect(r.lines()[top]!.startsWith('┌─ global, lock *')).toBe(true);
		expect(r.lines()[top]!.endsWith('┐')).toBe(true);
		expect(r.lines()[top]!.length).toBe(120);
		expect(pane(r.lines(), 'global, lock').join('\n')).toContain('global.counter 1');
		// a scenario with memory keeps all three
		const m = app(fresh(), 120, 40);
		await m.press(KEYS.escape);
		for (const t of ['─ page tables', '─ dev_pagemap', '─ memmap']) expect(m.frame()).toContain(t);
	});

	it('in the one-pane state overview (100 columns), such a race has no empty memmap table', async () => {
		const r = app(fresh('0 1 0', COUNTER), 100, 30);
		await r.press(KEYS.escape);
		const state = pane(r.lines(), 'state Tab').join('\n');
		expect(state).toContain('global.counter 1');
		expect(state).not.toContain('memmap');
		expect(state).not.toMatch(/pfn +map/);
	});
});

describe('the footer names the keys that act', () => {
	it('under the help, the diff and the tree it says how to scroll or move and close (q closes there; digits do nothing)', async () => {
		const r = app(fresh(THREAD), 80, 24);
		const footer = (): string => r.lines()[r.lines().length - 1]!;
		expect(footer()).toContain('0-9 step');
		await r.press('?');
		expect(footer()).toContain('↑↓ scroll');
		expect(footer()).toContain('Esc q close');
		expect(footer()).not.toContain('q quit');
		await r.press('q');
		expect(r.frame()).toContain('CPU0 gup-fast');
		await r.press('t');
		expect(footer()).toContain('Enter switch');
		await r.press(KEYS.escape, ...type('diff 0'));
		expect(footer()).toContain('↑↓ scroll');
		await r.press(KEYS.escape);
		expect(footer()).toContain('0-9 step');
	});
});

describe('a check that is its own kind is named once everywhere', () => {
	it('the search\'s summary in the TUI, run\'s !!! line and explore\'s heading: "assert", not "assert (assert)"', async () => {
		const r = app(fresh('', COUNTER), 120, 40, {search: searchService()});
		await r.press('e');
		for (let i = 0; i < 200 && !r.frame().includes('→ branch'); i++) await new Promise(res => setTimeout(res, 20));
		expect(r.frame()).toMatch(/found assert in 8 steps from step 0/);
		const run = (args: string[]): string => {
			try {
				return execFileSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8'});
			} catch (err) {
				return (err as {stdout: string}).stdout;
			}
		};
		expect(run(['run', COUNTER, '-s', '0 1 0 1 0 1 1 1'])).toContain('!!! assert: assertion failed: lost update');
		expect(run(['explore', COUNTER])).toMatch(/^== assert: 8 steps/m);
	});
});

describe('many CPUs at 80 columns', () => {
	it('the timeline\'s narrow columns keep each CPU\'s number (CPU3), not "CPU…"', async () => {
		const s = createSession(openModel('devdax-unbind', {set: ['gups=3', 'walkers=2']}));
		const r = app(s, 80, 24);
		await r.press('3');
		const head = pane(r.lines(), 'timeline main')[0]!;
		for (const c of [0, 1, 2, 3, 4, 5]) expect(head).toContain(`CPU${c}`);
		expect(head).not.toContain('CPU…');
	});
});
