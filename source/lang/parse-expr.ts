// Expressions of the scenario language: C's operators with C's precedence,
// calls, field reads and `&`; the height of every tree is bounded so no input
// can overflow the stack of a later pass.

import {BINARY_LEVELS, type BinaryOp, type Expr} from './ast.js';
import {quoteText, type Token} from './lexer.js';
import {at, MAX_NESTING, posOf, TokenCursor} from './token-cursor.js';

const LEVELS = BINARY_LEVELS;

export class ExprParser extends TokenCursor {
	/** Height of every expression node built, to bound the depth of the tree. */
	private readonly heights = new WeakMap<Expr, number>();

	protected node(e: Expr, height: number, tok: Token): Expr {
		if (height > MAX_NESTING) this.fail(posOf(tok), `nesting too deep (more than ${MAX_NESTING} levels)`);
		this.heights.set(e, height);
		return e;
	}

	protected height(e: Expr): number {
		return this.heights.get(e) ?? 1;
	}

	parseLoneExpression(): Expr {
		const e = this.expr();
		if (this.peek().kind !== 'eof') this.expectedHere('an operator or the end of the expression');
		return e;
	}

	protected expr(): Expr {
		const start = this.peek();
		const cond = this.binary(0);
		if (!this.isPunct('?')) return cond;
		const q = this.advance();
		this.enter(q);
		const then = this.expr();
		this.expectPunct(':', `':' of the '?' at ${at(posOf(q))}`);
		const otherwise = this.expr();
		this.leave();
		const h = 1 + Math.max(this.height(cond), this.height(then), this.height(otherwise));
		return this.node({kind: 'cond', cond, then, else: otherwise, pos: posOf(start)}, h, q);
	}

	protected binary(level: number): Expr {
		if (level === LEVELS.length) return this.unary();
		const start = posOf(this.peek());
		let left = this.binary(level + 1);
		for (;;) {
			const t = this.peek();
			if (t.kind !== 'punct' || !(LEVELS[level] as readonly string[]).includes(t.text)) return left;
			this.advance();
			const right = this.binary(level + 1);
			const e: Expr = {kind: 'binary', op: t.text as BinaryOp, left, right, pos: {...start}};
			left = this.node(e, 1 + Math.max(this.height(left), this.height(right)), t);
		}
	}

	protected unary(): Expr {
		const t = this.peek();
		if (t.kind === 'punct' && (t.text === '!' || t.text === '-' || t.text === '~')) {
			this.advance();
			this.enter(t);
			const arg = this.unary();
			this.leave();
			return this.node({kind: 'unary', op: t.text, arg, pos: posOf(t)}, 1 + this.height(arg), t);
		}
		if (t.kind === 'punct' && t.text === '&') {
			this.advance();
			const arg = this.postfix();
			return this.node({kind: 'addr', arg, pos: posOf(t)}, 1 + this.height(arg), t);
		}
		if (t.kind === 'punct' && t.text === '*') {
			this.fail(posOf(t), "values have no pointers here: drop the '*' (READ_ONCE(x) reads a shared variable, ptep_get(va) reads a PTE again)");
		}
		if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
			this.fail(posOf(t), `'${t.text}' is a statement of its own here (x${t.text};), not part of an expression`);
		}
		return this.postfix();
	}

	protected postfix(): Expr {
		const first = this.peek();
		let e = this.primary();
		let bare = first.kind === 'ident';
		for (;;) {
			const t = this.peek();
			if (this.isPunct('(')) {
				if (!bare || e.kind !== 'name') this.fail(posOf(t), 'only a plain name can be called, like f(x)');
				this.advance();
				const args = this.args(e.name, t);
				const h = 1 + Math.max(0, ...args.map((a) => this.height(a)));
				e = this.node({kind: 'call', callee: e.name, args, pos: e.pos}, h, t);
			} else if (this.isPunct('.')) {
				this.advance();
				const f = this.peek();
				if (f.kind !== 'ident') this.expectedHere("a field name after '.'");
				this.advance();
				e = this.node({kind: 'field', object: e, field: f.text, pos: posOf(first)}, 1 + this.height(e), t);
			} else if (this.isPunct('[')) {
				if (!bare || e.kind !== 'name') this.fail(posOf(t), 'only a shared array can be indexed, like cnt[i]');
				this.advance();
				this.enter(t);
				const index = this.expr();
				this.expectPunct(']', `']' to close the index opened at ${at(posOf(t))}`);
				this.leave();
				e = this.node({kind: 'index', array: e.name, index, pos: e.pos}, 1 + this.height(index), t);
			} else if (this.isPunct('->')) {
				this.fail(posOf(t), "use '.' to read a field, not '->'");
			} else {
				return e;
			}
			bare = false;
		}
	}

	/** Arguments after the `(`, up to and including the `)`. */
	protected args(callee: string, open: Token): Expr[] {
		const args: Expr[] = [];
		this.enter(open);
		if (!this.eat(')')) {
			for (;;) {
				args.push(this.expr());
				if (this.eat(',')) continue;
				if (this.eat(')')) break;
				this.expectedAfter(`',' or ')' to close the call of '${quoteText(callee)}' opened at ${at(posOf(open))}`);
			}
		}
		this.leave();
		return args;
	}

	protected primary(): Expr {
		const t = this.peek();
		const pos = posOf(t);
		switch (t.kind) {
			case 'int':
				this.advance();
				return {kind: 'int', value: this.intValue(t), pos};
			case 'ident':
				this.advance();
				return {kind: 'name', name: t.text, pos};
			case 'keyword':
				if (t.text === 'true' || t.text === 'false') {
					this.advance();
					return {kind: 'bool', value: t.text === 'true', pos};
				}
				if (t.text === 'NULL') {
					this.advance();
					return {kind: 'null', pos};
				}
				break;
			case 'punct':
				if (t.text === '(') {
					this.advance();
					this.enter(t);
					const e = this.expr();
					this.expectPunct(')', `')' to close the parenthesis opened at ${at(pos)}`);
					this.leave();
					return e;
				}
				break;
		}
		return this.expectedHere('an expression');
	}
}
