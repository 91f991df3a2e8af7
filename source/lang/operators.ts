// Operators and constant folding of the scenario language: C semantics on
// exact integers (a result outside +-2^53 is an oops, never a rounding), and
// the source text of an expression as messages quote it.

import type {Ctx} from '../machine/context.js';
import {Oops} from '../machine/primitives/index.js';
import type {LockValue, Value} from '../machine/types.js';
import {formatValue, truthy, typeName, valuesEqual} from '../machine/values.js';
import {BINARY_LEVELS, type BinaryOp, type Expr} from './ast.js';
import type {Eval} from './program.js';

/** A compiled expression: its closure, whether it touches no machine state, its value if constant. */
export type Compiled = {ev: Eval; pure: boolean; constant?: Value; text: string};

export function fold(c: Compiled, allConstant: boolean): Compiled {
	if (!allConstant || !c.pure) return c;
	try {
		const v = c.ev({ctx: null as unknown as Ctx, locals: {}, cpu: null});
		return {...c, ev: () => v, constant: v};
	} catch {
		return c;
	}
}

/** Which operand is wrong, by its source text: `n + 1` with n unassigned names n, not "NULL NULL". */
function notAnInt(v: Value, op: string, text: string | undefined): Oops {
	const what = v === null ? `NULL${text !== undefined && /^[A-Za-z_]\w*$/.test(text) ? ' (a local reads NULL until it is assigned)' : ''}` : `${typeName(v)} ${formatValue(v)}`;
	return new Oops(`operator ${op} needs integers, ${text === undefined ? `got ${what}` : `but ${text} is ${what}`}`);
}

const asInt = (v: Value, op: string, text?: string): number => {
	if (typeof v === 'number') return v;
	if (typeof v === 'boolean') return v ? 1 : 0;
	throw notAnInt(v, op, text);
};

export function unaryOp(op: '!' | '-' | '~', text?: string): (v: Value) => Value {
	if (op === '!') return v => !truthy(v);
	if (op === '-') return v => -asInt(v, '-', text);
	return v => Number(~BigInt(asInt(v, '~', text)));
}

/** Integers are exact: a result outside +-2^53 is an oops, never a silent rounding. */
function exact(n: number | bigint, op: string): number {
	const v = Number(n);
	if (!Number.isSafeInteger(v)) throw new Oops(`integer overflow in ${op}`);
	return v;
}

/**
 * Two lock references compare as the kernel compares spinlock_t pointers to
 * take two locks of one class in a fixed order (mm/userfaultfd.c:double_pt_lock,
 * "if (ptl1 > ptl2) swap(ptl1, ptl2)"; double_rq_lock, lock_two_nondirectories):
 * by a fixed total order that stands for their addresses, the lock's name.
 * Deadlock freedom needs only that every CPU sees the same order.
 */
const bothLocks = (a: Value, b: Value): a is LockValue => a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && a.t === 'lock' && b.t === 'lock';
const lockOrder = (a: LockValue, b: Value): number => {
	const bn = (b as LockValue).name;
	return a.name < bn ? -1 : a.name > bn ? 1 : 0;
};

