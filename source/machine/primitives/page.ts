// struct page references (mm/gup.c, mm/swap.c, include/linux/mm.h), with the
// ZONE_DEVICE rules of the era in force (KERNEL.md §1): E21 fs-dax/device-dax
// pages idle at refcount 1, 2->1 wakes waiters, 1->0 drops a pgmap reference;
// v5.18 keeps idle at 1 but drops no pgmap reference; v6.15 is 0-based and
// mappings hold references.

import {type Ctx, note, unwritten, violate, wr, rd} from '../context.js';
import type {PageStruct, Value} from '../types.js';
import {hex} from '../values.js';
import {refPut} from '../percpu-ref.js';
import {noteGrab, notePut} from '../gup-window.js';
import {releaseRamPage} from './ram.js';
import {argInt, argOf, argSym, Oops, pageName, type Primitive} from './spec.js';

export const GUP_PIN_COUNTING_BIAS = 1024;

/** Every read or write of struct page goes through here: S1 if its memmap is gone. */
export function touchPage(ctx: Ctx, pfn: number, who: string, write: boolean): PageStruct | undefined {
	if (write) wr(ctx, `page:${pfn}`);
	else rd(ctx, `page:${pfn}`);
	const page = ctx.m.memmap[pfn];
	if (!page) throw new Oops(`${who}: pfn ${hex(pfn)} has no struct page in this machine`);
	if (!page.exists) {
		violate(ctx, 'use-after-free', 'S1', `${who} touches struct page of pfn ${hex(pfn)}, whose memmap was removed by arch_remove_memory`, [pageName(pfn)]);
		return undefined;
	}
	return page;
}

/**
 * The pfn whose refcount a folio operation on pfn changes: the head of its compound page
 * (page_folio reads page->compound_head), or pfn itself. It reads the page's struct page: a
 * split's clear_compound_head writes it, so the two steps conflict.
 */
export function folioPfn(ctx: Ctx, pfn: number): number {
	rd(ctx, `page:${pfn}`);
	return ctx.m.memmap[pfn]?.ram?.head ?? pfn;
}

/**
 * folio_has_pincount (folio_test_large on 64-bit): a compound page counts its
 * FOLL_PIN pins exactly, in _pincount, and each pin adds one reference, not
 * GUP_PIN_COUNTING_BIAS (mm/gup.c:try_grab_folio_fast, gup_put_folio;
 * before folios hpage_pincount_available, for order 2 and up). The folio is
 * large while a tail names `head` as its compound_head: a split's
 * clear_compound_head and the folio's free write the head's struct page too,
 * so reading that covers the answer.
 */
export function largeFolio(ctx: Ctx, head: number): boolean {
	rd(ctx, `page:${head}`);
	const memmap = unwritten(ctx.m.memmap);
	if (memmap[head]?.ram === undefined) return false;
	for (const key in memmap) if (memmap[key]!.ram?.head === head) return true;
	return false;
}

/** The references one FOLL_PIN pin adds to a folio: 1 on a large one (its _pincount counts the pin), GUP_PIN_COUNTING_BIAS on a small one. */
export const pinRefs = (ctx: Ctx, folio: number): number => (largeFolio(ctx, folio) ? 1 : GUP_PIN_COUNTING_BIAS);

/**
 * put_page() body, shared with memunmap_pages' loop and unpin_user_page
 * (which drops GUP_PIN_COUNTING_BIAS references at once: in v5.11
 * __unpin_devmap_managed_user_page applies the same ZONE_DEVICE rules).
 */
