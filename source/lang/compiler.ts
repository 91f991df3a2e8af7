// The compiler: syntax tree + parameter values -> Program. It resolves every
// name (with "did you mean" for typos), checks primitive arity and where
// blocking primitives may stand, folds conditions that depend only on params
// (a mutation switch removes the code it turns off, so the trace shows only
// what the modelled kernel runs), and lowers control flow to instruction
// indices. Jumps cost no step: they are folded into the statement before.

import {ERRNO} from './errno.js';
import {type Ctx, violate} from '../machine/context.js';
import {KIND_NAMES} from '../machine/checks.js';
import {hashMachine} from '../machine/hash.js';
import {permuteMachine} from '../machine/permute.js';
import {KernelFault, lookupPrimitive, Oops, PRIMITIVES, type Primitive} from '../machine/primitives/index.js';
import {type ArgSpec, kernelSignature} from '../machine/primitives/spec.js';
import {readGlobal, writeGlobal} from '../machine/primitives/shared.js';
import {FREES_TABLES} from '../machine/primitives/table-free.js';
import {emptyMachine, SETUP_BY_NAME, SETUP_CALLS, SetupError} from '../machine/setup.js';
import type {LockKind, Machine, Value} from '../machine/types.js';
import {formatValue, truthy, typeName} from '../machine/values.js';
import type {CpuDecl, Expect, Expr, FunctionDecl, GlobalDecl, IrqDecl, MachineItem, Pos, Scenario, Stmt} from './ast.js';
import {Diagnostic, suggestion} from './diagnostics.js';
import {Lowering} from './lower.js';
import {binaryOp, type Compiled, exprText, fold, unaryOp} from './operators.js';
import type {CpuProgram, Env, Eval, ParamValue, Program} from './program.js';

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
};

const NO_LOCALS: Scope = {locals: null, prefix: '', inAtomic: false, replica: 0, via: [], fnStack: [], labelPrefix: ''};

const LOCK_KINDS = new Set<GlobalDecl['kind']>(['spinlock', 'mutex', 'rwsem']);
const isLockDecl = (g: GlobalDecl): boolean => LOCK_KINDS.has(g.kind);
const LOCK_CALLS: Record<LockKind, string> = {spinlock: 'spin_lock', mutex: 'mutex_lock', rwsem: 'down_read / down_write'};

/** A bad `--set` or variant name: a usage error without a source position. */
export class ParamError extends Error {}

export type CompileOptions = {
	file: string;
	source: string;
	/** Raw `--set name=value` overrides. */
	set?: Record<string, string>;
	variant?: string | null;
};

const ENUM_WORDS = new Set([
	'ipi', 'broadcast', 'rcu', 'fsdax', 'devdax', 'xfs', 'ext4', 'e21', 'v5_18', 'v6_15',
	'percpu_ref', 'atomic_ref', 'write', 'special', 'devmap', 'huge', 'FOLL_GET', 'FOLL_PIN', 'FOLL_LONGTERM', 'MF_MEM_PRE_REMOVE', 'FAULT_FLAG_WRITE',
]);
const BUILTIN_INTS: Record<string, number> = {VM_FAULT_SIGBUS: 2, VM_FAULT_SIGSEGV: 0x40, ...ERRNO, PAGE_SIZE: 4096, HPAGE_PMD_NR: 512, SINGLE_DEPTH_NESTING: 1};
/** Elements of one shared array, at most (each is a variable of the machine). */
const MAX_ARRAY = 4096;
export const elementName = (array: string, i: number): string => `${array}[${i}]`;
const PTE_FIELDS = new Set(['pfn', 'present', 'write', 'special', 'devmap', 'huge', 'leaf']);

export class Compiler {
	// no prototype: a param lookup must not find `constructor` or `toString`
	readonly params: Record<string, ParamValue> = Object.create(null);
	readonly globals = new Map<string, GlobalDecl>();
	readonly functions = new Map<string, FunctionDecl>();
	/** Fixed locks the program's calls use (mmap_lock...): they start free in the machine. */
	readonly usedLocks = new Map<string, LockKind>();
	readonly consts = new Map<string, Value>();
	readonly pgmapNames = new Set<string>();
	readonly machineItems: {name: string; args: Value[]; pos: Pos}[] = [];
	/** Uses of REPLICA compiled so far, and whether any call names a CPU by number (tlb_has): both break CPU symmetry. */
	replicaUses = 0;
	namesCpu = false;

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
				const where = scope.locals === null ? 'here (no CPU locals here: invariants see params, consts, pgmaps and shared variables)' : '';
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
				return {ev: env => readGlobal(env.ctx, slot(env)), pure: false, text};
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

	private readonly lengths = new Map<string, number>();

