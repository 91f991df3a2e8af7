// Ordinary RAM pages and the page allocator (KERNEL.md §6.A4): a page freed at
// refcount zero goes back to the buddy allocator "and may be used by another
// allocation immediately" (include/linux/mm.h: folio_put). Each allocation
// of a pfn is a new page (its generation), so a TLB entry, PTE or GUP
// reference from before is caught pointing at a page that is gone: the S2 of
// ordinary memory (`freed-page-use`). Speculative references (folio_try_get)
// may land on a reused page; only a re-check of the PTE saves the walker.

import {type Ctx, note, peek, rd, violate, wr} from '../context.js';
import {allLeaves} from '../pagetable.js';
import type {PageStruct, RamPage, Value} from '../types.js';
import {hex} from '../values.js';
import {folioPfn, putPage, touchPage} from './page.js';
import {argInt, argOf, Oops, pageName, type Primitive} from './spec.js';

const pfnOf = (v: Value, prim: string): number => argOf(v, 'page', prim).pfn;

/** The struct page of a RAM pfn (S1 rules apply as for any struct page); an oops for a device page. */
function ramPage(ctx: Ctx, pfn: number, who: string, write: boolean): (PageStruct & {ram: RamPage}) | undefined {
	const page = touchPage(ctx, pfn, who, write);
	if (!page) return undefined;
	if (!page.ram) throw new Oops(`${who}: pfn ${hex(pfn)} is not an ordinary RAM page (declare it with ram() in machine { })`);
	return page as PageStruct & {ram: RamPage};
}

/**
 * refcount reached zero: the page returns to the allocator. Anything still
 * pointing at it — a present PTE, a TLB entry filled from this allocation —
 * now points at a free page (S2 of ordinary memory). Not the TLB of a lazy
 * CPU: it runs no user code, and x86 skips it on purpose in every flush that
 * frees no tables ("They will flush the CPU themselves at the next context
 * switch", native_flush_tlb_multi); it is checked when it goes back to the mm
 * (staleRamEntries) or loads through the entry.
 */
export function releaseRamPage(ctx: Ctx, pfn: number, who: string): void {
	freeOne(ctx, pfn, who);
	// free_compound_page: the tails go back with the head, each a page of its own again
	for (const key of Object.keys(ctx.m.memmap)) {
		const tail = Number(key);
		if (peek(ctx.m.memmap[tail]!, 'ram')?.head !== pfn) continue;
		wr(ctx, `page:${tail}`);
		delete ctx.m.memmap[tail]!.ram!.head;
		freeOne(ctx, tail, who);
	}
}

function freeOne(ctx: Ctx, pfn: number, who: string): void {
	const page = ctx.m.memmap[pfn]!;
	const ram = page.ram!;
	wr(ctx, 'buddy');
	ram.free = true;
	ram.owner = null;
	// free_pages_prepare: a page goes back with no flags (a dirty one is a bug the model does not check)
	delete ram.pgDirty;
	delete ram.writtenBack;
	// ...and its contents are nobody's (a freed page's states merge; a store into it is S2 anyway)
	delete ram.anonExclusive;
	rd(ctx, `data:${pfn}`);
	if (ram.data !== undefined) {
		wr(ctx, `data:${pfn}`);
		delete ram.data;
	}
	note(ctx, `${pageName(pfn)} refcount -> 0: freed to the page allocator (${who})`);
	rd(ctx, 'pt');
	for (const leaf of allLeaves(ctx.m.pt)) {
		if (leaf.entry.pfn === pfn) violate(ctx, 'freed-page-use', 'S2', `${who} frees ${pageName(pfn)} while the PTE for va ${hex(leaf.va)} still maps it`, [pageName(pfn), `pte ${hex(leaf.va)}`]);
	}
	for (const c of ctx.m.cpus) {
		rd(ctx, `lazy:${c.id}`);
		if (c.lazy) continue;
		rd(ctx, `tlb:${c.id}`);
		for (const [va, e] of Object.entries(c.tlb)) {
			if (e.pfn === pfn && e.gen === ram.gen) violate(ctx, 'freed-page-use', 'S2', `${who} frees ${pageName(pfn)} while CPU${c.id}'s TLB still maps va ${hex(Number(va))} to it`, [pageName(pfn), `tlb CPU${c.id}`]);
		}
	}
}

