// The registry of primitives a scenario's CPU code may call.

import {daxPrimitives} from './dax.js';
import {irqPrimitives} from './irq.js';
import {lockPrimitives} from './lock.js';
import {ptlPrimitives} from './ptl.js';
import {sharedPrimitives} from './shared.js';
import {pagePrimitives} from './page.js';
import {pgmapPrimitives} from './pgmap.js';
import {pgtablePrimitives} from './pgtable.js';
import type {Primitive} from './spec.js';
import {tlbPrimitives} from './tlb.js';
import {ramPrimitives} from './ram.js';
import {pgtableLifePrimitives} from './pgtable-life.js';
import {tableFreePrimitives} from './table-free.js';
import {mmuGatherPrimitives} from './mmu-gather.js';
import {lazyTlbPrimitives} from './lazy-tlb.js';
import {seqcountPrimitives} from './seqcount.js';
import {thpSplitPrimitives} from './thp-split.js';
import {protnonePrimitives} from './protnone.js';
import {dirtyPrimitives} from './dirty.js';
import {contentsPrimitives} from './contents.js';

export type {Primitive, PrimResult, ArgKind, ReturnKind} from './spec.js';
export {KernelFault, Oops} from './spec.js';

/** Every registry, by the title docs/primitives.md lists it under. */
export const PRIMITIVE_GROUPS: readonly {title: string; primitives: readonly Primitive[]}[] = [
	{title: 'IRQs and RCU', primitives: irqPrimitives},
	{title: 'Locks', primitives: lockPrimitives},
	{title: 'Page-table locks, preemption, lock queries', primitives: ptlPrimitives},
	{title: 'Shared variables and atomics', primitives: sharedPrimitives},
	{title: 'Sequence counters', primitives: seqcountPrimitives},
	{title: 'Page tables', primitives: pgtablePrimitives},
	{title: 'PROT_NONE and NUMA-hinting PTEs', primitives: protnonePrimitives},
	{title: 'The page-table life cycle', primitives: pgtableLifePrimitives},
	{title: 'Splitting a huge PMD', primitives: thpSplitPrimitives},
	{title: 'Freeing page-table pages', primitives: tableFreePrimitives},
	{title: 'mmu_gather', primitives: mmuGatherPrimitives},
	{title: 'TLBs and the hardware walker', primitives: tlbPrimitives},
	{title: 'Dirty bits and writeback', primitives: dirtyPrimitives},
	{title: 'Page contents and copy-on-write', primitives: contentsPrimitives},
	{title: 'Lazy TLB', primitives: lazyTlbPrimitives},
	{title: 'struct page', primitives: pagePrimitives},
	{title: 'Ordinary RAM pages', primitives: ramPrimitives},
	{title: 'dev_pagemap and memunmap_pages', primitives: pgmapPrimitives},
	{title: 'DAX device, filesystem, faults', primitives: daxPrimitives},
];

export const PRIMITIVES: ReadonlyMap<string, Primitive> = new Map(PRIMITIVE_GROUPS.flatMap(g => g.primitives).map(p => [p.name, p]));

/** Kernel names that mean the same primitive (older and newer spellings). */
export const ALIASES: ReadonlyMap<string, string> = new Map([
	['try_grab_compound_head', 'try_grab_page'],
	['try_grab_folio', 'try_grab_page'],
	['try_grab_folio_fast', 'try_grab_page'],
	['READ_ONCE', 'ptep_get'],
	['follow_pte', 'ptep_get'],
	['load', 'access'],
	['zap_pte', 'ptep_get_and_clear'],
	['ptep_clear', 'ptep_get_and_clear'],
	['folio_put', 'put_page'],
	['folio_get', 'get_page'],
	['folio_maybe_dma_pinned', 'page_maybe_dma_pinned'],
	['compound_head', 'page_folio'],
	['page_cache_add_speculative', 'folio_ref_try_add_rcu'],
	['folio_ref_freeze', 'page_ref_freeze'],
	['folio_ref_unfreeze', 'page_ref_unfreeze'],
	['folio_ref_count', 'page_count'],
	['free_unref_folios', 'free_unref_page'],
	['free_frozen_pages', 'free_unref_page'],
	['folio_mark_dirty', 'set_page_dirty'],
	['set_page_dirty_lock', 'set_page_dirty'],
	['SetPageDirty', 'set_page_dirty'],
	['folio_test_clear_dirty', 'TestClearPageDirty'],
	['folio_test_dirty', 'PageDirty'],
	['__tlb_remove_page', 'tlb_remove_page'],
	['copy_highpage', 'copy_user_highpage'],
	['folio_copy', 'copy_user_highpage'],
	['folio_test_anon_exclusive', 'PageAnonExclusive'],
	// atomic_long_t has the same operations under atomic_long_* names.
	...['read', 'set', 'inc', 'dec', 'add', 'sub', 'inc_return', 'dec_return', 'dec_and_test', 'inc_not_zero', 'add_unless', 'cmpxchg', 'xchg'].map(op => [`atomic_long_${op}`, `atomic_${op}`] as [string, string]),
]);

export function lookupPrimitive(name: string): Primitive | undefined {
	return PRIMITIVES.get(ALIASES.get(name) ?? name);
}
