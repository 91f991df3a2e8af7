// The resolver: names and expressions. Every name a scenario writes is
// found here (a param, const, built-in, pgmap, shared variable, array element
// or lock, with "did you mean" for typos) and every expression becomes a
// closure over the environment of a step. Calls are the next layer
// (calls.ts), the program as a whole the last (compiler.ts).

import {ERRNO} from './errno.js';
import type {ArgSpec} from '../machine/primitives/spec.js';
import {Oops} from '../machine/primitives/index.js';
import {readGlobal} from '../machine/primitives/shared.js';
import type {LockKind, Value} from '../machine/types.js';
import {formatValue, truthy, typeName} from '../machine/values.js';
import type {Expr, FunctionDecl, GlobalDecl, Pos, Scenario} from './ast.js';
import {Diagnostic, suggestion} from './diagnostics.js';
import {binaryOp, type Compiled, exprText, fold, unaryOp} from './operators.js';
import type {Env, Eval, ParamValue} from './program.js';

/** Where an expression is compiled: the locals it sees and what encloses it. */
export type Scope = {
	/** Source names that are locals here (null: invariants, set-up, consts, which see no locals). */
	locals: Set<string> | null;
	/** Runtime prefix of those locals: '' in a cpu block, `fn.` in an inlined helper. */
	prefix: string;
	inAtomic: boolean;
	replica: number;
	/** The helper calls this code is inlined through, outermost first. */
	via: {fn: string; line: number}[];
	/** Helpers being inlined (a call of one of them is recursion). */
	fnStack: string[];
	/** Labels of an inlined body are its own: `fn#k:`. */
	labelPrefix: string;
	/** Code that is only looked at, never a step of its own (an await condition, an atomic guard): no WARN_ON or BUG_ON there. */
	lookedAt?: string;
};

export const NO_LOCALS: Scope = {locals: null, prefix: '', inAtomic: false, replica: 0, via: [], fnStack: [], labelPrefix: ''};

const LOCK_KINDS = new Set<GlobalDecl['kind']>(['spinlock', 'mutex', 'rwsem']);
export const isLockDecl = (g: GlobalDecl): boolean => LOCK_KINDS.has(g.kind);
export const LOCK_CALLS: Record<LockKind, string> = {spinlock: 'spin_lock', mutex: 'mutex_lock', rwsem: 'down_read / down_write'};

const ENUM_WORDS = new Set([
	'ipi', 'broadcast', 'rcu', 'fsdax', 'devdax', 'xfs', 'ext4', 'e21', 'v5_18', 'v6_15',
	'percpu_ref', 'atomic_ref', 'write', 'special', 'devmap', 'huge', 'FOLL_GET', 'FOLL_PIN', 'FOLL_LONGTERM', 'MF_MEM_PRE_REMOVE', 'FAULT_FLAG_WRITE',
	'protnone', 'PAGE_NONE', 'PAGE_READONLY', 'PAGE_COPY', 'PAGE_SHARED',
]);
const BUILTIN_INTS: Record<string, number> = {VM_FAULT_SIGBUS: 2, VM_FAULT_SIGSEGV: 0x40, ...ERRNO, PAGE_SIZE: 4096, HPAGE_PMD_NR: 512, SINGLE_DEPTH_NESTING: 1};
/** Elements of one shared array, at most: each is a variable of the machine, copied and hashed with the others by every step that writes one. */
const MAX_ARRAY = 512;

/** Where an element access goes (see Resolver.element). */
export type Slot = {at: (env: Env) => string; pure: boolean};
export const elementName = (array: string, i: number): string => `${array}[${i}]`;
const PTE_FIELDS = new Set(['pfn', 'present', 'write', 'special', 'devmap', 'huge', 'leaf']);

export abstract class Resolver {
	// no prototype: a param lookup must not find `constructor` or `toString`
	readonly params: Record<string, ParamValue> = Object.create(null);
	readonly globals = new Map<string, GlobalDecl>();
	readonly functions = new Map<string, FunctionDecl>();
	/** Fixed locks the program's calls use (mmap_lock...): they start free in the machine. */
	readonly usedLocks = new Map<string, LockKind>();
	readonly consts = new Map<string, Value>();
	readonly pgmapNames = new Set<string>();
	/** Uses of REPLICA compiled so far, and whether any call names a CPU by number (tlb_has): both break CPU symmetry. */
	replicaUses = 0;
	namesCpu = false;
	/** Shared arrays' lengths, once computed ('pending' while computing: a length that needs itself). */
	private readonly lengths = new Map<string, number | 'pending'>();
	private readonly elementNames = new Map<string, string[]>();

