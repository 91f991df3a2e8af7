// Sampling strategies for scenarios too big to exhaust: uniform random walks
// and PCT (Burckhardt et al., "A randomized scheduler with probabilistic
// guarantees of finding bugs", ASPLOS 2010). Both are driven by a small seeded
// PRNG of our own (mulberry32), so the same seed gives the same runs.

import type {Model} from '../lang/interpreter.js';
import {countSwitches} from '../lang/schedule.js';
import type {Machine, Transition} from '../machine/types.js';
import {Budget, CHECK_EVERY} from './budget.js';
import {cloneMachine} from './clone.js';
import {stateKey} from './fasthash.js';
import type {Found, StopReason} from './types.js';

export {mulberry32} from './prng.js';
import {mulberry32} from './prng.js';

export type SampleOptions = {
	strategy: 'random' | 'pct';
	seed: number;
	runs: number;
	/** PCT bug depth d: d - 1 priority change points per run. */
	depth: number;
	from?: Machine;
	maxStates?: number;
	/** Longest run (steps; default 1000: a livelocked CPU would otherwise loop for ever). */
	maxDepth?: number;
	stopAtFirst?: boolean;
	/** Keep going past a step that reported a violation (default true). */
	expandViolations?: boolean;
};

export type SampleResult = {
	kinds: Map<string, Found>;
	/** Schedules of every run, when asked (tests compare them across seeds). */
	runs: Transition[][];
	stoppedBy: StopReason | null;
	states: number;
	transitions: number;
	depth: number;
};

export function* sample(model: Model, opts: SampleOptions, budget: Budget, keepRuns = false): Generator<void, SampleResult, void> {
	const rng = mulberry32(opts.seed);
	const n = model.cpuCount;
	const maxDepth = opts.maxDepth ?? 1000;
	const maxStates = opts.maxStates ?? Infinity;
	const kinds = new Map<string, Found>();
	const seen = new Set<string>();
	const runs: Transition[][] = [];
	const start = opts.from ?? model.initial;
	let transitions = 0;
	let deepest = 0;
	let stopped: StopReason | null = null;
	// PCT needs an estimate k of the run length; the longest run so far (at least 8).
	let k = 8;
	let steps = 0;
	for (let run = 0; run < opts.runs && !stopped; run++) {
		const m = cloneMachine(start, true);
		const path: Transition[] = [];
		// PCT: distinct initial priorities d..d+n-1 in random order; change points in [1, k].
		const prio: number[] = [];
		const change: number[] = [];
		if (opts.strategy === 'pct') {
			const order = Array.from({length: n}, (_, i) => i);
			for (let i = n - 1; i > 0; i--) {
				const j = Math.floor(rng() * (i + 1));
				[order[i], order[j]] = [order[j]!, order[i]!];
			}
			for (let i = 0; i < n; i++) prio[order[i]!] = opts.depth + i;
			for (let i = 1; i < opts.depth; i++) change.push(1 + Math.floor(rng() * k));
		}
		for (let d = 0; d < maxDepth; d++) {
			if (++steps % CHECK_EVERY === 0) {
				if (budget.expired()) {
					stopped = budget.stopped;
					break;
				}
				budget.report('search', seen.size, transitions, deepest);
				yield;
			}
			const en = model.enabled(m);
			if (en.length === 0) break;
			let t: Transition;
			if (opts.strategy === 'random') t = en[Math.floor(rng() * en.length)]!;
			else {
				let best = -1;
				for (const x of en) if (best < 0 || prio[x.cpu]! > prio[best]!) best = x.cpu;
				const mine = en.filter(x => x.cpu === best);
				t = mine.length === 1 ? mine[0]! : mine[Math.floor(rng() * mine.length)]!;
				// After the i-th change point's step, the running CPU drops below every initial priority.
				for (let i = 0; i < change.length; i++) if (change[i] === d + 1) prio[best] = opts.depth - 1 - i;
			}
			const r = model.stepInPlace(m, t, false);
			transitions++;
			path.push(t);
			if (path.length > deepest) deepest = path.length;
			if (r.violations.length) {
				for (const v of r.violations) {
					const old = kinds.get(v.kind);
					if (old && old.schedule.length <= path.length) continue;
					kinds.set(v.kind, {kind: v.kind, schedule: [...path], violation: v, switches: countSwitches(path), minimal: false});
				}
				if (opts.stopAtFirst) stopped = 'first-violation';
				if (opts.stopAtFirst || !(opts.expandViolations ?? true)) break;
			}
			if (seen.size < maxStates) seen.add(stateKey(m));
			else {
				stopped = 'max-states';
				break;
			}
		}
		if (path.length > k) k = path.length;
		if (keepRuns) runs.push(path);
	}
	budget.report('search', seen.size, transitions, deepest, true);
	return {kinds, runs, stoppedBy: stopped ?? 'runs', states: seen.size, transitions, depth: deepest};
}
