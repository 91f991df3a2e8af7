// Statements of the CPU blocks, helper functions and irq handlers: labels,
// assignments, calls, if/while/for/goto, await, atomic, assert; and the C
// habits (typed locals, `x = y++`) refused with what to write instead.

import type {BinaryOp, Expr, Pos, Stmt} from './ast.js';
import type {Token} from './lexer.js';
import {TYPE_WORDS} from './ctypes.js';
import {ExprParser} from './parse-expr.js';
import {at, posOf} from './token-cursor.js';

export const HEADERS = ['title', 'era', 'source', 'note'];
const DECLS = ['param', 'const', 'expect', 'variant', 'machine', 'cpu', 'invariant'];
export const TOP_LEVEL_WORDS = [...HEADERS, ...DECLS];
/** Keywords that only start top-level items: inside a block they mean a missing `}`. */
export const TOP_LEVEL_ONLY = new Set(['scenario', ...TOP_LEVEL_WORDS]);

const EXPR_START = new Set(['(', '!', '-', '~', '&', '++', '--', '*']);

/** `x += e` and friends as the binary operator they apply. */
const COMPOUND: Record<string, BinaryOp> = {'+=': '+', '-=': '-', '|=': '|', '&=': '&'};

export class StmtParser extends ExprParser {

	/** Statements up to and including the closing `}`. */
	protected statements(close: string): Stmt[] {
		const out: Stmt[] = [];
		for (;;) {
			if (this.eat('}')) return out;
			const t = this.peek();
			if (t.kind === 'eof' || (t.kind === 'keyword' && TOP_LEVEL_ONLY.has(t.text))) this.expectedAfter(close);
			this.statement(out);
		}
	}

	/** One statement with the labels before it, appended to `out`. */
	protected statement(out: Stmt[]): void {
		while (this.peek().kind === 'ident' && this.isPunct(':', 1)) {
			const name = this.advance();
			this.advance();
			out.push({kind: 'label', name: name.text, pos: posOf(name)});
			const next = this.peek();
			if (this.isPunct('}') || next.kind === 'eof' || (next.kind === 'keyword' && TOP_LEVEL_ONLY.has(next.text))) return;
		}
		out.push(this.simpleStatement());
	}

	/** The body of `if`/`else`/`while`: one statement, or a block when labels come with it. */
	protected body(): Stmt {
		const list: Stmt[] = [];
		this.statement(list);
		if (list.length === 1 && list[0]!.kind !== 'label') return list[0]!;
		return {kind: 'block', body: list, pos: list[0]!.pos};
	}

	protected semicolon(): void {
		this.expectPunct(';', "';' after the statement");
	}

	/** `( expr )` after `if` or `while`. */
	protected condition(): Expr {
		const open = this.expectPunct('(', `'(' after '${this.prev!.text}'`);
		const cond = this.expr();
		if (!this.isPunct(')')) {
			const hint = this.isPunct('=') ? " (did you mean '=='?)" : '';
			this.expectedAfter(`')' to close the condition opened at ${at(posOf(open))}`, hint);
		}
		this.advance();
		return cond;
	}

	protected simpleStatement(): Stmt {
		const t = this.peek();
		const pos = posOf(t);
		this.enter(t);
		let stmt: Stmt;
		if (t.kind === 'punct' && t.text === '{') {
			this.advance();
			stmt = {kind: 'block', body: this.statements(`'}' to close the block opened at ${at(pos)}`), pos};
		} else if (t.kind === 'punct' && t.text === ';') {
			this.advance();
			stmt = {kind: 'empty', pos};
		} else if (t.kind === 'keyword' && t.text !== 'true' && t.text !== 'false' && t.text !== 'NULL') {
			stmt = this.keywordStatement(t);
		} else if (t.kind === 'ident' && t.text === 'switch' && this.isPunct('(', 1)) {
			this.fail(pos, "the language has no 'switch': write if (x == A) ... else if (x == B) ... else ...");
		} else if (t.kind === 'ident' && this.isCDeclaration()) {
			this.cDeclarationHabit(t);
		} else if (t.kind === 'ident' || t.kind === 'int' || t.kind === 'keyword' || (t.kind === 'punct' && EXPR_START.has(t.text))) {
			stmt = this.simple();
			this.semicolon();
		} else {
			this.expectedHere('a statement');
		}
		this.leave();
		return stmt;
	}

