// The parser of the scenario language: hand-written recursive descent over
// the grammar in docs/grammar.md. Every error is a Diagnostic whose reason
// says what was expected and what was found.
//
// Error positions: a missing piece of punctuation (`;`, `)`, `}`, ...) is
// reported at the token found instead when it is on the same line as the end
// of the previous token, otherwise just past the previous token (where the
// punctuation belongs). Anything else is reported at the offending token.
// At end of file the position is always just past the last token.

import type {BinaryOp, CpuDecl, Expect, Expr, FunctionDecl, GlobalDecl, GlobalKind, IrqDecl, MachineItem, ParamDecl, Pos, Scenario, Stmt, VariantDecl} from './ast.js';
import {Diagnostic, suggestion} from './diagnostics.js';
import {Lexer, quoteText, type Token} from './lexer.js';

/** Deepest nesting of blocks, parentheses and operators the parser accepts. */
export const MAX_NESTING = 200;

const HEADERS = ['title', 'era', 'source', 'note'];
const DECLS = ['param', 'const', 'expect', 'variant', 'machine', 'cpu', 'invariant'];
const TOP_LEVEL_WORDS = [...HEADERS, ...DECLS];
/** Keywords that only start top-level items: inside a block they mean a missing `}`. */
const TOP_LEVEL_ONLY = new Set(['scenario', ...TOP_LEVEL_WORDS]);

const LEVELS: readonly (readonly BinaryOp[])[] = [
	['||'],
	['&&'],
	['|'],
	['^'],
	['&'],
	['==', '!='],
	['<', '<=', '>', '>='],
	['<<', '>>'],
	['+', '-'],
	['*', '/', '%'],
];

const EXPR_START = new Set(['(', '!', '-', '~', '&', '++', '--', '*']);

/** C type words that start a top-level declaration (`int x = 0;`, `static bool f(...)`). */
const TYPE_WORDS = new Set([
	'void', 'int', 'long', 'short', 'char', 'unsigned', 'signed', 'bool', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'size_t',
	'atomic_t', 'atomic_long_t', 'spinlock_t', 'raw_spinlock_t', 'pte_t', 'pmd_t', 'pud_t', 'pgtable_t', 'pgprot_t', 'pfn_t', 'vm_fault_t',
]);
const DECL_PREFIX = new Set(['static', 'inline', 'struct', 'const_', 'extern']);
/** `DEFINE_SPINLOCK(l);` and friends: the kernel's macros for a statically initialised lock. */
const LOCK_MACROS: Record<string, GlobalKind> = {DEFINE_SPINLOCK: 'spinlock', DEFINE_RAW_SPINLOCK: 'spinlock', DEFINE_MUTEX: 'mutex', DECLARE_RWSEM: 'rwsem'};
const INT_TYPES = new Set(['int', 'long', 'short', 'char', 'unsigned', 'signed', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'size_t', 'vm_fault_t']);

/** What a declared C type is, in the model. */
function globalKind(words: string[], pointer: boolean): GlobalKind {
	if (pointer) return 'value';
	const last = words[words.length - 1]!;
	if (words[0] === 'struct') return last === 'mutex' ? 'mutex' : last === 'rw_semaphore' ? 'rwsem' : 'value';
	if (last === 'spinlock_t' || last === 'raw_spinlock_t') return 'spinlock';
	if (last === 'atomic_t' || last === 'atomic_long_t') return 'atomic';
	if (last === 'bool') return 'bool';
	if (words.every(w => INT_TYPES.has(w))) return 'int';
	return 'value';
}

/** `x += e` and friends as the binary operator they apply. */
const COMPOUND: Record<string, BinaryOp> = {'+=': '+', '-=': '-', '|=': '|', '&=': '&'};

