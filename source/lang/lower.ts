// Lowering: statements to per-CPU instruction lists. Control flow becomes
// branch instructions and jumps (emit.ts folds the jumps away); helper calls
// are inlined (inline.ts).

import {writeGlobal} from '../machine/primitives/shared.js';
import type {Primitive} from '../machine/primitives/index.js';
import {truthy} from '../machine/values.js';
import type {Expr, GlobalDecl, Pos, Stmt} from './ast.js';
import {returnsNothing} from './calls.js';
import {type Compiled, exprText} from './operators.js';
import type {Eval} from './program.js';
import {setLocal} from './locals.js';
import {Inliner, isCall, type Loop} from './inline.js';

export class Lowering extends Inliner {
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
		this.emit({kind: 'stmt', ...at, exec: env => setLocal(env, target, ev(env)), next: this.out.length + 1, local: value.compiled!.pure});
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
			const [taken, dropped] = truthy(cond.constant) ? [s.then, s.else] : [s.else, s.then];
			if (dropped) this.c.checkCallees(dropped);
			if (taken) this.stmt(taken);
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
		if (cond?.constant !== undefined && !truthy(cond.constant)) {
			this.c.checkCallees(body);
			if (step) this.c.checkCallees(step);
			return;
		}
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
}
