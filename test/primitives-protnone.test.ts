// PROT_NONE / NUMA-hinting PTEs (source/machine/primitives/protnone.ts) and
// what the rest of the machine does with one: the walker faults on it while
// a TLB entry from before still works, gup-fast reads it as PROT_NONE,
// ptep_clear_flush flushes it only while mm->tlb_flush_pending says a flush
// is owed, the fault path makes it present again, and the checks that catch
// a migration that skipped its flush (freed-page-use) or a syscall that
// returns with an entry over it (stale-tlb-return).

import {describe, expect, it} from 'vitest';
import {protnonePrimitives} from '../source/machine/primitives/protnone.js';
import {pageTableTable} from '../source/render/state.js';
import {formatValue, valuesEqual} from '../source/machine/values.js';
import type {PteValue} from '../source/machine/types.js';
import {kinds, miniModel, primitiveTests, run} from './helpers/mini.js';

const {tested, prim} = primitiveTests();

/** RAM page 0x200 mapped writable at VA, 0x201 PROT_NONE at VA2 (the vma writable), 0x202 free; CPUs 0 and 1 run the mm. */
const RAM = 'ram(0x200, 3); map(VA, 0x200, write); map(VA2, 0x201, write, protnone); mm_cpumask(0, 1);';
/** Make VA PROT_NONE as change_pte_range does (two steps under the caller's PTL, here without it). */
const MKNONE = 'old = ptep_modify_prot_start(vma, VA); ptep_modify_prot_commit(vma, VA, old, pte_modify(old, PAGE_NONE));';
const locals = (r: ReturnType<typeof run>, cpu = 0) => r.final.cpus[cpu]!.locals;

/** Run CPU0 of a one-CPU mini scenario to its end. */
function toEnd(m: Parameters<typeof miniModel>[0]) {
	const model = miniModel(m);
	let steps: string[] = [];
	while (model.isEnabled(run(model, steps.join(' ')).final, {cpu: 0, irq: false})) steps = [...steps, '0'];
	return run(model, steps.join(' '));
}