function describe(tok: Token): string {
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

function posOf(tok: Token): Pos {
	return {line: tok.line, col: tok.col};
}

function at(pos: Pos): string {
	return `${pos.line}:${pos.col}`;
}

class Parser {
	private readonly lexer: Lexer;
	private readonly buffer: Token[] = [];
	private prev: Token | undefined;
	private depth = 0;
	/** Height of every expression node built, to bound the depth of the tree. */
	private readonly heights = new WeakMap<Expr, number>();

	constructor(
		private readonly text: string,
		private readonly file: string,
	) {
		this.lexer = new Lexer(text, file);
	}

	// ---- tokens -------------------------------------------------------------

	private peek(k = 0): Token {
		while (this.buffer.length <= k) this.buffer.push(this.lexer.next());
		return this.buffer[k]!;
	}

	private advance(): Token {
		const tok = this.peek();
		if (tok.kind !== 'eof') this.buffer.shift();
		this.prev = tok;
		return tok;
	}

	private isPunct(p: string, k = 0): boolean {
		const tok = this.peek(k);
		return tok.kind === 'punct' && tok.text === p;
	}

	private isKeyword(word: string, k = 0): boolean {
		const tok = this.peek(k);
		return tok.kind === 'keyword' && tok.text === word;
	}

	private eat(p: string): boolean {
		if (!this.isPunct(p)) return false;
		this.advance();
		return true;
	}

	// ---- errors -------------------------------------------------------------

	private fail(pos: Pos, reason: string): never {
		throw new Diagnostic(this.file, pos, reason, this.text);
	}

	/** Something (usually punctuation) was due right after the previous token. */
	private expectedAfter(what: string, hint = ''): never {
		const found = this.peek();
		const prev = this.prev;
		const usePrev = prev !== undefined && (found.kind === 'eof' || found.line > prev.line);
		const pos = usePrev ? {line: prev.line, col: prev.endCol} : posOf(found);
		if (found.kind === 'eof') this.fail(pos, `unexpected end of file: expected ${what}`);
		this.fail(pos, `expected ${what}, found ${describe(found)}${hint}`);
	}

	/** The current token cannot start what was expected. */
	private expectedHere(what: string, hint = ''): never {
		const found = this.peek();
		if (found.kind === 'eof') this.expectedAfter(what);
		this.fail(posOf(found), `expected ${what}, found ${describe(found)}${hint}`);
	}

	private expectPunct(p: string, what: string, hint = ''): Token {
		if (!this.isPunct(p)) this.expectedAfter(what, hint);
		return this.advance();
	}

	private enter(tok: Token): void {
		if (++this.depth > MAX_NESTING) this.fail(posOf(tok), `nesting too deep (more than ${MAX_NESTING} levels)`);
	}

	private leave(): void {
		this.depth--;
	}

	private intValue(tok: Token): number {
		if (/^0[0-9_]/.test(tok.text)) {
			this.fail(posOf(tok), `leading zeros are not allowed in '${quoteText(tok.text)}' (octal is not supported)`);
		}
		return tok.value as number;
	}

	// ---- file ---------------------------------------------------------------

	parseFile(): Scenario {
		const first = this.peek();
		if (!this.isKeyword('scenario')) {
			const hint = first.kind === 'ident' ? suggestion(first.text, ['scenario']) : '';
			this.expectedHere("'scenario' at the start of the file", hint);
		}
		this.advance();
		const name = this.dashed("a scenario name after 'scenario'");
		const sc: Scenario = {
			name,
			sources: [],
			notes: [],
			params: [],
			consts: [],
			expects: [],
			variants: [],
			machine: [],
			cpus: [],
			invariants: [],
			globals: [],
			functions: [],
			irqs: [],
			pos: posOf(first),
		};
		const headers = new Map<string, Pos>();
		const names = new Map<string, {kind: string; pos: Pos}>();
		const variants = new Map<string, Pos>();
		const cpus = new Map<number, Pos>();
		let machinePos: Pos | undefined;
		let firstDecl: Pos | undefined;

		for (;;) {
			const tok = this.peek();
			if (tok.kind === 'eof') return sc;
			const word = tok.kind === 'keyword' ? tok.text : '';
			if (HEADERS.includes(word)) {
				if (firstDecl) {
					this.fail(posOf(tok), `the '${word}' header must come before the declarations (first declaration at ${at(firstDecl)})`);
				}
				const seen = headers.get(word);
				if (seen && (word === 'title' || word === 'era')) {
					this.fail(posOf(tok), `duplicate '${word}' header (first at ${at(seen)})`);
				}
				headers.set(word, posOf(tok));
				this.advance();
				const str = this.peek();
				if (str.kind !== 'string') this.expectedHere(`a string after '${word}'`);
				this.advance();
				const value = str.value as string;
				if (word === 'title') sc.title = value;
				else if (word === 'era') sc.era = value;
				else if (word === 'source') sc.sources.push(value);
				else sc.notes.push(value);
				continue;
			}
			switch (word) {
				case 'scenario':
					this.fail(posOf(tok), `duplicate 'scenario' (first at ${at(sc.pos)})`);
				case 'param': {
					const param = this.param();
					this.declare(names, 'param', param.name, param.pos);
					sc.params.push(param);
					break;
				}
				case 'const': {
					this.advance();
					const nameTok = this.peek();
					if (nameTok.kind !== 'ident') this.expectedHere("a constant name after 'const'");
					this.advance();
					this.expectPunct('=', `'=' after the constant name '${nameTok.text}'`);
					const value = this.expr();
					this.eat(';');
					this.declare(names, 'const', nameTok.text, posOf(tok));
					sc.consts.push({name: nameTok.text, value, pos: posOf(tok)});
					break;
				}
				case 'expect':
					sc.expects.push(this.expectation());
					break;
				case 'variant': {
					const variant = this.variant();
					const seen = variants.get(variant.name);
					if (seen) this.fail(variant.pos, `duplicate variant '${quoteText(variant.name)}' (first at ${at(seen)})`);
					variants.set(variant.name, variant.pos);
					sc.variants.push(variant);
					break;
				}
				case 'machine':
					if (machinePos) this.fail(posOf(tok), `duplicate 'machine' block (first at ${at(machinePos)})`);
					machinePos = posOf(tok);
					sc.machine = this.machine();
					break;
				case 'cpu':
					sc.cpus.push(this.cpu(cpus));
					break;
				case 'invariant': {
					this.advance();
					const str = this.peek();
					if (str.kind !== 'string') this.expectedHere("a string naming the invariant after 'invariant'");
					this.advance();
					const expr = this.expr();
					this.eat(';');
					sc.invariants.push({name: str.value as string, expr, pos: posOf(tok)});
					break;
				}
				default: {
					if (tok.kind === 'ident' && tok.text === 'irq' && this.peek(1).kind === 'ident') {
						const irq = this.irq();
						this.declare(names, 'irq', irq.name, irq.pos);
						sc.irqs.push(irq);
						break;
					}
					if (tok.kind === 'ident' && (TYPE_WORDS.has(tok.text) || DECL_PREFIX.has(tok.text) || tok.text in LOCK_MACROS)) {
						const d = this.declaration();
						if ('body' in d) {
							this.declare(names, 'function', d.name, d.pos);
							sc.functions.push(d);
						} else {
							this.declare(names, 'shared variable', d.name, d.pos);
							sc.globals.push(d);
						}
						break;
					}
					if (tok.kind === 'ident') {
						this.fail(posOf(tok), `unknown keyword '${quoteText(tok.text)}' at the top level${suggestion(tok.text, [...TOP_LEVEL_WORDS, 'int', 'bool', 'atomic_t', 'spinlock_t', 'static'])}`);
					}
					const hint = this.prev && this.prev.text === '}' && this.isPunct(';') ? " (no ';' is needed after '}')" : '';
					this.expectedHere('a header or a declaration at the top level', hint);
				}
			}
			firstDecl ??= posOf(tok);
		}
	}

	private declare(names: Map<string, {kind: string; pos: Pos}>, kind: string, name: string, pos: Pos): void {
		const seen = names.get(name);
		if (seen) {
			this.fail(
				pos,
				seen.kind === kind
					? `duplicate ${kind} '${name}' (first at ${at(seen.pos)})`
					: `'${name}' is already declared as a ${seen.kind} at ${at(seen.pos)}`,
			);
		}
		names.set(name, {kind, pos});
	}

	/** `fsdax-unbind-2021`: pieces glued by `-` with no whitespace in between. */
	private dashed(what: string): string {
		const first = this.peek();
		// A keyword glued to a dash is a piece like any other (`no-recheck`): only alone is it the keyword.
		const after = this.peek(1);
		const gluedKeyword = first.kind === 'keyword' && after.kind === 'punct' && after.text === '-' && after.offset === first.end;
		if (first.kind !== 'ident' && first.kind !== 'int' && !gluedKeyword) {
			this.expectedHere(what, first.kind === 'keyword' ? ' (a name may not be a keyword alone; glue a dash to it, as no-recheck)' : '');
		}
		this.advance();
		let name = first.text;
		let last = first;
		while (this.isPunct('-')) {
			const dash = this.peek();
			if (dash.offset !== last.end) {
				this.fail(posOf(dash), `unexpected '-' after '${quoteText(name)}' (a dashed name may not contain spaces)`);
			}
			this.advance();
			const piece = this.peek();
			const isPiece = piece.kind === 'ident' || piece.kind === 'int' || piece.kind === 'keyword';
			if (!isPiece || piece.offset !== dash.end) {
				this.expectedAfter(`a name part right after '${quoteText(name)}-'`, isPiece ? ' (a dashed name may not contain spaces)' : '');
			}
			this.advance();
			name += '-' + piece.text;
			last = piece;
		}
		return name;
	}

	// ---- declarations -------------------------------------------------------

	private param(): ParamDecl {
		const kw = this.advance();
		const nameTok = this.peek();
		if (nameTok.kind !== 'ident') this.expectedHere("a parameter name after 'param'");
		this.advance();
		const name = nameTok.text;
		this.expectPunct('=', `'=' after the parameter name '${name}'`);
		const v = this.peek();
		const pos = posOf(kw);
		let decl: ParamDecl;
		if (v.kind === 'keyword' && (v.text === 'true' || v.text === 'false')) {
			this.advance();
			decl = {name, value: v.text === 'true', pos};
		} else if (v.kind === 'int') {
			this.advance();
			const value = this.intValue(v);
			decl = {name, value, pos};
			if (this.isKeyword('in')) {
				this.advance();
				const loTok = this.peek();
				if (loTok.kind !== 'int') this.expectedHere("a number after 'in'");
				this.advance();
				const lo = this.intValue(loTok);
				this.expectPunct('..', "'..' between the bounds of the range");
				const hiTok = this.peek();
				if (hiTok.kind !== 'int') this.expectedHere("a number after '..'");
				this.advance();
				const hi = this.intValue(hiTok);
				if (lo > hi) this.fail(posOf(loTok), `the range ${lo}..${hi} is empty`);
				if (value < lo || value > hi) {
					this.fail(posOf(v), `parameter '${name}' is ${value}, outside its range ${lo}..${hi}`);
				}
				decl.range = [lo, hi];
			}
		} else if (v.kind === 'ident') {
			this.advance();
			const choices = [v.text];
			while (this.isPunct('|')) {
				this.advance();
				const c = this.peek();
				if (c.kind !== 'ident') this.expectedHere("a choice name after '|'");
				this.advance();
				if (choices.includes(c.text)) this.fail(posOf(c), `duplicate choice '${c.text}' in parameter '${name}'`);
				choices.push(c.text);
			}
			decl = {name, value: v.text, choices, pos};
		} else {
			const kw = v.kind === 'keyword' ? ` ('${v.text}' is a keyword; choose another word)` : '';
			this.expectedHere(`a value for parameter '${name}' (true, false, a number or a name)`, kw);
		}
		this.eat(';');
		return decl;
	}

	private expectation(): Expect {
		const kw = this.advance();
		const t = this.peek();
		let expect: Expect;
		if (this.isKeyword('safe')) {
			this.advance();
			expect = {form: 'safe', basis: 'known', pos: posOf(kw)};
		} else if (this.isKeyword('violation') || this.isKeyword('no')) {
			this.advance();
			const form = t.text as 'violation' | 'no';
			// `assert` and `invariant` are keywords and kinds at once.
			const violation = this.isKeyword('assert') || this.isKeyword('invariant') ? this.advance().text : this.dashed(`a violation kind after 'expect ${form}'`);
			expect = {form, violation, basis: 'known', pos: posOf(kw)};
		} else {
			const hint = t.kind === 'ident' ? suggestion(t.text, ['safe', 'violation', 'no']) : '';
			this.expectedHere("'safe', 'violation' or 'no' after 'expect'", hint);
		}
		if (this.isKeyword('derived') || this.isKeyword('hypothesis')) {
			expect.basis = this.advance().text as 'derived' | 'hypothesis';
			const note = this.peek();
			if (note.kind === 'string') {
				this.advance();
				expect.note = note.value as string;
			}
		} else if (this.peek().kind === 'string') {
			this.fail(posOf(this.peek()), "a note needs a basis: write 'derived' or 'hypothesis' before the string");
		}
		this.eat(';');
		return expect;
	}

	private variant(): VariantDecl {
		const kw = this.advance();
		const name = this.dashed("a variant name after 'variant'");
		const shown = quoteText(name);
		const decl: VariantDecl = {name, settings: [], expects: [], pos: posOf(kw)};
		const doc = this.peek();
		if (doc.kind === 'string') {
			this.advance();
			decl.doc = doc.value as string;
		}
		const open = this.expectPunct('(', `'(' with the settings of variant '${shown}'`);
		for (;;) {
			const n = this.peek();
			if (n.kind !== 'ident') this.expectedHere(`a parameter name in the settings of variant '${shown}'`);
			this.advance();
			if (decl.settings.some((s) => s.name === n.text)) {
				this.fail(posOf(n), `duplicate setting '${n.text}' in variant '${shown}'`);
			}
			this.expectPunct('=', `'=' after '${n.text}'`);
			const value = this.expr();
			decl.settings.push({name: n.text, value, pos: posOf(n)});
			if (this.eat(',')) continue;
			if (this.eat(')')) break;
			this.expectedAfter(`',' or ')' to close the settings opened at ${at(posOf(open))}`);
		}
		this.expectPunct('{', `'{' after the settings of variant '${shown}'`);
		const close = `'}' to close variant '${shown}' opened at ${at(decl.pos)}`;
		for (;;) {
			if (this.eat('}')) return decl;
			const t = this.peek();
			if (t.kind === 'keyword' && t.text === 'expect') {
				decl.expects.push(this.expectation());
				continue;
			}
			if (t.kind === 'eof' || (t.kind === 'keyword' && TOP_LEVEL_ONLY.has(t.text))) this.expectedAfter(close);
			this.expectedHere(`'expect' or '}' in variant '${shown}'`);
		}
	}

	private machine(): MachineItem[] {
		const kw = this.advance();
		this.expectPunct('{', "'{' after 'machine'");
		return this.machineItems(`'}' to close the machine block opened at ${at(posOf(kw))}`);
	}

	/** Items up to and including the closing `}`. */
	private machineItems(close: string): MachineItem[] {
		const items: MachineItem[] = [];
		for (;;) {
			if (this.eat('}')) return items;
			const t = this.peek();
			if (t.kind === 'eof' || (t.kind === 'keyword' && TOP_LEVEL_ONLY.has(t.text))) this.expectedAfter(close);
			items.push(this.machineItem());
		}
	}

	private machineItem(): MachineItem {
		const t = this.peek();
		this.enter(t);
		let item: MachineItem;
		if (this.isKeyword('if')) {
			this.advance();
			const cond = this.condition();
			const then = this.machineBody();
			let otherwise: MachineItem[] = [];
			if (this.isKeyword('else')) {
				this.advance();
				otherwise = this.machineBody();
			}
			item = {kind: 'if', cond, then, else: otherwise, pos: posOf(t)};
		} else if (t.kind === 'ident') {
			this.advance();
			const open = this.expectPunct('(', `'(' after the set-up call '${quoteText(t.text)}'`);
			const args = this.args(t.text, open);
			this.expectPunct(';', "';' after the set-up call");
			item = {kind: 'setup', call: t.text, args, pos: posOf(t)};
		} else {
			const hint = this.isKeyword('else') ? " ('else' without a matching 'if')" : '';
			this.expectedHere("a set-up call or 'if' in the machine block", hint);
		}
		this.leave();
		return item;
	}

	private machineBody(): MachineItem[] {
		if (this.isPunct('{')) {
			const open = this.advance();
			return this.machineItems(`'}' to close the block opened at ${at(posOf(open))}`);
		}
		return [this.machineItem()];
	}

	/** A C type: `unsigned long`, `struct page *`, `static inline bool`. Returns the words and whether it is a pointer. */
	private cType(what: string): {words: string[]; pointer: boolean; text: string} {
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
	private declaration(): GlobalDecl | FunctionDecl {
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

	private functionRest(name: string, returnsValue: boolean, pos: Pos): FunctionDecl {
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

	/** `irq dev_irq on cpu 0 "label" { ... }` */
	private irq(): IrqDecl {
		const kw = this.advance();
		const name = this.advance().text;
		if (this.peek().kind === 'ident' && this.peek().text === 'on') this.advance();
		if (!this.isKeyword('cpu')) this.expectedHere(`'on cpu N' after 'irq ${name}' (the CPU its handler runs on)`);
		this.advance();
		const idTok = this.peek();
		if (idTok.kind !== 'int') this.expectedHere(`a cpu number for irq ${name}`);
		this.advance();
		let label = name;
		if (this.peek().kind === 'string') label = this.advance().value as string;
		this.expectPunct('{', `'{' to open the handler of irq ${name}`);
		const body = this.statements(`'}' to close irq ${name} opened at ${at(posOf(kw))}`);
		return {name, cpu: this.intValue(idTok), label, body, pos: posOf(kw), endLine: this.prev!.line};
	}

	private cpu(cpus: Map<number, Pos>): CpuDecl {
		const kw = this.advance();
		const idTok = this.peek();
		if (idTok.kind !== 'int') this.expectedHere("a cpu number after 'cpu'");
		this.advance();
		const id = this.intValue(idTok);
		const seen = cpus.get(id);
		if (seen) this.fail(posOf(idTok), `duplicate cpu ${id} (first at ${at(seen)})`);
		cpus.set(id, posOf(kw));
		let label = '';
		const str = this.peek();
		if (str.kind === 'string') {
			this.advance();
			label = str.value as string;
		}
		// `cpu 0 "gup-fast" * gups { ... }`: the block runs on `gups` CPUs.
		let replicas: Expr | undefined;
		if (this.isPunct('*')) {
			this.advance();
			replicas = this.expr();
		}
		this.expectPunct('{', `'{' to open the body of cpu ${id}`);
		const body = this.statements(`'}' to close cpu ${id} opened at ${at(posOf(kw))}`);
		return {id, label, body, pos: posOf(kw), endLine: this.prev!.line, ...(replicas ? {replicas} : {})};
	}

	// ---- statements ---------------------------------------------------------

	/** Statements up to and including the closing `}`. */
	private statements(close: string): Stmt[] {
		const out: Stmt[] = [];
		for (;;) {
			if (this.eat('}')) return out;
			const t = this.peek();
			if (t.kind === 'eof' || (t.kind === 'keyword' && TOP_LEVEL_ONLY.has(t.text))) this.expectedAfter(close);
			this.statement(out);
		}
	}

	/** One statement with the labels before it, appended to `out`. */
	private statement(out: Stmt[]): void {
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
	private body(): Stmt {
		const list: Stmt[] = [];
		this.statement(list);
		if (list.length === 1 && list[0]!.kind !== 'label') return list[0]!;
		return {kind: 'block', body: list, pos: list[0]!.pos};
	}

	private semicolon(): void {
		this.expectPunct(';', "';' after the statement");
	}

	/** `( expr )` after `if` or `while`. */
	private condition(): Expr {
		const open = this.expectPunct('(', `'(' after '${this.prev!.text}'`);
		const cond = this.expr();
		if (!this.isPunct(')')) {
			const hint = this.isPunct('=') ? " (did you mean '=='?)" : '';
			this.expectedAfter(`')' to close the condition opened at ${at(posOf(open))}`, hint);
		}
		this.advance();
		return cond;
	}

	private simpleStatement(): Stmt {
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
	private simple(): Stmt {
		const t = this.peek();
		const pos = posOf(t);
		if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
			this.advance();
			const n = this.peek();
			if (n.kind !== 'ident') this.expectedHere(`a variable name after '${t.text}'`);
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
		if (this.isPunct('=') || (this.peek().kind === 'punct' && this.peek().text in COMPOUND)) {
			this.fail(posOf(this.peek()), 'cannot assign to an expression (only to a variable name)');
		}
		if (this.isPunct('++') || this.isPunct('--')) this.fail(posOf(this.peek()), `'${this.peek().text}' applies to a variable name only`);
		return {kind: 'expr', expr, pos};
	}

	private increment(name: Token, op: string, pos: Pos): Stmt {
		const one: Expr = {kind: 'int', value: 1, pos};
		const value: Expr = {kind: 'binary', op: op === '++' ? '+' : '-', left: {kind: 'name', name: name.text, pos: posOf(name)}, right: one, pos};
		return {kind: 'assign', target: name.text, value, pos};
	}

	/** `pte_t pte = ...`, `int i;`, `struct page *page = ...` inside code. */
	private isCDeclaration(): boolean {
		const t = this.peek();
		if (t.text === 'struct' || t.text === 'static') return this.peek(1).kind === 'ident';
		if (!TYPE_WORDS.has(t.text)) return false;
		const n = this.peek(1);
		return n.kind === 'ident' || (n.kind === 'punct' && n.text === '*' && this.peek(2).kind === 'ident');
	}

	private cDeclarationHabit(t: Token): never {
		let k = t.text === 'struct' ? 2 : 1;
		while (this.isPunct('*', k) || (this.peek(k).kind === 'ident' && TYPE_WORDS.has(this.peek(k).text))) k++;
		const name = this.peek(k);
		const init = this.isPunct('=', k + 1);
		const what = name.kind === 'ident' ? name.text : 'x';
		this.fail(posOf(t), init
			? `locals need no type: declare a local by assigning it: ${what} = ...;`
			: `locals need no declaration: assign it where it gets its value (${what} = ...;); shared variables are declared at the top level`);
	}

	private keywordStatement(t: Token): Stmt {
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

	// ---- expressions --------------------------------------------------------

	private node(e: Expr, height: number, tok: Token): Expr {
		if (height > MAX_NESTING) this.fail(posOf(tok), `nesting too deep (more than ${MAX_NESTING} levels)`);
		this.heights.set(e, height);
		return e;
	}

	private height(e: Expr): number {
		return this.heights.get(e) ?? 1;
	}

	parseLoneExpression(): Expr {
		const e = this.expr();
		if (this.peek().kind !== 'eof') this.expectedHere('an operator or the end of the expression');
		return e;
	}

	private expr(): Expr {
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

	private binary(level: number): Expr {
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

	private unary(): Expr {
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

	private postfix(): Expr {
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
			} else if (this.isPunct('->')) {
				this.fail(posOf(t), "use '.' to read a field, not '->'");
			} else {
				return e;
			}
			bare = false;
		}
	}

	/** Arguments after the `(`, up to and including the `)`. */
	private args(callee: string, open: Token): Expr[] {
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

	private primary(): Expr {
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

/** Parses a scenario file; throws a Diagnostic on the first error. */
export function parseScenario(text: string, file: string): Scenario {
	return new Parser(text, file).parseFile();
}

/** Parses a lone expression (for tests and tools); throws a Diagnostic on bad input. */
export function parseExpression(text: string, file: string): Expr {
	return new Parser(text, file).parseLoneExpression();
}
