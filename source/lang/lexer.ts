// The lexer of the scenario language (docs/grammar.md, "Lexical").
//
// Columns are 1-based and count code points (a tab is one column, as in
// Diagnostic.render). Every error is a Diagnostic; on any input the lexer
// makes progress on each step, so it always terminates.

import {Diagnostic} from './diagnostics.js';
import type {Pos} from './ast.js';

export type TokenKind = 'ident' | 'keyword' | 'int' | 'string' | 'punct' | 'eof';

export type Token = {
	kind: TokenKind;
	/** The source text of the token (strings with their quotes; '' for end of file). */
	text: string;
	/** The value of an `int` (a number) or a `string` (the unescaped text). */
	value?: number | string;
	line: number;
	col: number;
	/** Offset of the first UTF-16 code unit in the source. */
	offset: number;
	/** Offset just past the token. */
	end: number;
	/** Column just past the token (tokens never span lines). */
	endCol: number;
};

export const KEYWORDS: ReadonlySet<string> = new Set([
	'scenario', 'title', 'era', 'source', 'note', 'param', 'expect', 'variant', 'machine', 'cpu',
	'invariant', 'const', 'if', 'else', 'while', 'goto', 'return', 'await', 'atomic', 'assert',
	'true', 'false', 'NULL', 'in', 'safe', 'violation', 'no', 'derived', 'hypothesis',
	'for', 'do', 'break', 'continue',
]);