/**
 * A lazy CPU goes back to the mm keeping its TLB (switch_mm_irqs_off without
 * catching up): an entry to a RAM page freed, or freed and reused, since it
 * was filled now maps that page for user code: the S2 its free was spared.
 */
export function staleRamEntries(ctx: Ctx, cpu: number, who: string): void {
	rd(ctx, `tlb:${cpu}`);
	for (const [va, e] of Object.entries(ctx.m.cpus[cpu]!.tlb)) {
		const ram = ctx.m.memmap[e.pfn]?.ram;
		if (!ram) continue;
		rd(ctx, `page:${e.pfn}`);
		if (ram.free || ram.gen !== e.gen) violate(ctx, 'freed-page-use', 'S2', `${who}: CPU${cpu} runs the mm again while its TLB maps va ${hex(Number(va))} to ${pageName(e.pfn)}, which was ${ram.free ? 'freed' : 'freed and reused'} while it was lazy`, [pageName(e.pfn), `tlb CPU${cpu}`]);
	}
}

/** A load or store reaching a RAM page through an entry filled from allocation `gen`. */
/**
 * The number of a new allocation of pfn: the smallest from 1 on, other than
 * the last one's, that no TLB entry and no gup window remembers. Allocations
 * are only ever compared for equality (a reuse is another page to whoever
 * remembers the old one), and one nobody remembers cannot be told apart, so
 * numbers are reused: a loop that allocates and frees on each pass comes back
 * to a state it has been in, and its search ends. The footprint names the
 * CPUs whose TLB or window holds pfn now: another CPU can change the answer
 * only by filling or opening on pfn, and those read page:pfn, which an
 * allocation writes.
 */
export function freshGen(ctx: Ctx, pfn: number, last: number): number {
	const used = [last];
	const prefix = `${pfn}:`;
	for (const c of ctx.m.cpus) {
		const tlb = peek(c, 'tlb');
		for (const va in tlb) {
			const e = tlb[va]!;
			if (e.pfn !== pfn || e.gen === undefined) continue;
			rd(ctx, `tlb:${c.id}`);
			used.push(e.gen);
		}
		const gup = peek(c, 'gup');
		if (gup === null) continue;
		for (const k of gup.mapped) {
			if (!k.startsWith(prefix)) continue;
			rd(ctx, `gup:${c.id}`);
			used.push(Number(k.slice(prefix.length)));
		}
	}
	let gen = 1;
	while (used.includes(gen)) gen++;
	return gen;
}

export function checkRamAccess(ctx: Ctx, pfn: number, gen: number | undefined, how: string): void {
	const ram = ctx.m.memmap[pfn]?.ram;
	if (!ram) return;
	rd(ctx, `page:${pfn}`);
	if (ram.free) violate(ctx, 'freed-page-use', 'S2', `CPU${ctx.cpu} ${how} ${pageName(pfn)}, which was freed to the page allocator`, [pageName(pfn)]);
	else if (gen !== undefined && gen !== ram.gen) violate(ctx, 'freed-page-use', 'S2', `CPU${ctx.cpu} ${how} ${pageName(pfn)}, which was freed and reused by another allocation since the entry was filled`, [pageName(pfn)]);
}

/** Add refs to the page's own refcount unless it is zero (free, frozen, or a tail page's, which is 0). */
function tryAdd(ctx: Ctx, pfn: number, refs: number, who: string): boolean {
	const page = ramPage(ctx, pfn, who, true);
	if (!page) return false;
	if (page.refcount <= 0) {
		note(ctx, `${pageName(pfn)} refcount is 0 (${page.ram.free ? 'free' : page.ram.head !== undefined ? 'a tail page' : 'frozen'}): ${who} fails`);
		return false;
	}
	page.refcount += refs;
	return true;
}

/** folio_try_get: add a reference to the folio unless its count is zero (free, or frozen). */
const tryGet = (ctx: Ctx, pfn: number, who: string): boolean => tryAdd(ctx, folioPfn(ctx, pfn), 1, who);

