// The "take the interrupt" transition: a CPU with IRQs on and a pending IPI
// runs the handler (arch/x86/mm/tlb.c:flush_tlb_func for a flush IPI, nothing
// for tlb_remove_table_sync_one's empty IPI) and acks the sender.

import {type Ctx, note, wr} from './context.js';
import {flushLocal, rangeText} from './primitives/flush.js';
import type {CpuState} from './types.js';

export const canTakeInterrupt = (c: CpuState): boolean => c.irqsOn && c.ipis.length > 0;

export function takeInterrupt(ctx: Ctx): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	wr(ctx, `ipi:${c.id}`);
	wr(ctx, `irq:${c.id}`);
	const ipi = c.ipis.shift()!;
	if (ipi.kind === 'flush' && c.lazy) {
		// A lazy CPU that gets the flush switches to init_mm, dropping its
		// paging-structure caches "to avoid speculatively reading garbage".
		wr(ctx, `lazy:${c.id}`);
		wr(ctx, 'mm_cpumask');
		c.tlb = {};
		c.pwc = {};
		c.lazy = false;
		ctx.m.mmCpumask = ctx.m.mmCpumask.filter(id => id !== c.id);
		note(ctx, `flush_tlb_func: lazy CPU${c.id} switches to init_mm (TLB and paging-structure caches dropped) and acks CPU${ipi.from}`);
	} else if (ipi.kind === 'flush') {
		flushLocal(ctx, c.id, ipi.range, ipi.freedTables ?? false);
		note(ctx, `flush_tlb_func: CPU${c.id} flushes ${rangeText(ipi.range)} and acks CPU${ipi.from}`);
	} else {
		note(ctx, `empty IPI from CPU${ipi.from} acked`);
	}
	const sender = ctx.m.cpus[ipi.from]!;
	if (sender.wait?.kind === 'acks') {
		wr(ctx, `wait:${sender.id}`);
		sender.wait.pending = sender.wait.pending.filter(p => p !== c.id);
	}
}
