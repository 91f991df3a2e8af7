// Page-table reads and writes: the lockless walk of gup-fast (mm/gup.c), the
// locked walk of the slow path, PTE predicates (arch/x86/include/asm/pgtable.h),
// zapping (mm/memory.c) and page-table freeing (mm/mmu_gather.c).

import {type Ctx, note, rd, unwritten, violate, wr} from '../context.js';
import {findLeaf, index, isLeaf, leafPfnAt, LEVEL_NAME, allLeaves, PMD_SIZE, pmdBase, tablePath} from '../pagetable.js';
import {noteRead} from '../gup-window.js';
import type {LeafEntry, PmdValue, PtEntry, PteValue, Value} from '../types.js';
import {hex, pteWord} from '../values.js';
import {touchPage} from './page.js';
import {argInt, argOf, argPgmap, Oops, type Primitive} from './spec.js';
import {markZapped, startFlush} from './flush.js';
import {freeTableNow, freeTableRcu, tableArg} from './table-free.js';
import {pteAccessible} from './protnone.js';

/** Read one entry, checking S6 (a read of a freed page-table page). Entries are replaced whole, never changed in place. */
export function readEntry(ctx: Ctx, table: number, level: number, va: number, who: string): PtEntry | undefined {
	// read from the tables as they are when the step has not written them (no draft per level)
	const t = unwritten(ctx.m.pt).tables[table];
	rd(ctx, `table:${table}`);
	rd(ctx, `e:${table}:${index(va, level)}`);
	if (!t) throw new Oops(`${who}: no page-table page T${table}`);
	if (t.freed) {
		violate(ctx, 'freed-table-read', 'S6', `${who} reads ${LEVEL_NAME[level]} page T${table} for va ${hex(va)}, which was freed`, [`table T${table}`, `va ${hex(va)}`]);
	}
	return t.entries[index(va, level)];
}

/**
 * v6.15+: a DAX mapping holds a page reference (the page's idle count includes
 * it), so zapping the PTE drops it. Earlier DAX PTEs hold none.
 */
export function dropMappingRef(ctx: Ctx, pfn: number, who: string): void {
	if (ctx.m.settings.refcount !== 'v6_15') return;
	const page = touchPage(ctx, pfn, who, true);
	if (!page) return;
	page.refcount -= 1;
	page.idle -= 1;
}

export function writeEntry(ctx: Ctx, table: number, level: number, va: number, entry: PtEntry | undefined, who = 'a page-table write'): void {
	const i = index(va, level);
	wr(ctx, `e:${table}:${i}`);
	wr(ctx, 'pt');
	const t = ctx.m.pt.tables[table];
	if (!t) throw new Oops(`${who}: no page-table page T${table}`);
	if (t.freed && !ctx.violations.some(v => v.check === 'S6' && v.objects[0] === `table T${table}`)) violate(ctx, 'freed-table-read', 'S6', `${who} writes into ${LEVEL_NAME[level]} page T${table} for va ${hex(va)}, which was freed`, [`table T${table}`, `va ${hex(va)}`]);
	if (entry === undefined) delete t.entries[i];
	else t.entries[i] = entry;
}

export const noneValue = (va: number): PteValue => ({t: 'pte', va, present: false, write: false, special: false, devmap: false, pfn: 0, huge: false});

/**
 * A leaf as a PTE value at va (a huge PMD: its subpage there). An invalidated
 * huge PMD is not present to pte_present (x86: neither _PAGE_PRESENT nor
 * _PAGE_PROTNONE), nor to the hardware walker; a PROT_NONE one is present to
 * pte_present, not to the walker.
 */
export const leafValue = (va: number, e: LeafEntry, huge: boolean): PteValue => {
	const v: PteValue = {t: 'pte', va, present: !e.invalid, write: e.write, special: e.special, devmap: e.devmap, pfn: leafPfnAt(e, huge ? 2 : 1, va), huge};
	if (e.protnone) v.protnone = true;
	if (e.dirty) v.dirty = true;
	return v;
};

/** Walk from the PGD; stop at a leaf or a hole. `toLevel` 2 stops at the PMD. */
export function walk(ctx: Ctx, va: number, toLevel: number, who: string): {entry: ReturnType<typeof readEntry>; table: number; level: number} {
	let table = ctx.m.pt.root;
	for (let level = 4; ; level--) {
		const e = readEntry(ctx, table, level, va, who);
		if (level === toLevel || e === undefined || isLeaf(e)) return {entry: e, table, level};
		table = e.table;
	}
}

