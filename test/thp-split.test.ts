// Unit tests of splitting a huge PMD in place (source/machine/primitives/
// thp-split.ts): the invalid PMD pmdp_invalidate leaves and what each walker
// makes of it (pmd_present, gup-fast's pmd_access_permitted, the hardware
// walker, the fault path, pte_offset_map_lock, S10), the primitives
// __split_huge_pmd_locked is written with, and S11 (a small and a huge TLB
// entry for one va), firing when the protocol is broken and silent when not.

import {describe, expect, it} from 'vitest';
import {thpSplitPrimitives} from '../source/machine/primitives/thp-split.js';
import {index} from '../source/machine/pagetable.js';
import {kinds, miniModel, primitiveTests, run, type Mini} from './helpers/mini.js';

const {tested, prim} = primitiveTests();

/** An anonymous THP at VA (2 MiB aligned), head page 0x200; CPUs 0 and 1 run the mm. */
const THP = 'ram(0x200, 1); map(VA, 0x200, write, huge); mm_cpumask(0, 1);';
const BTHP = `flush(broadcast); ${THP}`;
const locals = (r: ReturnType<typeof run>, cpu = 0) => r.final.cpus[cpu]!.locals;

/** The split of __split_huge_pmd_locked after its first statement (`first`), two subpages modelled. */
const splitAfter = (first: string) => `${first}\npgtable = pgtable_trans_huge_withdraw(VA);\nset_ptes(VA, mk_pte(pfn_to_page(0x200), true), 2, pgtable);\npmd_populate(VA, pgtable);`;

/** Run the schedule, then each CPU listed to its end. */
function runThen(m: Mini, schedule: string, ...finish: number[]) {
	const model = miniModel(m);
	let steps = schedule.trim().split(/\s+/).filter(Boolean);
	for (const cpu of finish) {
		for (let i = 0; i < 60; i++) {
			const r = run(model, steps.join(' '));
			if (!model.isEnabled(r.final, {cpu, irq: false})) break;
			steps = [...steps, String(cpu)];
		}
	}
	return run(model, steps.join(' '));
}