export function putPage(ctx: Ctx, given: number, who: string, refs = 1): void {
	// folio_put(page_folio(page)): a tail page's reference is its folio's
	const pfn = folioPfn(ctx, given);
	const page = touchPage(ctx, pfn, who, true);
	if (!page) return;
	if (page.refcount < refs) {
		violate(ctx, 'refcount', 'S-ref', `${who}: refcount underflow on ${pageName(pfn)}${pfn !== given ? ` (the folio of ${pageName(given)})` : ''} (${page.refcount} - ${refs})`, [pageName(pfn)]);
		return;
	}
	page.refcount -= refs;
	notePut(ctx, given);
	if (page.ram) {
		if (page.refcount === 0) releaseRamPage(ctx, pfn, who);
		return;
	}
	const mode = ctx.m.settings.refcount;
	// page_is_devmap_managed: only fs-dax pages have a filesystem waiting for them to go idle
	if (page.pgmap && mode !== 'v6_15' && page.refcount === 1 && ctx.m.pgmaps[page.pgmap]?.type === 'fsdax') note(ctx, `${pageName(pfn)} refcount ${page.refcount + refs} -> 1: __put_devmap_managed_page wakes waiters`);
	if (page.pgmap && mode === 'e21' && page.refcount === 0) {
		// mm/swap.c:__put_page: a ZONE_DEVICE page going to zero drops its pgmap reference.
		const p = ctx.m.pgmaps[page.pgmap]!;
		note(ctx, `${pageName(pfn)} refcount ${refs} -> 0: put_dev_pagemap(${p.name})`);
		refPut(ctx, p, 1, `${who}(${hex(pfn)}) -> 0`);
	}
}

const pfnOf = (v: Value, prim: string): number => argOf(v, 'page', prim).pfn;

