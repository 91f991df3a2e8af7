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
//
// Two more reductions, each optional and sound alone or together with POR:
// - Merged local steps (Model.stepMerged): a CPU's step is followed, in the
//   same transition, by its next statements while they touch no machine
//   state; a path node records how many statements it stands for, so every
//   schedule reported is in statements.
// - Symmetry (symmetry.ts): states are keyed by the representative of their
//   class under renamings of interchangeable replica CPUs; sleep sets are
//   stored in the representative's numbering. Real states are stepped, so
//   schedules are real.
// The livelock graph (graph: true) uses merging only: fairness over a
// quotient by symmetry needs more than the state graph (Emerson and Sistla).

import type {CowTree} from '../lang/cow.js';
import type {Model} from '../lang/interpreter.js';
import {layoutOf} from '../lang/bounds.js';
import {conflicts, type Footprint} from '../machine/context.js';
import type {Machine, Transition, Violation} from '../machine/types.js';
import {Budget, CHECK_EVERY} from './budget.js';
import {cloneMachine} from './clone.js';
import {lanes, sharedHash, stampTree} from './fasthash.js';
import {KeyTable, omissionChance, type ExactKey, type SharedVisited, type Visited} from './keytable.js';
import {VectorPacker, VectorTable} from './exact-table.js';
import {countSwitches} from '../lang/schedule.js';
import {IntList} from './intlist.js';
import type {StepCache} from './stepcache.js';
import {renameMask, Symmetry, unrenameMask} from './symmetry.js';
import {type Found, type StopReason, expandCode, stepCode, tidOf} from './types.js';

export type PathNode = {code: number; up: PathNode | null};

/** The schedule (in statements) of a path, plus a last transition's code. */
export function pathOf(node: PathNode | null, last?: number): Transition[] {
	const codes: number[] = [];
	if (last !== undefined) codes.push(last);
	for (let n = node; n; n = n.up) codes.push(n.code);
	const out: Transition[] = [];
	for (let i = codes.length - 1; i >= 0; i--) expandCode(codes[i]!, out);
	return out;
}

/** A path node chain for a known schedule (a root of a shard). */
function nodeOf(path: readonly Transition[]): PathNode | null {
	let node: PathNode | null = null;
	for (const t of path) node = {code: stepCode(tidOf(t), 1), up: node};
	return node;
}

/** The explicit state graph the livelock search needs (ids in discovery order). */
export type StateGraph = {
	count: number;
	/** Breadth-first tree: parent id (-1 for a root) and the step code from it (types.ts stepCode). */
	parent: IntList;
	ptid: IntList;
	/** Bit tid set (2·cpu, +1 for the interrupt): that transition is enabled in this state. */
	enabledTids: IntList;
	/** Edges that neither pass a progress label nor report a violation (step codes in `tid`). */
	from: IntList;
	to: IntList;
	tid: IntList;
	/** Schedules reaching the roots, when the search started from several (shards). */
	rootPath: Map<number, Transition[]>;
};

/** A state to search from, with the schedule reaching it; `sleep`: the transitions asleep there (bits as in the enabled mask), when a reduced search collected it. */
export type Root = {m: Machine; path: Transition[]; sleep?: number};

