// The PTE dirty bit, PG_dirty and the user store (source/machine/primitives/dirty.ts):
// a TLB entry caches the dirty bit, a store through one that has it touches no
// PTE, one without it sets the bit in the PTE in memory or faults, and a store
// nothing records after writeback cleaned the page is S12.

import {expect, it} from 'vitest';
import {dirtyPrimitives} from '../source/machine/primitives/dirty.js';
import {kinds, primitiveTests, run} from './helpers/mini.js';

const {tested, prim} = primitiveTests();

const RAM = 'ram(0x200, 3); map(VA, 0x200, write); map(VA2, 0x201); mm_cpumask(0, 1);';
const P = 'pfn_to_page(0x200)';
const locals = (r: ReturnType<typeof run>, cpu = 0) => r.final.cpus[cpu]!.locals;

prim('store', () => {
	// a miss on a writable PTE: the walker sets the dirty bit, the entry caches it
	const r = run({machine: RAM, cpus: ['a = store(VA); b = store(VA2); c = store(0x7f400000);']}, '0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, c: false});
	expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W dirty (T3)');
	expect(r.flat.get('CPU0.tlb[0x7f000000]')).toBe('pfn 0x200 W dirty (alloc 1)');
	expect(r.final.cpus[0]!.tlb[0x7f001000]).toBeUndefined(); // the read-only PTE faults and fills nothing
	// a load leaves the bit as the PTE has it
	expect(run({machine: RAM, cpus: ['a = access(VA);']}, '0').flat.get('CPU0.tlb[0x7f000000]')).toBe('pfn 0x200 W (alloc 1)');
});

it('a store through an entry caching a clean PTE goes to the PTE in memory: it faults once the PTE is gone, and the entry is dropped', () => {
	const r = run({machine: RAM + ' tlb(1, VA);', cpus: ['ptep_get_and_clear(VA);', 'a = store(VA); b = tlb_has(1, VA);']}, '0 1 1');
	expect(locals(r, 1)).toMatchObject({a: false, b: false});
	expect(kinds(r)).toEqual([]);
});

it('a store through an entry caching the dirty bit touches no PTE: it still writes after the zap', () => {
	const r = run({machine: 'ram(0x200, 1); map(VA, 0x200, write, dirty); mm_cpumask(0, 1); tlb(1, VA);', cpus: ['pte = ptep_get_and_clear(VA);', 'a = store(VA);']}, '0 1');
	expect(locals(r, 1).a).toBe(true);
	expect(r.final.cpus[1]!.tlb[0x7f000000]).toMatchObject({dirty: true});
	expect(locals(r, 0).pte).toMatchObject({dirty: true});
	expect(kinds(r)).toEqual([]); // nobody cleaned the page: the write is not lost yet
});

it('S12: a store nothing records after writeback cleaned the page, and not while a PTE maps it dirty or after set_page_dirty', () => {
	const machine = 'ram(0x200, 1); map(VA, 0x200, write, dirty); mm_cpumask(0, 1); tlb(1, VA);';
	const lost = run({machine, cpus: [`pte = ptep_get_and_clear(VA); set_page_dirty(${P}); w = TestClearPageDirty(${P});`, 'a = store(VA);']}, '0 0 0 1');
	expect(kinds(lost)).toEqual(['lost-write']);
	expect(lost.violations[0]!.message).toBe('CPU1 stores to page 0x200 through its TLB entry for va 0x7f000000 (writable, dirty), after writeback cleaned the page, and no PTE maps va: the write is lost');
	// the PTE still maps the page dirty: page_mkclean will find the write
	expect(kinds(run({machine, cpus: [`w = TestClearPageDirty(${P});`, 'a = store(VA);']}, '0 1'))).toEqual([]);
	// dirtied again after the clean: the next writeback writes it
	expect(kinds(run({machine, cpus: [`pte = ptep_get_and_clear(VA); w = TestClearPageDirty(${P}); set_page_dirty(${P});`, 'a = store(VA);']}, '0 0 0 1'))).toEqual([]);
	// an anonymous page writeback never cleaned: no S12
	expect(kinds(run({machine, cpus: ['pte = ptep_get_and_clear(VA);', 'a = store(VA);']}, '0 1'))).toEqual([]);
});

prim('pte_dirty', () => {
	const r = run({machine: 'ram(0x200, 2); map(VA, 0x200, write, dirty); map(VA2, 0x201, write); mm_cpumask(0);', cpus: ['a = pte_dirty(ptep_get(VA)); b = pte_dirty(ptep_get(VA2)); c = pte_dirty(ptep_get(0x7f400000));']}, '0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, c: false});
});
prim('pte_mkdirty', () => {
	const r = run({machine: RAM, cpus: ['set_pte_at(VA, pte_mkdirty(ptep_get(VA))); a = pte_dirty(ptep_get(VA)); b = pte_same(ptep_get(VA), pte_mkclean(ptep_get(VA))); n = pte_present(pte_mkdirty(ptep_get(0x7f400000)));']}, '0 0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, n: false});
	expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x200 W dirty (T3)');
});
prim('pte_mkclean', () => {
	const r = run({machine: 'ram(0x200, 1); map(VA, 0x200, write, dirty); mm_cpumask(0);', cpus: ['p = ptep_get(VA); q = pte_mkclean(p); a = pte_dirty(q); b = pte_same(p, q); c = pte_same(pte_mkdirty(q), p);']}, '0 0 0 0 0');
	expect(locals(r)).toMatchObject({a: false, b: false, c: true});
});
prim('set_page_dirty', () => {
	const r = run({machine: RAM, cpus: [`a = set_page_dirty(${P}); b = set_page_dirty(${P}); c = PageDirty(${P});`]}, '0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, c: true});
	expect(r.flat.get('page[0x200].PG_dirty')).toBe('set');
	// PG_dirty is the folio's: a tail page's is its head's
	const thp = run({machine: 'ram(0x200, 2); map_range(VA, 0x200, 2, write); compound(0x200, 2); mm_cpumask(0);', cpus: ['set_page_dirty(pfn_to_page(0x201)); d = PageDirty(pfn_to_page(0x200));']}, '0 0');
	expect(locals(thp).d).toBe(true);
});
prim('TestClearPageDirty', () => {
	const r = run({machine: RAM, cpus: [`set_page_dirty(${P}); a = TestClearPageDirty(${P}); b = TestClearPageDirty(${P}); c = PageDirty(${P});`]}, '0 0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, c: false});
	expect(r.flat.get('page[0x200].writeback')).toBe('cleaned');
});
prim('PageDirty', () => {
	expect(locals(run({machine: RAM, cpus: [`a = PageDirty(${P}); folio_mark_dirty(${P}); b = folio_test_dirty(${P});`]}, '0 0 0'))).toMatchObject({a: false, b: true});
});

it('a freed page loses its flags: its next allocation is clean', () => {
	const r = run({machine: RAM, cpus: [`ptep_get_and_clear(VA); set_page_dirty(${P}); put_page(${P}); n = alloc_page(0x200); d = PageDirty(${P});`]}, '0 0 0 0 0');
	expect(locals(r).d).toBe(false);
});

it('every dirty-bit primitive has a test here', () => {
	expect(dirtyPrimitives.map(p => p.name).filter(n => !tested.has(n))).toEqual([]);
});
