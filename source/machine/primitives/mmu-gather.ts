// mmu_gather (include/asm-generic/tlb.h, mm/mmu_gather.c): "1) unhook page
// 2) TLB invalidate page 3) free page". A zapper queues the pages it unmaps
// (each keeps its reference) and the page-table pages it unhooks, widens the
// range to flush, and frees only after the flush (KERNEL.md §6.A3, M1-M6).
// mm->tlb_flush_pending lets a second zapper see that the first has not
// flushed yet (99baac21e458).

import {type Ctx, note, rd, wr} from '../context.js';
import type {Gather} from '../types.js';
import {hex} from '../values.js';
import {rangeText, startFlush} from './flush.js';
import {putPage} from './page.js';
import {argInt, argOf, Oops, type Primitive} from './spec.js';
import {freeTableNow, freeTableRcu, tableArg} from './table-free.js';

export function gatherOf(ctx: Ctx, who: string): Gather {
	const g = ctx.m.cpus[ctx.cpu]!.gather;
	if (!g) throw new Oops(`${who}: no mmu_gather on CPU${ctx.cpu} (call tlb_gather_mmu first)`);
	wr(ctx, `gather:${ctx.cpu}`);
	return g;
}

export function adjustRange(g: Gather, start: number, end: number): void {
	g.range = g.range === null ? [start, end] : [Math.min(g.range[0], start), Math.max(g.range[1], end)];
}

/** __tlb_reset_range after a flush: nothing left to flush, no tables freed since. */
export function gatherReset(ctx: Ctx): void {
	const g = gatherOf(ctx, 'tlb_flush_mmu_tlbonly');
	g.range = null;
	g.freedTables = false;
}

/**
 * M5, tlb_flush_mmu_free: tlb_table_flush (page-table pages to call_rcu, or
 * freed now when the flush was the protection), then the queued pages lose the
 * gather's reference (free_pages_and_swap_cache: the last one frees the page).
 */
export function gatherFree(ctx: Ctx): void {
	const g = gatherOf(ctx, 'tlb_flush_mmu_free');
	for (const t of g.tables) {
		if (ctx.m.settings.tableFree === 'rcu') freeTableRcu(ctx, t);
		else freeTableNow(ctx, t, 'with the pages, after the flush');
	}
	const pages = g.pages;
	g.tables = [];
	g.pages = [];
	for (const pfn of pages) putPage(ctx, pfn, 'free_pages_and_swap_cache');
}

/** The end of tlb_finish_mmu: the gather is gone, and so is this zapper's pending flush. */
export function gatherFinish(ctx: Ctx): void {
	wr(ctx, 'mm:flush_pending');
	ctx.m.tlbFlushPending -= 1;
	wr(ctx, `gather:${ctx.cpu}`);
	ctx.m.cpus[ctx.cpu]!.gather = null;
}

/** inc_tlb_flush_pending: an atomic_inc, made visible to other zappers by the PTL release after the PTE write. */
function incFlushPending(ctx: Ctx): void {
	wr(ctx, 'mm:flush_pending');
	ctx.m.tlbFlushPending += 1;
}

/** M4: flush what the gather unhooked, if anything; then run `after`. */
function flushGather(ctx: Ctx, prim: string, after: {gatherFree?: boolean; finish?: boolean}) {
	const g = gatherOf(ctx, prim);
	if (g.range === null && !g.freedTables && !g.fullmm) {
		note(ctx, `${prim}: nothing unhooked since the last flush: no TLB flush`);
		if (after.gatherFree) gatherFree(ctx);
		if (after.finish) gatherFinish(ctx);
		return null;
	}
	return startFlush(ctx, prim, g.fullmm ? null : g.range, g.freedTables, {gatherReset: true, ...after});
}

const pendingRead = (ctx: Ctx): number => {
	rd(ctx, 'mm:flush_pending');
	return ctx.m.tlbFlushPending;
};