const speculative = (name: string, kernel: string): Primitive => ({
	name,
	kernel,
	effect: 'a speculative reference: adds one to the folio (a tail page\'s head) unless the refcount is 0 (the page is free, or frozen by page_ref_freeze); returns false then. It may succeed on a page freed and reused since the caller found it',
	args: [{name: 'page', kind: 'page'}],
	returns: 'bool',
	run: (ctx, [pg]) => tryGet(ctx, pfnOf(pg!, name), name),
});

const rmap = (name: string, kernel: string, delta: 1 | -1): Primitive => ({
	name,
	kernel,
	effect: delta > 0 ? 'the page gains a mapping: mapcount + 1 (the PTE write is a separate call)' : 'the page loses a mapping: mapcount - 1 (underflow is a refcount violation)',
	args: [{name: 'page', kind: 'page'}],
	returns: 'void',
	run(ctx, [pg]) {
		const pfn = pfnOf(pg!, name);
		const page = ramPage(ctx, pfn, name, true);
		if (!page) return null;
		if (page.ram.mapcount + delta < 0) {
			violate(ctx, 'refcount', 'S-ref', `${name}: mapcount underflow on ${pageName(pfn)}`, [pageName(pfn)]);
			return null;
		}
		page.ram.mapcount += delta;
		return null;
	},
});

