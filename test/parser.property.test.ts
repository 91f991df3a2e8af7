import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import type {BinaryOp, Expr} from '../source/lang/ast.js';
import {Diagnostic} from '../source/lang/diagnostics.js';
import {KEYWORDS, tokenize} from '../source/lang/lexer.js';
import {exprText} from '../source/lang/operators.js';
import {parseExpression, parseScenario} from '../source/lang/parser.js';
import {splitLines} from '../source/lang/visible.js';
import {EXAMPLE} from './helpers/example-scenario.js';


/**
 * Parses `text`; it must either succeed or throw a Diagnostic whose position
 * lies inside the text and whose message is one line.
 */
function checkParse(text: string): void {
	try {
		parseScenario(text, 'p.race');
	} catch (err) {
		if (!(err instanceof Diagnostic)) throw new Error(`not a Diagnostic: ${String(err)} for ${JSON.stringify(text)}`);
		// lines as the lexer counts them: LF, CRLF and a lone CR each end one
		const lines = splitLines(text);
		expect(err.line).toBeGreaterThanOrEqual(1);
		expect(err.line).toBeLessThanOrEqual(lines.length);
		expect(err.col).toBeGreaterThanOrEqual(1);
		expect(err.col).toBeLessThanOrEqual(Array.from(lines[err.line - 1]!).length + 1);
		expect(err.message).not.toMatch(/[\r\n]/);
		expect(err.message.startsWith(`p.race:${err.line}:${err.col}: `)).toBe(true);
		expect(err.render()).toContain('^');
	}
}

// ---- (a) arbitrary input --------------------------------------------------

const loneSurrogate = fc.integer({min: 0xd800, max: 0xdfff}).map((c) => String.fromCharCode(c));
const oddChar = fc.constantFrom('\0', '\r', '\n', '\t', '\r\n', '"', '\\', '/', '*', '-', '\u2028', '\uFEFF', '✱', '🙂', "'", '@', '0', '_');
const anyUnit = fc.oneof(
	{weight: 4, arbitrary: fc.string({unit: 'binary', minLength: 1, maxLength: 1})},
	{weight: 2, arbitrary: fc.string({unit: 'grapheme-ascii', minLength: 1, maxLength: 1})},
	{weight: 1, arbitrary: loneSurrogate},
	{weight: 2, arbitrary: oddChar},
);

const PUNCT = ['{', '}', '(', ')', '[', ']', '#', ',', ';', ':', '.', '=', '==', '!=', '<', '<=', '>', '>=', '!', '&&', '||', '&', '|', '^', '~', '<<', '>>', '+', '-', '*', '/', '%', '->', '..'];

const tokenArb = fc.oneof(
	{weight: 5, arbitrary: fc.constantFrom(...KEYWORDS)},
	{weight: 6, arbitrary: fc.constantFrom(...PUNCT)},
	{weight: 3, arbitrary: fc.constantFrom('x', 'pte', 'bail', 'f', 'use', 'after', 'free', '_a1', 'titel')},
	{weight: 2, arbitrary: fc.constantFrom('0', '1', '42', '0x7f_0000', '9007199254740991', '9007199254740992', '08', '0x', '1_', '3abc')},
	{weight: 2, arbitrary: fc.constantFrom('"s"', '"a\\"b"', '"✱"', '"unterminated', '"bad\\q"', '"', '/*', '*/', '// c\n', '/* c */')},
	{weight: 1, arbitrary: fc.constantFrom('@', '$', '\0', '\ud800', '`')},
);
const separator = fc.constantFrom('', '', ' ', ' ', '\n', '\t', '\r\n');
const prefix = fc.constantFrom(
	'',
	'scenario x\n',
	'scenario x\ncpu 0 {\n',
	'scenario x\ncpu 0 { if (a) ',
	'scenario x\nmachine {\n',
	'scenario x\nvariant v (a = 1) {\n',
	'scenario x\nconst C = ',
	'scenario x\nparam p = ',
	'scenario x\nexpect ',
);
const soup = fc
	.tuple(prefix, fc.array(fc.tuple(tokenArb, separator), {maxLength: 60}))
	.map(([head, parts]) => head + parts.map(([tok, sep]) => tok + sep).join(''));

