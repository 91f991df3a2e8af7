// Types shared by the search strategies (source/explore).

import type {Machine, Transition, Violation} from '../machine/types.js';
import type {SharedTableBuffers} from './sharedtable.js';

export type Strategy = 'bfs' | 'dfs' | 'random' | 'pct';

export type Progress = {
	/** Distinct states seen so far. */
	states: number;
	transitions: number;
	/** Deepest point reached so far. */
	depth: number;
	statesPerSec: number;
	elapsedMs: number;
	/** Which phase is running: the safety search, the livelock search, minimisation. */
	phase: 'search' | 'liveness' | 'minimise';
};

export type Bounds = {
	/** Stop after this many distinct states (default: unbounded). */
	maxStates?: number;
	/** Do not expand states this many steps from the start. */
	maxDepth?: number;
	/** Wall-clock budget in milliseconds for the whole call. */
	timeoutMs?: number;
	signal?: AbortSignal;
	onProgress?: (p: Progress) => void;
	/** Minimum time between two progress reports (default 250 ms). */
	progressIntervalMs?: number;
};

/** Each reduction alone and all together, against the plain search: what the bench and the soundness property compare. */
export const REDUCTION_CONFIGS = {
	plain: {reduce: false, merge: false, symmetry: false},
	por: {reduce: true, merge: false, symmetry: false},
	merge: {reduce: false, merge: true, symmetry: false},
	symmetry: {reduce: false, merge: false, symmetry: true},
	all: {reduce: true, merge: true, symmetry: true},
} as const;

export type ExploreOptions = Bounds & {
	strategy?: Strategy;
	/** Partial-order reduction (sleep sets + ample sets of `local` steps) for bfs/dfs. Default true. */
	reduce?: boolean;
	/** Merge runs of a CPU's local steps into one search transition (bfs/dfs and the livelock search). Default true. */
	merge?: boolean;
	/** Symmetry reduction over interchangeable replica CPUs (bfs/dfs). Default true. */
	symmetry?: boolean;
	/** Store every state in full instead of a 64-bit fingerprint (no chance of an omitted state). Default false. */
	exact?: boolean;
	/** Start state (default: the model's initial state). */
	from?: Machine;
	/** Stop at the first violation found (default: collect every reachable kind). */
	stopAtFirst?: boolean;
	/**
	 * Keep exploring past a step that reported a violation (default true), so a
	 * kind reachable only after another (S1 after S2's arch_remove_memory) is
	 * found. False: a violating state is a dead end.
	 */
	expandViolations?: boolean;
	/** Also search for livelocks (S8): full state graph, no reduction. Default false. */
	liveness?: boolean;
	/** Replace each kind's schedule by the shortest one with the fewest preemptions (bfs/dfs). Default true. */
	minimise?: boolean;
	/** bfs/dfs: the phases (search, livelock graph, minimisation) take each step once and keep it for the others (stepcache.ts). Default true; the results are the same either way. */
	shareSteps?: boolean;
	/** bfs/dfs: be one shard of a search split across processes (shard.ts). */
	shard?: {frontier: number; index: number; count: number};
	/**
	 * With `shard`, on a worker thread of `explore --jobs`: the visited set every
	 * shard shares (sharedtable.ts). The safety search then draws its roots from
	 * the whole frontier and leaves minimisation to the caller.
	 */
	sharedTable?: SharedTableBuffers;
	/** random / pct: the PRNG seed (default 1). */
	seed?: number;
	/** pct: the bug depth d (default 3). */
	pctDepth?: number;
	/** random / pct: number of runs (default 1000). */
	runs?: number;
};

/** A counterexample for one violation kind. */
export type Found = {
	kind: string;
	schedule: Transition[];
	/** The violation as the last step reported it. */
	violation: Violation;
	/** Switches between CPUs along the schedule. */
	switches: number;
	/** True once minimised: shortest, then fewest switches, among all counterexamples of this kind. */
	minimal: boolean;
};

/** A livelock (S8) as a lasso: the prefix reaches the cycle, the loop repeats for ever. */
export type Lasso = {
	prefix: Transition[];
	loop: Transition[];
	/** CPUs that move inside the cycle. */
	moving: number[];
	/** Size of the strongly connected component the loop lies in. */
	sccStates: number;
	violation: Violation;
};

export type Stats = {
	states: number;
	transitions: number;
	/** Transitions not taken thanks to partial-order reduction (sleep sets and ample sets). */
	pruned: number;
	/** Deepest point reached. */
	depth: number;
	/** Wall time of the whole call (search, livelock search, minimisation). */
	timeMs: number;
	/** States per second of the main search (bfs/dfs/random/pct) alone. */
	statesPerSec: number;
	/** States of the livelock search (full graph), when it ran. */
	livenessStates?: number;
	/** The livelock search stopped at the quotient by symmetry (livenessStates are orbits): it has no non-progress cycle. */
	livenessQuotient?: boolean;
	/** Chance that a fingerprint collision hid a state (0 with exact). */
	omission: number;
	/** The reductions in force in the main search. */
	reductions: {por: boolean; merge: boolean; symmetry: boolean; exact: boolean};
};

export type StopReason = 'max-states' | 'max-depth' | 'timeout' | 'aborted' | 'first-violation' | 'runs';

export type ExploreResult = {
	strategy: Strategy;
	/** Every violation kind found, with its (shortest, if minimised) schedule. */
	kinds: Map<string, Found>;
	livelocks: Lasso[];
	/** The whole reachable state space was explored: what was not found is unreachable. */
	complete: boolean;
	/** Whether the livelock search ran to completion (false if not requested or bounded). */
	livenessComplete: boolean;
	stoppedBy: StopReason | null;
	stats: Stats;
	/** This result is one shard's (shard.ts): its frontier and how many of the frontier's states were its roots. */
	/** `roots`: the frontier states this shard owned, or (`shared`: workers of explore --jobs sharing one visited set) drew. */
	shard: {frontier: number; index: number; count: number; frontierStates: number; roots: number; prefixStates: number; shared?: boolean} | null;
};

export const tidOf = (t: Transition): number => t.cpu * 2 + (t.irq ? 1 : 0);
export const transitionOf = (tid: number): Transition => ({cpu: tid >> 1, irq: (tid & 1) === 1});

/**
 * A search transition, possibly merged (docs/search.md, merged local steps):
 * tid (bits 0-4: 2·cpu, +1 for the interrupt) plus 32 × the number of
 * statements it stands for (the first, then the CPU's following local steps).
 */
export const stepCode = (tid: number, count: number): number => tid + 32 * count;
export const codeTid = (code: number): number => code & 31;
export const codeCpu = (code: number): number => (code & 31) >> 1;

/** The statements a search transition stands for, as a schedule. */
export function expandCode(code: number, out: Transition[] = []): Transition[] {
	const tid = code & 31;
	const count = Math.max(1, Math.floor(code / 32));
	out.push(transitionOf(tid));
	for (let k = 1; k < count; k++) out.push({cpu: tid >> 1, irq: false});
	return out;
}
