import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {flatten} from '../source/machine/flatten.js';
import {loadModel} from '../source/lang/load.js';
import {formatSchedule, parseSchedule} from '../source/lang/schedule.js';
import {createSession, SessionError} from '../source/session/session.js';

const model = loadModel('fsdax-unbind-2021');
const t = (s: string) => parseSchedule(s)[0]!;
const steps = (session: ReturnType<typeof createSession>, s: string) => {
	for (const x of parseSchedule(s)) {
		const r = session.step(x);
		if (!r.ok) throw new Error(r.reason);
	}
};

describe('session: stepping and the tree', () => {
	it('starts at the root on branch main', () => {
		const s = createSession(model);
		expect(s.cursor.depth).toBe(0);
		expect(s.cursor.state).toBe(model.initial);
		expect(s.branch).toEqual({name: 'main', head: 0, forkedFrom: null});
		expect(s.pathOf()).toHaveLength(1);
	});

	it('extends the branch at its head, then follows existing edges after a rewind', () => {
		const s = createSession(model);
		steps(s, '1 1 1');
		expect(s.cursor.depth).toBe(3);
		expect(s.branches).toHaveLength(1);
		const head = s.cursor;
		expect(s.rewind(2)).toBe(true);
		expect(s.cursor.depth).toBe(1);
		const again = s.step(t('1'));
		expect(again.ok && again.newBranch).toBe(null);
		expect(again.ok && again.point.depth).toBe(2);
		expect(s.redo()).toBe(true);
		expect(s.cursor).toBe(head);
		expect(s.branches).toHaveLength(1);
	});

	it('a new transition from a past point makes branch b1; nothing is lost', () => {
		const s = createSession(model);
		steps(s, '1 1 1');
		s.rewind(2);
		const r = s.step(t('0'));
		expect(r.ok && r.newBranch).toBe('b1');
		expect(s.branch.name).toBe('b1');
		expect(formatSchedule(s.scheduleTo(s.cursor.id))).toBe('1 0');
		expect(formatSchedule(s.scheduleTo(s.findBranch('main')!.head))).toBe('1 1 1');
		expect(s.point(s.branch.forkedFrom!).depth).toBe(1);
		s.rewind(1);
		const r2 = s.step(t('2'));
		expect(r2.ok && r2.newBranch).toBe('b2');
		expect(s.branches.map(b => b.name)).toEqual(['main', 'b1', 'b2']);
	});

	it('following an edge of another branch switches to it', () => {
		const s = createSession(model);
		steps(s, '1 1 1');
		s.goto(1);
		steps(s, '0 0');
		expect(s.branch.name).toBe('b1');
		s.switchBranch('main');
		expect(s.cursor.depth).toBe(3); // the cursor was on b1 only: main's head
		s.goto(1);
		expect(s.switchBranch('b1')).toBe(true);
		expect(s.cursor.depth).toBe(1); // step 1 is on b1's path too: the cursor stays
		s.switchBranch('main');
		s.step(t('0'));
		expect(s.branch.name).toBe('b1');
		expect(s.cursor.depth).toBe(2);
	});

	it('a disabled transition is refused with the reason', () => {
		const s = createSession(model);
		const r = s.step({cpu: 7, irq: false});
		expect(r).toEqual({ok: false, reason: 'there is no CPU7 (this scenario has CPU0-CPU2)'});
		const r2 = s.step({cpu: 1, irq: true});
		expect(r2).toEqual({ok: false, reason: 'CPU1 has no pending interrupt'});
	});

	it('rewind/redo/goto stay within the branch', () => {
		const s = createSession(model);
		expect(s.rewind()).toBe(false);
		expect(s.redo()).toBe(false);
		steps(s, '1 1 1 1');
		expect(s.goto(9)).toBe(false);
		expect(s.goto(-1)).toBe(false);
		expect(s.goto(2)).toBe(true);
		expect(s.cursor.depth).toBe(2);
		expect(s.redo(10)).toBe(true);
		expect(s.cursor.depth).toBe(4);
		expect(s.rewind(10)).toBe(true);
		expect(s.cursor.depth).toBe(0);
	});

	it('switches and cycles branches in creation order; renames', () => {
		const s = createSession(model);
		steps(s, '1 1');
		s.rewind(1);
		steps(s, '0');
		s.rewind(1);
		steps(s, '2');
		expect(s.branches.map(b => b.name)).toEqual(['main', 'b1', 'b2']);
		expect(s.cycleBranch(1).name).toBe('main');
		expect(s.cycleBranch(1).name).toBe('b1');
		expect(s.cycleBranch(-1).name).toBe('main');
		expect(s.switchBranch('nope')).toBe(false);
		s.renameBranch('b1', 'gup-first');
		expect(s.findBranch('gup-first')).toBeDefined();
		expect(() => s.renameBranch('b2', 'main')).toThrow(SessionError);
		expect(() => s.renameBranch('b2', 'has space')).toThrow(/may only use/);
		expect(() => s.renameBranch('zz', 'x')).toThrow(/no branch 'zz'/);
		// auto names never collide with renamed ones
		s.renameBranch('b2', 'b3');
		s.switchBranch('main');
		s.goto(0);
		const r = s.step(t('2'));
		expect(r.ok && r.newBranch).toBe('b4');
	});

	it('notes on steps', () => {
		const s = createSession(model);
		steps(s, '1 1');
		s.setNote('kill_dax done');
		expect(s.cursor.userNote).toBe('kill_dax done');
		s.setNote('');
		expect(s.cursor.userNote).toBeUndefined();
	});

	it('addSchedule adds a named branch from the root, sharing existing steps', () => {
		const s = createSession(model);
		steps(s, '1 1 1');
		const b = s.addSchedule(parseSchedule('1 1 0 0'), {name: 'cex'});
		expect(b.name).toBe('cex');
		expect(s.point(b.forkedFrom!).depth).toBe(2);
		expect(s.branch.name).toBe('cex');
		expect(s.cursor.depth).toBe(4);
		expect(() => s.addSchedule(parseSchedule('1 1 i1'))).toThrow('step 3 (i1): CPU1 has no pending interrupt');
		expect(s.branches).toHaveLength(2);
		const c = s.addSchedule(parseSchedule('2'), {from: s.findBranch('main')!.head});
		expect(c.name).toBe('b1');
		expect(formatSchedule(s.scheduleTo(c.head))).toBe('1 1 1 2');
	});

	it('runCpu stops at a violation, a finished CPU, a blocked CPU, a breakpoint or the limit', () => {
		const s = createSession(model);
		const r = s.runCpu(1);
		expect(r.stopped).toBe('violation');
		expect(r.reason).toMatch(/^stale-mapping: arch_remove_memory/);
		expect(s.cursor.depth).toBe(r.steps);
		const r2 = s.runCpu(1);
		expect(r2.stopped).toBe('finished');
		expect(s.runCpu(1)).toEqual({steps: 0, stopped: 'finished', reason: 'CPU1 finished'});
		const s2 = createSession(model);
		s2.breakpoints.push({kind: 'line', cpu: 1, line: model.lineOf(model.initial, 1) + 3});
		const r3 = s2.runCpu(1);
		expect(r3).toEqual({steps: 3, stopped: 'breakpoint', reason: `breakpoint at line ${model.lineOf(model.initial, 1) + 3}`});
		s2.breakpoints = [{kind: 'cond', text: 'pmem0 ref zero', test: m => m.pgmaps.pmem0!.ref.state === 'zero'}];
		const r4 = s2.runCpu(1);
		expect(r4).toEqual({steps: 1, stopped: 'breakpoint', reason: 'breakpoint: pmem0 ref zero'});
		expect(s2.cursor.state.pgmaps.pmem0!.ref.state).toBe('zero');
		const s3 = createSession(model);
		expect(s3.runCpu(0, 3)).toEqual({steps: 3, stopped: 'limit', reason: 'stopped after 3 steps (limit)'});
	});

	it('swapWithPrevious makes a new branch with the two steps swapped and the rest replayed', () => {
		const s = createSession(model);
		steps(s, '1 0 1 2');
		s.goto(2);
		const r = s.swapWithPrevious();
		expect(r.ok && r.newBranch).toBe('b1');
		expect(s.cursor.depth).toBe(2);
		expect(formatSchedule(s.scheduleTo(s.branch.head))).toBe('0 1 1 2');
		// swapping back finds the original branch
		const back = s.swapWithPrevious();
		expect(back.ok && back.newBranch).toBe(null);
		expect(s.branch.name).toBe('main');
	});

	it('swapWithPrevious explains why a swap is impossible', () => {
		const s = createSession(model);
		steps(s, '1');
		expect(s.swapWithPrevious()).toEqual({ok: false, reason: 'nothing to swap: the cursor is at step 1; swapping needs a step before it'});
		steps(s, '1');
		expect(s.swapWithPrevious()).toEqual({ok: false, reason: "steps 1 and 2 are both CPU1's: one CPU's steps run in program order"});
		// CPU0 (IRQs off) must run before its interrupt can be taken... build a disabled swap:
		const s2 = createSession(model);
		steps(s2, '0 1');
		// after local_irq_save, CPU1 steps; swapping is fine (independent)
		expect(s2.swapWithPrevious().ok).toBe(true);
	});

	it('swap refused when the swapped order is disabled, with model.whyNot', () => {
		// Walk pseudo-random schedules until swapping the last two steps is impossible
		// for a reason other than "same CPU" (e.g. a CPU blocked until the other moves).
		let found: string | null = null;
		for (let seed = 0; seed < 300 && !found; seed++) {
			const s = createSession(model);
			let x = seed * 7919 + 1;
			for (let i = 0; i < 30 && !found; i++) {
				const en = model.enabled(s.cursor.state);
				if (!en.length) break;
				x = (x * 1103515245 + 12345) % 2147483648;
				s.step(en[x % en.length]!);
				if (s.cursor.depth < 2) continue;
				const prev = s.point(s.cursor.parent!);
				const g = s.point(prev.parent!);
				const before = s.branches.length;
				const r = s.swapWithPrevious();
				if (!r.ok && !/both CPU/.test(r.reason)) {
					const b = s.cursor.transition!;
					const a = prev.transition!;
					const why = model.isEnabled(g.state, b) ? model.whyNot(model.step(g.state, b).state, a) : model.whyNot(g.state, b);
					expect(r.reason.endsWith(why)).toBe(true);
					expect(s.branches.length).toBe(before);
					found = r.reason;
				}
				if (r.ok) {
					s.switchBranch('main');
					s.goto(s.point(s.branch.head).depth);
				}
			}
		}
		expect(found).toMatch(/^(i?\d) cannot go first at step \d+: |cannot follow at step/);
	});

	it('diff and lastChange use the flat view', () => {
		const s = createSession(model);
		steps(s, '1 1 1 2');
		const d = s.diff(0, s.cursor.id);
		expect(d).toContainEqual({path: 'pmem0.dax', before: 'alive', after: 'dead'});
		const p = s.lastChange('pmem0.ref');
		expect(p?.depth).toBe(3);
		expect(s.lastChange('pmem0.dax')?.depth).toBe(1);
		expect(s.lastChange('no.such.path')).toBe(null);
		expect(s.lastChange('CPU2.tlb[0x7f000000]')?.depth).toBe(4);
		expect(s.lastChange('page[0x100].refcount')).toBe(null);
		s.goto(2);
		expect(s.lastChange('pmem0.ref')).toBe(null);
	});

	it('gotoPoint jumps anywhere, switching branch when needed', () => {
		const s = createSession(model);
		steps(s, '1 1');
		s.goto(0);
		steps(s, '0');
		const mainHead = s.findBranch('main')!.head;
		s.gotoPoint(mainHead);
		expect(s.branch.name).toBe('main');
		expect(s.cursor.id).toBe(mainHead);
	});

	it('version changes on every mutation', () => {
		const s = createSession(model);
		const v0 = s.version;
		s.step(t('1'));
		expect(s.version).toBeGreaterThan(v0);
	});

	it('lastChange agrees with a naive walk over every path of the flat view', () => {
		fc.assert(
			fc.property(fc.array(fc.nat(), {minLength: 1, maxLength: 30}), fc.nat(), (picks, at) => {
				const s = createSession(model);
				for (const k of picks) {
					const en = model.enabled(s.cursor.state);
					if (!en.length) break;
					s.step(en[k % en.length]!);
				}
				s.goto(at % (s.cursor.depth + 1));
				const path = s.pathOf().slice(0, s.cursor.depth + 1);
				const names = new Set(path.flatMap(p => [...flatten(p.state).keys()]));
				for (const name of names) {
					let naive: number | null = null;
					for (let i = path.length - 1; i > 0; i--) {
						if (flatten(path[i]!.state).get(name) !== flatten(path[i - 1]!.state).get(name)) {
							naive = i;
							break;
						}
					}
					expect(s.lastChange(name)?.depth ?? null).toBe(naive);
				}
			}),
			{numRuns: 40},
		);
	});
});

describe('session limits that keep recordings loadable', () => {
	it('refuses notes longer than a recording holds', () => {
		const s = createSession(model);
		expect(() => s.setNote('x'.repeat(10_001))).toThrow('a note is at most 10000 characters (this one has 10001)');
		s.setNote('x'.repeat(10_000));
		expect(s.cursor.userNote).toHaveLength(10_000);
	});
});