/** The operator's closure; lt and rt, the operands' source text, only name the wrong one in an oops. */
export function binaryOp(op: string, lt?: string, rt?: string): (a: Value, b: Value) => Value {
	const asInt = (v: Value, _op: string, side: 'l' | 'r'): number => {
		if (typeof v === 'number') return v;
		if (typeof v === 'boolean') return v ? 1 : 0;
		throw notAnInt(v, op, side === 'l' ? lt : rt);
	};
	const big = (f: (x: bigint, y: bigint) => bigint) => (a: Value, b: Value) => exact(f(BigInt(asInt(a, op, 'l')), BigInt(asInt(b, op, 'r'))), op);
	switch (op) {
		case '==':
			return (a, b) => valuesEqual(a, b);
		case '!=':
			return (a, b) => !valuesEqual(a, b);
		case '<':
			return (a, b) => (bothLocks(a, b) ? lockOrder(a, b) < 0 : asInt(a, op, 'l') < asInt(b, op, 'r'));
		case '<=':
			return (a, b) => (bothLocks(a, b) ? lockOrder(a, b) <= 0 : asInt(a, op, 'l') <= asInt(b, op, 'r'));
		case '>':
			return (a, b) => (bothLocks(a, b) ? lockOrder(a, b) > 0 : asInt(a, op, 'l') > asInt(b, op, 'r'));
		case '>=':
			return (a, b) => (bothLocks(a, b) ? lockOrder(a, b) >= 0 : asInt(a, op, 'l') >= asInt(b, op, 'r'));
		case '+':
			return (a, b) => exact(asInt(a, op, 'l') + asInt(b, op, 'r'), op);
		case '-':
			return (a, b) => exact(asInt(a, op, 'l') - asInt(b, op, 'r'), op);
		case '*':
			return (a, b) => exact(asInt(a, op, 'l') * asInt(b, op, 'r'), op);
		case '/':
		case '%':
			return (a, b) => {
				const d = asInt(b, op, 'r');
				if (d === 0) throw new Oops('division by zero');
				const n = asInt(a, op, 'l');
				return op === '/' ? Math.trunc(n / d) : n % d;
			};
		case '&':
			return big((x, y) => x & y);
		case '|':
			return big((x, y) => x | y);
		case '^':
			return big((x, y) => x ^ y);
		case '<<':
		case '>>':
			return (a, b) => {
				const n = asInt(b, op, 'r');
				if (n < 0 || n > 64) throw new Oops(`shift count ${n} out of range (0..64)`);
				const x = BigInt(asInt(a, op, 'l'));
				return exact(op === '<<' ? x << BigInt(n) : x >> BigInt(n), op);
			};
	}
	throw new Error(`unknown operator ${op}`);
}

const LEVEL = new Map<BinaryOp, number>(BINARY_LEVELS.flatMap((ops, i) => ops.map(op => [op, i] as const)));

/** A subexpression as written where operators of precedence `level` or looser need parentheses (unary operands: LEVEL.size). */
function operand(e: Expr, level: number): string {
	const loose = e.kind === 'cond' || (e.kind === 'binary' && LEVEL.get(e.op)! < level);
	return loose ? `(${exprText(e)})` : exprText(e);
}

/** The expression as C source, with the parentheses its precedence needs (messages, the trace). */
export function exprText(e: Expr): string {
	switch (e.kind) {
		case 'int':
			return e.value >= 256 ? '0x' + e.value.toString(16) : String(e.value);
		case 'bool':
			return String(e.value);
		case 'null':
			return 'NULL';
		case 'name':
			return e.name;
		case 'unary':
			// -(-x), not the --x C would read as a decrement
			return e.op + (e.op === '-' && e.arg.kind === 'unary' && e.arg.op === '-' ? `(${exprText(e.arg)})` : operand(e.arg, LEVEL.size));
		case 'binary': {
			// Left-associative: a right operand of the same level keeps its parentheses, a - (b - c).
			const level = LEVEL.get(e.op)!;
			return `${operand(e.left, level)} ${e.op} ${operand(e.right, level + 1)}`;
		}
		case 'call':
			return `${e.callee}(${e.args.map(exprText).join(', ')})`;
		case 'field':
			return e.object.kind === 'unary' || e.object.kind === 'addr' ? `(${exprText(e.object)}).${e.field}` : `${operand(e.object, LEVEL.size)}.${e.field}`;
		case 'cond':
			return `${operand(e.cond, 0)} ? ${exprText(e.then)} : ${exprText(e.else)}`;
		case 'addr':
			return `&${operand(e.arg, LEVEL.size)}`;
		case 'index':
			return `${e.array}[${exprText(e.index)}]`;
	}
}
