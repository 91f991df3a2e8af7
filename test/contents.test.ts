// Page contents (source/machine/primitives/contents.ts): a store with a value
// writes the page it actually reached, a stale TLB entry's page included; a
// load reads through the TLB; copy_user_highpage copies; a pin holder reads the
// page itself; PG_anon_exclusive. Contents absent (0) leave states as before.

import {expect, it} from 'vitest';
import {contentsPrimitives} from '../source/machine/primitives/contents.js';
import {kinds, primitiveTests, run} from './helpers/mini.js';

const {tested, prim} = primitiveTests();

const RAM = 'ram(0x200, 3); map(VA, 0x200, write); map(VA2, 0x201); mm_cpumask(0, 1);';
const P = 'pfn_to_page(0x200)';
const Q = 'pfn_to_page(0x202)';
const locals = (r: ReturnType<typeof run>, cpu = 0) => r.final.cpus[cpu]!.locals;

it('store(va, value) writes the value into the page the PTE maps; a faulting store writes nothing', () => {
	const r = run({machine: RAM, cpus: ['a = store(VA, 3); b = store(VA2, 4); c = page_data(pfn_to_page(0x201)); d = page_data(' + P + ');']}, '0 0 0 0');
	expect(locals(r)).toMatchObject({a: true, b: false, c: 0, d: 3});
	expect(r.flat.get('page[0x200].data')).toBe('3');
	expect(r.flat.get('page[0x201].data')).toBeUndefined();
});

it('a store through a stale writable TLB entry lands in the old page, not the one the PTE maps now', () => {
	// CPU1 caches VA -> P writable and dirty; CPU0 moves VA to Q without a flush
	const machine = 'ram(0x200, 3); map(VA, 0x200, write, dirty); mm_cpumask(0, 1); tlb(1, VA);';
	const cpu0 = `ptep_get_and_clear(VA); q = alloc_page(0x202); set_pte_at(VA, mk_pte(q, true));`;
	const r = run({machine, cpus: [cpu0 + ' x = page_data(' + P + '); y = page_data(' + Q + ');', 'ok = store(VA, 7); v = load_value(VA);']}, '0 0 0 1 1 0 0');
	expect(locals(r, 1)).toMatchObject({ok: true, v: 7});
	expect(locals(r, 0)).toMatchObject({x: 7, y: 0});
	// after a flush the store walks to Q
	const flushed = run({machine, cpus: [cpu0 + ' flush_tlb_page(VA);', 'ok = store(VA, 7);']}, '0 0 0 0 i1 0 1');
	expect(flushed.flat.get('page[0x202].data')).toBe('7');
	expect(flushed.flat.get('page[0x200].data')).toBeUndefined();
});

prim('load_value', () => {
	const r = run({machine: RAM, cpus: ['store(VA, 5);', 'a = load_value(VA); b = load_value(0x7f400000); c = tlb_has(1, VA);']}, '0 1 1 1');
	expect(locals(r, 1)).toMatchObject({a: 5, b: -14, c: true});
	// a load through a TLB entry to a freed page is S2 and reads nothing of it
	const freed = run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1); tlb(1, VA);', cpus: [`ptep_get_and_clear(VA); page_remove_rmap(${P}); put_page(${P});`, 'v = load_value(VA);']}, '0 0 0 1');
	expect(kinds(freed)).toContain('freed-page-use');
	expect(locals(freed, 1).v).toBe(0);
});

prim('page_data', () => {
	const r = run({machine: RAM, cpus: [`a = page_data(${P}); store(VA, 2); b = page_data(${P});`]}, '0 0 0');
	expect(locals(r)).toMatchObject({a: 0, b: 2});
});

prim('set_page_data', () => {
	// a DMA into a pinned page: the process reads it through its mapping
	const r = run({machine: RAM, cpus: [`set_page_data(${P}, 9); v = load_value(VA); set_page_data(${P}, 0); w = load_value(VA);`]}, '0 0 0 0');
	expect(locals(r)).toMatchObject({v: 9, w: 0});
	expect(r.flat.get('page[0x200].data')).toBeUndefined(); // 0 is absent: the state hashes as one never written
});

prim('copy_user_highpage', () => {
	const r = run({machine: RAM, cpus: [`store(VA, 4); q = alloc_page(0x202); copy_user_highpage(q, ${P}, VA, vma); store(VA, 6); a = page_data(q); b = page_data(${P});`]}, '0 0 0 0 0 0');
	expect(locals(r)).toMatchObject({a: 4, b: 6});
	// the kernel's other spellings
	const f = run({machine: RAM, cpus: [`store(VA, 4); q = alloc_page(0x202); folio_copy(q, ${P}); a = page_data(q);`]}, '0 0 0 0');
	expect(locals(f).a).toBe(4);
});

it('a freed page forgets its contents and PG_anon_exclusive: its next allocation holds 0', () => {
	const r = run({machine: RAM, cpus: [`store(VA, 3); SetPageAnonExclusive(${P}); ptep_get_and_clear(VA); page_remove_rmap(${P}); put_page(${P}); n = alloc_page(0x200); d = page_data(n); e = PageAnonExclusive(n);`]}, '0 0 0 0 0 0 0 0');
	expect(locals(r)).toMatchObject({d: 0, e: false});
});

prim('PageAnonExclusive', () => {
	const r = run({machine: RAM, cpus: [`a = PageAnonExclusive(${P}); SetPageAnonExclusive(${P}); b = folio_test_anon_exclusive(${P}); ClearPageAnonExclusive(${P}); c = PageAnonExclusive(${P});`]}, '0 0 0 0 0');
	expect(locals(r)).toMatchObject({a: false, b: true, c: false});
});
prim('SetPageAnonExclusive', () => {
	const r = run({machine: RAM, cpus: [`SetPageAnonExclusive(${P});`]}, '0');
	expect(r.flat.get('page[0x200].PG_anon_exclusive')).toBe('set');
});
prim('ClearPageAnonExclusive', () => {
	const r = run({machine: RAM, cpus: [`SetPageAnonExclusive(${P}); ClearPageAnonExclusive(${P});`]}, '0 0');
	expect(r.flat.get('page[0x200].PG_anon_exclusive')).toBeUndefined();
});

it('page_ref() adds references someone outside the scenario holds: do_wp_page\'s page_count sees them', () => {
	const r = run({machine: RAM + ' page_ref(0x200, 2);', cpus: [`a = page_count(${P}); b = page_mapcount(${P});`]}, '0 0');
	expect(locals(r)).toMatchObject({a: 3, b: 1});
	expect(() => run({machine: 'ram(0x200, 1); page_ref(0x200, 1); mm_cpumask(0);', cpus: ['x = 1;']}, '0')).toThrow(/not an allocated RAM page/);
});

it('contents are a RAM page\'s only: page_data of a device page is a fault of the scenario, a store with a value into one keeps nothing', () => {
	const machine = 'pgmap(pmem0, devdax, 0x100, 1); map(VA, 0x100, write, special, devmap); mm_cpumask(0);';
	const r = run({machine, cpus: ['d = page_data(pfn_to_page(0x100));']}, '0');
	expect(kinds(r)).toEqual(['oops']);
	expect(r.violations[0]!.message).toMatch(/not an ordinary RAM page/);
	const s = run({machine, cpus: ['ok = store(VA, 5); v = load_value(VA);']}, '0 0');
	expect(locals(s)).toMatchObject({ok: true, v: 0});
	expect(kinds(s)).toEqual([]);
});

it('every contents primitive has a test here', () => {
	expect(contentsPrimitives.map(p => p.name).filter(n => !tested.has(n))).toEqual([]);
});
