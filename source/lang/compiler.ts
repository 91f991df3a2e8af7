// The compiler: syntax tree + parameter values -> Program. It resolves every
// name (with "did you mean" for typos), checks primitive arity and where
// blocking primitives may stand, folds conditions that depend only on params
// (a mutation switch removes the code it turns off, so the trace shows only
// what the modelled kernel runs), and lowers control flow to instruction
// indices. Jumps cost no step: they are folded into the statement before.

import type {Ctx} from '../machine/context.js';
import {KIND_NAMES} from '../machine/checks.js';
import {lookupPrimitive, Oops, PRIMITIVES, type Primitive} from '../machine/primitives/index.js';
import {emptyMachine, SETUP_BY_NAME, SETUP_CALLS, SetupError} from '../machine/setup.js';
import type {Machine, Value} from '../machine/types.js';
import {formatValue, truthy, typeName, valuesEqual} from '../machine/values.js';
import type {CpuDecl, Expect, Expr, MachineItem, Pos, Scenario, Stmt} from './ast.js';
import {Diagnostic, suggestion} from './diagnostics.js';
import type {CpuProgram, Eval, Instr, ParamValue, Program} from './program.js';

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
const BUILTIN_INTS: Record<string, number> = {VM_FAULT_SIGBUS: 2, VM_FAULT_SIGSEGV: 0x40, EFAULT: -14, ENXIO: -6, PAGE_SIZE: 4096, HPAGE_PMD_NR: 512};
const PTE_FIELDS = new Set(['pfn', 'present', 'write', 'special', 'devmap', 'huge', 'leaf']);

type Compiled = {ev: Eval; pure: boolean; constant?: Value; text: string};

class Compiler {
	readonly params: Record<string, ParamValue> = {};
	readonly consts = new Map<string, Value>();
	readonly pgmapNames = new Set<string>();
	readonly machineItems: {name: string; args: Value[]; pos: Pos}[] = [];