/** A full walk to the leaf, as the hardware walker and the locked slow path do. */
export function walkLeaf(ctx: Ctx, va: number, who: string): PteValue {
	const w = walk(ctx, va, 1, who);
	if (w.entry === undefined || !isLeaf(w.entry)) return noneValue(va);
	return leafValue(va, w.entry, w.level === 2);
}

function pte(v: Value, prim: string): PteValue {
	return argOf(v, 'pte', prim);
}

const predicate = (name: string, field: 'present' | 'write' | 'special' | 'devmap', kernel: string): Primitive => ({
	name,
	kernel,
	effect: `tests the ${field} bit of a PTE value already read (no memory access)`,
	args: [{name: 'pte', kind: 'pte'}],
	returns: 'bool',
	pure: true,
	run: (_ctx, [v]) => pte(v!, name)[field],
});

const pmdPredicate = (name: string, field: 'present' | 'leaf', kernel: string, effect: string): Primitive => ({
	name,
	kernel,
	effect,
	args: [{name: 'pmd', kind: 'pmd'}],
	returns: 'bool',
	pure: true,
	run: (_ctx, [v]) => argOf(v!, 'pmd', name)[field],
});

/**
 * Write-protect the present leaf of va in place (one atomic bit clear). Other
 * CPUs' TLBs keep a writable entry until a flush: the caller's.
 */
const wrprotect = (name: string, level: 1 | 2, kernel: string): Primitive => ({
	name,
	kernel,
	effect: `clears the write bit of the present ${level === 1 ? 'PTE' : 'huge PMD'} for va (one atomic step; nothing if it is not present); TLBs keep a writable entry until the caller flushes`,
	args: [{name: 'va', kind: 'int'}],
	returns: 'void',
	run(ctx, [va]) {
		const a = argInt(va!, name, 'a va');
		const w = walk(ctx, a, level, name);
		if (level === 2 && w.level === 2 && w.entry !== undefined && !isLeaf(w.entry)) throw new Oops(`${name}: va ${hex(a)} is mapped by a PTE (use ptep_set_wrprotect)`);
		if (w.entry === undefined || !isLeaf(w.entry)) {
			note(ctx, `${name}: no present ${level === 1 ? 'PTE' : 'PMD leaf'} for va ${hex(a)}`);
			return null;
		}
		if (w.level !== level) throw new Oops(`${name}: va ${hex(a)} is mapped by a ${w.level === 2 ? 'huge PMD (use pmdp_set_wrprotect)' : 'PTE (use ptep_set_wrprotect)'}`);
		writeEntry(ctx, w.table, level, a, {...w.entry, write: false}, name);
		return null;
	},
});

