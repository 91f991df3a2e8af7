// Livelocks (KERNEL.md S8): cycles of states in which some CPU keeps moving
// but no step passes a progress label (or finishes a CPU). Found on the full
// state graph (no reduction: sleep and ample sets may cut cycles), restricted
// to the non-progress, non-violating edges, by Tarjan's strongly connected
// components algorithm (iterative: no recursion, any depth).
//
// Fairness: weak fairness per CPU and per CPU's interrupt, two transitions of
// their own. A CPU whose next statement is enabled in every state of a
// component but never runs inside it would have to run eventually, and so
// would a pending interrupt that a CPU with IRQs on never takes (the hardware
// delivers it; a CPU flooded with IPIs still runs its code): such a component
// is not a livelock. A component is reported only if every transition that
// never fires inside it is disabled in at least one of its states; then a
// cycle through all of its states and edges is a weakly fair run.

import type {Transition, Violation} from '../machine/types.js';
import type {StateGraph} from './exhaustive.js';
import {codeTid, expandCode, type Lasso} from './types.js';

type Csr = {start: Int32Array; to: Int32Array; tid: Int32Array};

function csr(g: StateGraph): Csr {
	const n = g.count;
	const start = new Int32Array(n + 1);
	for (let e = 0; e < g.from.length; e++) start[g.from.get(e) + 1]!++;
	for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
	const fill = start.slice(0, n);
	const to = new Int32Array(g.from.length);
	const tid = new Int32Array(g.from.length);
	for (let e = 0; e < g.from.length; e++) {
		const at = fill[g.from.get(e)]!++;
		to[at] = g.to.get(e);
		tid[at] = g.tid.get(e);
	}
	return {start, to, tid};
}

/** Strongly connected components (Tarjan, iterative). Returns the component id of each state. */
export function tarjan(n: number, adj: Csr): {comp: Int32Array; count: number} {
	const index = new Int32Array(n).fill(-1);
	const low = new Int32Array(n);
	const onStack = new Uint8Array(n);
	const comp = new Int32Array(n).fill(-1);
	const stack: number[] = [];
	const call: number[] = []; // DFS stack of vertices
	const edgeAt: number[] = []; // next edge index to look at, per call frame
	let next = 0;
	let count = 0;
	for (let root = 0; root < n; root++) {
		if (index[root] !== -1) continue;
		call.push(root);
		edgeAt.push(adj.start[root]!);
		index[root] = low[root] = next++;
		stack.push(root);
		onStack[root] = 1;
		while (call.length) {
			const v = call[call.length - 1]!;
			const e = edgeAt[edgeAt.length - 1]!;
			if (e < adj.start[v + 1]!) {
				edgeAt[edgeAt.length - 1] = e + 1;
				const w = adj.to[e]!;
				if (index[w] === -1) {
					index[w] = low[w] = next++;
					stack.push(w);
					onStack[w] = 1;
					call.push(w);
					edgeAt.push(adj.start[w]!);
				} else if (onStack[w]) {
					if (index[w]! < low[v]!) low[v] = index[w]!;
				}
				continue;
			}
			call.pop();
			edgeAt.pop();
			if (call.length) {
				const u = call[call.length - 1]!;
				if (low[v]! < low[u]!) low[u] = low[v]!;
			}
			if (low[v] === index[v]) {
				for (;;) {
					const w = stack.pop()!;
					onStack[w] = 0;
					comp[w] = count;
					if (w === v) break;
				}
				count++;
			}
		}
	}
	return {comp, count};
}

/**
 * Whether a graph has a cycle of non-progress edges (its edges are those).
 * On the quotient by symmetry this decides the full graph's answer: an edge s -> t
 * of the full graph gives an edge orbit(s) -> orbit(t) of the quotient with the
 * same labels (the copies run one program), so a cycle of the full graph is a
 * closed walk of the quotient; and a quotient with no cycle means a full graph
 * with none, so no livelock, fair or not.
 */
export function hasCycle(g: StateGraph): boolean {
	if (g.from.length === 0) return false;
	const {comp} = tarjan(g.count, csr(g));
	for (let e = 0; e < g.from.length; e++) if (comp[g.from.get(e)] === comp[g.to.get(e)]) return true;
	return false;
}

function prefixTo(g: StateGraph, id: number): Transition[] {
	const codes: number[] = [];
	let v = id;
	for (; g.parent.get(v) >= 0; v = g.parent.get(v)) codes.push(g.ptid.get(v));
	const out: Transition[] = [...(g.rootPath.get(v) ?? [])];
	for (let i = codes.length - 1; i >= 0; i--) expandCode(codes[i]!, out);
	return out;
}

