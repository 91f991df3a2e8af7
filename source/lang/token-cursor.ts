// The token cursor under the scenario parser's layers (expressions,
// statements, C declarations, the file): lookahead, and the errors every
// layer reports, each a Diagnostic saying what was expected and what was found.
//
// Error positions: a missing piece of punctuation (`;`, `)`, `}`, ...) is
// reported at the token found instead when it is on the same line as the end
// of the previous token, otherwise just past the previous token (where the
// punctuation belongs). Anything else is reported at the offending token.
// At end of file the position is always just past the last token.

import type {Pos} from './ast.js';
import {Diagnostic} from './diagnostics.js';
import {Lexer, quoteText, type Token} from './lexer.js';

/** Deepest nesting of blocks, parentheses and operators the parser accepts. */
export const MAX_NESTING = 200;

export function describe(tok: Token): string {
	switch (tok.kind) {
		case 'int':
			return 'a number';
		case 'string':
			return 'a string';
		case 'eof':
			return 'end of file';
		default:
			return `'${quoteText(tok.text)}'`;
	}
}

export function posOf(tok: Token): Pos {
	return {line: tok.line, col: tok.col};
}

export function at(pos: Pos): string {
	return `${pos.line}:${pos.col}`;
}

export class TokenCursor {
	private readonly lexer: Lexer;
	private readonly buffer: Token[] = [];
	protected prev: Token | undefined;
	private depth = 0;

	constructor(
		private readonly text: string,
		private readonly file: string,
	) {
		this.lexer = new Lexer(text, file);
	}

	// ---- tokens -------------------------------------------------------------

	protected peek(k = 0): Token {
		while (this.buffer.length <= k) this.buffer.push(this.lexer.next());
		return this.buffer[k]!;
	}

	protected advance(): Token {
		const tok = this.peek();
		if (tok.kind !== 'eof') this.buffer.shift();
		this.prev = tok;
		return tok;
	}

	protected isPunct(p: string, k = 0): boolean {
		const tok = this.peek(k);
		return tok.kind === 'punct' && tok.text === p;
	}

	protected isKeyword(word: string, k = 0): boolean {
		const tok = this.peek(k);
		return tok.kind === 'keyword' && tok.text === word;
	}

	protected eat(p: string): boolean {
		if (!this.isPunct(p)) return false;
		this.advance();
		return true;
	}

	// ---- errors -------------------------------------------------------------

	protected fail(pos: Pos, reason: string): never {
		throw new Diagnostic(this.file, pos, reason, this.text);
	}

	/** Something (usually punctuation) was due right after the previous token. */
	protected expectedAfter(what: string, hint = ''): never {
		const found = this.peek();
		const prev = this.prev;
		const usePrev = prev !== undefined && (found.kind === 'eof' || found.line > prev.line);
		const pos = usePrev ? {line: prev.line, col: prev.endCol} : posOf(found);
		if (found.kind === 'eof') this.fail(pos, `unexpected end of file: expected ${what}`);
		// `x = y++;`, `f(i++)`: C's postfix increment inside an expression (docs/scenario-language.md, "What C habits become")
		if (found.kind === 'punct' && (found.text === '++' || found.text === '--') && !usePrev && prev !== undefined && (prev.kind === 'ident' || prev.text === ']')) {
			const v = prev.kind === 'ident' ? prev.text : 'y';
			this.fail(posOf(found), `'${found.text}' is a statement of its own here, not part of an expression: x = ${v}; ${v}${found.text};`);
		}
		this.fail(pos, `expected ${what}, found ${describe(found)}${hint}`);
	}

	/** The current token cannot start what was expected. */
	protected expectedHere(what: string, hint = ''): never {
		const found = this.peek();
		if (found.kind === 'eof') this.expectedAfter(what);
		// `param era = ...`: a word of the language where a name is due reads as a syntax error otherwise
		const keyword = !hint && found.kind === 'keyword' && / name\b/.test(what) ? `: '${found.text}' is a keyword of the language (docs/grammar.md lists them), choose another name` : '';
		this.fail(posOf(found), `expected ${what}, found ${describe(found)}${keyword}${hint}`);
	}

	protected expectPunct(p: string, what: string, hint = ''): Token {
		if (!this.isPunct(p)) this.expectedAfter(what, hint);
		return this.advance();
	}

	protected enter(tok: Token): void {
		if (++this.depth > MAX_NESTING) this.fail(posOf(tok), `nesting too deep (more than ${MAX_NESTING} levels)`);
	}

	protected leave(): void {
		this.depth--;
	}

	protected intValue(tok: Token): number {
		if (/^0[0-9_]/.test(tok.text)) {
			this.fail(posOf(tok), `leading zeros are not allowed in '${quoteText(tok.text)}' (octal is not supported)`);
		}
		return tok.value as number;
	}
}
