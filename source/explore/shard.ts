// Splitting one search across processes (docs/search.md, "Sharded search").
// Every shard runs the same plain breadth-first search (no reduction, one
// statement per step) down to depth D: the prefix, identical everywhere. The
// states first met at depth D (the frontier) are dealt out by their 64-bit
// key; shard I of N takes those whose key is I mod N and searches from them
// with every reduction, its visited set its own. Each shard therefore covers
// everything reachable from its roots (POR, merging and symmetry are sound
// per root), and the prefix covers the rest: the union over the shards is the
// whole space. Counterexamples stay shortest: minimisation is the same
// layered breadth-first search, sliced at depth D by the same keys (a
// shortest path passes its depth-D state, which one shard owns).

import type {Model} from '../lang/interpreter.js';
import type {Machine} from '../machine/types.js';
import type {Budget} from './budget.js';
import {exhaustive, type ExhaustiveResult, type Root} from './exhaustive.js';
import {lanes, sharedHash} from './fasthash.js';

export type ShardSpec = {
	/** Depth (statements) of the frontier. */
	frontier: number;
	/** This shard, 0-based, of `count`. */
	index: number;
	count: number;
};

/** Which shard owns a frontier state. */
export function ownerOf(m: Machine, count: number): number {
	sharedHash(m);
	return (lanes.a >>> 0) % count;
}

/** The reductions a prefix runs with (each defaults to on); none given: the plain search. */
export type Reductions = {reduce?: boolean; merge?: boolean; symmetry?: boolean};
const reductionsOf = (r?: Reductions) => (r ? {reduce: r.reduce ?? true, merge: r.merge ?? true, symmetry: r.symmetry ?? true} : {reduce: false, merge: false, symmetry: false});

export type Prefix = {
	result: ExhaustiveResult;
	/** Frontier states (with their schedules) this shard owns, and how many there are in all. */
	roots: Root[];
	frontierStates: number;
	/** Every frontier state, in the same order in every shard (what workers sharing a visited set draw from). */
	all: Root[];
};

/**
 * The search down to the frontier, and this shard's roots: plain (the same
 * everywhere, for shards and their sliced minimisation), or `reduced` with
 * the search's own reductions, its frontier carrying their sleep sets (for
 * the workers of explore --jobs, who minimise after the merge).
 */
export function* prefixGen(model: Model, spec: ShardSpec, opts: {from?: Machine; graph: boolean; expandViolations?: boolean; maxStates?: number; reduced?: Reductions}, budget: Budget): Generator<void, Prefix, void> {
	const collect: Root[] = [];
	const how = reductionsOf(opts.reduced);
	const result = yield* exhaustive(model, {order: 'bfs', ...how, graph: opts.graph, from: opts.from, maxDepth: spec.frontier, collect, expandViolations: opts.expandViolations, maxStates: opts.maxStates}, budget);
	const roots = collect.filter(r => ownerOf(r.m, spec.count) === spec.index);
	return {result, roots, frontierStates: collect.length, all: collect};
}

/** Parse `I/N`, I in 0..N-1 (0-based, as a Kubernetes completion index or a Slurm array from 0). */
export function parseShard(text: string): {index: number; count: number} | null {
	const m = /^(\d+)\/(\d+)$/.exec(text.trim());
	if (!m) return null;
	const i = Number(m[1]);
	const n = Number(m[2]);
	if (!(n >= 1 && i < n)) return null;
	return {index: i, count: n};
}

/**
 * A frontier depth for `count` shards: the first depth with at least
 * `perShard` states per shard (so the slices are even), at most 40; in a
 * space too small for that, the depth with the most states (never one past
 * the end, where nothing would be left to split). Deterministic.
 */
export function chooseFrontier(model: Model, count: number, budget: Budget, from?: Machine, perShard = 8, reduced?: Reductions): number {
	const how = reductionsOf(reduced);
	let best = 1;
	let most = -1;
	for (let d = 1; d <= 40; d++) {
		const collect: Root[] = [];
		const gen = exhaustive(model, {order: 'bfs', ...how, graph: false, from, maxDepth: d, collect}, budget);
		let r = gen.next();
		while (!r.done) r = gen.next();
		if (collect.length > most) {
			most = collect.length;
			best = d;
		}
		if (collect.length >= perShard * count || collect.length === 0) break;
	}
	return best;
}
