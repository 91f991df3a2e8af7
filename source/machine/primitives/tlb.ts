// TLBs, the hardware walker and TLB shootdown (arch/x86/mm/tlb.c).
// FLUSH=ipi: flush_tlb_mm_range sends an IPI to every other CPU in mm_cpumask
// and spins until each has run flush_tlb_func (on_each_cpu_cond_mask(...,
// wait=1)), which a CPU with IRQs off cannot do. FLUSH=broadcast (arm64 TLBI,
// AMD INVLPGB, paravirt) completes without the targets taking part.

import {type Ctx, note, peek, rd, violate, wr} from '../context.js';
import {findLeaf, index, isLeaf, leafPfnAt, pmdBase} from '../pagetable.js';
import type {PteValue, TlbEntry} from '../types.js';
import {hex} from '../values.js';
import {startFlush, runningCpus} from './flush.js';
import {leafValue, noneValue, walk} from './pgtable.js';
import {checkRamAccess} from './ram.js';
import {argBool, argInt, Oops, type Primitive} from './spec.js';

/**
 * The hardware walker (H2). A paging-structure cache entry for va's 2 MiB
 * region takes it straight to the PTE page it used last time, hooked or not:
 * if that page was freed since, S6h. Otherwise it walks from the PGD (a freed
 * table on the way is S6) and caches the PTE page it went through.
 */
export function hwWalk(ctx: Ctx, va: number, who: string): PteValue {
	const c = ctx.m.cpus[ctx.cpu]!;
	const base = pmdBase(va);
	rd(ctx, `tlb:${ctx.cpu}`);
	const cached = peek(ctx.m, 'settings').walkCache ? peek(c, 'pwc')[base] : undefined;
	if (cached !== undefined) {
		rd(ctx, `table:${cached}`);
		rd(ctx, `e:${cached}:${index(va, 1)}`);
		const t = ctx.m.pt.tables[cached]!;
		if (t.freed) {
			violate(ctx, 'pwc-freed-table', 'S6h', `${who} on CPU${ctx.cpu} uses its paging-structure cache entry for va ${hex(va)} to PTE page T${cached}, which was freed`, [`pwc CPU${ctx.cpu}`, `table T${cached}`, `va ${hex(va)}`]);
		}
		const e = t.entries[index(va, 1)];
		note(ctx, `paging-structure cache hit: va ${hex(va)} -> T${cached}`);
		return e && isLeaf(e) ? leafValue(va, e, false) : noneValue(va);
	}
	const w = walk(ctx, va, 1, who);
	if (w.level === 1 && peek(ctx.m, 'settings').walkCache) {
		wr(ctx, `tlb:${ctx.cpu}`);
		c.pwc[base] = w.table;
	}
	if (w.entry === undefined || !isLeaf(w.entry)) return noneValue(va);
	return leafValue(va, w.entry, w.level === 2);
}

/**
 * What a user load or store does first: only a CPU running the mm, not lazy,
 * runs user code (a scenario asking otherwise is refused, not modelled); then
 * the TLB lookup. Read without drafts: the TLB is written only on a miss
 * (fill) or a fault. cachedBefore: whether va's paging-structure cache entry
 * predates this access (dropFaultingPwc reports only such an entry).
 */
export function userTlbLookup(ctx: Ctx, va: number, prim: string, lazyHint = ''): {hit: Readonly<TlbEntry> | undefined; cachedBefore: boolean} {
	const cpu = ctx.m.cpus[ctx.cpu]!;
	if (!peek(ctx.m, 'mmCpumask').includes(ctx.cpu)) throw new Oops(`${prim}: CPU${ctx.cpu} is not running the mm (add it to mm_cpumask)`);
	if (cpu.lazy) throw new Oops(`${prim}: CPU${ctx.cpu} is in lazy TLB mode and runs no user code${lazyHint}`);
	rd(ctx, `tlb:${ctx.cpu}`);
	return {hit: peek(cpu, 'tlb')[va], cachedBefore: peek(cpu, 'pwc')[pmdBase(va)] !== undefined};
}

/**
 * x86: the page fault a not-present walk raises invalidates the
 * paging-structure cache entries that would be used for the faulting address
 * (Intel SDM vol. 3, 4.10.4.1, "these invalidations ensure that the
 * page-fault exception will not recur ... if it would not be caused by the
 * contents of the paging structures in memory"). So a cache entry to a PTE
 * page unhooked without a flush costs one fault, not a fault for ever: the
 * retried load walks from the PGD. arm64 has no such rule (a translation
 * fault invalidates nothing): the entry stays until a TLBI.
 */
