// Shared variables and atomics (include/linux/atomic/atomic-instrumented.h,
// include/asm-generic/rwonce.h). Memory is sequentially consistent in the
// model (docs/model.md): every call is one indivisible step and the barriers
// order nothing further. READ_ONCE / WRITE_ONCE of a shared variable and
// plain reads and writes of one are compiled by the language itself.

import {type Ctx, rd, wr} from '../context.js';
import type {Value} from '../types.js';
import {formatValue, typeName, valuesEqual} from '../values.js';
import {mightSleep} from '../locks.js';
import {argInt, argVar, type ArgSpec, Oops, type Primitive} from './spec.js';

const ATOMIC = 'include/linux/atomic/atomic-instrumented.h';
const V: ArgSpec = {name: 'v', kind: 'var', varKind: 'atomic'};
const I: ArgSpec = {name: 'i', kind: 'int'};

export const globalKey = (name: string): string => `g:${name}`;

export function readGlobal(ctx: Ctx, name: string): Value {
	rd(ctx, globalKey(name));
	return ctx.m.globals[name] ?? null;
}

export function writeGlobal(ctx: Ctx, name: string, v: Value): void {
	wr(ctx, globalKey(name));
	ctx.m.globals[name] = v;
}

function counter(ctx: Ctx, v: Value, prim: string): {name: string; value: number} {
	const name = argVar(v, prim);
	const value = readGlobal(ctx, name);
	if (typeof value !== 'number') throw new Oops(`${prim}: ${name} holds ${typeName(value)} ${formatValue(value)}, not a count`);
	return {name, value};
}

/** An atomic read-modify-write: `f` gives the new value and the result. */
function rmw(name: string, effect: string, args: ArgSpec[], returns: 'void' | 'int' | 'bool', f: (old: number, a: number[]) => {value: number; result: Value}): Primitive {
	return {
		name,
		kernel: `${ATOMIC}:${name}`,
		effect,
		args,
		returns,
		run(ctx, vals) {
			const vi = args.findIndex(a => a.kind === 'var');
			const {name: g, value} = counter(ctx, vals[vi]!, name);
			const nums = vals.filter((_, i) => i !== vi).map(x => argInt(x, name));
			const r = f(value, nums);
			if (r.value !== value) writeGlobal(ctx, g, r.value);
			else wr(ctx, globalKey(g)); // an atomic RMW orders like a write even when it changes nothing
			return returns === 'void' ? null : r.result;
		},
	};
}

export const sharedPrimitives: Primitive[] = [
	{
		name: 'atomic_read',
		kernel: `${ATOMIC}:atomic_read`,
		effect: 'reads the atomic_t',
		args: [V],
		returns: 'int',
		run: (ctx, [v]) => counter(ctx, v!, 'atomic_read').value,
	},
	{
		name: 'atomic_set',
		kernel: `${ATOMIC}:atomic_set`,
		effect: 'writes the atomic_t',
		args: [V, I],
		returns: 'void',
		run(ctx, [v, i]) {
			counter(ctx, v!, 'atomic_set');
			writeGlobal(ctx, argVar(v!, 'atomic_set'), argInt(i!, 'atomic_set'));
			return null;
		},
	},
	rmw('atomic_inc', 'adds 1', [V], 'void', o => ({value: o + 1, result: null})),
	rmw('atomic_dec', 'subtracts 1', [V], 'void', o => ({value: o - 1, result: null})),
	rmw('atomic_add', 'atomic_add(i, v): adds i', [I, V], 'void', (o, [i]) => ({value: o + i!, result: null})),
	rmw('atomic_sub', 'atomic_sub(i, v): subtracts i', [I, V], 'void', (o, [i]) => ({value: o - i!, result: null})),
	rmw('atomic_inc_return', 'adds 1, returns the new value', [V], 'int', o => ({value: o + 1, result: o + 1})),
	rmw('atomic_dec_return', 'subtracts 1, returns the new value', [V], 'int', o => ({value: o - 1, result: o - 1})),
	rmw('atomic_dec_and_test', 'subtracts 1, returns whether the result is 0', [V], 'bool', o => ({value: o - 1, result: o - 1 === 0})),
	rmw('atomic_inc_not_zero', 'adds 1 unless the value is 0; returns whether it added', [V], 'bool', o => (o !== 0 ? {value: o + 1, result: true} : {value: o, result: false})),
	rmw('atomic_add_unless', 'atomic_add_unless(v, a, u): adds a unless the value is u; returns whether it added', [V, {name: 'a', kind: 'int'}, {name: 'u', kind: 'int'}], 'bool', (o, [a, u]) =>
		o !== u ? {value: o + a!, result: true} : {value: o, result: false},
	),
	rmw('atomic_cmpxchg', 'atomic_cmpxchg(v, old, new): sets new if the value is old; returns the value before', [V, {name: 'old', kind: 'int'}, {name: 'new', kind: 'int'}], 'int', (o, [old, nu]) =>
		o === old ? {value: nu!, result: o} : {value: o, result: o},
	),
	rmw('atomic_xchg', 'atomic_xchg(v, new): sets new, returns the value before', [V, {name: 'new', kind: 'int'}], 'int', (o, [nu]) => ({value: nu!, result: o})),
	{
		name: 'cmpxchg',
		kernel: 'arch/x86/include/asm/cmpxchg.h:cmpxchg',
		effect: 'cmpxchg(&x, old, new): if x equals old, sets it to new; returns the value before (any shared variable)',
		args: [{name: 'ptr', kind: 'var', varKind: 'any'}, {name: 'old', kind: 'any'}, {name: 'new', kind: 'any'}],
		returns: 'any',
		run(ctx, [p, old, nu]) {
			const g = argVar(p!, 'cmpxchg');
			const before = readGlobal(ctx, g);
			wr(ctx, globalKey(g));
			if (valuesEqual(before, old!)) ctx.m.globals[g] = nu!;
			return before;
		},
	},
	{
		name: 'xchg',
		kernel: 'arch/x86/include/asm/cmpxchg.h:xchg',
		effect: 'xchg(&x, new): sets x to new, returns the value before (any shared variable)',
		args: [{name: 'ptr', kind: 'var', varKind: 'any'}, {name: 'new', kind: 'any'}],
		returns: 'any',
		run(ctx, [p, nu]) {
			const g = argVar(p!, 'xchg');
			const before = readGlobal(ctx, g);
			writeGlobal(ctx, g, nu!);
			return before;
		},
	},
	...bitops(),
	{
		name: 'might_sleep',
		kernel: 'include/linux/kernel.h:might_sleep (kernel/sched/core.c:__might_sleep)',
		effect: 'L3 if the CPU may not sleep here: preemption off (a spinlock held), IRQs off, or inside rcu_read_lock',
		args: [],
		returns: 'void',
		run(ctx) {
			mightSleep(ctx, 'might_sleep');
			return null;
		},
	},
	...['smp_mb', 'smp_rmb', 'smp_wmb', 'barrier', 'cpu_relax', 'smp_mb__after_atomic', 'smp_mb__before_atomic'].map(
		(name): Primitive => ({
			name,
			kernel: `include/asm-generic/barrier.h:${name}`,
			effect: 'orders nothing further: the model is sequentially consistent (no step of its own when part of a larger statement)',
			args: [],
			returns: 'void',
			pure: true,
			run: () => null,
		}),
	),
];