	/** A shared array's length: its declaration's constant, 1 to 4096. Undefined for a scalar. */
	lengthOf(g: GlobalDecl): number | undefined {
		if (!g.length) return undefined;
		const known = this.lengths.get(g.name);
		if (known !== undefined) return known;
		const c = this.expr(g.length, NO_LOCALS);
		if (typeof c.constant !== 'number' || !Number.isInteger(c.constant)) this.fail(g.length.pos, `the length of ${g.name}[] must be a constant integer (a number, const or param), got ${exprText(g.length)}`);
		if (c.constant < 1 || c.constant > MAX_ARRAY) this.fail(g.length.pos, `the length of ${g.name}[] is ${c.constant}; an array has 1 to ${MAX_ARRAY} elements`);
		this.lengths.set(g.name, c.constant);
		return c.constant;
	}

	/** The name of the element `e` selects (`cnt[2]`): checked when the index is constant, else an oops at run time when out of bounds. */
	element(g: GlobalDecl, e: Extract<Expr, {kind: 'index'}>, scope: Scope): (env: Env) => string {
		const n = this.lengthOf(g)!;
		const names = Array.from({length: n}, (_, i) => elementName(g.name, i));
		const idx = this.expr(e.index, scope);
		if (idx.constant !== undefined) {
			const k = idx.constant;
			if (typeof k !== 'number' || !Number.isInteger(k)) this.fail(e.index.pos, `the index of ${g.name}[] must be an integer, got ${typeName(k)} ${formatValue(k)}`);
			if (k < 0 || k >= n) this.fail(e.index.pos, `index ${k} is out of bounds of ${g.name}[${n}] (0..${n - 1})`);
			const name = names[k]!;
			return () => name;
		}
		const ev = idx.ev;
		const arr = g.name;
		return env => {
			const k = ev(env);
			if (typeof k !== 'number' || !Number.isInteger(k)) throw new Oops(`${arr}[${formatValue(k)}]: the index is not an integer`);
			if (k < 0 || k >= n) throw new Oops(`${arr}[${k}]: index out of bounds (0..${n - 1})`);
			return names[k]!;
		};
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
		return {ev: env => ({t, name: slot(env)}) as Value, pure: true, text};
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

	/** The primitive a call names, or undefined for the language's own (READ_ONCE of a variable, helpers). */
	primitive(e: Extract<Expr, {kind: 'call'}>): Primitive | undefined {
		if (this.functions.has(e.callee) || this.onceCall(e)) return undefined;
		return lookupPrimitive(e.callee);
	}

	/** READ_ONCE(x) / WRITE_ONCE(x, v) of a shared variable (READ_ONCE of anything else is the PTE read). */
	private onceCall(e: Extract<Expr, {kind: 'call'}>): boolean {
		if (!ONCE_CALLS.has(e.callee)) return false;
		const a = e.args[0];
		const inner = a?.kind === 'addr' ? a.arg : a;
		return e.callee !== 'READ_ONCE' || (inner?.kind === 'name' && this.globals.has(inner.name)) || (inner?.kind === 'index' && this.globals.has(inner.array));
	}

	private once(e: Extract<Expr, {kind: 'call'}>, scope: Scope): Compiled {
		const write = ONCE_WRITES.has(e.callee);
		const want = write ? 2 : 1;
		if (e.args.length !== want) this.fail(e.pos, `${e.callee}(${write ? 'x, value' : 'x'}) takes ${want} argument${want === 1 ? '' : 's'}, got ${e.args.length}`);
		const ref = this.referenceEval(e.args[0]!, scope, {name: 'x', kind: 'var', varKind: 'plain'}, e.callee);
		const text = exprText(e);
		if (ref.constant !== undefined) {
			const name = (ref.constant as {name: string}).name;
			if (!write) return {ev: env => readGlobal(env.ctx, name), pure: false, text};
			const value = this.expr(e.args[1]!, scope);
			return {ev: env => (writeGlobal(env.ctx, name, value.ev(env)), null), pure: false, text};
		}
		const at = (env: Env): string => (ref.ev(env) as {name: string}).name;
		if (!write) return {ev: env => readGlobal(env.ctx, at(env)), pure: false, text};
		const value = this.expr(e.args[1]!, scope);
		return {ev: env => (writeGlobal(env.ctx, at(env), value.ev(env)), null), pure: false, text};
	}

	/** likely/unlikely, WARN_ON and BUG_ON and their kin: the language's own, with the kernel's meaning. */
	private checkCall(e: Extract<Expr, {kind: 'call'}>, scope: Scope, statementLevel: boolean): Compiled {
		const what = CHECK_CALLS[e.callee]!;
		const want = e.callee === 'BUG' ? 0 : 1;
		if (e.args.length !== want) this.fail(e.pos, `${e.callee}(${want ? 'condition' : ''}) takes ${want} argument${want === 1 ? '' : 's'}, got ${e.args.length}`);
		if (what === 'bug' && !statementLevel) this.fail(e.pos, `${e.callee}() returns nothing: write it as a statement of its own (${e.callee}(...);)`);
		const text = exprText(e);
		const arg = want ? this.expr(e.args[0]!, scope) : {ev: () => true, pure: true, constant: true, text: ''};
		const callee = e.callee;
		if (what === 'hint') return fold({ev: env => truthy(arg.ev(env)), pure: arg.pure, text}, arg.constant !== undefined);
		if (what === 'bug') {
			return {
				ev: env => {
					if (truthy(arg.ev(env))) throw new KernelFault('bug', 'BUG', `kernel BUG: ${text}${want ? ' holds' : ''}`, [`CPU${env.ctx.cpu}`]);
					return null;
				},
				pure: false,
				text,
			};
		}
		return {
			ev: env => {
				const v = truthy(arg.ev(env));
				if (v) violate(env.ctx, 'warn', 'WARN', `WARNING: ${callee}(${arg.text}) holds`, [`CPU${env.ctx.cpu}`]);
				return v;
			},
			pure: false,
			text,
		};
	}

	/** An unknown call: by spelling, else by family (`pmd_zap` lists the pmd_* primitives). */
	private unknownCall(e: Extract<Expr, {kind: 'call'}>): never {
		if (SETUP_BY_NAME.has(e.callee)) this.fail(e.pos, `'${e.callee}' is a machine set-up call; use it inside machine { }`);
		const near = suggestion(e.callee, [...PRIMITIVES.keys(), ...this.functions.keys(), ...Object.keys(CHECK_CALLS), 'smp_processor_id']);
		if (near) this.fail(e.pos, `unknown primitive '${e.callee}'${near}`);
		this.fail(e.pos, `unknown primitive '${e.callee}'${familyHint(e.callee)}`);
	}

	/** Compile a primitive's arguments by their kinds (references for locks and shared variables). */
	primArgs(prim: Primitive, e: Extract<Expr, {kind: 'call'}>, scope: Scope): Compiled[] {
		return ownArgs(this, prim, e).map((a, i) => {
			const spec = prim.args[i]!;
			if (spec.kind === 'context') {
				if (a.kind !== 'name' && a.kind !== 'field' && a.kind !== 'addr') this.fail(a.pos, `${prim.name}(): write '${spec.name}' as the kernel does, a name like ${spec.name} (the model has one and keeps it itself)`);
				return {ev: () => null, pure: true, constant: null, text: exprText(a)};
			}
			if (spec.kind === 'irq') {
				const irq = a.kind === 'name' ? this.ast.irqs.find(i => i.name === a.name) : undefined;
				if (!irq) this.fail(a.pos, `${prim.name}() takes the name of an irq block${a.kind === 'name' ? suggestion(a.name, this.ast.irqs.map(i => i.name)) : ''}; declare one: irq NAME on cpu N { ... }`);
				const v: Value = {t: 'irq', name: irq.name, cpu: irq.cpu};
				return {ev: () => v, pure: true, constant: v, text: irq.name};
			}
			const named = a.kind === 'addr' || (a.kind === 'name' && this.globals.has(a.name) && !scope.locals?.has(a.name)) || (a.kind === 'index' && this.globals.has(a.array) && !scope.locals?.has(a.array));
			if ((spec.kind === 'var' || spec.kind === 'lock') && named) return this.referenceEval(a, scope, spec, prim.name);
			if (spec.kind === 'var') this.reference(a, scope, spec, prim.name);
			return this.expr(a, scope);
		});
	}

	call(e: Extract<Expr, {kind: 'call'}>, scope: Scope, statementLevel: boolean): Compiled {
		if (this.functions.has(e.callee)) {
			this.fail(e.pos, `${e.callee}() is a helper: call it as a statement (${e.callee}(...); or r = ${e.callee}(...);) or inside a condition, not here`);
		}
		if (e.callee === 'ATOMIC_INIT') {
			if (e.args.length !== 1) this.fail(e.pos, 'ATOMIC_INIT(n) takes 1 argument');
			return this.expr(e.args[0]!, scope);
		}
		if (this.onceCall(e)) return this.once(e, scope);
		if (Object.hasOwn(CHECK_CALLS, e.callee)) return this.checkCall(e, scope, statementLevel);
		if (e.callee === 'smp_processor_id' || e.callee === 'raw_smp_processor_id') {
			if (e.args.length !== 0) this.fail(e.pos, `${e.callee}() takes 0 arguments, got ${e.args.length}`);
			if (scope.locals === null) this.fail(e.pos, `${e.callee}() names the CPU running the code: there is none in an invariant`);
			this.namesCpu = true; // the copies of a CPU block are no longer interchangeable
			return {ev: env => env.ctx.cpu, pure: true, text: exprText(e)};
		}
		const prim = lookupPrimitive(e.callee);
		if (!prim) this.unknownCall(e);
		if (prim.fixedLock) this.usedLocks.set(prim.fixedLock.name, prim.fixedLock.kind);
		checkArity(this, prim, e);
		if (prim.args.some(a => a.name === 'cpu')) this.namesCpu = true;
		if ((prim.blocks || prim.guard) && !statementLevel) {
			this.fail(e.pos, `${prim.name} can block; call it as a statement of its own (x = ${prim.name}(...); or ${prim.name}(...);)`);
		}
		if ((prim.blocks || prim.guard) && scope.inAtomic) this.fail(e.pos, `${prim.name} can block and cannot be used inside atomic { }`);
		const args = this.primArgs(prim, e, scope);
		const evs = args.map(a => a.ev);
		const ev: Eval = env => {
			const vals = evs.map(f => f(env));
			const r = prim.run(env.ctx, vals);
			if (r !== null && typeof r === 'object' && ('wait' in r || 'repeat' in r)) {
				throw new Oops(`${prim.name} blocked where it cannot`);
			}
			return r as Value;
		};
		return {ev, pure: Boolean(prim.pure) && args.every(a => a.pure), text: exprText(e)};
	}

	// ---- params, consts, machine ----

	/** Every variant must name real params with values of their type, selected or not. */
	checkVariants(): void {
		for (const p of this.ast.params) this.params[p.name] = p.value;
		for (const v of this.ast.variants) {
			for (const s of v.settings) {
				const decl = this.ast.params.find(p => p.name === s.name);
				if (!decl) this.fail(s.pos, `variant ${v.name} sets unknown param '${s.name}'${suggestion(s.name, this.ast.params.map(p => p.name))}`);
				const value = this.expr(s.value, NO_LOCALS);
				if (value.constant === undefined) this.fail(s.pos, 'a variant setting must be a constant');
				checkParam(decl, value.constant, msg => this.fail(s.pos, msg));
			}
		}
	}

	/** Params the variant sets that a `--set` then changed: the variant no longer holds as declared. */
	readonly overVariant: string[] = [];

	setupParams(variant: string | null, set: Record<string, string>): {variantName: string | null; expects: Expect[]} {
		this.checkVariants();
		for (const p of this.ast.params) this.params[p.name] = p.value;
		let expects = this.ast.expects;
		let variantName: string | null = null;
		if (variant) {
			const v = this.ast.variants.find(x => x.name === variant);
			if (!v) throw new ParamError(`unknown variant '${variant}'${suggestion(variant, this.ast.variants.map(x => x.name))}; this scenario has: ${this.ast.variants.map(x => x.name).join(', ') || 'none'}`);
			variantName = v.name;
			for (const s of v.settings) {
				const decl = this.ast.params.find(p => p.name === s.name);
				if (!decl) this.fail(s.pos, `variant ${v.name} sets unknown param '${s.name}'${suggestion(s.name, this.ast.params.map(p => p.name))}`);
				const value = this.expr(s.value, NO_LOCALS);
				if (value.constant === undefined) this.fail(s.pos, 'a variant setting must be a constant');
				this.params[s.name] = checkParam(decl, value.constant, msg => this.fail(s.pos, msg));
			}
			expects = mergeExpects(this.ast.expects, v.expects);
		}
		for (const [name, raw] of Object.entries(set)) {
			const decl = this.ast.params.find(p => p.name === name);
			if (!decl) {
				const have = this.ast.params.map(p => p.name);
				throw new ParamError(`--set ${name}=${raw}: unknown param '${name}'${suggestion(name, have)}; params: ${have.join(', ') || 'none'}`);
			}
			this.params[name] = parseParamText(decl, raw);
			if (variantName && this.ast.variants.find(x => x.name === variantName)!.settings.some(s => s.name === name)) this.overVariant.push(name);
		}
		return {variantName, expects};
	}

	evalConsts(): void {
		for (const c of this.ast.consts) {
			const v = this.expr(c.value, NO_LOCALS);
			if (v.constant === undefined) this.fail(c.pos, `const ${c.name} must be computable from params and numbers`);
			this.consts.set(c.name, v.constant);
		}
	}

	collectMachine(items: MachineItem[]): void {
		for (const item of items) {
			if (item.kind === 'if') {
				const c = this.expr(item.cond, NO_LOCALS);
				if (c.constant === undefined) this.fail(item.pos, 'a machine { } condition must depend only on params and consts');
				this.collectMachine(truthy(c.constant) ? item.then : item.else);
				continue;
			}
			if (!SETUP_BY_NAME.has(item.call)) {
				if (lookupPrimitive(item.call)) this.fail(item.pos, `'${item.call}' is a CPU primitive; machine { } takes set-up calls: ${SETUP_CALLS.map(s => s.name).join(', ')}`);
				this.fail(item.pos, `unknown set-up call '${item.call}'${suggestion(item.call, SETUP_BY_NAME.keys())}; machine { } takes: ${SETUP_CALLS.map(s => s.name).join(', ')}`);
			}
			const args = item.args.map(a => {
				if (a.kind === 'name' && this.constName(a.name) === undefined) return {t: 'sym', name: a.name} as Value;
				const v = this.expr(a, NO_LOCALS);
				if (v.constant === undefined) this.fail(a.pos, 'set-up arguments must be constants');
				return v.constant;
			});
			if (item.call === 'pgmap') {
				const n = args[0];
				if (n !== null && typeof n === 'object' && n.t === 'sym') this.pgmapNames.add(n.name);
			}
			this.machineItems.push({name: item.call, args, pos: item.pos});
		}
	}

	buildMachine(cpuCount: number, replicaOf: Map<number, number>): Machine {
		const m = emptyMachine(cpuCount);
		m.mmCpumask = m.cpus.map(c => c.id);
		for (const item of this.machineItems) {
			try {
				SETUP_BY_NAME.get(item.name)!.apply(m, item.args);
			} catch (err) {
				if (err instanceof SetupError) this.fail(item.pos, `${item.name}(): ${err.message}`);
				throw err;
			}
		}
		// A copy of a CPU block runs the same task, so it runs the mm if the original does.
		for (const [copy, origin] of replicaOf) if (m.mmCpumask.includes(origin) && !m.mmCpumask.includes(copy)) m.mmCpumask.push(copy);
		return m;
	}

	// ---- CPU code ----

	/** The locals of a block of code: assigned names that are not shared variables, checked against params and consts. */
	private localsOf(body: Stmt[], where: string, pos: Pos, params: string[] = []): Set<string> {
		const assigned = new Set<string>(params);
		collectLocals(body, assigned);
		const locals = new Set<string>();
		for (const name of assigned) {
			if (this.functions.has(name)) this.fail(pos, `'${name}' in ${where} is assigned, but it is a helper function; rename the variable`);
			if (this.globals.has(name) && !params.includes(name)) continue; // an assignment to a shared variable
			if (this.constName(name) !== undefined) {
				const choiceOf = this.ast.params.find(p => p.choices?.includes(name));
				const what = choiceOf ? `the value '${name}' of param ${choiceOf.name}` : `a param, const or built-in name`;
				this.fail(pos, `local '${name}' in ${where} shadows ${what}; rename one of them`);
			}
			locals.add(name);
		}
		return locals;
	}

	helperLocals(fn: FunctionDecl): Set<string> {
		return this.localsOf(fn.body, `${fn.name}()`, fn.pos, fn.params);
	}

	cpu(decl: CpuDecl, id: number, replica: number): CpuProgram {
		const locals = this.localsOf(decl.body, `cpu ${decl.id}`, decl.pos);
		const lowering = new Lowering(this, {...NO_LOCALS, locals, replica});
		lowering.block(decl.body);
		const instrs = lowering.finish(decl);
		const label = replica > 0 ? `${decl.label} #${replica + 1}` : decl.label;
		return {id, label, instrs, endLine: decl.endLine, locals: [...locals, ...lowering.helperLocals]};
	}

	/**
	 * An interrupt handler, appended to its CPU's instructions: a `return` or
	 * the closing brace is the iret that resumes what it interrupted.
	 */
	irq(decl: IrqDecl, cpu: CpuProgram): number {
		const locals = this.localsOf(decl.body, `irq ${decl.name}`, decl.pos);
		const lowering = new Lowering(this, {...NO_LOCALS, locals, prefix: `${decl.name}.`, labelPrefix: `${decl.name}:`});
		lowering.block(decl.body);
		const body = lowering.finish({id: decl.cpu, label: decl.label, body: decl.body, pos: decl.pos, endLine: decl.endLine});
		const base = cpu.instrs.length;
		const iret = base + body.length;
		const shift = (to: number): number => (to < 0 ? iret : to + base);
		for (const i of body) {
			if (i.kind === 'return') Object.assign(i, {kind: 'iret', local: false});
			else i.next = shift(i.next);
			if (i.alt !== undefined) i.alt = shift(i.alt);
		}
		cpu.instrs.push(...body, {kind: 'iret', line: decl.endLine, col: 1, next: -1, local: false, progress: false});
		cpu.locals.push(...[...locals].map(l => `${decl.name}.${l}`), ...lowering.helperLocals);
		return base;
	}

	/** Shared variables and locks as the machine starts. */
	initGlobals(m: Machine): void {
		for (const g of this.globals.values()) {
			const n = this.lengthOf(g);
			if (n !== undefined) {
				// An array is its elements, each a shared variable (or lock) of its own: `cnt[0]`, `cnt[1]`...
				for (let i = 0; i < n; i++) {
					if (isLockDecl(g)) m.locks[elementName(g.name, i)] = {kind: g.kind as LockKind, owner: null, readers: []};
					else m.globals[elementName(g.name, i)] = g.kind === 'int' || g.kind === 'atomic' ? 0 : g.kind === 'bool' ? false : null;
				}
				continue;
			}
			if (isLockDecl(g)) {
				m.locks[g.name] = {kind: g.kind as LockKind, owner: null, readers: []};
				continue;
			}
			let v: Value = g.kind === 'int' || g.kind === 'atomic' ? 0 : g.kind === 'bool' ? false : null;
			if (g.init) {
				const c = this.expr(g.init, NO_LOCALS);
				if (c.constant === undefined) this.fail(g.init.pos, `the initial value of ${g.name} must be a constant (params, consts, numbers)`);
				v = c.constant;
				if ((g.kind === 'int' || g.kind === 'atomic') && typeof v !== 'number') this.fail(g.init.pos, `${g.name} is ${g.type}: its initial value must be an integer, got ${typeName(v)} ${formatValue(v)}`);
				if (g.kind === 'bool') {
					if (typeof v === 'number') v = v !== 0;
					if (typeof v !== 'boolean') this.fail(g.init.pos, `${g.name} is a bool: its initial value must be true or false`);
				}
			}
			m.globals[g.name] = v;
		}
		for (const [name, kind] of this.usedLocks) m.locks[name] ??= {kind, owner: null, readers: []};
	}
}

// ---- helpers ----

function checkArity(c: Compiler, prim: Primitive, e: Extract<Expr, {kind: 'call'}>): void {
	const min = prim.args.filter(a => !a.optional).length;
	const max = prim.args.length;
	const n = ownArgs(c, prim, e).length;
	if (n < min || n > max) {
		const sig = prim.args.map(a => (a.optional ? `[${a.name}]` : a.name)).join(', ');
		const want = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
		const kernel = prim.kernelArgs ? ` (or with the kernel's leading ${prim.kernelArgs.join(', ')}: ${kernelSignature(prim)})` : '';
		c.fail(e.pos, `${prim.name}(${sig}) takes ${want}, got ${e.args.length}${kernel}`);
	}
}

/**
 * The arguments the model takes: a call written with every one of the
 * kernel's leading arguments (tlb_gather_mmu(&tlb, mm), tlb_remove_page(tlb,
 * page)) leaves them out, once each is a name, as context arguments are.
 */
function ownArgs(c: Compiler, prim: Primitive, e: Extract<Expr, {kind: 'call'}>): Expr[] {
	const lead = prim.kernelArgs ?? [];
	const min = prim.args.filter(a => !a.optional).length;
	const rest = e.args.length - lead.length;
	if (lead.length === 0 || e.args.length <= prim.args.length || rest < min || rest > prim.args.length) return e.args;
	e.args.slice(0, lead.length).forEach((a, i) => {
		if (a.kind !== 'name' && a.kind !== 'field' && a.kind !== 'addr') c.fail(a.pos, `${prim.name}(): write '${lead[i]}' as the kernel does, a name like ${lead[i]} (the model has one and keeps it itself)`);
	});
	return e.args.slice(lead.length);
}

function collectLocals(stmts: Stmt[], out: Set<string>): void {
	for (const s of stmts) {
		if (s.kind === 'assign' && !s.index) out.add(s.target);
		else if (s.kind === 'if') {
			collectLocals([s.then], out);
			if (s.else) collectLocals([s.else], out);
		} else if (s.kind === 'while' || s.kind === 'do') collectLocals([s.body], out);
		else if (s.kind === 'for') collectLocals([s.init, s.step, s.body].filter((x): x is Stmt => x !== undefined), out);
		else if (s.kind === 'block' || s.kind === 'atomic') collectLocals(s.body, out);
	}
}

/** The language's own calls of the kernel's assertion macros and branch hints. */
const CHECK_CALLS: Record<string, 'hint' | 'warn' | 'bug'> = {
	likely: 'hint',
	unlikely: 'hint',
	WARN_ON: 'warn',
	WARN_ON_ONCE: 'warn',
	VM_WARN_ON: 'warn',
	VM_WARN_ON_ONCE: 'warn',
	BUG_ON: 'bug',
	VM_BUG_ON: 'bug',
	BUG: 'bug',
};

/** Marked accesses of a shared variable: in a sequentially consistent model, plain reads and writes. */
const ONCE_WRITES = new Set(['WRITE_ONCE', 'smp_store_release', 'rcu_assign_pointer', 'RCU_INIT_POINTER']);
const ONCE_CALLS = new Set(['READ_ONCE', 'smp_load_acquire', 'rcu_dereference', 'rcu_dereference_raw', 'rcu_access_pointer', ...ONCE_WRITES]);

/** ` (the pmd primitives are: ...)`: the family an unknown name belongs to, by its leading words. */
function familyHint(name: string): string {
	const parts = name.split('_').filter(Boolean);
	for (let n = parts.length - 1; n >= 1; n--) {
		const stem = parts.slice(0, n).join('_');
		// The stem itself belongs to its family (mutex_lock with mutex_lock_nested); one name is no family.
		const family = [...(PRIMITIVES.has(stem) ? [stem] : []), ...[...PRIMITIVES.keys()].filter(p => p.startsWith(stem + '_'))];
		if (family.length > 1 || (family.length === 1 && n === 1)) {
			const shown = family.slice(0, 8).join(', ') + (family.length > 8 ? ', ...' : '');
			return `; the ${stem}${PRIMITIVES.has(stem) ? '' : '_'}* primitives are: ${shown} (docs/primitives.md lists them all)`;
		}
	}
	return '; docs/primitives.md lists every primitive';
}

function checkParam(decl: Scenario['params'][number], v: Value, fail: (msg: string) => never): ParamValue {
	if (typeof decl.value === 'boolean') {
		if (typeof v !== 'boolean') fail(`param ${decl.name} is a boolean (true or false)`);
		return v;
	}
	if (typeof decl.value === 'number') {
		if (typeof v !== 'number') fail(`param ${decl.name} is an integer`);
		if (decl.range && (v < decl.range[0] || v > decl.range[1])) fail(`param ${decl.name} must be in ${decl.range[0]}..${decl.range[1]}, got ${v}`);
		return v;
	}
	const word = v !== null && typeof v === 'object' && v.t === 'sym' ? v.name : undefined;
	if (!word || !decl.choices!.includes(word)) fail(`param ${decl.name} is one of ${decl.choices!.join(' | ')}`);
	return word;
}

/** `--set name=value`: typed by the param's declaration. */
export function parseParamText(decl: Scenario['params'][number], raw: string): ParamValue {
	const at = `--set ${decl.name}=${raw}`;
	if (typeof decl.value === 'boolean') {
		if (raw === 'true') return true;
		if (raw === 'false') return false;
		throw new ParamError(`${at}: ${decl.name} is a boolean; use true or false`);
	}
	if (typeof decl.value === 'number') {
		const range = decl.range ? ` in ${decl.range[0]}..${decl.range[1]}` : '';
		if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(raw)) throw new ParamError(`${at}: ${decl.name} is an integer${range}`);
		const n = raw.startsWith('-') ? -Number(raw.slice(1)) : Number(raw);
		if (!Number.isSafeInteger(n)) throw new ParamError(`${at}: number too large`);
		if (decl.range && (n < decl.range[0] || n > decl.range[1])) throw new ParamError(`${at}: ${decl.name} must be${range}`);
		return n;
	}
	if (!decl.choices!.includes(raw)) throw new ParamError(`${at}: ${decl.name} is one of ${decl.choices!.join(' | ')}${suggestion(raw, decl.choices!)}`);
	return raw;
}