export function dropFaultingPwc(ctx: Ctx, va: number, cachedBefore: boolean): void {
	if (!peek(ctx.m, 'settings').walkCache || peek(ctx.m, 'settings').arch === 'arm64') return;
	const base = pmdBase(va);
	if (peek(ctx.m.cpus[ctx.cpu]!, 'pwc')[base] === undefined) return;
	wr(ctx, `tlb:${ctx.cpu}`);
	delete ctx.m.cpus[ctx.cpu]!.pwc[base];
	// an entry this walk made and the fault unmade is no news; one from before is
	if (cachedBefore) note(ctx, `the page fault drops CPU${ctx.cpu}'s paging-structure cache entry for va ${hex(va)} (x86)`);
}

/** Fill the TLB from a walked PTE (a RAM page's entry remembers which allocation it maps). */
export function fill(ctx: Ctx, va: number, pte: PteValue): void {
	wr(ctx, `tlb:${ctx.cpu}`);
	const ram = ctx.m.memmap[pte.pfn]?.ram;
	// The entry remembers the page's allocation: reading it orders this fill against an alloc_page of that pfn.
	if (ram) rd(ctx, `page:${pte.pfn}`);
	const entry: TlbEntry = ram ? {pfn: pte.pfn, write: pte.write, gen: ram.gen} : {pfn: pte.pfn, write: pte.write};
	if (pte.dirty) entry.dirty = true;
	if (peek(ctx.m, 'settings').hugeTlb) {
		if (pte.huge) entry.huge = true;
		checkTlbSizes(ctx, va, pte.huge);
	}
	ctx.m.cpus[ctx.cpu]!.tlb[va] = entry;
}

/**
 * S11: a CPU must never cache a small and a huge translation for the same
 * va at once: mm/huge_memory.c:__split_huge_pmd_locked invalidates the PMD
 * and flushes before pmd_populate because "it is generally safer to never
 * allow small and huge TLB entries for the same virtual address to be
 * loaded simultaneously" (AMD erratum 383; Intel: only if the two agree).
 * Checked at the fill that makes the second size. A lazy CPU's speculative
 * fill is exempt: the flush skipped it on purpose and it catches up at its
 * next switch_mm (as S2 exempts it).
 */
function checkTlbSizes(ctx: Ctx, va: number, huge: boolean): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	rd(ctx, `lazy:${ctx.cpu}`);
	if (c.lazy) return;
	const base = pmdBase(va);
	for (const [key, e] of Object.entries(peek(c, 'tlb'))) {
		const other = Number(key);
		if (other === va || pmdBase(other) !== base || (e.huge === true) === huge) continue;
		const [small, big] = huge ? [other, va] : [va, other];
		violate(ctx, 'tlb-size-conflict', 'S11', `CPU${ctx.cpu} caches va ${hex(small)} with a 4 KiB entry while a 2 MiB entry (filled through va ${hex(big)}) still covers region ${hex(base)}: a small and a huge TLB entry for the same virtual address (the PMD changed size without the invalidate-and-flush of __split_huge_pmd_locked)`, [`tlb CPU${ctx.cpu}`, `va ${hex(base)}`]);
		return;
	}
}

/** Touch memory at pfn: S2 if the pfn is no longer backed or was reassigned, or is a freed or reused RAM page. */
export function touchMemory(ctx: Ctx, pfn: number, gen: number | undefined, how: string): void {
	rd(ctx, `mem:${pfn}`);
	const m = ctx.m.pfns[pfn];
	if (m && (!m.backed || m.owner === 'reassigned')) {
		const why = !m.backed ? 'no longer backed by memory (removed by arch_remove_memory)' : `reassigned (owner: ${m.owner})`;
		violate(ctx, 'stale-access', 'S2', `CPU${ctx.cpu} ${how} pfn ${hex(pfn)}, which is ${why}`, [`pfn ${hex(pfn)}`]);
	}
	checkRamAccess(ctx, pfn, gen, how);
}

/**
 * S10: when a zap syscall returns, no non-lazy CPU running the mm may hold a
 * TLB entry in the range that is more permissive than the PTE: one for a va
 * with no PTE, a writable one over a read-only PTE, one to another pfn.
 */
function checkZapReturn(ctx: Ctx, start: number, end: number): void {
	rd(ctx, 'pt');
	for (const id of runningCpus(ctx)) {
		const c = ctx.m.cpus[id]!;
		rd(ctx, `tlb:${id}`);
		for (const [key, e] of Object.entries(c.tlb)) {
			const va = Number(key);
			if (va < start || va >= end) continue;
			const leaf = findLeaf(ctx.m.pt, va);
			const pfn = leaf && leafPfnAt(leaf.entry, leaf.level, va);
			const why = !leaf ? 'no PTE' : leaf.entry.invalid ? 'a huge PMD pmdp_invalidate left (not present)' : pfn !== e.pfn ? `a PTE to pfn ${hex(pfn!)}` : leaf.entry.protnone ? 'a PROT_NONE PTE' : e.write && !leaf.entry.write ? 'a read-only PTE' : null;
			if (why) violate(ctx, 'stale-tlb-return', 'S10', `the zap syscall returns while CPU${id}'s TLB maps va ${hex(va)} to pfn ${hex(e.pfn)}${e.write ? ' writable' : ''} over ${why}`, [`tlb CPU${id}`, `va ${hex(va)}`]);
		}
	}
}