/** set_bit(nr, &word) and friends (include/asm-generic/bitops/instrumented-atomic.h) on an int shared variable. */
function bitops(): Primitive[] {
	const W: ArgSpec = {name: 'addr', kind: 'var', varKind: 'plain'};
	const N: ArgSpec = {name: 'nr', kind: 'int'};
	const op = (name: string, returns: 'void' | 'bool', effect: string, f: (word: number, bit: number) => {word: number; result: boolean}): Primitive => ({
		name,
		kernel: `include/asm-generic/bitops/instrumented-atomic.h:${name}`,
		effect,
		args: [N, W],
		returns,
		run(ctx, [n, w]) {
			const bit = argInt(n!, name);
			if (bit < 0 || bit > 52) throw new Oops(`${name}: bit ${bit} is outside 0..52 (exact integers)`);
			const g = argVar(w!, name);
			const word = readGlobal(ctx, g);
			if (typeof word !== 'number') throw new Oops(`${name}: ${g} holds ${typeName(word)} ${formatValue(word)}, not a bitmap`);
			const r = f(word, 2 ** bit);
			if (returns === 'void' || r.word !== word) writeGlobal(ctx, g, r.word);
			else wr(ctx, globalKey(g));
			return returns === 'void' ? null : r.result;
		},
	});
	const has = (w: number, b: number): boolean => Math.floor(w / b) % 2 === 1;
	return [
		op('set_bit', 'void', 'sets bit nr of the word', (w, b) => ({word: has(w, b) ? w : w + b, result: false})),
		op('clear_bit', 'void', 'clears bit nr of the word', (w, b) => ({word: has(w, b) ? w - b : w, result: false})),
		op('test_and_set_bit', 'bool', 'sets bit nr; returns whether it was set before', (w, b) => ({word: has(w, b) ? w : w + b, result: has(w, b)})),
		op('test_and_clear_bit', 'bool', 'clears bit nr; returns whether it was set before', (w, b) => ({word: has(w, b) ? w - b : w, result: has(w, b)})),
		{
			name: 'test_bit',
			kernel: 'include/asm-generic/bitops/instrumented-non-atomic.h:test_bit',
			effect: 'whether bit nr of the word is set',
			args: [N, W],
			returns: 'bool',
			run(ctx, [n, w]) {
				const g = argVar(w!, 'test_bit');
				const word = readGlobal(ctx, g);
				if (typeof word !== 'number') throw new Oops(`test_bit: ${g} is not a bitmap`);
				return has(word, 2 ** argInt(n!, 'test_bit'));
			},
		},
	];
}
