// A compiled scenario: per-CPU instruction lists whose expressions are closures
// built by our compiler from the syntax tree (no user text is ever evaluated
// as JavaScript), the initial machine, and the invariants.

import type {Ctx} from '../machine/context.js';
import type {CpuState, Machine, Value} from '../machine/types.js';
import type {Primitive} from '../machine/primitives/index.js';
import type {Expect, Scenario} from './ast.js';

/** What compiled expressions evaluate against. */
/**
 * What compiled expressions evaluate against. `locals` is for reading; a
 * write goes through setLocal/deleteLocal (locals.ts). While `cpu` is set,
 * `locals` is that CPU's locals as the step found them, read without the
 * search's draft (the statements of most steps only read them), and the
 * first write turns `locals` into the CPU's own, writable, record.
 */
export type Env = {ctx: Ctx; locals: Record<string, Value>; cpu: CpuState | null};
export type Eval = (env: Env) => Value;

export type Instr = {
	kind: 'stmt' | 'branch' | 'await' | 'atomic' | 'assert' | 'return' | 'iret';
	line: number;
	col: number;
	/** stmt: evaluates and assigns; the whole statement in one closure. */
	exec?: (env: Env) => void;
	/** stmt that is a lone call of a blocking primitive. */
	/** `pure`: the arguments touch no machine state (peeking at them needs no draft). */
	blocking?: {prim: Primitive; args: Eval[]; target: string | null; pure?: boolean};
	/** branch / await / assert condition. */
	cond?: Eval;
	/** await / atomic guard: the condition touches no machine state (peeking at it needs no draft). */
	peekPure?: boolean;
	/** Source text of the condition (for blocked reasons). */
	condText?: string;
	message?: string;
	/** atomic: the body, run to completion in one step. */
	body?: Instr[];
	/** Where control goes next (branch: when true). -1 = the CPU finishes. */
	next: number;
	/** branch: where control goes when the condition is false. */
	alt?: number;
	/** Touches no machine state and cannot fail: a candidate for partial-order reduction. */
	local: boolean;
	/** Preceded by a label named progress*: passing it counts as progress (S8). */
	progress: boolean;
	/** In an inlined helper: the calls it was inlined through, outermost first (the call sites' lines). */
	via?: {fn: string; line: number}[];
	/** What the step shows when its source text from the column is not a statement (a helper call inside a condition). */
	text?: string;
};

export type CpuProgram = {
	id: number;
	label: string;
	instrs: Instr[];
	/** Line of the block's closing brace (a finished CPU rests there). */
	endLine: number;
	/** Line of the block's `cpu` keyword: statements a param folds away have no instruction, but the pane still shows them. */
	startLine?: number;
	/** Declared locals, in order of first assignment (for display). */
	locals: string[];
};

export type ParamValue = number | boolean | string;

export type Program = {
	file: string;
	source: string;
	scenario: Scenario;
	params: Record<string, ParamValue>;
	/** Variant applied (null = the base params + overrides). */
	variant: string | null;
	/** Params of the variant that `--set` changed afterwards (the header says so). */
	overVariant?: string[];
	/** The expect clauses in force for these params (base, overridden per kind by the variant). */
	expects: Expect[];
	cpus: CpuProgram[];
	invariants: {name: string; line: number; check: (ctx: Ctx) => boolean}[];
	/** Interrupt handlers: where each starts in its CPU's instruction list. */
	irqs: Record<string, {cpu: number; entry: number; label: string}>;
	initial: Machine;
	/**
	 * Groups of interchangeable CPUs (ascending ids): the copies of a `cpu N ... * k`
	 * block whose body does not use REPLICA, in a scenario where no call names a CPU
	 * by number and the copies start alike. The search's symmetry reduction
	 * treats states that differ by a renaming within a group as one.
	 */
	symmetry: number[][];
	/** For each group of copies left out of `symmetry`, why (shown where the search says symmetry is off). */
	symmetryOff?: string[];
};
