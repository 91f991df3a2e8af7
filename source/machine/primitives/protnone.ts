// PROT_NONE and NUMA-hinting PTEs (x86: _PAGE_PROTNONE set, _PAGE_PRESENT
// clear; arch/x86/include/asm/pgtable.h). Linux still counts such a PTE as
// present (pte_present tests either bit), so rmap walks, zaps and migration
// see the page mapped; the hardware walker does not: a TLB miss faults (the
// NUMA hinting fault, do_numa_page, or SIGSEGV under mprotect(PROT_NONE)). A
// TLB entry cached before the change keeps working until it is flushed, and
// change_protection_range flushes only once the whole range is done. Whoever
// decides from the PTE alone whether a flush is owed — ptep_clear_flush in
// migration and compaction — must count such a PTE as live while that flush
// is pending: pte_accessible(mm, pte) and mm->tlb_flush_pending, 20841405940e
// ("mm: fix TLB flush race between migration, and change_protection_range").

import {type Ctx, note, rd, wr} from '../context.js';
import {findLeaf} from '../pagetable.js';
import type {LeafEntry, PteValue, Value} from '../types.js';
import {hex} from '../values.js';
import {setPteAt} from './pgtable-life.js';
import {walkLeaf, writeEntry} from './pgtable.js';
import {argBool, argInt, argOf, argSym, Oops, type Primitive} from './spec.js';

/** The protections pte_modify can give a PTE (pgprot_t values of arch/x86/include/asm/pgtable_types.h). */
export const PROTS = ['PAGE_NONE', 'PAGE_READONLY', 'PAGE_COPY', 'PAGE_SHARED'] as const;

/** mm->tlb_flush_pending != 0 (mm_tlb_flush_pending), read as the PTL holder reads it. */
function flushPending(ctx: Ctx): boolean {
	rd(ctx, 'mm:flush_pending');
	return ctx.m.tlbFlushPending > 0;
}

/**
 * x86 pte_accessible(mm, pte) since 20841405940e: _PAGE_PRESENT, or
 * _PAGE_PROTNONE while a flush of the mm is pending (a CPU may still hold
 * the entry from before the PTE was made PROT_NONE). The pending count is
 * read only when it decides the answer.
 */
export function pteAccessible(ctx: Ctx, pte: PteValue): boolean {
	if (!pte.present) return false;
	if (!pte.protnone) return true;
	return flushPending(ctx);
}

/** A PTE value with the protection bits of `prot` and the rest (pfn, special, devmap) kept. */
function modify(pte: PteValue, prot: (typeof PROTS)[number]): PteValue {
	const {protnone: _, ...rest} = pte;
	const v: PteValue = {...rest, write: prot === 'PAGE_SHARED'};
	if (prot === 'PAGE_NONE') v.protnone = true;
	return v;
}

/**
 * The NUMA hinting fault on a PROT_NONE PTE whose page stays where it is
 * (do_numa_page with no target node: the PTE is made present again with the
 * vma's protection, writable if the vma is). Migration is the scenario's to
 * write: it is the race.
 */
export function numaHintingFault(ctx: Ctx, va: number, leaf: {entry: Readonly<LeafEntry>; table: number; level: number}, vmaWrite: boolean): number {
	const {protnone: _, ...rest} = leaf.entry;
	writeEntry(ctx, leaf.table, leaf.level, va, {...rest, write: vmaWrite}, 'do_numa_page');
	note(ctx, `fault at ${hex(va)}: PROT_NONE (NUMA hinting) PTE: do_numa_page makes it present again${vmaWrite ? ', writable' : ''} (no migration)`);
	return 0;
}

const pteArg = (v: Value | undefined, prim: string): PteValue => argOf(v ?? null, 'pte', prim);