	constructor(
		readonly ast: Scenario,
		readonly file: string,
		readonly source: string,
	) {}

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
		if (name in BUILTIN_INTS) return BUILTIN_INTS[name]!;
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
		];
	}

	// ---- expressions ----

	expr(e: Expr, scope: {locals: Set<string> | null; inAtomic: boolean; replica: number}): Compiled {
		const text = exprText(e);
		switch (e.kind) {
			case 'int':
			case 'bool':
			case 'null': {
				const v: Value = e.kind === 'null' ? null : e.value;
				return {ev: () => v, pure: true, constant: v, text};
			}
			case 'name': {
				if (scope.locals?.has(e.name)) {
					const n = e.name;
					return {ev: env => env.locals[n] ?? null, pure: true, text};
				}
				if (e.name === 'REPLICA') return {ev: () => scope.replica, pure: true, constant: scope.replica, text};
				const c = this.constName(e.name);
				if (c !== undefined) return {ev: () => c, pure: true, constant: c, text};
				const where = scope.locals === null ? 'here (invariants and set-up see params, consts and pgmaps only)' : '';
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
		}
	}

	call(e: Extract<Expr, {kind: 'call'}>, scope: {locals: Set<string> | null; inAtomic: boolean; replica: number}, statementLevel: boolean): Compiled {
		const prim = lookupPrimitive(e.callee);
		if (!prim) {
			if (SETUP_BY_NAME.has(e.callee)) this.fail(e.pos, `'${e.callee}' is a machine set-up call; use it inside machine { }`);
			this.fail(e.pos, `unknown primitive '${e.callee}'${suggestion(e.callee, PRIMITIVES.keys())}`);
		}
		checkArity(this, prim, e);
		if ((prim.blocks || prim.guard) && !statementLevel) {
			this.fail(e.pos, `${prim.name} can block; call it as a statement of its own (x = ${prim.name}(...); or ${prim.name}(...);)`);
		}
		if ((prim.blocks || prim.guard) && scope.inAtomic) this.fail(e.pos, `${prim.name} can block and cannot be used inside atomic { }`);
		const args = e.args.map(a => this.expr(a, scope));
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
				const value = this.expr(s.value, {locals: null, inAtomic: false, replica: 0});
				if (value.constant === undefined) this.fail(s.pos, 'a variant setting must be a constant');
				checkParam(decl, value.constant, msg => this.fail(s.pos, msg));
			}
		}
	}

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
				const value = this.expr(s.value, {locals: null, inAtomic: false, replica: 0});
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
		}
		return {variantName, expects};
	}

	evalConsts(): void {
		for (const c of this.ast.consts) {
			const v = this.expr(c.value, {locals: null, inAtomic: false, replica: 0});
			if (v.constant === undefined) this.fail(c.pos, `const ${c.name} must be computable from params and numbers`);
			this.consts.set(c.name, v.constant);
		}
	}

	collectMachine(items: MachineItem[]): void {
		for (const item of items) {
			if (item.kind === 'if') {
				const c = this.expr(item.cond, {locals: null, inAtomic: false, replica: 0});
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
				const v = this.expr(a, {locals: null, inAtomic: false, replica: 0});
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

	cpu(decl: CpuDecl, id: number, replica: number): CpuProgram {
		const locals = new Set<string>();
		collectLocals(decl.body, locals);
		for (const name of locals) {
			if (this.constName(name) === undefined) continue;
			const choiceOf = this.ast.params.find(p => p.choices?.includes(name));
			const what = choiceOf ? `the value '${name}' of param ${choiceOf.name}` : `a param, const or built-in name`;
			this.fail(decl.pos, `local '${name}' in cpu ${decl.id} shadows ${what}; rename one of them`);
		}
		const lowering = new Lowering(this, {locals, inAtomic: false, replica});
		lowering.block(decl.body);
		const instrs = lowering.finish(decl);
		const label = replica > 0 ? `${decl.label} #${replica + 1}` : decl.label;
		return {id, label, instrs, endLine: decl.endLine, locals: [...locals]};
	}
}

// ---- lowering statements to instructions ----

type Raw = Instr & {jump?: boolean; gotoLabel?: string; gotoPos?: Pos};

class Lowering {
	readonly out: Raw[] = [];
	readonly labels = new Map<string, number>();
	progressNext = false;

	constructor(
		readonly c: Compiler,
		readonly scope: {locals: Set<string>; inAtomic: boolean; replica: number},
	) {}

	emit(i: Omit<Raw, 'progress'>): number {
		this.out.push({...i, progress: this.progressNext});
		this.progressNext = false;
		return this.out.length - 1;
	}

	jump(pos: Pos, to?: number): number {
		return this.emit({kind: 'stmt', line: pos.line, col: pos.col, next: to ?? -2, local: true, jump: true});
	}

	block(stmts: Stmt[]): void {
		for (const s of stmts) this.stmt(s);
	}

	stmt(s: Stmt): void {
		const at = {line: s.pos.line, col: s.pos.col};
		switch (s.kind) {
			case 'empty':
				return;
			case 'block':
				this.block(s.body);
				return;
			case 'label':
				if (this.labels.has(s.name)) this.c.fail(s.pos, `duplicate label '${s.name}'`);
				this.labels.set(s.name, this.out.length);
				if (s.name.startsWith('progress')) this.progressNext = true;
				return;
			case 'goto':
				this.out.push({kind: 'stmt', ...at, next: -2, local: true, jump: true, gotoLabel: s.label, gotoPos: s.pos, progress: this.progressNext});
				this.progressNext = false;
				return;
			case 'return':
				this.emit({kind: 'return', ...at, next: -1, local: true});
				return;
			case 'assign': {
				const value = this.rhs(s.value);
				const target = s.target;
				if (value.blocking) {
					this.emit({kind: 'stmt', ...at, blocking: {...value.blocking, target}, next: this.out.length + 1, local: false});
					return;
				}
				const ev = value.compiled!.ev;
				this.emit({kind: 'stmt', ...at, exec: env => void (env.locals[target] = ev(env)), next: this.out.length + 1, local: value.compiled!.pure});
				return;
			}
			case 'expr': {
				const value = this.rhs(s.expr);
				if (value.blocking) {
					this.emit({kind: 'stmt', ...at, blocking: {...value.blocking, target: null}, next: this.out.length + 1, local: false});
					return;
				}
				const ev = value.compiled!.ev;
				this.emit({kind: 'stmt', ...at, exec: env => void ev(env), next: this.out.length + 1, local: value.compiled!.pure});
				return;
			}
			case 'assert': {
				const cond = this.c.expr(s.cond, this.scope);
				this.emit({kind: 'assert', ...at, cond: cond.ev, condText: cond.text, message: s.message, next: this.out.length + 1, local: false});
				return;
			}
			case 'await': {
				if (this.scope.inAtomic) this.c.fail(s.pos, 'await inside atomic { } may only be its first statement (the guard of the block)');
				const cond = this.c.expr(s.cond, this.scope);
				this.emit({kind: 'await', ...at, cond: cond.ev, condText: cond.text, next: this.out.length + 1, local: false});
				return;
			}
			case 'atomic': {
				if (this.scope.inAtomic) this.c.fail(s.pos, 'atomic { } blocks do not nest');
				let body = s.body.filter(b => b.kind !== 'empty');
				let guard: Compiled | undefined;
				if (body[0]?.kind === 'await') {
					guard = this.c.expr(body[0].cond, this.scope);
					body = body.slice(1);
				}
				const inner = new Lowering(this.c, {...this.scope, inAtomic: true});
				inner.block(body);
				const instrs = inner.finish(null);
				this.emit({
					kind: 'atomic',
					...at,
					body: instrs,
					cond: guard?.ev,
					condText: guard?.text,
					next: this.out.length + 1,
					local: !guard && instrs.every(i => i.local && i.kind !== 'return'),
				});
				return;
			}
			case 'if': {
				const cond = this.c.expr(s.cond, this.scope);
				if (cond.constant !== undefined) {
					if (truthy(cond.constant)) this.stmt(s.then);
					else if (s.else) this.stmt(s.else);
					return;
				}
				// `if (c) goto L;` is one step: a branch straight to L.
				if (s.then.kind === 'goto' && !s.else) {
					this.out.push({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: -2, alt: this.out.length + 1, local: cond.pure, gotoLabel: s.then.label, gotoPos: s.then.pos, progress: this.progressNext});
					this.progressNext = false;
					return;
				}
				const br = this.emit({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: this.out.length + 1, alt: -2, local: cond.pure});
				this.stmt(s.then);
				if (s.else) {
					const skip = this.jump(s.pos);
					this.out[br]!.alt = this.out.length;
					this.stmt(s.else);
					this.out[skip]!.next = this.out.length;
				} else {
					this.out[br]!.alt = this.out.length;
				}
				return;
			}
			case 'while': {
				const cond = this.c.expr(s.cond, this.scope);
				if (cond.constant !== undefined && !truthy(cond.constant)) return;
				const head = this.out.length;
				if (cond.constant !== undefined) {
					this.stmt(s.body);
					this.jump(s.pos, head);
					return;
				}
				const br = this.emit({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: this.out.length + 1, alt: -2, local: cond.pure});
				this.stmt(s.body);
				this.jump(s.pos, head);
				this.out[br]!.alt = this.out.length;
				return;
			}
		}
	}

	/** The right-hand side of a statement: a blocking call, or any expression. */
	rhs(e: Expr): {blocking?: {prim: Primitive; args: Eval[]}; compiled?: Compiled} {
		if (e.kind === 'call') {
			const prim = lookupPrimitive(e.callee);
			if (prim && (prim.blocks || prim.guard)) {
				this.c.call(e, this.scope, true);
				return {blocking: {prim, args: e.args.map(a => this.c.expr(a, this.scope).ev)}};
			}
			return {compiled: this.c.call(e, this.scope, true)};
		}
		return {compiled: this.c.expr(e, this.scope)};
	}

	/** Resolve gotos, fold jumps away, and renumber. */
	finish(decl: CpuDecl | null): Instr[] {
		const end = this.out.length;
		for (const i of this.out) {
			if (i.gotoLabel !== undefined) {
				const target = this.labels.get(i.gotoLabel);
				if (target === undefined) {
					const known = [...this.labels.keys()];
					this.c.fail(i.gotoPos!, `goto to unknown label '${i.gotoLabel}'${suggestion(i.gotoLabel, known)}${decl ? '' : ' (a goto cannot leave an atomic block)'}`);
				}
				i.next = target;
			}
		}
		// A jump is folded into the statement before it, unless it carries a
		// progress label (passing it must stay a step) or loops to itself.
		const foldable = (i: Raw): boolean => Boolean(i.jump) && !i.progress;
		const resolve = (to: number): number => {
			const seen = new Set<number>();
			while (to >= 0 && to < end && foldable(this.out[to]!)) {
				if (seen.has(to)) return to; // an empty infinite loop: leave the jump as a step
				seen.add(to);
				to = this.out[to]!.next;
			}
			return to >= end ? -1 : to;
		};
		const keep: number[] = [];
		const newIndex = new Map<number, number>();
		this.out.forEach((i, idx) => {
			if (!foldable(i) || resolve(idx) === idx) {
				newIndex.set(idx, keep.length);
				keep.push(idx);
			}
		});
		const map = (to: number): number => {
			const r = resolve(to);
			return r < 0 ? -1 : newIndex.get(r)!;
		};
		return keep.map(idx => {
			const {jump, gotoLabel: _g, gotoPos: _p, ...rest} = this.out[idx]!;
			const instr: Instr = {...rest, next: rest.kind === 'return' ? -1 : map(rest.next)};
			if (jump) instr.exec = () => {}; // a kept jump is a step that only moves the cursor
			if (rest.alt !== undefined) instr.alt = map(rest.alt);
			return instr;
		});
	}
}

// ---- helpers ----

function fold(c: Compiled, allConstant: boolean): Compiled {
	if (!allConstant || !c.pure) return c;
	try {
		const v = c.ev({ctx: null as unknown as Ctx, locals: {}});
		return {...c, ev: () => v, constant: v};
	} catch {
		return c;
	}
}

function checkArity(c: Compiler, prim: Primitive, e: Extract<Expr, {kind: 'call'}>): void {
	const min = prim.args.filter(a => !a.optional).length;
	const max = prim.args.length;
	if (e.args.length < min || e.args.length > max) {
		const sig = prim.args.map(a => (a.optional ? `[${a.name}]` : a.name)).join(', ');
		const want = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
		c.fail(e.pos, `${prim.name}(${sig}) takes ${want}, got ${e.args.length}`);
	}
}

function collectLocals(stmts: Stmt[], out: Set<string>): void {
	for (const s of stmts) {
		if (s.kind === 'assign') out.add(s.target);
		else if (s.kind === 'if') {
			collectLocals([s.then], out);
			if (s.else) collectLocals([s.else], out);
		} else if (s.kind === 'while') collectLocals([s.body], out);
		else if (s.kind === 'block' || s.kind === 'atomic') collectLocals(s.body, out);
	}
}

const asInt = (v: Value, op: string): number => {
	if (typeof v === 'number') return v;
	if (typeof v === 'boolean') return v ? 1 : 0;
	throw new Oops(`operator ${op} needs integers, got ${typeName(v)} ${formatValue(v)}`);
};

function unaryOp(op: '!' | '-' | '~'): (v: Value) => Value {
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

function binaryOp(op: string): (a: Value, b: Value) => Value {
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
			return big((x, y) => (y > 64n ? x << 64n : x << y));
		case '>>':
			return big((x, y) => x >> y);
	}
	throw new Error(`unknown operator ${op}`);
}

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
			return e.op + exprText(e.arg);
		case 'binary':
			return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
		case 'call':
			return `${e.callee}(${e.args.map(exprText).join(', ')})`;
		case 'field':
			return `${exprText(e.object)}.${e.field}`;
	}
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
		if (raw === 'true' || raw === '1' || raw === 'on') return true;
		if (raw === 'false' || raw === '0' || raw === 'off') return false;
		throw new ParamError(`${at}: ${decl.name} is a boolean; use true or false`);
	}
	if (typeof decl.value === 'number') {
		if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(raw)) throw new ParamError(`${at}: ${decl.name} is an integer`);
		const n = Number(raw);
		if (!Number.isSafeInteger(n)) throw new ParamError(`${at}: number too large`);
		if (decl.range && (n < decl.range[0] || n > decl.range[1])) throw new ParamError(`${at}: ${decl.name} must be in ${decl.range[0]}..${decl.range[1]}`);
		return n;
	}
	if (!decl.choices!.includes(raw)) throw new ParamError(`${at}: ${decl.name} is one of ${decl.choices!.join(' | ')}${suggestion(raw, decl.choices!)}`);
	return raw;
}