	constructor(
		readonly ast: Scenario,
		readonly file: string,
		readonly source: string,
	) {
		for (const g of ast.globals) this.globals.set(g.name, g);
		for (const f of ast.functions) this.functions.set(f.name, f);
	}

	fail(pos: Pos, reason: string): never {
		throw new Diagnostic(this.file, pos, reason, this.source);
	}

	/** The value a param holds, as the language sees it (enum words are symbols). */
	paramValue(name: string): Value {
		const v = this.params[name]!;
		return typeof v === 'string' ? {t: 'sym', name: v} : v;
	}


	// ---- names ----

	constName(name: string): Value | undefined {
		if (name in this.params) return this.paramValue(name);
		if (this.consts.has(name)) return this.consts.get(name)!;
		if (Object.hasOwn(BUILTIN_INTS, name)) return BUILTIN_INTS[name]!;
		if (this.pgmapNames.has(name)) return {t: 'pgmap', name};
		if (ENUM_WORDS.has(name) || this.ast.params.some(p => p.choices?.includes(name))) return {t: 'sym', name};
		return undefined;
	}

	/** Whether a bare name means something here (what the `name` case of expr() accepts). */
	knows(name: string, scope: Scope): boolean {
		return Boolean(scope.locals?.has(name)) || name.includes('()') || this.globals.has(name) || name === 'REPLICA' || this.constName(name) !== undefined;
	}

	knownNames(locals: Iterable<string>): string[] {
		return [
			...locals,
			...Object.keys(this.params),
			...this.consts.keys(),
			...Object.keys(BUILTIN_INTS),
			...this.pgmapNames,
			...ENUM_WORDS,
			...this.globals.keys(),
		];
	}

	// ---- expressions ----

	expr(e: Expr, scope: Scope): Compiled {
		const text = exprText(e);
		switch (e.kind) {
			case 'int':
			case 'bool':
			case 'null': {
				const v: Value = e.kind === 'null' ? null : e.value;
				return {ev: () => v, pure: true, constant: v, text};
			}
			case 'name': {
				if (scope.locals?.has(e.name) || e.name.includes('()')) {
					const n = e.name.includes('()') ? e.name : scope.prefix + e.name;
					// a local not assigned yet reads NULL, never Object.prototype's `constructor`
					if (n in Object.prototype) return {ev: env => (Object.hasOwn(env.locals, n) ? env.locals[n]! : null), pure: true, text};
					return {ev: env => env.locals[n] ?? null, pure: true, text};
				}
				const g = this.globals.get(e.name);
				if (g) return this.globalRead(g, e.pos, text);
				if (e.name === 'REPLICA') this.replicaUses++;
				if (e.name === 'REPLICA') return {ev: () => scope.replica, pure: true, constant: scope.replica, text};
				const c = this.constName(e.name);
				if (c !== undefined) return {ev: () => c, pure: true, constant: c, text};
				const where = scope.locals === null ? "here (outside a CPU's code there are no locals: params, consts, pgmaps and shared variables)" : '';
				this.fail(e.pos, `unknown name '${e.name}'${where ? ' ' + where : ''}${suggestion(e.name, this.knownNames(scope.locals ?? []))}`);
			}
			case 'unary': {
				const a = this.expr(e.arg, scope);
				const f = unaryOp(e.op);
				const ev: Eval = env => f(a.ev(env));
				return fold({ev, pure: a.pure, text}, a.constant !== undefined);
			}
			case 'binary': {
				const l = this.expr(e.left, scope);
				const r = this.expr(e.right, scope);
				// A constant left side of && or || decides alone or leaves the right side: `if (fixed && x)`
				// with fixed=false is no step at all, as the kernel's code without that branch has none.
				if ((e.op === '&&' || e.op === '||') && l.constant !== undefined) {
					if (truthy(l.constant) === (e.op === '||')) return {ev: () => e.op === '||', pure: true, constant: e.op === '||', text};
					return r.constant !== undefined ? {ev: () => truthy(r.constant!), pure: true, constant: truthy(r.constant), text} : {ev: env => truthy(r.ev(env)), pure: r.pure, text};
				}
				let ev: Eval;
				if (e.op === '&&') ev = env => truthy(l.ev(env)) && truthy(r.ev(env));
				else if (e.op === '||') ev = env => truthy(l.ev(env)) || truthy(r.ev(env));
				else {
					const f = binaryOp(e.op);
					ev = env => f(l.ev(env), r.ev(env));
				}
				return fold({ev, pure: l.pure && r.pure, text}, l.constant !== undefined && r.constant !== undefined);
			}
			case 'field': {
				if (!PTE_FIELDS.has(e.field)) this.fail(e.pos, `unknown field '.${e.field}'${suggestion(e.field, PTE_FIELDS)}; PTE values have .pfn .present .write .special .devmap .huge`);
				const o = this.expr(e.object, scope);
				const field = e.field;
				const ev: Eval = env => {
					const v = o.ev(env);
					if (v === null) throw new Oops(`NULL pointer dereference reading .${field}`);
					if (typeof v !== 'object' || !(field in v)) throw new Oops(`${typeName(v)} ${formatValue(v)} has no field .${field}`);
					return (v as unknown as Record<string, Value>)[field]!;
				};
				return fold({ev, pure: o.pure, text}, o.constant !== undefined);
			}
			case 'call':
				return this.call(e, scope, false);
			case 'cond': {
				const c = this.expr(e.cond, scope);
				const a = this.expr(e.then, scope);
				const b = this.expr(e.else, scope);
				if (c.constant !== undefined) return truthy(c.constant) ? a : b;
				const ev: Eval = env => (truthy(c.ev(env)) ? a.ev(env) : b.ev(env));
				return {ev, pure: c.pure && a.pure && b.pure, text};
			}
			case 'addr':
				return this.referenceEval(e, scope, null);
			case 'index': {
				const g = this.arrayDecl(e.array, e.pos, scope);
				if (isLockDecl(g)) return this.referenceEval(e, scope, null);
				if (g.kind === 'atomic') this.fail(e.pos, `'${g.name}' is an array of ${g.type}: read an element with atomic_read(&${g.name}[i])`);
				const slot = this.element(g, e, scope);
				return {ev: env => readGlobal(env.ctx, slot.at(env)), pure: false, text};
			}
		}
	}

