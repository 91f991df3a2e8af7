// The parser of the scenario language: hand-written recursive descent over
// the grammar in docs/grammar.md, in layers, each a file: the token cursor and
// its errors (token-cursor.ts), expressions (parse-expr.ts), statements
// (parse-stmt.ts), C declarations (parse-decl.ts), and here the file: its
// header, params, expectations, variants, the machine block, cpus and irqs.

import type {CpuDecl, Expect, Expr, IrqDecl, MachineItem, ParamDecl, Pos, Scenario, VariantDecl} from './ast.js';
import {suggestion} from './diagnostics.js';
import {quoteText} from './lexer.js';
import {DECL_PREFIX, LOCK_MACROS, TYPE_SPELLINGS, TYPE_WORDS} from './ctypes.js';
import {DeclParser} from './parse-decl.js';
import {HEADERS, TOP_LEVEL_ONLY, TOP_LEVEL_WORDS} from './parse-stmt.js';
import {at, posOf} from './token-cursor.js';

export {MAX_NESTING} from './token-cursor.js';

class Parser extends DeclParser {
	parseFile(): Scenario {
		const first = this.peek();
		if (!this.isKeyword('scenario')) {
			// a file opened the C way (#define, #include, a declaration) gets where the header goes
			const hint = first.kind === 'ident' || first.kind === 'keyword'
				? suggestion(first.text, ['scenario']) || " (the header comes first: scenario NAME, then title, then the rest)"
				: first.kind === 'punct' && first.text === '#' ? ' (the header comes first: scenario NAME; a #define goes after it)' : '';
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
					if (tok.kind === 'punct' && tok.text === '#') {
						const c = this.directive();
						this.declare(names, 'const', c.name, c.pos);
						sc.consts.push(c);
						break;
					}
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
					// `atomic` is the language's keyword too: `atomic n;` is still a type another language spells so.
					const kernel = (tok.kind === 'ident' || tok.kind === 'keyword') && Object.hasOwn(TYPE_SPELLINGS, tok.text) ? TYPE_SPELLINGS[tok.text] : undefined;
					if (kernel) {
						const name = this.peek(1).kind === 'ident' ? quoteText(this.peek(1).text) : 'name';
						this.fail(posOf(tok), `unknown keyword '${quoteText(tok.text)}' at the top level (the kernel's type is '${kernel}': ${kernel} ${name};)`);
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

	/** `#define NAME value` is a const; other directives get what to write instead. */
	protected directive(): {name: string; value: Expr; pos: Pos} {
		const hash = this.advance();
		const word = this.peek();
		const pos = posOf(hash);
		if ((word.kind !== 'ident' && word.kind !== 'keyword') || word.line !== hash.line) this.fail(pos, "expected a directive right after '#' (#define NAME value)");
		if (word.text !== 'define') {
			const instead: Record<string, string> = {
				include: 'a scenario has no headers: delete it (every primitive is built in, docs/primitives.md)',
				ifdef: 'a configuration switch is a param: param config_x = true, then if (config_x) in the code',
				ifndef: 'a configuration switch is a param: param config_x = true, then if (!config_x) in the code',
				if: 'a configuration switch is a param: param config_x = true, then if (config_x) in the code',
			};
			this.fail(posOf(word), `#${quoteText(word.text)} is not part of the language: ${Object.hasOwn(instead, word.text) ? instead[word.text] : 'only #define NAME value is (a const)'}`);
		}
		this.advance();
		const name = this.peek();
		if (name.kind !== 'ident' || name.line !== hash.line) this.expectedHere('a name after #define');
		this.advance();
		if (this.isPunct('(') && this.peek().offset === name.end) this.fail(posOf(this.peek()), `a macro with parameters is not supported: write a helper function (static int ${name.text}(...) { ... })`);
		if (this.peek().line !== name.line || this.peek().kind === 'eof') this.fail(posOf(name), `#define ${name.text} has no value: a switch is a param (param ${name.text.toLowerCase()} = true), a value goes on the same line`);
		const value = this.expr();
		if (this.prev!.line !== name.line) this.fail(posOf(this.prev!), `#define ${name.text}: the value must end on its line`);
		if (this.peek().line === name.line && this.peek().kind !== 'eof') this.expectedHere(`the end of #define ${name.text} (one value per line)`);
		return {name: name.text, value, pos};
	}

	protected declare(names: Map<string, {kind: string; pos: Pos}>, kind: string, name: string, pos: Pos): void {
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
	protected dashed(what: string): string {
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

	// ---- params, expectations, variants, the machine ----------------------

	protected param(): ParamDecl {
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

	protected expectation(): Expect {
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

	protected variant(): VariantDecl {
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

	protected machine(): MachineItem[] {
		const kw = this.advance();
		this.expectPunct('{', "'{' after 'machine'");
		return this.machineItems(`'}' to close the machine block opened at ${at(posOf(kw))}`);
	}

	/** Items up to and including the closing `}`. */
	protected machineItems(close: string): MachineItem[] {
		const items: MachineItem[] = [];
		for (;;) {
			if (this.eat('}')) return items;
			const t = this.peek();
			if (t.kind === 'eof' || (t.kind === 'keyword' && TOP_LEVEL_ONLY.has(t.text))) this.expectedAfter(close);
			items.push(this.machineItem());
		}
	}

	protected machineItem(): MachineItem {
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

	protected machineBody(): MachineItem[] {
		if (this.isPunct('{')) {
			const open = this.advance();
			return this.machineItems(`'}' to close the block opened at ${at(posOf(open))}`);
		}
		return [this.machineItem()];
	}


	/** `irq dev_irq on cpu 0 "label" { ... }` */
	protected irq(): IrqDecl {
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

	protected cpu(cpus: Map<number, Pos>): CpuDecl {
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

}

/** Parses a scenario file; throws a Diagnostic on the first error. */
export function parseScenario(text: string, file: string): Scenario {
	return new Parser(text, file).parseFile();
}

/** Parses a lone expression (for tests and tools); throws a Diagnostic on bad input. */
export function parseExpression(text: string, file: string): Expr {
	return new Parser(text, file).parseLoneExpression();
}
