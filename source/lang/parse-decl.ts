// Top-level C declarations: shared variables, locks (also by the kernel's
// DEFINE_SPINLOCK-style macros) and helper functions with their parameters.

import type {FunctionDecl, GlobalDecl, Pos} from './ast.js';
import {DECL_PREFIX, globalKind, LOCK_MACROS, TYPE_WORDS} from './ctypes.js';
import {StmtParser} from './parse-stmt.js';
import {at, posOf} from './token-cursor.js';

export class DeclParser extends StmtParser {
	/** A C type: `unsigned long`, `struct page *`, `static inline bool`. Returns the words and whether it is a pointer. */
	protected cType(what: string): {words: string[]; pointer: boolean; text: string} {
		const words: string[] = [];
		for (;;) {
			const t = this.peek();
			if (t.kind !== 'ident') break;
			if (t.text === 'static' || t.text === 'inline' || t.text === 'extern') {
				this.advance();
				continue;
			}
			if (t.text === 'struct') {
				this.advance();
				const n = this.peek();
				if (n.kind !== 'ident') this.expectedHere("a struct name after 'struct'");
				this.advance();
				words.push('struct', n.text);
				break;
			}
			if (!TYPE_WORDS.has(t.text)) break;
			this.advance();
			words.push(t.text);
		}
		if (words.length === 0) this.expectedHere(what);
		let pointer = false;
		while (this.eat('*')) pointer = true;
		return {words, pointer, text: words.join(' ') + (pointer ? ' *' : '')};
	}

	/** A shared variable, a lock or a helper function at the top level. */
	protected declaration(): GlobalDecl | FunctionDecl {
		const first = this.peek();
		const pos = posOf(first);
		if (first.text in LOCK_MACROS) {
			this.advance();
			const open = this.expectPunct('(', `'(' after '${first.text}'`);
			const n = this.peek();
			if (n.kind !== 'ident') this.expectedHere(`a lock name in ${first.text}(...)`);
			this.advance();
			this.expectPunct(')', `')' to close ${first.text}( opened at ${at(posOf(open))}`);
			this.eat(';');
			const kind = LOCK_MACROS[first.text]!;
			return {name: n.text, kind, type: kind === 'spinlock' ? 'spinlock_t' : kind === 'mutex' ? 'struct mutex' : 'struct rw_semaphore', pos};
		}
		const type = this.cType('a type');
		const nameTok = this.peek();
		if (nameTok.kind !== 'ident') this.expectedHere(`a name after the type '${type.text}'`, nameTok.kind === 'keyword' ? ' (a name may not be a keyword)' : '');
		this.advance();
		if (this.isPunct('(')) return this.functionRest(nameTok.text, type.text !== 'void', pos);
		const decl: GlobalDecl = {name: nameTok.text, kind: globalKind(type.words, type.pointer), type: type.text, pos};
		if (this.isPunct('[')) {
			const open = this.advance();
			if (this.isPunct(']')) this.fail(posOf(this.peek()), `give the length of ${decl.name}[] (a number, const or param)`);
			decl.length = this.expr();
			this.expectPunct(']', `']' to close the length of ${decl.name} opened at ${at(posOf(open))}`);
			if (this.isPunct('=')) this.fail(posOf(this.peek()), `an array starts zeroed (NULL, false, unlocked): set its elements in the code, not with an initialiser`);
		}
		if (this.eat('=')) {
			if (decl.kind === 'spinlock' || decl.kind === 'mutex' || decl.kind === 'rwsem') {
				this.fail(posOf(this.prev!), `a lock needs no initialiser: write '${type.text} ${decl.name};' (it starts unlocked)`);
			}
			decl.init = this.expr();
		}
		if (this.isPunct(',')) this.fail(posOf(this.peek()), 'declare one variable per declaration');
		this.eat(';');
		return decl;
	}

	protected functionRest(name: string, returnsValue: boolean, pos: Pos): FunctionDecl {
		const open = this.advance();
		const params: string[] = [];
		if (this.isPunct(')') || (this.peek().text === 'void' && this.isPunct(')', 1))) {
			if (!this.isPunct(')')) this.advance();
			this.advance();
		} else {
			for (;;) {
				// `pte_t pte`, `struct page *page` or just `pte`.
				let p = this.peek();
				const typed = p.kind === 'ident' && (TYPE_WORDS.has(p.text) || DECL_PREFIX.has(p.text)) && !(this.isPunct(',', 1) || this.isPunct(')', 1));
				if (typed) {
					this.cType('a parameter type');
					p = this.peek();
				}
				if (p.kind !== 'ident') this.expectedHere(`a parameter name in '${name}(...)'`);
				this.advance();
				if (params.includes(p.text)) this.fail(posOf(p), `duplicate parameter '${p.text}' of '${name}'`);
				params.push(p.text);
				if (this.eat(',')) continue;
				if (this.eat(')')) break;
				this.expectedAfter(`',' or ')' to close the parameters of '${name}' opened at ${at(posOf(open))}`);
			}
		}
		this.expectPunct('{', `'{' to open the body of '${name}'`);
		const body = this.statements(`'}' to close '${name}' opened at ${at(pos)}`);
		return {name, params, returnsValue, body, pos, endLine: this.prev!.line};
	}
}
