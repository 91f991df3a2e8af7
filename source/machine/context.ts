// What a primitive sees while it runs: the machine being changed (an immer draft
// in stepping, a private copy in search), the acting CPU, and the recorders for
// its footprint (for partial-order reduction), violations and notes.

import type {Machine, Violation} from './types.js';

/**
 * The keys a step read and wrote, each once. Arrays, not Sets: a step has a
 * handful (a few to a dozen), and the search makes two per statement stepped,
 * so what a Set costs to allocate, grow and collect was a real part of a step.
 */
export type Footprint = {reads: string[]; writes: string[]};

export type Ctx = {
	m: Machine;
	cpu: number;
	/** Source line of the statement being executed (null for interrupts). */
	line: number | null;
	/** Null when the caller does not need the footprint. */
	fp: Footprint | null;
	violations: Violation[];
	notes: string[];
};

/**
 * Asked of a draft by `unwritten`. The search's copy-on-write draft (lang/interpreter.ts) answers
 * it; an immer draft or a plain object has no such property, so they answer undefined.
 */
export const UNWRITTEN = Symbol('unwritten');

/**
 * `o` to read, never to write: when the step has written nothing under `o` so far, the object
 * as the step found it (plain data, so a read costs no draft and a walk of its keys no trap per
 * key); otherwise `o` itself. Only for reads that end before the next write under `o`.
 */
export function unwritten<T extends object>(o: T): Readonly<T> {
	return ((o as Record<symbol, unknown>)[UNWRITTEN] as T | undefined) ?? o;
}

/** Asked of a draft by `peek`: the search's draft answers with what reads a property without a draft. */
export const PEEK = Symbol('peek');

type Peeker = {peek(key: string): unknown};

/**
 * `o[key]` to read, never to write: what `unwritten(o[key])` gives, without
 * making the draft of `o[key]` that reading it through `o` makes (a field of a
 * CPU the step has written, such as its TLB or its IPI queue, read whole).
 */
export function peek<T extends object, K extends keyof T & string>(o: T, key: K): Readonly<T[K]> {
	const p = (o as Record<symbol, unknown>)[PEEK] as Peeker | undefined;
	return p === undefined ? o[key] : (p.peek(key) as T[K]);
}

export function rd(ctx: Ctx, key: string): void {
	if (ctx.fp !== null && !ctx.fp.reads.includes(key)) ctx.fp.reads.push(key);
}

export function wr(ctx: Ctx, key: string): void {
	if (ctx.fp !== null && !ctx.fp.writes.includes(key)) ctx.fp.writes.push(key);
}


export function note(ctx: Ctx, text: string): void {
	ctx.notes.push(text);
}

/** Record a violation of a built-in check at the current step. */
export function violate(ctx: Ctx, kind: string, check: string, message: string, objects: string[]): void {
	const v: Violation = {kind, check, message, cpu: ctx.cpu, line: ctx.line, objects};
	ctx.violations.push(v);
	ctx.m.violations.push(v);
}

export function newCtx(m: Machine, cpu: number, line: number | null, footprint: boolean): Ctx {
	return {
		m,
		cpu,
		line,
		fp: footprint ? {reads: [], writes: []} : null,
		violations: [],
		notes: [],
	};
}

/** Two footprints conflict when one writes what the other reads or writes. */
export function conflicts(a: Footprint, b: Footprint): boolean {
	for (const k of a.writes) if (b.writes.includes(k) || b.reads.includes(k)) return true;
	for (const k of b.writes) if (a.reads.includes(k)) return true;
	return false;
}
