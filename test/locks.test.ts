// Locks and shared variables (issue 10, KERNEL.md §6.A1): one test per
// primitive, and the checks they own (L1-L3, lock deadlocks).

import {describe, expect, it} from 'vitest';
import {PRIMITIVES} from '../source/machine/primitives/index.js';
import {lockPrimitives} from '../source/machine/primitives/lock.js';
import {ptlPrimitives} from '../source/machine/primitives/ptl.js';
import {sharedPrimitives} from '../source/machine/primitives/shared.js';
import {explore} from '../source/explore/index.js';
import {loadModel} from '../source/lang/load.js';
import {kinds, miniModel, run} from './helpers/mini.js';

const lockTested = new Set<string>();
const prim = (name: string, fn: () => void) => {
	if (!PRIMITIVES.has(name)) throw new Error(`no primitive ${name}`);
	lockTested.add(name);
	it(name, fn);
};

const G = 'spinlock_t l;\nstruct mutex m;\nstruct rw_semaphore s;\nint x = 0;\natomic_t n = ATOMIC_INIT(1);\nbool flag;';

describe('spinlocks', () => {
	it('the _nested forms (a lockdep subclass) lock as their plain forms do', () => {
		for (const name of ['spin_lock_nested', 'mutex_lock_nested', 'down_read_nested', 'down_write_nested']) lockTested.add(name);
		const model = miniModel({header: G, cpus: ['spin_lock_nested(&l, SINGLE_DEPTH_NESTING); mutex_lock_nested(&m, 1);', 'down_write_nested(&s, SINGLE_DEPTH_NESTING); up_write(&s); down_read_nested(&s, 0); spin_lock(&l);']});
		const r = run(model, '0 1 1 1 1');
		expect(r.final.locks.l).toEqual({kind: 'spinlock', owner: 0, readers: []});
		expect(r.final.locks.s).toEqual({kind: 'rwsem', owner: null, readers: [1]});
		expect(r.final.cpus[1]!.wait).toMatchObject({kind: 'lock', lock: 'l'});
		expect(kinds(r)).toEqual([]);
		// mutex_lock_nested under a spinlock is still L3.
		expect(kinds(run(model, '0 1 1 1 1 0'))).toEqual(['sleep-in-atomic', 'lock-held', 'hung-task']);
	});
	prim('spin_lock', () => {
		const model = miniModel({header: G, cpus: ['spin_lock(&l); x = 1; spin_unlock(&l);', 'spin_lock(l); x = 2; spin_unlock(&l);']});
		const r = run(model, '0 1');
		expect(r.final.locks.l).toEqual({kind: 'spinlock', owner: 0, readers: []});
		// CPU1 tried: it now spins, with preemption already off (an RCU reader).
		expect(r.final.cpus[1]!.preempt).toBe(1);
		expect(r.final.cpus[1]!.wait).toMatchObject({kind: 'lock', lock: 'l'});
		expect(model.blockedReason(r.final, 1)).toBe('spins on l in spin_lock, held by CPU0');
		expect(r.flat.get('lock[l]')).toBe('CPU0 (waiters: CPU1)');
		const done = run(model, '0 1 0 0 1 1 1');
		expect(done.final.globals.x).toBe(2);
		expect(done.final.locks.l!.owner).toBe(null);
		expect(done.final.cpus.map(c => c.preempt)).toEqual([0, 0]);
		expect(kinds(done)).toEqual([]);
	});
	prim('spin_unlock', () => {
		const r = run({header: G, cpus: ['spin_lock(&l); spin_unlock(&l); spin_unlock(&l);']}, '0 0 0');
		expect(kinds(r)).toEqual(['bad-unlock']);
		expect(r.violations[0]!.message).toBe('CPU0 spin_unlock(l) but the lock is not held');
		const other = run({header: G, cpus: ['spin_lock(&l); x = 1;', 'spin_unlock(&l);']}, '0 1');
		expect(other.violations[0]!.message).toBe('CPU1 spin_unlock(l) but the lock is held by CPU0');
	});
	prim('spin_trylock', () => {
		const r = run({header: G, cpus: ['spin_lock(&l); x = 1;', 'ok = spin_trylock(&l);']}, '0 1');
		expect(r.final.cpus[1]!.locals.ok).toBe(false);
		expect(r.final.cpus[1]!.preempt).toBe(0);
		const won = run({header: G, cpus: ['ok = spin_trylock(&l);']}, '0');
		expect(won.final.cpus[0]!.locals.ok).toBe(true);
		expect(won.final.locks.l!.owner).toBe(0);
	});
	prim('spin_lock_irq', () => {
		const r = run({header: G, cpus: ['spin_lock_irq(&l); spin_unlock_irq(&l);']}, '0');
		expect(r.final.cpus[0]!.irqsOn).toBe(false);
		expect(r.final.cpus[0]!.preempt).toBe(1);
	});
	prim('spin_unlock_irq', () => {
		const r = run({header: G, cpus: ['spin_lock_irq(&l); spin_unlock_irq(&l);']}, '0 0');
		expect(r.final.cpus[0]!.irqsOn).toBe(true);
		expect(r.final.cpus[0]!.preempt).toBe(0);
	});
	prim('spin_lock_irqsave', () => {
		// IRQs are off while spinning: the spinner cannot take a flush IPI.
		const model = miniModel({header: G, cpus: ['spin_lock(&l); ptep_get_and_clear(VA); flush_tlb_mm_range(); spin_unlock(&l);', 'local_irq_disable(); local_irq_enable(); spin_lock_irqsave(&l, flags); spin_unlock_irqrestore(&l, flags);']});
		const r = run(model, '0 1 1 1');
		expect(r.final.cpus[1]!.irqsOn).toBe(false);
		expect(r.final.cpus[1]!.irqSaved).toEqual([true]);
		expect(r.final.cpus[1]!.wait).toMatchObject({kind: 'lock', lock: 'l'});
	});
	prim('spin_unlock_irqrestore', () => {
		const r = run({header: G, cpus: ['local_irq_disable(); spin_lock_irqsave(&l, flags); spin_unlock_irqrestore(&l, flags);']}, '0 0 0');
		expect(r.final.cpus[0]!.irqsOn).toBe(false); // restored to what it was: off
		expect(r.final.cpus[0]!.irqSaved).toEqual([]);
	});
	it('a CPU spinning with IRQs off on a lock whose holder waits for its flush ack: deadlock, named', () => {
		const model = miniModel({header: G, cpus: ['spin_lock(&l); ptep_get_and_clear(VA); flush_tlb_mm_range(); spin_unlock(&l);', 'spin_lock_irqsave(&l, flags); spin_unlock_irqrestore(&l, flags);']});
		const r = run(model, '0 0 1 0');
		expect(kinds(r)).toEqual(['deadlock']);
		expect(r.violations[0]!.message).toBe(
			'deadlock: CPU0 holds l and waits in flush_tlb_mm_range: waiting for ack from CPU1 (IRQs off); CPU1 spins on l in spin_lock_irqsave, held by CPU0',
		);
		expect(r.violations[0]!.objects).toEqual(['CPU0', 'CPU1', 'l']);
	});
	it('ABBA: the step that closes the cycle reports the deadlock with holders and waiters', () => {
		const cpus = ['spin_lock(&a); spin_lock(&b); spin_unlock(&b); spin_unlock(&a);', 'spin_lock(&b); spin_lock(&a); spin_unlock(&a); spin_unlock(&b);'];
		const r = run({header: 'spinlock_t a;\nspinlock_t b;', cpus}, '0 1 0 1');
		expect(kinds(r)).toEqual(['deadlock']);
		expect(r.violations[0]!.message).toBe('deadlock: CPU0 holds a and spins on b in spin_lock, held by CPU1; CPU1 holds b and spins on a in spin_lock, held by CPU0');
	});
	it('AA: taking a spinlock twice deadlocks the CPU on itself', () => {
		const r = run({header: G, cpus: ['spin_lock(&l); spin_lock(&l);']}, '0 0');
		expect(r.violations[0]!.message).toBe('deadlock: CPU0 holds l and spins on l in spin_lock, held by itself');
	});
	it('a spinlock holder holds off an RCU grace period (v5.0+)', () => {
		const model = miniModel({header: G, cpus: ['spin_lock(&l); spin_unlock(&l);', 'synchronize_rcu(); y = 1;']});
		const r = run(model, '0 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in synchronize_rcu: waiting for a grace period (readers: CPU0)');
		expect(run(model, '0 1 0 1').final.cpus[1]!.wait).toBe(null);
	});
	it('L2: a CPU that finishes with a lock held', () => {
		const r = run({header: G, cpus: ['spin_lock(&l);', 'mutex_lock(&m);']}, '0 1');
		expect(r.violations.map(v => v.message)).toEqual([
			'CPU0 finished holding l: nothing of this may be held on the return to user space',
			'CPU1 finished holding m: nothing of this may be held on the return to user space',
		]);
	});
});