export const pagePrimitives: Primitive[] = [
	{
		name: 'pte_page',
		kernel: 'include/linux/pgtable.h:pte_page = pfn_to_page(pte_pfn(pte)) (G6)',
		effect: 'the struct page pointer for the PTE\'s pfn: vmemmap arithmetic, touches nothing',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'page',
		pure: true,
		run: (_ctx, [v]) => ({t: 'page', pfn: argOf(v!, 'pte', 'pte_page').pfn}),
	},
	{
		name: 'pfn_to_page',
		kernel: 'include/asm-generic/memory_model.h:pfn_to_page',
		effect: 'the struct page pointer for a pfn (arithmetic only)',
		args: [{name: 'pfn', kind: 'int'}],
		returns: 'page',
		pure: true,
		run: (_ctx, [v]) => ({t: 'page', pfn: argInt(v!, 'pfn_to_page', 'a pfn')}),
	},
	{
		name: 'try_grab_page',
		kernel: 'mm/gup.c:try_grab_compound_head [try_grab_folio_fast] (G7)',
		effect: 'gup-fast\'s grab: reads struct page and adds a reference unless the refcount is zero (FOLL_GET; FOLL_PIN adds GUP_PIN_COUNTING_BIAS to a small page, one reference and one _pincount to a compound page, folio_has_pincount); returns false if it could not, quietly (a page being freed is normal without a lock). Reading a removed memmap is S1. On a tail page of a compound page it grabs the folio (the head\'s refcount) in one step, as try_get_folio does with its re-check that the page is still in that folio (c24d37322548); write page_folio and folio_ref_try_add_rcu for the steps apart. The kernel\'s names moved: the fast grab was try_grab_compound_head, then try_grab_folio (v5.18-v6.9), now try_grab_folio_fast; the slow path\'s grab under the PTE lock (try_grab_page up to v6.9, try_grab_folio since v6.10) WARNs on a zero refcount: write try_get_page for that one',
		args: [{name: 'page', kind: 'page'}, {name: 'flags', kind: 'sym', optional: true}],
		returns: 'bool',
		run(ctx, [pg, flags]) {
			const given = pfnOf(pg!, 'try_grab_page');
			const pin = flags !== undefined && flags !== null && argSym(flags, 'try_grab_page', ['FOLL_GET', 'FOLL_PIN']) === 'FOLL_PIN';
			// try_get_folio: page_folio, the add, and the re-check that the page is still in that folio, as one step
			const pfn = folioPfn(ctx, given);
			const page = touchPage(ctx, pfn, 'try_grab_page', true);
			if (!page) return false;
			if (page.refcount === 0) {
				note(ctx, `${pageName(pfn)} refcount is 0: grab fails`);
				return false;
			}
			page.refcount += pin ? pinRefs(ctx, pfn) : 1;
			if (pin) page.pins += 1;
			noteGrab(ctx, given);
			return true;
		},
	},
	{
		name: 'get_page',
		kernel: 'include/linux/mm.h:get_page',
		effect: 'adds a reference to struct page (S1 if its memmap is gone), to its folio\'s (the head\'s) for a tail page; on a page whose refcount is 0 (a free RAM page, a ZONE_DEVICE page whose last reference went) it is the VM_BUG_ON of folio_get (page_ref_zero_or_close_to_overflow, any page): a refcount violation, the reference not taken, and the CPU goes on',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			const pfn = folioPfn(ctx, pfnOf(pg!, 'get_page'));
			const page = touchPage(ctx, pfn, 'get_page', true);
			if (!page) return null;
			if (page.refcount <= 0) {
				violate(ctx, 'refcount', 'S-ref', `get_page on ${pageName(pfn)} with refcount ${page.refcount} (VM_BUG_ON_FOLIO)`, [pageName(pfn)]);
				return null;
			}
			page.refcount += 1;
			return null;
		},
	},
	{
		name: 'put_page',
		kernel: 'include/linux/mm.h:put_page -> mm/swap.c:__put_page / mm/memremap.c:__put_devmap_managed_page (G8 undo, G13)',
		effect: 'drops a reference (S1 if the memmap is gone; underflow is a refcount violation), its folio\'s for a tail page; a RAM page at 0 goes back to the page allocator (a compound page with all its tails) (a PTE or TLB entry still pointing at it is S2); under E21 rules 1 -> 0 on a ZONE_DEVICE page drops one pgmap reference',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			putPage(ctx, pfnOf(pg!, 'put_page'), 'put_page');
			return null;
		},
	},
	{
		name: 'unpin_user_page',
		kernel: 'mm/gup.c:unpin_user_page (G13 for FOLL_PIN)',
		effect: 'drops a FOLL_PIN pin: GUP_PIN_COUNTING_BIAS references of a small page, one reference and one _pincount of a compound page (gup_put_folio) (S1 if the memmap is gone), of its folio for a tail page',
		args: [{name: 'page', kind: 'page'}],
		returns: 'void',
		run(ctx, [pg]) {
			const given = pfnOf(pg!, 'unpin_user_page');
			const pfn = folioPfn(ctx, given);
			const page = touchPage(ctx, pfn, 'unpin_user_page', true);
			if (!page) return null;
			if (page.pins <= 0) {
				violate(ctx, 'refcount', 'S-ref', `unpin_user_page: ${pageName(pfn)} is not pinned`, [pageName(pfn)]);
				return null;
			}
			page.pins -= 1;
			putPage(ctx, given, 'unpin_user_page', pinRefs(ctx, pfn));
			return null;
		},
	},
	{
		name: 'page_maybe_dma_pinned',
		kernel: 'include/linux/mm.h:page_maybe_dma_pinned [folio_maybe_dma_pinned] (page_ref_count >= GUP_PIN_COUNTING_BIAS for a small page, _pincount > 0 for a large folio) (mm/memory.c:page_needs_cow_for_dma, fork)',
		effect: 'a small page: reads the refcount, true if it is at least GUP_PIN_COUNTING_BIAS (1024), as a FOLL_PIN pin makes it; a heuristic in the kernel too (1024 plain references look pinned). A compound page (its folio for a tail): true if its exact pin count (_pincount) is nonzero',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const pfn = folioPfn(ctx, pfnOf(pg!, 'page_maybe_dma_pinned'));
			const page = touchPage(ctx, pfn, 'page_maybe_dma_pinned', false);
			if (!page) return false;
			// folio_maybe_dma_pinned: a large folio's _pincount is exact; a small one's refcount is a guess
			return largeFolio(ctx, pfn) ? page.pins > 0 : page.refcount >= GUP_PIN_COUNTING_BIAS;
		},
	},
	{
		name: 'page_refcount',
		kernel: 'include/linux/page_ref.h:page_ref_count (query; does not count as a memmap access)',
		effect: 'the refcount of the struct page of pfn, or -1 if its memmap was removed (for invariants)',
		args: [{name: 'pfn', kind: 'int'}],
		returns: 'int',
		run(ctx, [v]) {
			const pfn = argInt(v!, 'page_refcount', 'a pfn');
			rd(ctx, `page:${pfn}`);
			const page = ctx.m.memmap[pfn];
			return page && page.exists ? page.refcount : -1;
		},
	},
];