export type ExhaustiveOptions = {
	order: 'bfs' | 'dfs';
	reduce: boolean;
	/** Record the state graph (forces reduce off, and symmetry unless `quotient`). */
	graph: boolean;
	/**
	 * With graph: keep symmetry on, so the graph is the quotient by symmetry, whose
	 * states are orbits and whose edges stand for the orbits' edges. Good only for
	 * asking whether it has a non-progress cycle at all (livelock.ts hasCycle): its
	 * paths do not replay as schedules.
	 */
	quotient?: boolean;
	from?: Machine;
	/** Start from these states instead (each with the schedule reaching it). */
	roots?: Root[];
	maxStates?: number;
	maxDepth?: number;
	stopAtFirst?: boolean;
	/** Keep going past a step that reported a violation (default true); false: violating states are not expanded. */
	expandViolations?: boolean;
	phase?: 'search' | 'liveness';
	/** Merge runs of local steps into one transition (default true). */
	merge?: boolean;
	/** Symmetry reduction over the program's interchangeable CPUs (default true; off with graph). */
	symmetry?: boolean;
	/** Store full states, not 64-bit fingerprints (default false). */
	exact?: boolean;
	/** Collect the states first met at depth maxDepth (with their schedules) here. */
	collect?: Root[];
	/**
	 * One of several workers of one search (`explore --jobs`): the visited set
	 * they share (sharedtable.ts), and the roots they draw from by its counter
	 * when their own queue runs dry (instead of `roots`).
	 */
	shared?: {table: SharedVisited; roots: readonly Root[]};
	/** The steps of the explore's other phases (stepcache.ts): taken once, kept for each other. */
	steps?: StepCache;
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
	/** Chance that a state was omitted by a fingerprint collision (0 in exact mode). */
	omission: number;
	/** Which reductions were in force. */
	reductions: {por: boolean; merge: boolean; symmetry: boolean; exact: boolean};
	/** With `shared`: how many of the roots this search drew. */
	rootsDrawn: number;
};

type Succ = {
	tid: number;
	/** tid and the number of statements (stepCode). */
	code: number;
	m: Machine;
	/** 64-bit state key (two lanes), once `hashed`; ek: the packed state vector in exact mode (exact-table.ts). */
	ka: number;
	kb: number;
	ek: ExactKey | null;
	/** The renaming to the class representative (null: m is its own). */
	perm: number[] | null;
	hashed: boolean;
	/** What the step changed (until hashed: the successor's hash is derived from the parent's; then null, also for a kept step's other users). */
	step: {tree: CowTree | null};
	violations: Violation[];
	progress: boolean;
	fp: Footprint | null;
	/** Dependent on every other transition (visible, or enabledness others may change). */
	allDep: boolean;
};

/**
 * What the dependency check needs of a sleeping transition. A transition
 * asleep in a state is independent of the step that led there, so it reads
 * and writes there what it did in the parent: its footprint is inherited, not
 * recomputed (it would be a step per sleeping transition).
 */
type Sleeper = {tid: number; allDep: boolean; fp: Footprint | null};

type Item = {m: Machine; ka: number; kb: number; ek: ExactKey | null; perm: number[] | null; node: PathNode | null; depth: number; id: number; redo: number; sleepers: (Sleeper | undefined)[] | null};

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

function sleepersOf(succs: readonly (Sleeper | undefined)[], mask: number): (Sleeper | undefined)[] | null {
	if (mask === 0) return null;
	const out: (Sleeper | undefined)[] = new Array(succs.length);
	for (let u = 0; u < succs.length; u++) if (mask & bit(u)) out[u] = {tid: u, allDep: succs[u]!.allDep, fp: succs[u]!.fp};
	return out;
}

