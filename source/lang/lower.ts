// Lowering: statements to per-CPU instruction lists. Control flow becomes
// branch instructions and jumps, and jumps are folded into the statement
// before them (a jump costs no step). Helper functions are inlined at each
// call site: binding the arguments is a step at the call, each statement of
// the body is a step at its own line (with the call site in `via`), and the
// return is a step that hands the value back and forgets the helper's locals.

import {writeGlobal} from '../machine/primitives/shared.js';
import type {Primitive} from '../machine/primitives/index.js';
import type {Value} from '../machine/types.js';
import {truthy} from '../machine/values.js';
import type {CpuDecl, Expr, FunctionDecl, GlobalDecl, Pos, Stmt} from './ast.js';
import {returnsNothing} from './calls.js';
import type {Compiler, Scope} from './compiler.js';
import {suggestion} from './diagnostics.js';
import {type Compiled, exprText} from './operators.js';
import type {Env, Eval, Instr} from './program.js';

type Raw = Instr & {jump?: boolean; gotoLabel?: string; gotoShown?: string; gotoPos?: Pos};

type Loop = {breaks: number[]; continues: number[]};

/** The helper being inlined: where its return goes and which locals it forgets. */
type Return = {fn: FunctionDecl; target: string | null; locals: string[]; jumps: number[]};

const isCall = (e: Expr): e is Extract<Expr, {kind: 'call'}> => e.kind === 'call';

export class Lowering {
	readonly out: Raw[] = [];
	readonly labels = new Map<string, number>();
	progressNext = false;
	private loops: Loop[] = [];
	private ret: Return | null = null;
	private instances = 0;
	private temps = 0;
	/** Hoisted helper results the next instruction consumes (and forgets). */
	private pendingTemps: string[] = [];
	/** Runtime names of every helper local, for display. */
	readonly helperLocals = new Set<string>();

	constructor(
		readonly c: Compiler,
		public scope: Scope,
	) {}

	emit(i: Omit<Raw, 'progress'>): number {
		const instr: Raw = {...i, progress: this.progressNext};
		if (this.scope.via.length > 0) instr.via = this.scope.via;
		if (this.pendingTemps.length > 0) this.consumeTemps(instr);
		this.out.push(instr);
		this.progressNext = false;
		return this.out.length - 1;
	}

	/** The instruction that reads hoisted helper results deletes them after (they are dead from then on). */
	private consumeTemps(instr: Raw): void {
		const temps = this.pendingTemps;
		this.pendingTemps = [];
		const forget = (env: Env): void => {
			for (const t of temps) delete env.locals[t];
		};
		if (instr.exec) {
			const exec = instr.exec;
			instr.exec = env => {
				exec(env);
				forget(env);
			};
		} else if (instr.cond && instr.kind === 'branch') {
			const cond = instr.cond;
			instr.cond = env => {
				const v = cond(env);
				forget(env);
				return v;
			};
		}
	}

	jump(pos: Pos, to?: number): number {
		return this.emit({kind: 'stmt', line: pos.line, col: pos.col, next: to ?? -2, local: true, jump: true});
	}

	block(stmts: Stmt[]): void {
		for (const s of stmts) this.stmt(s);
	}