describe('the PMD pmdp_invalidate leaves', () => {
	prim('pmdp_invalidate', () => {
		const r = run({machine: BTHP, cpus: ['old = pmdp_invalidate(VA); p = pmdp_get_lockless(VA); a = pmd_present(p); l = pmd_leaf(p); n = pmd_none(p); v = pmd_val(p) != pmd_val(old);', 'x = 1;']}, '0 0 0 0 0 0');
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W huge invalid (T2)');
		expect(r.flat.get('CPU0.old')).toBe('pmd(huge pfn 0x200 W)');
		expect(r.flat.get('CPU0.p')).toBe('pmd(huge pfn 0x200 W invalid)');
		// x86 pmd_present tests _PAGE_PSE too; pmd_leaf is _PAGE_PSE; the word is neither the huge one nor none.
		expect(locals(r)).toMatchObject({a: true, l: true, n: false, v: true});
		// FLUSH=ipi: the flush of the 2 MiB waits for CPU1, which cannot ack with IRQs off.
		const ipi = run({machine: THP, cpus: ['old = pmdp_invalidate(VA);', 'local_irq_save(); x = 1; local_irq_restore();']}, '1 0 1');
		expect(ipi.final.cpus[0]!.wait).toMatchObject({kind: 'acks', prim: 'pmdp_invalidate', pending: [1], range: [0x7f000000, 0x7f200000]});
		expect(ipi.model.isEnabled(ipi.final, {cpu: 0, irq: false})).toBe(false);
		// Only a huge PMD can be invalidated.
		const pte = run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus: ['old = pmdp_invalidate(VA);']}, '0');
		expect(kinds(pte)).toEqual(['oops']);
	});
	it('the dirty bit the walker sets in a huge PMD is part of its value: pmd_val sees it, pmdp_establish and set_pmd_at keep it', () => {
		// x86 pmd_mkinvalid keeps every flag but _PAGE_PRESENT/_PAGE_PROTNONE, and pmdp_establish xchg()s the whole word in:
		// __split_huge_pmd_locked reads pmd_dirty(old_pmd) from what pmdp_invalidate returned.
		const r = run({machine: THP, cpus: ['p = pmdp_get_lockless(VA); s = store(VA + 0x1000); q = pmdp_get_lockless(VA); same = pmd_val(p) == pmd_val(q); pmdp_establish(VA, pmd_mkinvalid(q)); i = pmdp_get_lockless(VA); set_pmd_at(VA, p);']}, '0 0 0 0 0 0');
		expect(locals(r)).toMatchObject({s: true, same: false});
		expect(r.flat.get('CPU0.q')).toBe('pmd(huge pfn 0x200 W dirty)');
		expect(r.flat.get('CPU0.i')).toBe('pmd(huge pfn 0x200 W invalid dirty)');
		expect(r.final.pt.tables[2]!.entries[index(0x7f000000, 2)]).toMatchObject({invalid: true, dirty: true});
		// set_pmd_at of the value read before the store: clean again, as the kernel's store of that word would make it
		const back = run(r.model, '0 0 0 0 0 0 0');
		expect(back.final.pt.tables[2]!.entries[index(0x7f000000, 2)]).not.toHaveProperty('dirty');
	});
	it('the hardware walker faults on it and fills nothing; a TLB entry from before survives until the flush', () => {
		const r = run({machine: THP, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)));', 'ok = access(VA + 0x1000);']}, '0 1');
		expect(locals(r, 1).ok).toBe(false);
		expect(r.notes).toContain('TLB miss: walk va 0x7f001000 -> not present: page fault');
		expect(r.flat.has('CPU1.tlb[0x7f001000]')).toBe(false);
		const before = run({machine: THP, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)));', 'a = access(VA); b = access(VA);']}, '1 0 1');
		expect(locals(before, 1)).toMatchObject({a: true, b: true});
		expect(before.notes).toContain('TLB hit: va 0x7f000000 -> pfn 0x200');
	});
	it('gup-fast: pmd_present and pmd_leaf say yes, pmd_access_permitted says no; pte_present of the leaf says no', () => {
		const r = run({machine: THP, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)));', 'local_irq_save(); p = pmdp_get_lockless(VA); ok = pmd_present(p) && pmd_leaf(p) && !pmd_access_permitted(p); pte = ptep_get_lockless(p, VA); pp = pte_present(pte); local_irq_restore();']}, '0 1 1 1 1 1 1');
		expect(locals(r, 1)).toMatchObject({ok: true, pp: false});
		expect(r.flat.get('CPU1.pte')).toBe('pte(pfn 0x200 H invalid)');
	});
	it('a fault on it returns 0 and installs nothing (huge_pmd_set_accessed finds the PMD changed)', () => {
		const r = run({machine: THP, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)));', 'ret = handle_mm_fault(VA + 0x1000, FAULT_FLAG_WRITE);']}, '0 1');
		expect(locals(r, 1).ret).toBe(0);
		expect(r.notes.some(n => n.includes('huge_pmd_set_accessed finds it changed under the PMD lock and returns 0'))).toBe(true);
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W huge invalid (T2)');
	});
	it('pte_offset_map_lock (v6.5) treats it as huge: NULL', () => {
		const r = run({machine: `pte_offset_map(v6_5); ${THP}`, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA))); l = pte_offset_map_lock(pmdp_get_lockless(VA), VA);']}, '0 0');
		expect(locals(r).l).toBe(null);
	});
	it('S10: a TLB entry over it at the syscall\'s return is stale (the walker sees no mapping)', () => {
		const r = run({machine: THP, cpus: ['pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA))); syscall_exit(VA, 1);', 'access(VA);']}, '1 0 0');
		expect(kinds(r)).toEqual(['stale-tlb-return']);
		expect(r.violations[0]!.message).toMatch(/over a huge PMD pmdp_invalidate left \(not present\)/);
	});
});

