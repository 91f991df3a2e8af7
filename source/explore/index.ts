// Search over interleavings: the public API. Every strategy runs the one
// semantics (Model.stepInPlace, the same code as Model.step) from any start
// state, so a counterexample replays with Model.step and can be added to a
// session as an ordinary branch.
//
//   explore(model, opts)        synchronous (CLI, tests)
//   exploreAsync(model, opts)   yields to the event loop between chunks (TUI: the
//                               AbortSignal and timers work while it runs)
//   findShortest(model, kind, maxLen)

import type {Model} from '../lang/interpreter.js';
import {countSwitches} from '../lang/schedule.js';
import {Budget} from './budget.js';
import {exhaustive} from './exhaustive.js';
import {findLivelocks, hasCycle} from './livelock.js';
import {sample} from './random.js';
import {cloneMachine} from './clone.js';
import {sharedKey} from './fasthash.js';
import {GOAL, shortestGen} from './shortest.js';
import {ownerOf, type Prefix, prefixGen} from './shard.js';
import {SharedKeyTable} from './sharedtable.js';
import {StepCache} from './stepcache.js';
import type {Machine, Transition} from '../machine/types.js';
import type {ExploreOptions, ExploreResult, Found, Lasso, Stats, StopReason} from './types.js';

export type {ExploreOptions, ExploreResult, Found, Lasso, Progress, Stats, Strategy, StopReason, Bounds} from './types.js';
export {findShortest, shortestGen} from './shortest.js';
export {mulberry32} from './random.js';
export {cloneMachine} from './clone.js';
export {sharedKey, stateKey} from './fasthash.js';
export {findLivelocks, hasCycle, tarjan} from './livelock.js';