/** Shortest path inside component c from `from` to a state satisfying `goal` (edges: optionally the one taken last). */
function pathInside(adj: Csr, comp: Int32Array, c: number, from: number, goal: (v: number, viaTid: number) => boolean): {path: number[]; end: number} | null {
	const prev = new Map<number, {v: number; tid: number}>();
	const queue = [from];
	const seen = new Set([from]);
	for (let h = 0; h < queue.length; h++) {
		const v = queue[h]!;
		for (let e = adj.start[v]!; e < adj.start[v + 1]!; e++) {
			const w = adj.to[e]!;
			if (comp[w] !== c) continue;
			const tid = adj.tid[e]!;
			if (goal(w, tid)) {
				const path = [tid];
				for (let x = v; x !== from; ) {
					const p = prev.get(x)!;
					path.push(p.tid);
					x = p.v;
				}
				return {path: path.reverse(), end: w};
			}
			if (seen.has(w)) continue;
			seen.add(w);
			prev.set(w, {v, tid});
			queue.push(w);
		}
	}
	return null;
}

/**
 * Livelocks of a state graph, one lasso per fair non-progress component, the
 * ones reached by the shortest prefix first. `cpuCount` CPUs.
 */
export function findLivelocks(g: StateGraph, cpuCount: number, limit = 8): Lasso[] {
	const n = g.count;
	if (n === 0 || g.from.length === 0) return [];
	const adj = csr(g);
	const {comp, count} = tarjan(n, adj);
	// Per component: size, transitions (tids) firing on internal edges, tids disabled somewhere, first (lowest id = BFS-earliest) state.
	const size = new Int32Array(count);
	const moving = new Int32Array(count);
	const disabledSomewhere = new Int32Array(count);
	const first = new Int32Array(count).fill(-1);
	const tids = 2 * cpuCount;
	const all = (1 << tids) - 1;
	for (let v = 0; v < n; v++) {
		const c = comp[v]!;
		size[c]!++;
		disabledSomewhere[c]! |= all & ~g.enabledTids.get(v);
		if (first[c] === -1) first[c] = v;
		for (let e = adj.start[v]!; e < adj.start[v + 1]!; e++) if (comp[adj.to[e]!] === c) moving[c]! |= 1 << codeTid(adj.tid[e]!);
	}
	const found: {c: number; entry: number}[] = [];
	for (let c = 0; c < count; c++) {
		if (moving[c] === 0) continue; // no internal edge: not a cycle
		const idle = all & ~moving[c]!;
		if ((idle & ~disabledSomewhere[c]!) !== 0) continue; // unfair: an always-enabled statement or interrupt never fires
		found.push({c, entry: first[c]!});
	}
	found.sort((a, b) => a.entry - b.entry);
	const out: Lasso[] = [];
	for (const {c, entry} of found.slice(0, limit)) {
		// Loop: from the entry, take an edge of every transition firing inside and visit a
		// state where every other one is disabled, then come back: a weakly fair cycle.
		const loop: number[] = [];
		let at = entry;
		const movingCpus: number[] = [];
		for (let cpu = 0; cpu < cpuCount; cpu++) if (moving[c]! & (3 << (2 * cpu))) movingCpus.push(cpu);
		const goals: ((v: number, tid: number) => boolean)[] = [];
		for (let tid = 0; tid < tids; tid++) if (moving[c]! & (1 << tid)) goals.push((_v, code) => codeTid(code) === tid);
		for (let tid = 0; tid < tids; tid++) if (!(moving[c]! & (1 << tid))) goals.push(v => (g.enabledTids.get(v) & (1 << tid)) === 0);
		let ok = true;
		for (const goal of goals) {
			if (goal(at, -1)) continue; // a state goal already met here
			const p = pathInside(adj, comp, c, at, goal);
			if (!p) {
				ok = false;
				break;
			}
			loop.push(...p.path);
			at = p.end;
		}
		if (ok && at !== entry) {
			const back = pathInside(adj, comp, c, at, v => v === entry);
			if (!back) ok = false;
			else loop.push(...back.path);
		}
		if (!ok || loop.length === 0) continue;
		const prefix = prefixTo(g, entry);
		const loopSteps = loop.flatMap(code => expandCode(code));
		const violation: Violation = {
			kind: 'livelock',
			check: 'S8',
			message: `livelock: ${movingCpus.map(x => `CPU${x}`).join(', ')} ${movingCpus.length > 1 ? 'keep' : 'keeps'} moving without progress (a ${loopSteps.length}-step cycle, repeated for ever; ${size[c]} states in the cycle's component)`,
			cpu: movingCpus[0] ?? null,
			line: null,
			objects: movingCpus.map(x => `CPU${x}`),
		};
		out.push({prefix, loop: loopSteps, moving: movingCpus, sccStates: size[c]!, violation});
	}
	return out;
}
