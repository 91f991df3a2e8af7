// The contract between the session (a tree of immutable snapshots) and its
// users: the TUI, the CLI commands and the recordings. The TUI drives a
// session only through this interface and never looks inside the tree.

import type {Model} from '../lang/interpreter.js';
import type {Machine, Transition, Violation} from '../machine/types.js';

export type PointId = number;

/** One point of the tree: the snapshot after the step that led to it. */
export type Point = {
	id: PointId;
	parent: PointId | null;
	/** The transition from the parent (null at the root). */
	transition: Transition | null;
	/** Depth = number of steps from the root (the step number). */
	depth: number;
	state: Machine;
	/** Source line executed by the step (null for the root and interrupts). */
	line: number | null;
	notes: string[];
	violations: Violation[];
	/** Free-text note the user attached to this step. */
	userNote?: string;
	children: PointId[];
	/** The step passed a progress label or finished a CPU (a repeat without one is a livelock). */
	progress?: boolean;
};

export type Branch = {
	name: string;
	/** The deepest point of the branch. */
	head: PointId;
	/** The point where it left its parent branch (null for the first branch). */
	forkedFrom: PointId | null;
};

/** A breakpoint: a CPU's line, or a condition on the state. */
export type Breakpoint =
	| {kind: 'line'; cpu: number | null; line: number}
	| {kind: 'cond'; text: string; test: (m: Machine) => boolean};

export type StepOutcome = {ok: true; point: Point; newBranch: string | null} | {ok: false; reason: string};

/** What `runCpu` stopped on. */
export type RunOutcome = {steps: number; stopped: 'blocked' | 'finished' | 'breakpoint' | 'violation' | 'limit'; reason: string};

export type Diff = {path: string; before: string; after: string}[];

export interface Session {
	readonly model: Model;
	/** The point shown (the cursor). */
	readonly cursor: Point;
	/** The branch the cursor is on. */
	readonly branch: Branch;
	readonly branches: readonly Branch[];
	point(id: PointId): Point;
	/** Root .. head of a branch (default: the current one). */
	pathOf(branch?: string): Point[];
	/** Step from the cursor. An existing edge is followed; a new one from a past point makes a new branch. */
	step(t: Transition): StepOutcome;
	/** Move the cursor back n steps along the current branch. */
	rewind(n?: number): boolean;
	/** Move the cursor forward along the current branch. */
	redo(n?: number): boolean;
	/** Put the cursor at step n of the current branch. */
	goto(step: number): boolean;
	switchBranch(name: string): boolean;
	/** Next/previous branch in creation order. */
	cycleBranch(delta: 1 | -1): Branch;
	renameBranch(from: string, to: string): void;
	setNote(text: string): void;
	/** Add a whole schedule as a branch from the root (or from `from`), e.g. a counterexample found by search. */
	addSchedule(schedule: readonly Transition[], opts?: {name?: string; from?: PointId}): Branch;
	/** Run one CPU until it blocks, finishes, hits a breakpoint or violates a check. */
	runCpu(cpu: number, limit?: number): RunOutcome;
	/** Swap the step at the cursor with the one before it (different CPUs): a new branch. */
	swapWithPrevious(): StepOutcome;
	breakpoints: Breakpoint[];
	diff(a: PointId, b: PointId): Diff;
	/** The latest step at or before the cursor that changed the value at `path` (as in `diff`). */
	lastChange(path: string): Point | null;
	/** The schedule from the root to a point. */
	scheduleTo(id: PointId): Transition[];
	/** Bumped on every change (step, cursor move, rename, note): cheap change detection. */
	readonly version: number;
	/** Put the cursor on any point (e.g. from `lastChange` or `diff`), switching to a branch that holds it if needed. */
	gotoPoint(id: PointId): void;
	findBranch(name: string): Branch | undefined;
	/** The first branch (creation order) whose path holds the point. */
	branchOf(id: PointId): Branch;
}