describe('(a) arbitrary input only ever throws Diagnostic, and terminates', () => {
	it('arbitrary unicode strings (with lone surrogates, NUL, \\r\\n)', () => {
		fc.assert(
			fc.property(fc.string({unit: anyUnit, maxLength: 200}), (text) => {
				checkParse(text);
				checkParse('scenario x\ncpu 0 {' + text);
			}),
			{numRuns: 2500},
		);
	});

	it('soups of real tokens', () => {
		fc.assert(fc.property(soup, (text) => checkParse(text)), {numRuns: 5000});
	});

	it('tokenize throws nothing but Diagnostic', () => {
		fc.assert(
			fc.property(fc.oneof(soup, fc.string({unit: anyUnit, maxLength: 100})), (text) => {
				try {
					const toks = tokenize(text, 't');
					expect(toks.at(-1)!.kind).toBe('eof');
					for (const t of toks) expect(text.slice(t.offset, t.end)).toBe(t.text);
				} catch (err) {
					expect(err).toBeInstanceOf(Diagnostic);
				}
			}),
			{numRuns: 2000},
		);
	});

	// No timer here: a timed bound fails under load and proves nothing on a quiet machine (performance is npm run bench's).
	it('huge inputs parse (or fail with a diagnostic) without overflowing the stack', () => {
		const body = 'x = f(a, b.c) + 1;\n'.repeat(100_000);
		const sc = parseScenario(`scenario big\ncpu 0 {\n${body}}\n`, 'big');
		expect(sc.cpus[0]!.body).toHaveLength(100_000);
		expect(sc.cpus[0]!.endLine).toBe(100_003);
		checkParse('{'.repeat(1_000_000));
		checkParse('scenario x\ncpu 0 {' + '('.repeat(1_000_000));
		checkParse('scenario x\ncpu 0 { x = ' + '!-~'.repeat(300_000));
		checkParse('scenario x\ncpu 0 { x = ' + 'a+'.repeat(500_000) + 'a; }');
		checkParse('scenario x\ncpu 0 {' + 'l: '.repeat(300_000) + '}');
		checkParse('scenario ' + 'a-'.repeat(300_000) + 'b');
		checkParse('scenario x\ntitle "' + 'é'.repeat(1_000_000));
		checkParse('scenario x\n/*' + ' '.repeat(1_000_000));
		checkParse('scenario x\nconst C = ' + '9'.repeat(1_000_000));
		checkParse('scenario x\n' + 'x'.repeat(1_000_000));
	});
});

// ---- (b) mutations of a valid scenario ------------------------------------

const exampleTokens = tokenize(EXAMPLE, 'example').filter((t) => t.kind !== 'eof');

type Mutation =
	| {kind: 'delete-token' | 'duplicate-token'; i: number}
	| {kind: 'swap-tokens'; i: number; j: number}
	| {kind: 'delete-char' | 'duplicate-char'; i: number}
	| {kind: 'swap-chars'; i: number; j: number}
	| {kind: 'insert-char'; i: number; c: string}
	| {kind: 'replace-token'; i: number; by: string};

const tokenIndex = fc.nat({max: exampleTokens.length - 1});
const charIndex = fc.nat({max: EXAMPLE.length - 1});
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.record({kind: fc.constantFrom('delete-token' as const, 'duplicate-token' as const), i: tokenIndex}),
	fc.record({kind: fc.constant('swap-tokens' as const), i: tokenIndex, j: tokenIndex}),
	fc.record({kind: fc.constantFrom('delete-char' as const, 'duplicate-char' as const), i: charIndex}),
	fc.record({kind: fc.constant('swap-chars' as const), i: charIndex, j: charIndex}),
	fc.record({kind: fc.constant('insert-char' as const), i: charIndex, c: anyUnit}),
	fc.record({kind: fc.constant('replace-token' as const), i: tokenIndex, by: tokenArb}),
);

function apply(text: string, m: Mutation): string {
	const tok = (i: number) => exampleTokens[i]!;
	switch (m.kind) {
		case 'delete-token':
			return text.slice(0, tok(m.i).offset) + text.slice(tok(m.i).end);
		case 'duplicate-token':
			return text.slice(0, tok(m.i).end) + ' ' + tok(m.i).text + text.slice(tok(m.i).end);
		case 'replace-token':
			return text.slice(0, tok(m.i).offset) + m.by + text.slice(tok(m.i).end);
		case 'swap-tokens': {
			const [a, b] = m.i <= m.j ? [tok(m.i), tok(m.j)] : [tok(m.j), tok(m.i)];
			if (a === b) return text;
			return text.slice(0, a.offset) + b.text + text.slice(a.end, b.offset) + a.text + text.slice(b.end);
		}
		case 'delete-char':
			return text.slice(0, m.i) + text.slice(m.i + 1);
		case 'duplicate-char':
			return text.slice(0, m.i + 1) + text.slice(m.i);
		case 'insert-char':
			return text.slice(0, m.i) + m.c + text.slice(m.i);
		case 'swap-chars': {
			const [i, j] = m.i <= m.j ? [m.i, m.j] : [m.j, m.i];
			if (i === j) return text;
			return text.slice(0, i) + text[j] + text.slice(i + 1, j) + text[i] + text.slice(j + 1);
		}
	}
}

describe('(b) mutations of a valid scenario', () => {
	it('the unmutated example parses', () => {
		expect(parseScenario(EXAMPLE, 'p.race').cpus).toHaveLength(2);
	});

	it('only ever throw Diagnostic with a position inside the text', () => {
		fc.assert(
			fc.property(fc.array(mutation, {minLength: 1, maxLength: 3}), (ms) => {
				checkParse(ms.reduce(apply, EXAMPLE));
			}),
			{numRuns: 3000},
		);
	});

	it('single-character deletions are all handled (exhaustive)', () => {
		for (let i = 0; i < EXAMPLE.length; i++) checkParse(EXAMPLE.slice(0, i) + EXAMPLE.slice(i + 1));
	});

	it('every truncation is handled (exhaustive)', () => {
		for (let i = 0; i < EXAMPLE.length; i++) checkParse(EXAMPLE.slice(0, i));
	});
});

