// One test (or more) per primitive: its effect on the state, and the checks
// it is responsible for.

import {describe, expect, it} from 'vitest';
import {PRIMITIVES} from '../source/machine/primitives/index.js';
import {lockPrimitives} from '../source/machine/primitives/lock.js';
import {protnonePrimitives} from '../source/machine/primitives/protnone.js';
import {dirtyPrimitives} from '../source/machine/primitives/dirty.js';
import {contentsPrimitives} from '../source/machine/primitives/contents.js';
import {lazyTlbPrimitives} from '../source/machine/primitives/lazy-tlb.js';
import {thpSplitPrimitives} from '../source/machine/primitives/thp-split.js';
import {mmuGatherPrimitives} from '../source/machine/primitives/mmu-gather.js';
import {pgtableLifePrimitives} from '../source/machine/primitives/pgtable-life.js';
import {ptlPrimitives} from '../source/machine/primitives/ptl.js';
import {ramPrimitives} from '../source/machine/primitives/ram.js';
import {sharedPrimitives} from '../source/machine/primitives/shared.js';
import {tableFreePrimitives} from '../source/machine/primitives/table-free.js';
import {kinds, miniModel, primitiveTests, run} from './helpers/mini.js';

const {tested, prim} = primitiveTests();

describe('IRQs and RCU', () => {
	prim('local_irq_save', () => {
		const r = run({cpus: ['local_irq_save(); local_irq_save(); local_irq_restore(); local_irq_restore();']}, '0 0 0');
		expect(r.states[1]!.cpus[0]!.irqsOn).toBe(false);
		expect(r.states[3]!.cpus[0]!.irqsOn).toBe(false); // nested: the inner restore keeps them off
		expect(r.final.cpus[0]!.irqSaved).toEqual([true]);
	});
	prim('local_irq_restore', () => {
		const r = run({cpus: ['local_irq_save(); local_irq_restore();']}, '0 0');
		expect(r.final.cpus[0]!.irqsOn).toBe(true);
		const bad = run({cpus: ['local_irq_restore();']}, '0');
		expect(kinds(bad)).toEqual(['oops']);
		expect(bad.violations[0]!.message).toMatch(/without a matching local_irq_save/);
	});
	prim('local_irq_disable', () => {
		expect(run({cpus: ['local_irq_disable();']}, '0').final.cpus[0]!.irqsOn).toBe(false);
	});
	prim('local_irq_enable', () => {
		expect(run({cpus: ['local_irq_disable(); local_irq_enable();']}, '0 0').final.cpus[0]!.irqsOn).toBe(true);
	});
	prim('rcu_read_lock', () => {
		expect(run({cpus: ['rcu_read_lock(); rcu_read_lock();']}, '0 0').final.cpus[0]!.rcuDepth).toBe(2);
	});
	prim('rcu_read_unlock', () => {
		expect(run({cpus: ['rcu_read_lock(); rcu_read_unlock();']}, '0 0').final.cpus[0]!.rcuDepth).toBe(0);
		expect(kinds(run({cpus: ['rcu_read_unlock();']}, '0'))).toEqual(['oops']);
	});
	prim('synchronize_rcu', () => {
		const model = miniModel({cpus: ['local_irq_save(); x = 1; local_irq_restore();', 'synchronize_rcu(); y = 1;']});
		const r = run(model, '0 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in synchronize_rcu: waiting for a grace period (readers: CPU0 (IRQs off))');
		const done = run(model, '0 1 0 0 1 1');
		expect(done.final.cpus[1]!.locals.y).toBe(1);
		// A grace period started with no readers does not wait.
		expect(run({cpus: ['x = 1;', 'synchronize_rcu(); y = 1;']}, '1 1').final.cpus[1]!.locals.y).toBe(1);
	});
});

