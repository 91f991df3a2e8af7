// Exhaustive search (breadth- or depth-first) over the interleavings of a
// model, with state hashing and partial-order reduction. It runs the one
// semantics, `Model.stepShared` (the code of Model.step on copy-on-write
// drafts): a successor shares every subtree the step did not write with its
// parent, so the state key (fasthash.ts sharedHash) rehashes only the changed
// paths. It keeps no machine it does not still have to expand (hash-and-drop:
// the visited set maps 64-bit keys to numbers in a typed-array table,
// keytable.ts). docs/performance.md has the measurements.
//
// Partial-order reduction (docs/search.md has the argument in full):
// - Sleep sets (Godefroid). After exploring t from s, a later sibling u
//   (independent of t at s) puts t to sleep in s.u: the states reached
//   through s.u.t are reached through s.t.u. With a visited set a state can be
//   met again with a smaller sleep set; the transitions it slept on then are
//   explored after all (stored sleep := stored ∩ new), which keeps every
//   reachable state reachable.
// - Ample sets of `local` steps. A CPU whose next instruction touches no
//   machine state (Instr.local) commutes with every other transition and
//   cannot be disabled by one, so it may be the only transition explored from
//   s, provided its successor is a state never seen before (cycle proviso:
//   along any cycle of the reduced graph some state is fully expanded).
// Independence of two transitions of different CPUs at s: neither reported a
// violation at s (violations make a step visible), neither's enabledness can
// be changed by another CPU (await conditions and guarded primitives are
// treated as dependent on everything), and their footprints do not conflict.

import type {Model} from '../lang/interpreter.js';
import {conflicts, type Footprint} from '../machine/context.js';
import type {Machine, Transition, Violation} from '../machine/types.js';
import {Budget, CHECK_EVERY} from './budget.js';
import {cloneMachine} from './clone.js';
import {lanes, sharedHash} from './fasthash.js';
import {KeyTable} from './keytable.js';
import {countSwitches} from '../lang/schedule.js';
import {type Found, type StopReason, transitionOf} from './types.js';

export type PathNode = {tid: number; up: PathNode | null};

export function pathOf(node: PathNode | null, last?: number): Transition[] {
	const out: Transition[] = [];
	if (last !== undefined) out.push(transitionOf(last));
	for (let n = node; n; n = n.up) out.push(transitionOf(n.tid));
	return out.reverse();
}

/** The explicit state graph the livelock search needs (ids in discovery order). */
export type StateGraph = {
	count: number;
	/** Breadth-first tree: parent id (-1 for the start) and the transition from it. */
	parent: number[];
	ptid: number[];
	/** Bit c set: CPU c has some enabled transition in this state. */
	enabledCpus: number[];
	/** Edges that neither pass a progress label nor report a violation. */
	from: number[];
	to: number[];
	tid: number[];
};

export type ExhaustiveOptions = {
	order: 'bfs' | 'dfs';
	reduce: boolean;
	/** Record the state graph (forces reduce off). */
	graph: boolean;
	from?: Machine;
	maxStates?: number;
	maxDepth?: number;
	stopAtFirst?: boolean;
	/** Keep going past a step that reported a violation (default true); false: violating states are not expanded. */
	expandViolations?: boolean;
	phase?: 'search' | 'liveness';
};

export type ExhaustiveResult = {
	kinds: Map<string, Found>;
	complete: boolean;
	stoppedBy: StopReason | null;
	states: number;
	transitions: number;
	pruned: number;
	depth: number;
	graph: StateGraph | null;
};

type Succ = {
	tid: number;
	m: Machine;
	/** 64-bit state key (two lanes), once `hashed`. */
	ka: number;
	kb: number;
	hashed: boolean;
	violations: Violation[];
	progress: boolean;
	fp: Footprint | null;
	/** Dependent on every other transition (visible, or enabledness others may change). */
	allDep: boolean;
};

type Item = {m: Machine; ka: number; kb: number; node: PathNode | null; depth: number; id: number; redo: number};

const bit = (tid: number): number => 1 << tid;

function popcount(x: number): number {
	let n = 0;
	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
}