/** A variant's expects replace the base's for the same kind; `expect safe` replaces all. */
export function mergeExpects(base: Expect[], over: Expect[]): Expect[] {
	if (over.some(e => e.form === 'safe')) return over;
	const kinds = new Set(over.map(e => e.violation));
	return [...base.filter(e => e.form !== 'safe' && !kinds.has(e.violation)), ...over];
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
	for (const d of decls) cpus.push(c.cpu(d, d.id, 0));
	const replicaOf = new Map<number, number>();
	for (const d of decls) {
		const n = replicaCount(c, d);
		for (let r = 1; r < n; r++) {
			replicaOf.set(cpus.length, d.id);
			cpus.push(c.cpu(d, cpus.length, r));
		}
	}
	if (cpus.length > 10) c.fail(decls[0]!.pos, `at most 10 CPUs (0-9), this scenario has ${cpus.length}`);
	const initial = c.buildMachine(cpus.length, replicaOf);
	const invariants = ast.invariants.map(inv => {
		const ev = c.expr(inv.expr, {locals: null, inAtomic: false, replica: 0}).ev;
		return {name: inv.name, line: inv.pos.line, check: (ctx: Ctx) => truthy(ev({ctx, locals: {}}))};
	});
	return {
		file: opts.file,
		source: opts.source,
		scenario: ast,
		params: {...c.params},
		variant: variantName,
		expects,
		cpus,
		invariants,
		initial,
	};
}

function replicaCount(c: Compiler, d: CpuDecl): number {
	const r = d.replicas;
	if (!r) return 1;
	const v = c.expr(r, {locals: null, inAtomic: false, replica: 0});
	if (typeof v.constant !== 'number' || v.constant < 1) c.fail(r.pos, 'the replica count must be a positive integer from params or consts');
	return v.constant;
}
