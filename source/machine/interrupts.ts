// The "take the interrupt" transition: a CPU with IRQs on and a pending IPI
// runs the handler (arch/x86/mm/tlb.c:flush_tlb_func for a flush IPI, nothing
// for tlb_remove_table_sync_one's empty IPI) and acks the sender.

import {type Ctx, note, wr} from './context.js';
import {flushLocal} from './primitives/tlb.js';
import type {CpuState} from './types.js';
import {hex} from './values.js';

export const canTakeInterrupt = (c: CpuState): boolean => c.irqsOn && c.ipis.length > 0;

export function takeInterrupt(ctx: Ctx): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	wr(ctx, `ipi:${c.id}`);
	wr(ctx, `irq:${c.id}`);
	const ipi = c.ipis.shift()!;
	if (ipi.kind === 'flush') {
		flushLocal(ctx, c.id, ipi.vas);
		note(ctx, `flush_tlb_func: CPU${c.id} flushes ${ipi.vas ? ipi.vas.map(hex).join(', ') : 'its TLB'} and acks CPU${ipi.from}`);
	} else {
		note(ctx, `empty IPI from CPU${ipi.from} acked`);
	}
	const sender = ctx.m.cpus[ipi.from]!;
	if (sender.wait?.kind === 'acks') {
		wr(ctx, `wait:${sender.id}`);
		sender.wait.pending = sender.wait.pending.filter(p => p !== c.id);
	}
}