describe('a PROT_NONE PTE', () => {
	it('is present to Linux, not to the hardware: pte_present true, pte_val with _PAGE_PROTNONE instead of _PAGE_PRESENT, no write bit', () => {
		const r = toEnd({machine: RAM, cpus: ['p = ptep_get(VA2); a = pte_present(p); b = pte_write(p); c = pte_none(p); v = pte_val(p); w = pte_val(ptep_get(VA));']});
		expect(locals(r)).toMatchObject({a: true, b: false, c: false, v: 0x201 * 4096 + 0x100, w: 0x200 * 4096 + 1 + 2});
		expect(r.flat.get('CPU0.p')).toBe('pte(pfn 0x201 PROT_NONE)');
		expect(r.flat.get('pte[0x7f001000]')).toBe('pfn 0x201 PROT_NONE (T3)');
		// The page-table pane and the exported state tables name it too.
		expect(pageTableTable(r.final).rows.find(row => row[0]!.includes('va 0x7f001000'))).toEqual([expect.stringContaining('[1] va 0x7f001000'), 'pfn 0x201', 'PROT_NONE']);
	});
	it('compares unequal to the present PTE of the same page, both ways', () => {
		const a: PteValue = {t: 'pte', va: 0, present: true, write: false, special: false, devmap: false, pfn: 1, huge: false};
		const b: PteValue = {...a, protnone: true};
		expect(valuesEqual(a, b)).toBe(false);
		expect(valuesEqual(b, a)).toBe(false);
		expect(valuesEqual(b, {...b})).toBe(true);
		expect(formatValue(b)).toBe('pte(pfn 0x1 PROT_NONE)');
		// In the language too: a re-check of a PTE that became PROT_NONE sees the change.
		const r = run({machine: RAM, cpus: [`a = ptep_get(VA); ${MKNONE} same = a == ptep_get(VA);`]}, '0 0 0 0');
		expect(locals(r).same).toBe(false);
	});
	it('makes the hardware walker fault; a TLB entry filled before still hits until a flush', () => {
		const r = run({machine: `${RAM} tlb(1, VA);`, cpus: [MKNONE, 'hit = access(VA); miss = access(VA2);']}, '0 0 1 1');
		expect(locals(r, 1)).toMatchObject({hit: true, miss: false});
		expect(r.notes).toContain('TLB miss: walk va 0x7f001000 -> PROT_NONE (_PAGE_PRESENT clear): page fault');
		expect(r.flat.has('CPU1.tlb[0x7f001000]')).toBe(false);
		expect(r.flat.get('CPU1.tlb[0x7f000000]')).toBe('pfn 0x200 W (alloc 1)');
		expect(kinds(r)).toEqual([]);
		// A speculative walk fills nothing either.
		const s = run({machine: RAM, cpus: ['x = speculative_walk(VA2); y = speculative_walk(VA);']}, '0 0');
		expect(locals(s)).toMatchObject({x: false, y: true});
		expect(s.flat.has('CPU0.tlb[0x7f001000]')).toBe(false);
	});
	it('is read by gup-fast as it is: pte_protnone is what makes gup_fast_pte_range back off', () => {
		const r = run({machine: RAM, cpus: ['local_irq_save(); pmd = pmdp_get_lockless(VA2); pte = ptep_get_lockless(pmd, VA2); bail = pte_protnone(pte) || !pte_access_permitted(pte, false); local_irq_restore();']}, '0 0 0 0 0');
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x201 PROT_NONE)');
		expect(locals(r).bail).toBe(true);
		expect(kinds(r)).toEqual([]);
	});
	it('set-up: tlb() cannot copy an entry from one, and a PROT_NONE huge PMD is not modelled', () => {
		expect(() => miniModel({machine: `${RAM} tlb(0, VA2);`, cpus: ['x = 1;']})).toThrow(/va 0x7f001000 is PROT_NONE: the walker cannot have filled a TLB entry from it/);
		expect(() => miniModel({machine: 'ram(0x200, 1); map(0x40000000, 0x200, huge, protnone); mm_cpumask(0);', cpus: ['x = 1;']})).toThrow(/PROT_NONE huge PMD is not modelled/);
	});
	it('handle_mm_fault on one is the NUMA hinting fault: do_numa_page makes it present again with the vma\'s protection', () => {
		const r = run({machine: RAM, cpus: ['ret = handle_mm_fault(VA2); ok = access(VA2);']}, '0 0');
		expect(locals(r)).toMatchObject({ret: 0, ok: true});
		expect(r.flat.get('pte[0x7f001000]')).toBe('pfn 0x201 W (T3)');
		expect(r.notes).toContain('fault at 0x7f001000: PROT_NONE (NUMA hinting) PTE: do_numa_page makes it present again, writable (no migration)');
		// A read-only vma gets a read-only PTE back.
		const ro = run({machine: 'ram(0x200, 1); map(VA, 0x200, protnone); mm_cpumask(0);', cpus: ['ret = handle_mm_fault(VA);']}, '0');
		expect(ro.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 (T3)');
	});
});