const PUNCT2 = new Set(['==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '->', '..', '++', '--', '+=', '-=', '|=', '&=']);
const PUNCT1 = new Set(['#', '{', '}', '(', ')', '[', ']', ',', ';', ':', '.', '=', '<', '>', '!', '&', '|', '^', '~', '+', '-', '*', '/', '%', '?']);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Longest piece of source text quoted inside a message. */
const QUOTE_LIMIT = 40;

export function quoteText(text: string): string {
	const chars = Array.from(text);
	return chars.length > QUOTE_LIMIT ? chars.slice(0, QUOTE_LIMIT).join('') + '…' : text;
}

function isDigit(c: number): boolean {
	return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
	return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isIdentStart(c: number): boolean {
	return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
	return isIdentStart(c) || isDigit(c);
}

/** A character for a message: quoted, or as its code point (U+0007) when it would not print. */
function describeChar(ch: string): string {
	const cp = ch.codePointAt(0)!;
	const invisible =
		cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) ||
		cp === 0xad || (cp >= 0x2028 && cp <= 0x2029) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfeff ||
		(cp >= 0xfff9 && cp <= 0xfffb) || /\s/u.test(ch);
	if (invisible) return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
	return ch === "'" ? `"'"` : `'${ch}'`;
}

/** Validates the digits of a number (already known to start with a digit) and returns its value. */
function numberValue(text: string): number | {error: string} {
	let digits: string;
	let hex = false;
	if (text.length > 1 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X')) {
		hex = true;
		digits = text.slice(2);
	} else {
		digits = text;
	}
	// C's integer suffixes (`0x10UL`, `4096u`, `1ULL`): the value is the same exact integer.
	digits = digits.replace(/(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)$/, '');
	const malformed = {error: `malformed number '${quoteText(text)}'`};
	if (digits.length === 0) return malformed;
	let clean = '';
	for (let i = 0; i < digits.length; i++) {
		const c = digits.charCodeAt(i);
		if (c === 95) {
			// `_` only between two digits.
			if (i === 0 || i === digits.length - 1 || digits.charCodeAt(i + 1) === 95) return malformed;
			continue;
		}
		if (!(hex ? isHexDigit(c) : isDigit(c))) return malformed;
		clean += digits[i];
	}
	const significant = clean.replace(/^0+/, '');
	if (significant.length > 20) return {error: 'number too large (the largest is 2^53 - 1, 0x1fffffffffffff)'};
	const big = BigInt((hex ? '0x' : '') + (significant || '0'));
	if (big > MAX_SAFE) return {error: 'number too large (the largest is 2^53 - 1, 0x1fffffffffffff)'};
	return Number(big);
}

/** An on-demand lexer: `next()` returns one token at a time, then `eof` forever. */
export class Lexer {
	private i = 0;
	private line = 1;
	private col = 1;

	constructor(
		private readonly text: string,
		private readonly file: string,
	) {
		if (text.charCodeAt(0) === 0xfeff) this.i = 1; // a byte-order mark is not a column
	}

	private fail(pos: Pos, reason: string): never {
		throw new Diagnostic(this.file, pos, reason, this.text);
	}

	/** Advances over one code point that is not a newline. */
	private step(): void {
		const c = this.text.charCodeAt(this.i);
		if (c >= 0xd800 && c <= 0xdbff) {
			const d = this.text.charCodeAt(this.i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) this.i++;
		}
		this.i++;
		this.col++;
	}

	private skipTrivia(): void {
		const t = this.text;
		for (;;) {
			const c = t.charCodeAt(this.i);
			// A CR not followed by LF ends a line too (CR-only files): else the first `//` comment would run to the end of the file.
			if (c === 10 || (c === 13 && t.charCodeAt(this.i + 1) !== 10)) {
				this.i++;
				this.line++;
				this.col = 1;
			} else if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
				this.i++;
				this.col++;
			} else if (c === 47 && t.charCodeAt(this.i + 1) === 47) {
				while (this.i < t.length && t.charCodeAt(this.i) !== 10 && t.charCodeAt(this.i) !== 13) this.step();
			} else if (c === 47 && t.charCodeAt(this.i + 1) === 42) {
				const start = {line: this.line, col: this.col};
				this.i += 2;
				this.col += 2;
				for (;;) {
					if (this.i >= t.length) this.fail(start, 'unterminated comment');
					const d = t.charCodeAt(this.i);
					if (d === 42 && t.charCodeAt(this.i + 1) === 47) {
						this.i += 2;
						this.col += 2;
						break;
					}
					if (d === 10 || (d === 13 && t.charCodeAt(this.i + 1) !== 10)) {
						this.i++;
						this.line++;
						this.col = 1;
					} else {
						this.step();
					}
				}
			} else {
				return;
			}
		}
	}

	next(): Token {
		this.skipTrivia();
		const t = this.text;
		const offset = this.i;
		const line = this.line;
		const col = this.col;
		const make = (kind: TokenKind, value?: number | string): Token => {
			const tok: Token = {kind, text: t.slice(offset, this.i), line, col, offset, end: this.i, endCol: this.col};
			if (value !== undefined) tok.value = value;
			return tok;
		};
		if (offset >= t.length) return make('eof');
		const c = t.charCodeAt(offset);

		if (isIdentStart(c)) {
			while (this.i < t.length && isIdentPart(t.charCodeAt(this.i))) this.i++;
			this.col += this.i - offset;
			const word = t.slice(offset, this.i);
			// Names are looked up in records; this one would reach JavaScript's prototype machinery.
			if (word === '__proto__') this.fail({line, col}, "'__proto__' is a reserved name; rename it");
			return make(KEYWORDS.has(word) ? 'keyword' : 'ident');
		}

		if (isDigit(c)) {
			// Take every identifier character, so `12ab` and `0x` are reported whole.
			while (this.i < t.length && isIdentPart(t.charCodeAt(this.i))) this.i++;
			this.col += this.i - offset;
			const value = numberValue(t.slice(offset, this.i));
			if (typeof value !== 'number') this.fail({line, col}, value.error);
			return make('int', value);
		}

		if (c === 34) return this.string(line, col);

		const two = t.slice(offset, offset + 2);
		if (PUNCT2.has(two)) {
			this.i += 2;
			this.col += 2;
			return make('punct');
		}
		const one = t[offset]!;
		if (PUNCT1.has(one)) {
			this.i++;
			this.col++;
			return make('punct');
		}
		const ch = String.fromCodePoint(t.codePointAt(offset)!);
		const hint =
			ch === "'"
				? ' (strings use double quotes)'
				: ch === '`' && t.startsWith('```', offset)
					? ' (a Markdown code fence, copied with the scenario: keep only the lines between the ``` lines)'
					: ch === '\uFFFD'
					? ' (a byte that is not UTF-8: the file is in another encoding here)'
					: /\p{L}/u.test(ch)
						? ' (names are ASCII: letters a-z A-Z, digits and _)'
						: '';
		return this.fail({line, col}, `unexpected character ${describeChar(ch)}${hint}`);
	}

	private string(line: number, col: number): Token {
		const t = this.text;
		const offset = this.i;
		this.i++;
		this.col++;
		let value = '';
		let chunk = this.i;
		for (;;) {
			if (this.i >= t.length) this.fail({line, col}, 'unterminated string');
			const c = t.charCodeAt(this.i);
			if (c === 34) {
				value += t.slice(chunk, this.i);
				this.i++;
				this.col++;
				break;
			}
			if (c === 10 || c === 13) this.fail({line, col}, 'unterminated string');
			if (c === 92) {
				value += t.slice(chunk, this.i);
				const at = {line: this.line, col: this.col};
				const e = t[this.i + 1];
				if (e === undefined || e === '\n' || e === '\r') this.fail({line, col}, 'unterminated string');
				const escaped = e === '"' ? '"' : e === '\\' ? '\\' : e === 'n' ? '\n' : e === 't' ? '\t' : undefined;
				if (escaped === undefined) {
					const bad = String.fromCodePoint(t.codePointAt(this.i + 1)!);
					const shown = describeChar(bad).startsWith('U+') ? describeChar(bad) : `'\\${bad}'`;
					this.fail(at, `unknown escape ${shown} in string (use \\", \\\\, \\n or \\t)`);
				}
				value += escaped;
				this.i += 2;
				this.col += 2;
				chunk = this.i;
				continue;
			}
			if ((c < 0x20 && c !== 9) || c === 0x7f) {
				this.fail({line: this.line, col: this.col}, `control character ${describeChar(t[this.i]!)} in string`);
			}
			this.step();
		}
		return {kind: 'string', text: t.slice(offset, this.i), value, line, col, offset, end: this.i, endCol: this.col};
	}
}

/** The whole token list, ending with one `eof` token. */
export function tokenize(text: string, file: string): Token[] {
	const lexer = new Lexer(text, file);
	const tokens: Token[] = [];
	for (;;) {
		const tok = lexer.next();
		tokens.push(tok);
		if (tok.kind === 'eof') return tokens;
	}
}
