// TLB shootdown as arch/x86/mm/tlb.c does it (and the broadcast flavour of
// arm64 TLBI / AMD INVLPGB), shared by flush_tlb_mm_range, flush_tlb_range,
// pmdp_collapse_flush and the mmu_gather: who gets the flush, what a flushed
// CPU drops (TLB entries, paging-structure cache entries), what a blocked
// flusher does once every target acked, and the checks made when it returns.

import {type Ctx, note, peek, rd, violate, wr} from '../context.js';
import {preemptAdd} from '../locks.js';
import {findLeaf, PMD_SIZE, pmdBase} from '../pagetable.js';
import type {Ipi, Value, VaRange, Wait, WaitAfter} from '../types.js';
import {hex} from '../values.js';
import {waitsOf} from '../waits.js';
import {gatherFinish, gatherFree, gatherReset} from './mmu-gather.js';
import {freeTableNow} from './table-free.js';
import type {PrimResult} from './spec.js';

export const inRange = (va: number, r: VaRange | null): boolean => r === null || (va >= r[0] && va < r[1]);

export const rangeText = (r: VaRange | null): string => (r === null ? 'the whole mm' : r[1] - r[0] === 4096 ? hex(r[0]) : `${hex(r[0])}-${hex(r[1])}`);

/** Does a 2 MiB region (a PWC entry) overlap the range? */
const regionIn = (base: number, r: VaRange | null): boolean => r === null || (base < r[1] && base + PMD_SIZE > r[0]);

/**
 * What one CPU drops for a flush of `range`: its TLB entries there, and its
 * paging-structure cache entries behind them (x86: always, "flushing an
 * individual page had better flush the page table caches behind it"; arm64:
 * only for a flush that is not leaf-only, `walkCaches`).
 */
export function flushLocal(ctx: Ctx, cpu: number, range: VaRange | null, walkCaches: boolean): void {
	wr(ctx, `tlb:${cpu}`);
	const c = ctx.m.cpus[cpu]!;
	// the keys read from the record as it is (no trap per key), the deletes made through the draft
	// A huge entry goes with any flush touching its 2 MiB (INVLPG of an address in a large page drops the whole entry).
	for (const [key, e] of Object.entries(peek(c, 'tlb'))) if (inRange(Number(key), range) || (e.huge && regionIn(pmdBase(Number(key)), range))) delete c.tlb[key];
	if (peek(ctx.m, 'settings').arch === 'arm64' && !walkCaches) return;
	for (const key of Object.keys(peek(c, 'pwc'))) if (regionIn(Number(key), range)) delete c.pwc[key];
}

/**
 * The arm64 flushes that are never leaf-only, whatever freed_tables says:
 * flush_tlb_range passes last_level = false ("We cannot use leaf-only
 * invalidation here, since we may be invalidating table entries as part of
 * collapsing hugepages or moving page tables", arch/arm64/include/asm/
 * tlbflush.h), and pmdp_collapse_flush and pmdp_invalidate (through
 * flush_pmd_tlb_range) call it; flush_tlb_mm invalidates the whole ASID.
 * flush_tlb_page (TLBI VALE1IS) and the mmu_gather's tlb_flush
 * (last_level = !tlb->freed_tables) are leaf-only unless tables were freed.
 */
const NON_LEAF_ON_ARM64 = new Set(['flush_tlb_range', 'pmdp_collapse_flush', 'pmdp_invalidate', 'flush_tlb_mm']);

/** Whether this flush drops the walk caches on arm64 (x86 drops them with any flush). */
const walkCachesGo = (ctx: Ctx, prim: string, freedTables: boolean): boolean => freedTables || (peek(ctx.m, 'settings').arch === 'arm64' && NON_LEAF_ON_ARM64.has(prim));

/**
 * The other CPUs a flush must reach: mm_cpumask, less lazy-TLB CPUs unless
 * tables were freed (native_flush_tlb_multi: on_each_cpu_cond_mask with
 * should_flush_tlb, or on_each_cpu_mask when freed_tables).
 */
export function flushTargets(ctx: Ctx, freedTables: boolean): number[] {
	rd(ctx, 'mm_cpumask');
	return ctx.m.mmCpumask.filter(id => {
		if (id === ctx.cpu) return false;
		rd(ctx, `lazy:${id}`);
		return freedTables || !ctx.m.cpus[id]!.lazy;
	});
}

