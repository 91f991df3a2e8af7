// Footprints (the keys a step reads and writes) are what partial-order
// reduction trusts: two steps of different CPUs whose footprints do not
// conflict are taken to commute. Each case here is a pair of steps whose order
// changes the state reached; their footprints must conflict, or the search
// would explore one order only and miss what the other reaches.

import {describe, expect, it} from 'vitest';
import {conflicts} from '../source/machine/context.js';
import type {Transition} from '../source/machine/types.js';
import {miniModel, run} from './helpers/mini.js';

type Case = {machine: string; cpus: string[]; prefix: string; t: Transition; u: Transition};

/** From the state the prefix schedule reaches: do t and u reach different states in the two orders, and do their footprints conflict? */
function pair(c: Case): {differ: boolean; conflict: boolean} {
	const model = miniModel({machine: c.machine, cpus: c.cpus});
	const s = run(model, c.prefix).final;
	const a = model.step(s, c.t, {footprint: true});
	const b = model.step(s, c.u, {footprint: true});
	expect(a.violations).toEqual([]);
	expect(b.violations).toEqual([]);
	const tu = model.step(a.state, c.u).state;
	const ut = model.step(b.state, c.t).state;
	return {differ: model.hash(tu) !== model.hash(ut), conflict: conflicts(a.footprint!, b.footprint!)};
}

const step = (cpu: number): Transition => ({cpu, irq: false});
const irq = (cpu: number): Transition => ({cpu, irq: true});

describe('steps whose order matters have conflicting footprints', () => {
	it('a lazy CPU taking a flush IPI (switch to init_mm, its TLB dropped) and another CPU reading that TLB', () => {
		const r = pair({
			machine: 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1, 2); tlb(2, VA); lazy(2);',
			cpus: ['flush_tlb_mm_range(VA, true);', 'x = tlb_has(2, VA);', 'speculative_walk(VA);'],
			prefix: '0',
			t: irq(2),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	it('a TLB fill (the entry remembers the allocation it maps) and alloc_page of that pfn', () => {
		// The PTE still maps 0x200 after it was freed (S2 at the free): a walk and a reuse race.
		const r = pair({
			machine: 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1);',
			cpus: ['speculative_walk(VA);', 'put_page(pfn_to_page(0x200)); a = alloc_page(0x200);'],
			prefix: '1',
			t: step(0),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	it('gup-fast reading a PTE in its window (it notes the page and allocation) and alloc_page of that pfn', () => {
		const r = pair({
			machine: 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1);',
			cpus: ['local_irq_save(); pmd = pmdp_get_lockless(VA); pte = ptep_get_lockless(pmd, VA); local_irq_restore();', 'put_page(pfn_to_page(0x200)); a = alloc_page(0x200);'],
			prefix: '0 0 1',
			t: step(0),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	it('a flush IPI dropping a TLB entry of a freed page, and alloc_page of that pfn (it takes a number no entry remembers)', () => {
		// CPU2 caches allocation 1; the page is freed, taken (2) and freed again: the next is 3 while CPU2 remembers 1, 1 once it forgot
		const r = pair({
			machine: 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1, 2); tlb(2, VA);',
			cpus: ['flush_tlb_mm_range(VA, false);', 'ptep_get_and_clear(VA); put_page(pfn_to_page(0x200)); a = alloc_page(0x200); put_page(a); a = alloc_page(0x200);', 'x = 1;'],
			prefix: '1 1 1 1 0',
			t: irq(2),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	it('move_ptes finding no PTE page at the old va, and a fault that installs one there', () => {
		const r = pair({
			machine: 'ram(0x200, 2); vma(0x7f600000, 1, write); map(VA, 0x201, write); mm_cpumask(0, 1);',
			cpus: ['move_ptes(0x7f600000, 0x7f400000, 1);', 'r = handle_mm_fault(0x7f600000);'],
			prefix: '',
			t: step(0),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	// A compound page's tail: page_folio and every folio operation read the tail's compound_head,
	// which the split's clear_compound_head writes; the folio's free takes its tails with it.
	const THP = 'ram(0x200, 3); map_range(VA, 0x200, 2, write); compound(0x200, 2); mm_cpumask(0, 1);';
	for (const [what, body] of [['page_folio', 'f = page_folio(pfn_to_page(0x201));'], ['get_page', 'get_page(pfn_to_page(0x201));'], ['folio_try_get', 'g = folio_try_get(pfn_to_page(0x201));']]) {
		it(`${what} of a tail page and clear_compound_head of it`, () => {
			const r = pair({machine: THP, cpus: [body!, 'clear_compound_head(pfn_to_page(0x201)); page_ref_unfreeze(pfn_to_page(0x201), 1);'], prefix: '', t: step(0), u: step(1)});
			expect(r.differ).toBe(true);
			expect(r.conflict).toBe(true);
		});
	}

	it('the folio\'s last put (it frees the tails too) and clear_compound_head of a tail', () => {
		const r = pair({
			machine: 'ram(0x200, 2); map(0x40000000, 0x200, write, huge); mm_cpumask(0, 1);',
			cpus: ['x = pmdp_huge_get_and_clear(0x40000000); put_page(pfn_to_page(0x200));', 'clear_compound_head(pfn_to_page(0x201));'],
			prefix: '0',
			t: step(0),
			u: step(1),
		});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});

	it('a store (the walker sets the PTE\'s dirty bit) and ptep_get_and_clear of that PTE', () => {
		// store first: the zap returns a dirty PTE; the zap first: the store faults on the none PTE
		const r = pair({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1);', cpus: ['a = store(VA);', 'pte = ptep_get_and_clear(VA);'], prefix: '', t: step(0), u: step(1)});
		expect(r.differ).toBe(true);
		expect(r.conflict).toBe(true);
	});
});