describe('sleeping locks', () => {
	prim('mutex_lock', () => {
		const model = miniModel({header: G, cpus: ['mutex_lock(&m); x = 1; mutex_unlock(&m);', 'mutex_lock(&m); mutex_unlock(&m);']});
		const r = run(model, '0 1');
		expect(model.blockedReason(r.final, 1)).toBe('sleeps on m in mutex_lock, held by CPU0');
		expect(r.final.cpus[1]!.preempt).toBe(0);
		// L3: might_sleep() with a spinlock held.
		const bad = run({header: G, cpus: ['spin_lock(&l); mutex_lock(&m); mutex_unlock(&m); spin_unlock(&l);']}, '0 0');
		expect(kinds(bad)).toEqual(['sleep-in-atomic']);
		expect(bad.violations[0]!.message).toBe('CPU0 calls mutex_lock, which may sleep, with preemption off (holds l): "BUG: sleeping function called from invalid context"');
	});
	prim('mutex_unlock', () => {
		const r = run({header: G, cpus: ['mutex_lock(&m); mutex_unlock(&m);']}, '0 0');
		expect(r.final.locks.m!.owner).toBe(null);
		expect(kinds(run({header: G, cpus: ['mutex_unlock(&m);']}, '0'))).toEqual(['bad-unlock']);
	});
	prim('mutex_trylock', () => {
		const r = run({header: G, cpus: ['mutex_lock(&m); x = 1;', 'a = mutex_trylock(&m);']}, '0 1');
		expect(r.final.cpus[1]!.locals.a).toBe(false);
	});
	prim('down_read', () => {
		const model = miniModel({header: G, cpus: ['down_read(&s); up_read(&s);', 'down_read(&s); up_read(&s);']});
		const r = run(model, '0 1');
		expect(r.final.locks.s!.readers).toEqual([0, 1]);
	});
	prim('up_read', () => {
		const r = run({header: G, cpus: ['down_read(&s); up_read(&s); up_read(&s);']}, '0 0 0');
		expect(r.final.locks.s!.readers).toEqual([]);
		expect(kinds(r)).toEqual(['bad-unlock']);
	});
	prim('down_write', () => {
		const model = miniModel({header: G, cpus: ['down_read(&s); up_read(&s);', 'down_write(&s); up_write(&s);']});
		const r = run(model, '0 1');
		expect(model.blockedReason(r.final, 1)).toBe('sleeps on s in down_write, held for read by CPU0');
		expect(run(model, '0 1 0 1 1').final.locks.s).toEqual({kind: 'rwsem', owner: null, readers: []});
	});
	prim('up_write', () => {
		expect(kinds(run({header: G, cpus: ['down_read(&s); up_write(&s);']}, '0 0'))).toEqual(['bad-unlock', 'lock-held']);
	});
	prim('downgrade_write', () => {
		// CPU0 writes, downgrades, and CPU1's reader, asleep on it, may now share it; a writer may not.
		const model = miniModel({header: G, cpus: ['down_write(&s); downgrade_write(&s); x = 1; up_read(&s);', 'down_read(&s); up_read(&s);', 'down_write(&s); up_write(&s);']});
		const r = run(model, '0 1 0');
		expect(r.final.locks.s).toEqual({kind: 'rwsem', owner: null, readers: [0]});
		expect(model.isEnabled(r.final, {cpu: 1, irq: false})).toBe(true);
		expect(run(model, '0 1 0 1').final.locks.s).toEqual({kind: 'rwsem', owner: null, readers: [0, 1]});
		expect(model.blockedReason(run(model, '0 0 2').final, 2)).toBe('sleeps on s in down_write, held for read by CPU0');
		// a downgrade of a lock not held for write is L1, and changes nothing
		const bad = run({header: G, cpus: ['down_read(&s); downgrade_write(&s); up_read(&s);']}, '0 0 0');
		expect(kinds(bad)).toEqual(['bad-unlock']);
		expect(bad.final.locks.s).toEqual({kind: 'rwsem', owner: null, readers: []});
	});
	prim('mmap_write_downgrade', () => {
		// munmap since dd2283f2605e: the write lock becomes a read lock, so a page fault may run beside the zap
		const model = miniModel({cpus: ['mmap_write_lock(mm); mmap_write_downgrade(mm); x = 1; mmap_read_unlock(mm);', 'mmap_read_lock(mm); mmap_read_unlock(mm);']});
		expect(model.blockedReason(run(model, '0 1').final, 1)).toBe('sleeps waiting to read mmap_lock in mmap_read_lock, held by CPU0');
		const r = run(model, '0 1 0 1');
		expect(r.final.locks.mmap_lock).toEqual({kind: 'rwsem', owner: null, readers: [0, 1]});
		expect(kinds(run(model, '0 1 0 1 0 0 1'))).toEqual([]);
	});
	prim('down_read_trylock', () => {
		const r = run({header: G, cpus: ['down_write(&s); x = 1;', 'a = down_read_trylock(&s);']}, '0 1');
		expect(r.final.cpus[1]!.locals.a).toBe(false);
	});
	prim('down_write_trylock', () => {
		const r = run({header: G, cpus: ['down_read(&s); x = 1;', 'a = down_write_trylock(&s);']}, '0 1');
		expect(r.final.cpus[1]!.locals.a).toBe(false);
	});
	it('the mm names: mmap_lock, i_mmap_rwsem and the anon_vma lock are rw semaphores of the machine', () => {
		const names = ['mmap_read_lock', 'mmap_read_unlock', 'mmap_read_trylock', 'mmap_write_lock', 'mmap_write_unlock', 'mmap_write_trylock', 'i_mmap_lock_read', 'i_mmap_unlock_read', 'i_mmap_lock_write', 'i_mmap_unlock_write', 'anon_vma_lock_read', 'anon_vma_unlock_read', 'anon_vma_lock_write', 'anon_vma_unlock_write'];
		for (const n of names) lockTested.add(n);
		const model = miniModel({cpus: ['mmap_read_lock(mm); i_mmap_lock_write(mapping); anon_vma_lock_write(); anon_vma_unlock_write(); i_mmap_unlock_write(); mmap_read_unlock();', 'mmap_write_lock(); mmap_write_unlock(); ok = mmap_read_trylock(); mmap_read_unlock(); i_mmap_lock_read(); i_mmap_unlock_read(); anon_vma_lock_read(); anon_vma_unlock_read(); w = mmap_write_trylock(); mmap_write_unlock();']});
		expect(Object.keys(model.initial.locks).sort()).toEqual(['anon_vma', 'i_mmap_rwsem', 'mmap_lock']);
		const r = run(model, '0 0 1');
		expect(model.blockedReason(r.final, 1)).toBe('sleeps on mmap_lock in mmap_write_lock, held for read by CPU0');
		const all = run(model, '0 0 0 0 0 0 1 1 1 1 1 1 1 1 1 1');
		expect(kinds(all)).toEqual([]);
		expect(all.final.cpus[1]!.locals).toMatchObject({ok: true, w: true});
	});
});

