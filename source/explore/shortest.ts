// The counterexample a human reads best: the shortest, and among the shortest
// the one with the fewest preemptions (switches between CPUs). A
// breadth-first search over (state, last CPU), layer by layer, keeping for each
// pair the fewest switches, without reduction (reduction reorders steps and
// may lengthen paths), bounded by a known length.
//
// Why (state, last CPU) layers suffice: on a shortest counterexample every
// state sits at its breadth-first distance (otherwise a shorter one exists),
// so a state is only kept in the first layer it appears in; within that layer,
// what the rest of the path costs depends on the state and the CPU that moved
// last, so the fewest switches so far is all that needs keeping.
//
// A state sits in its layer once per CPU that can have moved last (about
// twice on the built-ins), but its successors do not depend on that CPU: they
// are stepped once per state and layer and shared by its nodes. One search
// can serve several goals with their own bounds (the kinds, and a livelock's
// loop entry): the layers, and so every tie-break, are the same whatever is
// looked for.

import type {Model} from '../lang/interpreter.js';
import {countSwitches} from '../lang/schedule.js';
import type {Machine, Violation} from '../machine/types.js';
import {Budget, CHECK_EVERY} from './budget.js';
import {cloneMachine} from './clone.js';
import {enabledMask} from './exhaustive.js';
import {lanes, sharedHash} from './fasthash.js';
import {KeyTable} from './keytable.js';
import type {StepCache} from './stepcache.js';
import {type Bounds, type Found, type StopReason, transitionOf} from './types.js';

/** A (state, last CPU) node; `state` numbers the state (its 64-bit key) in order of discovery. */
type LNode = {m: Machine | null; state: number; last: number; sw: number; tid: number; up: LNode | null};

/** What the search needs of a step. */
type Step = {state: Machine; violations: Violation[]};

/** A state's successors, stepped for the first of its nodes in a layer and kept for the others. */
type Succs = {en: number; steps: (Step | undefined)[]; nodesLeft: number};

/** The two 32-bit lanes of a sharedKey (16 hex digits), as fasthash's `lanes` holds them. */
function lanesOf(key: string): [number, number] {
	return [parseInt(key.slice(0, 8), 16) | 0, parseInt(key.slice(8, 16), 16) | 0];
}

export type ShortestOptions = {
	from?: Machine;
	/** Look no further than this many steps. */
	maxLen?: number;
	maxStates?: number;
	/** Keep going past a step that reported a violation (default true). */
	expandViolations?: boolean;
	/** A shard (shard.ts): at this many steps keep only the states `keep` accepts. */
	slice?: {at: number; keep: (m: Machine) => boolean};
	/** Also look for this state (its sharedKey): found as kind GOAL (a livelock's loop entry). */
	goalKey?: string;
	/** ... or for any of these states (the states of a livelock's loop). */
	goalKeys?: ReadonlySet<string>;
	/** Look for the goal state within this many steps (default maxLen). */
	goalMaxLen?: number;
	/** The steps of the explore's other phases (stepcache.ts): taken once, kept for each other. */
	steps?: StepCache;
};

/** The kind under which a path to `goalKey` is found. */
export const GOAL = '(goal state)';

export type ShortestResult = {found: Map<string, Found>; stoppedBy: StopReason | null; states: number; transitions: number};

function scheduleOf(n: LNode | null, lastTid: number): number[] {
	const out = [lastTid];
	for (let x = n; x && x.tid >= 0; x = x.up) out.push(x.tid);
	return out.reverse();
}

/**
 * Shortest, then fewest-switch, counterexamples for each wanted kind (null =
 * every kind met). Kinds not found within `maxLen` steps are absent.
 */
