// RCU as the model needs it: who is a reader now, grace periods that wait for
// the readers present when they began, and callbacks run when theirs ends.
// A CPU with IRQs off is a reader (it cannot pass a quiescent state), as is a
// CPU inside rcu_read_lock(). A callback runs in the step that ends its grace
// period: the model does not delay callbacks further (see docs/model.md).

import {type Ctx, rd, wr, note} from './context.js';
import type {CpuState, RcuCallback} from './types.js';
import {waitsOf} from './waits.js';
import {refPut} from './percpu-ref.js';

export const isReader = (c: CpuState): boolean => !c.irqsOn || c.rcuDepth > 0 || c.preempt > 0;

/** The CPUs a grace period starting now must wait for (reads every CPU's IRQ state). */
export function currentReaders(ctx: Ctx): number[] {
	const out: number[] = [];
	for (const c of ctx.m.cpus) {
		rd(ctx, `irq:${c.id}`);
		if (isReader(c)) out.push(c.id);
	}
	return out;
}

/** call_rcu(): queue a callback behind the current readers, or run it at once if there are none. */
export function callRcu(ctx: Ctx, cb: RcuCallback): void {
	wr(ctx, 'rcu');
	if (cb.readers.length === 0) {
		runCallback(ctx, cb);
		return;
	}
	ctx.m.rcu.push(cb);
	note(ctx, `call_rcu: grace period waits for ${cb.readers.map(c => 'CPU' + c).join(', ')}`);
}

/** A CPU left its read-side critical section: advance every grace period waiting on it. */
export function readerExit(ctx: Ctx, cpu: number): void {
	wr(ctx, 'rcu');
	for (const c of ctx.m.cpus) {
		for (const w of waitsOf(c)) {
			if (w.kind === 'gp' && w.readers.includes(cpu)) {
				wr(ctx, `wait:${c.id}`);
				w.readers = w.readers.filter(r => r !== cpu);
			}
		}
	}
	if (!ctx.m.rcu.some(cb => cb.readers.includes(cpu))) return;
	const ready: RcuCallback[] = [];
	const still: RcuCallback[] = [];
	for (const cb of ctx.m.rcu) {
		const readers = cb.readers.filter(r => r !== cpu);
		if (readers.length === 0) ready.push({...cb, readers});
		else still.push({...cb, readers});
	}
	ctx.m.rcu = still;
	for (const cb of ready) {
		note(ctx, `grace period ended: RCU callback runs (${cb.kind})`);
		runCallback(ctx, cb);
	}
}

function runCallback(ctx: Ctx, cb: RcuCallback): void {
	if (cb.kind === 'ref-switch-atomic') {
		const p = ctx.m.pgmaps[cb.pgmap]!;
		wr(ctx, `pgmap:${p.name}`);
		p.ref.mode = 'atomic';
		// percpu_ref_kill's put of the base reference becomes visible now.
		refPut(ctx, p, 1, 'percpu_ref_kill (base ref, after the switch to atomic)');
	} else {
		const t = ctx.m.pt.tables[cb.table]!;
		wr(ctx, `table:${cb.table}`);
		t.freed = true;
		note(ctx, `page-table page T${cb.table} freed (RCU)`);
	}
}
