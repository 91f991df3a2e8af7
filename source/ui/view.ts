// The view model: everything the screen shows, as plain data. The App derives
// it from the session; tests can build it directly from a Model and states.

import type {Model} from '../lang/interpreter.js';
import type {Machine, Transition, Violation} from '../machine/types.js';
import {irqsOffSteps} from '../render/blocked.js';
import {changes} from '../machine/flatten.js';
import {blockedWithHistory, effectLines, type TraceStep} from '../render/trace.js';

/** One step of the path (a Point satisfies it). */
export type PathEntry = {
	depth: number;
	transition: Transition | null;
	line: number | null;
	violations: Violation[];
	children: readonly unknown[];
	userNote?: string;
	/** The state after this step (a Point has it): the timeline shows what the next step ran from it. */
	state?: Machine;
	/** What the primitives said during the step (the TLB walk, a refcount reaching zero...). */
	notes?: string[];
};

/** A CPU's most recent step at or before the cursor. */
export type LastStep = {depth: number; line: number | null; irq: boolean; notes: string[]};

/** What `z` shows at full size. */
export type Zoom = {kind: 'cpu'; cpu: number} | {kind: 'state'} | {kind: 'timeline'};

export type Overlay = 'none' | 'help' | 'tree' | 'diff';

export type BranchInfo = {
	name: string;
	head: number;
	forkedAt: number | null;
	/** The earlier branch it left (null for the first). */
	parent?: string | null;
	current: boolean;
	headViolation: string | null;
	/** Its schedule from step 0, folded (1*7 2); only for the tree overlay. */
	schedule?: string;
};

export type MessageKind = 'info' | 'warn' | 'error' | 'ok';

export type View = {
	model: Model;
	/** The state at the cursor and before the last step (null at the root). */
	state: Machine;
	prev: Machine | null;
	/** Cursor depth and the depth of the branch head. */
	step: number;
	total: number;
	branch: string;
	branchIndex: number;
	branches: BranchInfo[];
	/** The transition that led to the cursor. */
	last: Transition | null;
	/** root..head of the current branch. */
	path: readonly PathEntry[];
	/** Violations at or before the cursor, with their step. */
	violations: {step: number; v: Violation}[];
	/** Breakpoint lines (cpu null = any CPU). */
	breakpoints: {cpu: number | null; line: number}[];
	message: {text: string; kind: MessageKind} | null;
	/** The command line being edited (without the leading ':'), or null. */
	prompt: string | null;
	/** A key prefix waiting for its digit (`i`, `r`). */
	pending: string | null;
	overlay: Overlay;
	/** The branch under the tree overlay's cursor (null: the current one). */
	treeCursor?: string | null;
	/** Compact layout: which state section is shown (0 = all; see STATE_PANES). */
	statePane?: number;
	/** Paths (flatten names) the last step changed. */
	changed: Set<string>;
	/** Per CPU: the step since which its IRQs are off (0 = from the start), null when on. */
	irqsOffSince?: (number | null)[];
	/** The cursor step's effect lines, as `racewalk run` prints them under the step. */
	effects?: string[];
	/** Per CPU: its most recent step at or before the cursor (null: it has not moved). */
	lastSteps?: (LastStep | null)[];
	/** A pane shown at full size (`z`), or none. */
	zoom?: Zoom | null;
	/** Keys pressed under the too-small screen (ignored). */
	ignoredKeys?: number;
	/** First line of the help shown (the help scrolls). */
	helpScroll?: number;
	/** The diff overlay (`:diff A B`): the two points and the values that differ; its first line shown. */
	diff?: {from: string; to: string; rows: {path: string; before: string; after: string}[]} | null;
	diffScroll?: number;
	/** Per CPU, why it cannot move, with the history the state does not hold (a lock: held since which step); null: it can. */
	blocked?: (string | null)[];
	/** The param sets opened by :set, each a root with its own tree (empty: only one). */
	roots?: {params: string; branches: number; current: boolean}[];
	/** The loop of a livelock on this branch: steps [from, to] repeat for ever. */
	loop?: {from: number; to: number} | null;
};

/** Per CPU, its latest step on `path` at or before `cursor`. */
export function lastSteps(path: readonly PathEntry[], cursor: number, cpus: number): (LastStep | null)[] {
	const out: (LastStep | null)[] = Array.from({length: cpus}, () => null);
	let left = cpus;
	for (let d = Math.min(cursor, path.length - 1); d > 0 && left > 0; d--) {
		const t = path[d]!.transition;
		if (!t || out[t.cpu]) continue;
		out[t.cpu] = {depth: d, line: path[d]!.line, irq: t.irq, notes: path[d]!.notes ?? []};
		left--;
	}
	return out;
}

/** Per CPU, its blocked reason; a CPU waiting on a lock says since which step the holder has it (render/trace). */
export function blockedReasons(model: Model, path: readonly PathEntry[], cursor: number, state: Machine): (string | null)[] {
	let steps: TraceStep[] | null = null;
	return state.cpus.map(c => {
		if (c.wait?.kind !== 'lock') return model.blockedReason(state, c.id);
		// the path's states as trace steps, built only when a CPU waits on a lock
		steps ??= path.slice(1, cursor + 1).flatMap((p, i) => (p.transition && p.state && path[i]!.state ? [{n: p.depth, transition: p.transition, line: p.line, before: path[i]!.state!, after: p.state, notes: p.notes ?? [], violations: p.violations}] : []));
		return blockedWithHistory(model, steps, state, c.id);
	});
}

/** The effect lines of the step that led to `state` (none at the root). */
export function cursorEffects(model: Model, entry: PathEntry | undefined, prev: Machine | null, state: Machine): string[] {
	if (!entry?.transition || !prev) return [];
	return effectLines(model, {transition: entry.transition, line: entry.line, before: prev, after: state, notes: entry.notes ?? []});
}

/** Per CPU, the step since which IRQs have been off at `cursor` (one implementation, in the render layer). */
export const irqsOffSince = irqsOffSteps;

export function changedPaths(prev: Machine | null, state: Machine): Set<string> {
	return prev ? new Set(changes(prev, state).map(c => c.path)) : new Set();
}

/** A view of a plain path (no session): for tests and previews. */
export function viewOfPath(model: Model, states: Machine[], path: PathEntry[], cursor: number, extra: Partial<View> = {}): View {
	const violations: {step: number; v: Violation}[] = [];
	for (const p of path) if (p.depth <= cursor) for (const v of p.violations) violations.push({step: p.depth, v});
	const state = states[cursor]!;
	const prev = cursor > 0 ? states[cursor - 1]! : null;
	return {
		model,
		state,
		prev,
		step: cursor,
		total: path.length - 1,
		branch: 'main',
		branchIndex: 0,
		branches: [{name: 'main', head: path.length - 1, forkedAt: null, current: true, headViolation: null}],
		last: path[cursor]?.transition ?? null,
		path: path.map((p, i) => (p.state || !states[i] ? p : {...p, state: states[i]})),
		violations,
		breakpoints: [],
		message: null,
		prompt: null,
		pending: null,
		overlay: 'none',
		changed: changedPaths(prev, state),
		irqsOffSince: irqsOffSince(i => states[i]!, cursor),
		effects: cursorEffects(model, path[cursor], prev, state),
		blocked: blockedReasons(model, path, cursor, state),
		lastSteps: lastSteps(path, cursor, model.cpuCount),
		...extra,
	};
}
