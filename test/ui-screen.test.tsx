// The TUI shows what the CLI knows: each step's effects, a CPU's last access,
// whole source lines and locals under a zoom, states and pfns never cut at
// 80x24, params in the header, a legend, and no key acting on a screen that
// shows nothing. Frames rendered with Ink into a fake terminal and asserted.

import React from 'react';
import {describe, expect, it} from 'vitest';
import {openModel} from '../source/commands/common.js';
import {parseSchedule} from '../source/lang/schedule.js';
import {createSession} from '../source/session/session.js';
import type {Session} from '../source/session/types.js';
import {BREAK_MARK} from '../source/ui/cpupane.js';
import {KEYS} from '../source/ui/testing.js';
import {fresh, mountApp as app} from './helpers/app.js';
import {pane} from './helpers/panes.js';

// the natural reproduction: CPU2 loads once, CPU1 unbinds (MU4 at step 8), CPU2 loads again
const RACE = '2 1 1 1 1 1 1 1';

describe('what a step did', () => {
	it('the timeline shows the cursor step’s effects as racewalk run prints them, and the CPU pane its last access', async () => {
		const r = app(fresh(), 120, 40);
		await r.press('2');
		const f = r.frame();
		expect(f).toContain('↳ TLB miss: walk va 0x7f000000 -> pte present, pfn 0x100; TLB filled');
		expect(f).toContain('CPU2.tlb[0x7f000000] = pfn 0x100 W');
		expect(pane(r.lines(), 'CPU2 user load').join('\n')).toContain('↳ TLB miss: walk va 0x7f000000');
		// the next step's effects replace them; CPU2's pane still says what its last access did
		await r.press('1');
		expect(r.frame()).toContain('↳ pmem0.dax: alive -> dead');
		expect(r.frame()).not.toContain('CPU2.tlb[0x7f000000] = pfn 0x100 W');
		expect(pane(r.lines(), 'CPU2 user load').join('\n')).toContain('↳ TLB miss: walk va 0x7f000000');
		// rewinding shows the earlier step's effects again
		await r.press(KEYS.left);
		expect(r.frame()).toContain('↳ TLB miss: walk va 0x7f000000 -> pte present');
	});

	it('at 80x24 the effects are on screen too, and the TLB hit after the removal', async () => {
		const r = app(fresh(RACE), 80, 24);
		await r.press(KEYS.escape);
		expect(r.frame()).toContain('↳ memmap and memory of pfn 0x100');
		await r.press('2');
		// wrapped to the pane, never cut
		expect(pane(r.lines(), 'timeline').join(' ').replace(/\s+/g, ' ')).toContain('↳ TLB hit: va 0x7f000000 -> pfn 0x100');
	});
});

describe('a CPU pane\'s TLB', () => {
	it('says which entries cache the dirty bit', async () => {
		const r = app(fresh('', 'zap-dirty-flush'), 120, 40);
		expect(pane(r.lines(), 'CPU2 another thread').join('\n')).toContain('TLB 0x7f000000→0x200 W dirty');
	});
});