/**
 * Flush `range` on this CPU and every target. FLUSH=broadcast: done now, the
 * targets take no part (lazy CPUs included: the hardware does not know about
 * them). FLUSH=ipi: IPIs queued, the CPU spins until all acked; the second
 * step runs `after` and returns `result`.
 */
export function startFlush(ctx: Ctx, prim: string, range: VaRange | null, freedTables: boolean, after?: WaitAfter, result: Value = null): PrimResult {
	const walkCaches = walkCachesGo(ctx, prim, freedTables);
	if (ctx.m.mmCpumask.includes(ctx.cpu)) flushLocal(ctx, ctx.cpu, range, walkCaches);
	const what = `${rangeText(range)}${freedTables ? ', freed_tables' : ''}`;
	if (ctx.m.settings.flush === 'broadcast') {
		rd(ctx, 'mm_cpumask');
		const all = ctx.m.mmCpumask.filter(id => id !== ctx.cpu);
		for (const t of all) flushLocal(ctx, t, range, walkCaches);
		note(ctx, `broadcast TLB invalidation of ${what}: ${all.map(t => 'CPU' + t).join(', ') || 'no other CPU'} flushed without taking part`);
		return finishFlush(ctx, {kind: 'acks', prim, pending: [], range, after, result});
	}
	const targets = flushTargets(ctx, freedTables);
	const skipped = ctx.m.mmCpumask.filter(id => id !== ctx.cpu && !targets.includes(id));
	if (skipped.length > 0) note(ctx, `lazy ${skipped.map(t => 'CPU' + t).join(', ')} skipped (no tables freed)`);
	if (targets.length === 0) {
		note(ctx, `flush of ${what}: no other CPU to reach`);
		return finishFlush(ctx, {kind: 'acks', prim, pending: [], range, after, result});
	}
	for (const t of targets) {
		wr(ctx, `ipi:${t}`);
		// the IPI's flag is what the target drops: walk caches too for an arm64 non-leaf flush (x86 ignores it)
		queueIpi(ctx, t, {from: ctx.cpu, kind: 'flush', range, freedTables: walkCaches});
	}
	wr(ctx, `flushwait:${ctx.cpu}`);
	note(ctx, `flush IPI (${what}) sent to ${targets.map(t => 'CPU' + t).join(', ')}; waiting for acks`);
	return {wait: {kind: 'acks', prim, pending: targets, range, after: spinsPreemptOff(ctx, after), result}};
}

/**
 * Queue an IPI on `cpu` ahead of the device interrupts pending there: the
 * local APIC serves the highest pending vector first, and the IPI vectors
 * (CALL_FUNCTION_VECTOR 0xfc, arch/x86/include/asm/irq_vectors.h) sit above
 * every device vector. So a CPU that turns IRQs on with both pending runs
 * flush_tlb_func before the device's handler (the interrupt transition takes
 * the head of the queue). Among IPIs, and among device interrupts, the order
 * is the order sent.
 */
function queueIpi(ctx: Ctx, cpu: number, ipi: Ipi): void {
	const c = ctx.m.cpus[cpu]!;
	const queue = peek(c, 'ipis');
	const at = queue.findIndex(i => i.kind === 'device');
	if (at < 0) c.ipis.push(ipi);
	else c.ipis = [...queue.slice(0, at), ipi, ...queue.slice(at)];
}

/** An empty IPI to every other CPU, waited for (tlb_remove_table_sync_one, smp_call_function(wait=1)). */
export function startSyncIpi(ctx: Ctx, prim: string, after?: WaitAfter): PrimResult {
	const targets = ctx.m.cpus.filter(c => c.id !== ctx.cpu).map(c => c.id);
	if (targets.length === 0) return finishFlush(ctx, {kind: 'acks', prim, pending: [], range: null, after});
	for (const t of targets) {
		wr(ctx, `ipi:${t}`);
		queueIpi(ctx, t, {from: ctx.cpu, kind: 'sync', range: null, freedTables: false});
	}
	note(ctx, `empty IPI sent to ${targets.map(t => 'CPU' + t).join(', ')}; waiting for acks`);
	return {wait: {kind: 'acks', prim, pending: targets, range: null, after: spinsPreemptOff(ctx, after)}};
}

