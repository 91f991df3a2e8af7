// The life of a page-table page at every level (KERNEL.md §6.A2): allocate and
// populate (pte_alloc / pmd_install), clear and collapse the PMD, install
// leaves at either level, move PTEs (mremap), deposit and withdraw the PTE page
// of a huge PMD, and unhook it into an mmu_gather (free_pgtables). Each
// function is one atomic store or xchg, as on SMP x86; what protects a
// lockless walker is left to the caller's order of calls, which is the race.

import {type Ctx, note, rd, violate, wr} from '../context.js';
import {noteInstall, noteInstallHuge} from '../gup-window.js';
import {noteAcquire} from '../lock-order.js';
import {available, lockKey, preemptAdd, queueOn} from '../locks.js';
import {index, isLeaf, pmdBase, tablePath} from '../pagetable.js';
import type {LeafEntry, PmdValue, PteValue, Value} from '../types.js';
import {hex} from '../values.js';
import {markZapped, startFlush} from './flush.js';
import {adjustRange, gatherOf} from './mmu-gather.js';
import {readEntry, writeEntry} from './pgtable.js';
import {argBool, argInt, argOf, KernelFault, Oops, pageName, type Primitive} from './spec.js';
import {freeTableNow, tableArg} from './table-free.js';
import {ptlName} from './ptl.js';

/** Fake pfns of page-table pages, for pmd_val: T3 lives at pfn 0x80003. */
const TABLE_PFN_BASE = 0x80000;

/** The PMD page covering va (reading the PGD and PUD entries on the way); with `alloc`, the missing levels are allocated. */
export function pmdTable(ctx: Ctx, va: number, who: string, alloc: boolean): number {
	let id = ctx.m.pt.root;
	for (let level = 4; level > 2; level--) {
		const e = readEntry(ctx, id, level, va, who);
		if (e === undefined) {
			if (!alloc) throw new Oops(`${who}: no PMD page for va ${hex(va)}`);
			const fresh = newTable(ctx, level - 1);
			writeEntry(ctx, id, level, va, {table: fresh}, who);
			id = fresh;
		} else if (isLeaf(e)) throw new Oops(`${who}: va ${hex(va)} is mapped by a huge entry above the PMD`);
		else id = e.table;
	}
	return id;
}

function newTable(ctx: Ctx, level: number): number {
	wr(ctx, 'pt');
	const id = ctx.m.pt.nextTable++;
	wr(ctx, `table:${id}`);
	ctx.m.pt.tables[id] = {level, entries: {}, freed: false};
	return id;
}

export function pmdValueOf(va: number, pmdTableId: number, e: ReturnType<typeof readEntry>): PmdValue {
	const v: PmdValue = {t: 'pmd', va, present: false, leaf: false, table: -1, pfn: -1, write: false};
	if (e === undefined) return v;
	if (isLeaf(e)) {
		const leaf: PmdValue = {...v, present: true, leaf: true, table: pmdTableId, pfn: e.pfn, write: e.write};
		if (e.invalid) leaf.invalid = true;
		if (e.dirty) leaf.dirty = true;
		return leaf;
	}
	return {...v, present: true, table: e.table};
}

/**
 * The raw word: _PAGE_PSE (0x80) on a leaf, _PAGE_DIRTY (0x40) once a store
 * through it set it, _PAGE_PRESENT (0x1) unless pmdp_invalidate cleared it (x86 also inverts the pfn bits of a non-present
 * entry, L1TF's protnone_mask: any word distinct from the valid one will do).
 */
const pmdVal = (p: PmdValue): number => (!p.present ? 0 : p.leaf ? p.pfn * 4096 + 0x80 + (p.invalid ? 0 : 1) + (p.write ? 2 : 0) + (p.dirty ? 0x40 : 0) : (TABLE_PFN_BASE + p.table) * 4096 + 0x63);

/**
 * A leaf for va now maps pfn (a huge one: pfn is its head, over va's 2 MiB region): it counts as
 * mapped for the open gup-fast windows that read va; mapping a freed RAM page is S2.
 */
export function installed(ctx: Ctx, va: number, pfn: number, who: string, huge = false): void {
	const ram = ctx.m.memmap[pfn]?.ram;
	if (ram) {
		rd(ctx, `page:${pfn}`);
		if (ram.free) violate(ctx, 'freed-page-use', 'S2', `${who} maps ${pageName(pfn)}, which is free in the page allocator`, [pageName(pfn)]);
	}
	if (huge) noteInstallHuge(ctx, va, pfn);
	else noteInstall(ctx, va, pfn);
}

