// Splitting a huge PMD in place (mm/huge_memory.c:__split_huge_pmd_locked):
// the PMD first becomes "present but invalid" (pmdp_invalidate: the pfn and
// _PAGE_PSE kept, _PAGE_PRESENT cleared, then a flush of the 2 MiB), the
// deposited PTE page is withdrawn and filled with the subpages' PTEs, and
// pmd_populate hooks it in. The invalid state exists so no CPU ever caches a
// small and a huge translation of one va at once; what each walker makes of
// it is x86's: pmd_present and pmd_leaf still say yes (arch/x86/include/asm/
// pgtable.h: "split_huge_page will temporarily clear the present bit (but the
// _PAGE_PSE flag will remain set at all times while the _PAGE_PRESENT bit is
// clear)"), pmd_access_permitted and the hardware walker say not present.

import {type Ctx, note} from '../context.js';
import {index, isLeaf, pmdBase, PMD_SIZE} from '../pagetable.js';
import type {LeafEntry, PmdValue, PteValue, Value} from '../types.js';
import {hex} from '../values.js';
import {startFlush} from './flush.js';
import {installed, pmdTable, pmdValueOf, pteTable} from './pgtable-life.js';
import {readEntry, writeEntry} from './pgtable.js';
import {argBool, argInt, argOf, Oops, type Primitive} from './spec.js';

/** The calls that can turn a huge PMD into a page table in place: TLB entries need their size then (huge_tlb). */
export const SPLITS_HUGE_PMD: ReadonlySet<string> = new Set(['pmdp_invalidate', 'pmdp_establish', 'pmd_mkinvalid']);

const pure = (p: Omit<Primitive, 'pure'>): Primitive => ({...p, pure: true});

function leafArg(v: Value, prim: string): PmdValue {
	const pmd = argOf(v, 'pmd', prim);
	if (!pmd.present || !pmd.leaf) throw new Oops(`${prim}: the PMD is ${pmd.present ? 'a page-table pointer' : 'none'}, not a huge leaf`);
	return pmd;
}

/** The xchg of x86 pmdp_establish: va's huge PMD becomes what `next` makes of it; the old value is returned. */
function establish(ctx: Ctx, va: number, next: (old: LeafEntry) => LeafEntry, prim: string): PmdValue {
	const pmd = pmdTable(ctx, va, prim, false);
	const e = readEntry(ctx, pmd, 2, va, prim);
	if (!e || !isLeaf(e)) throw new Oops(`${prim}: va ${hex(va)}'s PMD is ${e ? 'a page-table pointer' : 'none'}, not a huge leaf (the caller holds the PMD lock on a huge PMD)`);
	writeEntry(ctx, pmd, 2, va, next(e), prim);
	return pmdValueOf(va, pmd, e);
}