/** A CPU's enabledness that another CPU's step could turn off: an await condition or a guard. */
export function fragileEnabledness(model: Model, m: Machine, cpu: number): boolean {
	const c = m.cpus[cpu]!;
	if (c.wait) return false;
	const instr = model.instrAt(m, cpu);
	if (!instr) return false;
	if (instr.kind === 'await' || (instr.kind === 'atomic' && instr.cond)) return true;
	return Boolean(instr.blocking?.prim.guard);
}

export function enabledMask(model: Model, m: Machine): number {
	return model.enabledMask(m);
}

export function* exhaustive(model: Model, opts: ExhaustiveOptions, budget: Budget): Generator<void, ExhaustiveResult, void> {
	const ncpu = model.cpuCount;
	const T = 2 * ncpu;
	const reduce = opts.reduce && !opts.graph && T <= 26;
	const S = 2 ** T;
	const maxStates = opts.maxStates ?? Infinity;
	const maxDepth = opts.maxDepth ?? Infinity;
	const phase = opts.phase ?? 'search';
	const expandViolations = opts.expandViolations ?? true;
	const kinds = new Map<string, Found>();
	// reduce: key -> sleep + chosen * S + expanded * S²; otherwise key -> state id.
	const info = new KeyTable();
	const graph: StateGraph | null = opts.graph ? {count: 0, parent: [], ptid: [], enabledCpus: [], from: [], to: [], tid: []} : null;
	let states = 0;
	let transitions = 0;
	let pruned = 0;
	let deepest = 0;
	let depthHit = false;
	let stopped: StopReason | null = null;

	let queue: Item[] = [];
	let head = 0;
	const take = (): Item | undefined => {
		if (opts.order === 'dfs') return queue.pop();
		if (head >= queue.length) return undefined;
		const it = queue[head++]!;
		if (head > 65_536 && head * 2 > queue.length) {
			queue = queue.slice(head);
			head = 0;
		}
		return it;
	};

	const start = cloneMachine(opts.from ?? model.initial, true);

	/** Reach `key` (with sleep set `sleepIn`); stops the search once the state budget is exhausted. */
	const visit = (m: Machine, ka: number, kb: number, node: PathNode | null, depth: number, sleepIn: number, parentId: number, tid: number): void => {
		const prev = info.get(ka, kb);
		if (prev < 0) {
			if (states >= maxStates) {
				stopped ??= 'max-states';
				return;
			}
			const id = states++;
			info.set(ka, kb, reduce ? sleepIn : id);
			if (graph) {
				graph.parent.push(parentId);
				graph.ptid.push(tid);
				graph.enabledCpus.push(0);
				graph.count = states;
			}
			if (depth > deepest) deepest = depth;
			queue.push({m, ka, kb, node, depth, id, redo: -1});
			return;
		}
		if (!reduce) return;
		const oldSleep = prev % S;
		const missing = oldSleep & ~sleepIn;
		if (missing === 0) return;
		const rest = prev - oldSleep;
		const newSleep = oldSleep & sleepIn;
		info.set(ka, kb, rest + newSleep);
		const expanded = rest >= S * S;
		if (!expanded) return; // still queued: it will be expanded with the smaller sleep set
		const chosen = Math.floor(rest / S) % S;
		const redo = chosen & missing;
		if (redo) queue.push({m, ka, kb, node, depth, id: -1, redo});
	};

	const compute = (m: Machine, tid: number, fp: boolean): Succ => {
		const t = transitionOf(tid);
		const fragile = !t.irq && fragileEnabledness(model, m, t.cpu);
		const r = model.stepShared(m, t, fp);
		transitions++;
		return {
			tid,
			m: r.state,
			// The key is computed on demand (hashOf): sleeping transitions only need their footprint.
			ka: 0,
			kb: 0,
			hashed: false,
			violations: r.violations,
			progress: r.progress,
			fp: r.footprint,
			allDep: r.violations.length > 0 || fragile,
		};
	};

	const hashOf = (s: Succ): Succ => {
		if (!s.hashed) {
			sharedHash(s.m);
			s.ka = lanes.a;
			s.kb = lanes.b;
			s.hashed = true;
		}
		return s;
	};

	const dependent = (a: Succ, b: Succ): boolean => {
		if (a.tid >> 1 === b.tid >> 1) return true;
		if (a.allDep || b.allDep) return true;
		return conflicts(a.fp!, b.fp!);
	};

	const record = (node: PathNode | null, s: Succ): void => {
		for (const v of s.violations) {
			if (kinds.has(v.kind)) continue;
			const schedule = pathOf(node, s.tid);
			kinds.set(v.kind, {kind: v.kind, schedule, violation: v, switches: countSwitches(schedule), minimal: false});
			if (opts.stopAtFirst) stopped ??= 'first-violation';
		}
	};

	sharedHash(start);
	visit(start, lanes.a, lanes.b, null, 0, 0, -1, -1);
	let expansions = 0;
	for (;;) {
		if (stopped) break;
		const item = take();
		if (!item) break;
		if (++expansions % CHECK_EVERY === 0) {
			if (budget.expired()) {
				stopped = budget.stopped;
				break;
			}
			budget.report(phase, states, transitions, deepest);
			yield;
		}
		const {m, ka, kb, node, depth} = item;
		const succs: (Succ | undefined)[] = new Array(T);
		if (item.redo >= 0) {
			// Met again with a smaller sleep set: take what slept before.
			const en = enabledMask(model, m);
			const sleep = info.get(ka, kb) % S & en;
			pruned -= popcount(item.redo);
			for (let tid = 0; tid < T; tid++) if (sleep & bit(tid)) succs[tid] = compute(m, tid, true);
			for (let tid = 0; tid < T; tid++) {
				if (!(item.redo & bit(tid))) continue;
				const s = compute(m, tid, true);
				record(node, s);
				if (s.violations.length && !expandViolations) continue;
				let sleepOut = 0;
				for (let u = 0; u < T; u++) if (sleep & bit(u) && !dependent(succs[u]!, s)) sleepOut |= bit(u);
				hashOf(s);
				visit(s.m, s.ka, s.kb, {tid, up: node}, depth + 1, sleepOut, -1, tid);
			}
			continue;
		}
		const en = enabledMask(model, m);
		if (graph) {
			let cpus = 0;
			for (let tid = 0; tid < T; tid++) if (en & bit(tid)) cpus |= 1 << (tid >> 1);
			graph.enabledCpus[item.id] = cpus;
		}
		if (en === 0) continue;
		if (depth >= maxDepth) {
			depthHit = true;
			continue;
		}
		let sleep = 0;
		let chosen = en;
		if (reduce) {
			sleep = (info.get(ka, kb) % S) & en;
			for (let c = 0; c < ncpu; c++) {
				const tid = 2 * c;
				if (!(en & bit(tid)) || sleep & bit(tid) || m.cpus[c]!.wait) continue;
				if (!model.instrAt(m, c)?.local) continue;
				const s = compute(m, tid, true);
				succs[tid] = s;
				if (s.violations.length === 0 && !info.has(hashOf(s).ka, s.kb)) {
					chosen = bit(tid);
					break;
				}
			}
			info.set(ka, kb, sleep + chosen * S + S * S);
			for (let tid = 0; tid < T; tid++) if (sleep & bit(tid) && !succs[tid]) succs[tid] = compute(m, tid, true);
		}
		const todo = chosen & ~sleep;
		pruned += popcount(en) - popcount(todo);
		let done = 0;
		for (let tid = 0; tid < T; tid++) {
			if (!(todo & bit(tid))) continue;
			const s = succs[tid] ?? compute(m, tid, reduce);
			succs[tid] = s;
			record(node, s);
			if (stopped === 'first-violation') break;
			if (s.violations.length === 0 || expandViolations) {
				let sleepOut = 0;
				if (reduce) {
					const candidates = sleep | done;
					for (let u = 0; u < T; u++) if (candidates & bit(u) && !dependent(succs[u]!, s)) sleepOut |= bit(u);
				}
				hashOf(s);
				visit(s.m, s.ka, s.kb, {tid, up: node}, depth + 1, sleepOut, item.id, tid);
				if (graph && !s.progress) {
					const to = info.get(s.ka, s.kb);
					if (to >= 0) {
						graph.from.push(item.id);
						graph.to.push(to);
						graph.tid.push(tid);
					}
				}
			}
			done |= bit(tid);
		}
	}
	budget.report(phase, states, transitions, deepest, true);
	if (!stopped && depthHit) stopped = 'max-depth';
	return {kinds, complete: stopped === null, stoppedBy: stopped, states, transitions, pruned, depth: deepest, graph};
}
