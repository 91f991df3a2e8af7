// lock_order(on): lockdep's order check. Unit behaviour (an inversion found
// when the deadlock is not reachable, trylocks, longer cycles, off by
// default) and its soundness under every reduction: random lock scenarios
// find the same kinds, lock-order among them, with the same shortest lengths.

import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import {conflicts} from '../source/machine/context.js';
import {REDUCTION_CONFIGS} from '../source/explore/types.js';
import {modelFromSource} from '../source/lang/load.js';
import {parseSchedule} from '../source/lang/schedule.js';
import {replaySteps} from '../source/render/trace.js';

const SERIAL = (on: boolean, later: string) => `scenario serial
struct mutex a;
struct mutex b;
bool done = false;
machine { ${on ? 'lock_order(on);' : ''} }
cpu 0 "first" {
	mutex_lock(&b);
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	WRITE_ONCE(done, true);
}
cpu 1 "later" {
	await READ_ONCE(done);
	${later}
}
`;
const INVERTED = 'mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a);';

const kindsOf = (r: ReturnType<typeof explore>) => [...r.kinds.keys()].sort();

describe('lock_order(on)', () => {
	it('reports an ABBA order that the serialisation keeps from deadlocking, at the acquisition that closes it', () => {
		const model = modelFromSource('serial.race', SERIAL(true, INVERTED));
		const r = explore(model, {});
		expect(kindsOf(r)).toEqual(['lock-order']);
		const f = r.kinds.get('lock-order')!;
		expect(f.schedule).toHaveLength(8);
		const steps = replaySteps(model, f.schedule).steps;
		const v = steps.at(-1)!.violations[0]!;
		expect(v.check).toBe('L4');
		expect(v.message).toBe('CPU1 takes b (mutex_lock) while holding a, and this path took them the other way before (b -> a): a lock-order inversion, lockdep\'s "possible circular locking dependency"');
		// the orders are state: both are recorded by then
		expect(steps.at(-1)!.after.lockOrder).toEqual(['a -> b', 'b -> a']);
	});

	it('is off by default: the same scenario is safe, and its states carry no orders', () => {
		const model = modelFromSource('serial.race', SERIAL(false, INVERTED));
		expect(kindsOf(explore(model, {}))).toEqual([]);
		expect(model.initial.lockOrder).toBeUndefined();
		expect(replaySteps(model, parseSchedule('0 0')).final.lockOrder).toBeUndefined();
	});

	it('expecting a lock-order violation with the check off is refused, with what to write', () => {
		const src = SERIAL(false, INVERTED).replace('scenario serial\n', 'scenario serial\nexpect violation lock-order\n');
		expect(() => modelFromSource('serial.race', src)).toThrow(/expect violation lock-order: the lock-order check is off; write lock_order\(on\) in machine \{ \}/);
		expect(() => modelFromSource('serial.race', SERIAL(true, INVERTED).replace('scenario serial\n', 'scenario serial\nexpect violation lock-order\n'))).not.toThrow();
	});

	it('a trylock records no order for the lock it tries; the same order taken again is no inversion', () => {
		expect(kindsOf(explore(modelFromSource('serial.race', SERIAL(true, 'mutex_lock(&a); t = mutex_trylock(&b); if (t) mutex_unlock(&b); mutex_unlock(&a);')), {}))).toEqual([]);
		expect(kindsOf(explore(modelFromSource('serial.race', SERIAL(true, 'mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b);')), {}))).toEqual([]);
	});

	it('names the whole chain of a three-lock cycle of the mm\'s locks, and page-table locks take part', () => {
		const three = `scenario three
struct mutex page_lock;
bool d0 = false;
bool d1 = false;
machine { lock_order(on); }
cpu 0 "fault" { mmap_read_lock(mm); mutex_lock(&page_lock); mutex_unlock(&page_lock); mmap_read_unlock(mm); WRITE_ONCE(d0, true); }
cpu 1 "truncate" { await READ_ONCE(d0); mutex_lock(&page_lock); i_mmap_lock_read(mapping); i_mmap_unlock_read(mapping); mutex_unlock(&page_lock); WRITE_ONCE(d1, true); }
cpu 2 "retract" { await READ_ONCE(d1); i_mmap_lock_write(mapping); mmap_write_lock(mm); mmap_write_unlock(mm); i_mmap_unlock_write(mapping); }
`;
		const model = modelFromSource('three.race', three);
		const r = explore(model, {});
		expect(kindsOf(r)).toEqual(['lock-order']);
		const last = replaySteps(model, r.kinds.get('lock-order')!.schedule).steps.at(-1)!;
		expect(last.violations[0]!.message).toContain('CPU2 takes mmap_lock (mmap_write_lock) while holding i_mmap_rwsem, and this path took them the other way before (mmap_lock -> page_lock -> i_mmap_rwsem)');
		const ptl = `scenario ptl
spinlock_t s;
bool done = false;
const VA = 0x7f000000
machine { lock_order(on); ram(0x200, 1); map(VA, 0x200, write); }
cpu 0 "a" { spin_lock(&s); pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); pte_unmap_unlock(ptl); spin_unlock(&s); WRITE_ONCE(done, true); }
cpu 1 "b" { await READ_ONCE(done); pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); spin_lock(&s); spin_unlock(&s); pte_unmap_unlock(ptl); }
`;
		const p = modelFromSource('ptl.race', ptl);
		const q = explore(p, {});
		expect(kindsOf(q)).toEqual(['lock-order']);
		expect(replaySteps(p, q.kinds.get('lock-order')!.schedule).steps.at(-1)!.violations[0]!.message).toMatch(/^CPU1 takes s \(spin_lock\) while holding ptl of T\d+, and this path took them the other way before \(s -> ptl of T\d+\)/);
	});
});