export const thpSplitPrimitives: Primitive[] = [
	{
		name: 'pmdp_invalidate',
		kernel: 'mm/pgtable-generic.c:pmdp_invalidate (old = pmdp_establish(vma, address, pmdp, pmd_mkinvalid(*pmdp)); flush_pmd_tlb_range(vma, address, address + HPAGE_PMD_SIZE), which is flush_tlb_range unless the arch has its own) (mm/huge_memory.c:__split_huge_pmd_locked)',
		effect: 'atomically (x86 pmdp_establish: xchg) makes va\'s huge PMD invalid: same pfn and bits, not present to the hardware walker or pmd_access_permitted, still pmd_present and pmd_leaf; then flushes the 2 MiB region on every CPU running the mm as flush_tlb_range does (FLUSH=ipi: waits for the acks, so not past a CPU with IRQs off; lazy CPUs skipped unless freed_tables, which x86 flush_tlb_range passes since 3ef938c35035, so pass true for v6.14 on). Returns the old PMD. A PMD that is no huge leaf is a fault of the scenario',
		args: [{name: 'va', kind: 'int'}, {name: 'freed_tables', kind: 'bool', optional: true}],
		kernelArgs: ['vma'],
		returns: 'pmd',
		blocks: true,
		run(ctx, [v, ft]) {
			const va = argInt(v!, 'pmdp_invalidate', 'a va');
			const old = establish(ctx, va, e => ({...e, invalid: true}), 'pmdp_invalidate');
			const base = pmdBase(va);
			note(ctx, `pmdp_invalidate: the huge PMD for ${hex(base)} (pfn ${hex(old.pfn)}) is invalid now: _PAGE_PRESENT clear, _PAGE_PSE kept`);
			return startFlush(ctx, 'pmdp_invalidate', [base, base + PMD_SIZE], argBool(ft, 'pmdp_invalidate'), undefined, old);
		},
	},
	{
		name: 'pmdp_establish',
		kernel: 'arch/x86/include/asm/pgtable.h:pmdp_establish (SMP: xchg(pmdp, pmd))',
		effect: 'atomically stores a huge PMD value (valid, or one pmd_mkinvalid made; its dirty bit, read with it, too) at va\'s huge PMD and returns the old one; no flush (pmdp_invalidate is this plus the flush)',
		args: [{name: 'va', kind: 'int'}, {name: 'pmd', kind: 'pmd'}],
		kernelArgs: ['vma'],
		returns: 'pmd',
		run(ctx, [v, p]) {
			const va = argInt(v!, 'pmdp_establish', 'a va');
			const pmd = leafArg(p!, 'pmdp_establish');
			const leaf: LeafEntry = {pfn: pmd.pfn, write: pmd.write, special: false, devmap: false};
			if (pmd.invalid) leaf.invalid = true;
			// the value stored is the whole word: a dirty bit the caller read (pmd_mkinvalid keeps it) stays
			if (pmd.dirty) leaf.dirty = true;
			const old = establish(ctx, va, () => leaf, 'pmdp_establish');
			if (!pmd.invalid) installed(ctx, va, pmd.pfn, 'pmdp_establish', true);
			return old;
		},
	},
	pure({
		name: 'pmd_mkinvalid',
		kernel: 'arch/x86/include/asm/pgtable.h:pmd_mkinvalid (pfn_pmd(pmd_pfn(pmd), pmd_flags(pmd) & ~(_PAGE_PRESENT|_PAGE_PROTNONE)))',
		effect: 'the huge PMD value made invalid: the same pfn and bits without _PAGE_PRESENT (arithmetic only; pmd_present stays true, _PAGE_PSE is kept)',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'pmd',
		run: (_ctx, [p]) => ({...leafArg(p!, 'pmd_mkinvalid'), invalid: true}),
	}),
	pure({
		name: 'pmd_page',
		kernel: 'arch/x86/include/asm/pgtable.h:pmd_page (pfn_to_page(pmd_pfn(pmd))), + ((addr & ~PMD_MASK) >> PAGE_SHIFT) as mm/gup.c:gup_fast_pmd_leaf adds',
		effect: 'the page a huge PMD value maps at the va it was read for: its subpage there (for a value read at the 2 MiB base, or made by mk_huge_pmd, the head page). An invalid PMD keeps its pfn',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'page',
		run(_ctx, [p]) {
			const pmd = leafArg(p!, 'pmd_page');
			return {t: 'page', pfn: pmd.pfn + index(pmd.va, 1)};
		},
	}),
	pure({
		name: 'pmd_write',
		kernel: 'arch/x86/include/asm/pgtable.h:pmd_write (_PAGE_RW)',
		effect: 'tests the write bit of a huge PMD value (kept by pmd_mkinvalid)',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'bool',
		run: (_ctx, [p]) => leafArg(p!, 'pmd_write').write,
	}),
	pure({
		name: 'pmd_access_permitted',
		kernel: 'arch/x86/include/asm/pgtable.h:pmd_access_permitted -> __pte_access_permitted (_PAGE_PRESENT|_PAGE_USER, and _PAGE_RW for a write) (mm/gup.c:gup_fast_pmd_leaf)',
		effect: 'whether gup-fast may use a huge PMD value: present in the hardware sense (false for one pmdp_invalidate left) and, with write, writable',
		args: [{name: 'pmd', kind: 'pmd'}, {name: 'write', kind: 'bool', optional: true}],
		returns: 'bool',
		run(_ctx, [p, w]) {
			const pmd = leafArg(p!, 'pmd_access_permitted');
			return !pmd.invalid && (!argBool(w, 'pmd_access_permitted') || pmd.write);
		},
	}),
	{
		name: 'set_ptes',
		kernel: 'include/linux/pgtable.h:set_ptes (nr set_pte stores, the pfn advancing one page each) (mm/huge_memory.c:__split_huge_pmd_locked: set_ptes(mm, haddr, pte, entry, HPAGE_PMD_NR))',
		effect: 'stores nr PTEs from va: the PTE value for va, then the next pages (pfn + 1, ...) with the same bits (dirty too), in the given PTE page (hooked or not: a withdrawn one is seen by nobody until pmd_populate) or the one under va\'s PMD; one step. The kernel fills all HPAGE_PMD_NR; a scenario fills the subpages it models (1 to 512, within one page table). Mapping a freed RAM page is S2',
		args: [{name: 'va', kind: 'int'}, {name: 'pte', kind: 'pte'}, {name: 'nr', kind: 'int'}, {name: 'table', kind: 'any', optional: true}],
		kernelArgs: ['mm'],
		returns: 'void',
		run(ctx, [v, p, n, t]) {
			const va = argInt(v!, 'set_ptes', 'a va');
			const pte: PteValue = argOf(p!, 'pte', 'set_ptes');
			const nr = argInt(n!, 'set_ptes', 'a number of pages');
			if (!pte.present) throw new Oops('set_ptes: the PTE value is none (set_ptes maps present pages)');
			if (nr < 1 || nr > 512 || pmdBase(va) !== pmdBase(va + (nr - 1) * 4096)) throw new Oops(`set_ptes: ${nr} PTEs from ${hex(va)} do not fit in one page table`);
			const table = pteTable(ctx, va, t, 'set_ptes', false);
			for (let i = 0; i < nr; i++) {
				const leaf: LeafEntry = {pfn: pte.pfn + i, write: pte.write, special: pte.special, devmap: pte.devmap};
				if (pte.protnone) leaf.protnone = true;
				// pte_next_pfn advances the pfn only: every other bit, _PAGE_DIRTY too, goes to each PTE
				// (__split_huge_pmd_locked passes pte_mkdirty(entry) for a dirty huge PMD).
				if (pte.dirty) leaf.dirty = true;
				writeEntry(ctx, table, 1, va + i * 4096, leaf, 'set_ptes');
				installed(ctx, va + i * 4096, leaf.pfn, 'set_ptes');
			}
			note(ctx, `set_ptes: T${table} maps ${hex(va)}.. to pfn ${hex(pte.pfn)}..${hex(pte.pfn + nr - 1)}`);
			return null;
		},
	},
];