export const protnonePrimitives: Primitive[] = [
	{
		name: 'pte_protnone',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_protnone ((flags & (_PAGE_PROTNONE | _PAGE_PRESENT)) == _PAGE_PROTNONE; CONFIG_NUMA_BALANCING, else 0) (mm/memory.c:handle_pte_fault -> do_numa_page; mm/gup.c:gup_fast_pte_range backs off; mm/mprotect.c:change_pte_range skips it)',
		effect: 'true if the PTE value is PROT_NONE / a NUMA hint: present to Linux, not to the hardware walker (no memory access)',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'bool',
		pure: true,
		run: (_ctx, [v]) => pteArg(v, 'pte_protnone').protnone === true,
	},
	{
		name: 'pte_accessible',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_accessible (_PAGE_PRESENT, or _PAGE_PROTNONE && atomic_read(&mm->tlb_flush_pending); 20841405940e) (mm/pgtable-generic.c:ptep_clear_flush, mm/rmap.c:set_tlb_ubc_flush_pending)',
		effect: 'true if a TLB may hold the PTE: it is present to the hardware, or it is PROT_NONE while mm->tlb_flush_pending is set (reads the count only then). Before 20841405940e (v3.8-v3.12) it was _PAGE_PRESENT alone: write pte_present(pte) && !pte_protnone(pte)',
		args: [{name: 'pte', kind: 'pte'}],
		kernelArgs: ['mm'],
		returns: 'bool',
		run: (ctx, [v]) => pteAccessible(ctx, pteArg(v, 'pte_accessible')),
	},
	{
		name: 'pte_access_permitted',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_access_permitted -> __pte_access_permitted (_PAGE_PRESENT | _PAGE_USER, and _PAGE_RW for a write; pkeys not modelled) (mm/gup.c:gup_fast_pte_range, G4)',
		effect: 'true if user code may access the page through this PTE value (a write only through a writable one); false for none and PROT_NONE (no memory access)',
		args: [{name: 'pte', kind: 'pte'}, {name: 'write', kind: 'bool', optional: true}],
		returns: 'bool',
		pure: true,
		run(_ctx, [v, w]) {
			const pte = pteArg(v, 'pte_access_permitted');
			return pte.present && !pte.protnone && (!argBool(w, 'pte_access_permitted') || pte.write);
		},
	},
	{
		name: 'pte_modify',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_modify (keeps _PAGE_CHG_MASK: pfn, special, devmap...; takes the protection bits of newprot; PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED) (mm/mprotect.c:change_pte_range, mm/memory.c:do_numa_page)',
		effect: 'the PTE value with a new protection: PAGE_NONE makes it PROT_NONE (change_prot_numa, mprotect(PROT_NONE)), PAGE_READONLY / PAGE_COPY present and read-only, PAGE_SHARED present and writable; the pfn and the special / devmap bits are kept. A none PTE is a mistake of the scenario',
		args: [{name: 'pte', kind: 'pte'}, {name: 'prot', kind: 'sym'}],
		returns: 'pte',
		pure: true,
		run(_ctx, [v, p]) {
			const pte = pteArg(v, 'pte_modify');
			if (!pte.present) throw new Oops('pte_modify: the PTE is none (change_pte_range only modifies present PTEs)');
			return modify(pte, argSym(p!, 'pte_modify', [...PROTS]) as (typeof PROTS)[number]);
		},
	},
	{
		name: 'pte_mkwrite',
		kernel: 'arch/x86/include/asm/pgtable.h:pte_mkwrite (sets _PAGE_RW) (mm/memory.c:do_numa_page, if (writable))',
		effect: 'the PTE value with the write bit set (a PROT_NONE PTE stays PROT_NONE: the bit does not make it present)',
		args: [{name: 'pte', kind: 'pte'}],
		returns: 'pte',
		pure: true,
		run(_ctx, [v]) {
			const pte = pteArg(v, 'pte_mkwrite');
			if (!pte.present) throw new Oops('pte_mkwrite: the PTE is none');
			return {...pte, write: true};
		},
	},
	{
		name: 'ptep_modify_prot_start',
		kernel: 'include/linux/pgtable.h:ptep_modify_prot_start -> __ptep_modify_prot_start = ptep_get_and_clear ("zero it out to make it non-present, preventing the hardware from asynchronously updating it") (mm/mprotect.c:change_pte_range, mm/memory.c:do_numa_page)',
		effect: 'atomically reads the PTE for va and leaves it none until ptep_modify_prot_commit (the caller holds the PTL, so only lockless walkers and the hardware see the hole: a walk faults); returns the old value. Not a zap: the va is not counted as zapped and the page keeps its mapping',
		args: [{name: 'va', kind: 'int'}],
		kernelArgs: ['vma'],
		returns: 'pte',
		run(ctx, [v]) {
			const va = argInt(v!, 'ptep_modify_prot_start', 'a va');
			const old = walkLeaf(ctx, va, 'ptep_modify_prot_start');
			if (!old.present) return old;
			if (old.huge) throw new Oops(`ptep_modify_prot_start: va ${hex(va)} is mapped by a huge PMD`);
			const leaf = findLeaf(ctx.m.pt, va)!;
			writeEntry(ctx, leaf.table, 1, va, undefined, 'ptep_modify_prot_start');
			return old;
		},
	},
	{
		name: 'ptep_modify_prot_commit',
		kernel: 'include/linux/pgtable.h:ptep_modify_prot_commit -> __ptep_modify_prot_commit = set_pte_at ("the pte is non-present, so there\'s no hardware state to preserve")',
		effect: 'stores the new PTE value for va (the end of a ptep_modify_prot_start / commit pair; old_pte is the value start returned). Other CPUs\' TLBs keep what they cached before start until the caller flushes',
		args: [{name: 'va', kind: 'int'}, {name: 'old_pte', kind: 'pte'}, {name: 'pte', kind: 'pte'}],
		kernelArgs: ['vma'],
		returns: 'void',
		run(ctx, [v, , p]) {
			// the PTE page under va's PMD, read through the footprint (none: an oops of the scenario)
			setPteAt(ctx, argInt(v!, 'ptep_modify_prot_commit', 'a va'), pteArg(p, 'ptep_modify_prot_commit'), undefined, 'ptep_modify_prot_commit');
			return null;
		},
	},
	{
		name: 'set_tlb_flush_pending',
		kernel: 'include/linux/mm_types.h:set_tlb_flush_pending (v3.13-v4.12: mm->tlb_flush_pending = true, a bool; 20841405940e) (mm/mprotect.c:change_protection_range)',
		effect: 'stores true in mm->tlb_flush_pending: a plain store, not a count. Two threads that set and clear it (task_numa_work holds mmap_sem only for read) lose each other\'s pending flush: 16af97dc5a89 made it the atomic_t of inc_tlb_flush_pending',
		args: [],
		kernelArgs: ['mm'],
		returns: 'void',
		run(ctx) {
			wr(ctx, 'mm:flush_pending');
			ctx.m.tlbFlushPending = 1;
			return null;
		},
	},
	{
		name: 'clear_tlb_flush_pending',
		kernel: 'include/linux/mm_types.h:clear_tlb_flush_pending (v3.13-v4.12: mm->tlb_flush_pending = false, after the flush) (mm/mprotect.c:change_protection_range)',
		effect: 'stores false in mm->tlb_flush_pending, whoever else set it',
		args: [],
		kernelArgs: ['mm'],
		returns: 'void',
		run(ctx) {
			wr(ctx, 'mm:flush_pending');
			ctx.m.tlbFlushPending = 0;
			return null;
		},
	},
];
