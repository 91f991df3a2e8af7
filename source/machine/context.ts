// What a primitive sees while it runs: the machine being changed (an immer draft
// in stepping, a private copy in search), the acting CPU, and the recorders for
// its footprint (for partial-order reduction), violations and notes.

import type {Machine, Violation} from './types.js';

export type Footprint = {reads: Set<string>; writes: Set<string>};

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

export function rd(ctx: Ctx, key: string): void {
	ctx.fp?.reads.add(key);
}

export function wr(ctx: Ctx, key: string): void {
	ctx.fp?.writes.add(key);
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
		fp: footprint ? {reads: new Set(), writes: new Set()} : null,
		violations: [],
		notes: [],
	};
}

/** Two footprints conflict when one writes what the other reads or writes. */
export function conflicts(a: Footprint, b: Footprint): boolean {
	for (const k of a.writes) if (b.writes.has(k) || b.reads.has(k)) return true;
	for (const k of b.writes) if (a.reads.has(k)) return true;
	return false;
}