	/** The declaration of the shared array `name` (an error for anything else). */
	arrayDecl(name: string, pos: Pos, scope: Scope): GlobalDecl {
		const g = scope.locals?.has(name) ? undefined : this.globals.get(name);
		if (!g) this.fail(pos, `'${name}' is not a shared array${suggestion(name, [...this.globals.values()].filter(d => d.length).map(d => d.name))}; declare one at the top level (int ${name}[N];)`);
		if (this.lengthOf(g) === undefined) this.fail(pos, `'${name}' is not an array (${g.type} ${name}); use it without an index`);
		return g;
	}

	/** A shared array's length: its declaration's constant, 1 to MAX_ARRAY. Undefined for a scalar. */
	lengthOf(g: GlobalDecl): number | undefined {
		if (!g.length) return undefined;
		const known = this.lengths.get(g.name);
		if (known === 'pending') this.fail(g.length.pos, `the length of ${g.name}[] depends on ${g.name} itself`);
		if (known !== undefined) return known;
		this.lengths.set(g.name, 'pending');
		const c = this.expr(g.length, NO_LOCALS);
		if (typeof c.constant !== 'number' || !Number.isInteger(c.constant)) this.fail(g.length.pos, `the length of ${g.name}[] must be a constant integer (a number, const or param), got ${exprText(g.length)}`);
		if (c.constant < 1 || c.constant > MAX_ARRAY) this.fail(g.length.pos, `the length of ${g.name}[] is ${c.constant}; an array has 1 to ${MAX_ARRAY} elements`);
		this.lengths.set(g.name, c.constant);
		return c.constant;
	}

	/**
	 * The element `e` selects (`cnt[2]`): checked when the index is constant, else
	 * an oops at run time when out of bounds. `pure`: computing which element reads
	 * nothing shared (an index read from memory makes the access a shared read,
	 * for the search's footprints, merging and the peek of an await).
	 */
	element(g: GlobalDecl, e: Extract<Expr, {kind: 'index'}>, scope: Scope): Slot {
		const n = this.lengthOf(g)!;
		let names = this.elementNames.get(g.name);
		if (!names) this.elementNames.set(g.name, (names = Array.from({length: n}, (_, i) => elementName(g.name, i))));
		const idx = this.expr(e.index, scope);
		if (idx.constant !== undefined) {
			const k = idx.constant;
			if (typeof k !== 'number' || !Number.isInteger(k)) this.fail(e.index.pos, `the index of ${g.name}[] must be an integer, got ${typeName(k)} ${formatValue(k)}`);
			if (k < 0 || k >= n) this.fail(e.index.pos, `index ${k} is out of bounds of ${g.name}[${n}] (0..${n - 1})`);
			const name = names[k]!;
			return {at: () => name, pure: true};
		}
		const ev = idx.ev;
		const arr = g.name;
		const all = names;
		const at = (env: Env): string => {
			const k = ev(env);
			if (typeof k !== 'number' || !Number.isInteger(k)) throw new Oops(`${arr}[${formatValue(k)}]: the index is not an integer`);
			if (k < 0 || k >= n) throw new Oops(`${arr}[${k}]: index out of bounds (0..${n - 1})`);
			return all[k]!;
		};
		return {at, pure: idx.pure};
	}