export const tlbPrimitives: Primitive[] = [
	{
		name: 'access',
		kernel: 'hardware: TLB lookup, page walk on a miss (through the paging-structure cache), TLB fill, then the load (H1-H3)',
		effect: 'one user load by the CPU: a TLB hit accesses the cached pfn (also after the PTE became PROT_NONE, until a flush); a miss walks the page table (a paging-structure cache entry first: one to a freed PTE page is S6h) and, if the PTE is present to the hardware, fills the TLB and accesses the pfn (a huge PMD: its subpage at va; a 2 MiB entry under huge_tlb, where filling a small and a huge entry for one region is S11). Returns false on a not-present or PROT_NONE PTE, or a huge PMD pmdp_invalidate left (a page fault is needed); on x86 that fault also drops the paging-structure cache entry for va (Intel SDM 4.10.4.1), so a retried load walks from the PGD. Touching an unbacked or reassigned pfn, or a freed or reused RAM page, is S2',
		args: [{name: 'va', kind: 'int'}],
		returns: 'bool',
		run(ctx, [v]) {
			const va = argInt(v!, 'access', 'a va');
			const {hit, cachedBefore} = userTlbLookup(ctx, va, 'access', ' (use speculative_walk)');
			if (hit) {
				note(ctx, `TLB hit: va ${hex(va)} -> pfn ${hex(hit.pfn)}`);
				touchMemory(ctx, hit.pfn, hit.gen, 'loads (TLB hit)');
				return true;
			}
			const pte = hwWalk(ctx, va, 'hardware walk');
			if (!pte.present || pte.protnone) {
				note(ctx, `TLB miss: walk va ${hex(va)} -> ${pte.protnone ? 'PROT_NONE (_PAGE_PRESENT clear)' : 'not present'}: page fault`);
				dropFaultingPwc(ctx, va, cachedBefore);
				return false;
			}
			fill(ctx, va, pte);
			note(ctx, `TLB miss: walk va ${hex(va)} -> pte present, pfn ${hex(pte.pfn)}; TLB filled`);
			touchMemory(ctx, pte.pfn, undefined, 'loads');
			return true;
		},
	},
	{
		name: 'speculative_walk',
		kernel: 'hardware: a speculative page walk (arch/x86/mm/tlb.c: lazy CPUs may walk "while doing a speculative memory access")',
		effect: 'the walker of this CPU (lazy or not) walks va without a load: through its paging-structure cache if it has an entry (one to a freed PTE page is S6h), else from the PGD, filling the cache and, on a PTE present to the hardware (not PROT_NONE), the TLB. Returns whether it was; on a CPU that does not run the mm (or switched away to init_mm) it walks nothing of it and returns false',
		args: [{name: 'va', kind: 'int'}],
		returns: 'bool',
		run(ctx, [v]) {
			const va = argInt(v!, 'speculative_walk', 'a va');
			rd(ctx, 'mm_cpumask');
			if (!ctx.m.mmCpumask.includes(ctx.cpu)) {
				note(ctx, `speculative walk: CPU${ctx.cpu} does not run the mm (or switched to init_mm): nothing of it is walked`);
				return false;
			}
			const pte = hwWalk(ctx, va, 'speculative walk');
			// a PROT_NONE PTE is not present to the walker: nothing to fill
			const usable = pte.present && !pte.protnone;
			if (usable) fill(ctx, va, pte);
			return usable;
		},
	},
	{
		name: 'flush_tlb_mm_range',
		kernel: 'arch/x86/mm/tlb.c:flush_tlb_mm_range -> native_flush_tlb_multi -> on_each_cpu_cond_mask(should_flush_tlb, wait=1) (D3)',
		effect: 'flushes one va (or the whole mm) from this CPU\'s TLB; FLUSH=ipi: queues a flush IPI to every other CPU in mm_cpumask (lazy ones skipped unless freed_tables), then spins until all acked (a separate step; preemption off meanwhile, get_cpu(), so the CPU is an RCU reader; with no other CPU to reach it returns in the same step); FLUSH=broadcast: flushes every CPU\'s TLB at once. On return S5 checks no CPU still caches a va in the range zapped before the flush began (one another CPU zaps while it waits is that zapper\'s to flush)',
		args: [{name: 'va', kind: 'int', optional: true}, {name: 'freed_tables', kind: 'bool', optional: true}],
		returns: 'void',
		blocks: true,
		run(ctx, [v, ft]) {
			const va = v === undefined || v === null ? null : argInt(v, 'flush_tlb_mm_range', 'a va');
			return startFlush(ctx, 'flush_tlb_mm_range', va === null ? null : [va, va + 4096], argBool(ft, 'flush_tlb_mm_range'));
		},
	},
	{
		name: 'flush_tlb_page',
		kernel: 'arch/x86/include/asm/tlbflush.h:flush_tlb_page(vma, a) = flush_tlb_mm_range(vma->vm_mm, a, a + PAGE_SIZE, PAGE_SHIFT, false)',
		effect: 'flushes the page at va on every CPU running the mm, as flush_tlb_mm_range(va) does (lazy CPUs skipped: no tables freed); on return S5 checks that page',
		args: [{name: 'va', kind: 'int'}],
		kernelArgs: ['vma'],
		returns: 'void',
		blocks: true,
		run(ctx, [v]) {
			const va = argInt(v!, 'flush_tlb_page', 'a va');
			return startFlush(ctx, 'flush_tlb_page', [va, va + 4096], false);
		},
	},
	{
		name: 'flush_tlb_mm',
		kernel: 'arch/x86/include/asm/tlbflush.h:flush_tlb_mm(mm) = flush_tlb_mm_range(mm, 0UL, TLB_FLUSH_ALL, 0UL, true) (kernel/fork.c:dup_mmap)',
		effect: 'flushes the whole mm on every CPU running it, as flush_tlb_mm_range() with no va, with freed_tables as x86 passes it (so lazy CPUs are reached too); on return S5 checks every zapped va',
		args: [{name: 'mm', kind: 'context', optional: true}],
		returns: 'void',
		blocks: true,
		run: ctx => startFlush(ctx, 'flush_tlb_mm', null, true),
	},
	{
		name: 'flush_tlb_range',
		kernel: 'include/asm-generic/tlb.h / arch/x86/include/asm/tlbflush.h:flush_tlb_range -> flush_tlb_mm_range(mm, start, end, PAGE_SHIFT, freed_tables) (freed_tables false on x86 until 3ef938c35035)',
		effect: 'flushes the n pages from va on every CPU running the mm, as flush_tlb_mm_range does (lazy CPUs skipped unless freed_tables); under arch(arm64) it is never leaf-only (last_level = false: "we may be invalidating table entries as part of collapsing hugepages or moving page tables"), so the walk caches of the range go too; on return S5 checks that range only',
		args: [{name: 'va', kind: 'int'}, {name: 'npages', kind: 'int'}, {name: 'freed_tables', kind: 'bool', optional: true}],
		returns: 'void',
		blocks: true,
		run(ctx, [v, n, ft]) {
			const va = argInt(v!, 'flush_tlb_range', 'a va');
			const pages = argInt(n!, 'flush_tlb_range', 'a number of pages');
			return startFlush(ctx, 'flush_tlb_range', [va, va + pages * 4096], argBool(ft, 'flush_tlb_range'));
		},
	},
	{
		name: 'syscall_exit',
		kernel: 'kernel/entry/common.c:syscall_exit_to_user_mode (the return of madvise / munmap / mprotect, B8)',
		effect: 'the zap syscall over n pages from va returns to user space: S10 if a non-lazy CPU running the mm still holds a TLB entry in the range more permissive than its PTE (none, another pfn, PROT_NONE, or read-only under a writable entry)',
		args: [{name: 'va', kind: 'int'}, {name: 'npages', kind: 'int'}],
		returns: 'void',
		run(ctx, [v, n]) {
			const va = argInt(v!, 'syscall_exit', 'a va');
			checkZapReturn(ctx, va, va + argInt(n!, 'syscall_exit', 'a number of pages') * 4096);
			return null;
		},
	},
	{
		name: 'tlb_has',
		kernel: '(query) the CPU\'s TLB',
		effect: 'true if CPU cpu caches a translation for va (for invariants and asserts)',
		args: [{name: 'cpu', kind: 'int'}, {name: 'va', kind: 'int'}],
		returns: 'bool',
		run(ctx, [c, v]) {
			const id = argInt(c!, 'tlb_has');
			const cpu = ctx.m.cpus[id];
			if (!cpu) throw new Oops(`tlb_has: no CPU${id}`);
			rd(ctx, `tlb:${id}`);
			return cpu.tlb[argInt(v!, 'tlb_has', 'a va')] !== undefined;
		},
	},
];