describe('the primitives of __split_huge_pmd_locked', () => {
	prim('pmdp_establish', () => {
		const r = run({machine: THP, cpus: ['old = pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA))); back = pmdp_establish(VA, old);', 'access(VA);']}, '1 0 0');
		expect(r.flat.get('CPU0.old')).toBe('pmd(huge pfn 0x200 W)');
		expect(r.flat.get('CPU0.back')).toBe('pmd(huge pfn 0x200 W invalid)');
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W huge (T2)');
		// No flush: CPU1 keeps its entry (pmdp_invalidate is establish plus the flush).
		expect(r.flat.has('CPU1.tlb[0x7f000000]')).toBe(true);
		expect(kinds(run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus: ['pmdp_establish(VA, mk_huge_pmd(pfn_to_page(0x200)));']}, '0'))).toEqual(['oops']);
	});
	prim('pmd_mkinvalid', () => {
		const r = run({machine: THP, cpus: ['p = pmd_mkinvalid(pmdp_get_lockless(VA)); a = pmd_present(p); b = pmd_access_permitted(p); w = pmd_write(p);']}, '0 0 0 0');
		expect(locals(r)).toMatchObject({a: true, b: false, w: true});
		// arithmetic only: the PMD itself is still valid
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W huge (T2)');
		expect(kinds(run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus: ['p = pmd_mkinvalid(pmdp_get_lockless(VA));']}, '0'))).toEqual(['oops']);
	});
	prim('pmd_page', () => {
		const r = run({machine: THP, cpus: ['a = pmd_page(pmdp_get_lockless(VA)); b = pmd_page(pmdp_get_lockless(VA + 0x3000)); c = pmd_page(mk_huge_pmd(pfn_to_page(0x200)));']}, '0 0 0');
		expect([r.flat.get('CPU0.a'), r.flat.get('CPU0.b'), r.flat.get('CPU0.c')]).toEqual(['page(0x200)', 'page(0x203)', 'page(0x200)']);
	});
	prim('pmd_write', () => {
		const r = run({machine: 'ram(0x200, 1); map(VA, 0x200, huge); mm_cpumask(0);', cpus: ['a = pmd_write(pmdp_get_lockless(VA)); b = pmd_write(mk_huge_pmd(pfn_to_page(0x200), true));']}, '0 0');
		expect(locals(r)).toMatchObject({a: false, b: true});
	});
	prim('pmd_access_permitted', () => {
		const r = run({machine: 'ram(0x200, 1); map(VA, 0x200, huge); mm_cpumask(0);', cpus: ['p = pmdp_get_lockless(VA); rd = pmd_access_permitted(p); wr = pmd_access_permitted(p, true);']}, '0 0 0');
		expect(locals(r)).toMatchObject({rd: true, wr: false});
		expect(kinds(run({machine: 'ram(0x200, 1); map(VA, 0x200); mm_cpumask(0);', cpus: ['ok = pmd_access_permitted(pmdp_get_lockless(VA));']}, '0'))).toEqual(['oops']);
	});
	prim('set_ptes', () => {
		const r = run({machine: BTHP, cpus: [splitAfter('old = pmdp_invalidate(VA);')]}, '0 0 0 0');
		// The PTE page deposited at the THP's fault, hooked in with the subpages' PTEs.
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W (T3)');
		expect(r.flat.get('pte[0x7f001000]')).toBe('pfn 0x201 W (T3)');
		expect(r.final.pt.deposited).toEqual({});
		expect(kinds(r)).toEqual([]);
		const tooMany = run({machine: THP, cpus: ['t = pgtable_trans_huge_withdraw(VA); set_ptes(VA + 0x1ff000, mk_pte(pfn_to_page(0x200)), 2, t);']}, '0 0');
		expect(kinds(tooMany)).toEqual(['oops']);
		// Mapping a freed RAM page is S2, as set_pte_at.
		const freed = run({machine: 'ram(0x200, 2); pte_table(VA); mm_cpumask(0);', cpus: ['set_ptes(VA, mk_pte(pfn_to_page(0x200)), 2);']}, '0');
		expect(kinds(freed)).toEqual(['freed-page-use', 'freed-page-use']);
		// set_ptes advances only the pfn (pte_next_pfn): a dirty entry, as __split_huge_pmd_locked makes for a
		// dirty huge PMD (if (dirty) entry = pte_mkdirty(entry)), gives dirty PTEs, so writeback still sees them.
		const dirty = run({machine: THP, cpus: ['t = pgtable_trans_huge_withdraw(VA); set_ptes(VA, pte_mkdirty(mk_pte(pfn_to_page(0x200), true)), 2, t); pmd_populate(VA, t); a = pte_dirty(ptep_get(VA)); b = pte_dirty(ptep_get(VA + 0x1000));']}, '0 0 0 0 0');
		expect(dirty.flat.get('pte[0x7f001000]')).toBe('pfn 0x201 W dirty (T3)');
		expect(locals(dirty)).toMatchObject({a: true, b: true});
	});
	it('an anonymous THP deposits a PTE page; a DAX huge mapping deposits none on x86', () => {
		const anon = run({machine: THP, cpus: ['t = pgtable_trans_huge_withdraw(VA);']}, '0');
		expect(anon.flat.get('CPU0.t')).toBe('T3');
		const dax = run({machine: 'pgmap(p, devdax, 0x100, 1); map(VA, 0x100, write, huge); mm_cpumask(0);', cpus: ['t = pgtable_trans_huge_withdraw(VA);']}, '0');
		expect(locals(dax).t).toBe(null);
	});
	it('the kernel\'s order under broadcast: the PMD re-check of gup_fast_pmd_leaf sees the split and backs off', () => {
		const gup = 'local_irq_save();\np = pmdp_get_lockless(VA);\npage = pmd_page(p);\nok = try_grab_page(page, FOLL_PIN);\nif (ok && pmd_val(p) != pmd_val(pmdp_get_lockless(VA))) { unpin_user_page(page); ok = false; }\nlocal_irq_restore();';
		const r = runThen({machine: BTHP, cpus: [gup, splitAfter('old = pmdp_invalidate(VA);')]}, '0 0 1 1 1 1', 0);
		expect(locals(r).ok).toBe(false);
		expect(r.final.memmap[0x200]!.pins).toBe(0);
		expect(kinds(r)).toEqual([]);
	});
});