export function* exhaustive(model: Model, opts: ExhaustiveOptions, budget: Budget): Generator<void, ExhaustiveResult, void> {
	const ncpu = model.cpuCount;
	const T = 2 * ncpu;
	const reduce = opts.reduce && !opts.graph && T <= 26;
	const merge = opts.merge ?? true;
	const exact = opts.exact ?? false;
	const sym = (!opts.graph || opts.quotient === true) && (opts.symmetry ?? true) && model.program.symmetry.length > 0 ? new Symmetry(model.program.symmetry, ncpu) : null;
	const S = 2 ** T;
	const maxStates = opts.maxStates ?? Infinity;
	const maxDepth = opts.maxDepth ?? Infinity;
	const phase = opts.phase ?? 'search';
	const expandViolations = opts.expandViolations ?? true;
	const steps = exact ? null : (opts.steps ?? null);
	const kinds = new Map<string, Found>();
	// reduce: key -> sleep + chosen * S + expanded * S² (masks in the representative's numbering); otherwise key -> state id.
	// Values: sleep + chosen·S + S² < 2^(2T+1), or a state id: 32 bits up to 7 CPUs.
	const shared = opts.shared ?? null;
	if (shared && (exact || opts.graph || (reduce && 2 * T + 1 > 31))) throw new Error('a shared visited set holds 31-bit values of fingerprinted states only');
	const info: Visited = shared ? shared.table : exact ? new VectorTable() : new KeyTable(1 << 12, reduce && 2 * T + 1 > 31);
	// --exact keeps each state's vector under the scenario's layout (docs/state-vector.md)
	const packer = exact ? new VectorPacker(layoutOf(model.program)) : null;
	const graph: StateGraph | null = opts.graph ? {count: 0, parent: new IntList(), ptid: new IntList(), enabledTids: new IntList(), from: new IntList(), to: new IntList(), tid: new IntList(), rootPath: new Map()} : null;
	let states = 0;
	let transitions = 0;
	let pruned = 0;
	let deepest = 0;
	let depthHit = false;
	let stopped: StopReason | null = null;

	let queue: Item[] = [];
	/** The keys of the states pushed on opts.collect (for their final sleep sets). */
	const collected: {ka: number; kb: number; ek: ExactKey | null; perm: number[] | null}[] = [];
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

	/** Reach a state (with sleep set `sleepIn`, in its own numbering); stops the search once the state budget is exhausted. */
	const visit = (s: Succ, node: PathNode | null, depth: number, sleepIn: number, parentId: number, sleepers: (Sleeper | undefined)[] | null): void => {
		const {m, ka, kb, ek, perm} = s;
		if (info.size >= maxStates && !info.has(ka, kb, ek)) {
			stopped ??= 'max-states';
			shared?.table.stop('max-states');
			return;
		}
		const canonIn = renameMask(sleepIn, perm);
		let prev = info.insert(ka, kb, reduce ? canonIn : states, ek);
		if (prev < 0) {
			const id = states++;
			if (graph) {
				graph.parent.push(parentId);
				graph.ptid.push(s.code);
				graph.enabledTids.push(0);
				graph.count = states;
			}
			if (depth > deepest) deepest = depth;
			if (opts.collect && depth === maxDepth) {
				opts.collect.push({m, path: pathOf(node)});
				collected.push({ka, kb, ek, perm});
			}
			queue.push({m, ka, kb, ek, perm, node, depth, id, redo: -1, sleepers});
			return;
		}
		if (!reduce) return;
		// Met again: the stored sleep set shrinks to its intersection with this one (a compare-and-swap,
		// retried, so a worker sharing the table cannot lose the update).
		for (;;) {
			const oldSleep = prev % S;
			const missing = oldSleep & ~canonIn;
			if (missing === 0) return;
			const rest = prev - oldSleep;
			if (!info.cas(ka, kb, prev, rest + (oldSleep & canonIn), ek)) {
				prev = info.get(ka, kb, ek);
				continue;
			}
			const expanded = rest >= S * S;
			if (!expanded) return; // still queued: it will be expanded with the smaller sleep set
			const chosen = Math.floor(rest / S) % S;
			const redo = unrenameMask(chosen & missing, perm);
			if (redo) queue.push({m, ka, kb, ek, perm, node, depth, id: -1, redo, sleepers});
			return;
		}
	};

	const compute = (m: Machine, tid: number, fp: boolean): Succ => {
		const t = {cpu: tid >> 1, irq: (tid & 1) === 1};
		const fragile = !t.irq && fragileEnabledness(model, m, t.cpu);
		const r: {state: Machine; violations: Violation[]; progress: boolean; footprint: Footprint | null; count?: number; tree: CowTree | null} = steps ? (merge ? steps.stepMerged(m, tid, fp) : steps.stepShared(m, tid, fp)) : merge ? model.stepMerged(m, t, fp) : model.stepShared(m, t, fp);
		transitions++;
		return {
			tid,
			code: stepCode(tid, r.count ?? 1),
			m: r.state,
			// The key is computed on demand (hashOf): sleeping transitions only need their footprint.
			ka: 0,
			kb: 0,
			ek: null,
			perm: null,
			hashed: false,
			step: r,
			violations: r.violations,
			progress: r.progress,
			fp: r.footprint,
			allDep: r.violations.length > 0 || fragile,
		};
	};

	const hashOf = (s: Succ): Succ => {
		if (!s.hashed) {
			const st = s.step;
			if (st.tree) {
				stampTree(st.tree);
				st.tree = null;
			}
			let rep = s.m;
			if (sym) {
				const k = sym.key(s.m, exact);
				if (k) {
					s.perm = k.perm;
					if (k.rep) rep = k.rep;
				}
			} else sharedHash(s.m);
			s.ka = lanes.a;
			s.kb = lanes.b;
			if (packer) s.ek = packer.key(rep);
			s.hashed = true;
		}
		return s;
	};

	const dependent = (a: Sleeper, b: Sleeper): boolean => {
		if (a.tid >> 1 === b.tid >> 1) return true;
		if (a.allDep || b.allDep) return true;
		return conflicts(a.fp!, b.fp!);
	};

	const record = (node: PathNode | null, s: Succ): void => {
		for (const v of s.violations) {
			if (kinds.has(v.kind)) continue;
			const schedule = pathOf(node, s.code);
			kinds.set(v.kind, {kind: v.kind, schedule, violation: v, switches: countSwitches(schedule), minimal: false});
			if (opts.stopAtFirst) {
				stopped ??= 'first-violation';
				shared?.table.stop('first-violation');
			}
		}
	};

	const visitRoot = (root: Root): void => {
		const start = cloneMachine(root.m, true);
		const s: Succ = {tid: -1, code: -1, m: start, ka: 0, kb: 0, ek: null, perm: null, hashed: false, step: {tree: null}, violations: [], progress: false, fp: null, allDep: false};
		hashOf(s);
		const before = states;
		visit(s, nodeOf(root.path), root.path.length, reduce ? (root.sleep ?? 0) : 0, -1, null);
		if (graph && states > before && root.path.length) graph.rootPath.set(before, root.path);
	};
	if (!shared) for (const root of opts.roots ?? [{m: opts.from ?? model.initial, path: []}]) visitRoot(root);
	let expansions = 0;
	let rootsDrawn = 0;
	// Inside the visited set between checkpoints (a shared one grows only while no worker is inside).
	info.enter();
	try {
		for (;;) {
			if (stopped) break;
			const item = take();
			if (!item) {
				// A worker of a shared search draws its next root when its own part is done.
				const next = shared ? shared.table.takeRoot() : -1;
				if (next < 0 || next >= shared!.roots.length) break;
				rootsDrawn++;
				visitRoot(shared!.roots[next]!);
				continue;
			}
			if (++expansions % CHECK_EVERY === 0) {
				info.leave();
				const stop = budget.expired() ? budget.stopped : (shared?.table.stopped ?? null);
				if (!stop) {
					budget.report(phase, states, transitions, deepest);
					yield;
				}
				info.enter();
				if (stop) {
					stopped = stop;
					break;
				}
			}
			expand(item);
		}
	} finally {
		info.leave();
	}
	budget.report(phase, states, transitions, deepest, true);
	if (!stopped && depthHit) stopped = 'max-depth';
	// The frontier of a reduced search carries the sleep sets its states ended with (met again at
	// the same depth, a set only shrinks): a search from them explores what this one would have.
	if (reduce && opts.collect) collected.forEach((c, i) => (opts.collect![opts.collect!.length - collected.length + i]!.sleep = unrenameMask(info.get(c.ka, c.kb, c.ek) % S, c.perm)));
	return {
		kinds,
		complete: stopped === null,
		stoppedBy: stopped,
		states,
		transitions,
		pruned,
		depth: deepest,
		graph,
		omission: exact ? 0 : omissionChance(shared ? info.size : states),
		reductions: {por: reduce, merge, symmetry: sym !== null, exact},
		rootsDrawn,
	};

	/** Expand one queued state (or take, on a state met again, the transitions it slept on before). */
	function expand(item: Item): void {
		const {m, ka, kb, ek, perm, node, depth} = item;
		const succs: (Sleeper | undefined)[] = new Array(T);
		const inherited = item.sleepers;
		if (item.redo >= 0) {
			// Met again with a smaller sleep set: take what slept before.
			const en = enabledMask(model, m);
			const sleep = unrenameMask(info.get(ka, kb, ek) % S, perm) & en;
			pruned -= popcount(item.redo);
			for (let tid = 0; tid < T; tid++) if (sleep & bit(tid)) succs[tid] = inherited?.[tid] ?? compute(m, tid, true);
			for (let tid = 0; tid < T; tid++) {
				if (!(item.redo & bit(tid))) continue;
				const s = compute(m, tid, true);
				record(node, s);
				if (s.violations.length && !expandViolations) continue;
				let sleepOut = 0;
				for (let u = 0; u < T; u++) if (sleep & bit(u) && !dependent(succs[u]!, s)) sleepOut |= bit(u);
				hashOf(s);
				visit(s, {code: s.code, up: node}, depth + 1, sleepOut, -1, sleepersOf(succs, sleepOut));
			}
			return;
		}
		const en = enabledMask(model, m);
		if (graph) graph.enabledTids.set(item.id, en);
		if (en === 0) return;
		if (depth >= maxDepth) {
			depthHit = true;
			return;
		}
		let sleep = 0;
		let chosen = en;
		/** Successors computed while looking for an ample set (reused if explored). */
		const ample: (Succ | undefined)[] = new Array(T);
		if (reduce) {
			// Mark the state expanded with the sleep set and the choice made; a compare-and-swap, so a
			// sleep set another worker shrank meanwhile is not overwritten (then choose again with it).
			for (;;) {
				const stored = info.get(ka, kb, ek);
				sleep = unrenameMask(stored % S, perm) & en;
				chosen = en;
				for (let c = 0; c < ncpu; c++) {
					const tid = 2 * c;
					if (!(en & bit(tid)) || sleep & bit(tid) || m.cpus[c]!.wait) continue;
					if (!model.instrAt(m, c)?.local) continue;
					const s = ample[tid] ?? compute(m, tid, true);
					succs[tid] = s;
					ample[tid] = s;
					if (s.violations.length === 0 && !info.has(hashOf(s).ka, s.kb, s.ek)) {
						chosen = bit(tid);
						break;
					}
				}
				if (info.cas(ka, kb, stored, renameMask(sleep, perm) + renameMask(chosen, perm) * S + S * S, ek)) break;
			}
			for (let tid = 0; tid < T; tid++) if (sleep & bit(tid) && !succs[tid]) succs[tid] = inherited?.[tid] ?? compute(m, tid, true);
		}
		const todo = chosen & ~sleep;
		pruned += popcount(en) - popcount(todo);
		let done = 0;
		for (let tid = 0; tid < T; tid++) {
			if (!(todo & bit(tid))) continue;
			const s = ample[tid] ?? compute(m, tid, reduce);
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
				visit(s, {code: s.code, up: node}, depth + 1, sleepOut, item.id, sleepOut ? sleepersOf(succs, sleepOut) : null);
				if (graph && !s.progress) {
					const to = info.get(s.ka, s.kb, s.ek);
					if (to >= 0) {
						graph.from.push(item.id);
						graph.to.push(to);
						graph.tid.push(s.code);
					}
				}
			}
			done |= bit(tid);
		}
	}
}