// ---- (c) printing and re-parsing expressions ----------------------------------

const PREC: Record<BinaryOp, number> = {
	'||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7,
	'<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/** Prints with the fewest parentheses that keep the tree (left-associative operators). */
function print(e: Expr, min = 0): string {
	let s: string;
	let prec: number;
	switch (e.kind) {
		case 'int':
			return String(e.value);
		case 'bool':
			return String(e.value);
		case 'null':
			return 'NULL';
		case 'name':
			return e.name;
		case 'call':
			return `${e.callee}(${e.args.map((a) => print(a)).join(', ')})`;
		case 'field':
			s = `${print(e.object, 12)}.${e.field}`;
			prec = 12;
			break;
		case 'unary':
			// `- -x`, never `--x` (a decrement, as in C).
			s = `${e.op}${e.op === '-' && print(e.arg, 11).startsWith('-') ? ' ' : ''}${print(e.arg, 11)}`;
			prec = 11;
			break;
		case 'binary':
			prec = PREC[e.op];
			s = `${print(e.left, prec)} ${e.op} ${print(e.right, prec + 1)}`;
			break;
		case 'cond':
			// Right-associative and lowest: the condition binds tighter, the branches may be anything.
			prec = 0;
			s = `${print(e.cond, 1)} ? ${print(e.then, 0)} : ${print(e.else, 0)}`;
			break;
		case 'addr':
			s = `&${print(e.arg, 12)}`;
			prec = 11;
			break;
		case 'index':
			s = `${e.array}[${print(e.index, 0)}]`;
			prec = 12;
			break;
	}
	return prec < min ? `(${s})` : s;
}

function strip(e: Expr): unknown {
	return JSON.parse(JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v)));
}

const P = {line: 1, col: 1};
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{e: Expr}>((tie) => ({
	e: fc.oneof(
		{depthSize: 'small', withCrossShrink: true},
		fc.nat({max: 0xffff}).map((value): Expr => ({kind: 'int', value, pos: P})),
		fc.constantFrom('a', 'pte', 'x_1').map((name): Expr => ({kind: 'name', name, pos: P})),
		fc.boolean().map((value): Expr => ({kind: 'bool', value, pos: P})),
		fc.constant<Expr>({kind: 'null', pos: P}),
		fc.tuple(fc.constantFrom(...(Object.keys(PREC) as BinaryOp[])), tie('e'), tie('e')).map(([op, left, right]): Expr => ({kind: 'binary', op, left, right, pos: P})),
		fc.tuple(fc.constantFrom('!' as const, '-' as const, '~' as const), tie('e')).map(([op, arg]): Expr => ({kind: 'unary', op, arg, pos: P})),
		fc.tuple(fc.constantFrom('f', 'pte_pfn'), fc.array(tie('e'), {maxLength: 3})).map(([callee, args]): Expr => ({kind: 'call', callee, args, pos: P})),
		fc.tuple(tie('e'), fc.constantFrom('pfn', 'flags')).map(([object, field]): Expr => ({kind: 'field', object, field, pos: P})),
		fc.tuple(tie('e'), tie('e'), tie('e')).map(([cond, then, otherwise]): Expr => ({kind: 'cond', cond, then, else: otherwise, pos: P})),
		fc.constantFrom('ptl', 'count').map((name): Expr => ({kind: 'addr', arg: {kind: 'name', name, pos: P}, pos: P})),
		fc.tuple(fc.constantFrom('cnt', 'locks'), tie('e')).map(([array, index]): Expr => ({kind: 'index', array, index, pos: P})),
	),
})).e;

describe('(c) expressions survive printing and re-parsing', () => {
	it('print then parse gives the same tree', () => {
		fc.assert(
			fc.property(exprArb, (e) => {
				expect(strip(parseExpression(print(e), 'e'))).toEqual(strip(e));
			}),
			{numRuns: 1500},
		);
	});

	it("racewalk's own printer (the trace's and the messages' text) keeps the parentheses the tree needs", () => {
		fc.assert(
			fc.property(exprArb, (e) => {
				expect(strip(parseExpression(exprText(e), 'e'))).toEqual(strip(e));
			}),
			{numRuns: 1500},
		);
		const text = (src: string) => exprText(parseExpression(src, 'e'));
		expect(text('(x + 1) * 2 == 2')).toBe('(x + 1) * 2 == 2');
		expect(text('x - (x - 1) == 0')).toBe('x - (x - 1) == 0');
		expect(text('x - x - 1')).toBe('x - x - 1');
		expect(text('-(-x)')).toBe('-(-x)');
		expect(text('!(a && b) || (c ? d : e)')).toBe('!(a && b) || (c ? d : e)');
	});
});