/**
 * The sender waits for the acks with preemption off: flush_tlb_mm_range holds
 * get_cpu() from the local flush to the last ack, smp_call_function
 * preempt_disable() (tlb_remove_table_sync_one). So it is an RCU reader
 * meanwhile (v5.0+): a grace period cannot end under a CPU spinning on acks.
 */
function spinsPreemptOff(ctx: Ctx, after: WaitAfter | undefined): WaitAfter {
	preemptAdd(ctx, 1);
	return {...after, putCpu: true};
}

const FLUSHES = new Set(['flush_tlb_mm_range', 'flush_tlb_mm', 'flush_tlb_page', 'flush_tlb_range', 'ptep_clear_flush', 'pmdp_collapse_flush', 'pmdp_invalidate', 'tlb_flush_mmu_tlbonly', 'tlb_flush_mmu', 'tlb_finish_mmu', 'free_pgtables']);

/**
 * The end of a blocking call whose wait is over (or that did not need to
 * wait): S5 for the range a returning flush covered, then the deferred
 * effects (free_pgtables' table free once its flush was acked, the mmu_gather's free
 * step after its flush). Returns the call's result.
 */
export function finishFlush(ctx: Ctx, w: Extract<Wait, {kind: 'acks'}>): Value {
	if (FLUSHES.has(w.prim)) {
		rd(ctx, `flushwait:${ctx.cpu}`);
		checkTlbCoherence(ctx, w.range, w.prim, w.late);
	}
	const a = w.after;
	if (a?.putCpu) preemptAdd(ctx, -1);
	if (a?.freeTable !== undefined) freeTableNow(ctx, a.freeTable, 'after the flush');
	if (a?.gatherReset) gatherReset(ctx);
	if (a?.gatherFree) gatherFree(ctx);
	if (a?.finish) gatherFinish(ctx);
	return w.result ?? null;
}

/**
 * va's leaf was cleared: it is zapped, and S5 looks for it in the TLBs when a
 * flush of it returns. A flush another CPU is waiting on began before this
 * zap: what it promises is that the entries zapped before it are gone, not
 * this one (mprotect's flush while reclaim clears a PTE it already changed is
 * not mprotect's bug: reclaim flushes before it frees). Such a flush records
 * the va as late and leaves it to this zapper's own flush.
 */
export function markZapped(ctx: Ctx, va: number): void {
	if (!ctx.m.zapped.includes(va)) ctx.m.zapped.push(va);
	for (const c of ctx.m.cpus) {
		if (c.id === ctx.cpu) continue;
		rd(ctx, `flushwait:${c.id}`);
		for (const w of waitsOf(c)) {
			if (w.kind !== 'acks' || !FLUSHES.has(w.prim) || !inRange(va, w.range) || w.late?.includes(va)) continue;
			wr(ctx, `flushwait:${c.id}`);
			w.late = [...(w.late ?? []), va];
		}
	}
}

/** The CPUs in mm_cpumask that are not lazy: who runs the mm's user code now. Reads what it skips too. */
export function runningCpus(ctx: Ctx): number[] {
	rd(ctx, 'mm_cpumask');
	return ctx.m.mmCpumask.filter(id => {
		rd(ctx, `lazy:${id}`);
		return !ctx.m.cpus[id]!.lazy;
	});
}

/**
 * S5: when a flush returns, no non-lazy CPU running the mm may still cache a
 * zapped va in the range that flush covered. (A va outside it is not this
 * flush's business: S10 at the syscall's return asks whether anyone flushed it.)
 */
export function checkTlbCoherence(ctx: Ctx, range: VaRange | null, prim = 'flush_tlb_mm_range', late?: number[]): void {
	for (const id of runningCpus(ctx)) {
		const c = ctx.m.cpus[id]!;
		rd(ctx, `tlb:${id}`);
		for (const key of Object.keys(c.tlb)) {
			const va = Number(key);
			if (!inRange(va, range) || late?.includes(va)) continue;
			rd(ctx, 'pt');
			if (ctx.m.zapped.includes(va) && !findLeaf(ctx.m.pt, va)) {
				violate(ctx, 'tlb-incoherent', 'S5', `${prim} of ${rangeText(range)} returned but CPU${id} still caches zapped va ${hex(va)}`, [`tlb CPU${id}`, `va ${hex(va)}`]);
			}
		}
	}
}
