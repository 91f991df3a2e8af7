// Freeing page-table pages, in the three ways the kernel has had (KERNEL.md
// §6.A2): at once (pte_free, zap_deposited_table), after an RCU grace period
// (pte_free_defer, tlb_remove_table with MMU_GATHER_RCU_TABLE_FREE), or with
// the data pages after the TLB flush (x86 bare metal before a37259732a7d).
// tlb_remove_table_sync_one is the empty IPI that waits out IRQs-off walkers.

import {type Ctx, note, wr} from '../context.js';
import {callRcu, currentReaders} from '../rcu.js';
import {startSyncIpi} from './flush.js';
import {argOf, Oops, type Primitive} from './spec.js';
import type {Value} from '../types.js';

/** The primitives that can free a page-table page: a scenario calling one gets walk caches (S6h) by default. */
export const FREES_TABLES: ReadonlySet<string> = new Set(['free_pgtables', 'pte_free', 'pte_free_defer', 'zap_deposited_table', 'free_pte_range', 'tlb_remove_table', 'pte_free_tlb', 'pgd_free']);

export function freeTableNow(ctx: Ctx, id: number, why: string): void {
	const t = ctx.m.pt.tables[id];
	if (!t) throw new Oops(`no page-table page T${id}`);
	wr(ctx, `table:${id}`);
	if (t.freed) throw new Oops(`page-table page T${id} freed twice`);
	t.freed = true;
	note(ctx, `page-table page T${id} freed (${why})`);
}

/** call_rcu(pte_free_now / tlb_remove_table_rcu): freed once every current reader has left. */
export function freeTableRcu(ctx: Ctx, id: number): void {
	if (!ctx.m.pt.tables[id]) throw new Oops(`no page-table page T${id}`);
	callRcu(ctx, {kind: 'free-table', table: id, readers: currentReaders(ctx)});
}

export function tableArg(v: Value, prim: string): number {
	if (typeof v === 'number') return v;
	if (v !== null && typeof v === 'object' && v.t === 'pmd' && v.present && !v.leaf) return v.table;
	// The PTE lock pte_offset_map_lock returned stands for the table it locks (where the kernel's pte pointer points).
	const ptl = v !== null && typeof v === 'object' && v.t === 'lock' ? /^ptl:T(\d+)$/.exec(v.name) : null;
	if (ptl) return Number(ptl[1]);
	return argOf(v, 'table', prim).id;
}

export const tableFreePrimitives: Primitive[] = [
	{
		name: 'pte_free',
		kernel: 'include/asm-generic/pgalloc.h:pte_free (khugepaged collapse_and_free_pmd R4, zap_deposited_table)',
		effect: 'frees the PTE page now, whoever may still walk it: a later read of it is S6, a walk through a paging-structure cache entry to it S6h',
		args: [{name: 'table', kind: 'any'}],
		returns: 'void',
		run(ctx, [t]) {
			freeTableNow(ctx, tableArg(t!, 'pte_free'), 'pte_free');
			return null;
		},
	},
	{
		name: 'pte_free_defer',
		kernel: 'mm/pgtable-generic.c:pte_free_defer -> call_rcu(pte_free_now) (v6.6 retract_page_tables R4\')',
		effect: 'frees the PTE page after an RCU grace period: every CPU that is a reader now (IRQs off, preemption off, rcu_read_lock) must leave its section first',
		args: [{name: 'table', kind: 'any'}],
		returns: 'void',
		run(ctx, [t]) {
			freeTableRcu(ctx, tableArg(t!, 'pte_free_defer'));
			return null;
		},
	},
	{
		name: 'pgd_free',
		kernel: 'kernel/fork.c:__mmdrop -> mm_free_pgd -> arch/x86/mm/pgtable.c:pgd_free (the last mm_count reference: mmdrop)',
		effect: 'frees the mm\'s PGD page now: a walk that starts from it afterwards, such as the speculative walk of a lazy CPU whose CR3 still points at it, is S6. The page tables below must be gone first (exit_mmap\'s free_pgtables)',
		args: [{name: 'mm', kind: 'context', optional: true}],
		returns: 'void',
		run(ctx) {
			const root = ctx.m.pt.root;
			const t = ctx.m.pt.tables[root]!;
			wr(ctx, `table:${root}`);
			if (Object.keys(t.entries).length > 0) throw new Oops(`pgd_free: the PGD T${root} still points at page tables (exit_mmap frees them first: free_pgtables)`);
			freeTableNow(ctx, root, 'pgd_free');
			return null;
		},
	},
	{
		name: 'tlb_remove_table_sync_one',
		kernel: 'mm/mmu_gather.c:tlb_remove_table_sync_one -> smp_call_function(tlb_remove_table_smp_sync, NULL, 1) (2ba99c5e0881; an empty stub without MMU_GATHER_RCU_TABLE_FREE)',
		effect: 'TABLE_FREE=rcu: an empty IPI to every other CPU, then spins until all acked with preemption off (an RCU reader meanwhile; a CPU with IRQs off, such as gup-fast, holds it up; "this isn\'t an RCU grace period"). TABLE_FREE=ipi or none: does nothing',
		args: [],
		returns: 'void',
		blocks: true,
		run(ctx) {
			if (ctx.m.settings.tableFree !== 'rcu') {
				note(ctx, 'tlb_remove_table_sync_one: empty without MMU_GATHER_RCU_TABLE_FREE');
				return null;
			}
			return startSyncIpi(ctx, 'tlb_remove_table_sync_one');
		},
	},
];