function populate(ctx: Ctx, va: number, table: number, who: string): void {
	const t = ctx.m.pt.tables[table];
	if (!t || t.level !== 1) throw new Oops(`${who}: T${table} is not a PTE page`);
	const pmd = pmdTable(ctx, va, who, true);
	writeEntry(ctx, pmd, 2, va, {table}, who);
	rd(ctx, `table:${table}`);
	for (const [i, e] of Object.entries(t.entries)) if (isLeaf(e)) installed(ctx, pmdBase(va) + Number(i) * 4096, e.pfn, who);
}

/** The xchg(*pmd, 0) of pmdp_huge_get_and_clear. */
export function pmdGetAndClear(ctx: Ctx, va: number, who: string): PmdValue {
	const pmd = pmdTable(ctx, va, who, false);
	const e = readEntry(ctx, pmd, 2, va, who);
	const old = pmdValueOf(va, pmd, e);
	if (e !== undefined) writeEntry(ctx, pmd, 2, va, undefined, who);
	return old;
}

/** The PTE page a set_pte_at or move writes into: the one given, or the one under va (allocated if `alloc`). */
export function pteTable(ctx: Ctx, va: number, tv: Value | undefined, who: string, alloc: boolean): number {
	if (tv !== undefined && tv !== null) return tableArg(tv, who);
	const pmd = pmdTable(ctx, va, who, alloc);
	const e = readEntry(ctx, pmd, 2, va, who);
	if (e === undefined) {
		if (!alloc) throw new Oops(`${who}: no PTE page under va ${hex(va)} (pte_alloc first)`);
		const fresh = newTable(ctx, 1);
		writeEntry(ctx, pmd, 2, va, {table: fresh}, who);
		return fresh;
	}
	if (isLeaf(e)) throw new Oops(`${who}: va ${hex(va)} is mapped by a huge PMD`);
	return e.table;
}

const pure = (p: Omit<Primitive, 'pure'>): Primitive => ({...p, pure: true});

/** One store of a PTE value (a PROT_NONE one stays PROT_NONE) into the PTE page given, or the one under va's PMD. */
export function setPteAt(ctx: Ctx, va: number, pte: PteValue, tv: Value | undefined, who: string): void {
	const table = pteTable(ctx, va, tv, who, false);
	const leaf: LeafEntry = {pfn: pte.pfn, write: pte.write, special: pte.special, devmap: pte.devmap};
	if (pte.protnone) leaf.protnone = true;
	if (pte.dirty) leaf.dirty = true;
	writeEntry(ctx, table, 1, va, pte.present ? leaf : undefined, who);
	if (pte.present) installed(ctx, va, pte.pfn, who);
}

/** pmd_install with the PMD lock free: lock, populate if still none, unlock, as one step. */
function pmdInstall(ctx: Ctx, va: number): null {
	const pmd = pmdTable(ctx, va, 'pte_alloc', true);
	if (readEntry(ctx, pmd, 2, va, 'pte_alloc') === undefined) {
		const t = newTable(ctx, 1);
		writeEntry(ctx, pmd, 2, va, {table: t}, 'pte_alloc');
		note(ctx, `pmd_populate: va ${hex(va)} -> new PTE page T${t}`);
	}
	return null;
}