	/** An assignment (`x = e`, `x += e`, `x++`, `++x`) or an expression, without its `;` (also a `for` clause). */
	protected simple(): Stmt {
		const t = this.peek();
		const pos = posOf(t);
		if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
			this.advance();
			const n = this.peek();
			if (n.kind !== 'ident') this.expectedHere(`a variable name after '${t.text}'`);
			if (this.isPunct('[', 1)) {
				// `++a[i]`: the element is the target
				const element = this.expr();
				if (element.kind !== 'index') this.fail(posOf(n), `'${t.text}' applies to a variable name or an array element only`);
				const value: Expr = {kind: 'binary', op: t.text === '++' ? '+' : '-', left: element, right: {kind: 'int', value: 1, pos}, pos};
				return {kind: 'assign', target: element.array, index: element.index, value, pos};
			}
			this.advance();
			return this.increment(n, t.text, pos);
		}
		if (t.kind === 'ident') {
			const op = this.peek(1);
			if (op.kind === 'punct' && op.text === '=') {
				this.advance();
				this.advance();
				return {kind: 'assign', target: t.text, value: this.expr(), pos};
			}
			if (op.kind === 'punct' && op.text in COMPOUND) {
				this.advance();
				this.advance();
				const right = this.expr();
				const value: Expr = {kind: 'binary', op: COMPOUND[op.text]!, left: {kind: 'name', name: t.text, pos}, right, pos};
				return {kind: 'assign', target: t.text, value, pos};
			}
			if (op.kind === 'punct' && (op.text === '++' || op.text === '--')) {
				this.advance();
				this.advance();
				return this.increment(t, op.text, pos);
			}
		}
		const expr = this.expr();
		if (expr.kind === 'index') {
			const op = this.peek();
			if (op.kind === 'punct' && op.text === '=') {
				this.advance();
				return {kind: 'assign', target: expr.array, index: expr.index, value: this.expr(), pos};
			}
			if (op.kind === 'punct' && op.text in COMPOUND) {
				this.advance();
				const right = this.expr();
				return {kind: 'assign', target: expr.array, index: expr.index, value: {kind: 'binary', op: COMPOUND[op.text]!, left: expr, right, pos}, pos};
			}
			if (op.kind === 'punct' && (op.text === '++' || op.text === '--')) {
				this.advance();
				const value: Expr = {kind: 'binary', op: op.text === '++' ? '+' : '-', left: expr, right: {kind: 'int', value: 1, pos}, pos};
				return {kind: 'assign', target: expr.array, index: expr.index, value, pos};
			}
		}
		if (this.isPunct('=') || (this.peek().kind === 'punct' && this.peek().text in COMPOUND)) {
			this.fail(posOf(this.peek()), 'cannot assign to an expression (only to a variable name)');
		}
		if (this.isPunct('++') || this.isPunct('--')) this.fail(posOf(this.peek()), `'${this.peek().text}' applies to a variable name only`);
		return {kind: 'expr', expr, pos};
	}

	protected increment(name: Token, op: string, pos: Pos): Stmt {
		const one: Expr = {kind: 'int', value: 1, pos};
		const value: Expr = {kind: 'binary', op: op === '++' ? '+' : '-', left: {kind: 'name', name: name.text, pos: posOf(name)}, right: one, pos};
		return {kind: 'assign', target: name.text, value, pos};
	}

	/** `pte_t pte = ...`, `int i;`, `struct page *page = ...` inside code. */
	protected isCDeclaration(): boolean {
		const t = this.peek();
		if (t.text === 'struct' || t.text === 'static') return this.peek(1).kind === 'ident';
		if (!TYPE_WORDS.has(t.text)) return false;
		const n = this.peek(1);
		return n.kind === 'ident' || (n.kind === 'punct' && n.text === '*' && this.peek(2).kind === 'ident');
	}

	protected cDeclarationHabit(t: Token): never {
		let k = t.text === 'struct' ? 2 : 1;
		while (this.isPunct('*', k) || (this.peek(k).kind === 'ident' && TYPE_WORDS.has(this.peek(k).text))) k++;
		const name = this.peek(k);
		const init = this.isPunct('=', k + 1);
		const what = name.kind === 'ident' ? name.text : 'x';
		this.fail(posOf(t), init
			? `locals need no type: declare a local by assigning it: ${what} = ...;`
			: `locals need no declaration: assign it where it gets its value (${what} = ...;); shared variables are declared at the top level`);
	}

	protected keywordStatement(t: Token): Stmt {
		const pos = posOf(t);
		switch (t.text) {
			case 'if': {
				this.advance();
				const cond = this.condition();
				const then = this.body();
				if (!this.isKeyword('else')) return {kind: 'if', cond, then, pos};
				this.advance();
				return {kind: 'if', cond, then, else: this.body(), pos};
			}
			case 'while': {
				this.advance();
				const cond = this.condition();
				return {kind: 'while', cond, body: this.body(), pos};
			}
			case 'do': {
				this.advance();
				const body = this.body();
				const w = this.peek();
				if (!this.isKeyword('while')) this.expectedHere(`'while (...)' after the body of the 'do' at ${at(pos)}`);
				this.advance();
				const cond = this.condition();
				this.semicolon();
				return {kind: 'do', body, cond, pos, whilePos: posOf(w)};
			}
			case 'goto': {
				this.advance();
				const label = this.peek();
				if (label.kind !== 'ident') this.expectedHere("a label name after 'goto'");
				this.advance();
				this.semicolon();
				return {kind: 'goto', label: label.text, pos};
			}
			case 'return': {
				this.advance();
				if (this.eat(';')) return {kind: 'return', pos};
				const value = this.expr();
				this.semicolon();
				return {kind: 'return', value, pos};
			}
			case 'break':
			case 'continue':
				this.advance();
				this.semicolon();
				return {kind: t.text, pos};
			case 'for': {
				this.advance();
				const open = this.expectPunct('(', "'(' after 'for'");
				// `for (int i = 0; ...)`: the loop variable is a local, untyped here as everywhere
				if (this.peek().kind === 'ident' && this.isCDeclaration()) this.cDeclarationHabit(this.peek());
				const init = this.isPunct(';') ? undefined : this.simple();
				this.expectPunct(';', "';' after the initialisation of the for loop", this.isPunct(',') ? ' (one initialisation only)' : '');
				const cond = this.isPunct(';') ? undefined : this.expr();
				this.expectPunct(';', "';' after the condition of the for loop");
				const step = this.isPunct(')') ? undefined : this.simple();
				this.expectPunct(')', `')' to close the for loop opened at ${at(posOf(open))}`);
				const body = this.body();
				return {kind: 'for', ...(init ? {init} : {}), ...(cond ? {cond} : {}), ...(step ? {step} : {}), body, pos};
			}
			case 'await': {
				this.advance();
				const cond = this.expr();
				this.semicolon();
				return {kind: 'await', cond, pos};
			}
			case 'atomic': {
				this.advance();
				const open = this.expectPunct('{', "'{' after 'atomic'");
				return {kind: 'atomic', body: this.statements(`'}' to close the 'atomic' block opened at ${at(posOf(open))}`), pos};
			}
			case 'assert': {
				this.advance();
				const cond = this.expr();
				const stmt: Stmt = {kind: 'assert', cond, pos};
				const msg = this.peek();
				if (msg.kind === 'string') {
					this.advance();
					stmt.message = msg.value as string;
				}
				this.semicolon();
				return stmt;
			}
			case 'else':
				this.fail(pos, "'else' without a matching 'if'");
			default:
				this.expectedHere('a statement');
		}
	}

}