/** The core of every search, as a generator that yields every few hundred states. */
export function* exploreGen(model: Model, opts: ExploreOptions = {}): Generator<void, ExploreResult, void> {
	const budget = new Budget(opts);
	const strategy = opts.strategy ?? 'bfs';
	const kinds = new Map<string, Found>();
	let livelocks: Lasso[] = [];
	let complete = false;
	let livenessComplete = false;
	let stoppedBy: StopReason | null = null;
	const stats: Stats = {states: 0, transitions: 0, pruned: 0, depth: 0, timeMs: 0, statesPerSec: 0, omission: 0, reductions: {por: false, merge: false, symmetry: false, exact: false}};
	const reductions = {merge: opts.merge, symmetry: opts.symmetry, exact: opts.exact};
	/** Time of the main search alone (states/s is measured on it). */
	let searchMs: number | undefined;
	let shardInfo: ExploreResult['shard'] = null;

	if (strategy === 'random' || strategy === 'pct') {
		const r = yield* sample(model, {strategy, seed: opts.seed ?? 1, runs: opts.runs ?? 1000, depth: opts.pctDepth ?? 3, from: opts.from, maxStates: opts.maxStates, maxDepth: opts.maxDepth, stopAtFirst: opts.stopAtFirst, expandViolations: opts.expandViolations}, budget);
		for (const [k, f] of r.kinds) kinds.set(k, f);
		stoppedBy = r.stoppedBy;
		Object.assign(stats, {states: r.states, transitions: r.transitions, depth: r.depth});
	} else {
		const shard = opts.shard;
		const liveness = opts.liveness && !(opts.stopAtFirst && kinds.size > 0);
		// A shard: the plain prefix down to the frontier (shard.ts), then the search from this shard's roots.
		let prefix: Prefix | null = null;
		// Workers sharing one visited set (explore --jobs) search from the frontier of a reduced prefix,
		// every one of its states (drawn one at a time), each with the sleep set it ended with there.
		let reducedPrefix: Prefix | null = null;
		if (shard && opts.sharedTable) {
			reducedPrefix = yield* prefixGen(model, shard, {from: opts.from, graph: false, expandViolations: opts.expandViolations, maxStates: opts.maxStates, reduced: {reduce: opts.reduce, merge: opts.merge, symmetry: opts.symmetry}}, budget);
			for (const [k, f] of reducedPrefix.result.kinds) kinds.set(k, f);
		}
		if (shard && (!reducedPrefix || liveness)) {
			prefix = yield* prefixGen(model, shard, {from: opts.from, graph: Boolean(liveness), expandViolations: opts.expandViolations, maxStates: opts.maxStates}, budget);
			for (const [k, f] of prefix.result.kinds) if (!kinds.has(k) || kinds.get(k)!.schedule.length > f.schedule.length) kinds.set(k, f);
		}
		const safetyPrefix = reducedPrefix ?? prefix;
		if (shard && safetyPrefix) shardInfo = {...shard, frontierStates: safetyPrefix.frontierStates, roots: safetyPrefix.roots.length, prefixStates: safetyPrefix.result.states};
		const roots = prefix ? prefix.roots : undefined;
		const minimise = opts.minimise ?? true;
		// The phases below re-take each other's steps: each is taken once (stepcache.ts). Not with
		// --exact (the steps are kept by fingerprint), nor in a shard or a worker (their phases differ).
		const steps = (opts.shareSteps ?? true) && !shard && !opts.exact && (liveness || minimise) ? new StepCache(model) : undefined;
		/** Kinds the minimisation shortens: all but the livelock (its lasso is shortened on its own). */
		const minimisable = (): Set<string> => new Set([...kinds.keys()].filter(k => k !== 'livelock'));
		/** The minimisation's bound: the longest schedule found so far. */
		const longest = (wanted: ReadonlySet<string>): number => Math.max(0, ...[...wanted].map(k => kinds.get(k)!.schedule.length));
		let minimised = false;
		const stoppedAbove = (p: Prefix | null) => (p && p.result.stoppedBy !== 'max-depth' ? p.result.stoppedBy : null);
		const prefixStopped = stoppedAbove(reducedPrefix) ?? stoppedAbove(prefix);
		const shared = reducedPrefix ? {table: new SharedKeyTable(opts.sharedTable!), roots: reducedPrefix.all} : undefined;
		const r = yield* exhaustive(model, {order: strategy, reduce: opts.reduce ?? true, graph: false, from: opts.from, roots: shared ? undefined : roots, shared, maxStates: opts.maxStates, maxDepth: opts.maxDepth, stopAtFirst: opts.stopAtFirst, expandViolations: opts.expandViolations, steps, ...reductions}, budget);
		for (const [k, f] of r.kinds) if (!kinds.has(k) || kinds.get(k)!.schedule.length > f.schedule.length) kinds.set(k, f);
		if (shared) Object.assign(shardInfo!, {roots: r.rootsDrawn, shared: true});
		complete = r.complete && !prefixStopped;
		stoppedBy = prefixStopped ?? r.stoppedBy;
		Object.assign(stats, {states: r.states, transitions: r.transitions, pruned: r.pruned, depth: r.depth, omission: r.omission, reductions: r.reductions});
		searchMs = budget.elapsed();

		if (liveness && !budget.expired()) {
			const graphOpts = {order: strategy, reduce: false, graph: true, from: opts.from, roots, maxStates: opts.maxStates, maxDepth: opts.maxDepth, expandViolations: opts.expandViolations, phase: 'liveness', steps, ...reductions} as const;
			// Fairness needs the full graph, but whether there is any non-progress cycle at all
			// the quotient by symmetry tells (livelock.ts hasCycle), at a fraction of its size.
			let g = opts.symmetry !== false && model.program.symmetry.length > 0 ? yield* exhaustive(model, {...graphOpts, quotient: true}, budget) : null;
			if (g && g.complete && !hasCycle(g.graph!)) stats.livenessQuotient = true;
			else g = yield* exhaustive(model, graphOpts, budget);
			stats.livenessStates = g.states;
			// The unreduced search is the reference: kinds the reduced one may report with longer schedules.
			for (const [k, f] of g.kinds) if (!kinds.has(k) || kinds.get(k)!.schedule.length > f.schedule.length) kinds.set(k, f);
			livenessComplete = g.complete;
			if (!g.complete) stoppedBy ??= g.stoppedBy;
			// the minimisations below come last: they look kept steps up, keeping none
			steps?.seal();
			livelocks = stats.livenessQuotient ? [] : findLivelocks(g.graph!, model.cpuCount);
			// A shard also owns the cycles that lie wholly above its frontier (the same in every shard).
			if (prefix?.result.graph) livelocks = [...findLivelocks(prefix.result.graph, model.cpuCount), ...livelocks].sort((a, b) => a.prefix.length + a.loop.length - (b.prefix.length + b.loop.length));
			const first = livelocks[0];
			if (first && !budget.expired()) {
				// The lasso a human reads best: the shortest prefix to any state of its loop (the loop
				// turned to start there: the same cycle), then the fewest switches. With merged steps
				// the loop's first state is not always the cycle's nearest one.
				const start = cloneMachine(opts.from ?? model.initial, true);
				let at = start;
				for (const t of first.prefix) at = model.stepShared(at, t, false).state;
				const keys = [sharedKey(at)];
				for (const t of first.loop) {
					at = model.stepShared(at, t, false).state;
					keys.push(sharedKey(at));
				}
				let better: {schedule: Transition[]} | undefined;
				// The start itself may be on the loop (the search only looks at successors).
				if (keys.includes(sharedKey(start))) better = {schedule: []};
				else {
					// The kinds' minimisation below is the same breadth-first search from the same
					// start: one search serves both, each goal within its own bound (not in a shard,
					// whose minimisation keeps only its slice of a layer).
					const wanted = minimise && !shard ? minimisable() : new Set<string>();
					const s = yield* shortestGen(model, new Set([...wanted, GOAL]), {from: opts.from, maxLen: wanted.size ? longest(wanted) : first.prefix.length, goalMaxLen: first.prefix.length, maxStates: opts.maxStates, expandViolations: opts.expandViolations, goalKeys: new Set(keys), steps}, budget);
					better = s.found.get(GOAL);
					if (wanted.size) {
						for (const [k, f] of s.found) if (k !== GOAL) kinds.set(k, f);
						minimised = true;
					}
				}
				if (better) {
					let end = start;
					for (const t of better.schedule) end = model.stepShared(end, t, false).state;
					const j = Math.max(0, keys.indexOf(sharedKey(end)) % first.loop.length);
					const loop = [...first.loop.slice(j), ...first.loop.slice(0, j)];
					const shorter = better.schedule.length < first.prefix.length;
					if (shorter || countSwitches([...better.schedule, ...loop]) < countSwitches([...first.prefix, ...first.loop])) {
						first.prefix = better.schedule;
						first.loop = loop;
					}
				}
			}
			if (first) {
				const schedule = [...first.prefix, ...first.loop];
				kinds.set('livelock', {kind: 'livelock', schedule, violation: first.violation, switches: countSwitches(schedule), minimal: false});
			}
		}

		if (minimise && !minimised && !shared && kinds.size > 0 && !budget.expired()) {
			steps?.seal();
			const wanted = minimisable();
			const slice = shard ? {at: shard.frontier, keep: (m: Machine) => ownerOf(m, shard.count) === shard.index} : undefined;
			if (wanted.size) {
				const s = yield* shortestGen(model, wanted, {from: opts.from, maxLen: longest(wanted), maxStates: opts.maxStates, expandViolations: opts.expandViolations, slice, steps}, budget);
				for (const [k, f] of s.found) kinds.set(k, f);
			}
		}
	}
	stats.timeMs = budget.elapsed();
	searchMs ??= stats.timeMs;
	stats.statesPerSec = searchMs > 0 ? Math.round((stats.states * 1000) / searchMs) : 0;
	if (budget.stopped && !stoppedBy) stoppedBy = budget.stopped;
	return {strategy, kinds, livelocks, complete, livenessComplete, stoppedBy, stats, shard: shardInfo};
}

export function explore(model: Model, opts: ExploreOptions = {}): ExploreResult {
	const gen = exploreGen(model, opts);
	for (;;) {
		const r = gen.next();
		if (r.done) return r.value;
	}
}

/** The same search, giving the event loop a turn every few hundred states. */
export async function exploreAsync(model: Model, opts: ExploreOptions = {}): Promise<ExploreResult> {
	const gen = exploreGen(model, opts);
	for (;;) {
		const r = gen.next();
		if (r.done) return r.value;
		await new Promise<void>(resolve => setImmediate(resolve));
	}
}

/** Liveness kinds: a search that found only these exits 3, not 1. */
export const LIVENESS_KINDS: ReadonlySet<string> = new Set(['hung-task', 'deadlock', 'livelock']);