export const pgtablePrimitives: Primitive[] = [
	{
		name: 'pmdp_get_lockless',
		kernel: 'include/linux/pgtable.h:pmdp_get_lockless (mm/gup.c:gup_pmd_range, G2)',
		effect: 'walks PGD -> PUD -> PMD without locks and returns the PMD entry (a table pointer or a huge leaf, also one pmdp_invalidate left: pmd_present still true); reading a freed table page is S6',
		args: [{name: 'va', kind: 'int'}],
		returns: 'pmd',
		run(ctx, [va]) {
			const a = argInt(va!, 'pmdp_get_lockless', 'a va');
			const w = walk(ctx, a, 2, 'pmdp_get_lockless');
			const value: PmdValue = {t: 'pmd', va: a, present: false, leaf: false, table: -1, pfn: -1, write: false};
			if (w.level !== 2 || w.entry === undefined) return value;
			if (isLeaf(w.entry)) {
				// an invalidated PMD still maps the page (the split is in place): it counts as mapped for S7
				noteRead(ctx, a, leafPfnAt(w.entry, 2, a));
				const leaf: PmdValue = {...value, present: true, leaf: true, table: w.table, pfn: w.entry.pfn, write: w.entry.write};
				if (w.entry.invalid) leaf.invalid = true;
				if (w.entry.dirty) leaf.dirty = true;
				return leaf;
			}
			return {...value, present: true, table: w.entry.table};
		},
	},
	{
		name: 'ptep_get_lockless',
		kernel: 'include/linux/pgtable.h:ptep_get_lockless (mm/gup.c:gup_pte_range [gup_fast_pte_range], G3)',
		effect: 'reads the PTE for va through the PMD value read before (pte_offset_map(&pmd)); for a huge PMD returns the PMD leaf; a none PMD is an oops of the scenario (gup-fast tests pmd_present first); reading a freed table page is S6',
		args: [{name: 'pmd', kind: 'pmd'}, {name: 'va', kind: 'int'}],
		returns: 'pte',
		run(ctx, [p, va]) {
			const pmd = argOf(p!, 'pmd', 'ptep_get_lockless');
			const a = argInt(va!, 'ptep_get_lockless', 'a va');
			if (!pmd.present) throw new Oops('ptep_get_lockless: the PMD is not present (test pmd_present first)');
			const e = readEntry(ctx, pmd.table, pmd.leaf ? 2 : 1, a, 'ptep_get_lockless');
			if (!e || !isLeaf(e)) return noneValue(a);
			noteRead(ctx, a, leafPfnAt(e, pmd.leaf ? 2 : 1, a));
			return leafValue(a, e, pmd.leaf);
		},
	},
	{
		name: 'ptep_get',
		kernel: 'mm/gup.c:follow_page_pte (pte_offset_map_lock + ptep_get, under the PTE lock)',
		effect: 'walks the page table to va (as the slow path does, under the lock) and returns the PTE',
		args: [{name: 'va', kind: 'int'}],
		returns: 'pte',
		run: (ctx, [va]) => walkLeaf(ctx, argInt(va!, 'ptep_get', 'a va'), 'ptep_get'),
	},
	predicate('pte_present', 'present', 'arch/x86/include/asm/pgtable.h:pte_present'),
	predicate('pte_write', 'write', 'arch/x86/include/asm/pgtable.h:pte_write'),
	predicate('pte_special', 'special', 'arch/x86/include/asm/pgtable.h:pte_special'),
	predicate('pte_devmap', 'devmap', 'arch/x86/include/asm/pgtable.h:pte_devmap (0 without CONFIG_ARCH_HAS_PTE_DEVMAP)'),
	{
		name: 'pte_none',
		kernel: 'include/linux/pgtable.h:pte_none',
		effect: 'true if the PTE value is empty',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'bool',
		pure: true,
		run: (_ctx, [v]) => !pte(v!, 'pte_none').present,
	},
	{
		name: 'pte_pfn',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_pfn',
		effect: 'the pfn a PTE value points at (arithmetic only)',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'int',
		pure: true,
		run: (_ctx, [v]) => pte(v!, 'pte_pfn').pfn,
	},
	{
		name: 'pte_val',
		kernel: 'arch/x86/include/asm/pgtable_types.h:pte_val',
		effect: 'the raw PTE word (pfn << 12 | present | write | special | devmap | dirty (0x40) bits; a PROT_NONE PTE has _PAGE_PROTNONE, 0x100, instead of _PAGE_PRESENT), for comparisons',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'int',
		pure: true,
		run: (_ctx, [v]) => pteWord(pte(v!, 'pte_val')),
	},
	{
		name: 'pte_same',
		kernel: 'include/linux/pgtable.h:pte_same (pte_val(a) == pte_val(b))',
		effect: 'true if two PTE values are the same word (as == on PTE values: where each was read does not count)',
		args: [{name: 'a', kind: 'pte'}, {name: 'b', kind: 'pte'}],
		returns: 'bool',
		pure: true,
		run: (_ctx, [a, b]) => pteWord(pte(a!, 'pte_same')) === pteWord(pte(b!, 'pte_same')),
	},
	{
		name: 'pte_wrprotect',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_wrprotect (clears _PAGE_RW) (mm/ksm.c:write_protect_page, mm/rmap.c:page_mkclean_one)',
		effect: 'the PTE value without the write bit (arithmetic only; a none PTE stays none)',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'pte',
		pure: true,
		run: (_ctx, [v]) => ({...pte(v!, 'pte_wrprotect'), write: false}),
	},
	pmdPredicate('pmd_present', 'present', 'arch/x86/include/asm/pgtable.h:pmd_present (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE)', 'true if the PMD value is present (a table or a huge leaf, also one pmdp_invalidate left: x86 tests _PAGE_PSE too, "split_huge_page will temporarily clear the present bit")'),
	pmdPredicate('pmd_leaf', 'leaf', 'arch/x86/include/asm/pgtable.h:pmd_leaf (pmd_trans_huge / pmd_devmap)', 'true if the PMD maps a huge page directly (_PAGE_PSE: also while pmdp_invalidate left it not present)'),
	{
		name: 'ptep_get_and_clear',
		kernel: 'arch/x86/include/asm/pgtable_64.h:native_ptep_get_and_clear (xchg) (mm/memory.c:zap_pte_range, D2, one PTE; ptep_clear in khugepaged K9)',
		effect: 'atomically clears the leaf mapping va and returns the old value; the va is now zapped (S5 looks for it in the TLBs when a flush of it returns). With a table (a PTE page the caller holds, hooked or not) it clears that page\'s entry for va: a write into a freed page is S6',
		args: [{name: 'va', kind: 'int'}, {name: 'table', kind: 'any', optional: true}],
		returns: 'pte',
		run: (ctx, [va, tv]) => getAndClear(ctx, argInt(va!, 'ptep_get_and_clear', 'a va'), tv, 'ptep_get_and_clear'),
	},
	{
		name: 'ptep_clear_flush',
		kernel: 'mm/pgtable-generic.c:ptep_clear_flush (ptep_get_and_clear; if pte_accessible(mm, pte), flush_tlb_page) (try_to_unmap_one [try_to_migrate_one], wp_page_copy)',
		effect: 'clears the PTE as ptep_get_and_clear, then, if it was accessible (pte_accessible: present to the hardware, or PROT_NONE while mm->tlb_flush_pending, 20841405940e), flushes that page on every CPU running the mm as flush_tlb_mm_range does (FLUSH=ipi: waits for the acks, a separate step); returns the old PTE. S5 checks the page when the flush returns. For the v3.8-v3.12 pte_accessible (_PAGE_PRESENT only) write ptep_get_and_clear and the test',
		args: [{name: 'va', kind: 'int'}, {name: 'table', kind: 'any', optional: true}],
		returns: 'pte',
		blocks: true,
		run(ctx, [va, tv]) {
			const a = argInt(va!, 'ptep_clear_flush', 'a va');
			const old = getAndClear(ctx, a, tv, 'ptep_clear_flush');
			return pteAccessible(ctx, old) ? startFlush(ctx, 'ptep_clear_flush', [a, a + 4096], false, undefined, old) : old;
		},
	},
	wrprotect('ptep_set_wrprotect', 1, 'arch/x86/include/asm/pgtable.h:ptep_set_wrprotect (clear_bit(_PAGE_BIT_RW, &ptep->pte)) (mm/memory.c:copy_present_pte, fork\'s COW)'),
	wrprotect('pmdp_set_wrprotect', 2, 'arch/x86/include/asm/pgtable.h:pmdp_set_wrprotect (clear_bit(_PAGE_BIT_RW, &pmdp->pmd)) (mm/huge_memory.c:copy_huge_pmd)'),
	{
		name: 'unmap_mapping_range',
		kernel: 'mm/memory.c:unmap_mapping_range(mapping, 0, 0, 1) -> zap_pte_range (D2)',
		effect: 'zaps every PTE mapping a pfn of the pgmap, one PTE per step (the CPU stays on the statement until the last is gone); the TLB flush is a separate call, D3 of KERNEL.md §2: write flush_tlb_mm_range() after it. The kernel\'s unmap_mapping_range flushes inside, per vma (zap_page_range_single: tlb_gather_mmu, unmap_single_vma, tlb_finish_mmu), so a scenario of today\'s code puts the flush right after the zap, before anything else',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'void',
		blocks: true,
		run(ctx, [p]) {
			const pg = argPgmap(ctx, p!, 'unmap_mapping_range');
			rd(ctx, 'pt');
			const inRange = allLeaves(ctx.m.pt).filter(l => l.entry.pfn >= pg.first && l.entry.pfn < pg.first + pg.npages);
			const first = inRange[0];
			if (!first) return null;
			writeEntry(ctx, first.table, first.level, first.va, undefined);
			dropMappingRef(ctx, first.entry.pfn, 'zap_pte_range');
			markZapped(ctx, first.va);
			note(ctx, `zap va ${hex(first.va)} (pfn ${hex(first.entry.pfn)})`);
			return inRange.length > 1 ? {repeat: true} : null;
		},
	},
	{
		name: 'free_pgtables',
		kernel: 'mm/memory.c:free_pgtables -> free_pte_range (pmd_clear; pte_free_tlb: freed_tables = 1), then mm/mmu_gather.c:tlb_finish_mmu -> tlb_flush_mmu: tlb_flush_mmu_tlbonly (the flush, freed_tables), tlb_flush_mmu_free -> tlb_table_flush (call_rcu) or the page batch',
		effect: 'without an mmu_gather, the table free of free_pgtables and its tlb_finish_mmu: unhooks the empty PTE page covering va from its PMD, flushes its 2 MiB region with freed_tables (so lazy CPUs are reached and, on either arch, the walk caches go; FLUSH=ipi: waits for the acks, a separate step), and frees the page: TABLE_FREE=ipi once the flush is acked (with the data pages, after the flush); rcu: call_rcu, a grace period that also waits for this CPU while it spins on the acks; none: at once, before the flush (the bug RCU table free fixed). With an mmu_gather, write free_pte_range (the unhook) and tlb_finish_mmu (the flush and the free) instead',
		args: [{name: 'va', kind: 'int'}],
		returns: 'void',
		blocks: true,
		run(ctx, [va]) {
			const a = argInt(va!, 'free_pgtables', 'a va');
			const path = tablePath(ctx.m.pt, a);
			const pmd = path.find(p => p.level === 2);
			const entry = pmd && ctx.m.pt.tables[pmd.table]!.entries[index(a, 2)];
			if (!pmd || !entry || isLeaf(entry)) throw new Oops(`free_pgtables: no PTE page under va ${hex(a)}`);
			const table = entry.table;
			if (Object.keys(ctx.m.pt.tables[table]!.entries).length > 0) throw new Oops(`free_pgtables: PTE page T${table} still has entries (zap them first)`);
			wr(ctx, `e:${pmd.table}:${index(a, 2)}`);
			wr(ctx, 'pt');
			delete ctx.m.pt.tables[pmd.table]!.entries[index(a, 2)];
			note(ctx, `PMD entry for va ${hex(a)} cleared; T${table} unhooked`);
			// The kernel frees a page-table page only behind the gather's flush with freed_tables
			// (tlb_flush_mmu: tlb_flush_mmu_tlbonly before tlb_flush_mmu_free), which reaches lazy CPUs
			// and drops the walk caches; the region the table mapped is what it covers.
			const base = pmdBase(a);
			const region: [number, number] = [base, base + PMD_SIZE];
			const tableFree = ctx.m.settings.tableFree;
			if (tableFree === 'none') {
				freeTableNow(ctx, table, 'TABLE_FREE=none: at once, before the flush');
				return startFlush(ctx, 'free_pgtables', region, true);
			}
			if (tableFree === 'rcu') {
				// call_rcu follows the flush: queued now, its grace period also waits for this CPU spinning on the acks
				const r = startFlush(ctx, 'free_pgtables', region, true);
				freeTableRcu(ctx, table);
				return r;
			}
			return startFlush(ctx, 'free_pgtables', region, true, {freeTable: table});
		},
	},
];

/** ptep_get_and_clear: the old leaf of va, cleared (in `table` if the caller names the PTE page); the va is zapped. */
function getAndClear(ctx: Ctx, a: number, tv: Value | undefined, prim: string): PteValue {
	if (tv !== undefined && tv !== null) {
		const id = tableArg(tv, prim);
		const e = readEntry(ctx, id, 1, a, prim);
		if (!e || !isLeaf(e)) return noneValue(a);
		writeEntry(ctx, id, 1, a, undefined, prim);
		markZapped(ctx, a);
		return leafValue(a, e, false);
	}
	const old = walkLeaf(ctx, a, prim);
	if (!old.present) return old;
	const leaf = findLeaf(ctx.m.pt, a)!;
	writeEntry(ctx, leaf.table, leaf.level, a, undefined);
	dropMappingRef(ctx, old.pfn, 'zap_pte_range');
	markZapped(ctx, a);
	return old;
}
