// The "take the interrupt" transition: a CPU with IRQs on and a pending IPI
// runs the handler (arch/x86/mm/tlb.c:flush_tlb_func for a flush IPI, nothing
// for tlb_remove_table_sync_one's empty IPI) and acks the sender.

import {type Ctx, note, wr} from './context.js';
import {flushLocal, rangeText} from './primitives/flush.js';
import {preemptAdd, setIrqs} from './locks.js';
import type {CpuState, DeviceIrq} from './types.js';
import {waitsOf} from './waits.js';

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
		wr(ctx, `tlb:${c.id}`);
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
	// The sender may be running an interrupt handler of its own: its wait then sits in a frame.
	const sender = ctx.m.cpus[ipi.from]!;
	for (const w of waitsOf(sender)) {
		if (w.kind !== 'acks' || !w.pending.includes(c.id)) continue;
		wr(ctx, `wait:${sender.id}`);
		w.pending = w.pending.filter(p => p !== c.id);
	}
}

/**
 * Take a device interrupt: the interrupted context (its pc, its wait, its IRQ
 * flag) is saved in a frame, and the handler runs in hardirq context: IRQs
 * off, and a raised preempt count (HARDIRQ_OFFSET), so it may not sleep.
 */
export function enterHandler(ctx: Ctx, entry: number, irq: DeviceIrq): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	wr(ctx, `ipi:${c.id}`);
	c.ipis = c.ipis.slice(1);
	c.irqFrames = [...c.irqFrames, {pc: c.pc, wait: c.wait, irqsOn: c.irqsOn}];
	c.wait = null;
	setIrqs(ctx, false);
	preemptAdd(ctx, 1);
	c.pc = entry;
	note(ctx, `CPU${c.id} takes irq ${irq.irq} (raised by CPU${irq.from}): its handler runs with IRQs off`);
}

/** The handler returns: what it interrupted resumes as it was. Returns the pc resumed. */
export function iret(ctx: Ctx): number {
	const c = ctx.m.cpus[ctx.cpu]!;
	const frame = c.irqFrames[c.irqFrames.length - 1]!;
	c.irqFrames = c.irqFrames.slice(0, -1);
	c.pc = frame.pc;
	c.wait = frame.wait;
	preemptAdd(ctx, -1);
	setIrqs(ctx, frame.irqsOn);
	return frame.pc;
}
