// The contract every primitive follows. A primitive models one kernel function
// (or a tight sequence of them that the kernel runs without a preemption point
// the race depends on), cites it, and touches the machine only through the Ctx
// so its footprint is recorded.

import type {Ctx} from '../context.js';
import type {LockKind, Machine, Pgmap, PageStruct, Value, Wait} from '../types.js';
import {formatValue, typeName} from '../values.js';
import {hex} from '../values.js';

/**
 * `lock`: a lock (`&l`, `l`, or a lock value such as pte_offset_map_lock's);
 * `var`: a shared variable (`&x` or `x`), passed by reference; `context`: a
 * name the kernel passes that the model has only one of or keeps itself (the
 * mm, the mapping, spin_lock_irqsave's flags), written as in the kernel and
 * never evaluated.
 */
export type ArgKind = 'int' | 'bool' | 'pte' | 'pmd' | 'page' | 'pgmap' | 'sym' | 'table' | 'any' | 'lock' | 'var' | 'context' | 'irq';
export type ReturnKind = 'void' | 'bool' | 'int' | 'pte' | 'pmd' | 'page' | 'pgmap' | 'lock' | 'table' | 'any';

export type ArgSpec = {
	name: string;
	kind: ArgKind;
	optional?: boolean;
	/** For `lock` args: the kind of lock the call takes (checked when the lock is named). */
	lockKind?: LockKind;
	/** For `var` args: `atomic` = an atomic_t; `plain` = any other shared variable. */
	varKind?: 'atomic' | 'plain' | 'any';
};

export type PrimResult = Value | {wait: Wait} | {repeat: true};

export type Primitive = {
	name: string;
	/** `path:function` in torvalds/linux, with the era where it matters. */
	kernel: string;
	/** What it does to the state, for docs and help. */
	effect: string;
	args: ArgSpec[];
	returns: ReturnKind;
	/**
	 * The arguments the kernel passes before the model's own, which the model
	 * has one of or keeps itself (`tlb_gather_mmu(tlb, mm)`: the CPU's
	 * mmu_gather and the mm). A call may write them, all of them, as names;
	 * they are not evaluated.
	 */
	kernelArgs?: string[];
	/** A lock this primitive always uses (the mm's mmap_lock...): the compiler puts it in the initial machine. */
	fixedLock?: {name: string; kind: LockKind};
	/** Touches no machine state: evaluating it is not a step of its own. */
	pure?: boolean;
	/**
	 * Blocking primitives must stand alone as a statement. A `guard` makes the
	 * CPU wait before the call (reason returned); `run` may instead return a
	 * Wait, which the CPU spins on until satisfied, then takes one more step.
	 */
	guard?: (m: Machine, cpu: number, args: Value[]) => string | null;
	blocks?: boolean;
	/** `{repeat: true}`: the CPU stays on this statement and calls it again next step. */
	run: (ctx: Ctx, args: Value[]) => PrimResult;
	/** The next step of a primitive that returned a `lock` or `phase` wait: the call goes on from there. */
	resume?: (ctx: Ctx, wait: Extract<Wait, {kind: 'lock' | 'phase'}>, args: Value[]) => PrimResult;
};

/** `tlb_gather_mmu(tlb, mm)`: the call as the kernel spells it, its leading arguments first. */
export function kernelSignature(prim: Primitive): string {
	return `${prim.name}(${[...(prim.kernelArgs ?? []), ...prim.args.map(a => (a.optional ? `[${a.name}]` : a.name))].join(', ')})`;
}

/** A primitive acting on one dev_pagemap and returning nothing: the shape of every teardown step. */
export function pgmapOp(name: string, kernel: string, effect: string, body: (ctx: Ctx, p: Pgmap) => void): Primitive {
	return {
		name,
		kernel,
		effect,
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'void',
		run(ctx, [v]) {
			body(ctx, argPgmap(ctx, v!, name));
			return null;
		},
	};
}

/** A fault in the scenario program itself (a NULL dereference, a wrong type): an oops. */
export class Oops extends Error {}

/**
 * A fault of the kernel, not of the scenario program: the kernel code would go
 * on with garbage (a bogus lock, a bogus table) that the model cannot step
 * through. Reported as a violation of `kind` at this step; the CPU stops, as
 * after an oops.
 */
export class KernelFault extends Oops {
	constructor(
		readonly kind: string,
		readonly check: string,
		message: string,
		readonly objects: string[],
	) {
		super(message);
	}
}

export function argPgmap(ctx: Ctx, v: Value, prim: string): Pgmap {
	const name = v !== null && typeof v === 'object' && (v.t === 'pgmap' || v.t === 'sym') ? v.name : null;
	if (name === null) throw new Oops(`${prim}: expected a dev_pagemap, got ${formatValue(v)}`);
	const p = ctx.m.pgmaps[name];
	if (!p) throw new Oops(`${prim}: no dev_pagemap named ${name}`);
	return p;
}

export function argInt(v: Value, prim: string, what = 'an int'): number {
	if (typeof v === 'number') return v;
	if (v !== null && typeof v === 'object' && v.t === 'page') return v.pfn;
	throw new Oops(`${prim}: expected ${what}, got ${typeName(v)} ${formatValue(v)}`);
}

export function argOf<T extends 'pte' | 'pmd' | 'page' | 'table'>(v: Value, t: T, prim: string): Extract<Value, {t: T}> {
	if (v !== null && typeof v === 'object' && v.t === t) return v as Extract<Value, {t: T}>;
	if (v === null) throw new Oops(`${prim}: NULL pointer dereference (expected a ${t})`);
	// an address where the kernel passes a pmd_t * or pte_t *: say which read gives the value
	const hint = typeof v === 'number' && (t === 'pmd' || t === 'pte') ? ` (a ${t.toUpperCase()} value read first, ${t === 'pmd' ? 'pmd = pmdp_get_lockless(va)' : 'pte = ptep_get(va)'}; an address is not one)` : '';
	throw new Oops(`${prim}: expected a ${t}, got ${typeName(v)} ${formatValue(v)}${hint}`);
}

export function argBool(v: Value | undefined, prim: string): boolean {
	if (v === undefined || v === null) return false;
	if (typeof v === 'boolean') return v;
	if (typeof v === 'number') return v !== 0;
	throw new Oops(`${prim}: expected a bool, got ${typeName(v)} ${formatValue(v)}`);
}

export function argSym(v: Value, prim: string, allowed: string[]): string {
	if (v !== null && typeof v === 'object' && v.t === 'sym' && allowed.includes(v.name)) return v.name;
	throw new Oops(`${prim}: expected one of ${allowed.join(', ')}, got ${formatValue(v)}`);
}

export const pageName = (pfn: number): string => `page ${hex(pfn)}`;

export function pageOf(ctx: Ctx, pfn: number): PageStruct | undefined {
	return ctx.m.memmap[pfn];
}

export function argLock(v: Value, prim: string): string {
	if (v !== null && typeof v === 'object' && v.t === 'lock') return v.name;
	if (v === null) throw new Oops(`${prim}: NULL lock pointer`);
	throw new Oops(`${prim}: expected a lock, got ${typeName(v)} ${formatValue(v)}`);
}

export function argVar(v: Value, prim: string): string {
	if (v !== null && typeof v === 'object' && v.t === 'var') return v.name;
	throw new Oops(`${prim}: expected a shared variable, got ${typeName(v)} ${formatValue(v)}`);
}