describe('page-table locks', () => {
	prim('pte_lockptr', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); l = pte_lockptr(pmd);']}, '0 0');
		expect(r.flat.get('CPU0.l')).toMatch(/^&ptl:T\d+$/);
	});
	prim('pmd_lockptr', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); l = pmd_lockptr(pmd);']}, '0 0');
		expect(r.flat.get('CPU0.l')).toMatch(/^&ptl:T\d+$/);
	});
	prim('pmd_lock', () => {
		const model = miniModel({cpus: ['pmd = pmdp_get_lockless(VA); l = pmd_lock(pmd); spin_unlock(l);', 'pmd = pmdp_get_lockless(VA2); l = pmd_lock(pmd); spin_unlock(l);']});
		const r = run(model, '0 0 1 1');
		// Both vas share one PMD table, so one lock: CPU1 spins on it.
		expect(model.blockedReason(r.final, 1)).toMatch(/^spins on ptl of T\d+ in pmd_lock, held by CPU0$/);
		const done = run(model, '0 0 1 1 0 1 1');
		expect(done.final.locks).toEqual({}); // a free page-table lock leaves the state
		expect(kinds(done)).toEqual([]);
	});
	it('pmd_lock, pmd_lockptr and pte_lockptr take the kernel\'s leading mm; an address for the PMD says which read gives one', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); l = pmd_lock(mm, pmd); n = pmd_lockptr(mm, pmdp_get_lockless(VA2)); p = pte_lockptr(mm, pmd); spin_unlock(l);']}, '0 0 0 0 0');
		expect(kinds(r)).toEqual([]);
		// VA and VA2 share one PMD page: one lock, as move_normal_pmd's new_ptl == old_ptl
		expect(r.flat.get('CPU0.n')).toBe(r.flat.get('CPU0.l'));
		expect(r.flat.get('CPU0.p')).toMatch(/^&ptl:T\d+$/);
		const bad = run({cpus: ['l = pmd_lock(VA);']}, '0');
		expect(kinds(bad)).toEqual(['oops']);
		expect(bad.violations[0]!.message).toContain('pmd_lock: expected a pmd, got int 0x7f000000 (a PMD value read first, pmd = pmdp_get_lockless(va); an address is not one)');
	});
	prim('pte_offset_map_lock', () => {
		// v6.4: one step; the lock is the PTE table's.
		const old = run({cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); pte_unmap_unlock(ptl);']}, '0 0');
		expect(old.final.cpus[0]!.preempt).toBe(1);
		expect(old.final.cpus[0]!.rcuDepth).toBe(0);
		// v6.5: rcu_read_lock and read the PMD, then lock; a none PMD gives NULL.
		const machine = 'pte_offset_map(v6_5); pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); mm_cpumask(0);';
		const r = run({machine, cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); pte_unmap_unlock(ptl); none = pte_offset_map_lock(pmd, 0x40000000);']}, '0 0');
		expect(r.final.cpus[0]!.rcuDepth).toBe(1);
		expect(r.final.cpus[0]!.wait).toMatchObject({kind: 'phase'});
		const locked = run(r.model, '0 0 0');
		expect(locked.final.cpus[0]!.preempt).toBe(1);
		expect(locked.flat.get('CPU0.ptl')).toMatch(/^&ptl:T\d+$/);
		const end = run(r.model, '0 0 0 0 0');
		expect(end.final.cpus[0]!.locals.none).toBe(null);
		expect(end.final.cpus[0]!.rcuDepth).toBe(0);
		expect(kinds(end)).toEqual([]);
	});
	it('v6.5 pte_offset_map_lock re-checks the PMD after locking and retries', () => {
		const machine = 'pte_offset_map(v6_5); pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); mm_cpumask(0, 1);';
		const model = miniModel({machine, cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA);', 'ptep_get_and_clear(VA); free_pgtables(VA);']});
		// CPU0 reads the PMD (its step 2), CPU1 zaps and unhooks the table, CPU0 locks: the PMD changed, so it retries and gets NULL.
		const r = run(model, '0 0 1 1 0 0');
		expect(r.notes.some(n => /the PMD changed under ptl of T\d+: unlock and retry/.test(n))).toBe(true);
		expect(r.final.cpus[0]!.locals.ptl).toBe(null);
		expect(r.final.cpus[0]!.preempt).toBe(0);
	});
	it('v6.4 pte_offset_map_lock on a PMD that changed to none since it was read: unstable-pmd (S6), and the CPU stops', () => {
		const machine = 'pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); mm_cpumask(0, 1);';
		const model = miniModel({machine, cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); x = 1;', 'ptep_get_and_clear(VA); free_pgtables(VA);']});
		const r = run(model, '0 1 1 0');
		expect(kinds(r)).toEqual(['unstable-pmd']);
		expect(r.violations[0]!.check).toBe('S6');
		expect(r.violations[0]!.message).toMatch(/^pte_offset_map_lock \(before v6\.5\) on CPU0 dereferences the PMD of va 0x7f000000 again and finds none: it would lock and map a bogus page table/);
		expect(r.final.cpus[0]!.pc).toBe(-1);
		// A none PMD value handed in is the scenario's own fault.
		expect(kinds(run({cpus: ['pmd = pmdp_get_lockless(0x40000000); ptl = pte_offset_map_lock(pmd, 0x40000000);']}, '0 0'))).toEqual(['oops']);
	});
	prim('pte_unmap_unlock', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); pte = ptep_get(VA); pte_unmap_unlock(pte, ptl);']}, '0 0 0 0');
		expect(r.final.cpus[0]!.preempt).toBe(0);
		expect(r.final.locks).toEqual({});
		// the kernel's leading pte is not evaluated: it need not be a local (pte_offset_map_lock returned the lock, not a pte pointer)
		for (const unlock of ['pte_unmap_unlock(pte, ptl);', 'pte_unmap_unlock(ptl);']) {
			const u = run({cpus: [`pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA); ${unlock}`]}, '0 0 0');
			expect(u.final.locks).toEqual({});
			expect(kinds(u)).toEqual([]);
		}
		// locking the table of a none PMD is the scenario's fault: the message says how a fault gets a table
		const none = run({machine: 'ram(0x200, 1); vma(VA, 1, write); mm_cpumask(0);', cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_lock(pmd, VA);']}, '0 0');
		expect(none.violations[0]!.message).toMatch(/the PMD maps no page table \(none\); test it first \(pmd_none\), or make one with pte_alloc\(va\) as a fault does/);
		expect(() => miniModel({cpus: ['pte_unmap_unlock();']})).toThrow(/pte_unmap_unlock\(ptl\) takes 1 argument, got 0 \(or with the kernel's leading pte: pte_unmap_unlock\(pte, ptl\)\)/);
	});
	prim('pte_offset_map_nolock', () => {
		// v6.5: the lock of the table the PMD points to now, not taken, inside an RCU section pte_unmap ends
		const cpus = ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_nolock(pmd, VA); spin_lock(ptl); spin_unlock(ptl); pte_unmap(pte);'];
		const r = run({machine: 'pte_offset_map(v6_5); ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus}, '0 0');
		expect(r.flat.get('CPU0.ptl')).toMatch(/^&ptl:T\d+$/);
		expect(r.final.locks).toEqual({});
		expect(r.final.cpus[0]!.rcuDepth).toBe(1);
		const all = run({machine: 'pte_offset_map(v6_5); ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus}, '0 0 0 0 0');
		expect(all.final.cpus[0]!.rcuDepth).toBe(0);
		expect(kinds(all)).toEqual([]);
		// none since it was read: NULL, and no RCU section left open
		const gone = run({machine: 'pte_offset_map(v6_5); ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1);', cpus: ['pmd = pmdp_get_lockless(VA); ptl = pte_offset_map_nolock(pmd, VA);', 'pmd_clear(VA);']}, '0 1 0');
		expect(gone.final.cpus[0]!.locals.ptl).toBe(null);
		expect(gone.final.cpus[0]!.rcuDepth).toBe(0);
		// v6.4: no RCU section
		expect(run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus}, '0 0').final.cpus[0]!.rcuDepth).toBe(0);
	});
	prim('pte_unmap', () => {
		expect(kinds(run({machine: 'pte_offset_map(v6_5); ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus: ['pte_unmap(pte);']}, '0'))).toEqual(['oops']);
		expect(kinds(run({cpus: ['pte_unmap();']}, '0'))).toEqual([]);
	});
	prim('preempt_disable', () => {
		expect(run({cpus: ['preempt_disable(); preempt_enable();']}, '0').final.cpus[0]!.preempt).toBe(1);
	});
	prim('preempt_enable', () => {
		expect(run({cpus: ['preempt_disable(); preempt_enable();']}, '0 0').final.cpus[0]!.preempt).toBe(0);
		expect(kinds(run({cpus: ['preempt_enable();']}, '0'))).toEqual(['oops']);
	});
	prim('spin_is_locked', () => {
		const r = run({header: G, cpus: ['a = spin_is_locked(&l); spin_lock(&l); b = spin_is_locked(&l);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: false, b: true});
	});
	prim('mutex_is_locked', () => {
		expect(run({header: G, cpus: ['mutex_lock(&m); a = mutex_is_locked(&m);']}, '0 0').final.cpus[0]!.locals.a).toBe(true);
	});
	prim('rwsem_is_locked', () => {
		expect(run({header: G, cpus: ['down_read(&s); a = rwsem_is_locked(&s);']}, '0 0').final.cpus[0]!.locals.a).toBe(true);
	});
	prim('lockdep_assert_held', () => {
		const r = run({header: G, cpus: ['lockdep_assert_held(&l); spin_lock(&l); lockdep_assert_held(&l); spin_unlock(&l);']}, '0 0 0 0');
		expect(r.violations.map(v => v.message)).toEqual(['WARNING: lockdep_assert_held(l): CPU0 does not hold it']);
		expect(kinds(r)).toEqual(['warn']); // lockdep_assert is a WARN_ON, not a BUG or an assert statement
	});
});

describe('shared variables and atomics', () => {
	it('globals: plain reads and writes are steps that invariants see', () => {
		const r = run({header: G + '\ninvariant "x small" x < 2', cpus: ['x = x + 1; flag = true; x += 1;']}, '0 0 0');
		expect(r.final.globals).toMatchObject({x: 2, flag: true, n: 1});
		expect(r.violations.map(v => v.message)).toEqual(['invariant "x small" (line 11) is false after this step']);
		expect(r.flat.get('global.x')).toBe('2');
	});
	it('READ_ONCE and WRITE_ONCE of a shared variable; READ_ONCE of anything else still reads a PTE', () => {
		const r = run({header: G, cpus: ['WRITE_ONCE(x, 5); a = READ_ONCE(x); b = smp_load_acquire(&x); smp_store_release(&x, 7); pte = READ_ONCE(VA);']}, '0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 5, b: 5});
		expect(r.final.globals.x).toBe(7);
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x100 WSD)');
	});
	prim('atomic_read', () => expect(run({header: G, cpus: ['a = atomic_read(&n);']}, '0').final.cpus[0]!.locals.a).toBe(1));
	prim('atomic_set', () => expect(run({header: G, cpus: ['atomic_set(&n, 9);']}, '0').final.globals.n).toBe(9));
	prim('atomic_inc', () => expect(run({header: G, cpus: ['atomic_inc(&n);']}, '0').final.globals.n).toBe(2));
	prim('atomic_dec', () => expect(run({header: G, cpus: ['atomic_dec(n);']}, '0').final.globals.n).toBe(0));
	prim('atomic_add', () => expect(run({header: G, cpus: ['atomic_add(3, &n);']}, '0').final.globals.n).toBe(4));
	prim('atomic_sub', () => expect(run({header: G, cpus: ['atomic_sub(3, &n);']}, '0').final.globals.n).toBe(-2));
	prim('atomic_inc_return', () => expect(run({header: G, cpus: ['a = atomic_inc_return(&n);']}, '0').final.cpus[0]!.locals.a).toBe(2));
	prim('atomic_dec_return', () => expect(run({header: G, cpus: ['a = atomic_dec_return(&n);']}, '0').final.cpus[0]!.locals.a).toBe(0));
	prim('atomic_dec_and_test', () => {
		const r = run({header: G, cpus: ['a = atomic_dec_and_test(&n); b = atomic_dec_and_test(&n);']}, '0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: false});
	});
	prim('atomic_inc_not_zero', () => {
		const r = run({header: G, cpus: ['atomic_set(&n, 0); a = atomic_inc_not_zero(&n);']}, '0 0');
		expect(r.final.cpus[0]!.locals.a).toBe(false);
		expect(r.final.globals.n).toBe(0);
	});
	prim('atomic_add_unless', () => {
		const r = run({header: G, cpus: ['a = atomic_add_unless(&n, 1, 1); b = atomic_add_unless(&n, 1, 0);']}, '0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: false, b: true});
		expect(r.final.globals.n).toBe(2);
	});
	prim('atomic_cmpxchg', () => {
		const r = run({header: G, cpus: ['a = atomic_cmpxchg(&n, 1, 5); b = atomic_cmpxchg(&n, 1, 6);']}, '0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 1, b: 5});
		expect(r.final.globals.n).toBe(5);
	});
	prim('atomic_xchg', () => {
		const r = run({header: G, cpus: ['a = atomic_xchg(&n, 4);']}, '0');
		expect(r.final.cpus[0]!.locals.a).toBe(1);
		expect(r.final.globals.n).toBe(4);
	});
	prim('cmpxchg', () => {
		const r = run({header: G, cpus: ['a = cmpxchg(&x, 0, 3); b = cmpxchg(&flag, true, true);']}, '0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 0, b: false});
		expect(r.final.globals).toMatchObject({x: 3, flag: false});
	});
	prim('xchg', () => {
		const r = run({header: G, cpus: ['a = xchg(&x, 8);']}, '0');
		expect(r.final.cpus[0]!.locals.a).toBe(0);
		expect(r.final.globals.x).toBe(8);
	});
	it('barriers are accepted and order nothing further (the model is sequentially consistent)', () => {
		for (const b of ['smp_mb', 'smp_rmb', 'smp_wmb', 'barrier', 'cpu_relax', 'smp_mb__after_atomic', 'smp_mb__before_atomic']) lockTested.add(b);
		const r = run({cpus: ['smp_mb(); smp_rmb(); smp_wmb(); barrier(); cpu_relax(); smp_mb__after_atomic(); smp_mb__before_atomic();']}, '0 0 0 0 0 0 0');
		expect(r.final.cpus[0]!.pc).toBe(-1);
	});
	prim('set_bit', () => expect(run({header: G, cpus: ['set_bit(3, &x); set_bit(3, &x);']}, '0 0').final.globals.x).toBe(8));
	prim('clear_bit', () => expect(run({header: G, cpus: ['x = 12; clear_bit(2, &x); clear_bit(2, &x);']}, '0 0 0').final.globals.x).toBe(8));
	prim('test_bit', () => expect(run({header: G, cpus: ['x = 4; a = test_bit(2, &x); b = test_bit(1, &x);']}, '0 0 0').final.cpus[0]!.locals).toMatchObject({a: true, b: false}));
	prim('test_and_set_bit', () => {
		const r = run({header: G, cpus: ['a = test_and_set_bit(0, &x); b = test_and_set_bit(0, &x);']}, '0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: false, b: true});
		expect(r.final.globals.x).toBe(1);
	});
	prim('test_and_clear_bit', () => {
		const r = run({header: G, cpus: ['x = 1; a = test_and_clear_bit(0, &x); b = test_and_clear_bit(0, &x);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: false});
	});
	prim('might_sleep', () => {
		expect(kinds(run({header: G, cpus: ['might_sleep(); spin_lock(&l); might_sleep(); spin_unlock(&l);']}, '0 0 0 0'))).toEqual(['sleep-in-atomic']);
	});
	it('atomic_long_t has the atomic_long_* names', () => {
		const r = run({header: 'atomic_long_t nr = 5;', cpus: ['atomic_long_inc(&nr); a = atomic_long_read(&nr);']}, '0 0');
		expect(r.final.cpus[0]!.locals.a).toBe(6);
	});
	it('a race on a plain counter loses an update; the atomic one does not', () => {
		const lost = run({header: G, cpus: ['t = x; x = t + 1;', 't = x; x = t + 1;']}, '0 1 0 1');
		expect(lost.final.globals.x).toBe(1);
		const kept = run({header: G, cpus: ['atomic_inc(&n);', 'atomic_inc(&n);']}, '0 1');
		expect(kept.final.globals.n).toBe(3);
	});
});

it('every lock, page-table-lock and shared-variable primitive has a test', () => {
	expect([...lockPrimitives, ...ptlPrimitives, ...sharedPrimitives].map(p => p.name).filter(n => !lockTested.has(n))).toEqual([]);
});

describe('found by a kernel developer trying the language', () => {
	it('a recursive read lock is released once per up_read', () => {
		const r = run({header: G, cpus: ['down_read(&s); down_read(&s); up_read(&s); a = rwsem_is_locked(&s); up_read(&s);']}, '0 0 0 0 0');
		expect(kinds(r)).toEqual([]);
		expect(r.final.cpus[0]!.locals.a).toBe(true);
	});
	it('a new reader queues behind a waiting writer: the read-read ABBA with a writer deadlocks', () => {
		// CPU0: read A, then mutex M; CPU1: mutex M, then read A; CPU2: write A (queued behind CPU0).
		const cpus = ['down_read(&s); mutex_lock(&m); mutex_unlock(&m); up_read(&s);', 'mutex_lock(&m); down_read(&s); up_read(&s); mutex_unlock(&m);', 'down_write(&s); up_write(&s);'];
		const model = miniModel({header: G, cpus, machine: 'mm_cpumask(0, 1, 2);'});
		const r = run(model, '0 2 1 1 0');
		expect(model.blockedReason(r.states[4]!, 1)).toBe('sleeps waiting to read s in down_read, held for read by CPU0, a writer (CPU2) queued first');
		expect(kinds(r)).toEqual(['deadlock']);
		expect(r.violations[0]!.message).toBe(
			'deadlock: CPU0 holds s and sleeps on m in mutex_lock, held by CPU1; CPU1 holds m and sleeps waiting to read s in down_read, held for read by CPU0, a writer (CPU2) queued first; CPU2 sleeps on s in down_write, held for read by CPU0',
		);
	});
	it('a new reader takes a free rwsem even with a writer queued (rwsem_down_read_slowpath: reader optimistic lock stealing)', () => {
		const model = miniModel({header: G, cpus: ['down_write(&s); up_write(&s);', 'down_write(&s); up_write(&s);', 'down_read(&s); up_read(&s);'], machine: 'mm_cpumask(0, 1, 2);'});
		// CPU0 holds it, CPU1 queues, CPU0 releases: free, CPU1 still queued; CPU2 reads.
		const r = run(model, '0 1 0 2');
		expect(r.final.locks.s).toMatchObject({owner: null, readers: [2]});
		expect(model.blockedReason(r.final, 1)).toBe('sleeps on s in down_write, held for read by CPU2');
	});
	it('a trylock fails on a free spinlock or rwsem while a CPU is queued on it; mutex_trylock does not look at the waiters', () => {
		// CPU0 holds the lock, CPU1 queues, CPU0 releases: the lock is free with CPU1 queued.
		const tried = (hold: string, tries: string[]) => {
			const cpus = [hold, hold, tries.join(' ')];
			return run({header: G, cpus, machine: 'mm_cpumask(0, 1, 2);'}, `0 1 0 ${tries.map(() => '2').join(' ')}`).final.cpus[2]!.locals;
		};
		expect(tried('spin_lock(&l); spin_unlock(&l);', ['a = spin_trylock(&l);', 'b = spin_is_locked(&l);'])).toMatchObject({a: false, b: true});
		expect(tried('down_write(&s); up_write(&s);', ['a = down_read_trylock(&s);', 'b = down_write_trylock(&s);', 'c = rwsem_is_locked(&s);'])).toMatchObject({a: false, b: false, c: true});
		expect(tried('mutex_lock(&m); mutex_unlock(&m);', ['a = mutex_is_locked(&m);', 'b = mutex_trylock(&m);'])).toMatchObject({a: false, b: true});
	});
	it('synchronize_rcu inside a read-side section waits for itself: a deadlock', () => {
		const r = run({cpus: ['rcu_read_lock(); synchronize_rcu(); rcu_read_unlock();']}, '0 0');
		expect(kinds(r)).toEqual(['sleep-in-atomic', 'deadlock']);
	});
	it('an RCU table free called with preemption off waits for the caller to leave it', () => {
		const machine = 'table_free(rcu); pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0);';
		const r = run({machine, cpus: ['preempt_disable(); ptep_get_and_clear(VA); free_pgtables(VA); preempt_enable();']}, '0 0 0');
		expect(Object.values(r.final.pt.tables).some(t => t.freed)).toBe(false);
		expect(Object.values(run(r.model, '0 0 0 0').final.pt.tables).some(t => t.freed)).toBe(true);
	});
	it('L2 also covers a CPU that finishes inside rcu_read_lock, with IRQs off or with preemption off; L3 covers sleeping inside rcu_read_lock', () => {
		const r = run({cpus: ['rcu_read_lock(); local_irq_disable(); preempt_disable();']}, '0 0 0');
		expect(r.violations.map(v => v.message)).toEqual(['CPU0 finished inside rcu_read_lock, with IRQs off, with preempt count 1: nothing of this may be held on the return to user space']);
		const s = run({header: G, cpus: ['rcu_read_lock(); mutex_lock(&m); mutex_unlock(&m); rcu_read_unlock();']}, '0 0');
		expect(s.violations[0]!.message).toBe('CPU0 calls mutex_lock, which may sleep, inside rcu_read_lock: "BUG: sleeping function called from invalid context"');
	});
});

describe('interrupt handlers', () => {
	const irq = (save: boolean) => ({
		header: `spinlock_t l;\nint events;\nirq dev_irq on cpu 0 "rx" {\n\tspin_lock(&l);\n\tevents++;\n\tspin_unlock(&l);\n}`,
		cpus: [save ? 'spin_lock_irqsave(&l, flags); events = 0; spin_unlock_irqrestore(&l, flags);' : 'spin_lock(&l); events = 0; spin_unlock(&l);', 'raise_irq(dev_irq);'],
	});
	prim('raise_irq', () => {
		const model = miniModel(irq(false));
		const r = run(model, '1');
		expect(r.final.cpus[0]!.ipis).toEqual([{from: 1, kind: 'device', irq: 'dev_irq'}]);
		// Taken at once: the handler runs on CPU0, statement by statement, then returns to where CPU0 was.
		const h = run(model, '1 i0 0 0 0 0');
		expect(h.final.cpus[0]!.irqFrames).toEqual([]);
		expect(h.final.cpus[0]!.pc).toBe(0);
		expect(h.final.cpus[0]!.irqsOn).toBe(true);
		expect(h.final.globals.events).toBe(1);
		expect(h.notes.filter(n => n.startsWith('irq handler returns'))).toEqual([expect.stringMatching(/^irq handler returns: CPU0 resumes at line \d+$/)]);
		// One pending interrupt per line: raised again before CPU0 takes it, the raises merge;
		// raised again once the handler runs, it is pending anew (taken after the handler returns).
		const twice = miniModel({...irq(false), cpus: ['x = 1;', 'raise_irq(dev_irq); raise_irq(dev_irq);']});
		const merged = run(twice, '1 1');
		expect(merged.final.cpus[0]!.ipis).toEqual([{from: 1, kind: 'device', irq: 'dev_irq'}]);
		expect(merged.notes).toContain('dev_irq is already pending on CPU0: this raise merges with it');
		expect(run(twice, '1 i0 1').final.cpus[0]!.ipis).toEqual([{from: 1, kind: 'device', irq: 'dev_irq'}]);
	});
	it('the lock taken in process context without disabling IRQs and again in the handler: AA deadlock on one CPU', () => {
		const r = run(irq(false), '1 0 i0 0');
		expect(r.violations.map(v => v.message)).toEqual(['deadlock: CPU0 holds l and, in an irq handler, spins on l in spin_lock, held by itself']);
	});
	it('with spin_lock_irqsave the interrupt waits for the unlock', () => {
		const model = miniModel(irq(true));
		const r = run(model, '1 0');
		expect(model.isEnabled(r.final, {cpu: 0, irq: true})).toBe(false);
		expect(kinds(run(model, '1 0 0 0 i0 0 0 0'))).toEqual([]);
	});
	it('a handler interrupting a blocked CPU leaves its wait for when it returns; a finished CPU can still take one', () => {
		const model = miniModel({header: 'spinlock_t l;\nint n;\nirq tick on cpu 1 { n++; }', cpus: ['spin_lock(&l); raise_irq(tick); spin_unlock(&l);', 'spin_lock(&l); spin_unlock(&l);']});
		const r = run(model, '0 1 0 i1 1 1');
		expect(r.final.cpus[1]!.wait).toMatchObject({kind: 'lock', lock: 'l'});
		expect(r.final.globals.n).toBe(1);
		const idle = run(model, '0 0 0 1 1 i1 1 1');
		expect(idle.final.cpus[1]!.pc).toBe(-1);
		expect(kinds(idle)).toEqual([]);
	});
});

describe('found by review: waits and handlers', () => {
	const load = (f: string) => loadModel(`test/scenarios/${f}.race`);
	const kindsOf = (f: string, reduce: boolean) => [...explore(load(f), {strategy: 'bfs', reduce}).kinds.keys()].sort();
	it('a grace period or a flush ack that ends while the waiting CPU runs a handler still completes its wait (no false hung task)', () => {
		for (const f of ['gp-irq', 'ack-irq']) for (const reduce of [true, false]) expect(kindsOf(f, reduce), `${f} reduce=${reduce}`).toEqual([]);
	});
	it('a writer interrupted while queued on an rwsem still turns new readers away', () => {
		const model = load('rw-irq');
		const r = run(model, '0 0 1 i1 0');
		expect(model.blockedReason(r.final, 0)).toBe('sleeps waiting to read sem in down_read, held for read by itself, a writer (CPU1) queued first');
	});
	it('a return inside atomic { } in a handler returns from the handler, not from the CPU', () => {
		const r = run(load('atomic-ret'), '1 i0 0 0 0');
		expect(kinds(r)).toEqual([]);
		expect(r.final.globals.x).toBe(3);
	});
	it('a handler runs in hardirq context: a sleeping call there is L3', () => {
		const r = run({header: 'struct mutex m;\nirq tick on cpu 0 { mutex_lock(&m); mutex_unlock(&m); }', cpus: ['x = 1;', 'raise_irq(tick);']}, '1 i0 0');
		expect(r.violations[0]!.message).toBe('CPU0 calls mutex_lock, which may sleep, with IRQs off, with preemption off (in an irq handler): "BUG: sleeping function called from invalid context"');
	});
});

it('the PTE lock stands for the table it locks: set_pte_at(va, pte, ptl) writes there, also once the table is detached (v6_5_no_recheck)', () => {
	const machine = 'pte_offset_map(v6_5_no_recheck); table_free(rcu); pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); mm_cpumask(0, 1);';
	const model = miniModel({machine, cpus: ['pmd = pmdp_get_lockless(VA); pte = ptep_get(VA); ptl = pte_offset_map_lock(pmd, VA); set_pte_at(VA, pte, ptl); pte_unmap_unlock(ptl);', 'ptep_get_and_clear(VA); free_pgtables(VA);']});
	// CPU0 reads the PMD, CPU1 zaps and unhooks the table, CPU0 locks it without the re-check and writes the PTE into the detached table: the write is lost.
	const r = run(model, '0 0 0 1 1 0 0');
	expect(kinds(r)).toEqual([]);
	expect(r.flat.get('pte[0x7f000000]')).toBeUndefined();
	const t = Number(/T(\d+)$/.exec((r.final.cpus[0]!.locals.ptl as {name: string}).name)![1]);
	expect(Object.keys(r.final.pt.tables[t]!.entries)).toHaveLength(1); // the PTE went into the detached table
});