/** Nested pairs in every order (the inversions), single locks left held or released, trylocks, and a flag to serialise on. */
const nest = (x: string, y: string) => `mutex_lock(&${x}); mutex_lock(&${y}); mutex_unlock(&${y}); mutex_unlock(&${x});`;
const LOCK_STATEMENTS = [nest('a', 'b'), nest('b', 'a'), nest('b', 'c'), nest('c', 'a'), 'mutex_lock(&a);', 'mutex_unlock(&a);', 'mutex_lock(&c);', 'mutex_unlock(&c);', 't = mutex_trylock(&b); if (t) mutex_unlock(&b);', 'g = 1;', 'await READ_ONCE(g) == 1;', 'x = 1;'] as const;
const lockBody = fc.array(fc.constantFrom(...LOCK_STATEMENTS), {minLength: 1, maxLength: 3});
const lockScenario = fc.oneof(
	fc.record({cpus: fc.array(lockBody, {minLength: 2, maxLength: 3}), copies: fc.constant(1)}),
	fc.record({cpus: fc.array(lockBody, {minLength: 2, maxLength: 2}), copies: fc.constant(2)}),
);
const lockSource = (s: {cpus: string[][]; copies: number}) =>
	[
		'scenario rnd-locks',
		'struct mutex a;',
		'struct mutex b;',
		'struct mutex c;',
		'int g = 0;',
		'machine { lock_order(on); }',
		...s.cpus.flatMap((body, i) => [`cpu ${i} "c${i}"${i === 0 && s.copies > 1 ? ` * ${s.copies}` : ''} {`, '\tx = 0;', ...body.map(b => `\t${b}`), '}']),
	].join('\n') + '\n';

const lengths = (r: ReturnType<typeof explore>) => Object.fromEntries([...r.kinds.values()].filter(f => f.kind !== 'livelock').map(f => [f.kind, f.schedule.length]));

describe('lock_order(on) footprints', () => {
	it('two acquisitions that can close a cycle conflict: whichever comes second reports the inversion', () => {
		const src = `scenario fp
struct mutex a;
struct mutex b;
machine { lock_order(on); }
cpu 0 "x" { mutex_lock(&a); mutex_lock(&b); }
cpu 1 "y" { mutex_lock(&b); mutex_lock(&a); }
`;
		const on = modelFromSource('fp.race', src);
		// each holds its first lock; the next steps would deadlock, and each records its order first
		const s = replaySteps(on, parseSchedule('0 1')).final;
		const t = on.step(s, {cpu: 0, irq: false}, {footprint: true});
		const u = on.step(s, {cpu: 1, irq: false}, {footprint: true});
		expect(t.violations).toEqual([]);
		expect(u.violations).toEqual([]);
		expect(on.step(t.state, {cpu: 1, irq: false}).violations.map(v => v.kind)).toContain('lock-order');
		expect(on.step(u.state, {cpu: 0, irq: false}).violations.map(v => v.kind)).toContain('lock-order');
		expect(conflicts(t.footprint!, u.footprint!)).toBe(true);
		// the recorded orders are the only link: without lock_order the two steps touch different locks
		const off = modelFromSource('fp.race', src.replace('lock_order(on);', ''));
		const s0 = replaySteps(off, parseSchedule('0 1')).final;
		expect(conflicts(off.step(s0, {cpu: 0, irq: false}, {footprint: true}).footprint!, off.step(s0, {cpu: 1, irq: false}, {footprint: true}).footprint!)).toBe(false);
	});
});

describe('lock_order(on) under the reductions', () => {
	it('POR, merged local steps and symmetry find the kinds and shortest lengths of the plain search', () => {
		let inversions = 0;
		let reduced = 0;
		fc.assert(
			fc.property(lockScenario, s => {
				const model = modelFromSource('rnd-locks.race', lockSource(s));
				const results = Object.fromEntries(Object.entries(REDUCTION_CONFIGS).map(([name, c]) => [name, explore(model, {...c, maxStates: 200_000})]));
				results['all, dfs'] = explore(model, {strategy: 'dfs', maxStates: 200_000});
				const plain = results.plain!;
				expect(plain.complete).toBe(true);
				for (const [name, r] of Object.entries(results)) {
					expect(kindsOf(r), name).toEqual(kindsOf(plain));
					expect(lengths(r), name).toEqual(lengths(plain));
				}
				if (plain.kinds.has('lock-order')) inversions++;
				if (results.all!.stats.states < plain.stats.states) reduced++;
			}),
			{numRuns: 100, seed: 20261201},
		);
		// the generator reaches inversions, and the reductions bite on it
		console.log(`lock-order reached in ${inversions} of 100 runs; reduced in ${reduced}`);
		expect(inversions).toBeGreaterThan(10);
		expect(reduced).toBeGreaterThan(10);
	});
});