describe('the primitives', () => {
	prim('pte_protnone', () => {
		const r = run({machine: RAM, cpus: ['a = pte_protnone(ptep_get(VA)); b = pte_protnone(ptep_get(VA2)); ptep_get_and_clear(VA); c = pte_protnone(ptep_get(VA));']}, '0 0 0 0');
		expect(locals(r)).toMatchObject({a: false, b: true, c: false});
	});
	prim('pte_accessible', () => {
		// Present: always (the pending count is not read). PROT_NONE: only while a flush is pending. None: never.
		const r = run({machine: RAM, cpus: ['a = pte_accessible(mm, ptep_get(VA)); b = pte_accessible(mm, ptep_get(VA2)); inc_tlb_flush_pending(mm); c = pte_accessible(ptep_get(VA2)); dec_tlb_flush_pending(mm); d = pte_accessible(ptep_get(VA2)); ptep_get_and_clear(VA); e = pte_accessible(ptep_get(VA));']}, '0 0 0 0 0 0 0 0');
		expect(locals(r)).toMatchObject({a: true, b: false, c: true, d: false, e: false});
	});
	prim('pte_access_permitted', () => {
		const r = run({machine: `${RAM} map(0x7f002000, 0x202);`, cpus: ['w = ptep_get(VA); ro = ptep_get(0x7f002000); n = ptep_get(VA2); a = pte_access_permitted(w, true); b = pte_access_permitted(ro, true); c = pte_access_permitted(ro); d = pte_access_permitted(n, false);']}, '0 0 0 0 0 0 0');
		expect(locals(r)).toMatchObject({a: true, b: false, c: true, d: false});
	});
	prim('pte_modify', () => {
		const r = run({machine: RAM, cpus: ['p = ptep_get(VA); a = pte_modify(p, PAGE_NONE); b = pte_modify(a, PAGE_SHARED); c = pte_modify(p, PAGE_READONLY); d = pte_modify(a, PAGE_COPY);']}, '0 0 0 0 0');
		expect(r.flat.get('CPU0.a')).toBe('pte(pfn 0x200 PROT_NONE)');
		expect(r.flat.get('CPU0.b')).toBe('pte(pfn 0x200 W)');
		expect(r.flat.get('CPU0.c')).toBe('pte(pfn 0x200)');
		expect(r.flat.get('CPU0.d')).toBe('pte(pfn 0x200)');
		// pte_modify computes: the page table is unchanged.
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W (T3)');
		const none = run({machine: RAM, cpus: ['ptep_get_and_clear(VA); x = pte_modify(ptep_get(VA), PAGE_NONE);']}, '0 0');
		expect(none.violations.map(v => [v.kind, v.message])).toEqual([['oops', 'CPU0 oops at line 8: pte_modify: the PTE is none (change_pte_range only modifies present PTEs)']]);
		expect(() => miniModel({machine: RAM, cpus: ['x = pte_modify(ptep_get(VA), write);']})).not.toThrow();
		expect(kinds(run({machine: RAM, cpus: ['x = pte_modify(ptep_get(VA), write);']}, '0'))).toEqual(['oops']);
	});
	prim('pte_mkwrite', () => {
		const r = run({machine: RAM, cpus: ['a = pte_mkwrite(pte_modify(ptep_get(VA), PAGE_READONLY)); b = pte_mkwrite(ptep_get(VA2)); c = pte_write(b);']}, '0 0 0');
		expect(r.flat.get('CPU0.a')).toBe('pte(pfn 0x200 W)');
		// The RW bit does not make a PROT_NONE PTE present.
		expect(r.flat.get('CPU0.b')).toBe('pte(pfn 0x201 W PROT_NONE)');
		expect(locals(r).c).toBe(true);
	});
	prim('ptep_modify_prot_start', () => {
		// Between start and commit the PTE is none: the walker faults; it is not a zap (nothing unmapped, S5 not armed).
		const r = run({machine: RAM, cpus: ['old = ptep_modify_prot_start(vma, VA);', 'x = access(VA);']}, '0 1');
		expect(r.flat.get('CPU0.old')).toBe('pte(pfn 0x200 W)');
		expect(r.flat.has('pte[0x7f000000]')).toBe(false);
		expect(locals(r, 1).x).toBe(false);
		expect(r.final.zapped).toEqual([]);
		expect(r.final.memmap[0x200]).toMatchObject({refcount: 1, ram: {mapcount: 1}});
		// On none it returns none and changes nothing.
		const none = run({machine: RAM, cpus: ['ptep_get_and_clear(VA); old = ptep_modify_prot_start(VA);']}, '0 0');
		expect(none.flat.get('CPU0.old')).toBe('pte(none @0x7f000000)');
	});
	prim('ptep_modify_prot_commit', () => {
		const r = run({machine: `${RAM} tlb(1, VA);`, cpus: [MKNONE, 'x = access(VA);']}, '0 0 1');
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 PROT_NONE (T3)');
		// CPU1's entry from before the change still hits: only a flush drops it.
		expect(locals(r, 1).x).toBe(true);
		expect(r.notes).toContain('TLB hit: va 0x7f000000 -> pfn 0x200');
		// Committing a present value restores it.
		const back = run({machine: RAM, cpus: [`${MKNONE} o = ptep_modify_prot_start(vma, VA); ptep_modify_prot_commit(vma, VA, o, pte_mkwrite(pte_modify(o, PAGE_COPY)));`]}, '0 0 0 0');
		expect(back.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W (T3)');
		// Committing the page after it was freed maps a free page (S2), as set_pte_at would.
		const freed = run({machine: RAM, cpus: ['old = ptep_modify_prot_start(vma, VA); put_page(pte_page(old)); ptep_modify_prot_commit(vma, VA, old, old);']}, '0 0 0');
		expect(kinds(freed)).toEqual(['freed-page-use']);
	});
	prim('set_tlb_flush_pending', () => {
		// A bool: setting it twice is still one pending flag, not a count.
		const r = run({machine: RAM, cpus: ['set_tlb_flush_pending(mm); set_tlb_flush_pending(mm); a = mm_tlb_flush_pending(mm); b = mm_tlb_flush_nested(mm);']}, '0 0 0 0');
		expect(locals(r)).toMatchObject({a: true, b: false});
		expect(r.flat.get('mm.tlb_flush_pending')).toBe('1');
	});
	prim('clear_tlb_flush_pending', () => {
		// Thread B's clear wipes thread A's flag (16af97dc5a89's race); dec_tlb_flush_pending would leave one.
		const bool = run({machine: RAM, cpus: ['set_tlb_flush_pending(mm); x = 1; a = mm_tlb_flush_pending(mm);', 'set_tlb_flush_pending(mm); clear_tlb_flush_pending(mm);']}, '0 1 1 0 0');
		expect(locals(bool).a).toBe(false);
		const counted = run({machine: RAM, cpus: ['inc_tlb_flush_pending(mm); x = 1; a = mm_tlb_flush_pending(mm);', 'inc_tlb_flush_pending(mm); dec_tlb_flush_pending(mm);']}, '0 1 1 0 0');
		expect(locals(counted).a).toBe(true);
	});
});

describe('ptep_clear_flush and the checks', () => {
	/** CPU1 caches VA's RW entry; CPU0 makes VA PROT_NONE, then migrates it away (clear, free) with or without the pending flag raised. */
	const migrate = (pending: boolean) => ({
		machine: `${RAM} tlb(1, VA);`,
		cpus: [`${pending ? 'inc_tlb_flush_pending(mm);' : 'x = 0;'} ${MKNONE} pte = ptep_clear_flush(VA); put_page(pte_page(pte));`, 'y = 0;'],
	});
	it('a PROT_NONE PTE with no flush pending: ptep_clear_flush does not flush (one step, no IPI)', () => {
		// Here CPU1 still caches the page: the free is the use-after-free of ordinary memory (S2), caught at put_page.
		const r = run(migrate(false), '0 0 0 0 0');
		expect(r.final.cpus[1]!.ipis).toEqual([]);
		expect(kinds(r)).toEqual(['freed-page-use']);
		expect(r.violations[0]!.message).toBe('put_page frees page 0x200 while CPU1\'s TLB still maps va 0x7f000000 to it');
	});
	it('a PROT_NONE PTE while a flush is pending: ptep_clear_flush flushes it (waits for the ack), so the free is safe', () => {
		const model = miniModel(migrate(true));
		const sent = run(model, '0 0 0 0');
		expect(sent.final.cpus[0]!.wait).toMatchObject({kind: 'acks', prim: 'ptep_clear_flush', pending: [1]});
		const done = run(model, '0 0 0 0 i1 0 0');
		expect(done.flat.has('CPU1.tlb[0x7f000000]')).toBe(false);
		expect(kinds(done)).toEqual([]);
	});
	it('the v3.8-v3.12 test (present and not PROT_NONE) skips the flush the pending flag asks for', () => {
		const r = run({machine: `${RAM} tlb(1, VA);`, cpus: [`inc_tlb_flush_pending(mm); ${MKNONE} pte = ptep_get_and_clear(VA); if (pte_present(pte) && !pte_protnone(pte)) flush_tlb_page(VA); put_page(pte_page(pte));`, 'y = 0;']}, '0 0 0 0 0 0');
		expect(kinds(r)).toEqual(['freed-page-use']);
	});
	it('S10: a syscall returning while a CPU caches an entry over a PROT_NONE PTE (mprotect(PROT_NONE) without its flush)', () => {
		const wrong = run({machine: `${RAM} tlb(1, VA);`, cpus: [`${MKNONE} syscall_exit(VA, 1);`, 'y = 0;']}, '0 0 0');
		expect(kinds(wrong)).toEqual(['stale-tlb-return']);
		expect(wrong.violations[0]!.message).toBe('the zap syscall returns while CPU1\'s TLB maps va 0x7f000000 to pfn 0x200 writable over a PROT_NONE PTE');
		const right = run({machine: `flush(broadcast); ${RAM} tlb(1, VA);`, cpus: [`${MKNONE} flush_tlb_range(VA, 1); syscall_exit(VA, 1);`, 'y = 0;']}, '0 0 0 0');
		expect(kinds(right)).toEqual([]);
	});
});

it('every primitive of protnone.ts has a test here', () => {
	expect(protnonePrimitives.map(p => p.name).filter(p => !tested.has(p))).toEqual([]);
});
