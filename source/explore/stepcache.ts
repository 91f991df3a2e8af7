// The steps one `explore` takes more than once. Its phases run the one
// semantics from the same start: the safety search (merged local steps, with
// reduction), the livelock graph (the same merged steps, every one of them)
// and the minimisation (single statements). On the built-ins the graph
// re-takes every step of the safety search, and about 45 % of the
// minimisation's steps are merged steps of one statement already taken (the
// same step: stepMerged is stepShared when the CPU's next statement is not
// local). So each step is taken once and kept, by (state, transition): the
// state by its 64-bit fingerprint, the one every phase already keys its
// visited states by (so no new chance of a mix-up; none is used with
// --exact). A step is a pure function of the state, so a kept one is the step
// itself, and every phase finds, counts and reports what it did before.
//
// Only small searches keep their steps (the kept successors are live
// machines): past LIMIT kept steps the cache drops them all and steps on
// (the search goes on as if it had never kept any). The last phase, the
// minimisation, only looks steps up (`seal`): nothing comes after it.

import type {CowTree} from '../lang/cow.js';
import type {Model} from '../lang/interpreter.js';
import type {Footprint} from '../machine/context.js';
import type {Machine, Violation} from '../machine/types.js';
import {lanes, sharedHash} from './fasthash.js';
import {KeyTable} from './keytable.js';
import {transitionOf} from './types.js';

/** What a phase needs of a step (no notes: those are built again for the traces). */
export type KeptStep = {
	state: Machine;
	violations: Violation[];
	progress: boolean;
	footprint: Footprint | null;
	/** Statements taken (stepMerged's count; 1 for a single statement). */
	count: number;
	/** What the step copied, until the successor's hash is derived from it (then null). */
	tree: CowTree | null;
};

/**
 * Kept steps, at most: 1-3 KB each (the objects a step copied, its footprint),
 * so 4-11 MB. The built-ins keep 300-3,200 (the search's and the graph's).
 */
const LIMIT = 1 << 12;

export class StepCache {
	private ids: KeyTable | null = new KeyTable(1 << 10, false);
	/** Per state, per transition id: its merged step, its single-statement step. */
	private merged: (KeptStep | undefined)[] = [];
	private single: (KeptStep | undefined)[] = [];
	private readonly T: number;
	private kept = 0;
	private sealed = false;
	/** Steps served from the cache, and taken (for the tests and the bench). */
	hits = 0;
	misses = 0;

	constructor(
		private readonly model: Model,
		private readonly limit = LIMIT,
	) {
		this.T = 2 * model.cpuCount;
	}

	/** model.stepMerged(m, tid, footprint) (a footprint asked for is there). */
	stepMerged(m: Machine, tid: number, footprint: boolean): KeptStep {
		const at = this.slot(m, tid);
		const old = at >= 0 ? this.merged[at] : undefined;
		if (old && (old.footprint || !footprint)) {
			this.hits++;
			return old;
		}
		this.misses++;
		const r = this.model.stepMerged(m, transitionOf(tid), footprint);
		const kept: KeptStep = {state: r.state, violations: r.violations, progress: r.progress, footprint: r.footprint, count: r.count, tree: r.tree};
		if (at >= 0) this.keep(this.merged, at, kept, old);
		return kept;
	}

	/** model.stepShared(m, tid, footprint): a merged step of one statement is this step. */
	stepShared(m: Machine, tid: number, footprint: boolean): KeptStep {
		const at = this.slot(m, tid);
		if (at >= 0) {
			const old = this.single[at] ?? (this.merged[at]?.count === 1 ? this.merged[at] : undefined);
			if (old && (old.footprint || !footprint)) {
				this.hits++;
				return old;
			}
		}
		this.misses++;
		const r = this.model.stepShared(m, transitionOf(tid), footprint);
		const kept: KeptStep = {state: r.state, violations: r.violations, progress: r.progress, footprint: r.footprint, count: 1, tree: r.tree};
		if (at >= 0) this.keep(this.single, at, kept, this.single[at]);
		return kept;
	}

	/** Where (m, tid) is kept, or -1 when nothing is kept any more. */
	private slot(m: Machine, tid: number): number {
		const ids = this.ids;
		if (!ids) return -1;
		sharedHash(m);
		let id = ids.get(lanes.a, lanes.b);
		if (id < 0) {
			id = ids.size;
			ids.set(lanes.a, lanes.b, id);
		}
		return id * this.T + tid;
	}

	private keep(into: (KeptStep | undefined)[], at: number, step: KeptStep, replaced: KeptStep | undefined): void {
		if (this.sealed) return;
		if (!replaced && ++this.kept > this.limit) {
			this.drop();
			return;
		}
		into[at] = step;
	}

	/** Keep no more steps (those kept are still served). */
	seal(): void {
		this.sealed = true;
	}

	/** Forget every step (the search is too big to keep them). */
	private drop(): void {
		this.ids = null;
		this.merged = [];
		this.single = [];
	}

	/** Steps kept now. */
	get size(): number {
		return this.ids ? this.kept : 0;
	}
}
