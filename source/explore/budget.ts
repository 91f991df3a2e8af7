// Bounds shared by every phase of a search: the wall-clock deadline, the
// abort signal and the progress reports, checked every few hundred states.

import type {Bounds, Progress, StopReason} from './types.js';

export class Budget {
	readonly start = performance.now();
	private lastReport = 0;
	private readonly deadline: number;
	stopped: StopReason | null = null;

	constructor(readonly bounds: Bounds) {
		this.deadline = bounds.timeoutMs !== undefined ? this.start + bounds.timeoutMs : Infinity;
	}

	elapsed(): number {
		return performance.now() - this.start;
	}

	/** Time or cancellation ran out (sets `stopped`). Cheap enough to call every few hundred states. */
	expired(): boolean {
		if (this.stopped) return true;
		if (this.bounds.signal?.aborted) this.stopped = 'aborted';
		else if (performance.now() > this.deadline) this.stopped = 'timeout';
		return this.stopped !== null;
	}

	report(phase: Progress['phase'], states: number, transitions: number, depth: number, force = false): void {
		const cb = this.bounds.onProgress;
		if (!cb) return;
		const now = this.elapsed();
		if (!force && now - this.lastReport < (this.bounds.progressIntervalMs ?? 250)) return;
		this.lastReport = now;
		cb({phase, states, transitions, depth, elapsedMs: now, statesPerSec: now > 0 ? Math.round((states * 1000) / now) : 0});
	}
}

/** How often (in expanded states) the hot loops check the budget and yield. */
export const CHECK_EVERY = 256;