export const mmuGatherPrimitives: Primitive[] = [
	{
		name: 'tlb_gather_mmu',
		kernel: 'mm/mmu_gather.c:tlb_gather_mmu -> __tlb_gather_mmu: inc_tlb_flush_pending(mm) (M1)',
		effect: 'starts an mmu_gather on this CPU: an empty batch and range; mm->tlb_flush_pending + 1',
		args: [],
		kernelArgs: ['tlb', 'mm'],
		returns: 'void',
		run(ctx) {
			const c = ctx.m.cpus[ctx.cpu]!;
			if (c.gather) throw new Oops('tlb_gather_mmu: this CPU already has an mmu_gather');
			wr(ctx, `gather:${ctx.cpu}`);
			c.gather = {range: null, pages: [], tables: [], freedTables: false, fullmm: false};
			incFlushPending(ctx);
			return null;
		},
	},
	{
		name: 'tlb_remove_tlb_entry',
		kernel: 'include/asm-generic/tlb.h:tlb_remove_tlb_entry -> __tlb_adjust_range (M2)',
		effect: 'the gather\'s range to flush grows to cover the page at va',
		args: [{name: 'va', kind: 'int'}],
		kernelArgs: ['tlb', 'ptep'],
		returns: 'void',
		run(ctx, [v]) {
			const va = argInt(v!, 'tlb_remove_tlb_entry', 'a va');
			adjustRange(gatherOf(ctx, 'tlb_remove_tlb_entry'), va, va + 4096);
			return null;
		},
	},
	{
		name: '__tlb_adjust_range',
		kernel: 'include/asm-generic/tlb.h:__tlb_adjust_range (tlb_finish_mmu\'s forced flush of 99baac21e458)',
		effect: 'the gather\'s range to flush grows to cover n pages from va',
		args: [{name: 'va', kind: 'int'}, {name: 'npages', kind: 'int'}],
		returns: 'void',
		run(ctx, [v, n]) {
			const va = argInt(v!, '__tlb_adjust_range', 'a va');
			adjustRange(gatherOf(ctx, '__tlb_adjust_range'), va, va + argInt(n!, '__tlb_adjust_range', 'a number of pages') * 4096);
			return null;
		},
	},
	{
		name: '__tlb_reset_range',
		kernel: 'include/asm-generic/tlb.h:__tlb_reset_range',
		effect: 'empties the gather\'s range and clears freed_tables (what the nested-flush path did before 7a30df49f63a, losing the table flush)',
		args: [],
		kernelArgs: ['tlb'],
		returns: 'void',
		run(ctx) {
			const g = gatherOf(ctx, '__tlb_reset_range');
			g.range = null;
			g.freedTables = false;
			return null;
		},
	},
	{
		name: 'tlb_remove_page',
		kernel: 'include/asm-generic/tlb.h:tlb_remove_page -> __tlb_remove_page (M2)',
		effect: 'queues the page in the gather; it keeps its reference until the gather frees it after the flush. Returns false (the batch is never full in the model: no force_flush)',
		args: [{name: 'page', kind: 'page'}],
		kernelArgs: ['tlb'],
		returns: 'bool',
		run(ctx, [pg]) {
			const pfn = argOf(pg!, 'page', 'tlb_remove_page').pfn;
			gatherOf(ctx, 'tlb_remove_page').pages.push(pfn);
			note(ctx, `page ${hex(pfn)} queued in CPU${ctx.cpu}'s mmu_gather (reference kept)`);
			return false;
		},
	},
	{
		name: 'tlb_remove_table',
		kernel: 'mm/mmu_gather.c:tlb_remove_table (MMU_GATHER_RCU_TABLE_FREE; x86 ___pte_free_tlb -> paravirt_tlb_remove_table, or tlb_remove_page without it)',
		effect: 'hands an unhooked page-table page to the gather. TABLE_FREE=rcu: freed by call_rcu after the flush; ipi: freed with the pages after the flush; none: freed at once',
		args: [{name: 'table', kind: 'any'}],
		kernelArgs: ['tlb'],
		returns: 'void',
		run(ctx, [t]) {
			const id = tableArg(t!, 'tlb_remove_table');
			const g = gatherOf(ctx, 'tlb_remove_table');
			if (ctx.m.settings.tableFree === 'none') freeTableNow(ctx, id, 'TABLE_FREE=none: at once, before the flush');
			else g.tables.push(id);
			return null;
		},
	},
	{
		name: 'pte_free_tlb',
		kernel: 'include/asm-generic/tlb.h:pte_free_tlb (tlb_flush_pmd_range(tlb, address, PAGE_SIZE); tlb->freed_tables = 1; __pte_free_tlb)',
		effect: 'widens the gather\'s range by the page at address (when given), marks it freed_tables (its flush then reaches lazy CPUs and, on arm64, the walk caches) and hands the page-table page to it (tlb_remove_table)',
		args: [{name: 'table', kind: 'any'}, {name: 'address', kind: 'int', optional: true}],
		kernelArgs: ['tlb'],
		returns: 'void',
		run(ctx, [t, a]) {
			const id = tableArg(t!, 'pte_free_tlb');
			const g = gatherOf(ctx, 'pte_free_tlb');
			if (a !== undefined) {
				const va = argInt(a, 'pte_free_tlb', 'an address');
				adjustRange(g, va, va + 4096);
			}
			g.freedTables = true;
			if (ctx.m.settings.tableFree === 'none') freeTableNow(ctx, id, 'TABLE_FREE=none: at once, before the flush');
			else g.tables.push(id);
			return null;
		},
	},
	{
		name: 'tlb_flush_mmu_tlbonly',
		kernel: 'include/asm-generic/tlb.h:tlb_flush_mmu_tlbonly (M4)',
		effect: 'if the gather unhooked anything (a range, or tables): flushes its range (freed_tables as recorded), waiting for the IPIs under FLUSH=ipi, then resets the range; S5 on return for that range. Otherwise does nothing',
		args: [],
		kernelArgs: ['tlb'],
		returns: 'void',
		blocks: true,
		run: ctx => flushGather(ctx, 'tlb_flush_mmu_tlbonly', {}),
	},
	{
		name: 'tlb_flush_mmu_free',
		kernel: 'mm/mmu_gather.c:tlb_flush_mmu_free -> tlb_table_flush, tlb_batch_pages_flush (M5)',
		effect: 'frees what the gather holds: page-table pages (call_rcu under TABLE_FREE=rcu, else now), then drops each queued page\'s reference (the last one frees it). Called before the flush it is the free-before-flush bug',
		args: [],
		kernelArgs: ['tlb'],
		returns: 'void',
		run(ctx) {
			gatherFree(ctx);
			return null;
		},
	},
	{
		name: 'tlb_flush_mmu',
		kernel: 'mm/mmu_gather.c:tlb_flush_mmu = tlb_flush_mmu_tlbonly; tlb_flush_mmu_free',
		effect: 'flushes the gather\'s range (if any) and then frees its pages and tables',
		args: [],
		kernelArgs: ['tlb'],
		returns: 'void',
		blocks: true,
		run: ctx => flushGather(ctx, 'tlb_flush_mmu', {gatherFree: true}),
	},
	{
		name: 'tlb_finish_mmu',
		kernel: 'mm/mmu_gather.c:tlb_finish_mmu (M6; the nested-flush force of 99baac21e458 as 7a30df49f63a left it)',
		effect: 'if mm_tlb_flush_nested (another zapper is between its tlb_gather_mmu and tlb_finish_mmu): fullmm and freed_tables, so the whole mm is flushed; then tlb_flush_mmu; then mm->tlb_flush_pending - 1 and the gather is gone. For older kernels write the steps instead (tlb_flush_mmu; dec_tlb_flush_pending)',
		args: [],
		kernelArgs: ['tlb'],
		returns: 'void',
		blocks: true,
		run(ctx) {
			const g = gatherOf(ctx, 'tlb_finish_mmu');
			if (pendingRead(ctx) > 1) {
				g.fullmm = true;
				g.range = null;
				g.freedTables = true;
				note(ctx, 'mm_tlb_flush_nested: another zapper is at work: flush the whole mm');
			}
			return flushGather(ctx, 'tlb_finish_mmu', {gatherFree: true, finish: true});
		},
	},
	{
		name: 'inc_tlb_flush_pending',
		kernel: 'include/linux/mm_inline.h:inc_tlb_flush_pending (atomic_inc)',
		effect: 'mm->tlb_flush_pending + 1',
		args: [],
		kernelArgs: ['mm'],
		returns: 'void',
		run(ctx) {
			incFlushPending(ctx);
			return null;
		},
	},
	{
		name: 'dec_tlb_flush_pending',
		kernel: 'include/linux/mm_inline.h:dec_tlb_flush_pending (atomic_dec, after the flush)',
		effect: 'mm->tlb_flush_pending - 1; ends this CPU\'s mmu_gather if it has one (the end of an open-coded tlb_finish_mmu)',
		args: [],
		kernelArgs: ['mm'],
		returns: 'void',
		run(ctx) {
			rd(ctx, 'mm:flush_pending');
			if (ctx.m.tlbFlushPending <= 0) throw new Oops('dec_tlb_flush_pending: tlb_flush_pending is already 0');
			gatherFinish(ctx);
			return null;
		},
	},
	{
		name: 'mm_tlb_flush_pending',
		kernel: 'include/linux/mm_inline.h:mm_tlb_flush_pending (atomic_read != 0; meaningful under the PTL)',
		effect: 'true while some zapper of the mm has not finished its flush',
		args: [],
		kernelArgs: ['mm'],
		returns: 'bool',
		run: ctx => pendingRead(ctx) > 0,
	},
	{
		name: 'mm_tlb_flush_nested',
		kernel: 'include/linux/mm_inline.h:mm_tlb_flush_nested (atomic_read > 1)',
		effect: 'true while more than one zapper of the mm is between tlb_gather_mmu and tlb_finish_mmu',
		args: [],
		kernelArgs: ['mm'],
		returns: 'bool',
		run: ctx => pendingRead(ctx) > 1,
	},
];

export const gatherText = (g: Gather): string =>
	[`range ${g.range ? rangeText(g.range) : 'empty'}`, g.freedTables && 'freed_tables', g.fullmm && 'fullmm', g.pages.length > 0 && `pages ${g.pages.map(hex).join(' ')}`, g.tables.length > 0 && `tables ${g.tables.map(t => 'T' + t).join(' ')}`]
		.filter(Boolean)
		.join(', ');
