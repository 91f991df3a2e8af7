// Helper functions are inlined at each call site: binding the arguments is
// a step at the call, each statement of the body is a step at its own line
// (with the call site in `via`), and the return is a step that hands the
// value back and forgets the helper's locals. A helper call inside an
// expression runs first, into a temporary the statement then reads.

import {writeGlobal} from '../machine/primitives/shared.js';
import type {Value} from '../machine/types.js';
import type {Expr, FunctionDecl, Stmt} from './ast.js';
import {callsIn} from './calls.js';
import {Emitter} from './emit.js';
import {deleteLocal, setLocal} from './locals.js';
import {type Compiled, exprText} from './operators.js';
import type {Env} from './program.js';

export type Loop = {breaks: number[]; continues: number[]};

/** The helper being inlined: where its return goes and which locals it forgets. */
type Return = {fn: FunctionDecl; target: string | null; locals: string[]; jumps: number[]};

export const isCall = (e: Expr): e is Extract<Expr, {kind: 'call'}> => e.kind === 'call';

export abstract class Inliner extends Emitter {
	protected loops: Loop[] = [];
	protected ret: Return | null = null;
	private instances = 0;
	private temps = 0;
	/** Runtime names of every helper local, for display. */
	readonly helperLocals = new Set<string>();

	abstract block(stmts: Stmt[]): void;

	protected returnStmt(s: Extract<Stmt, {kind: 'return'}>): void {
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
			for (const l of locals) deleteLocal(env, l);
			if (target !== null) {
				if (this.c.globals.has(target)) writeGlobal(env.ctx, target, v);
				else setLocal(env, target, v);
			}
		};
	}

	/**
	 * Helper calls inside an expression run first, each into a temporary the
	 * statement then reads. A lone call statement is inlined directly (null).
	 */
	protected hoist(e: Expr, statement: boolean): Expr | null {
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
			case 'index':
				return {...e, index: this.hoistIn(e.index)};
			case 'cond':
				this.noHelperCalls(e.then, "a branch of '?:' (it may not run)");
				this.noHelperCalls(e.else, "a branch of '?:' (it may not run)");
				return {...e, cond: this.hoistIn(e.cond)};
			default:
				return e;
		}
	}

	protected noHelperCalls(e: Expr, where: string): void {
		const call = callsIn(e).find(c => this.c.functions.has(c.callee));
		if (call) this.c.fail(call.pos, `${call.callee}() is a helper and cannot be called in ${where}; call it first: r = ${call.callee}(...);`);
	}

	/** Inline a helper call; its value goes to `target` (a runtime local name) or nowhere. */
	protected inline(call: Extract<Expr, {kind: 'call'}>, target: string | null): void {
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
					names.forEach((n, i) => setLocal(env, n, vals[i]!));
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
}