describe('nothing cut', () => {
	it('80x24: the memmap row and the leaf keep their values (UNBACKED, the full pfn)', async () => {
		const r = app(fresh(RACE), 80, 24);
		await r.press(KEYS.escape);
		const f = r.frame();
		expect(f).toMatch(/0x100 +REMOVED +0 +0 UNBACKED/);
		expect(f).toContain('0x7f000000 → pfn 0x100 W S D');
		for (const l of r.lines()) expect(l.length).toBeLessThanOrEqual(80);
		// the tree is one Tab away, still with the whole leaf
		await r.press('\t', '\t', '\t');
		expect(r.frame()).toContain('state: page tables');
		expect(r.frame()).toContain('0x7f000000 → pfn 0x100 W S D');
	});

	it('the header keeps every param when a violation shows (80 and 120 columns)', async () => {
		for (const [c, rows] of [
			[80, 24],
			[120, 40],
		] as const) {
			const r = app(fresh(RACE), c, rows);
			await r.press(KEYS.escape);
			const head = r.lines().slice(0, 3).join('\n');
			expect(head).toContain('VIOLATION stale-mapping @8');
			for (const p of ['gup_pgmap_check=true', 'gup_irqs_off=true', 'mapping=pte_mapped']) expect(head).toContain(p);
			r.unmount();
		}
	});

	it('a blocked reason keeps the call it waits in and whom it waits for at 80x24', async () => {
		// devdax: CPU1's flush waits for the acks of CPU0 (IRQs off) and CPU2
		const r = app(fresh('0 1 1 1', 'devdax-unbind'), 80, 24);
		await r.press(KEYS.escape);
		const cpu1 = pane(r.lines(), 'CPU1').join(' ').replace(/\s+/g, ' ');
		expect(cpu1).toContain('■ flush_tlb_mm_range: waiting for');
		expect(cpu1).not.toContain('flush_tlb_mm_ra…');
	});

	it('z zooms a CPU pane to full width: whole source lines with comments, every local; z again the next pane, Esc closes', async () => {
		const r = app(fresh('1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0'), 120, 40);
		await r.press(KEYS.escape);
		const before = pane(r.lines(), 'CPU1 unbind').join('\n');
		expect(before).toMatch(/\/\/ F1: no new D…/);
		await r.press('z');
		const zoomed = pane(r.lines(), 'CPU0 gup-fast');
		expect(r.frame()).toContain('zoomed: z next pane, Esc closes');
		// every local of CPU0, whole
		const text = zoomed.join('\n');
		for (const local of ['pmd=pmd(table T3)', 'pte=pte(pfn 0x100 WSD)', 'pgmap=']) expect(text).toContain(local);
		expect(r.frame()).not.toContain('CPU1 unbind');
		await r.press('z');
		const z1 = pane(r.lines(), 'CPU1 unbind').join('\n');
		expect(z1).toContain('90 kill_dax(pmem0);  // F1: no new DAX');
		expect(z1).not.toMatch(/F1: no new D…/);
		await r.press(KEYS.escape);
		expect(r.frame()).toContain('CPU0 gup-fast');
		expect(r.frame()).toContain('CPU2 user load');
		expect(r.frame()).not.toContain('zoomed');
	});
});

describe('markers', () => {
	it('a breakpoint has its own glyph beside the cursor, not the runnable ●', async () => {
		const r = app(fresh('1'), 120, 40);
		await r.press(':', ...'break 91'.split(''), KEYS.enter);
		const cpu1 = pane(r.lines(), 'CPU1 unbind');
		expect(cpu1.find(l => l.includes('91 del_gendisk'))).toMatch(new RegExp(`^▶${BREAK_MARK}\\s*91`));
		expect(cpu1.join('\n')).not.toMatch(/●\s*91/);
		await r.press(':', ...'break 93'.split(''), KEYS.enter);
		expect(pane(r.lines(), 'CPU1 unbind').find(l => l.includes('93 memunmap'))).toMatch(new RegExp(`^ ${BREAK_MARK}\\s*93`));
	});

	it('a finished CPU is marked on the statement that ended it, not on the closing brace', async () => {
		const r = app(fresh('2 2'), 120, 40);
		await r.press(KEYS.escape);
		const cpu2 = pane(r.lines(), 'CPU2 user load');
		expect(cpu2[0]).toContain('✓ finished');
		expect(cpu2.find(l => /^✓\s*\d/.test(l))).toMatch(/^✓\s*102 access\(VA\);/);
		expect(cpu2.find(l => /103 }/.test(l))).toMatch(/^ /);
	});
});

