// TLBs, the hardware walker and TLB shootdown (arch/x86/mm/tlb.c).
// FLUSH=ipi: flush_tlb_mm_range sends an IPI to every other CPU in mm_cpumask
// and spins until each has run flush_tlb_func (on_each_cpu_cond_mask(...,
// wait=1)), which a CPU with IRQs off cannot do. FLUSH=broadcast (arm64 TLBI,
// AMD INVLPGB, paravirt) completes without the targets taking part.

import {type Ctx, note, rd, violate, wr} from '../context.js';
import {findLeaf} from '../pagetable.js';
import {hex} from '../values.js';
import {walkLeaf} from './pgtable.js';
import {argInt, Oops, type Primitive} from './spec.js';

export function flushLocal(ctx: Ctx, cpu: number, vas: number[] | null): void {
	wr(ctx, `tlb:${cpu}`);
	const tlb = ctx.m.cpus[cpu]!.tlb;
	for (const key of Object.keys(tlb)) if (vas === null || vas.includes(Number(key))) delete tlb[key];
}

/**
 * S5: when a flush returns, no CPU running the mm may still cache a va that
 * was zapped (whatever range this flush covered: a flush of the wrong range
 * is exactly the bug S5 is for).
 */
export function checkTlbCoherence(ctx: Ctx): void {
	for (const id of ctx.m.mmCpumask) {
		rd(ctx, `tlb:${id}`);
		for (const key of Object.keys(ctx.m.cpus[id]!.tlb)) {
			const va = Number(key);
			rd(ctx, 'pt');
			if (ctx.m.zapped.includes(va) && !findLeaf(ctx.m.pt, va)) {
				violate(ctx, 'tlb-incoherent', 'S5', `flush_tlb_mm_range returned but CPU${id} still caches zapped va ${hex(va)}`, [`tlb CPU${id}`, `va ${hex(va)}`]);
			}
		}
	}
}

/** Touch memory at pfn: S2 if the pfn is no longer backed or was reassigned. */
function touchMemory(ctx: Ctx, pfn: number, how: string): void {
	rd(ctx, `mem:${pfn}`);
	const m = ctx.m.pfns[pfn];
	if (m && (!m.backed || m.owner === 'reassigned')) {
		const why = !m.backed ? 'no longer backed by memory (removed by arch_remove_memory)' : `reassigned (owner: ${m.owner})`;
		violate(ctx, 'stale-mapping', 'S2', `CPU${ctx.cpu} ${how} pfn ${hex(pfn)}, which is ${why}`, [`pfn ${hex(pfn)}`]);
	}
}

export const tlbPrimitives: Primitive[] = [
	{
		name: 'access',
		kernel: 'hardware: TLB lookup, page walk on a miss, TLB fill, then the load (H1-H3)',
		effect: 'one user load by the CPU: a TLB hit accesses the cached pfn; a miss walks the page table and, if the PTE is present, fills the TLB and accesses the pfn. Returns false on a not-present PTE (a page fault is needed). Touching an unbacked or reassigned pfn is S2',
		args: [{name: 'va', kind: 'int'}],
		returns: 'bool',
		run(ctx, [v]) {
			const va = argInt(v!, 'access', 'a va');
			const cpu = ctx.m.cpus[ctx.cpu]!;
			if (!ctx.m.mmCpumask.includes(ctx.cpu)) throw new Oops(`access: CPU${ctx.cpu} is not running the mm (add it to mm_cpumask)`);
			rd(ctx, `tlb:${ctx.cpu}`);
			const hit = cpu.tlb[va];
			if (hit) {
				note(ctx, `TLB hit: va ${hex(va)} -> pfn ${hex(hit.pfn)}`);
				touchMemory(ctx, hit.pfn, 'loads (TLB hit)');
				return true;
			}
			const pte = walkLeaf(ctx, va, 'hardware walk');
			if (!pte.present) {
				note(ctx, `TLB miss: walk va ${hex(va)} -> not present: page fault`);
				return false;
			}
			wr(ctx, `tlb:${ctx.cpu}`);
			cpu.tlb[va] = {pfn: pte.pfn, write: pte.write};
			note(ctx, `TLB miss: walk va ${hex(va)} -> pte present, pfn ${hex(pte.pfn)}; TLB filled`);
			touchMemory(ctx, pte.pfn, 'loads');
			return true;
		},
	},
	{
		name: 'flush_tlb_mm_range',
		kernel: 'arch/x86/mm/tlb.c:flush_tlb_mm_range -> native_flush_tlb_multi -> on_each_cpu_cond_mask(wait=1) (D3)',
		effect: 'flushes the range (one va, or the whole mm) from this CPU\'s TLB; FLUSH=ipi: queues a flush IPI to every other CPU in mm_cpumask, then spins until all acked (a separate step); FLUSH=broadcast: flushes every CPU\'s TLB at once. On return S5 checks no CPU still caches a zapped va',
		args: [{name: 'va', kind: 'int', optional: true}],
		returns: 'void',
		blocks: true,
		run(ctx, args) {
			const vas = args.length > 0 && args[0] !== null ? [argInt(args[0]!, 'flush_tlb_mm_range', 'a va')] : null;
			rd(ctx, 'mm_cpumask');
			if (ctx.m.mmCpumask.includes(ctx.cpu)) flushLocal(ctx, ctx.cpu, vas);
			const targets = ctx.m.mmCpumask.filter(c => c !== ctx.cpu);
			if (ctx.m.settings.flush === 'broadcast') {
				for (const t of targets) flushLocal(ctx, t, vas);
				note(ctx, `broadcast TLB invalidation: ${targets.map(t => 'CPU' + t).join(', ') || 'no other CPU'} flushed without taking part`);
				checkTlbCoherence(ctx);
				return null;
			}
			if (targets.length === 0) {
				checkTlbCoherence(ctx);
				return null;
			}
			for (const t of targets) {
				wr(ctx, `ipi:${t}`);
				ctx.m.cpus[t]!.ipis.push({from: ctx.cpu, kind: 'flush', vas});
			}
			note(ctx, `flush IPI sent to ${targets.map(t => 'CPU' + t).join(', ')}; waiting for acks`);
			return {wait: {kind: 'acks', prim: 'flush_tlb_mm_range', pending: targets, vas}};
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