export function* shortestGen(model: Model, wanted: ReadonlySet<string> | null, opts: ShortestOptions, budget: Budget): Generator<void, ShortestResult, void> {
	const T = 2 * model.cpuCount;
	const maxLen = opts.maxLen ?? Infinity;
	const goalMaxLen = opts.goalMaxLen ?? maxLen;
	const lookForGoal = opts.goalKey !== undefined || opts.goalKeys !== undefined;
	/** How many steps a kind (or the goal) is looked for within. */
	const limitOf = (kind: string): number => (kind === GOAL && lookForGoal ? goalMaxLen : maxLen);
	const horizon = lookForGoal ? Math.max(maxLen, goalMaxLen) : maxLen;
	const maxStates = opts.maxStates ?? Infinity;
	const found = new Map<string, Found>();
	const cache = opts.steps;
	const remaining = wanted ? new Set(wanted) : null;
	const goals = new KeyTable(16, false);
	for (const k of [...(opts.goalKey !== undefined ? [opts.goalKey] : []), ...(opts.goalKeys ?? [])]) goals.set(...lanesOf(k), 0);
	// Every state met: key -> its number; the layer it was first met in; while in the
	// layer being built, its nodes by the CPU that moved last.
	const ids = new KeyTable(1 << 10, false);
	const layerOf: number[] = [];
	const nodesOf: (LNode | undefined)[][] = [];
	const start = cloneMachine(opts.from ?? model.initial, true);
	sharedHash(start);
	ids.set(lanes.a, lanes.b, 0);
	layerOf.push(0);
	nodesOf.push(EMPTY);
	/** States of the layers up to the current one (the seen set). */
	let seen = 1;
	let layer: LNode[] = [{m: start, state: 0, last: -1, sw: 0, tid: -1, up: null}];
	/** Nodes per state of the layer, where more than one: their successors are stepped once. */
	let repeated = new Map<number, number>();
	let len = 0;
	let transitions = 0;
	let stopped: StopReason | null = null;
	let work = 0;
	while (layer.length > 0 && len < horizon && !stopped) {
		if (opts.slice?.at === len) {
			const keep = opts.slice.keep;
			layer = layer.filter(n => keep(n.m!));
		}
		const kindsOpen = len < maxLen;
		const goalOpen = lookForGoal && len < goalMaxLen;
		// next: the nodes of the next layer in order of discovery
		const next: LNode[] = [];
		const nextStates: number[] = [];
		const best = new Map<string, {node: LNode; tid: number; sw: number; v: Violation}>();
		const shared = new Map<number, Succs>();
		outer: for (const node of layer) {
			const m = node.m!;
			const nodes = repeated.get(node.state);
			let succs = nodes === undefined ? undefined : shared.get(node.state);
			if (nodes !== undefined && !succs) {
				succs = {en: enabledMask(model, m), steps: new Array(T), nodesLeft: nodes};
				shared.set(node.state, succs);
			}
			const en = succs ? succs.en : enabledMask(model, m);
			for (let tid = 0; tid < T; tid++) {
				if (!(en & (1 << tid))) continue;
				if (++work % CHECK_EVERY === 0) {
					if (budget.expired()) {
						stopped = budget.stopped;
						break outer;
					}
					budget.report('minimise', seen, transitions, len);
					yield;
				}
				let r = succs?.steps[tid];
				if (!r) {
					r = cache ? cache.stepShared(m, tid, false) : model.stepShared(m, transitionOf(tid), false);
					transitions++;
					if (succs) succs.steps[tid] = r;
				}
				const m2 = r.state;
				const cpu = tid >> 1;
				const sw = node.sw + (node.last >= 0 && node.last !== cpu ? 1 : 0);
				if (r.violations.length) {
					if (kindsOpen) {
						for (const v of r.violations) {
							if (remaining && !remaining.has(v.kind)) continue;
							if (found.has(v.kind)) continue;
							const b = best.get(v.kind);
							if (!b || sw < b.sw) best.set(v.kind, {node, tid, sw, v});
						}
					}
					if (!(opts.expandViolations ?? true)) continue; // a violating state is not expanded
				}
				sharedHash(m2);
				const a = lanes.a;
				const bl = lanes.b;
				if (goalOpen && goals.has(a, bl) && !found.has(GOAL)) {
					const b = best.get(GOAL);
					if (!b || sw < b.sw) best.set(GOAL, {node, tid, sw, v: GOAL_REACHED});
				}
				let id = ids.get(a, bl);
				if (id >= 0 && layerOf[id]! <= len) continue; // seen in this layer or before
				const old = id >= 0 ? nodesOf[id]![cpu] : undefined;
				if (old) {
					if (sw < old.sw) {
						old.sw = sw;
						old.up = node;
						old.tid = tid;
					}
					continue;
				}
				if (seen + next.length >= maxStates) {
					stopped = 'max-states';
					break outer;
				}
				if (id < 0) {
					id = layerOf.length;
					ids.set(a, bl, id);
					layerOf.push(len + 1);
					nodesOf.push([]);
					nextStates.push(id);
				}
				const n: LNode = {m: m2, state: id, last: cpu, sw, tid, up: node};
				nodesOf[id]![cpu] = n;
				next.push(n);
			}
			node.m = null; // hash-and-drop: only the path back is kept
			if (succs && --succs.nodesLeft === 0) shared.delete(node.state);
		}
		len++;
		for (const [kind, b] of best) {
			const schedule = scheduleOf(b.node, b.tid).map(transitionOf);
			found.set(kind, {kind, schedule, violation: b.v, switches: countSwitches(schedule), minimal: !stopped});
			remaining?.delete(kind);
		}
		if (remaining && ![...remaining].some(k => limitOf(k) > len)) break;
		repeated = new Map();
		for (const id of nextStates) {
			const count = nodesOf[id]!.reduce(c => c + 1, 0);
			if (count > 1) repeated.set(id, count);
			nodesOf[id] = EMPTY; // the layer is built: its nodes are reached through `next` now
		}
		seen += nextStates.length;
		layer = next;
	}
	return {found, stoppedBy: stopped, states: seen, transitions};
}

const EMPTY: (LNode | undefined)[] = [];

const GOAL_REACHED: Violation = {kind: GOAL, check: '', message: 'the goal state', cpu: null, line: null, objects: []};

/** Shortest, fewest-preemption counterexample of one kind within maxLen steps (null: none). */
export function findShortest(model: Model, kind: string, maxLen: number, opts: Bounds & {from?: Machine; maxStates?: number; expandViolations?: boolean} = {}): Found | null {
	const gen = shortestGen(model, new Set([kind]), {from: opts.from, maxLen, maxStates: opts.maxStates, expandViolations: opts.expandViolations}, new Budget(opts));
	for (;;) {
		const r = gen.next();
		if (r.done) return r.value.found.get(kind) ?? null;
	}
}