/** A variant's expects replace the base's for the same kind; `expect safe` replaces all. */
export function mergeExpects(base: Expect[], over: Expect[]): Expect[] {
	if (over.some(e => e.form === 'safe')) return over;
	const kinds = new Set(over.map(e => e.violation));
	const merged = [...base.filter(e => e.form !== 'safe' && !kinds.has(e.violation)), ...over];
	// The base's `expect safe` still says something of the kinds the variant does not name: none is reachable.
	const safe = base.find(e => e.form === 'safe');
	if (safe) merged.push({...safe, except: merged.filter(e => e.form === 'violation').map(e => e.violation!)});
	return merged;
}

/** Does any CPU block or helper call one of these primitives (by any of its spellings)? */
function callsAny(ast: Scenario, names: ReadonlySet<string>): boolean {
	let found = false;
	const visit = (x: unknown): void => {
		if (found || x === null || typeof x !== 'object') return;
		if (Array.isArray(x)) return x.forEach(visit);
		const o = x as Record<string, unknown>;
		if (o.kind === 'call' && typeof o.callee === 'string' && names.has(lookupPrimitive(o.callee)?.name ?? o.callee)) found = true;
		for (const k in o) visit(o[k]);
	};
	visit(ast.cpus);
	visit(ast.functions);
	return found;
}