	private label(name: string): string {
		return this.scope.labelPrefix + name;
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
				if (this.labels.has(this.label(s.name))) this.c.fail(s.pos, `duplicate label '${s.name}'`);
				this.labels.set(this.label(s.name), this.out.length);
				if (s.name.startsWith('progress')) this.progressNext = true;
				return;
			case 'goto':
				this.out.push({kind: 'stmt', ...at, next: -2, local: true, jump: true, gotoLabel: this.label(s.label), gotoShown: s.label, gotoPos: s.pos, progress: this.progressNext, ...(this.scope.via.length ? {via: this.scope.via} : {})});
				this.progressNext = false;
				return;
			case 'return':
				this.returnStmt(s);
				return;
			case 'break':
			case 'continue': {
				const loop = this.loops[this.loops.length - 1];
				if (!loop) this.c.fail(s.pos, `'${s.kind}' outside a loop${this.ret ? ` (in helper ${this.ret.fn.name})` : ''}`);
				(s.kind === 'break' ? loop.breaks : loop.continues).push(this.jump(s.pos));
				return;
			}
			case 'assign':
				this.assign(s);
				return;
			case 'expr': {
				const e = this.hoist(s.expr, true);
				if (e === null) return;
				const value = this.rhs(e);
				if (value.blocking) {
					this.emit({kind: 'stmt', ...at, blocking: {...value.blocking, target: null}, next: this.out.length + 1, local: false});
					return;
				}
				const ev = value.compiled!.ev;
				this.emit({kind: 'stmt', ...at, exec: env => void ev(env), next: this.out.length + 1, local: value.compiled!.pure});
				return;
			}
			case 'assert': {
				const cond = this.c.expr(this.hoist(s.cond, false)!, this.scope);
				this.emit({kind: 'assert', ...at, cond: cond.ev, condText: cond.text, message: s.message, next: this.out.length + 1, local: false});
				return;
			}
			case 'await': {
				if (this.scope.inAtomic) this.c.fail(s.pos, 'await inside atomic { } may only be its first statement (the guard of the block)');
				this.noHelperCalls(s.cond, 'an await condition (it is re-evaluated while the CPU waits)');
				const cond = this.c.expr(s.cond, {...this.scope, lookedAt: 'an await condition'});
				this.emit({kind: 'await', ...at, cond: cond.ev, condText: cond.text, peekPure: cond.pure, next: this.out.length + 1, local: false});
				return;
			}
			case 'atomic':
				this.atomic(s);
				return;
			case 'if':
				this.ifStmt(s);
				return;
			case 'while':
				this.loop(s.pos, s.cond, s.body, undefined);
				return;
			case 'do':
				this.doLoop(s);
				return;
			case 'for':
				if (s.init) this.stmt(s.init);
				this.loop(s.pos, s.cond, s.body, s.step);
				return;
		}
	}

	private assign(s: Extract<Stmt, {kind: 'assign'}>): void {
		const at = {line: s.pos.line, col: s.pos.col};
		if (s.index) {
			this.elementAssign(s, s.index);
			return;
		}
		if (isCall(s.value) && returnsNothing(s.value.callee)) this.c.fail(s.value.pos, `${s.value.callee}() returns nothing: write it as a statement of its own (${s.value.callee}(...);)`);
		const global = this.c.globals.get(s.target);
		if (global && !this.scope.locals?.has(s.target)) {
			if (this.c.lengthOf(global) !== undefined) this.c.fail(s.pos, `'${s.target}' is an array: assign an element, ${s.target}[i] = ...`);
			this.writable(global, s.target, s.pos);
		}
		const isGlobal = global !== undefined;
		const target = isGlobal ? s.target : this.scope.prefix + s.target;
		if (isCall(s.value) && this.c.functions.has(s.value.callee)) {
			if (isGlobal) this.sharedValue(s, s.target);
			this.inline(s.value, target);
			return;
		}
		const value = this.rhs(this.hoist(s.value, false)!);
		if (value.blocking) {
			if (isGlobal) this.sharedValue(s, s.target, value.blocking.prim.name);
			this.emit({kind: 'stmt', ...at, blocking: {...value.blocking, target}, next: this.out.length + 1, local: false});
			return;
		}
		const ev = value.compiled!.ev;
		if (isGlobal) {
			this.emit({kind: 'stmt', ...at, exec: env => writeGlobal(env.ctx, target, ev(env)), next: this.out.length + 1, local: false});
			return;
		}
		this.emit({kind: 'stmt', ...at, exec: env => void (env.locals[target] = ev(env)), next: this.out.length + 1, local: value.compiled!.pure});
	}

	/** `a[i] = v;`: a write of the element the index selects when the step runs. */
	private elementAssign(s: Extract<Stmt, {kind: 'assign'}>, index: Expr): void {
		const at = {line: s.pos.line, col: s.pos.col};
		const g = this.c.arrayDecl(s.target, s.pos, this.scope);
		const shown = `${s.target}[${exprText(index)}]`;
		this.writable(g, shown, s.pos);
		if (isCall(s.value) && this.c.functions.has(s.value.callee)) this.sharedValue(s, shown);
		const slot = this.c.element(g, {kind: 'index', array: s.target, index, pos: s.pos}, this.scope);
		const value = this.rhs(this.hoist(s.value, false)!);
		if (value.blocking) this.sharedValue(s, shown, value.blocking.prim.name);
		const ev = value.compiled!.ev;
		this.emit({kind: 'stmt', ...at, exec: env => writeGlobal(env.ctx, slot.at(env), ev(env)), next: this.out.length + 1, local: false});
	}

	/** A shared variable (or element, `shown`) a plain assignment may write: not a lock, not an atomic_t. */
	private writable(g: GlobalDecl, shown: string, pos: Pos): void {
		if (g.kind === 'spinlock' || g.kind === 'mutex' || g.kind === 'rwsem') this.c.fail(pos, `'${shown}' is a lock (${g.type}); take it with a lock call, do not assign it`);
		if (g.kind === 'atomic') this.c.fail(pos, `'${shown}' is an ${g.type}: write it with atomic_set(&${shown}, v)`);
	}

	/** A helper's result or a blocking call's is stored in a local first: only a local can receive it across steps. */
	private sharedValue(s: Extract<Stmt, {kind: 'assign'}>, shown: string, blocking?: string): never {
		if (blocking) this.c.fail(s.pos, `store the result of ${blocking}() in a local first: it can block, and only a local can wait for it`);
		const callee = (s.value as Extract<Expr, {kind: 'call'}>).callee;
		this.c.fail(s.pos, `store the result of ${callee}() in a local first (r = ${callee}(...); ${shown} = r;)`);
	}

	private returnStmt(s: Extract<Stmt, {kind: 'return'}>): void {
		const at = {line: s.pos.line, col: s.pos.col};
		const ret = this.ret;
		if (!ret) {
			// In a cpu block the CPU finishes; a value (`return -EFAULT;`) is only documentation.
			if (s.value) this.c.expr(s.value, this.scope);
			this.emit({kind: 'return', ...at, next: -1, local: true});
			return;
		}
		if (s.value && !ret.fn.returnsValue) this.c.fail(s.pos, `${ret.fn.name}() is declared void; return without a value`);
		const value = s.value ? this.c.expr(this.hoist(s.value, false)!, this.scope) : undefined;
		const i = this.emit({kind: 'stmt', ...at, exec: this.returner(ret, value), next: -2, local: value?.pure ?? true});
		ret.jumps.push(i);
	}

	/** The return step: evaluate the value, forget the helper's locals, give the value to the call site. */
	private returner(ret: Return, value: Compiled | undefined): (env: Env) => void {
		const {target, locals} = ret;
		const ev = value?.ev;
		return env => {
			const v: Value = ev ? ev(env) : null;
			for (const l of locals) delete env.locals[l];
			if (target !== null) {
				if (this.c.globals.has(target)) writeGlobal(env.ctx, target, v);
				else env.locals[target] = v;
			}
		};
	}

	private atomic(s: Extract<Stmt, {kind: 'atomic'}>): void {
		if (this.scope.inAtomic) this.c.fail(s.pos, 'atomic { } blocks do not nest');
		let body = s.body.filter(b => b.kind !== 'empty');
		let guard: Compiled | undefined;
		if (body[0]?.kind === 'await') {
			this.noHelperCalls(body[0].cond, 'the guard of an atomic block');
			guard = this.c.expr(body[0].cond, {...this.scope, lookedAt: 'the guard of an atomic block'});
			body = body.slice(1);
		}
		const inner = new Lowering(this.c, {...this.scope, inAtomic: true});
		inner.ret = this.ret && {...this.ret, jumps: []};
		inner.block(body);
		if (inner.ret && inner.ret.jumps.length > 0) this.c.fail(s.pos, `a return inside atomic { } of helper ${inner.ret.fn.name} cannot leave the block; set a local and return after it`);
		for (const l of inner.helperLocals) this.helperLocals.add(l);
		const instrs = inner.finish(null);
		this.emit({
			kind: 'atomic',
			line: s.pos.line,
			col: s.pos.col,
			body: instrs,
			cond: guard?.ev,
			condText: guard?.text,
			peekPure: guard?.pure ?? true,
			next: this.out.length + 1,
			local: !guard && instrs.every(i => i.local && i.kind !== 'return'),
		});
	}

	private ifStmt(s: Extract<Stmt, {kind: 'if'}>): void {
		const at = {line: s.pos.line, col: s.pos.col};
		const cond = this.c.expr(this.hoist(s.cond, false)!, this.scope);
		if (cond.constant !== undefined) {
			if (truthy(cond.constant)) this.stmt(s.then);
			else if (s.else) this.stmt(s.else);
			return;
		}
		// `if (c) goto L;` is one step: a branch straight to L.
		if (s.then.kind === 'goto' && !s.else) {
			const br = this.emit({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: -2, alt: this.out.length + 1, local: cond.pure});
			Object.assign(this.out[br]!, {gotoLabel: this.label(s.then.label), gotoShown: s.then.label, gotoPos: s.then.pos});
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
	}

	/** `while (cond) body` and `for (; cond; step) body`: `continue` goes to the step. */
	private loop(pos: Pos, condExpr: Expr | undefined, body: Stmt, step: Stmt | undefined): void {
		const at = {line: pos.line, col: pos.col};
		const head = this.out.length;
		const cond = condExpr ? this.c.expr(this.hoist(condExpr, false)!, this.scope) : undefined;
		if (cond?.constant !== undefined && !truthy(cond.constant)) return;
		const loop: Loop = {breaks: [], continues: []};
		this.loops.push(loop);
		const br = cond && cond.constant === undefined ? this.emit({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: this.out.length + 1, alt: -2, local: cond.pure}) : -1;
		this.stmt(body);
		this.loops.pop();
		const stepAt = this.out.length;
		if (step) this.stmt(step);
		this.jump(pos, head);
		const end = this.out.length;
		if (br >= 0) this.out[br]!.alt = end;
		for (const b of loop.breaks) this.out[b]!.next = end;
		for (const c of loop.continues) this.out[c]!.next = stepAt;
	}

	/** `do body while (cond);`: the test is a step at the `while`, branching back to the body; `continue` goes to the test. */
	private doLoop(s: Extract<Stmt, {kind: 'do'}>): void {
		const at = {line: s.whilePos.line, col: s.whilePos.col};
		const head = this.out.length;
		const loop: Loop = {breaks: [], continues: []};
		this.loops.push(loop);
		this.stmt(s.body);
		this.loops.pop();
		const testAt = this.out.length;
		const cond = this.c.expr(this.hoist(s.cond, false)!, this.scope);
		const br = cond.constant === undefined ? this.emit({kind: 'branch', ...at, cond: cond.ev, condText: cond.text, next: head, alt: -2, local: cond.pure}) : -1;
		if (cond.constant !== undefined && truthy(cond.constant)) this.jump(s.whilePos, head);
		const end = this.out.length;
		if (br >= 0) this.out[br]!.alt = end;
		for (const b of loop.breaks) this.out[b]!.next = end;
		for (const c of loop.continues) this.out[c]!.next = testAt;
	}

	/** The right-hand side of a statement: a blocking call, or any expression. */
	rhs(e: Expr): {blocking?: {prim: Primitive; args: Eval[]; pure: boolean}; compiled?: Compiled} {
		if (e.kind === 'call') {
			const prim = this.c.primitive(e);
			if (prim && (prim.blocks || prim.guard)) {
				this.c.call(e, this.scope, true);
				const args = this.c.primArgs(prim, e, this.scope);
				return {blocking: {prim, args: args.map(a => a.ev), pure: args.every(a => a.pure)}};
			}
			return {compiled: this.c.call(e, this.scope, true)};
		}
		return {compiled: this.c.expr(e, this.scope)};
	}

	// ---- helper functions ----

	/**
	 * Helper calls inside an expression run first, each into a temporary the
	 * statement then reads. A lone call statement is inlined directly (null).
	 */
	private hoist(e: Expr, statement: boolean): Expr | null {
		if (statement && isCall(e) && this.c.functions.has(e.callee)) {
			this.inline(e, null);
			return null;
		}
		return this.hoistIn(e);
	}

	private hoistIn(e: Expr): Expr {
		switch (e.kind) {
			case 'call': {
				const args = e.args.map(a => this.hoistIn(a));
				if (!this.c.functions.has(e.callee)) return {...e, args};
				const temp = `${this.scope.prefix}${e.callee}()${this.temps++ || ''}`;
				this.inline({...e, args}, temp);
				this.pendingTemps.push(temp);
				return {kind: 'name', name: temp, pos: e.pos};
			}
			case 'unary':
				return {...e, arg: this.hoistIn(e.arg)};
			case 'field':
				return {...e, object: this.hoistIn(e.object)};
			case 'binary':
				if (e.op === '&&' || e.op === '||') {
					this.noHelperCalls(e.right, `the right side of '${e.op}' (it may not run)`);
					return {...e, left: this.hoistIn(e.left)};
				}
				return {...e, left: this.hoistIn(e.left), right: this.hoistIn(e.right)};
			case 'cond':
				this.noHelperCalls(e.then, "a branch of '?:' (it may not run)");
				this.noHelperCalls(e.else, "a branch of '?:' (it may not run)");
				return {...e, cond: this.hoistIn(e.cond)};
			default:
				return e;
		}
	}

	private noHelperCalls(e: Expr, where: string): void {
		const call = findHelperCall(e, this.c.functions);
		if (call) this.c.fail(call.pos, `${call.callee}() is a helper and cannot be called in ${where}; call it first: r = ${call.callee}(...);`);
	}

	/** Inline a helper call; its value goes to `target` (a runtime local name) or nowhere. */
	private inline(call: Extract<Expr, {kind: 'call'}>, target: string | null): void {
		const fn = this.c.functions.get(call.callee)!;
		const stack = this.scope.fnStack;
		if (stack.includes(fn.name)) {
			this.c.fail(call.pos, `recursive call ${[...stack.slice(stack.indexOf(fn.name)), fn.name].map(n => n + '()').join(' -> ')}: helpers are inlined at each call and may not recurse`);
		}
		if (call.args.length !== fn.params.length) {
			this.c.fail(call.pos, `${fn.name}(${fn.params.join(', ')}) takes ${fn.params.length} argument${fn.params.length === 1 ? '' : 's'}, got ${call.args.length}`);
		}
		if (target !== null && !fn.returnsValue) this.c.fail(call.pos, `${fn.name}() is declared void and returns no value`);
		const prefix = `${fn.name}.`;
		const locals = this.c.helperLocals(fn);
		const runtime = [...locals].map(l => prefix + l);
		for (const l of runtime) this.helperLocals.add(l);
		if (fn.params.length > 0) {
			// Binding the arguments is the call's own step, at the call site.
			const args = call.args.map(a => this.c.expr(a, this.scope));
			const names = fn.params.map(p => prefix + p);
			this.emit({
				kind: 'stmt',
				line: call.pos.line,
				col: call.pos.col,
				exec: env => {
					const vals = args.map(a => a.ev(env));
					names.forEach((n, i) => (env.locals[n] = vals[i]!));
				},
				next: this.out.length + 1,
				local: args.every(a => a.pure),
				text: `call ${exprText(call)}`,
			});
		}
		const saved = {scope: this.scope, loops: this.loops, ret: this.ret, pending: this.pendingTemps};
		this.scope = {
			...this.scope,
			locals,
			prefix,
			via: [...this.scope.via, {fn: fn.name, line: call.pos.line}],
			fnStack: [...stack, fn.name],
			labelPrefix: `${fn.name}#${this.instances++}:`,
		};
		this.loops = [];
		this.pendingTemps = [];
		const ret: Return = {fn, target, locals: runtime, jumps: []};
		this.ret = ret;
		this.block(fn.body);
		// Falling off the end of the body returns at the closing brace.
		this.emit({kind: 'stmt', line: fn.endLine, col: 1, exec: this.returner(ret, undefined), next: this.out.length + 1, local: true});
		for (const j of ret.jumps) this.out[j]!.next = this.out.length;
		this.scope = saved.scope;
		this.loops = saved.loops;
		this.ret = saved.ret;
		this.pendingTemps = saved.pending;
	}

	/** Resolve gotos, fold jumps away, and renumber. */
	finish(decl: CpuDecl | null): Instr[] {
		const end = this.out.length;
		for (const i of this.out) {
			if (i.gotoLabel !== undefined) {
				const target = this.labels.get(i.gotoLabel);
				if (target === undefined) {
					const prefix = i.gotoLabel.slice(0, i.gotoLabel.length - i.gotoShown!.length);
					const known = [...this.labels.keys()].filter(k => k.startsWith(prefix) && !k.slice(prefix.length).includes(':')).map(k => k.slice(prefix.length));
					const where = decl ? (prefix ? ' (a goto cannot leave its helper function)' : '') : ' (a goto cannot leave an atomic block)';
					this.c.fail(i.gotoPos!, `goto to unknown label '${i.gotoShown}'${suggestion(i.gotoShown!, known)}${where}`);
				}
				i.next = target;
			}
		}
		// A jump is folded into the statement before it, unless it carries a
		// progress label (passing it must stay a step) or loops to itself.
		// The first instruction is where the CPU starts (pc 0): it is never folded away.
		const foldable = (i: Raw): boolean => Boolean(i.jump) && !i.progress && i !== this.out[0];
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
			const {jump, gotoLabel: _g, gotoShown: _s, gotoPos: _p, ...rest} = this.out[idx]!;
			const instr: Instr = {...rest, next: rest.kind === 'return' ? -1 : map(rest.next)};
			if (jump) instr.exec = () => {}; // a kept jump is a step that only moves the cursor
			if (rest.alt !== undefined) instr.alt = map(rest.alt);
			return instr;
		});
	}
}

function findHelperCall(e: Expr, functions: ReadonlyMap<string, FunctionDecl>): Extract<Expr, {kind: 'call'}> | undefined {
	switch (e.kind) {
		case 'call':
			return functions.has(e.callee) ? e : e.args.map(a => findHelperCall(a, functions)).find(Boolean);
		case 'unary':
		case 'addr':
			return findHelperCall(e.arg, functions);
		case 'field':
			return findHelperCall(e.object, functions);
		case 'binary':
			return findHelperCall(e.left, functions) ?? findHelperCall(e.right, functions);
		case 'cond':
			return findHelperCall(e.cond, functions) ?? findHelperCall(e.then, functions) ?? findHelperCall(e.else, functions);
		default:
			return undefined;
	}
}