describe('the screen and the keys', () => {
	it('under "terminal too small" keys do nothing; q still quits', async () => {
		const r = app(fresh(), 120, 40);
		await r.resize(50, 12);
		expect(r.frame()).toContain('terminal too small');
		await r.press('1', '2', KEYS.left, 'e', ':', 'x');
		await r.resize(120, 40);
		expect(r.frame()).toContain('step 0 of 0');
		expect(r.frame()).not.toContain('branch b1');
		expect(r.ctl.current!.session.branches.length).toBe(1);
		expect(r.ctl.current!.prompt).toBeNull();
		await r.resize(50, 12);
		expect(r.ctl.current!.key('q')).toBe('quit');
	});

	it('the help scrolls to its last line, also under a violation banner at 80x24', async () => {
		const r = app(fresh(RACE), 80, 24);
		await r.press('?');
		for (let i = 0; i < 12; i++) await r.press('\x1b[6~');
		expect(r.frame()).toContain('Esc or ? closes this help');
		const m = /lines (\d+)-(\d+) of (\d+)/.exec(r.frame())!;
		expect(m[2]).toBe(m[3]);
		// and back to the top
		for (let i = 0; i < 12; i++) await r.press('\x1b[5~');
		expect(r.frame()).toMatch(/lines 1-\d+ of/);
	});

	it('the help scrolls and explains every glyph and code on screen', async () => {
		const r = app(fresh(), 80, 24);
		await r.press('?');
		const first = r.frame();
		expect(first).toMatch(/lines 1-\d+ of \d+/);
		const seen: string[] = [first];
		await r.press(KEYS.down);
		expect(r.frame()).toMatch(/lines 2-\d+ of \d+/);
		for (let i = 0; i < 10; i++) {
			await r.press('\x1b[6~');
			seen.push(r.frame());
		}
		const all = seen.join('\n');
		for (const code of ['W S D', 'T0 T1', '◆', '↻', '⊗', 'E21', 'S1..S10', 'G1 MU2', '✱', '+N', '↳']) expect(all).toContain(code);
		// no help line is cut
		for (const f of seen) for (const l of f.split('\n')) expect(l).not.toMatch(/…│$/);
		await r.press(KEYS.escape);
		expect(r.frame()).not.toContain('On the screen');
	});
});

describe('state the panes do not know, helpers and locks (the language grows)', () => {
	const kref = (schedule: string, variant: string | null = null): Session => {
		const s = createSession(openModel('scenarios/examples/kref-lookup.race', {variant}));
		for (const t of parseSchedule(schedule)) {
			const r = s.step(t);
			if (!r.ok) throw new Error(r.reason);
		}
		return s;
	};

	it('shared variables and locks show in the generic section, highlighted when a step changes them', async () => {
		const r = app(kref('0'), 120, 40);
		await r.press(KEYS.escape);
		const mid = pane(r.lines(), 'global, lock').join('\n');
		expect(mid).toContain('global.linked true');
		expect(mid).toContain('lock[table_lock] CPU0');
		expect(mid).toContain('lock[obj_lock] free');
		// at 80x24 the compact overview lists them too
		const c = app(kref('0'), 80, 24);
		await c.press(KEYS.escape);
		expect(c.frame()).toContain('lock[table_lock] CPU0');
	});

	it('inside an inlined helper the CPU pane stays on the call site and names the helper’s statement; the timeline names the call site', async () => {
		const r = app(kref('0 0'), 120, 40);
		await r.press('0');
		const cpu0 = pane(r.lines(), 'CPU0 lookup');
		const at = cpu0.findIndex(l => /^▶\s*60 +got = obj_get\(\);/.test(l));
		expect(at).toBeGreaterThan(-1);
		expect(cpu0[at + 1]).toMatch(/↳ in obj_get\(\) L\d+: /);
		await r.press('0');
		expect(pane(r.lines(), 'timeline').join('\n')).toMatch(/← obj_get\(\) at L60/);
	});

	it('a CPU spinning on a lock says since which step its holder has it', async () => {
		const r = app(kref('1 1 0', 'abba'), 120, 40);
		await r.press(KEYS.escape);
		const cpu0 = pane(r.lines(), 'CPU0 lookup').join(' ').replace(/\s+/g, ' ');
		expect(cpu0).toContain('■ spins on table_lock in spin_lock, held by CPU1 since step 2');
	});
});

describe('interrupt handlers', () => {
	it('a CPU in an irq handler says which and where it returns to; the timeline names the interrupt', async () => {
		const s = createSession(openModel('scenarios/examples/irq-lock.race'));
		for (const t of parseSchedule('0 1 i0')) expect(s.step(t).ok).toBe(true);
		const r = app(s, 120, 40);
		await r.press(KEYS.escape);
		const cpu0 = pane(r.lines(), 'CPU0 ioctl').join('\n');
		expect(cpu0).toMatch(/↯ in irq dev_irq "e1000 rx", interrupted at L\d+/);
		expect(pane(r.lines(), 'timeline').join('\n')).toContain('interrupt: irq dev_irq (e1000 rx)');
		// back in process context, the line is gone
		await r.press(KEYS.left);
		expect(pane(r.lines(), 'CPU0 ioctl').join('\n')).not.toContain('↯ in irq');
	});
});
