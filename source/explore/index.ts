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
import {findLivelocks} from './livelock.js';
import {sample} from './random.js';
import {cloneMachine} from './clone.js';
import {sharedKey} from './fasthash.js';
import {GOAL, shortestGen} from './shortest.js';
import type {ExploreOptions, ExploreResult, Found, Lasso, Stats, StopReason} from './types.js';

export type {ExploreOptions, ExploreResult, Found, Lasso, Progress, Stats, Strategy, StopReason, Bounds} from './types.js';
export {findShortest, shortestGen} from './shortest.js';
export {mulberry32} from './random.js';
export {cloneMachine} from './clone.js';
export {sharedKey, stateKey} from './fasthash.js';
export {findLivelocks, tarjan} from './livelock.js';

/** The core of every search, as a generator that yields every few hundred states. */
export function* exploreGen(model: Model, opts: ExploreOptions = {}): Generator<void, ExploreResult, void> {
	const budget = new Budget(opts);
	const strategy = opts.strategy ?? 'bfs';
	const kinds = new Map<string, Found>();
	let livelocks: Lasso[] = [];
	let complete = false;
	let livenessComplete = false;
	let stoppedBy: StopReason | null = null;
	const stats: Stats = {states: 0, transitions: 0, pruned: 0, depth: 0, timeMs: 0, statesPerSec: 0};
	/** Time of the main search alone (states/s is measured on it). */
	let searchMs: number | undefined;

	if (strategy === 'random' || strategy === 'pct') {
		const r = yield* sample(model, {strategy, seed: opts.seed ?? 1, runs: opts.runs ?? 1000, depth: opts.pctDepth ?? 3, from: opts.from, maxStates: opts.maxStates, maxDepth: opts.maxDepth, stopAtFirst: opts.stopAtFirst, expandViolations: opts.expandViolations}, budget);
		for (const [k, f] of r.kinds) kinds.set(k, f);
		stoppedBy = r.stoppedBy;
		Object.assign(stats, {states: r.states, transitions: r.transitions, depth: r.depth});
	} else {
		const r = yield* exhaustive(model, {order: strategy, reduce: opts.reduce ?? true, graph: false, from: opts.from, maxStates: opts.maxStates, maxDepth: opts.maxDepth, stopAtFirst: opts.stopAtFirst, expandViolations: opts.expandViolations}, budget);
		for (const [k, f] of r.kinds) kinds.set(k, f);
		complete = r.complete;
		stoppedBy = r.stoppedBy;
		Object.assign(stats, {states: r.states, transitions: r.transitions, pruned: r.pruned, depth: r.depth});
		searchMs = budget.elapsed();

		if (opts.liveness && !(opts.stopAtFirst && kinds.size > 0) && !budget.expired()) {
			const g = yield* exhaustive(model, {order: 'bfs', reduce: false, graph: true, from: opts.from, maxStates: opts.maxStates, maxDepth: opts.maxDepth, expandViolations: opts.expandViolations, phase: 'liveness'}, budget);
			stats.livenessStates = g.states;
			// The full search is the reference: kinds the reduced one may report with longer schedules.
			for (const [k, f] of g.kinds) if (!kinds.has(k) || kinds.get(k)!.schedule.length > f.schedule.length) kinds.set(k, f);
			livenessComplete = g.complete;
			if (!g.complete) stoppedBy ??= g.stoppedBy;
			livelocks = findLivelocks(g.graph!, model.cpuCount);
			const first = livelocks[0];
			if (first && !budget.expired()) {
				// the lasso a human reads best: among the shortest prefixes to the loop, the fewest switches
				let entry = cloneMachine(opts.from ?? model.initial, true);
				for (const t of first.prefix) entry = model.stepShared(entry, t, false).state;
				const s = yield* shortestGen(model, new Set([GOAL]), {from: opts.from, maxLen: first.prefix.length, maxStates: opts.maxStates, expandViolations: opts.expandViolations, goalKey: sharedKey(entry)}, budget);
				const better = s.found.get(GOAL);
				if (better && countSwitches([...better.schedule, ...first.loop]) < countSwitches([...first.prefix, ...first.loop])) first.prefix = better.schedule;
			}
			if (first) {
				const schedule = [...first.prefix, ...first.loop];
				kinds.set('livelock', {kind: 'livelock', schedule, violation: first.violation, switches: countSwitches(schedule), minimal: false});
			}
		}

		if ((opts.minimise ?? true) && kinds.size > 0 && !budget.expired()) {
			const wanted = new Set([...kinds.keys()].filter(k => k !== 'livelock'));
			const maxLen = Math.max(0, ...[...wanted].map(k => kinds.get(k)!.schedule.length));
			if (wanted.size) {
				const s = yield* shortestGen(model, wanted, {from: opts.from, maxLen, maxStates: opts.maxStates, expandViolations: opts.expandViolations}, budget);
				for (const [k, f] of s.found) kinds.set(k, f);
			}
		}
	}
	stats.timeMs = budget.elapsed();
	searchMs ??= stats.timeMs;
	stats.statesPerSec = searchMs > 0 ? Math.round((stats.states * 1000) / searchMs) : 0;
	if (budget.stopped && !stoppedBy) stoppedBy = budget.stopped;
	return {strategy, kinds, livelocks, complete, livenessComplete, stoppedBy, stats};
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