	/** `&x`, `&a[i]` (or `x`, `a[i]`) where a reference is taken: constant for a name, computed for an element. */
	referenceEval(e: Expr, scope: Scope, spec: ArgSpec | null, prim?: string): Compiled {
		const inner = e.kind === 'addr' ? e.arg : e;
		const text = exprText(e);
		if (inner.kind !== 'index') {
			const v = this.reference(e, scope, spec, prim);
			return {ev: () => v, pure: true, constant: v, text};
		}
		const g = this.arrayDecl(inner.array, inner.pos, scope);
		this.checkReference(g, e, spec, prim);
		const slot = this.element(g, inner, scope);
		const t = isLockDecl(g) ? 'lock' : 'var';
		return {ev: env => ({t, name: slot.at(env)}) as Value, pure: slot.pure, text};
	}

	/** A plain read of a shared variable in an expression (a lock read as a value is its address). */
	globalRead(g: GlobalDecl, pos: Pos, text: string): Compiled {
		if (this.lengthOf(g) !== undefined) this.fail(pos, `'${g.name}' is an array: read an element, ${g.name}[i]`);
		if (isLockDecl(g)) {
			const v: Value = {t: 'lock', name: g.name};
			return {ev: () => v, pure: true, constant: v, text};
		}
		if (g.kind === 'atomic') this.fail(pos, `'${g.name}' is an ${g.type}: read it with atomic_read(&${g.name})`);
		const name = g.name;
		return {ev: env => readGlobal(env.ctx, name), pure: false, text};
	}

	/** `&x` or `x` where a call takes a shared variable or a lock by reference. */
	reference(e: Expr, scope: Scope, spec: ArgSpec | null, prim?: string): Value {
		const inner = e.kind === 'addr' ? e.arg : e;
		const shown = exprText(e);
		if (inner.kind !== 'name') {
			this.fail(e.pos, e.kind === 'addr' ? `'&' takes the name of a shared variable or lock, like &ptl (got ${shown})` : `${prim}() takes a shared variable here, like &count (got ${shown})`);
		}
		const g = this.globals.get(inner.name);
		if (!g) {
			if (scope.locals?.has(inner.name)) {
				this.fail(e.pos, spec?.kind === 'var'
					? `${prim}() needs a shared variable and '${inner.name}' is a local of this CPU; declare it at the top level (int ${inner.name} = 0;)`
					: `'${inner.name}' is a local: locals have no address; pass ${inner.name} itself`);
			}
			this.fail(inner.pos, `unknown shared variable or lock '${inner.name}'${suggestion(inner.name, this.globals.keys())}; declare it at the top level (int ${inner.name} = 0; or spinlock_t ${inner.name};)`);
		}
		if (this.lengthOf(g) !== undefined) this.fail(e.pos, `'${g.name}' is an array: pass an element, &${g.name}[i]`);
		this.checkReference(g, e, spec, prim);
		return isLockDecl(g) ? {t: 'lock', name: g.name} : {t: 'var', name: g.name};
	}

	/** A lock or shared variable (or an element of an array of them) passed where `spec` wants one. */
	private checkReference(g: GlobalDecl, e: Expr, spec: ArgSpec | null, prim?: string): void {
		if (isLockDecl(g)) {
			if (spec?.kind === 'var') this.fail(e.pos, `${prim}() takes a shared variable, and '${g.name}' is a lock (${g.type})`);
			if (spec?.lockKind && spec.lockKind !== g.kind) {
				this.fail(e.pos, `${prim}() takes a ${spec.lockKind === 'spinlock' ? 'spinlock_t' : spec.lockKind === 'mutex' ? 'struct mutex' : 'struct rw_semaphore'}, and '${g.name}' is a ${g.type}: use ${LOCK_CALLS[g.kind as LockKind]}`);
			}
			return;
		}
		if (spec?.kind === 'lock') this.fail(e.pos, `${prim}() takes a lock, and '${g.name}' is a ${g.type}`);
		if (spec?.varKind === 'atomic' && g.kind !== 'atomic') this.fail(e.pos, `${prim}() takes an atomic_t, and '${g.name}' is a ${g.type}; declare it atomic_t ${g.name};`);
		if (spec?.varKind === 'plain' && g.kind === 'atomic') this.fail(e.pos, `'${g.name}' is an ${g.type}; use the atomic_* calls on it`);
	}

	/** A call: a primitive, a helper's value, or one of the language's own (calls.ts). */
	abstract call(e: Extract<Expr, {kind: 'call'}>, scope: Scope, statementLevel: boolean): Compiled;
}
