// Unit tests of the general machine's primitives (KERNEL.md §6): ordinary RAM
// pages, the page-table life cycle, freeing page-table pages, mmu_gather, and
// the TLB / walker additions, with the checks each is responsible for (S2 of
// ordinary memory, S5 by range, S6, S6h, S7, S9, S10).

import {describe, expect, it} from 'vitest';
import {lazyTlbPrimitives} from '../source/machine/primitives/lazy-tlb.js';
import {mmuGatherPrimitives} from '../source/machine/primitives/mmu-gather.js';
import {pgtableLifePrimitives} from '../source/machine/primitives/pgtable-life.js';
import {ramPrimitives} from '../source/machine/primitives/ram.js';
import {tableFreePrimitives} from '../source/machine/primitives/table-free.js';
import {explore} from '../source/explore/index.js';
import {kinds, miniModel, primitiveTests, run} from './helpers/mini.js';

/** The TLB primitives of the general machine, tested here rather than in primitives.test.ts. */
export const TLB_HERE = ['speculative_walk', 'flush_tlb_range', 'syscall_exit'];

const {tested, prim} = primitiveTests();

/** Two RAM pages mapped at VA and VA2, two more free; CPUs 0 and 1 run the mm. */
const RAM = 'ram(0x200, 4); map(VA, 0x200, write); map(VA2, 0x201, write); mm_cpumask(0, 1);';
const P = 'pfn_to_page(0x200)';
const locals = (r: ReturnType<typeof run>, cpu = 0) => r.final.cpus[cpu]!.locals;

/** The schedule, then each CPU listed run to its end (one step at a time, as long as it can move). */
function runThen(m: Parameters<typeof miniModel>[0], schedule: string, ...finish: number[]) {
	const model = miniModel(m);
	let steps = schedule.trim().split(/\s+/).filter(Boolean);
	for (const cpu of finish) {
		for (let i = 0; i < 50; i++) {
			const r = run(model, steps.join(' '));
			if (!model.isEnabled(r.final, {cpu, irq: false})) break;
			steps = [...steps, String(cpu)];
		}
	}
	return run(model, steps.join(' '));
}

