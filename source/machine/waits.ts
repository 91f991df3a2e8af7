// Every wait a CPU holds: the one it is in, and the ones an interrupt handler
// interrupted (saved in its frames). A wait saved across a handler is still
// the kernel's: a writer interrupted while queued on an rwsem stays on its
// wait list (new readers still queue), and an ack or a grace period that ends
// meanwhile still completes it.

import type {CpuState, Machine, Wait} from './types.js';

export function waitsOf(c: CpuState): Wait[] {
	const out: Wait[] = [];
	if (c.wait) out.push(c.wait);
	for (const f of c.irqFrames) if (f.wait) out.push(f.wait);
	return out;
}

/** The CPUs queued to take `lock` for write (the writers a new reader queues behind). */
export function queuedWriters(m: Machine, lock: string, except?: number): number[] {
	return m.cpus.filter(c => c.id !== except && waitsOf(c).some(w => w.kind === 'lock' && w.lock === lock && w.mode === 'excl')).map(c => c.id);
}

/** Every CPU queued on `lock`, in either mode. */
export function lockWaiters(m: Machine, lock: string): number[] {
	return m.cpus.filter(c => waitsOf(c).some(w => w.kind === 'lock' && w.lock === lock)).map(c => c.id);
}