export function compile(ast: Scenario, opts: CompileOptions): Program {
	const c = new Compiler(ast, opts.file, opts.source);
	for (const e of [...ast.expects, ...ast.variants.flatMap(v => v.expects)]) {
		if (e.violation !== undefined && !KIND_NAMES.includes(e.violation)) {
			c.fail(e.pos, `unknown violation kind '${e.violation}'${suggestion(e.violation, KIND_NAMES)}; kinds: ${KIND_NAMES.join(', ')}`);
		}
	}
	const {variantName, expects} = c.setupParams(opts.variant ?? null, opts.set ?? {});
	c.evalConsts();
	c.collectMachine(ast.machine);
	const cpus: CpuProgram[] = [];
	const decls = [...ast.cpus].sort((a, b) => a.id - b.id);
	decls.forEach((d, i) => {
		if (d.id !== i) c.fail(d.pos, `CPU ids must be 0, 1, 2... in order: expected cpu ${i}, found cpu ${d.id}`);
	});
	if (decls.length === 0) c.fail(ast.pos, 'a scenario needs at least one cpu block');
	// Sizes first: `cpu 0 "x" * 1000000000` must be refused before any copy is built.
	const counts = decls.map(d => replicaCount(c, d));
	const total = counts.reduce((a, b) => a + b, 0);
	if (total > 10) c.fail((decls.find((d, i) => counts[i]! > 1) ?? decls[0]!).pos, `at most 10 CPUs (0-9), this scenario has ${total}`);
	const usesReplica = new Set<number>();
	for (const d of decls) {
		const before = c.replicaUses;
		cpus.push(c.cpu(d, d.id, 0));
		if (c.replicaUses > before) usesReplica.add(d.id);
	}
	const replicaOf = new Map<number, number>();
	const groups: number[][] = [];
	decls.forEach((d, i) => {
		const group = [d.id];
		for (let r = 1; r < counts[i]!; r++) {
			replicaOf.set(cpus.length, d.id);
			group.push(cpus.length);
			cpus.push(c.cpu(d, cpus.length, r));
		}
		if (group.length > 1 && !usesReplica.has(d.id)) groups.push(group);
	});
	// A body with no steps (empty, or folded away by a param) is finished from the start.
	const empty = cpus.filter(cpu => cpu.instrs.length === 0);
	const irqs: Program['irqs'] = {};
	for (const d of ast.irqs) {
		const cpu = cpus[d.cpu];
		if (!cpu) c.fail(d.pos, `irq ${d.name} runs on cpu ${d.cpu}, but this scenario has CPU0-CPU${cpus.length - 1}`);
		irqs[d.name] = {cpu: d.cpu, entry: c.irq(d, cpu), label: d.label};
	}
	const invariants = ast.invariants.map(inv => {
		const ev = c.expr(inv.expr, NO_LOCALS).ev;
		return {name: inv.name, line: inv.pos.line, check: (ctx: Ctx) => truthy(ev({ctx, locals: {}}))};
	});
	const initial = c.buildMachine(cpus.length, replicaOf);
	if (!c.machineItems.some(i => i.name === 'walk_cache') && callsAny(ast, FREES_TABLES)) initial.settings.walkCache = true;
	c.initGlobals(initial);
	for (const cpu of empty) initial.cpus[cpu.id]!.pc = -1;
	// An interrupt line bound to one CPU of a group sets that CPU apart from its copies.
	const bound = new Set(ast.irqs.map(d => d.cpu));
	const symmetry = c.namesCpu ? [] : groups.filter(g => !g.some(id => bound.has(id)) && symmetricStart(initial, g, cpus.length));
	return {
		file: opts.file,
		source: opts.source,
		scenario: ast,
		params: {...c.params},
		variant: variantName,
		...(c.overVariant.length ? {overVariant: c.overVariant} : {}),
		expects,
		cpus,
		invariants,
		irqs,
		initial,
		symmetry,
	};
}

/** The copies start alike: swapping any two of them gives the same machine (else they are not interchangeable). */
function symmetricStart(m: Machine, group: number[], n: number): boolean {
	const h = hashMachine(m);
	for (let i = 1; i < group.length; i++) {
		const perm = Array.from({length: n}, (_, k) => k);
		perm[group[0]!] = group[i]!;
		perm[group[i]!] = group[0]!;
		if (hashMachine(permuteMachine(m, perm)) !== h) return false;
	}
	return true;
}

function replicaCount(c: Compiler, d: CpuDecl): number {
	const r = d.replicas;
	if (!r) return 1;
	const v = c.expr(r, NO_LOCALS);
	if (typeof v.constant !== 'number' || !Number.isInteger(v.constant) || v.constant < 1) c.fail(r.pos, 'the replica count must be a positive integer from params or consts');
	return v.constant;
}