export const pgtableLifePrimitives: Primitive[] = [
	{
		name: 'pte_alloc',
		kernel: 'mm/memory.c:__pte_alloc -> pte_alloc_one; pmd_install (pmd_lock, if pmd_none: smp_wmb, pmd_populate; else pte_free)',
		effect: 'makes sure a PTE page is under va\'s PMD: allocates the missing levels and, if the PMD is still none, a new PTE page hooked under it. pmd_install holds the PMD lock: while another CPU holds it (pmd_lock), this CPU spins on it (preemption off), and the install is one step once the lock is free',
		args: [{name: 'va', kind: 'int'}],
		returns: 'void',
		blocks: true,
		run(ctx, [v]) {
			const va = argInt(v!, 'pte_alloc', 'a va');
			const name = ptlName(pmdTable(ctx, va, 'pte_alloc', true));
			rd(ctx, lockKey(name));
			noteAcquire(ctx, name, 'pte_alloc');
			if (available(ctx.m, name, 'excl')) return pmdInstall(ctx, va);
			preemptAdd(ctx, 1); // spin_lock: preemption goes off before the spin
			return queueOn(ctx, 'pte_alloc', name, 'excl', [va]);
		},
		resume(ctx, w) {
			preemptAdd(ctx, -1);
			return pmdInstall(ctx, w.data![0]!);
		},
	},
	{
		name: 'pte_alloc_one',
		kernel: 'include/asm-generic/pgalloc.h:pte_alloc_one',
		effect: 'allocates an empty PTE page, hooked nowhere yet; returns it',
		args: [],
		returns: 'table',
		run: ctx => ({t: 'table', id: newTable(ctx, 1)}),
	},
	{
		name: 'pmd_populate',
		kernel: 'arch/x86/include/asm/pgalloc.h:pmd_populate (set_pmd: one store)',
		effect: 'points va\'s PMD at the PTE page (khugepaged\'s abort path puts the old one back this way); its PTEs are live again',
		args: [{name: 'va', kind: 'int'}, {name: 'table', kind: 'any'}],
		returns: 'void',
		run(ctx, [v, t]) {
			populate(ctx, argInt(v!, 'pmd_populate', 'a va'), tableArg(t!, 'pmd_populate'), 'pmd_populate');
			return null;
		},
	},
	{
		name: 'pmd_clear',
		kernel: 'arch/x86/include/asm/pgtable.h:native_pmd_clear (store 0) (mm/memory.c:free_pte_range)',
		effect: 'clears va\'s PMD entry (a table pointer or a huge leaf) with one store; the PTE page it pointed at is detached, not freed',
		args: [{name: 'va', kind: 'int'}],
		returns: 'void',
		run(ctx, [v]) {
			pmdGetAndClear(ctx, argInt(v!, 'pmd_clear', 'a va'), 'pmd_clear');
			return null;
		},
	},
	{
		name: 'pmdp_huge_get_and_clear',
		kernel: 'arch/x86/include/asm/pgtable_64.h:native_pmdp_get_and_clear (xchg) (khugepaged K5a)',
		effect: 'atomically clears va\'s PMD entry and returns the old value (a huge leaf, or the pointer to a PTE page, which is now detached)',
		args: [{name: 'va', kind: 'int'}],
		returns: 'pmd',
		run: (ctx, [v]) => pmdGetAndClear(ctx, argInt(v!, 'pmdp_huge_get_and_clear', 'a va'), 'pmdp_huge_get_and_clear'),
	},
	{
		name: 'pmdp_collapse_flush',
		kernel: 'mm/pgtable-generic.c:pmdp_collapse_flush = pmdp_huge_get_and_clear; flush_tlb_range(vma, addr, addr + HPAGE_PMD_SIZE) (khugepaged K5, R2)',
		effect: 'clears va\'s PMD as pmdp_huge_get_and_clear, then flushes the 2 MiB region on every CPU running the mm (FLUSH=ipi: waits for the acks, so not past a CPU with IRQs off; lazy CPUs skipped unless freed_tables, which x86 passed only since 3ef938c35035); returns the old PMD',
		args: [{name: 'va', kind: 'int'}, {name: 'freed_tables', kind: 'bool', optional: true}],
		returns: 'pmd',
		blocks: true,
		run(ctx, [v, ft]) {
			const va = argInt(v!, 'pmdp_collapse_flush', 'a va');
			const old = pmdGetAndClear(ctx, va, 'pmdp_collapse_flush');
			const base = pmdBase(va);
			return startFlush(ctx, 'pmdp_collapse_flush', [base, base + 0x200000], argBool(ft, 'pmdp_collapse_flush'), undefined, old);
		},
	},
	{
		name: 'set_pmd_at',
		kernel: 'arch/x86/include/asm/pgtable.h:set_pmd_at -> native_set_pmd (one store) (khugepaged K10)',
		effect: 'stores a PMD value at va\'s PMD: a huge leaf (mk_huge_pmd; one pmd_mkinvalid made stays invalid; a dirty one read from a PMD stays dirty) or a table pointer',
		args: [{name: 'va', kind: 'int'}, {name: 'pmd', kind: 'pmd'}],
		returns: 'void',
		run(ctx, [v, p]) {
			const va = argInt(v!, 'set_pmd_at', 'a va');
			const pmd = argOf(p!, 'pmd', 'set_pmd_at');
			if (!pmd.present) {
				pmdGetAndClear(ctx, va, 'set_pmd_at');
				return null;
			}
			if (!pmd.leaf) {
				populate(ctx, va, pmd.table, 'set_pmd_at');
				return null;
			}
			const table = pmdTable(ctx, va, 'set_pmd_at', true);
			const leaf: LeafEntry = {pfn: pmd.pfn, write: pmd.write, special: false, devmap: false};
			if (pmd.invalid) leaf.invalid = true;
			if (pmd.dirty) leaf.dirty = true;
			writeEntry(ctx, table, 2, va, leaf, 'set_pmd_at');
			installed(ctx, va, pmd.pfn, 'set_pmd_at', true);
			return null;
		},
	},
	pure({
		name: 'mk_huge_pmd',
		kernel: 'mm/huge_memory.c:mk_huge_pmd (+ maybe_pmd_mkwrite)',
		effect: 'a huge PMD value mapping the page (writable if write is true)',
		args: [{name: 'page', kind: 'page'}, {name: 'write', kind: 'bool', optional: true}],
		returns: 'pmd',
		run: (_ctx, [pg, w]) => ({t: 'pmd', va: 0, present: true, leaf: true, table: -1, pfn: argOf(pg!, 'page', 'mk_huge_pmd').pfn, write: argBool(w, 'mk_huge_pmd')}),
	}),
	pure({
		name: 'pmd_val',
		kernel: 'arch/x86/include/asm/pgtable_types.h:pmd_val',
		effect: 'the raw PMD word, for comparisons (70cbc3cc78a9\'s re-check compares pmd_val(pmd) with pmd_val(*pmdp)); an invalidated huge PMD has a word of its own, neither the huge one nor none; the dirty bit the walker sets (0x40) is part of the word, as in pte_val',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'int',
		run: (_ctx, [p]) => pmdVal(argOf(p!, 'pmd', 'pmd_val')),
	}),
	pure({
		name: 'pmd_same',
		kernel: 'include/linux/pgtable.h:pmd_same',
		effect: 'true if two PMD values are the same word',
		args: [{name: 'a', kind: 'pmd'}, {name: 'b', kind: 'pmd'}],
		returns: 'bool',
		run: (_ctx, [a, b]) => pmdVal(argOf(a!, 'pmd', 'pmd_same')) === pmdVal(argOf(b!, 'pmd', 'pmd_same')),
	}),
	pure({
		name: 'pmd_none',
		kernel: 'arch/x86/include/asm/pgtable.h:pmd_none',
		effect: 'true if the PMD value is empty',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'bool',
		run: (_ctx, [p]) => !argOf(p!, 'pmd', 'pmd_none').present,
	}),
	pure({
		name: 'pmd_pgtable',
		kernel: 'arch/x86/include/asm/pgalloc.h:pmd_pgtable (pmd_page)',
		effect: 'the PTE page a table PMD value points at. Of a none PMD (or a huge leaf) the kernel takes pmd_page() of it, physical page 0 (or the huge page), for a page table and goes on with it: unstable-pmd, and the CPU stops there (move_normal_pmd populating the new PMD from an old one retract_page_tables cleared since move_page_tables looked at it)',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'table',
		run(ctx, [p]) {
			const pmd = argOf(p!, 'pmd', 'pmd_pgtable');
			// not the scenario's fault: x86 pmd_pgtable is pmd_page(), which computes a page for any word
			if (!pmd.present || pmd.leaf) throw new KernelFault('unstable-pmd', 'S6', `pmd_pgtable on CPU${ctx.cpu} of a PMD that is ${pmd.present ? 'a huge mapping' : 'none'}: the kernel would take ${pmd.present ? 'the huge page' : 'physical page 0'} for a page table (a path that tests the PMD first, pmd_none / pmd_leaf, must test it here too)`, [`va ${hex(pmd.va)}`]);
			return {t: 'table', id: pmd.table};
		},
	}),
	pure({
		name: 'mk_pte',
		kernel: 'include/linux/mm.h:mk_pte',
		effect: 'a PTE value mapping the page (writable if write is true)',
		args: [{name: 'page', kind: 'page'}, {name: 'write', kind: 'bool', optional: true}],
		returns: 'pte',
		run: (_ctx, [pg, w]): PteValue => ({t: 'pte', va: 0, present: true, write: argBool(w, 'mk_pte'), special: false, devmap: false, pfn: argOf(pg!, 'page', 'mk_pte').pfn, huge: false}),
	}),
	{
		name: 'set_pte_at',
		kernel: 'arch/x86/include/asm/pgtable.h:set_pte_at -> native_set_pte (one store)',
		effect: 'stores a PTE value for va: in the given PTE page (hooked or not: a write into a freed one is S6), or in the one under va\'s PMD. A none value clears it. Mapping a freed RAM page is S2',
		args: [{name: 'va', kind: 'int'}, {name: 'pte', kind: 'pte'}, {name: 'table', kind: 'any', optional: true}],
		returns: 'void',
		run(ctx, [v, p, t]) {
			setPteAt(ctx, argInt(v!, 'set_pte_at', 'a va'), argOf(p!, 'pte', 'set_pte_at'), t, 'set_pte_at');
			return null;
		},
	},
	{
		name: 'move_ptes',
		kernel: 'mm/mremap.c:move_ptes (per PTE: ptep_get_and_clear(old), set_pte_at(new); old and new PTL held)',
		effect: 'moves the n PTEs from old to new, one PTE per step (the CPU stays on the statement until the last is moved); the old vas are zapped. The kernel takes the old and new PTLs inside move_ptes: here the caller takes them (pte_offset_map_lock on both) so the flush can be placed against their release, and move_ptes does not check them. The TLB flush of the old range is the caller\'s: before the PTLs are dropped since eb66ae030829, after before it',
		args: [{name: 'old', kind: 'int'}, {name: 'new', kind: 'int'}, {name: 'npages', kind: 'int'}],
		returns: 'void',
		blocks: true,
		run(ctx, [o, n, c]) {
			const from = argInt(o!, 'move_ptes', 'a va');
			const to = argInt(n!, 'move_ptes', 'a va');
			const count = argInt(c!, 'move_ptes', 'a number of pages');
			// move_page_tables calls move_ptes per extent within one PMD: one PTE table on each side.
			if (count < 1 || count > 512) throw new Oops(`move_ptes: ${count} pages: it moves 1 to 512, the PTEs of one page table (move_page_tables splits the range by PMD)`);
			for (const [va, what] of [[from, 'old'], [to, 'new']] as const) {
				if (pmdBase(va) !== pmdBase(va + (count - 1) * 4096)) throw new Oops(`move_ptes: the ${what} range ${hex(va)} + ${count} pages crosses a 2 MiB boundary (one page table per call)`);
			}
			// It walks both ranges' PMDs and the old PTEs it skips or looks ahead at: a move of nothing still read them.
			rd(ctx, 'pt');
			const leafAt = (va: number): boolean => {
				const p = tablePath(ctx.m.pt, va).find(s => s.level === 1);
				return p !== undefined && isLeaf(ctx.m.pt.tables[p.table]!.entries[index(va, 1)]);
			};
			for (let i = 0; i < count; i++) {
				const src = from + i * 4096;
				const path = tablePath(ctx.m.pt, src).find(s => s.level === 1);
				if (!path) continue;
				const e = readEntry(ctx, path.table, 1, src, 'move_ptes');
				if (!e || !isLeaf(e)) continue;
				writeEntry(ctx, path.table, 1, src, undefined, 'move_ptes');
				markZapped(ctx, src);
				const dst = to + i * 4096;
				writeEntry(ctx, pteTable(ctx, dst, undefined, 'move_ptes', true), 1, dst, e, 'move_ptes');
				noteInstall(ctx, dst, e.pfn);
				note(ctx, `move_ptes: va ${hex(src)} -> ${hex(dst)} (pfn ${hex(e.pfn)})`);
				for (let j = i + 1; j < count; j++) if (leafAt(from + j * 4096)) return {repeat: true};
				return null;
			}
			return null;
		},
	},
	{
		name: 'pgtable_trans_huge_deposit',
		kernel: 'mm/pgtable-generic.c:pgtable_trans_huge_deposit (khugepaged K10)',
		effect: 'keeps the PTE page with the huge PMD at va (for a later split or zap_deposited_table)',
		args: [{name: 'va', kind: 'int'}, {name: 'table', kind: 'any'}],
		returns: 'void',
		run(ctx, [v, t]) {
			const base = pmdBase(argInt(v!, 'pgtable_trans_huge_deposit', 'a va'));
			wr(ctx, `deposit:${base}`);
			(ctx.m.pt.deposited[base] ??= []).push(tableArg(t!, 'pgtable_trans_huge_deposit'));
			return null;
		},
	},
	{
		name: 'pgtable_trans_huge_withdraw',
		kernel: 'mm/pgtable-generic.c:pgtable_trans_huge_withdraw',
		effect: 'takes back the PTE page deposited with the huge PMD at va (the last deposited first); NULL if none, for a scenario to test (the kernel never withdraws where nothing was deposited: on an empty list it would dereference NULL, and __split_huge_pmd_locked of a DAX PMD, which deposits none on x86, zaps instead)',
		args: [{name: 'va', kind: 'int'}],
		returns: 'table',
		run(ctx, [v]) {
			const base = pmdBase(argInt(v!, 'pgtable_trans_huge_withdraw', 'a va'));
			wr(ctx, `deposit:${base}`);
			const list = ctx.m.pt.deposited[base];
			const id = list?.pop();
			if (list && list.length === 0) delete ctx.m.pt.deposited[base];
			return id === undefined ? null : {t: 'table', id};
		},
	},
	{
		name: 'zap_deposited_table',
		kernel: 'mm/huge_memory.c:zap_deposited_table (pgtable_trans_huge_withdraw; pte_free, immediate)',
		effect: 'withdraws the PTE page deposited at va and frees it at once, whoever may still walk it',
		args: [{name: 'va', kind: 'int'}],
		returns: 'void',
		run(ctx, [v]) {
			const base = pmdBase(argInt(v!, 'zap_deposited_table', 'a va'));
			wr(ctx, `deposit:${base}`);
			const list = ctx.m.pt.deposited[base];
			const id = list?.pop();
			if (id === undefined) throw new Oops(`zap_deposited_table: nothing deposited at ${hex(base)}`);
			if (list!.length === 0) delete ctx.m.pt.deposited[base];
			freeTableNow(ctx, id, 'zap_deposited_table: withdrawn, pte_free at once');
			return null;
		},
	},
	{
		name: 'free_pte_range',
		kernel: 'mm/memory.c:free_pgtables -> free_pgd_range -> free_pte_range (pmd_clear; pte_free_tlb)',
		effect: 'the unhook step of free_pgtables for va\'s PTE page: clears the PMD entry and hands the page to this CPU\'s mmu_gather with freed_tables set, widening its range by the page at va (pte_free_tlb\'s tlb_flush_pmd_range); it is freed by the gather (tlb_finish_mmu) per TABLE_FREE. No PTL is taken',
		args: [{name: 'va', kind: 'int'}],
		kernelArgs: ['tlb', 'pmd'],
		returns: 'void',
		run(ctx, [v]) {
			const va = argInt(v!, 'free_pte_range', 'a va');
			const g = gatherOf(ctx, 'free_pte_range');
			const old = pmdGetAndClear(ctx, va, 'free_pte_range');
			if (!old.present || old.leaf) throw new Oops(`free_pte_range: no PTE page under va ${hex(va)}`);
			g.freedTables = true;
			// pte_free_tlb: tlb_flush_pmd_range(tlb, addr, PAGE_SIZE).
			adjustRange(g, va, va + 4096);
			if (ctx.m.settings.tableFree === 'none') {
				freeTableNow(ctx, old.table, `unhooked from va ${hex(va)}, TABLE_FREE=none: at once`);
			} else {
				g.tables.push(old.table);
				note(ctx, `PTE page T${old.table} unhooked from va ${hex(va)}; queued in CPU${ctx.cpu}'s mmu_gather (freed_tables)`);
			}
			return null;
		},
	},
	{
		name: 'remove_vma',
		kernel: 'mm/mmap.c:remove_vma (munmap, after unmap_region)',
		effect: 'the vma covering va is gone: a fault there no longer installs anything',
		args: [{name: 'va', kind: 'int'}],
		returns: 'void',
		run(ctx, [v]) {
			const va = argInt(v!, 'remove_vma', 'a va');
			wr(ctx, 'vmas');
			const i = ctx.m.vmas.findIndex(x => va >= x.va && va < x.va + x.npages * 4096);
			if (i < 0) throw new Oops(`remove_vma: no vma covers ${hex(va)}`);
			ctx.m.vmas.splice(i, 1);
			return null;
		},
	},
];