export const ramPrimitives: Primitive[] = [
	{
		name: 'alloc_page',
		kernel: 'include/linux/gfp.h:alloc_page -> mm/page_alloc.c:__alloc_pages',
		effect: 'takes a free RAM page from the allocator (the lowest free pfn, or the one given: the scenario\'s choice of which page gets reused) with refcount 1; returns NULL if none (or not that one) is free. A reuse is a new page: entries left from before point at a page that is gone',
		args: [{name: 'pfn', kind: 'int', optional: true}],
		returns: 'page',
		run(ctx, [want]) {
			rd(ctx, 'buddy');
			const wanted = want === undefined || want === null ? null : argInt(want, 'alloc_page', 'a pfn');
			if (wanted !== null && !ctx.m.memmap[wanted]?.ram) throw new Oops(`alloc_page: pfn ${hex(wanted)} is not an ordinary RAM page (declare it with ram() in machine { })`);
			const pfns = Object.keys(ctx.m.memmap).map(Number).filter(p => ctx.m.memmap[p]!.ram).sort((a, b) => a - b);
			const pfn = pfns.find(p => ctx.m.memmap[p]!.ram!.free && (wanted === null || p === wanted));
			if (pfn === undefined) {
				note(ctx, wanted === null ? 'alloc_page: no free RAM page' : `alloc_page: ${pageName(wanted)} is not free`);
				return null;
			}
			wr(ctx, 'buddy');
			wr(ctx, `page:${pfn}`);
			const page = ctx.m.memmap[pfn]!;
			const last = page.ram!.gen;
			const gen = freshGen(ctx, pfn, last);
			page.refcount = 1;
			page.ram = {free: false, gen, owner: ctx.cpu, mapcount: 0, collapse: null, lateRefs: 0};
			note(ctx, `alloc_page: ${pageName(pfn)}${last > 0 ? ` reused (allocation ${gen})` : ''}`);
			return {t: 'page', pfn};
		},
	},
	{
		name: 'try_get_page',
		kernel: 'include/linux/mm.h:try_get_page',
		effect: 'adds a reference; if the refcount is 0 or less it fails (returns false) with a WARNING splat, a warn violation: the slow path of GUP calls it under the PTE lock (follow_page_pte: try_grab_page up to v6.9, try_grab_folio since v6.10), where a mapped page cannot be free',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const pfn = folioPfn(ctx, pfnOf(pg!, 'try_get_page'));
			const page = touchPage(ctx, pfn, 'try_get_page', true);
			if (!page) return false;
			if (page.refcount <= 0) {
				// the WARN_ON_ONCE(page_ref_count(page) <= 0) is a splat, not a quiet failure: the caller held the PTL or a reference that should have kept the page
				violate(ctx, 'warn', 'WARN', `WARNING: try_get_page(${pageName(pfn)}) with refcount ${page.refcount}: the page was freed under its caller`, [pageName(pfn), `CPU${ctx.cpu}`]);
				return false;
			}
			page.refcount += 1;
			return true;
		},
	},
	speculative('folio_try_get', 'include/linux/page_ref.h:folio_try_get = folio_ref_add_unless(folio, 1, 0)'),
	speculative('folio_try_get_rcu', 'include/linux/page_ref.h:folio_try_get_rcu (the same as folio_try_get on SMP)'),
	{
		name: 'page_ref_freeze',
		kernel: 'include/linux/page_ref.h:page_ref_freeze = atomic_cmpxchg(&page->_refcount, count, 0)',
		effect: 'if the refcount is exactly count, sets it to 0 (frozen: speculative gets fail) and returns true; else changes nothing and returns false',
		args: [{name: 'page', kind: 'page'}, {name: 'count', kind: 'int'}],
		returns: 'bool',
		run(ctx, [pg, n]) {
			const pfn = pfnOf(pg!, 'page_ref_freeze');
			const page = ramPage(ctx, pfn, 'page_ref_freeze', true);
			const count = argInt(n!, 'page_ref_freeze', 'a count');
			if (!page || page.refcount !== count) return false;
			page.refcount = 0;
			return true;
		},
	},
	{
		name: 'page_ref_unfreeze',
		kernel: 'include/linux/page_ref.h:page_ref_unfreeze = atomic_set_release(&page->_refcount, count)',
		effect: 'sets the refcount of a frozen page back to count (a tail page\'s own count, 0, counts as frozen: __split_huge_page_tail unfreezes it)',
		args: [{name: 'page', kind: 'page'}, {name: 'count', kind: 'int'}],
		returns: 'void',
		run(ctx, [pg, n]) {
			const pfn = pfnOf(pg!, 'page_ref_unfreeze');
			const page = ramPage(ctx, pfn, 'page_ref_unfreeze', true);
			if (!page) return null;
			if (page.refcount !== 0) throw new Oops(`page_ref_unfreeze: ${pageName(pfn)} is not frozen (refcount ${page.refcount})`);
			page.refcount = argInt(n!, 'page_ref_unfreeze', 'a count');
			return null;
		},
	},
	{
		// Reclaim and migration free a page they froze without a last put:
		// shrink_folio_list queues the folio __remove_mapping froze at 0 and
		// frees the batch after try_to_unmap_flush (free_unref_page_list up
		// to v6.7, free_unref_folios, free_frozen_pages since v6.14).
		// free_pages_prepare checks the page first (free_page_is_bad ->
		// page_bad_reason: "nonzero _refcount", "nonzero mapcount") and a bad
		// page is reported and leaked, not freed (bad_page).
		name: 'free_unref_page',
		kernel: 'mm/page_alloc.c:free_unref_page [free_unref_folios, free_frozen_pages] -> free_pages_prepare -> free_page_is_bad (bad_page: "nonzero _refcount") (mm/vmscan.c:shrink_folio_list after __remove_mapping and try_to_unmap_flush)',
		effect: 'frees a page whose refcount was frozen at 0 (page_ref_freeze) to the page allocator, with no put; a page whose refcount is not 0 (a reference taken on the frozen page: get_page instead of a speculative get) or that is still mapped (mapcount) is "BUG: Bad page state", a refcount violation, and is leaked, not freed. A PTE or TLB entry still mapping the page it frees is S2',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			const pfn = pfnOf(pg!, 'free_unref_page');
			const page = ramPage(ctx, pfn, 'free_unref_page', true);
			if (!page) return null;
			if (page.ram.head !== undefined) throw new Oops(`free_unref_page: ${pageName(pfn)} is a tail page of ${pageName(page.ram.head)}; free its folio`);
			if (page.ram.free) {
				violate(ctx, 'refcount', 'S-ref', `free_unref_page: ${pageName(pfn)} is already free (a double free)`, [pageName(pfn)]);
				return null;
			}
			const bad = page.refcount !== 0 ? `nonzero _refcount (${page.refcount})` : page.ram.mapcount !== 0 ? `nonzero mapcount (${page.ram.mapcount})` : null;
			if (bad) {
				violate(ctx, 'refcount', 'S-ref', `BUG: Bad page state: free_unref_page(${pageName(pfn)}) with ${bad}: the page is leaked, and whoever holds it keeps a page reclaim has let go of`, [pageName(pfn)]);
				return null;
			}
			releaseRamPage(ctx, pfn, 'free_unref_page');
			return null;
		},
	},
	{
		name: 'page_count',
		kernel: 'include/linux/mm.h:page_count (folio_ref_count)',
		effect: 'reads the refcount of the page, its folio\'s (the head\'s) for a tail page',
		args: [{name: 'page', kind: 'page'}],
		returns: 'int',
		run(ctx, [pg]) {
			const page = touchPage(ctx, folioPfn(ctx, pfnOf(pg!, 'page_count')), 'page_count', false);
			return page ? page.refcount : 0;
		},
	},
	{
		name: 'set_page_count',
		kernel: 'include/linux/page_ref.h:set_page_count = atomic_set(&page->_refcount, v)',
		effect: 'stores v in the page\'s own refcount, whatever it was: a reference another CPU added meanwhile is lost (the reason a split freezes the count with a cmpxchg, page_ref_freeze, instead of reading it and setting it)',
		args: [{name: 'page', kind: 'page'}, {name: 'v', kind: 'int'}],
		returns: 'void',
		run(ctx, [pg, n]) {
			const page = ramPage(ctx, pfnOf(pg!, 'set_page_count'), 'set_page_count', true);
			if (page) page.refcount = argInt(n!, 'set_page_count', 'a count');
			return null;
		},
	},
	{
		name: 'page_folio',
		kernel: 'include/linux/page-flags.h:page_folio -> _compound_head (READ_ONCE(page->compound_head))',
		effect: 'reads the page\'s struct page and returns its folio: the head page of its compound page, or the page itself. A split may clear the tail\'s compound_head right after (clear_compound_head): a reference then taken on the returned head is on a page that no longer holds this one (c24d37322548)',
		args: [{name: 'page', kind: 'page'}],
		returns: 'page',
		run(ctx, [pg]) {
			const pfn = pfnOf(pg!, 'page_folio');
			touchPage(ctx, pfn, 'page_folio', false);
			return {t: 'page', pfn: folioPfn(ctx, pfn)};
		},
	},
	{
		name: 'folio_ref_try_add_rcu',
		kernel: 'include/linux/page_ref.h:folio_ref_try_add_rcu = folio_ref_add_unless(folio, count, 0) on SMP (mm/gup.c:try_get_folio; page_cache_add_speculative before v5.17)',
		effect: 'adds count references to the page\'s own refcount unless it is 0 (free, frozen by page_ref_freeze, or a tail page, whose own count is 0): returns false then. The caller passes the folio (page_folio\'s result): the add lands on whatever that page is now',
		args: [{name: 'folio', kind: 'page'}, {name: 'count', kind: 'int'}],
		returns: 'bool',
		run(ctx, [pg, n]) {
			const count = argInt(n!, 'folio_ref_try_add_rcu', 'a count');
			if (count < 1) throw new Oops(`folio_ref_try_add_rcu: count ${count}: it adds at least one reference`);
			return tryAdd(ctx, pfnOf(pg!, 'folio_ref_try_add_rcu'), count, 'folio_ref_try_add_rcu');
		},
	},
	{
		name: 'page_cache_get_speculative',
		kernel: 'include/linux/pagemap.h:page_cache_get_speculative (v2.6.27-v5.16: get_page_unless_zero of a head page; mm/gup.c gup_pte_range, filemap lookups)',
		effect: 'adds one reference to the page\'s own refcount unless it is 0 (free, frozen, or a tail page): returns false then',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run: (ctx, [pg]) => tryAdd(ctx, pfnOf(pg!, 'page_cache_get_speculative'), 1, 'page_cache_get_speculative'),
	},
	{
		name: 'clear_compound_head',
		kernel: 'include/linux/page-flags.h:clear_compound_head (WRITE_ONCE(page->compound_head, 0)) (mm/huge_memory.c:__split_huge_page_tail)',
		effect: 'the tail page leaves its compound page: from now on it is a folio of its own, with its own refcount (0 until the split sets it: page_ref_unfreeze), and a reference taken on the old head is no longer one on this page. A page that is no tail page (never one, or already split off) is an oops of the scenario',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			const pfn = pfnOf(pg!, 'clear_compound_head');
			const page = ramPage(ctx, pfn, 'clear_compound_head', true);
			if (!page) return null;
			const head = page.ram.head;
			if (head === undefined) throw new Oops(`clear_compound_head: ${pageName(pfn)} is not a tail page`);
			// the head's compound page shrinks: its free (free_compound_page) no longer takes this page
			wr(ctx, `page:${head}`);
			delete page.ram.head;
			return null;
		},
	},
	rmap('page_add_anon_rmap', 'mm/rmap.c:page_add_anon_rmap [folio_add_anon_rmap_pte]', 1),
	rmap('page_add_file_rmap', 'mm/rmap.c:page_add_file_rmap [folio_add_file_rmap_pte]', 1),
	rmap('page_dup_rmap', 'include/linux/rmap.h:page_dup_rmap [folio_dup_file_rmap_pte, folio_try_dup_anon_rmap_pte] (mm/memory.c:copy_present_pte: the child\'s mapping)', 1),
	rmap('page_remove_rmap', 'mm/rmap.c:page_remove_rmap [folio_remove_rmap_pte] (khugepaged K9, zap_pte_range)', -1),
	{
		name: 'page_mapcount',
		kernel: 'include/linux/mm.h:page_mapcount',
		effect: 'reads how many page-table entries map the page (as the rmap calls counted them)',
		args: [{name: 'page', kind: 'page'}],
		returns: 'int',
		run(ctx, [pg]) {
			const page = ramPage(ctx, pfnOf(pg!, 'page_mapcount'), 'page_mapcount', false);
			return page ? page.ram.mapcount : 0;
		},
	},
	{
		name: 'is_refcount_suitable',
		kernel: 'mm/khugepaged.c:is_refcount_suitable (page_count == total_mapcount [+ swap cache]) (K8)',
		effect: 'khugepaged\'s pin check: true if nobody but the mappings holds a reference. When it passes, the page is marked: a reference gup-fast takes after it and returns with is the S9 the collapse\'s "this process cannot get an additional pin" rules out',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const pfn = pfnOf(pg!, 'is_refcount_suitable');
			const page = ramPage(ctx, pfn, 'is_refcount_suitable', true);
			if (!page) return false;
			const ok = page.refcount === page.ram.mapcount;
			if (ok) {
				page.ram.collapse = 'checked';
				page.ram.lateRefs = 0;
			}
			note(ctx, `is_refcount_suitable(${pageName(pfn)}): refcount ${page.refcount}, mapcount ${page.ram.mapcount}: ${ok ? 'ok' : 'pinned, abort'}`);
			return ok;
		},
	},
	{
		name: 'free_page_and_swap_cache',
		kernel: 'mm/swap_state.c:free_page_and_swap_cache (khugepaged __collapse_huge_page_copy, K9)',
		effect: 'drops the collapse\'s reference on the old small page; after a passed pin check this is the page being discarded: if gup-fast returned with a reference taken after that check, S9',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			const pfn = pfnOf(pg!, 'free_page_and_swap_cache');
			const page = ramPage(ctx, pfn, 'free_page_and_swap_cache', true);
			if (!page) return null;
			const checked = page.ram.collapse === 'checked';
			if (checked) page.ram.collapse = 'discarded';
			putPage(ctx, pfn, 'free_page_and_swap_cache');
			if (checked && page.refcount > 0 && page.ram.lateRefs > 0) {
				violate(ctx, 'collapse-lost-pin', 'S9', `the collapse discards ${pageName(pfn)} while gup-fast holds a reference it took after the pin check (refcount ${page.refcount}): the GUP user writes a page nobody maps`, [pageName(pfn)]);
			}
			return null;
		},
	},
];
