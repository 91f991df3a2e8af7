// Interrupt state and RCU read-side sections (include/linux/irqflags.h,
// include/linux/rcupdate.h). IRQs off defers IPIs and makes the CPU an RCU
// reader, which is all gup-fast relies on (mm/gup.c: "disabling interrupts
// ... blocks the TLB flush IPIs / RCU grace periods").

import {note, wr} from '../context.js';
import {mightSleep, setIrqs} from '../locks.js';
import {currentReaders, isReader, readerExit} from '../rcu.js';
import {Oops, type Primitive} from './spec.js';

export const irqPrimitives: Primitive[] = [
	{
		name: 'local_irq_save',
		kernel: 'include/linux/irqflags.h:local_irq_save (mm/gup.c:lockless_pages_from_mm [internal_get_user_pages_fast in v5.11], G1)',
		effect: 'saves the IRQ flag on the CPU\'s stack and disables IRQs: pending IPIs wait; the CPU becomes an RCU reader. `local_irq_save(flags)` is accepted: the CPU keeps the saved flag itself',
		args: [{name: 'flags', kind: 'context', optional: true}],
		returns: 'void',
		run(ctx) {
			const c = ctx.m.cpus[ctx.cpu]!;
			c.irqSaved.push(c.irqsOn);
			setIrqs(ctx, false);
			return null;
		},
	},
	{
		name: 'local_irq_restore',
		kernel: 'include/linux/irqflags.h:local_irq_restore (G11)',
		effect: 'restores the flag saved by the matching local_irq_save; if IRQs come back on, deferred IPIs can be taken and RCU grace periods waiting on this CPU advance',
		args: [{name: 'flags', kind: 'context', optional: true}],
		returns: 'void',
		run(ctx) {
			const c = ctx.m.cpus[ctx.cpu]!;
			if (c.irqSaved.length === 0) throw new Oops('local_irq_restore without a matching local_irq_save');
			const saved = c.irqSaved.pop()!;
			setIrqs(ctx, saved);
			return null;
		},
	},
	{
		name: 'local_irq_disable',
		kernel: 'include/linux/irqflags.h:local_irq_disable',
		effect: 'disables IRQs (no nesting)',
		args: [],
		returns: 'void',
		run(ctx) {
			setIrqs(ctx, false);
			return null;
		},
	},
	{
		name: 'local_irq_enable',
		kernel: 'include/linux/irqflags.h:local_irq_enable',
		effect: 'enables IRQs (no nesting)',
		args: [],
		returns: 'void',
		run(ctx) {
			setIrqs(ctx, true);
			return null;
		},
	},
	{
		name: 'rcu_read_lock',
		kernel: 'include/linux/rcupdate.h:rcu_read_lock',
		effect: 'enters an RCU read-side critical section (nests)',
		args: [],
		returns: 'void',
		run(ctx) {
			wr(ctx, `irq:${ctx.cpu}`);
			ctx.m.cpus[ctx.cpu]!.rcuDepth += 1;
			return null;
		},
	},
	{
		name: 'rcu_read_unlock',
		kernel: 'include/linux/rcupdate.h:rcu_read_unlock',
		effect: 'leaves the read-side section; grace periods waiting on this CPU advance',
		args: [],
		returns: 'void',
		run(ctx) {
			const c = ctx.m.cpus[ctx.cpu]!;
			if (c.rcuDepth === 0) throw new Oops('rcu_read_unlock without rcu_read_lock');
			wr(ctx, `irq:${ctx.cpu}`);
			const was = isReader(c);
			c.rcuDepth -= 1;
			if (was && !isReader(c)) readerExit(ctx, ctx.cpu);
			return null;
		},
	},
	{
		name: 'synchronize_rcu',
		kernel: 'kernel/rcu/tree.c:synchronize_rcu',
		effect: 'blocks until every CPU that was an RCU reader at the call has left its read-side section; a caller inside one (rcu_read_lock, preemption or IRQs off) waits for itself: a deadlock',
		args: [],
		returns: 'void',
		blocks: true,
		run(ctx) {
			mightSleep(ctx, 'synchronize_rcu');
			wr(ctx, 'rcu');
			const readers = currentReaders(ctx);
			if (readers.length === 0) return null;
			return {wait: {kind: 'gp', prim: 'synchronize_rcu', readers}};
		},
	},
	{
		name: 'raise_irq',
		kernel: 'hardware: the device asserts its interrupt line; kernel/irq/handle.c:handle_irq_event runs the handler with IRQs off',
		effect: 'makes the interrupt pending on the CPU its `irq` block runs on (raised again while it is still pending, the raises merge: one pending interrupt per line); that CPU takes it (transition i<cpu>) when its IRQs are on: the handler runs there, statement by statement, with IRQs off, then returns to what it interrupted',
		args: [{name: 'irq', kind: 'irq'}],
		returns: 'void',
		run(ctx, [v]) {
			if (v === null || typeof v !== 'object' || v.t !== 'irq') throw new Oops(`raise_irq: expected an irq, got ${String(v)}`);
			wr(ctx, `ipi:${v.cpu}`);
			const target = ctx.m.cpus[v.cpu]!;
			// One pending interrupt per line (the APIC's IRR bit, the edge flow's IRQS_PENDING):
			// raised again before the CPU takes it, it merges with the pending one.
			if (target.ipis.some(i => i.kind === 'device' && i.irq === v.name)) {
				note(ctx, `${v.name} is already pending on CPU${v.cpu}: this raise merges with it`);
				return null;
			}
			target.ipis.push({from: ctx.cpu, kind: 'device', irq: v.name});
			return null;
		},
	},
];
