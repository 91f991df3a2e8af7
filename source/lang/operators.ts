// Operators and constant folding of the scenario language: C semantics on
// exact integers (a result outside +-2^53 is an oops, never a rounding), and
// the source text of an expression as messages quote it.

import type {Ctx} from '../machine/context.js';
import {Oops} from '../machine/primitives/index.js';
import type {Value} from '../machine/types.js';
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

const asInt = (v: Value, op: string): number => {
	if (typeof v === 'number') return v;
	if (typeof v === 'boolean') return v ? 1 : 0;
	throw new Oops(`operator ${op} needs integers, got ${typeName(v)} ${formatValue(v)}`);
};

export function unaryOp(op: '!' | '-' | '~'): (v: Value) => Value {
	if (op === '!') return v => !truthy(v);
	if (op === '-') return v => -asInt(v, '-');
	return v => Number(~BigInt(asInt(v, '~')));
}

/** Integers are exact: a result outside +-2^53 is an oops, never a silent rounding. */
function exact(n: number | bigint, op: string): number {
	const v = Number(n);
	if (!Number.isSafeInteger(v)) throw new Oops(`integer overflow in ${op}`);
	return v;
}

export function binaryOp(op: string): (a: Value, b: Value) => Value {
	const big = (f: (x: bigint, y: bigint) => bigint) => (a: Value, b: Value) => exact(f(BigInt(asInt(a, op)), BigInt(asInt(b, op))), op);
	switch (op) {
		case '==':
			return (a, b) => valuesEqual(a, b);
		case '!=':
			return (a, b) => !valuesEqual(a, b);
		case '<':
			return (a, b) => asInt(a, op) < asInt(b, op);
		case '<=':
			return (a, b) => asInt(a, op) <= asInt(b, op);
		case '>':
			return (a, b) => asInt(a, op) > asInt(b, op);
		case '>=':
			return (a, b) => asInt(a, op) >= asInt(b, op);
		case '+':
			return (a, b) => exact(asInt(a, op) + asInt(b, op), op);
		case '-':
			return (a, b) => exact(asInt(a, op) - asInt(b, op), op);
		case '*':
			return (a, b) => exact(asInt(a, op) * asInt(b, op), op);
		case '/':
		case '%':
			return (a, b) => {
				const d = asInt(b, op);
				if (d === 0) throw new Oops('division by zero');
				const n = asInt(a, op);
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
				const n = asInt(b, op);
				if (n < 0 || n > 64) throw new Oops(`shift count ${n} out of range (0..64)`);
				const x = BigInt(asInt(a, op));
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