describe('page tables', () => {
	prim('pmdp_get_lockless', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); none = pmdp_get_lockless(0x40000000);']}, '0 0');
		expect(r.flat.get('CPU0.pmd')).toMatch(/^pmd\(table T\d+\)$/);
		expect(r.flat.get('CPU0.none')).toBe('pmd(none)');
	});
	prim('ptep_get_lockless', () => {
		const r = run({cpus: ['pmd = pmdp_get_lockless(VA); pte = ptep_get_lockless(pmd, VA);']}, '0 0');
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x100 WSD)');
	});
	prim('ptep_get', () => {
		const r = run({cpus: ['pte = ptep_get(VA); n = ptep_get(0x40000000);']}, '0 0');
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x100 WSD)');
		expect(r.flat.get('CPU0.n')).toBe('pte(none @0x40000000)');
	});
	for (const [name, want] of [['pte_present', true], ['pte_write', true], ['pte_special', true], ['pte_devmap', true], ['pte_none', false]] as const) {
		prim(name, () => {
			const r = run({cpus: [`pte = ptep_get(VA); x = ${name}(pte); n = ${name}(ptep_get(0x40000000));`]}, '0 0 0');
			expect(r.final.cpus[0]!.locals.x).toBe(want);
			expect(r.final.cpus[0]!.locals.n).toBe(name === 'pte_none');
		});
	}
	prim('pte_pfn', () => {
		expect(run({cpus: ['x = pte_pfn(ptep_get(VA2));']}, '0').final.cpus[0]!.locals.x).toBe(0x101);
		expect(kinds(run({cpus: ['x = pte_pfn(NULL);']}, '0'))).toEqual(['oops']);
	});
	prim('pte_val', () => {
		const r = run({cpus: ['a = pte_val(ptep_get(VA)); b = pte_val(ptep_get(0x40000000));']}, '0 0');
		expect(r.final.cpus[0]!.locals.a).toBe(0x100 * 4096 + 1 + 2 + 0x200 + 0x400);
		expect(r.final.cpus[0]!.locals.b).toBe(0);
	});
	prim('pte_same', () => {
		// the word, not where it was read: a PTE mk_pte made equals the one stored from it, as == says too
		const machine = 'ram(0x200, 2); map(VA, 0x200, write); map(VA2, 0x201); mm_cpumask(0);';
		const r = run({machine, cpus: ['a = pte_same(ptep_get(VA), ptep_get(VA)); b = pte_same(ptep_get(VA), ptep_get(VA2)); c = pte_same(ptep_get(0x40000000), ptep_get(0x40001000)); d = ptep_get(VA) == mk_pte(pfn_to_page(0x200), true); e = pte_same(ptep_get(VA), mk_pte(pfn_to_page(0x200)));']}, '0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: false, c: true, d: true, e: false});
	});
	prim('pte_wrprotect', () => {
		const r = run({cpus: ['p = pte_wrprotect(ptep_get(VA2)); w = pte_write(p); f = pte_pfn(p); n = pte_present(pte_wrprotect(ptep_get(0x40000000)));']}, '0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({w: false, f: 0x101, n: false});
		expect(run({cpus: ['x = pte_write(ptep_get(VA2));']}, '0').final.cpus[0]!.locals.x).toBe(true); // it was writable: the value is changed, not the PTE
	});
	prim('pmd_present', () => {
		expect(run({cpus: ['x = pmd_present(pmdp_get_lockless(VA));']}, '0').final.cpus[0]!.locals.x).toBe(true);
	});
	prim('pmd_leaf', () => {
		const machine = 'pgmap(p, devdax, 0x100, 1); map(0x200000, 0x100, write, huge); mm_cpumask(0);';
		const r = run({machine, cpus: ['pmd = pmdp_get_lockless(0x200000); x = pmd_leaf(pmd); pte = ptep_get_lockless(pmd, 0x200000);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals.x).toBe(true);
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x100 WH)');
	});
	it('v6.15: a DAX mapping holds a page reference; the zap drops it, a refault takes it again', () => {
		const machine = 'refcount(v6_15); pgmap(pmem0, fsdax, PFN, 1); fs(ext4, pmem0); map(VA, PFN, write); mm_cpumask(0);';
		const r = run({machine, cpus: ['a = page_refcount(PFN); ptep_get_and_clear(VA); b = page_refcount(PFN); handle_mm_fault(VA); c = page_refcount(PFN); arch_remove_memory(pmem0);']}, '0 0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 1, b: 0, c: 1});
		expect(kinds(r)).toEqual(['stale-mapping']); // the refaulted PTE, but no S3: the mapping's reference is not GUP's
	});
	prim('ptep_get_and_clear', () => {
		const r = run({cpus: ['old = ptep_get_and_clear(VA);']}, '0');
		expect(r.flat.get('CPU0.old')).toBe('pte(pfn 0x100 WSD)');
		expect(r.flat.has('pte[0x7f000000]')).toBe(false);
		expect(r.flat.has('pte[0x7f001000]')).toBe(true);
		expect(r.final.zapped).toEqual([0x7f000000]);
	});
	for (const [name, flag] of [['ptep_set_wrprotect', ''], ['pmdp_set_wrprotect', ', huge']] as const) {
		prim(name, () => {
			// fork's COW: the leaf stays present with the write bit gone; another CPU's writable TLB entry stays until a flush.
			const machine = `pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write${flag}); mm_cpumask(0, 1); tlb(1, VA);`;
			const r = run({machine, cpus: [`before = ptep_get(VA); ${name}(VA); after = ptep_get(VA);`, 'x = 1;']}, '0 0 0');
			expect(r.flat.get('CPU0.before')).toMatch(/^pte\(pfn 0x100 W/);
			expect(r.final.cpus[0]!.locals.after).toMatchObject({present: true, write: false, pfn: 0x100});
			expect(r.final.cpus[1]!.tlb[0x7f000000]).toMatchObject({write: true});
			expect(kinds(r)).toEqual([]);
			// The other level's leaf is an oops naming the right call; no leaf is nothing to do.
			const other = name === 'ptep_set_wrprotect' ? ', huge' : '';
			const wrong = run({machine: `pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write${other}); mm_cpumask(0);`, cpus: [`${name}(VA);`]}, '0');
			expect(wrong.violations[0]!.message).toMatch(name === 'ptep_set_wrprotect' ? /huge PMD \(use pmdp_set_wrprotect\)/ : /PTE \(use ptep_set_wrprotect\)/);
			expect(kinds(run({machine: 'pgmap(pmem0, fsdax, PFN, 1); mm_cpumask(0);', cpus: [`${name}(VA);`]}, '0'))).toEqual([]);
		});
	}
	prim('ptep_clear_flush', () => {
		// CPU1 caches the page; CPU0 clears the PTE and flushes it: an IPI CPU1 must take before CPU0 returns.
		const model = miniModel({cpus: ['old = ptep_clear_flush(VA); none = ptep_clear_flush(VA);', 'access(VA);']});
		const sent = run(model, '1 0');
		expect(sent.flat.has('pte[0x7f000000]')).toBe(false);
		expect(sent.final.cpus[0]!.wait).toMatchObject({kind: 'acks', pending: [1]});
		expect(sent.final.cpus[1]!.ipis).toHaveLength(1);
		const done = run(model, '1 0 i1 0');
		expect(done.flat.get('CPU0.old')).toBe('pte(pfn 0x100 WSD)');
		expect(done.flat.has('CPU1.tlb[0x7f000000]')).toBe(false);
		expect(kinds(done)).toEqual([]);
		// Not present: nothing to flush, no IPI, one step.
		const again = run(model, '1 0 i1 0 0');
		expect(again.flat.get('CPU0.none')).toBe('pte(none @0x7f000000)');
		expect(again.final.cpus[1]!.ipis).toHaveLength(0);
	});
	prim('unmap_mapping_range', () => {
		const model = miniModel({cpus: ['unmap_mapping_range(pmem0); done = 1;']});
		const one = run(model, '0');
		expect(one.final.cpus[0]!.pc).toBe(0); // one PTE per step: still on the statement
		expect([...one.flat.keys()].filter(k => k.startsWith('pte['))).toHaveLength(1);
		const two = run(model, '0 0');
		expect([...two.flat.keys()].filter(k => k.startsWith('pte['))).toHaveLength(0);
		expect(two.final.cpus[0]!.pc).toBe(1);
	});
	prim('free_pgtables', () => {
		const body = 'ptep_get_and_clear(VA); ptep_get_and_clear(VA2); free_pgtables(VA);';
		// TABLE_FREE=rcu: the free waits for the freed_tables flush (CPU0 acks it once its IRQs are back on) and the
		// grace period; a walker that read the PMD before sees a live table.
		const rcu = miniModel({machine: `table_free(rcu); ${'pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); map(VA2, PFN + 1, write); mm_cpumask(0, 1);'}`, cpus: ['local_irq_save(); pmd = pmdp_get_lockless(VA); pte = ptep_get_lockless(pmd, VA); local_irq_restore();', body]});
		const early = run(rcu, '0 0 1 1 1 0');
		expect(kinds(early)).toEqual([]);
		expect(early.final.rcu).toHaveLength(1);
		expect(rcu.blockedReason(early.final, 1)).toBe('blocked in free_pgtables: waiting for ack from CPU0 (IRQs off)');
		// CPU0 is out of its section, but CPU1 spins on the ack with preemption off: still a reader
		expect(run(rcu, '0 0 1 1 1 0 0').final.rcu).toHaveLength(1);
		expect(run(rcu, '0 0 1 1 1 0 0 i0 1').final.rcu).toHaveLength(0);
		// Without IRQs off CPU0 acks the flush at once, no reader holds the grace period, and the lockless read of the freed table is S6.
		const noirq = miniModel({machine: 'table_free(rcu); pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); map(VA2, PFN + 1, write); mm_cpumask(0, 1);', cpus: ['pmd = pmdp_get_lockless(VA); pte = ptep_get_lockless(pmd, VA);', body]});
		const s6 = run(noirq, '0 1 1 1 i0 1 0');
		expect(kinds(s6)).toEqual(['freed-table-read']);
		// TABLE_FREE=ipi: the flush IPI (freed_tables: to every CPU in mm_cpumask), freed when all acked.
		const ipi = miniModel({machine: 'pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); map(VA2, PFN + 1, write); mm_cpumask(0, 1);', cpus: ['x = 1;', body]});
		const waiting = run(ipi, '1 1 1');
		expect(ipi.blockedReason(waiting.final, 1)).toBe('blocked in free_pgtables: waiting for ack from CPU0');
		expect(waiting.final.cpus[0]!.ipis).toEqual([{from: 1, kind: 'flush', range: [0x7f000000, 0x7f200000], freedTables: true}]);
		const freed = run(ipi, '1 1 1 i0 1');
		expect([...freed.flat.keys()].some(k => k.startsWith('table['))).toBe(true);
		expect(kinds(run({cpus: ['free_pgtables(VA);']}, '0'))).toEqual(['oops']);
	});
});

describe('TLBs and the hardware walker', () => {
	prim('access', () => {
		const r = run({cpus: ['a = access(VA); b = access(VA); c = access(0x40000000);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: true, c: false});
		expect(r.notes).toContain('TLB hit: va 0x7f000000 -> pfn 0x100');
		expect(r.flat.get('CPU0.tlb[0x7f000000]')).toBe('pfn 0x100 W');
		const out = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(1);', cpus: ['access(VA);', 'x = 1;']}, '0');
		expect(out.violations[0]!.message).toMatch(/CPU0 is not running the mm/);
	});
	prim('flush_tlb_mm', () => {
		// x86's flush_tlb_mm passes freed_tables: the lazy CPU2 is reached too (and switches to init_mm).
		const machine = 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1, 2); lazy(2); tlb(1, VA); tlb(2, VA);';
		const model = miniModel({machine, cpus: ['x = 1;', 'ptep_get_and_clear(VA); flush_tlb_mm(mm); y = 1;', 'z = 1;']});
		const sent = run(model, '1 1');
		expect(sent.final.cpus[1]!.wait).toMatchObject({kind: 'acks', pending: [0, 2]});
		const done = run(model, '1 1 i0 i2 1');
		expect(done.final.cpus[1]!.wait).toBeNull();
		expect(done.flat.has('CPU2.tlb[0x7f000000]')).toBe(false);
		expect(done.final.mmCpumask).toEqual([0, 1]);
		expect(kinds(done)).toEqual([]);
		expect(kinds(run({machine, cpus: ['x = 1;', 'flush_tlb_mm();', 'z = 1;']}, '1 i0 i2 1'))).toEqual([]);
	});
	prim('flush_tlb_page', () => {
		// The kernel's flush_tlb_page(vma, addr): one page, no tables freed, so the lazy CPU2 is skipped; going back
		// to the mm without catching up while the flush waits for CPU0 is S5 when it returns (S5 checks this flush too).
		const machine = 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1, 2); lazy(2); tlb(2, VA);';
		const cpus = (catchUp: boolean) => ['x = 1;', 'ptep_get_and_clear(VA); flush_tlb_page(vma, VA);', `switch_mm_irqs_off(${catchUp});`];
		const bug = run({machine, cpus: cpus(false)}, '1 1 2 i0 1');
		expect(bug.notes).toContain('lazy CPU2 skipped (no tables freed)');
		expect(bug.violations.map(v => [v.kind, v.cpu])).toEqual([['tlb-incoherent', 1]]);
		expect(bug.violations[0]!.message).toMatch(/^flush_tlb_page of .* returned but CPU2 still caches zapped va 0x7f000000$/);
		expect(kinds(run({machine, cpus: cpus(true)}, '1 1 2 i0 1'))).toEqual([]);
		// The model's own spelling, without the vma.
		expect(kinds(run({machine, cpus: ['x = 1;', 'ptep_get_and_clear(VA); flush_tlb_page(VA);', 'switch_mm_irqs_off(false);']}, '1 1 2 i0 1'))).toEqual(['tlb-incoherent']);
	});
	prim('flush_tlb_mm_range', () => {
		const model = miniModel({cpus: ['access(VA); local_irq_save(); x = 1; local_irq_restore();', 'ptep_get_and_clear(VA); flush_tlb_mm_range(); y = 1;']});
		const r = run(model, '0 0 1 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in flush_tlb_mm_range: waiting for ack from CPU0 (IRQs off)');
		expect(model.isEnabled(r.final, {cpu: 0, irq: true})).toBe(false);
		const acked = run(model, '0 0 1 1 0 0 i0 1');
		expect(acked.flat.has('CPU0.tlb[0x7f000000]')).toBe(false);
		expect(acked.final.cpus[1]!.wait).toBeNull();
		expect(kinds(acked)).toEqual([]);
		// The sender spins on the acks with preemption off (get_cpu()): an RCU reader until they are in.
		expect(r.final.cpus[1]!.preempt).toBe(1);
		expect(acked.final.cpus[1]!.preempt).toBe(0);
		const gp = miniModel({machine: 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1);', cpus: ['access(VA); local_irq_save(); x = 1; local_irq_restore();', 'ptep_get_and_clear(VA); flush_tlb_mm_range();', 'synchronize_rcu(); y = 1;']});
		const waiting = run(gp, '0 0 1 1 0 0 2');
		expect(gp.blockedReason(waiting.final, 2)).toBe('blocked in synchronize_rcu: waiting for a grace period (readers: CPU1)');
		expect(run(gp, '0 0 1 1 0 0 2 i0 1 2 2').final.cpus[2]!.locals.y).toBe(1);
		// Broadcast: done without the target, even with IRQs off.
		const b = miniModel({machine: `flush(broadcast); ${'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1);'}`, cpus: ['access(VA); local_irq_save();', 'ptep_get_and_clear(VA); flush_tlb_mm_range();']});
		const br = run(b, '0 0 1 1');
		expect(br.flat.has('CPU0.tlb[0x7f000000]')).toBe(false);
		expect(br.final.cpus[1]!.pc).toBe(-1);
	});
	it('S5: a flush returns while a CPU still caches a zapped va it covered (the IPI skipped a CPU it should not have)', () => {
		// A lazy CPU the flush skipped is not checked (the positive case, a CPU leaving lazy mode mid-flush: primitives-mm.test.ts, switch_mm_irqs_off).
		const model = miniModel({machine: 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1); lazy(1); tlb(1, VA);', cpus: ['ptep_get_and_clear(VA); flush_tlb_mm_range(VA);', 'x = 1;']});
		const skipped = run(model, '0 0');
		expect(kinds(skipped)).toEqual([]); // lazy CPUs are not checked
		// A flush of another va does not look at VA: that is S10's business at the syscall's return.
		const other = run({machine: 'flush(broadcast); pgmap(pmem0, fsdax, PFN, 2); map(VA, PFN, write); map(VA2, PFN + 1, write); mm_cpumask(0, 1);', cpus: ['access(VA);', 'ptep_get_and_clear(VA); flush_tlb_mm_range(VA2);']}, '0 1 1');
		expect(kinds(other)).toEqual([]);
		// FLUSH=ipi with the target acking but keeping its entry cannot happen; S5 is checked on the covered range at return.
		const covered = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); map(VA, PFN, write); mm_cpumask(0, 1);', cpus: ['access(VA);', 'ptep_get_and_clear(VA); flush_tlb_mm_range(VA);']}, '0 1 1 i0 1');
		expect(kinds(covered)).toEqual([]);
	});
	prim('tlb_has', () => {
		const r = run({cpus: ['access(VA); x = tlb_has(0, VA); y = tlb_has(0, VA2);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({x: true, y: false});
	});
});

describe('struct page references', () => {
	prim('pte_page', () => {
		expect(run({cpus: ['p = pte_page(ptep_get(VA));']}, '0').flat.get('CPU0.p')).toBe('page(0x100)');
	});
	prim('pfn_to_page', () => {
		expect(run({cpus: ['p = pfn_to_page(0x101);']}, '0').flat.get('CPU0.p')).toBe('page(0x101)');
	});
	prim('try_grab_page', () => {
		const r = run({cpus: ['a = try_grab_page(pfn_to_page(PFN)); b = try_grab_page(pfn_to_page(PFN), FOLL_PIN);']}, '0 0');
		expect(r.final.memmap[0x100]).toMatchObject({refcount: 1 + 1 + 1024, pins: 1});
		const zero = run({cpus: ['memunmap_put_pages(pmem0); a = try_grab_page(pfn_to_page(PFN));']}, '0 0');
		expect(zero.final.cpus[0]!.locals.a).toBe(false);
		const s1 = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); mm_cpumask(0);', cpus: ['arch_remove_memory(pmem0); a = try_grab_page(pfn_to_page(PFN));']}, '0 0');
		expect(kinds(s1)).toEqual(['pin-across-removal', 'use-after-free'].filter(k => k === 'use-after-free'));
		expect(s1.violations[0]!.check).toBe('S1');
	});
	prim('get_page', () => {
		expect(run({cpus: ['get_page(pfn_to_page(PFN));']}, '0').final.memmap[0x100]!.refcount).toBe(2);
		// folio_get's VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow) holds for a ZONE_DEVICE page too.
		const zero = run({cpus: ['put_page(pfn_to_page(PFN)); get_page(pfn_to_page(PFN));']}, '0 0');
		expect(kinds(zero)).toEqual(['refcount']);
		expect(zero.final.memmap[0x100]!.refcount).toBe(0);
	});
	prim('put_page', () => {
		const r = run({cpus: ['put_page(pfn_to_page(PFN));']}, '0');
		expect(r.final.memmap[0x100]!.refcount).toBe(0);
		expect(r.final.pgmaps.pmem0!.ref.count).toBe(2); // E21: 1 -> 0 dropped one of 1 + 2 pgmap refs
		expect(kinds(run({cpus: ['put_page(pfn_to_page(PFN)); put_page(pfn_to_page(PFN));']}, '0 0'))).toEqual(['refcount']);
	});
	prim('unpin_user_page', () => {
		const r = run({cpus: ['try_grab_page(pfn_to_page(PFN), FOLL_PIN); unpin_user_page(pfn_to_page(PFN));']}, '0 0');
		expect(r.final.memmap[0x100]).toMatchObject({refcount: 1, pins: 0});
		// E21: the last unpin of a ZONE_DEVICE page drops its pgmap reference, as put_page does.
		const last = run({cpus: ['try_grab_page(pfn_to_page(PFN), FOLL_PIN); memunmap_put_pages(pmem0); unpin_user_page(pfn_to_page(PFN));']}, '0 0 0');
		expect(last.final.memmap[0x100]!.refcount).toBe(0);
		expect(last.final.pgmaps.pmem0!.ref.count).toBe(1);
		expect(kinds(run({cpus: ['unpin_user_page(pfn_to_page(PFN));']}, '0'))).toEqual(['refcount']);
	});
	prim('page_maybe_dma_pinned', () => {
		// A FOLL_PIN pin adds GUP_PIN_COUNTING_BIAS references: the refcount says "maybe pinned"; FOLL_GET does not.
		const r = run({cpus: ['a = page_maybe_dma_pinned(pfn_to_page(PFN)); try_grab_page(pfn_to_page(PFN)); b = page_maybe_dma_pinned(pfn_to_page(PFN)); try_grab_page(pfn_to_page(PFN), FOLL_PIN); c = folio_maybe_dma_pinned(pfn_to_page(PFN)); unpin_user_page(pfn_to_page(PFN)); d = page_maybe_dma_pinned(pfn_to_page(PFN));']}, '0 0 0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: false, b: false, c: true, d: false});
	});
	prim('page_refcount', () => {
		const r = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); mm_cpumask(0);', cpus: ['a = page_refcount(PFN); arch_remove_memory(pmem0); b = page_refcount(PFN);']}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 1, b: -1});
	});
});

describe('dev_pagemap and memunmap_pages', () => {
	prim('get_dev_pagemap', () => {
		const r = run({cpus: ['a = get_dev_pagemap(PFN); b = get_dev_pagemap(0x999); percpu_ref_kill(pmem0); c = get_dev_pagemap(PFN);']}, '0 0 0 0');
		expect(r.flat.get('CPU0.a')).toBe('&pmem0');
		expect(r.final.cpus[0]!.locals.b).toBeNull();
		expect(r.final.cpus[0]!.locals.c).toBeNull();
		expect(r.notes).toContain('pmem0->ref is dead: percpu_ref_tryget_live fails');
		const deleted = run({cpus: ['pgmap_array_delete(pmem0); a = get_dev_pagemap(PFN);']}, '0 0');
		expect(deleted.final.cpus[0]!.locals.a).toBeNull();
		// The cached form (mm/memremap.c): a pgmap that covers pfn is returned without a new
		// reference or a liveness check, even after the kill; one that does not is put first.
		const cached = run({cpus: ['a = get_dev_pagemap(PFN); percpu_ref_kill(pmem0); b = get_dev_pagemap(PFN + 1, a); c = get_dev_pagemap(0x999, b);']}, '0 0 0 0');
		expect(cached.flat.get('CPU0.b')).toBe('&pmem0');
		expect(cached.final.cpus[0]!.locals.c).toBeNull();
		expect(cached.final.pgmaps.pmem0!.ref.count).toBe(2); // 3, +1 for a, -1 the kill's base (atomic at once: no reader), -1 the cached put
		expect(kinds(cached)).toEqual([]);
	});
	prim('put_dev_pagemap', () => {
		const r = run({cpus: ['p = get_dev_pagemap(PFN); put_dev_pagemap(p); put_dev_pagemap(NULL);']}, '0 0 0');
		expect(r.final.pgmaps.pmem0!.ref.count).toBe(3);
		// Atomic mode: percpu_ref_put_many's atomic_long_sub_and_test calls release at zero whether
		// or not the ref was killed, and tryget_live's atomic_long_inc_not_zero then fails.
		const atomic = run({machine: 'pgmap(pmem0, fsdax, PFN, 1, atomic_ref); mm_cpumask(0);', cpus: ['put_dev_pagemap(pmem0); put_dev_pagemap(pmem0); g = get_dev_pagemap(PFN);']}, '0 0 0');
		expect(atomic.final.pgmaps.pmem0!.ref).toEqual({state: 'zero', count: 0, mode: 'atomic'});
		expect(atomic.final.pgmaps.pmem0!.done).toBe(true);
		expect(atomic.final.cpus[0]!.locals.g).toBeNull();
		expect(kinds(atomic)).toEqual([]);
	});
	prim('percpu_ref_kill', () => {
		const model = miniModel({cpus: ['local_irq_save(); x = 1; local_irq_restore();', 'percpu_ref_kill(pmem0); percpu_ref_kill(pmem0);']});
		const r = run(model, '0 1');
		expect(r.final.pgmaps.pmem0!.ref).toEqual({state: 'dead', count: 3, mode: 'percpu'}); // switch waits for CPU0
		expect(run(model, '0 1 0 0').final.pgmaps.pmem0!.ref).toEqual({state: 'dead', count: 2, mode: 'atomic'});
		expect(kinds(run(model, '0 1 1'))).toEqual(['refcount']);
	});
	prim('memunmap_put_pages', () => {
		const r = run({cpus: ['percpu_ref_kill(pmem0); memunmap_put_pages(pmem0);']}, '0 0');
		expect(r.final.pgmaps.pmem0!.ref).toEqual({state: 'zero', count: 0, mode: 'atomic'});
		expect(r.final.pgmaps.pmem0!.done).toBe(true);
		// A page GUP still holds keeps its pgmap reference (E21).
		const held = run({cpus: ['get_page(pfn_to_page(PFN)); percpu_ref_kill(pmem0); memunmap_put_pages(pmem0);']}, '0 0 0');
		expect(held.final.pgmaps.pmem0!.ref.count).toBe(1);
	});
	prim('percpu_ref_put_many', () => {
		const r = run({cpus: ['get_page(pfn_to_page(PFN)); percpu_ref_kill(pmem0); percpu_ref_put_many(pmem0);']}, '0 0 0');
		expect(r.final.pgmaps.pmem0!.ref.state).toBe('zero'); // pins no longer hold the pgmap
	});
	prim('wait_for_completion', () => {
		const model = miniModel({cpus: ['p = get_dev_pagemap(PFN); put_dev_pagemap(p);', 'percpu_ref_kill(pmem0); memunmap_put_pages(pmem0); wait_for_completion(pmem0); done = 1;']});
		const r = run(model, '0 1 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in wait_for_completion: waiting for pmem0->done: pmem0->ref count 1');
		expect(run(model, '0 1 1 0 1 1').final.cpus[1]!.locals.done).toBe(1);
	});
	prim('arch_remove_memory', () => {
		const r = run({cpus: ['access(VA); get_page(pfn_to_page(PFN + 1)); arch_remove_memory(pmem0);']}, '0 0 0');
		expect(kinds(r).sort()).toEqual(['pin-across-removal', 'stale-mapping', 'stale-mapping', 'stale-mapping']);
		expect(r.violations.map(v => v.check)).toContain('S3');
		expect(r.flat.get('page[0x100].memmap')).toBe('REMOVED');
		expect(r.flat.get('pfn[0x101]')).toBe('UNBACKED');
		const s2 = run({cpus: ['arch_remove_memory(pmem0);', 'access(VA);']}, '0 1');
		expect(s2.violations.at(-1)!.message).toBe('CPU1 loads pfn 0x100, which is no longer backed by memory (removed by arch_remove_memory)');
	});
	prim('pgmap_array_delete', () => {
		expect(run({cpus: ['pgmap_array_delete(pmem0);']}, '0').flat.get('pmem0.pgmap_array')).toBe('deleted');
	});
	prim('percpu_ref_exit', () => {
		const r = run({cpus: ['percpu_ref_exit(pmem0); put_dev_pagemap(pmem0);']}, '0 0');
		expect(r.flat.get('pmem0.ref')).toMatch(/^exited/);
		expect(r.flat.get('pfn[0x100]')).toBe('backed'); // still the device's until the memory is removed too
		expect(kinds(r)).toEqual(['refcount']);
		const both = run({cpus: ['arch_remove_memory(pmem0); percpu_ref_exit(pmem0);']}, '0 0');
		expect(both.final.pfns[0x100]).toEqual({backed: false, owner: 'free'});
	});
	prim('pgmap_ref_count', () => {
		expect(run({cpus: ['n = pgmap_ref_count(pmem0);']}, '0').final.cpus[0]!.locals.n).toBe(3);
	});
});

describe('dax device, filesystem and faults', () => {
	prim('kill_dax', () => {
		expect(run({cpus: ['kill_dax(pmem0);']}, '0').flat.get('pmem0.dax')).toBe('dead');
	});
	prim('dax_alive', () => {
		expect(run({cpus: ['a = dax_alive(pmem0); kill_dax(pmem0); b = dax_alive(pmem0);']}, '0 0 0').final.cpus[0]!.locals).toMatchObject({a: true, b: false});
	});
	prim('dax_holder', () => {
		expect(run({cpus: ['h = dax_holder(pmem0);']}, '0').final.cpus[0]!.locals.h).toBe(true);
		const ext4 = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); fs(ext4, pmem0); mm_cpumask(0);', cpus: ['h = dax_holder(pmem0);']}, '0');
		expect(ext4.final.cpus[0]!.locals.h).toBe(false);
	});
	prim('del_gendisk', () => {
		// v5.11: del_gendisk syncs and invalidates the bdev; it does not shut the filesystem down.
		expect(run({cpus: ['del_gendisk(pmem0);']}, '0').flat.get('fs.xfs')).toBe('mounted');
	});
	for (const [name, flat] of [['freeze_super', 'frozen'], ['xfs_force_shutdown', 'shut down']] as const) {
		prim(name, () => expect(run({cpus: [`${name}(pmem0);`]}, '0').flat.get('fs.xfs')).toBe(flat));
	}
	prim('thaw_super', () => {
		expect(run({cpus: ['freeze_super(pmem0); thaw_super(pmem0);']}, '0 0').flat.get('fs.xfs')).toBe('mounted');
	});
	prim('mf_dax_kill_procs', () => {
		expect(run({cpus: ['mf_dax_kill_procs(pmem0);']}, '0').final.sigbus).toBe(true);
	});
	prim('send_sigkill', () => {
		expect(run({cpus: ['send_sigkill();']}, '0').final.sigkill).toBe(true);
	});
	prim('fatal_signal_pending', () => {
		const r = run({cpus: ['a = fatal_signal_pending(); mf_dax_kill_procs(pmem0); b = fatal_signal_pending(); send_sigkill(); c = fatal_signal_pending();']}, '0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: false, b: false, c: true}); // SIGBUS is not fatal
	});
	prim('handle_mm_fault', () => {
		const present = run({cpus: ['r = handle_mm_fault(VA);']}, '0');
		expect(present.final.cpus[0]!.locals.r).toBe(0);
		expect(present.notes).toContain('fault at 0x7f000000: PTE present, only young/dirty updated');
		// fs-dax: a read fault maps the pfn read-only (pfn_mkwrite handles the first write); a write fault maps it writable.
		const refault = run({cpus: ['ptep_get_and_clear(VA); r = handle_mm_fault(VA);']}, '0 0');
		expect(refault.flat.get('pte[0x7f000000]')).toMatch(/^pfn 0x100 S D/);
		const wfault = run({cpus: ['ptep_get_and_clear(VA); r = handle_mm_fault(VA, FAULT_FLAG_WRITE);']}, '0 0');
		expect(wfault.flat.get('pte[0x7f000000]')).toMatch(/^pfn 0x100 W S D/);
		// device-dax has no pfn_mkwrite: the shared mapping is writable from the first fault.
		const dev = run({machine: 'pgmap(dax0, devdax, PFN, 1); map(VA, PFN, write, special, devmap); mm_cpumask(0);', cpus: ['ptep_get_and_clear(VA); r = handle_mm_fault(VA);']}, '0 0');
		expect(dev.flat.get('pte[0x7f000000]')).toMatch(/^pfn 0x100 W S D/);
		expect(run({cpus: ['r = handle_mm_fault(0x40000000);']}, '0').final.cpus[0]!.locals.r).toBe(0x40);
		const dead = run({cpus: ['ptep_get_and_clear(VA); kill_dax(pmem0); r = handle_mm_fault(VA);']}, '0 0 0');
		expect(dead.final.cpus[0]!.locals.r).toBe(2);
		expect(dead.flat.has('pte[0x7f000000]')).toBe(false);
		const frozen = miniModel({cpus: ['ptep_get_and_clear(VA); freeze_super(pmem0); r = handle_mm_fault(VA, FAULT_FLAG_WRITE);']});
		const f = run(frozen, '0 0');
		expect(frozen.blockedReason(f.final, 0)).toBe('blocked in handle_mm_fault: write fault: sb_start_pagefault waits while the filesystem is frozen');
		// The first write to that read-only PTE: do_wp_page -> dax_pfn_mkwrite makes it writable in place,
		// or fails with SIGBUS once the device is dead (KERNEL.md §2: no G12 retry loop there).
		const mkwrite = run({cpus: ['ptep_get_and_clear(VA); r = handle_mm_fault(VA); w = handle_mm_fault(VA, FAULT_FLAG_WRITE);']}, '0 0 0');
		expect(mkwrite.flat.get('pte[0x7f000000]')).toMatch(/^pfn 0x100 W S D/);
		expect(mkwrite.final.cpus[0]!.locals.w).toBe(0);
		expect(mkwrite.notes).toContain('write fault at 0x7f000000 on a read-only DAX PTE: dax_pfn_mkwrite makes it writable');
		const mkwriteDead = run({cpus: ['ptep_get_and_clear(VA); r = handle_mm_fault(VA); kill_dax(pmem0); w = handle_mm_fault(VA, FAULT_FLAG_WRITE);']}, '0 0 0 0');
		expect(mkwriteDead.final.cpus[0]!.locals.w).toBe(2);
		expect(mkwriteDead.flat.get('pte[0x7f000000]')).toMatch(/^pfn 0x100 S D/);
	});
});

describe('checks that are not a primitive', () => {
	it('S4 hung task: one CPU blocked for ever, the others done', () => {
		const r = run({cpus: ['x = get_dev_pagemap(PFN);', 'percpu_ref_kill(pmem0); memunmap_put_pages(pmem0); wait_for_completion(pmem0);']}, '0 1 1');
		expect(kinds(r)).toEqual(['hung-task']);
		expect(r.violations[0]!.message).toBe('hung task: CPU1 blocked in wait_for_completion: waiting for pmem0->done: pmem0->ref count 1');
	});
	it('S4 deadlock: two CPUs flushing with IRQs off wait for each other', () => {
		const body = 'local_irq_save(); ptep_get_and_clear(VA); flush_tlb_mm_range(); local_irq_restore();';
		const r = run({cpus: [body, body.replace('VA', 'VA2')]}, '0 0 1 1 0 1');
		expect(kinds(r)).toEqual(['deadlock']);
		expect(r.violations[0]!.objects).toEqual(['CPU0', 'CPU1']);
	});
	it('assert and invariant', () => {
		const r = run({header: 'invariant "pages stay mapped" page_refcount(PFN) > 0', cpus: ['assert 1 == 2 "one is not two"; put_page(pfn_to_page(PFN));']}, '0 0');
		expect(r.violations.map(v => v.message)).toEqual(['assertion failed: one is not two', 'invariant "pages stay mapped" (line 5) is false after this step']);
	});
	it('oops: a NULL dereference in the scenario program', () => {
		const r = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); mm_cpumask(0);', cpus: ['p = NULL;\nx = p.pfn;']}, '0 0');
		expect(r.violations[0]).toMatchObject({kind: 'oops', cpu: 0, message: 'CPU0 oops at line 9: NULL pointer dereference reading .pfn'});
		expect(r.final.cpus[0]!.pc).toBe(-1);
	});
	it('violations carry step position: CPU, source line and the objects involved', () => {
		const r = run({machine: 'pgmap(pmem0, fsdax, PFN, 1); mm_cpumask(0);', cpus: ['arch_remove_memory(pmem0);\nx = try_grab_page(pfn_to_page(PFN));']}, '0 0');
		const s1 = r.violations.find(v => v.kind === 'use-after-free')!;
		expect(s1).toMatchObject({check: 'S1', cpu: 0, line: 9, objects: ['page 0x100']});
	});
});

describe('sequence counters', () => {
	const SEQ = 'seqcount_t seq;';
	const g = (r: ReturnType<typeof run>) => r.final.globals.seq;
	for (const name of ['raw_write_seqcount_begin', 'raw_write_seqcount_end']) {
		prim(name, () => {
			const r = run({header: SEQ, cpus: ['raw_write_seqcount_begin(&seq); a = seq; raw_write_seqcount_end(&seq);']}, '0 0 0');
			expect(r.final.cpus[0]!.locals.a).toBe(1);
			expect(g(r)).toBe(2);
			expect(kinds(r)).toEqual([]); // raw_: no preemption check (mm->write_protect_seq under mmap_lock)
		});
	}
	for (const name of ['write_seqcount_begin', 'write_seqcount_end']) {
		prim(name, () => {
			const warned = run({header: SEQ, cpus: ['write_seqcount_begin(&seq); write_seqcount_end(&seq);']}, '0 0');
			expect(warned.violations.map(v => [v.kind, v.message])).toEqual([['warn', "WARNING: write_seqcount_begin(&seq) with preemption enabled: a plain seqcount_t's writer must not be preempted (lockdep_assert_preemption_disabled)"]]);
			expect(g(warned)).toBe(2);
			expect(kinds(run({header: `${SEQ} spinlock_t l;`, cpus: ['spin_lock(&l); write_seqcount_begin(&seq); write_seqcount_end(&seq); spin_unlock(&l);']}, '0 0 0 0'))).toEqual([]);
			expect(kinds(run({header: SEQ, cpus: ['local_irq_disable(); write_seqcount_begin(&seq); write_seqcount_end(&seq); local_irq_enable();']}, '0 0 0 0'))).toEqual([]);
		});
	}
	for (const name of ['read_seqcount_begin', 'raw_read_seqcount_begin']) {
		prim(name, () => {
			// The reader waits while the writer is inside, then reads the even sequence the writer left.
			const model = miniModel({header: SEQ, cpus: [`s = ${name}(&seq); again = read_seqcount_retry(&seq, s);`, 'raw_write_seqcount_begin(&seq); raw_write_seqcount_end(&seq);']});
			const inside = run(model, '1');
			expect(model.isEnabled(inside.final, {cpu: 0, irq: false})).toBe(false);
			expect(model.blockedReason(inside.final, 0)).toBe(`blocked in ${name}: a writer is inside (sequence 1, odd)`);
			const after = run(model, '1 1 0 0');
			expect(after.final.cpus[0]!.locals).toMatchObject({s: 2, again: false});
		});
	}
	prim('raw_read_seqcount', () => {
		// No wait: gup-fast reads it and tests the low bit itself.
		const r = run({header: SEQ, cpus: ['s = raw_read_seqcount(&seq);', 'raw_write_seqcount_begin(&seq);']}, '1 0');
		expect(r.final.cpus[0]!.locals.s).toBe(1);
	});
	prim('raw_seqcount_begin', () => {
		const r = run({header: SEQ, cpus: ['s = raw_seqcount_begin(&seq); again = read_seqcount_retry(&seq, s);', 'raw_write_seqcount_begin(&seq);']}, '1 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({s: 0, again: true});
	});
	prim('read_seqcount_retry', () => {
		const r = run({header: SEQ, cpus: ['s = raw_read_seqcount(&seq); a = read_seqcount_retry(&seq, s); b = read_seqcount_retry(&seq, s);', 'raw_write_seqcount_begin(&seq); raw_write_seqcount_end(&seq);']}, '0 0 1 1 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({s: 0, a: false, b: true});
		// An atomic_t is not a sequence count: the compiler says what to use.
		expect(() => miniModel({header: 'atomic_t n;', cpus: ['x = raw_read_seqcount(&n);']})).toThrow(/'n' is an atomic_t; use the atomic_\* calls on it/);
	});
});

it('every primitive has a test (locks and shared variables: test/locks.test.ts; the general machine: test/primitives-mm.test.ts; PROT_NONE PTEs: test/primitives-protnone.test.ts; splitting a huge PMD: test/thp-split.test.ts; dirty bits: test/dirty.test.ts; page contents: test/contents.test.ts)', () => {
	const general = [...ramPrimitives, ...pgtableLifePrimitives, ...tableFreePrimitives, ...mmuGatherPrimitives, ...lazyTlbPrimitives, ...thpSplitPrimitives].map(p => p.name).concat(['speculative_walk', 'flush_tlb_range', 'syscall_exit']);
	const elsewhere = new Set([...lockPrimitives, ...ptlPrimitives, ...sharedPrimitives, ...protnonePrimitives, ...dirtyPrimitives, ...contentsPrimitives].map(p => p.name).concat(general, 'raise_irq'));
	expect([...PRIMITIVES.keys()].filter(p => !tested.has(p) && !elsewhere.has(p))).toEqual([]);
});