describe('ordinary RAM pages', () => {
	it('ram() and map(): a mapped RAM page holds one reference and one mapping; the others are free', () => {
		const r = run({machine: RAM, cpus: ['a = page_count(pfn_to_page(0x200)); b = page_mapcount(pfn_to_page(0x200)); c = page_count(pfn_to_page(0x202));']}, '0 0 0');
		expect(locals(r)).toMatchObject({a: 1, b: 1, c: 0});
		expect(r.flat.get('page[0x202].alloc')).toBe('free (allocation 0 ended)');
	});
	prim('alloc_page', () => {
		const r = run({machine: RAM, cpus: ['a = alloc_page(); b = alloc_page(0x203); c = alloc_page(0x203); d = alloc_page();']}, '0 0 0 0');
		expect(r.flat.get('CPU0.a')).toBe('page(0x202)');
		expect(r.flat.get('CPU0.b')).toBe('page(0x203)');
		expect(locals(r).c).toBeNull(); // not free any more
		expect(locals(r).d).toBeNull(); // none free
		expect(r.final.memmap[0x203]!).toMatchObject({refcount: 1, ram: {free: false, gen: 1, owner: 0}});
		// A page freed and taken again is a new allocation.
		const reuse = run({machine: RAM, cpus: [`ptep_get_and_clear(VA); put_page(${P}); a = alloc_page(0x200);`]}, '0 0 0');
		expect(reuse.final.memmap[0x200]!.ram).toMatchObject({free: false, gen: 2});
		expect(reuse.notes).toContain('alloc_page: page 0x200 reused (allocation 2)');
		// A pfn that is no RAM page is a mistake of the scenario, not "not free".
		const wrong = run({machine: RAM, cpus: ['a = alloc_page(0x300);']}, '0');
		expect(wrong.violations.map(v => [v.kind, v.message])).toEqual([['oops', 'CPU0 oops at line 8: alloc_page: pfn 0x300 is not an ordinary RAM page (declare it with ram() in machine { })']]);
	});
	it('an allocation takes the smallest number nobody remembers (not the last one), so an alloc/free loop repeats its states', () => {
		// 0x202 is free: allocated (1), freed, allocated (2), freed, allocated again
		const cycle = `a = alloc_page(0x202); put_page(a); a = alloc_page(0x202); put_page(a); a = alloc_page(0x202);`;
		const free = run({machine: RAM, cpus: [cycle]}, '0 0 0 0 0');
		expect(free.final.memmap[0x202]!.ram!.gen).toBe(1); // 1 is remembered by no one: taken again
		expect(free.notes).toContain('alloc_page: page 0x202 reused (allocation 1)');
		// a TLB entry still holds allocation 1 (filled before the zap, never flushed): 1 stays taken, so the third is 3
		const m = {machine: 'ram(0x200, 4); map(VA, 0x202, write); mm_cpumask(0, 1);', cpus: [`access(VA); a = pfn_to_page(0x202); ptep_get_and_clear(VA); put_page(a); a = alloc_page(0x202); put_page(a); a = alloc_page(0x202);`]};
		const remembered = run(m, '0 0 0 0 0 0 0');
		expect(remembered.final.cpus[0]!.tlb[0x7f000000]).toMatchObject({pfn: 0x202});
		expect(remembered.final.memmap[0x202]!.ram!.gen).toBe(3);
		// the search of a loop that allocates and frees on each pass ends
		const loop = miniModel({machine: RAM, header: 'int done = 0;', cpus: ['while (!done) { a = alloc_page(0x202); put_page(a); }', 'done = 1;']});
		const r = explore(loop, {maxStates: 5000});
		expect(r.complete).toBe(true);
		expect(r.stats.states).toBeLessThan(100);
	});
	it('put_page: at zero a RAM page goes back to the allocator; a PTE or TLB entry still mapping it is S2', () => {
		const clean = run({machine: RAM, cpus: [`ptep_get_and_clear(VA); put_page(${P});`]}, '0 0');
		expect(kinds(clean)).toEqual([]);
		expect(clean.final.memmap[0x200]!.ram!.free).toBe(true);
		const mapped = run({machine: RAM, cpus: [`put_page(${P});`]}, '0');
		expect(kinds(mapped)).toEqual(['freed-page-use']);
		expect(mapped.violations[0]!.message).toBe('put_page frees page 0x200 while the PTE for va 0x7f000000 still maps it');
		const cached = run({machine: RAM, cpus: ['access(VA);', `ptep_get_and_clear(VA); put_page(${P});`]}, '0 1 1');
		expect(kinds(cached)).toEqual(['freed-page-use']);
		expect(cached.violations[0]!.message).toMatch(/CPU0's TLB still maps va 0x7f000000/);
		expect(kinds(run({machine: RAM, cpus: [`ptep_get_and_clear(VA); put_page(${P}); put_page(${P});`]}, '0 0 0'))).toEqual(['refcount']);
	});
	it('a load through a TLB entry to a page freed and reused since is S2 (freed-page-use)', () => {
		const r = run({machine: RAM, cpus: ['access(VA); flag = 1; access(VA);', `ptep_get_and_clear(VA); put_page(${P}); n = alloc_page(0x200);`]}, '0 1 1 1 0 0');
		expect(kinds(r)).toEqual(['freed-page-use', 'freed-page-use']);
		expect(r.violations[1]!.message).toBe('CPU0 loads (TLB hit) page 0x200, which was freed and reused by another allocation since the entry was filled');
	});
	it('get_page on a free RAM page is the VM_BUG_ON of folio_get', () => {
		expect(kinds(run({machine: RAM, cpus: ['get_page(pfn_to_page(0x202));']}, '0'))).toEqual(['refcount']);
	});
	prim('try_get_page', () => {
		const r = run({machine: RAM, cpus: ['a = try_get_page(pfn_to_page(0x200)); b = try_get_page(pfn_to_page(0x202));']}, '0 0');
		expect(locals(r)).toMatchObject({a: true, b: false});
		expect(r.final.memmap[0x200]!.refcount).toBe(2);
		// the free page's failure is the WARN_ON_ONCE splat, not a quiet false (gup-fast's try_grab_page is the quiet one)
		expect(kinds(r)).toEqual(['warn']);
		expect(r.violations[0]!.message).toMatch(/^WARNING: try_get_page\(page 0x202\) with refcount 0/);
		expect(kinds(run({machine: RAM, cpus: ['b = try_grab_page(pfn_to_page(0x202));']}, '0'))).toEqual([]);
	});
	for (const name of ['folio_try_get', 'folio_try_get_rcu']) {
		prim(name, () => {
			const r = run({machine: RAM, cpus: [`a = ${name}(${P}); page_ref_freeze(${P}, 2); b = ${name}(${P}); c = ${name}(pfn_to_page(0x202));`]}, '0 0 0 0');
			expect(locals(r)).toMatchObject({a: true, b: false, c: false});
			expect(r.notes).toContain(`page 0x200 refcount is 0 (frozen): ${name} fails`);
			// Speculative: it succeeds on a page freed and reused since the caller found it.
			const reused = run({machine: RAM, cpus: [`ptep_get_and_clear(VA); put_page(${P}); n = alloc_page(0x200); a = ${name}(${P});`]}, '0 0 0 0');
			expect(locals(reused).a).toBe(true);
		});
	}
	prim('page_ref_freeze', () => {
		const r = run({machine: RAM, cpus: [`a = page_ref_freeze(${P}, 2); b = page_ref_freeze(${P}, 1);`]}, '0 0');
		expect(locals(r)).toMatchObject({a: false, b: true});
		expect(r.final.memmap[0x200]!.refcount).toBe(0);
		expect(r.final.memmap[0x200]!.ram!.free).toBe(false); // frozen, not freed
	});
	prim('page_ref_unfreeze', () => {
		const r = run({machine: RAM, cpus: [`page_ref_freeze(${P}, 1); page_ref_unfreeze(${P}, 1);`]}, '0 0');
		expect(r.final.memmap[0x200]!.refcount).toBe(1);
		expect(kinds(run({machine: RAM, cpus: [`page_ref_unfreeze(${P}, 1);`]}, '0'))).toEqual(['oops']);
	});
	prim('free_unref_page', () => {
		// Reclaim's free of a page it froze: no put, straight to the allocator.
		const unmapped = `ptep_get_and_clear(VA); page_remove_rmap(${P});`;
		const ok = run({machine: RAM, cpus: [`${unmapped} page_ref_freeze(${P}, 1); free_unref_page(${P}); n = alloc_page(0x200);`]}, '0 0 0 0 0');
		expect(kinds(ok)).toEqual([]);
		expect(ok.final.memmap[0x200]!.ram).toMatchObject({free: false, gen: 2});
		expect(ok.notes).toContain('page 0x200 refcount -> 0: freed to the page allocator (free_unref_page)');
		// A reference taken on the frozen page (a plain get that no VM_BUG_ON stopped): Bad page state, leaked.
		const held = run({machine: RAM, cpus: [`${unmapped} page_ref_freeze(${P}, 1); page_ref_unfreeze(${P}, 1); free_unref_page(${P});`]}, '0 0 0 0 0');
		expect(kinds(held)).toEqual(['refcount']);
		expect(held.violations[0]!.message).toContain('nonzero _refcount (1)');
		expect(held.final.memmap[0x200]!.ram!.free).toBe(false);
		// Still mapped (mapcount): Bad page state too; and the PTE is not left pointing at a free page.
		const mapped = run({machine: RAM, cpus: [`page_ref_freeze(${P}, 1); free_unref_page(${P});`]}, '0 0');
		expect(kinds(mapped)).toEqual(['refcount']);
		expect(mapped.violations[0]!.message).toContain('nonzero mapcount (1)');
		// A free page freed again: a double free.
		expect(kinds(run({machine: RAM, cpus: ['free_unref_page(pfn_to_page(0x202));']}, '0'))).toEqual(['refcount']);
		// The kernel's later names are the same primitive.
		expect(kinds(run({machine: RAM, cpus: [`${unmapped} page_ref_freeze(${P}, 1); free_frozen_pages(${P});`]}, '0 0 0 0'))).toEqual([]);
	});
	prim('set_page_count', () => {
		// a plain store: a reference taken between a read of the count and the store is lost
		const r = run({machine: RAM, cpus: [`n = page_count(${P}); set_page_count(${P}, n);`, `get_page(${P});`]}, '0 1 0');
		expect(r.final.memmap[0x200]!.refcount).toBe(1);
	});
	prim('page_count', () => {
		expect(locals(run({machine: RAM, cpus: [`get_page(${P}); n = page_count(${P});`]}, '0 0')).n).toBe(2);
	});
	for (const [name, delta] of [['page_add_anon_rmap', 1], ['page_add_file_rmap', 1], ['page_dup_rmap', 1], ['page_remove_rmap', -1]] as const) {
		prim(name, () => {
			const r = run({machine: RAM, cpus: [`${name}(${P}); n = page_mapcount(${P});`]}, '0 0');
			expect(locals(r).n).toBe(1 + delta);
		});
	}
	prim('page_mapcount', () => {
		expect(locals(run({machine: RAM, cpus: ['n = page_mapcount(pfn_to_page(0x202));']}, '0')).n).toBe(0);
		expect(kinds(run({machine: RAM, cpus: ['page_remove_rmap(pfn_to_page(0x202));']}, '0'))).toEqual(['refcount']);
		expect(kinds(run({cpus: ['n = page_mapcount(pfn_to_page(PFN));']}, '0'))).toEqual(['oops']); // a device page
	});
});

// gup-fast with IRQs off: G1, G2, G3, G6 + G7, (G8 re-check when `recheck`), G11.
const gup = (recheck: boolean) =>
	[
		'local_irq_save();',
		'pmd = pmdp_get_lockless(VA);',
		'pte = ptep_get_lockless(pmd, VA);',
		'page = pte_page(pte); ok = try_grab_page(page);',
		recheck ? 'if (pte_val(pte) != pte_val(ptep_get_lockless(pmd, VA))) { put_page(page); ok = false; }' : 'x = 1;',
		'local_irq_restore();',
	].join('\n');

describe('what gup-fast returns (S7, S9)', () => {
	it('S7: gup-fast returns a page freed and reused after it read the PTE', () => {
		const zapFreeReuse = `ptep_get_and_clear(VA); put_page(${P}); n = alloc_page(0x200);`;
		const bad = runThen({machine: RAM, cpus: [gup(false), zapFreeReuse]}, '0 0 0 1 1 1', 0);
		expect(kinds(bad)).toEqual(['gup-unmapped-page']);
		expect(bad.violations[0]).toMatchObject({check: 'S7', cpu: 0});
		// The G8 re-check sees the PTE changed and backs off: nothing returned.
		const good = runThen({machine: RAM, cpus: [gup(true), zapFreeReuse]}, '0 0 0 1 1 1', 0);
		expect(kinds(good)).toEqual([]);
		expect(good.final.memmap[0x200]!.refcount).toBe(1);
		// Without the reuse, the page it returns was mapped at G3: no S7.
		expect(kinds(runThen({machine: RAM, cpus: [gup(false), 'ptep_get_and_clear(VA);']}, '0 0 0 1', 0))).toEqual([]);
	});
	it('S7 is by va: the page reused at another va of the mm is not the page of the va gup-fast read', () => {
		// P is freed and reused, and the new allocation is mapped at VA2 (a fault of another thread):
		// it was mapped in the window, but not at VA, so gup of VA must not return it.
		const elsewhere = `ptep_get_and_clear(VA); put_page(${P}); n = alloc_page(0x200); set_pte_at(VA2, mk_pte(n, true));`;
		const bad = runThen({machine: RAM, cpus: [gup(false), elsewhere]}, '0 0 0 1 1 1 1', 0);
		expect(kinds(bad)).toEqual(['gup-unmapped-page']);
		expect(bad.final.memmap[0x200]!.ram!.gen).toBe(2);
		// The G8 re-check reads VA, finds it none, and backs off.
		expect(kinds(runThen({machine: RAM, cpus: [gup(true), elsewhere]}, '0 0 0 1 1 1 1', 0))).toEqual([]);
		// Reused at VA itself (a swap-in of the same data): mapped at a va it read, at an instant of the window.
		const here = `ptep_get_and_clear(VA); put_page(${P}); n = alloc_page(0x200); set_pte_at(VA, mk_pte(n, true));`;
		expect(kinds(runThen({machine: RAM, cpus: [gup(false), here]}, '0 0 0 1 1 1 1', 0))).toEqual([]);
		// An install at a va the window never read is not recorded in it.
		const w = run({machine: RAM, cpus: [gup(false), elsewhere]}, '0 0 0 1 1 1 1');
		expect(w.final.cpus[0]!.gup).toMatchObject({vas: [0x7f000000], mapped: ['512:1']});
	});
	const collapse = `ok = is_refcount_suitable(${P}); ptep_get_and_clear(VA); page_remove_rmap(${P}); free_page_and_swap_cache(${P});`;
	prim('is_refcount_suitable', () => {
		const r = run({machine: RAM, cpus: [`get_page(${P}); a = is_refcount_suitable(${P}); put_page(${P}); b = is_refcount_suitable(${P});`]}, '0 0 0 0');
		expect(locals(r)).toMatchObject({a: false, b: true});
		expect(r.final.memmap[0x200]!.ram!.collapse).toBe('checked');
	});
	prim('free_page_and_swap_cache', () => {
		// No one else holds it: the discarded page is freed.
		const alone = run({machine: RAM, cpus: [collapse]}, '0 0 0 0');
		expect(kinds(alone)).toEqual([]);
		expect(alone.final.memmap[0x200]!.ram).toMatchObject({free: true, collapse: 'discarded'});
		// S9, gup-fast returned before the discard: reported at the discard.
		const before = runThen({machine: RAM, cpus: [gup(true), collapse]}, '1', 0, 1);
		expect(kinds(before)).toEqual(['collapse-lost-pin']);
		expect(before.violations[0]).toMatchObject({check: 'S9', cpu: 1});
		// S9, gup-fast accepted it (no re-check) and returns after the discard: reported at its G11.
		const late = runThen({machine: RAM, cpus: [gup(false), collapse]}, '1 0 0 0 0 0 0 1 1 1', 0);
		expect(kinds(late)).toEqual(['collapse-lost-pin']);
		expect(late.violations[0]!.cpu).toBe(0);
		// A grab taken before the pin check makes it fail: no collapse, no S9.
		expect(locals(run({machine: RAM, cpus: [gup(true), collapse]}, '0 0 0 0 0 1'), 1).ok).toBe(false);
		// gup-fast grabbed after the check but its G8 re-check saw the PTE gone: it backs off.
		expect(kinds(runThen({machine: RAM, cpus: [gup(true), collapse]}, '1 0 0 0 0 0 1', 0, 1))).toEqual([]);
	});
});

describe('the page-table life cycle', () => {
	const EMPTY = 'ram(0x200, 2); mm_cpumask(0, 1);';
	prim('pte_alloc', () => {
		const r = run({machine: EMPTY, cpus: ['pte_alloc(VA); pmd = pmdp_get_lockless(VA); pte_alloc(VA); again = pmdp_get_lockless(VA);']}, '0 0 0 0');
		expect(r.flat.get('CPU0.pmd')).toMatch(/^pmd\(table T\d+\)$/);
		expect(r.flat.get('CPU0.again')).toBe(r.flat.get('CPU0.pmd'));
		// pmd_install takes the PMD lock: it spins while another CPU holds it, then installs.
		const model = miniModel({machine: `${EMPTY} pte_table(VA2 + 0x200000);`, cpus: ['p = pmdp_get_lockless(VA2 + 0x200000); l = pmd_lock(p); x = 1; spin_unlock(l);', 'pte_alloc(VA);']});
		const held = run(model, '0 0 1');
		expect(model.blockedReason(held.final, 1)).toBe('spins on ptl of T2 in pte_alloc, held by CPU0');
		expect(held.final.cpus[1]!.preempt).toBe(1);
		expect(held.flat.get('pmd[0x7f000000]')).toBeUndefined();
		const done = run(model, '0 0 1 0 0 1');
		expect(done.final.cpus[1]!.preempt).toBe(0);
		expect(done.notes.at(-1)).toMatch(/^pmd_populate: va 0x7f000000 -> new PTE page T\d+$/);
	});
	prim('pte_alloc_one', () => {
		const r = run({machine: EMPTY, cpus: ['t = pte_alloc_one(); p = pmdp_get_lockless(VA);']}, '0 0');
		expect(r.flat.get('CPU0.t')).toMatch(/^T\d+$/);
		expect(r.flat.get('CPU0.p')).toBe('pmd(none)'); // hooked nowhere
	});
	prim('pmd_populate', () => {
		const r = run({machine: EMPTY, cpus: ['t = pte_alloc_one(); set_pte_at(VA, mk_pte(pfn_to_page(0x200), true), t); pmd_populate(VA, t); ok = access(VA);']}, '0 0 0 0');
		expect(locals(r).ok).toBe(true);
		expect(r.flat.get('CPU0.tlb[0x7f000000]')).toBe('pfn 0x200 W (alloc 0)');
	});
	prim('pmd_clear', () => {
		const r = run({machine: RAM, cpus: ['pmd_clear(VA); ok = access(VA);']}, '0 0');
		expect(locals(r).ok).toBe(false);
		expect([...r.flat.keys()].some(k => k.startsWith('table['))).toBe(false); // detached, not freed
	});
	prim('pmdp_huge_get_and_clear', () => {
		const r = run({machine: RAM, cpus: ['old = pmdp_huge_get_and_clear(VA); now = pmdp_get_lockless(VA);']}, '0 0');
		expect(r.flat.get('CPU0.old')).toMatch(/^pmd\(table T\d+\)$/);
		expect(r.flat.get('CPU0.now')).toBe('pmd(none)');
	});
	prim('pmdp_collapse_flush', () => {
		const model = miniModel({machine: RAM, cpus: ['access(VA); local_irq_save(); x = 1; local_irq_restore();', 'old = pmdp_collapse_flush(VA); y = 1;']});
		const r = run(model, '0 0 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in pmdp_collapse_flush: waiting for ack from CPU0 (IRQs off)');
		const done = run(model, '0 0 1 0 0 i0 1');
		expect(done.flat.get('CPU1.old')).toMatch(/^pmd\(table T\d+\)$/); // the result survives the wait
		expect(done.flat.has('CPU0.tlb[0x7f000000]')).toBe(false);
	});
	prim('set_pmd_at', () => {
		const machine = 'ram(0x200, 2); vma(0x40000000, 512, write); mm_cpumask(0);';
		const r = run({machine, cpus: ['h = alloc_page(); set_pmd_at(0x40000000, mk_huge_pmd(h, true)); pte = ptep_get(0x40001000);']}, '0 0 0');
		// the huge page's second subpage maps the second 4 KiB of the region (pmd_page(orig) + offset)
		expect(r.flat.get('CPU0.pte')).toBe('pte(pfn 0x201 WH)');
	});
	prim('mk_huge_pmd', () => {
		expect(run({machine: RAM, cpus: ['p = mk_huge_pmd(pfn_to_page(0x202), true);']}, '0').flat.get('CPU0.p')).toBe('pmd(huge pfn 0x202 W)');
	});
	prim('pmd_val', () => {
		const r = run({machine: RAM, cpus: ['a = pmd_val(pmdp_get_lockless(VA)); pmd_clear(VA); b = pmd_val(pmdp_get_lockless(VA));']}, '0 0 0');
		expect(locals(r).a).not.toBe(0);
		expect(locals(r).b).toBe(0);
	});
	prim('pmd_same', () => {
		const r = run({machine: RAM, cpus: ['a = pmdp_get_lockless(VA); b = pmdp_get_lockless(VA); s = pmd_same(a, b); pmd_clear(VA); t = pmd_same(a, pmdp_get_lockless(VA));']}, '0 0 0 0 0');
		expect(locals(r)).toMatchObject({s: true, t: false});
	});
	prim('pmd_none', () => {
		expect(locals(run({machine: RAM, cpus: ['a = pmd_none(pmdp_get_lockless(VA)); b = pmd_none(pmdp_get_lockless(0x40000000));']}, '0 0'))).toMatchObject({a: false, b: true});
	});
	prim('pmd_pgtable', () => {
		const r = run({machine: RAM, cpus: ['t = pmd_pgtable(pmdp_get_lockless(VA)); pmd_clear(VA); pte_free(t); p = pmd_pgtable(pmdp_get_lockless(VA));']}, '0 0 0 0');
		expect(r.flat.get('CPU0.t')).toMatch(/^T\d+$/);
		// the PMD no longer points at a table: x86 pmd_page(0) is physical page 0, the kernel's bug, not the scenario's
		expect(kinds(r)).toEqual(['unstable-pmd']);
		expect(r.violations[0]!.message).toContain('of a PMD that is none: the kernel would take physical page 0 for a page table');
		expect(r.flat.has('CPU0.p')).toBe(false);
	});
	prim('mk_pte', () => {
		expect(run({machine: RAM, cpus: ['p = mk_pte(pfn_to_page(0x202));']}, '0').flat.get('CPU0.p')).toBe('pte(pfn 0x202)');
	});
	prim('set_pte_at', () => {
		const r = run({machine: RAM, cpus: ['p = alloc_page(); set_pte_at(VA + 0x2000, mk_pte(p, true)); x = ptep_get(VA + 0x2000);']}, '0 0 0');
		expect(r.flat.get('CPU0.x')).toBe('pte(pfn 0x202 W)');
		// Into a PTE page that was freed: S6, whoever writes; mapping a free page: S2.
		const s6 = run({machine: RAM, cpus: ['t = pmd_pgtable(pmdp_get_lockless(VA)); pmd_clear(VA); pte_free(t); set_pte_at(VA, mk_pte(pfn_to_page(0x202)), t);']}, '0 0 0 0');
		expect(kinds(s6)).toEqual(['freed-table-read', 'freed-page-use']);
	});
	it('ptep_get_and_clear on a detached PTE page (khugepaged K9\'s ptep_clear)', () => {
		const r = run({machine: RAM, cpus: ['t = pmd_pgtable(pmdp_huge_get_and_clear(VA)); old = ptep_clear(VA, t); pte_free(t); again = ptep_clear(VA2, t);']}, '0 0 0 0');
		expect(r.flat.get('CPU0.old')).toBe('pte(pfn 0x200 W)');
		expect(kinds(r)).toEqual(['freed-table-read']);
	});
	prim('move_ptes', () => {
		const model = miniModel({machine: RAM, cpus: ['move_ptes(VA, 0x40000000, 2); a = ptep_get(0x40000000); b = ptep_get(0x40001000); c = ptep_get(VA);']});
		const one = run(model, '0');
		expect(one.final.cpus[0]!.pc).toBe(0); // one PTE per step
		const r = run(model, '0 0 0 0 0');
		expect(r.flat.get('CPU0.a')).toBe('pte(pfn 0x200 W)');
		expect(r.flat.get('CPU0.b')).toBe('pte(pfn 0x201 W)');
		expect(r.flat.get('CPU0.c')).toBe('pte(none @0x7f000000)');
		expect(r.final.zapped).toEqual([0x7f000000, 0x7f001000]);
		// One page table per call, as move_page_tables splits the range: a count past it is the scenario's oops, not a hang.
		const big = run({machine: RAM, cpus: ['move_ptes(VA, 0x40000000, 1000000000);']}, '0');
		expect(big.violations.map(v => v.message)).toEqual(['CPU0 oops at line 8: move_ptes: 1000000000 pages: it moves 1 to 512, the PTEs of one page table (move_page_tables splits the range by PMD)']);
		const cross = run({machine: RAM, cpus: ['move_ptes(VA, 0x401ff000, 2);']}, '0');
		expect(cross.violations[0]!.message).toMatch(/move_ptes: the new range 0x401ff000 \+ 2 pages crosses a 2 MiB boundary/);
	});
	prim('pgtable_trans_huge_deposit', () => {
		const r = run({machine: RAM, cpus: ['t = pte_alloc_one(); pgtable_trans_huge_deposit(VA, t);']}, '0 0');
		expect(r.flat.get('deposit[0x7f000000]')).toBe(r.flat.get('CPU0.t'));
	});
	prim('pgtable_trans_huge_withdraw', () => {
		const r = run({machine: RAM, cpus: ['t = pte_alloc_one(); pgtable_trans_huge_deposit(VA, t); w = pgtable_trans_huge_withdraw(VA); n = pgtable_trans_huge_withdraw(VA);']}, '0 0 0 0');
		expect(r.flat.get('CPU0.w')).toBe(r.flat.get('CPU0.t'));
		expect(locals(r).n).toBeNull();
		expect(r.flat.has('deposit[0x7f000000]')).toBe(false);
	});
	prim('zap_deposited_table', () => {
		// The deposited table is freed at once, while a lockless walker may still hold a PMD value pointing at it.
		const walker = 'local_irq_save(); pmd = pmdp_get_lockless(VA); x = 1; pte = ptep_get_lockless(pmd, VA); local_irq_restore();';
		const zapper = 't = pmd_pgtable(pmdp_huge_get_and_clear(VA)); pgtable_trans_huge_deposit(VA, t); zap_deposited_table(VA);';
		const r = run({machine: RAM, cpus: [walker, zapper]}, '0 0 1 1 1 0 0');
		expect(kinds(r)).toEqual(['freed-table-read']);
		expect(kinds(run({machine: RAM, cpus: ['zap_deposited_table(VA);']}, '0'))).toEqual(['oops']);
	});
	prim('remove_vma', () => {
		const r = run({machine: 'ram(0x200, 2); vma(0x40000000, 1, write); mm_cpumask(0);', cpus: ['a = handle_mm_fault(0x40000000); remove_vma(0x40000000); b = handle_mm_fault(0x40001000);']}, '0 0 0');
		expect(locals(r)).toMatchObject({a: 0, b: 0x40});
		expect(r.flat.get('pte[0x40000000]')).toBe('pfn 0x200 W (T3)');
	});
});

describe('a huge mapping\'s vma covers its 2 MiB', () => {
	// map(..., huge) used to record a vma of the first 4 KiB only: a fault elsewhere in the PMD after a zap was SIGSEGV.
	const HUGE = 'pgmap(pmem0, devdax, PFN, 4); map(VA, PFN, write, special, devmap, huge); mm_cpumask(0);';
	it('a fault at any page of it after the zap installs the huge PMD again, and a load there reaches its subpage', () => {
		const r = run({machine: HUGE, cpus: ['p = pmdp_huge_get_and_clear(VA); r = handle_mm_fault(VA + 0x3000); ok = access(VA + 0x3000);']}, '0 0 0');
		expect(locals(r)).toMatchObject({r: 0, ok: true});
		expect(r.flat.get('pte[0x7f000000]')).toBe('pfn 0x100 W S D huge (T2)');
		expect(r.flat.get('CPU0.tlb[0x7f003000]')).toBe('pfn 0x103 W');
		expect(r.notes.some(n => n.includes('DAX PMD installed at 0x7f000000 -> pfn 0x100'))).toBe(true);
	});
	it('ends at 2 MiB: the page after it has no vma', () => {
		const r = run({machine: HUGE, cpus: ['r = handle_mm_fault(VA + 0x200000);']}, '0');
		expect(locals(r)).toMatchObject({r: 0x40});
	});
});

describe('freeing page-table pages', () => {
	// A lockless walker (IRQs off) that read the PMD before the table was unhooked.
	const walker = 'local_irq_save(); pmd = pmdp_get_lockless(VA); x = 1; pte = ptep_get_lockless(pmd, VA); local_irq_restore();';
	const unhook = 't = pmd_pgtable(pmdp_huge_get_and_clear(VA));';
	prim('pgd_free', () => {
		// The last mmdrop: the PGD goes; a lazy CPU whose CR3 still points at it walks a freed page (S6).
		const machine = 'mm_cpumask(0, 1); lazy(1);';
		const r = run({machine, cpus: ['pgd_free(mm);', 'ok = speculative_walk(VA);']}, '0 1');
		expect(r.notes).toContain('page-table page T0 freed (pgd_free)');
		expect(r.violations.map(v => [v.kind, v.cpu, v.message])).toEqual([['freed-table-read', 1, 'speculative walk reads PGD page T0 for va 0x7f000000, which was freed']]);
		// Page tables still below the PGD: exit_mmap frees them first.
		const full = run({machine: RAM, cpus: ['pgd_free();']}, '0');
		expect(full.violations[0]!.message).toMatch(/pgd_free: the PGD T0 still points at page tables \(exit_mmap frees them first: free_pgtables\)$/);
	});
	prim('pte_free', () => {
		const r = run({machine: RAM, cpus: [walker, `${unhook} pte_free(t);`]}, '0 0 1 1 0 0');
		expect(kinds(r)).toEqual(['freed-table-read']);
		expect(r.violations[0]).toMatchObject({check: 'S6', cpu: 0});
	});
	prim('pte_free_defer', () => {
		const model = miniModel({machine: RAM, cpus: [walker, `${unhook} pte_free_defer(t);`]});
		expect(kinds(run(model, '0 0 1 1 0 0 0'))).toEqual([]); // the grace period waits for CPU0's IRQs-off section
		expect(run(model, '0 0 1 1').final.rcu).toHaveLength(1);
		expect(run(model, '0 0 1 1 0 0 0').flat.get(`table[${run(model, '0 0 1').flat.get('CPU1.t')}]`)).toBe('freed');
	});
	prim('tlb_remove_table_sync_one', () => {
		const rcu = miniModel({machine: `table_free(rcu); ${RAM}`, cpus: [walker, `${unhook} tlb_remove_table_sync_one(); pte_free(t);`]});
		const r = run(rcu, '0 0 1 1');
		expect(rcu.blockedReason(r.final, 1)).toBe('blocked in tlb_remove_table_sync_one: waiting for ack from CPU0 (IRQs off)');
		expect(kinds(run(rcu, '0 0 1 1 0 0 0 i0 1 1'))).toEqual([]);
		// Without MMU_GATHER_RCU_TABLE_FREE it is an empty stub: no wait, and the walker reads a freed table.
		const ipi = run({machine: RAM, cpus: [walker, `${unhook} tlb_remove_table_sync_one(); pte_free(t);`]}, '0 0 1 1 1 0 0');
		expect(kinds(ipi)).toEqual(['freed-table-read']);
	});
	it('the PTE lock of a freed table is part of it: spin_lock on what pte_lockptr returned is S6, as pte_offset_map_lock is', () => {
		// An rmap walker (page_vma_mapped_walk's map_pte): the lock of the table it read, locked with spin_lock.
		const rmap = (lock: string) => `pmd = pmdp_get_lockless(VA); ptl = pte_lockptr(pmd); ${lock}; spin_unlock(ptl);`;
		const r = run({machine: RAM, cpus: [rmap('spin_lock(ptl)'), `${unhook} pte_free(t);`]}, '0 0 1 1 0');
		expect(r.violations.map(v => [v.kind, v.cpu])).toEqual([['freed-table-read', 0]]);
		expect(r.violations[0]!.message).toMatch(/^spin_lock on the PTE lock of page-table page T\d+, which was freed/);
		const tried = run({machine: RAM, cpus: [rmap('ok = spin_trylock(ptl)'), `${unhook} pte_free(t);`]}, '0 0 1 1 0');
		expect(kinds(tried)).toEqual(['freed-table-read']);
		// Freed while the walker spins on it (the holder unlocked, then freed): the step that takes it.
		const spun = run({machine: RAM, cpus: [rmap('spin_lock(ptl)'), `pmd = pmdp_get_lockless(VA); l = pte_lockptr(pmd); spin_lock(l); ${unhook} spin_unlock(l); pte_free(t);`]}, '0 0 1 1 1 0 1 1 1 0');
		expect(spun.violations.map(v => [v.kind, v.cpu, v.line])).toEqual([['freed-table-read', 0, 8]]);
		// The table alive: nothing.
		expect(kinds(run({machine: RAM, cpus: [rmap('spin_lock(ptl)')]}, '0 0 0 0'))).toEqual([]);
	});
	it('free_pgtables frees behind a freed_tables flush, as tlb_finish_mmu does: a lazy CPU is reached and the walk caches go', () => {
		// CPU2 borrowed the mm lazily and holds a paging-structure cache entry to the PTE page; it walks speculatively after the free.
		const machine = (extra: string) => `${extra} table_free(rcu); ram(0x200, 1); pte_table(VA); mm_cpumask(0, 2); lazy(2); pwc(2, VA);`;
		const cpus = ['free_pgtables(VA);', 'x = 1;', 'w = speculative_walk(VA);'];
		// x86, FLUSH=ipi: native_flush_tlb_multi IPIs lazy CPUs when freed_tables; flush_tlb_func switches CPU2 to init_mm
		const ipi = run({machine: machine('flush(ipi);'), cpus}, '0 i2 0 2');
		expect(kinds(ipi)).toEqual([]);
		expect(Object.values(ipi.final.pt.tables).filter(t => t.freed)).toHaveLength(1);
		expect(ipi.final.cpus[2]!.locals.w).toBe(false);
		// arm64 broadcast TLBI with last_level = false: the walk cache entry is gone, the walk starts from the PGD
		const arm64 = run({machine: machine('flush(broadcast); arch(arm64);'), cpus}, '0 2');
		expect(kinds(arm64)).toEqual([]);
		expect(Object.values(arm64.final.pt.tables).filter(t => t.freed)).toHaveLength(1);
		expect(arm64.final.cpus[2]!.locals.w).toBe(false);
		expect(arm64.flat.has('CPU2.pwc[0x7f000000]')).toBe(false);
	});
	it('free_pgtables: TABLE_FREE=none frees at once', () => {
		const r = run({machine: `table_free(none); ${RAM}`, cpus: [walker, 'ptep_get_and_clear(VA); ptep_get_and_clear(VA2); free_pgtables(VA);']}, '0 0 1 1 1 0 0');
		expect(kinds(r)).toEqual(['freed-table-read']);
	});
});

describe('mmu_gather', () => {
	// A zap of VA in an mmu_gather (M1, M2) on CPU1; CPU0 holds a TLB entry for VA.
	const zap = `tlb_gather_mmu(); atomic { pte = ptep_get_and_clear(VA); tlb_remove_tlb_entry(VA); page_remove_rmap(pte_page(pte)); tlb_remove_page(pte_page(pte)); }`;
	const user = 'access(VA); x = 1;';
	prim('tlb_gather_mmu', () => {
		const r = run({machine: RAM, cpus: ['tlb_gather_mmu(); n = mm_tlb_flush_pending();']}, '0 0');
		expect(r.flat.get('CPU0.mmu_gather')).toBe('range empty');
		expect(r.final.tlbFlushPending).toBe(1);
		expect(kinds(run({machine: RAM, cpus: ['tlb_gather_mmu(); tlb_gather_mmu();']}, '0 0'))).toEqual(['oops']);
	});
	prim('tlb_remove_tlb_entry', () => {
		expect(run({machine: RAM, cpus: ['tlb_gather_mmu(); tlb_remove_tlb_entry(VA2); tlb_remove_tlb_entry(VA);']}, '0 0 0').flat.get('CPU0.mmu_gather')).toBe('range 0x7f000000-0x7f002000');
	});
	prim('tlb_remove_page', () => {
		const r = run({machine: RAM, cpus: [user, zap]}, '0 1 1');
		expect(r.final.memmap[0x200]).toMatchObject({refcount: 1, ram: {free: false, mapcount: 0}}); // the batch keeps the reference
		expect(r.flat.get('CPU1.mmu_gather')).toBe('range 0x7f000000, pages 0x200');
		expect(kinds(r)).toEqual([]);
	});
	prim('tlb_flush_mmu_tlbonly', () => {
		const model = miniModel({machine: RAM, cpus: [user, `${zap} tlb_flush_mmu_tlbonly();`]});
		const r = run(model, '0 1 1 1');
		expect(model.blockedReason(r.final, 1)).toBe('blocked in tlb_flush_mmu_tlbonly: waiting for ack from CPU0');
		const done = run(model, '0 1 1 1 i0 1');
		expect(done.flat.get('CPU1.mmu_gather')).toBe('range empty, pages 0x200'); // range reset, page still held
		expect(kinds(done)).toEqual([]);
		// Nothing unhooked: no flush at all.
		expect(run({machine: RAM, cpus: ['tlb_gather_mmu(); tlb_flush_mmu_tlbonly(); y = 1;']}, '0 0 0').notes).toContain('tlb_flush_mmu_tlbonly: nothing unhooked since the last flush: no TLB flush');
	});
	prim('tlb_flush_mmu', () => {
		const r = run({machine: RAM, cpus: [user, `${zap} tlb_flush_mmu();`]}, '0 1 1 1 i0 1');
		expect(kinds(r)).toEqual([]);
		expect(r.final.memmap[0x200]!.ram!.free).toBe(true); // freed after the flush
	});
	prim('tlb_flush_mmu_free', () => {
		// The free-before-flush mutation: the page goes back while CPU0's TLB still maps it.
		const r = run({machine: RAM, cpus: [user, `${zap} tlb_flush_mmu_free();`]}, '0 1 1 1');
		expect(kinds(r)).toEqual(['freed-page-use']);
	});
	prim('tlb_finish_mmu', () => {
		const r = run({machine: RAM, cpus: [user, `${zap} tlb_finish_mmu();`]}, '0 1 1 1 i0 1');
		expect(r.final.cpus[1]!.gather).toBeNull();
		expect(r.final.tlbFlushPending).toBe(0);
		expect(r.final.memmap[0x200]!.ram!.free).toBe(true);
		// Nested: another zapper is between gather and finish, so the whole mm is flushed (fullmm, freed_tables).
		const nested = run({machine: RAM, cpus: ['access(VA2); tlb_gather_mmu(); y = 1;', 'tlb_gather_mmu(); tlb_finish_mmu();']}, '0 0 1 1');
		expect(nested.notes).toContain('mm_tlb_flush_nested: another zapper is at work: flush the whole mm');
		expect(nested.notes.some(n => n.startsWith('flush IPI (the whole mm, freed_tables) sent to CPU0'))).toBe(true);
	});
	prim('__tlb_adjust_range', () => {
		expect(run({machine: RAM, cpus: ['tlb_gather_mmu(); __tlb_adjust_range(VA, 2);']}, '0 0').flat.get('CPU0.mmu_gather')).toBe('range 0x7f000000-0x7f002000');
	});
	prim('__tlb_reset_range', () => {
		expect(run({machine: RAM, cpus: ['tlb_gather_mmu(); free_pte_range(VA); __tlb_reset_range();']}, '0 0 0').flat.get('CPU0.mmu_gather')).toMatch(/^range empty, tables T\d+$/);
	});
	prim('tlb_remove_table', () => {
		const r = run({machine: RAM, cpus: ['tlb_gather_mmu(); t = pte_alloc_one(); tlb_remove_table(t);']}, '0 0 0');
		expect(r.flat.get('CPU0.mmu_gather')).toMatch(/^range empty, tables T\d+$/);
		const none = run({machine: `table_free(none); ${RAM}`, cpus: ['tlb_gather_mmu(); t = pte_alloc_one(); tlb_remove_table(t);']}, '0 0 0');
		expect(none.flat.get(`table[${none.flat.get('CPU0.t')}]`)).toBe('freed');
	});
	prim('pte_free_tlb', () => {
		expect(run({machine: RAM, cpus: ['tlb_gather_mmu(); t = pte_alloc_one(); pte_free_tlb(t);']}, '0 0 0').flat.get('CPU0.mmu_gather')).toMatch(/^range empty, freed_tables, tables T\d+$/);
	});
	prim('free_pte_range', () => {
		const machine = (mode: string) => `table_free(${mode}); ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1, 2); lazy(2);`;
		const walker = 'local_irq_save(); pmd = pmdp_get_lockless(VA); x = 1; pte = ptep_get_lockless(pmd, VA); local_irq_restore();';
		const unmap = `tlb_gather_mmu(); atomic { pte = ptep_get_and_clear(VA); tlb_remove_tlb_entry(VA); page_remove_rmap(pte_page(pte)); tlb_remove_page(pte_page(pte)); } free_pte_range(VA); tlb_finish_mmu();`;
		const cpus = [walker, unmap, 'y = 1;'];
		// ipi: the flush waits for CPU0 (IRQs off) and for the lazy CPU2; the table is freed after.
		const ipi = miniModel({machine: machine('ipi'), cpus});
		const waiting = run(ipi, '0 0 1 1 1 1');
		expect(ipi.blockedReason(waiting.final, 1)).toBe('blocked in tlb_finish_mmu: waiting for ack from CPU0 (IRQs off), CPU2');
		expect(kinds(run(ipi, '0 0 1 1 1 1 0 0 0 i0 i2 1'))).toEqual([]);
		// none: freed at the unhook, before any flush; the walker reads it.
		expect(kinds(run({machine: machine('none'), cpus}, '0 0 1 1 1 0 0'))).toEqual(['freed-table-read']);
		// rcu: after the flush, call_rcu waits for CPU0's IRQs-off section.
		const rcu = run({machine: machine('rcu'), cpus}, '0 0 1 1 1 1 0 0 0 i0 i2 1');
		expect(kinds(rcu)).toEqual([]);
	});
	prim('inc_tlb_flush_pending', () => {
		expect(run({machine: RAM, cpus: ['inc_tlb_flush_pending(); inc_tlb_flush_pending();']}, '0 0').flat.get('mm.tlb_flush_pending')).toBe('2');
	});
	prim('dec_tlb_flush_pending', () => {
		const r = run({machine: RAM, cpus: ['tlb_gather_mmu(); dec_tlb_flush_pending();']}, '0 0');
		expect(r.final.tlbFlushPending).toBe(0);
		expect(r.final.cpus[0]!.gather).toBeNull();
		expect(kinds(run({machine: RAM, cpus: ['dec_tlb_flush_pending();']}, '0'))).toEqual(['oops']);
	});
	prim('mm_tlb_flush_pending', () => {
		expect(locals(run({machine: RAM, cpus: ['a = mm_tlb_flush_pending(); inc_tlb_flush_pending(); b = mm_tlb_flush_pending();']}, '0 0 0'))).toMatchObject({a: false, b: true});
	});
	prim('mm_tlb_flush_nested', () => {
		expect(locals(run({machine: RAM, cpus: ['inc_tlb_flush_pending(); a = mm_tlb_flush_nested(); inc_tlb_flush_pending(); b = mm_tlb_flush_nested();']}, '0 0 0 0'))).toMatchObject({a: false, b: true});
	});
});

describe('TLB ranges, lazy CPUs and paging-structure caches', () => {
	it('flush_tlb_range: S5 only for the range the returning flush covered; S10 at the syscall\'s return', () => {
		const machine = `flush(broadcast); ${RAM}`;
		const wrong = run({machine, cpus: ['access(VA);', 'ptep_get_and_clear(VA); flush_tlb_range(VA2, 1); syscall_exit(VA, 2);']}, '0 1 1 1');
		expect(kinds(wrong)).toEqual(['stale-tlb-return']);
		expect(wrong.violations[0]!.message).toBe('the zap syscall returns while CPU0\'s TLB maps va 0x7f000000 to pfn 0x200 writable over no PTE');
		const right = run({machine, cpus: ['access(VA);', 'ptep_get_and_clear(VA); flush_tlb_range(VA, 2); syscall_exit(VA, 2);']}, '0 1 1 1');
		expect(kinds(right)).toEqual([]);
	});
	it('S5: a flush that covers a zapped va a CPU still caches (a lazy-TLB bug: the CPU was not lazy)', () => {
		// CPU0 fills its TLB, then is marked lazy by no one: flush_tlb_range skips no one; the skipped-lazy case is below.
		const r = run({machine: `${RAM.replace('mm_cpumask(0, 1);', 'mm_cpumask(0, 1, 2); lazy(2);')} tlb(2, VA);`, cpus: ['x = 1;', 'ptep_get_and_clear(VA); flush_tlb_range(VA, 1);', 'y = 1;']}, '1 1');
		expect(kinds(r)).toEqual([]); // lazy CPU2 skipped and not checked
		expect(r.notes).toContain('lazy CPU2 skipped (no tables freed)');
		expect(r.flat.get('CPU2.tlb[0x7f000000]')).toMatch(/^pfn 0x200/);
	});
	prim('flush_tlb_range', () => {
		const model = miniModel({machine: `${RAM.replace('mm_cpumask(0, 1);', 'mm_cpumask(0, 1, 2); lazy(2);')} pwc(2, VA);`, cpus: ['x = 1;', 'flush_tlb_range(VA, 1, true);', 'y = 1;']});
		const r = run(model, '1 i0 i2 1');
		// freed_tables: the lazy CPU is reached too and switches to init_mm.
		expect(r.flat.has('CPU2.pwc[0x7f000000]')).toBe(false);
		expect(r.final.mmCpumask).toEqual([0, 1]);
		expect(r.notes.some(n => n.startsWith('flush_tlb_func: lazy CPU2 switches to init_mm'))).toBe(true);
	});
	prim('speculative_walk', () => {
		const machine = 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1); lazy(1); pwc(1, VA);';
		const free = 't = pmd_pgtable(pmdp_huge_get_and_clear(VA)); pte_free(t);';
		const r = run({machine, cpus: [free, 'ok = speculative_walk(VA);']}, '0 0 1');
		expect(kinds(r)).toEqual(['pwc-freed-table']);
		expect(r.violations[0]!.check).toBe('S6h');
		// From the PGD there is no PTE page any more: a walk without the cache entry is fine.
		expect(kinds(run({machine: 'ram(0x200, 2); map(VA, 0x200, write); mm_cpumask(0, 1); lazy(1);', cpus: [free, 'ok = speculative_walk(VA);']}, '0 0 1'))).toEqual([]);
	});
	it('walk caches are on where a page-table page can be freed (or walk_cache(on)), off elsewhere', () => {
		expect(run({machine: RAM, cpus: ['access(VA);']}, '0').flat.has('CPU0.pwc[0x7f000000]')).toBe(false);
		expect(run({machine: `walk_cache(on); ${RAM}`, cpus: ['access(VA);']}, '0').flat.get('CPU0.pwc[0x7f000000]')).toMatch(/^T\d+$/);
		expect(run({machine: RAM, cpus: ['access(VA);', 'pte_free(pte_alloc_one());']}, '0').flat.get('CPU0.pwc[0x7f000000]')).toMatch(/^T\d+$/);
		expect(run({machine: `walk_cache(off); ${RAM}`, cpus: ['access(VA);', 'pte_free(pte_alloc_one());']}, '0').flat.has('CPU0.pwc[0x7f000000]')).toBe(false);
	});
	it('x86 drops the paging-structure cache on any flush of the va; arm64 keeps it through a leaf-only flush and drops it with flush_tlb_range', () => {
		const cpus = (flush: string) => ['access(VA); flag = 1; access(VA2);', `t = pmd_pgtable(pmdp_huge_get_and_clear(VA)); ${flush}; pte_free(t);`];
		const x86 = run({machine: `flush(broadcast); ${RAM}`, cpus: cpus('flush_tlb_page(VA)')}, '0 1 1 1 0 0');
		expect(kinds(x86)).toEqual([]);
		// flush_tlb_page is TLBI VALE1IS: the leaf only, the walk cache stays behind it
		const leaf = run({machine: `flush(broadcast); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_page(VA)')}, '0 1 1 1 0 0');
		expect(kinds(leaf)).toEqual(['pwc-freed-table']);
		// and so is flush_tlb_mm_range without freed_tables (the mmu_gather's last_level = !freed_tables)
		expect(kinds(run({machine: `flush(broadcast); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_mm_range(VA)')}, '0 1 1 1 0 0'))).toEqual(['pwc-freed-table']);
		expect(kinds(run({machine: `flush(broadcast); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_mm_range(VA, true)')}, '0 1 1 1 0 0'))).toEqual([]);
		// arm64 flush_tlb_range passes last_level = false: "We cannot use leaf-only invalidation here"
		expect(kinds(run({machine: `flush(broadcast); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_range(VA, 512)')}, '0 1 1 1 0 0'))).toEqual([]);
		// the same through a flush IPI: the target drops its walk cache too
		expect(kinds(run({machine: `flush(ipi); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_range(VA, 512)')}, '0 1 1 i0 1 1 0 0'))).toEqual([]);
		expect(kinds(run({machine: `flush(ipi); arch(arm64); ${RAM}`, cpus: cpus('flush_tlb_page(VA)')}, '0 1 1 i0 1 1 0 0'))).toEqual(['pwc-freed-table']);
	});
	it('arch(arm64) flushes by broadcast TLBI unless flush() says otherwise: the flush does not wait for a CPU with IRQs off', () => {
		const cpus = ['local_irq_save(); x = 1; local_irq_restore();', 'ptep_get_and_clear(VA); flush_tlb_page(VA); done = 1;'];
		const arm64 = run({machine: `arch(arm64); ${RAM}`, cpus}, '0 1 1 1');
		expect(arm64.final.settings.flush).toBe('broadcast');
		expect(arm64.final.cpus[1]!.locals.done).toBe(1);
		// x86 waits for the IPI's ack; so does an explicit flush(ipi) with arm64 (a what-if, not an arm64 kernel)
		expect(run({machine: RAM, cpus}, '0 1 1').final.cpus[1]!.wait).toMatchObject({kind: 'acks', pending: [0]});
		expect(run({machine: `flush(ipi); arch(arm64); ${RAM}`, cpus}, '0 1 1').final.settings.flush).toBe('ipi');
	});
	it('x86: the page fault of a walk through a stale paging-structure cache entry drops it (Intel SDM 4.10.4.1); arm64 keeps it', () => {
		// CPU0 caches VA's PTE page; CPU1 unhooks it with no flush and hooks a new one that maps VA + 8 KiB.
		const cpus = ['access(VA); a = access(VA + 0x2000); b = access(VA + 0x2000);', 'pmdp_huge_get_and_clear(VA); pte_alloc(VA); set_pte_at(VA + 0x2000, mk_pte(pfn_to_page(0x203), true));'];
		const x86 = run({machine: `walk_cache(on); ${RAM}`, cpus}, '0 1 1 1 0 0');
		expect([locals(x86).a, locals(x86).b]).toEqual([false, true]);
		expect(x86.notes).toContain("the page fault drops CPU0's paging-structure cache entry for va 0x7f002000 (x86)");
		// the walk now went from the PGD: the cache holds the new page, not the unhooked one
		expect(x86.flat.get('CPU0.pwc[0x7f000000]')).not.toBe(run({machine: `walk_cache(on); ${RAM}`, cpus}, '0').flat.get('CPU0.pwc[0x7f000000]'));
		const arm64 = run({machine: `walk_cache(on); arch(arm64); ${RAM}`, cpus}, '0 1 1 1 0 0');
		expect([locals(arm64).a, locals(arm64).b]).toEqual([false, false]);
		// a fresh walk that faults leaves no entry behind on x86
		const fresh = run({machine: `walk_cache(on); ram(0x200, 1); vma(VA, 1, write); pte_table(VA); mm_cpumask(0);`, cpus: ['a = access(VA);']}, '0');
		expect(locals(fresh).a).toBe(false);
		expect(fresh.flat.has('CPU0.pwc[0x7f000000]')).toBe(false);
	});
	prim('enter_lazy_tlb', () => {
		const r = run({machine: RAM, cpus: ['access(VA); enter_lazy_tlb();', 'ptep_get_and_clear(VA); flush_tlb_range(VA, 1);']}, '0 0 1 1');
		expect(r.notes).toContain('lazy CPU0 skipped (no tables freed)');
		expect(r.flat.get('CPU0.tlb[0x7f000000]')).toMatch(/^pfn 0x200/); // skipped: the entry stays
		expect(kinds(r)).toEqual([]); // lazy CPUs are not checked by S5
	});
	prim('switch_mm_irqs_off', () => {
		// The fea4e317f9e7 shape: the flush skipped lazy CPU2; CPU2 goes back to the mm without catching up
		// while the flush still waits for CPU0; when the flush returns CPU2 is running the mm with the zapped va: S5.
		const machine = 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1, 2); lazy(2); tlb(2, VA);';
		const cpus = (catchUp: boolean) => ['x = 1;', 'ptep_get_and_clear(VA); flush_tlb_range(VA, 1);', `switch_mm_irqs_off(${catchUp});`];
		const bug = run({machine, cpus: cpus(false)}, '1 1 2 i0 1');
		expect(kinds(bug)).toEqual(['tlb-incoherent']);
		expect(bug.violations[0]).toMatchObject({check: 'S5', cpu: 1});
		const ok = run({machine, cpus: cpus(true)}, '1 1 2 i0 1');
		expect(kinds(ok)).toEqual([]);
		expect(ok.flat.has('CPU2.tlb[0x7f000000]')).toBe(false);
		expect(kinds(run({machine: RAM, cpus: ['switch_mm_irqs_off();']}, '0'))).toEqual(['oops']);
	});
	it('S5 at a flush\'s return leaves out a va another CPU zapped while it waited: that zap is its zapper\'s to flush', () => {
		// mprotect write-protects and flushes; CPU2 acks and refills (read-only); reclaim (CPU1, not running the mm) then
		// clears the PTE with its flush batched (TTU_BATCH_FLUSH). mprotect's flush began before that zap.
		const machine = 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 2); tlb(2, VA);';
		const cpus = ['ptep_set_wrprotect(VA); flush_tlb_range(VA, 1);', 'ptep_get_and_clear(VA);', 'access(VA);'];
		const waiting = run({machine, cpus}, '0 0 i2 2 1');
		expect(waiting.final.cpus[0]!.wait).toMatchObject({kind: 'acks', late: [0x7f000000]});
		const r = run({machine, cpus}, '0 0 i2 2 1 0');
		expect(r.flat.get('CPU2.tlb[0x7f000000]')).toMatch(/^pfn 0x200/);
		expect(kinds(r)).toEqual([]);
		// The same zap before the flush began is the flush's business (CPU2 acks it, so nothing is left).
		expect(kinds(run({machine, cpus: ['x = 1; flush_tlb_range(VA, 1);', cpus[1]!, 'x = 1;']}, '1 0 0 i2 0'))).toEqual([]);
		expect(run({machine, cpus: ['x = 1; flush_tlb_range(VA, 1);', cpus[1]!, 'x = 1;']}, '1 0 0').final.cpus[0]!.wait).not.toHaveProperty('late');
	});
	it('a RAM page freed while only a lazy CPU caches it is no S2 (x86 skips lazy CPUs on purpose); going back to the mm without catching up is', () => {
		// MADV_DONTNEED of a page a lazy kthread CPU still caches: the flush frees no tables, so it skips CPU1.
		const machine = 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1); lazy(1); tlb(1, VA);';
		const zap = `pte = ptep_get_and_clear(VA); flush_tlb_range(VA, 1); put_page(${P});`;
		const freed = run({machine, cpus: [zap, 'switch_mm_irqs_off(true); ok = access(VA);']}, '0 0 0 1 1');
		expect(freed.notes).toContain('lazy CPU1 skipped (no tables freed)');
		expect(freed.notes.some(n => n.startsWith('page 0x200 refcount -> 0: freed'))).toBe(true);
		expect(kinds(freed)).toEqual([]);
		expect(locals(freed, 1).ok).toBe(false); // caught up: the walk finds no PTE
		const stale = run({machine, cpus: [zap, 'switch_mm_irqs_off(false); ok = access(VA);']}, '0 0 0 1 1');
		expect(stale.violations.map(v => [v.kind, v.cpu, v.line])).toEqual([['freed-page-use', 1, 11], ['freed-page-use', 1, 11]]);
		expect(stale.violations[0]!.message).toBe('switch_mm_irqs_off: CPU1 runs the mm again while its TLB maps va 0x7f000000 to page 0x200, which was freed while it was lazy');
		// A CPU that is not lazy is still caught at the free.
		const busy = run({machine: machine.replace(' lazy(1);', ''), cpus: [zap, 'x = 1;']}, '0 0 i1 0 0');
		expect(kinds(busy)).toEqual([]);
		const early = run({machine: 'flush(broadcast); ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1); tlb(1, VA);', cpus: [`pte = ptep_get_and_clear(VA); put_page(${P});`, 'x = 1;']}, '0 0');
		expect(kinds(early)).toEqual(['freed-page-use']);
	});
	it('a flush IPI is taken before a device interrupt pending since before it: the APIC serves the higher vector first', () => {
		// CPU0 turns IRQs on with both pending; CALL_FUNCTION_VECTOR (0xfc) is above every device vector.
		const header = 'int y = 0;\nirq dev on cpu 0 "device" {\n\ty = 1;\n}';
		const cpus = ['local_irq_disable(); r = access(VA); local_irq_enable();', 'raise_irq(dev); flush_tlb_mm_range(VA); z = y;'];
		const r = run({header, machine: RAM, cpus}, '0 1 1 0 0 i0 1 1');
		expect(r.notes).toContain('flush_tlb_func: CPU0 flushes 0x7f000000 and acks CPU1');
		expect(locals(r, 1).z).toBe(0); // the flush returned before the device's handler ran
		expect(r.final.cpus[0]!.ipis).toEqual([{from: 1, kind: 'device', irq: 'dev'}]);
		// A device interrupt raised after the IPI waits behind it as well; two IPIs keep their order.
		const two = run({header, machine: `${RAM.replace('mm_cpumask(0, 1)', 'mm_cpumask(0, 1, 2)')}`, cpus: ['local_irq_disable(); local_irq_enable();', 'flush_tlb_mm_range(VA);', 'raise_irq(dev); flush_tlb_mm_range(VA2);']}, '0 2 1 2');
		expect(two.final.cpus[0]!.ipis.map(i => `${i.kind}:${i.from}`)).toEqual(['flush:1', 'flush:2', 'device:2']);
	});
	prim('syscall_exit', () => {
		const r = run({machine: `flush(broadcast); ${RAM}`, cpus: ['access(VA);', 'set_pte_at(VA, mk_pte(pfn_to_page(0x200))); syscall_exit(VA, 1);']}, '0 1 1');
		expect(kinds(r)).toEqual(['stale-tlb-return']);
		expect(r.violations[0]!.message).toMatch(/writable over a read-only PTE/);
	});
});

describe('compound pages (a THP folio)', () => {
	/** A PTE-mapped THP of two pages at VA and VA2: its PTEs' references are the head's. */
	const THP = 'ram(0x200, 4); map_range(VA, 0x200, 2, write); compound(0x200, 2); mm_cpumask(0, 1);';
	const H = 'pfn_to_page(0x200)';
	const T = 'pfn_to_page(0x201)';

	it('compound() moves the tails\' references to the head; a tail is no page of the allocator', () => {
		const r = run({machine: THP, cpus: ['a = alloc_page(0x201);']}, '0');
		expect(r.final.memmap[0x200]!.refcount).toBe(2);
		expect(r.final.memmap[0x201]!.refcount).toBe(0);
		expect(r.final.memmap[0x201]!.ram).toMatchObject({free: false, head: 0x200, mapcount: 1});
		expect(r.final.cpus[0]!.locals.a).toBe(null);
		expect(r.flat.get('page[0x201].compound_head')).toBe('0x200');
	});
	it('map(va, pfn, huge) over RAM makes the free RAM pages declared after pfn its tails', () => {
		const r = run({machine: 'ram(0x200, 3); map(0x40000000, 0x200, write, huge); mm_cpumask(0);', cpus: ['local_irq_save(); p = pmdp_get_lockless(0x40001000); ok = try_grab_page(pmd_page(p)); local_irq_restore(); x = access(0x40002000);']}, '0 0 0 0 0');
		expect(r.final.memmap[0x201]!.ram!.head).toBe(0x200);
		expect(r.final.memmap[0x202]!.ram!.head).toBe(0x200);
		expect(r.final.cpus[0]!.locals.ok).toBe(true); // gup-fast on a tail va grabs the folio
		expect(r.final.memmap[0x200]!.refcount).toBe(2);
		expect(kinds(r)).toEqual([]); // a load of a tail is no use of a free page
	});
	it('get_page, put_page, try_grab_page, unpin_user_page, folio_try_get, try_get_page, page_count and page_maybe_dma_pinned of a tail act on the folio', () => {
		const r = run({machine: THP, cpus: [`get_page(${T}); a = page_count(${T}); local_irq_save(); pte = ptep_get_lockless(pmdp_get_lockless(VA2), VA2); ok = try_grab_page(pte_page(pte), FOLL_PIN); local_irq_restore(); p = page_maybe_dma_pinned(${T}); unpin_user_page(${T}); g = folio_try_get(${T}); w = try_get_page(${T}); put_page(${T}); b = page_count(${H});`]}, '0 0 0 0 0 0 0 0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: 3, ok: true, p: true, g: true, w: true, b: 4});
		expect(r.final.memmap[0x201]!.refcount).toBe(0);
		expect(kinds(r)).toEqual([]);
	});
	it('FOLL_PIN on a compound page adds one reference and counts the pin exactly (folio_has_pincount), on a small page GUP_PIN_COUNTING_BIAS', () => {
		// mm/gup.c:try_grab_folio_fast: folio_test_large -> atomic_add(refs, &folio->_pincount), else refs * (GUP_PIN_COUNTING_BIAS - 1) more
		const pin = `local_irq_save(); pte = ptep_get_lockless(pmdp_get_lockless(VA2), VA2); ok = try_grab_page(pte_page(pte), FOLL_PIN); local_irq_restore(); a = page_count(${H}); p = page_maybe_dma_pinned(${T});`;
		const large = run({machine: THP, cpus: [`${pin} unpin_user_page(${T}); b = page_count(${H}); q = page_maybe_dma_pinned(${H});`]}, '0 0 0 0 0 0 0 0 0');
		expect(large.final.cpus[0]!.locals).toMatchObject({ok: true, a: 3, p: true, b: 2, q: false});
		expect(large.final.memmap[0x200]!.pins).toBe(0);
		expect(kinds(large)).toEqual([]);
		// a small page: the bias
		const small = run({machine: 'ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0);', cpus: [`local_irq_save(); pte = ptep_get_lockless(pmdp_get_lockless(VA), VA); ok = try_grab_page(pte_page(pte), FOLL_PIN); local_irq_restore(); a = page_count(${H}); p = page_maybe_dma_pinned(${H}); unpin_user_page(${H}); b = page_count(${H});`]}, '0 0 0 0 0 0 0 0');
		expect(kinds(small)).toEqual([]);
		expect(small.final.cpus[0]!.locals).toMatchObject({ok: true, a: 1 + 1024, p: true, b: 1});
	});
	it('the folio\'s last put frees the head and every tail, and a PTE still mapping a tail is S2', () => {
		const r = run({machine: THP, cpus: [`ptep_get_and_clear(VA); put_page(${H}); put_page(${T});`]}, '0 0 0');
		expect(r.final.memmap[0x200]!.ram!.free).toBe(true);
		expect(r.final.memmap[0x201]!.ram!.free).toBe(true);
		expect(r.final.memmap[0x201]!.ram!.head).toBeUndefined();
		expect(r.violations.map(v => v.message)).toEqual(['put_page frees page 0x201 while the PTE for va 0x7f001000 still maps it']);
	});
	it('compound() is refused for a free head, an undeclared tail, or a page already a tail', () => {
		expect(() => miniModel({machine: 'ram(0x200, 2); compound(0x200, 2); mm_cpumask(0);', cpus: ['x = 1;']})).toThrow(/pfn 0x200 is free: map it first/);
		expect(() => miniModel({machine: 'ram(0x200, 1); map(VA, 0x200); compound(0x200, 2); mm_cpumask(0);', cpus: ['x = 1;']})).toThrow(/pfn 0x201 is not a RAM page declared with ram\(\)/);
		expect(() => miniModel({machine: THP.replace('mm_cpumask', 'compound(0x200, 2); mm_cpumask'), cpus: ['x = 1;']})).toThrow(/already a tail page of 0x200/);
	});
	prim('page_folio', () => {
		const r = run({machine: THP, cpus: [`f = page_folio(${T}); h = page_folio(${H}); c = compound_head(${T});`]}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({f: {t: 'page', pfn: 0x200}, h: {t: 'page', pfn: 0x200}, c: {t: 'page', pfn: 0x200}});
	});
	prim('folio_ref_try_add_rcu', () => {
		const r = run({machine: THP, cpus: [`a = folio_ref_try_add_rcu(${H}, 2); b = folio_ref_try_add_rcu(${T}, 1); folio_ref_freeze(${H}, 4); c = page_cache_add_speculative(${H}, 1);`]}, '0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: false, c: false});
		expect(r.notes).toContain('page 0x201 refcount is 0 (a tail page): folio_ref_try_add_rcu fails');
		expect(r.notes).toContain('page 0x200 refcount is 0 (frozen): folio_ref_try_add_rcu fails');
	});
	prim('page_cache_get_speculative', () => {
		const r = run({machine: THP, cpus: [`a = page_cache_get_speculative(${H}); b = page_cache_get_speculative(${T}); c = page_cache_get_speculative(pfn_to_page(0x203));`]}, '0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({a: true, b: false, c: false});
		expect(r.final.memmap[0x200]!.refcount).toBe(3);
	});
	prim('clear_compound_head', () => {
		// c24d37322548: the head page_folio returned before the split is no longer the tail's folio
		const r = run({machine: THP, cpus: [`f = page_folio(${T}); clear_compound_head(${T}); page_ref_unfreeze(${T}, 1); g = page_folio(${T}); get_page(${T}); put_page(f);`]}, '0 0 0 0 0 0');
		expect(r.final.cpus[0]!.locals).toMatchObject({f: {t: 'page', pfn: 0x200}, g: {t: 'page', pfn: 0x201}});
		expect(r.final.memmap[0x201]!.refcount).toBe(2);
		expect(r.final.memmap[0x200]!.refcount).toBe(1);
		expect(kinds(run({machine: THP, cpus: [`clear_compound_head(${H});`]}, '0'))).toEqual(['oops']);
	});
});

it('every primitive of the general machine has a test here', () => {
	const names = [...ramPrimitives, ...pgtableLifePrimitives, ...tableFreePrimitives, ...mmuGatherPrimitives, ...lazyTlbPrimitives].map(p => p.name).concat(TLB_HERE);
	expect(names.filter(p => !tested.has(p))).toEqual([]);
});