describe('S11: a small and a huge TLB entry for one va', () => {
	const user = 'a = access(VA);\nb = access(VA + 0x1000);';
	it('pmd_populate over the huge PMD, flushing after: the walker caches both sizes', () => {
		const r = run({machine: `${THP} huge_tlb(on);`, cpus: [splitAfter('x = 1;'), user]}, '1 0 0 0 0 1');
		expect(kinds(r)).toEqual(['tlb-size-conflict']);
		expect(r.violations[0]).toMatchObject({check: 'S11', cpu: 1});
		expect(r.violations[0]!.message).toBe('CPU1 caches va 0x7f001000 with a 4 KiB entry while a 2 MiB entry (filled through va 0x7f000000) still covers region 0x7f000000: a small and a huge TLB entry for the same virtual address (the PMD changed size without the invalidate-and-flush of __split_huge_pmd_locked)');
		expect(r.flat.get('CPU1.tlb[0x7f000000]')).toBe('pfn 0x200 W 2M (alloc 1)');
	});
	it('the kernel\'s order: the invalidate\'s flush drops the 2 MiB entry before the table is hooked in', () => {
		const r = runThen({machine: THP, cpus: [splitAfter('old = pmdp_invalidate(VA);'), user]}, '1 0 i1', 0, 1);
		expect(kinds(r)).toEqual([]);
		expect(locals(r, 1)).toMatchObject({a: true, b: true});
		expect(r.flat.get('CPU1.tlb[0x7f001000]')).toBe('pfn 0x201 W');
		// Invalidated but not flushed (pmdp_establish alone): the huge entry outlives the split.
		const stale = run({machine: THP, cpus: [splitAfter('pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)));'), user]}, '1 0 0 0 0 1');
		expect(kinds(stale)).toEqual(['tlb-size-conflict']);
	});
	it('the other direction: a 2 MiB entry filled beside a 4 KiB one', () => {
		const machine = 'ram(0x200, 2); map(VA, 0x200, write); map(VA + 0x1000, 0x201, write); mm_cpumask(0, 1); huge_tlb(on);';
		const collapse = 'pmd_clear(VA);\nset_pmd_at(VA, mk_huge_pmd(pfn_to_page(0x200), true));';
		expect(kinds(run({machine, cpus: [collapse, 'a = access(VA + 0x1000); b = access(VA);']}, '1 0 0 1'))).toEqual(['tlb-size-conflict']);
	});
	it('any flush touching the 2 MiB drops the huge entry (INVLPG of an address in a large page)', () => {
		const r = run({machine: `flush(broadcast); ${THP} huge_tlb(on);`, cpus: ['flush_tlb_range(VA + 0x5000, 1);', 'a = access(VA);']}, '1 0');
		expect(r.flat.has('CPU1.tlb[0x7f000000]')).toBe(false);
		// without huge_tlb the entry is a 4 KiB one at its own va, and a flush elsewhere leaves it
		const small = run({machine: `flush(broadcast); ${THP}`, cpus: ['flush_tlb_range(VA + 0x5000, 1);', 'a = access(VA);']}, '1 0');
		expect(small.flat.get('CPU1.tlb[0x7f000000]')).toBe('pfn 0x200 W (alloc 1)');
	});
	it('on only where a scenario splits a huge PMD in place (or says huge_tlb(on)); huge_tlb(off) turns it off', () => {
		expect(miniModel({machine: THP, cpus: ['x = 1;']}).initial.settings).not.toHaveProperty('hugeTlb');
		expect(miniModel({machine: THP, cpus: ['old = pmdp_invalidate(VA);']}).initial.settings.hugeTlb).toBe(true);
		const off = miniModel({machine: `${THP} huge_tlb(off);`, cpus: [splitAfter('x = 1;'), 'a = access(VA);\nb = access(VA + 0x1000);', 'old = pmd_mkinvalid(pmdp_get_lockless(VA));']});
		expect(off.initial.settings).not.toHaveProperty('hugeTlb');
		expect(kinds(run(off, '1 0 0 0 0 1'))).toEqual([]);
		// a TLB entry set up before huge_tlb(on) learns its size
		expect(miniModel({machine: `${THP} tlb(1, VA); huge_tlb(on);`, cpus: ['x = 1;', 'y = 1;']}).initial.cpus[1]!.tlb[0x7f000000]).toMatchObject({huge: true});
	});
	it('a lazy CPU\'s speculative fill is exempt (the flush skipped it on purpose)', () => {
		const machine = `${THP} lazy(1); huge_tlb(on);`;
		const r = run({machine, cpus: [splitAfter('x = 1;'), 'a = speculative_walk(VA);\nb = speculative_walk(VA + 0x1000);']}, '1 0 0 0 0 1');
		expect(locals(r, 1)).toMatchObject({a: true, b: true});
		expect(kinds(r)).toEqual([]);
	});
});

it('every primitive of thp-split.ts has a test here', () => {
	expect(thpSplitPrimitives.map(p => p.name).filter(p => !tested.has(p))).toEqual([]);
});
