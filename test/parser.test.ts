import {describe, expect, it} from 'vitest';
import type {Expr, Stmt} from '../source/lang/ast.js';
import {Diagnostic} from '../source/lang/diagnostics.js';
import {tokenize} from '../source/lang/lexer.js';
import {parseExpression, parseScenario} from '../source/lang/parser.js';
import {EXAMPLE} from './helpers/example-scenario.js';


/** A compact, position-free rendering of an expression: `(op a b)`. */
function show(e: Expr): string {
	switch (e.kind) {
		case 'int':
			return String(e.value);
		case 'bool':
			return String(e.value);
		case 'null':
			return 'NULL';
		case 'name':
			return e.name;
		case 'unary':
			return `(${e.op} ${show(e.arg)})`;
		case 'binary':
			return `(${e.op} ${show(e.left)} ${show(e.right)})`;
		case 'call':
			return `${e.callee}(${e.args.map(show).join(', ')})`;
		case 'field':
			return `${show(e.object)}.${e.field}`;
		case 'cond':
			return `(? ${show(e.cond)} ${show(e.then)} ${show(e.else)})`;
		case 'addr':
			return `(& ${show(e.arg)})`;
		case 'index':
			return `${e.array}[${show(e.index)}]`;
	}
}

function kinds(body: Stmt[]): string[] {
	return body.map((s) => s.kind);
}

function diagnosticOf(fn: () => unknown): Diagnostic {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(Diagnostic);
		return err as Diagnostic;
	}
	throw new Error('expected a Diagnostic, but nothing was thrown');
}

const H = 'scenario s\n';

describe('lexer', () => {
	it('produces kinds, values and 1-based positions', () => {
		const toks = tokenize('cpu 0x1_0 "a\\tb" x_1 <= ..\n\t-> y', 'f');
		expect(toks.map((t) => [t.kind, t.text, t.value, t.line, t.col])).toEqual([
			['keyword', 'cpu', undefined, 1, 1],
			['int', '0x1_0', 16, 1, 5],
			['string', '"a\\tb"', 'a\tb', 1, 11],
			['ident', 'x_1', undefined, 1, 18],
			['punct', '<=', undefined, 1, 22],
			['punct', '..', undefined, 1, 25],
			['punct', '->', undefined, 2, 2],
			['ident', 'y', undefined, 2, 5],
			['eof', '', undefined, 2, 6],
		]);
		expect(toks[2]).toMatchObject({offset: 10, end: 16, endCol: 17});
	});

	it('handles \\r\\n line endings, comments and UTF-8 in strings', () => {
		const toks = tokenize('a // x\r\n/* b\r\n c */ "✱🙂" d\r\n', 'f');
		expect(toks.map((t) => [t.text, t.line, t.col])).toEqual([
			['a', 1, 1],
			['"✱🙂"', 3, 7],
			['d', 3, 12],
			['', 4, 1],
		]);
		expect(toks[1]!.value).toBe('✱🙂');
	});

	it('skips a byte-order mark and accepts the largest safe integer', () => {
		const toks = tokenize('\uFEFFx 9_007_199_254_740_991 0x1FFFFFFFFFFFFF', 'f');
		expect(toks[0]).toMatchObject({text: 'x', line: 1, col: 1});
		expect(toks[1]!.value).toBe(Number.MAX_SAFE_INTEGER);
		expect(toks[2]!.value).toBe(Number.MAX_SAFE_INTEGER);
	});
});

describe('parseScenario: the fsdax example', () => {
	const sc = parseScenario(EXAMPLE, 'fsdax.race');

	it('reads the name and headers', () => {
		expect(sc.name).toBe('fsdax-unbind-2021');
		expect(sc.title).toBe('fs-dax: unbind pmem while O_DIRECT runs gup-fast (v5.11)');
		expect(sc.era).toBe('E21: v5.11-v5.15');
		expect(sc.sources).toEqual(['linux-nvdimm, 2021-02-23, Re: [PATCH RFC 0/9] mm, sparse-vmemmap']);
		expect(sc.notes).toEqual([]);
		expect(sc.pos).toEqual({line: 1, col: 1});
	});

	it('reads params, consts and expectations', () => {
		expect(sc.params).toEqual([
			{name: 'gup_pgmap_check', value: true, pos: {line: 6, col: 1}},
			{name: 'mapping', value: 'pte', choices: ['pte', 'pmd'], pos: {line: 7, col: 1}},
			{name: 'pages', value: 1, range: [1, 8], pos: {line: 8, col: 1}},
		]);
		expect(sc.consts).toEqual([{name: 'VA', value: {kind: 'int', value: 0x7f0000, pos: {line: 10, col: 12}}, pos: {line: 10, col: 1}}]);
		expect(sc.expects).toEqual([
			{form: 'violation', violation: 'stale-mapping', basis: 'known', pos: {line: 12, col: 1}},
			{form: 'no', violation: 'use-after-free', basis: 'known', pos: {line: 13, col: 1}},
			{form: 'violation', violation: 'livelock', basis: 'derived', note: 'confirmed by code reading', pos: {line: 14, col: 1}},
		]);
	});

	it('reads the variant', () => {
		expect(sc.variants).toHaveLength(1);
		const v = sc.variants[0]!;
		expect(v).toMatchObject({name: 'noref', doc: 'NOREF: gup-fast skips get_dev_pagemap', pos: {line: 16, col: 1}});
		expect(v.settings).toEqual([{name: 'gup_pgmap_check', value: {kind: 'bool', value: false, pos: {line: 16, col: 74}}, pos: {line: 16, col: 56}}]);
		expect(v.expects).toEqual([{form: 'violation', violation: 'use-after-free', basis: 'known', pos: {line: 17, col: 2}}]);
	});

	it('reads the machine block', () => {
		expect(sc.machine.map((m) => (m.kind === 'setup' ? m.call : 'if'))).toEqual(['flush', 'pgmap', 'if', 'mm_cpumask']);
		const [flush, pgmap, cond] = sc.machine;
		expect(flush).toEqual({kind: 'setup', call: 'flush', args: [{kind: 'name', name: 'ipi', pos: {line: 21, col: 8}}], pos: {line: 21, col: 2}});
		expect(pgmap!.kind === 'setup' && pgmap.args.map(show)).toEqual(['pmem0', 'fsdax', '256', 'pages']);
		if (cond!.kind !== 'if') throw new Error('expected an if');
		expect(show(cond.cond)).toBe('(== mapping pmd)');
		expect(cond.then.map((m) => m.kind === 'setup' && [m.call, m.args.length])).toEqual([['map', 6]]);
		expect(cond.else.map((m) => m.kind === 'setup' && [m.call, m.args.length])).toEqual([['map', 5]]);
		expect(cond.pos).toEqual({line: 23, col: 2});
	});

	it('reads the cpus', () => {
		expect(sc.cpus.map((c) => [c.id, c.label, c.pos.line, c.endLine])).toEqual([
			[0, 'gup-fast', 28, 53],
			[1, 'unbind', 55, 55],
		]);
		const body = sc.cpus[0]!.body;
		expect(kinds(body)).toEqual([
			'expr', 'assign', 'if', 'assign', 'if', 'assign', 'if', 'if', 'atomic', 'assert', 'while', 'expr', 'return',
			'label', 'expr', 'label',
		]);
		expect(body[1]).toMatchObject({kind: 'assign', target: 'pmd', pos: {line: 30, col: 2}});
		expect(body[2]).toMatchObject({kind: 'if', then: {kind: 'goto', label: 'bail'}});
		const nested = body[4]!;
		if (nested.kind !== 'if') throw new Error('expected an if');
		expect(nested.then.kind).toBe('block');
		expect(nested.else).toMatchObject({kind: 'if', then: {kind: 'goto', label: 'bail'}, pos: {line: 38, col: 9}});
		const cond = body[7]!;
		if (cond.kind !== 'if') throw new Error('expected an if');
		expect(show(cond.cond)).toBe('(|| (!= pte.pfn ptep_get_lockless(pmd, VA).pfn) (>= (<< x 2) (& y 255)))');
		expect(body[8]).toMatchObject({kind: 'atomic', body: [{kind: 'await'}, {kind: 'expr'}]});
		expect(body[9]).toMatchObject({kind: 'assert', message: 'gup returned no page'});
		expect(body[10]).toMatchObject({kind: 'while', body: {kind: 'assign', target: 'retry'}});
		expect(body.slice(13).map((s) => (s.kind === 'label' ? s.name : s.kind))).toEqual(['bail', 'expr', 'done']);
		expect(body[13]!.pos).toEqual({line: 50, col: 1});
	});

	it('reads the invariant', () => {
		expect(sc.invariants).toHaveLength(1);
		expect(sc.invariants[0]!.name).toBe('refcount never negative');
		expect(show(sc.invariants[0]!.expr)).toBe('(>= page_refcount(256) 0)');
		expect(sc.invariants[0]!.pos).toEqual({line: 57, col: 1});
	});

	it('gives the same result with \\r\\n line endings', () => {
		expect(parseScenario(EXAMPLE.replace(/\n/g, '\r\n'), 'fsdax.race')).toEqual(sc);
	});
});

describe('expressions', () => {
	it.each([
		['a || b && c', '(|| a (&& b c))'],
		['a && b | c', '(&& a (| b c))'],
		['a | b ^ c', '(| a (^ b c))'],
		['a ^ b & c', '(^ a (& b c))'],
		['a & b == c', '(& a (== b c))'],
		['a == b < c', '(== a (< b c))'],
		['a != b >= c', '(!= a (>= b c))'],
		['a < b << c', '(< a (<< b c))'],
		['a >> b + c', '(>> a (+ b c))'],
		['a - b * c', '(- a (* b c))'],
		['a - b - c', '(- (- a b) c)'],
		['a / b % c', '(% (/ a b) c)'],
		['(a + b) * c', '(* (+ a b) c)'],
		['-a * ~b', '(* (- a) (~ b))'],
		['!f(x).y', '(! f(x).y)'],
		['!!a', '(! (! a))'],
		['a.b.c + 1', '(+ a.b.c 1)'],
		['f() + g(1, h(2), 0x10)', '(+ f() g(1, h(2), 16))'],
		['x == NULL || true != false', '(|| (== x NULL) (!= true false))'],
		['a <= b > c', '(> (<= a b) c)'],
	])('%s', (text, expected) => {
		expect(show(parseExpression(text, 'e'))).toBe(expected);
	});

	it('records the position of the first token', () => {
		const e = parseExpression('  (a +\n b) * c', 'e');
		expect(e).toMatchObject({kind: 'binary', op: '*', pos: {line: 1, col: 3}, left: {pos: {line: 1, col: 4}}, right: {pos: {line: 2, col: 7}}});
		expect(parseExpression('(p).f', 'e').pos).toEqual({line: 1, col: 1});
	});
});

describe('labels', () => {
	it('are separate statements before the labelled statement, and may stand before }', () => {
		const sc = parseScenario(H + 'cpu 0 { a: b: x = 1; c(); d: }', 'f');
		expect(sc.cpus[0]!.body.map((s) => (s.kind === 'label' ? `${s.name}:` : s.kind))).toEqual(['a:', 'b:', 'assign', 'expr', 'd:']);
	});

	it('are wrapped in a block when they are the body of if/else/while', () => {
		const sc = parseScenario(H + 'cpu 0 { if (c) bail: x = 1; else y: z(); while (w) l: ; }', 'f');
		const [ifs, wh] = sc.cpus[0]!.body;
		expect(ifs).toMatchObject({
			kind: 'if',
			then: {kind: 'block', body: [{kind: 'label', name: 'bail'}, {kind: 'assign', target: 'x'}], pos: {line: 2, col: 16}},
			else: {kind: 'block', body: [{kind: 'label', name: 'y'}, {kind: 'expr'}]},
		});
		expect(wh).toMatchObject({kind: 'while', body: {kind: 'block', body: [{kind: 'label', name: 'l'}, {kind: 'empty'}]}});
	});

	it('distinguishes a label from a call by looking ahead', () => {
		const sc = parseScenario(H + 'cpu 0 { f(x); f: g; }', 'f');
		expect(kinds(sc.cpus[0]!.body)).toEqual(['expr', 'label', 'expr']);
	});
});

describe('dashed names', () => {
	it('glue adjacent identifiers, numbers and keywords', () => {
		const sc = parseScenario(
			'scenario 2021-thp-no-safe-0x10\nexpect violation use-after-free\nexpect no a-if-1 hypothesis\nvariant v-2 (x = 1) { expect safe }',
			'f',
		);
		expect(sc.name).toBe('2021-thp-no-safe-0x10');
		expect(sc.expects.map((e) => [e.violation, e.basis])).toEqual([
			['use-after-free', 'known'],
			['a-if-1', 'hypothesis'],
		]);
		expect(sc.variants[0]!.name).toBe('v-2');
	});

	it('may start with a keyword glued to a dash (no-recheck), never with a keyword alone', () => {
		const sc = parseScenario('scenario no-race\nvariant no-recheck (x = 1) { expect no use-after-free }\nvariant if-0 (x = 2) { expect safe }', 'f');
		expect(sc.name).toBe('no-race');
		expect(sc.variants.map(v => v.name)).toEqual(['no-recheck', 'if-0']);
		expect(sc.variants[0]!.expects.map(e => [e.form, e.violation])).toEqual([['no', 'use-after-free']]);
		expect(() => parseScenario('scenario x\nvariant no (x = 1) { }', 'f')).toThrow("f:2:9: expected a variant name after 'variant', found 'no' (a name may not be a keyword alone; glue a dash to it, as no-recheck)");
		expect(() => parseScenario('scenario no -race', 'f')).toThrow("f:1:10: expected a scenario name after 'scenario', found 'no'");
	});

	it('do not glue across whitespace or comments', () => {
		expect(() => parseScenario('scenario a-/**/b', 'f')).toThrow("f:1:16: expected a name part right after 'a-', found 'b' (a dashed name may not contain spaces)");
		expect(() => parseScenario('scenario a -b', 'f')).toThrow("f:1:12: unexpected '-' after 'a' (a dashed name may not contain spaces)");
	});
});

describe('other details', () => {
	it('reads params, defaults and optional semicolons', () => {
		const sc = parseScenario(H + 'note "n1"\nnote "n2"\nsource "s"\nparam x = 3 in 1..8;\nparam f = ipi | broadcast;param b = false\nconst C = -1 << 2;\nexpect safe derived;', 'f');
		expect(sc.notes).toEqual(['n1', 'n2']);
		expect(sc.params).toMatchObject([
			{name: 'x', value: 3, range: [1, 8]},
			{name: 'f', value: 'ipi', choices: ['ipi', 'broadcast']},
			{name: 'b', value: false},
		]);
		expect(show(sc.consts[0]!.value)).toBe('(<< (- 1) 2)');
		expect(sc.expects).toEqual([{form: 'safe', basis: 'derived', pos: {line: 8, col: 1}}]);
	});

	it('gives an unlabelled cpu an empty label and the line of its closing brace', () => {
		const sc = parseScenario(H + 'cpu 3 {\n\tx = 1;\n\n}\n', 'f');
		expect(sc.cpus).toEqual([{id: 3, label: '', body: [{kind: 'assign', target: 'x', value: {kind: 'int', value: 1, pos: {line: 3, col: 6}}, pos: {line: 3, col: 2}}], pos: {line: 2, col: 1}, endLine: 5}]);
	});

	it('accepts nesting up to the limit', () => {
		const deep = '('.repeat(190) + '1' + ')'.repeat(190);
		expect(() => parseScenario(H + `cpu 0 { x = ${deep}; }`, 'f')).not.toThrow();
		const blocks = '{'.repeat(190) + '}'.repeat(190);
		expect(() => parseScenario(H + `cpu 0 { ${blocks} }`, 'f')).not.toThrow();
	});
});

const deepParens = '('.repeat(300) + '1' + ')'.repeat(300);
const longSum = Array(300).fill('a').join('+');

// [text, the exact err.message]
const MALFORMED: [string, string][] = [
	['', "f:1:1: unexpected end of file: expected 'scenario' at the start of the file"],
	['scenaro x', "f:1:1: expected 'scenario' at the start of the file, found 'scenaro' (did you mean 'scenario'?)"],
	['title "x"', "f:1:1: expected 'scenario' at the start of the file, found 'title' (the header comes first: scenario NAME, then title, then the rest)"],
	['#define N 2\nscenario x', "f:1:1: expected 'scenario' at the start of the file, found '#' (the header comes first: scenario NAME; a #define goes after it)"],
	['spinlock_t l;\nscenario x', "f:1:1: expected 'scenario' at the start of the file, found 'spinlock_t' (the header comes first: scenario NAME, then title, then the rest)"],
	['scenario "x"', "f:1:10: expected a scenario name after 'scenario', found a string"],
	['scenario if', "f:1:10: expected a scenario name after 'scenario', found 'if' (a name may not be a keyword alone; glue a dash to it, as no-recheck)"],
	['scenario fsdax - unbind', "f:1:16: unexpected '-' after 'fsdax' (a dashed name may not contain spaces)"],
	['scenario fsdax-', "f:1:16: unexpected end of file: expected a name part right after 'fsdax-'"],
	['scenario x\ntitel "t"', "f:2:1: unknown keyword 'titel' at the top level (did you mean 'title'?)"],
	['scenario x\ncpus 0 {}', "f:2:1: unknown keyword 'cpus' at the top level (did you mean 'cpu'?)"],
	['scenario x\nfoo_bar_baz = 1;', "f:2:1: unknown keyword 'foo_bar_baz' at the top level"],
	// types from user space or other languages: the kernel's spelling, with the name written
	['scenario x\nmutex_t dev_lock;', "f:2:1: unknown keyword 'mutex_t' at the top level (the kernel's type is 'struct mutex': struct mutex dev_lock;)"],
	['scenario x\nrw_semaphore sem;', "f:2:1: unknown keyword 'rw_semaphore' at the top level (the kernel's type is 'struct rw_semaphore': struct rw_semaphore sem;)"],
	['scenario x\natomic n = 0;', "f:2:1: unknown keyword 'atomic' at the top level (the kernel's type is 'atomic_t': atomic_t n;)"],
	['scenario x\ntitle "a"\ntitle "b"', "f:3:1: duplicate 'title' header (first at 2:1)"],
	['scenario x\nera "a"\nera "b"', "f:3:1: duplicate 'era' header (first at 2:1)"],
	['scenario x\nparam a = 1\ntitle "b"', "f:3:1: the 'title' header must come before the declarations (first declaration at 2:1)"],
	['scenario x\ntitle 3', "f:2:7: expected a string after 'title', found a number"],
	['scenario x\nscenario y', "f:2:1: duplicate 'scenario' (first at 1:1)"],
	[H + 'param = 3', "f:2:7: expected a parameter name after 'param', found '='"],
	[H + 'param era = v4 | v6', "f:2:7: expected a parameter name after 'param', found 'era': 'era' is a keyword of the language (docs/grammar.md lists them), choose another name"],
	[H + 'param x 3', "f:2:9: expected '=' after the parameter name 'x', found a number"],
	[H + 'param x = -1', "f:2:11: expected a value for parameter 'x' (true, false, a number or a name), found '-'"],
	[H + 'param x = 9 in 1..8', "f:2:11: parameter 'x' is 9, outside its range 1..8"],
	[H + 'param x = 3 in 8..1', 'f:2:16: the range 8..1 is empty'],
	[H + 'param x = 3 in 1 8', "f:2:18: expected '..' between the bounds of the range, found a number"],
	[H + 'param x = 3 in a..8', "f:2:16: expected a number after 'in', found 'a'"],
	[H + 'param x = a | b | a', "f:2:19: duplicate choice 'a' in parameter 'x'"],
	[H + 'param x = a |', "f:2:14: unexpected end of file: expected a choice name after '|'"],
	[H + 'param x = 1\nparam x = 2', "f:3:1: duplicate param 'x' (first at 2:1)"],
	[H + 'param x = 1\nconst x = 2', "f:3:1: 'x' is already declared as a param at 2:1"],
	[H + 'const VA 3', "f:2:10: expected '=' after the constant name 'VA', found a number"],
	[H + 'const A = 1 +', 'f:2:14: unexpected end of file: expected an expression'],
	[H + 'expect violaton x', "f:2:8: expected 'safe', 'violation' or 'no' after 'expect', found 'violaton' (did you mean 'violation'?)"],
	[H + 'expect violation', "f:2:17: unexpected end of file: expected a violation kind after 'expect violation'"],
	[H + 'expect violation ;', "f:2:18: expected a violation kind after 'expect violation', found ';'"],
	[H + 'expect no "x"', "f:2:11: expected a violation kind after 'expect no', found a string"],
	[H + 'expect violation uaf "note"', "f:2:22: a note needs a basis: write 'derived' or 'hypothesis' before the string"],
	[H + 'variant v (a = 1 { }', "f:2:18: expected ',' or ')' to close the settings opened at 2:11, found '{'"],
	[H + 'variant v (a = 1) { param }', "f:2:21: expected '}' to close variant 'v' opened at 2:1, found 'param'"],
	[H + 'variant v (a = 1) { x }', "f:2:21: expected 'expect' or '}' in variant 'v', found 'x'"],
	[H + 'variant v (a = 1) { expect safe', "f:2:32: unexpected end of file: expected '}' to close variant 'v' opened at 2:1"],
	[H + 'variant v { }', "f:2:11: expected '(' with the settings of variant 'v', found '{'"],
	[H + 'variant v () { }', "f:2:12: expected a parameter name in the settings of variant 'v', found ')'"],
	[H + 'variant v (a = 1, a = 2) { }', "f:2:19: duplicate setting 'a' in variant 'v'"],
	[H + 'variant v (a = 1) { }\nvariant v (a = 1) { }', "f:3:1: duplicate variant 'v' (first at 2:1)"],
	[H + 'machine { x = 1; }', "f:2:13: expected '(' after the set-up call 'x', found '='"],
	[H + 'machine { f(1) }', "f:2:16: expected ';' after the set-up call, found '}'"],
	[H + 'machine { f(1 2); }', "f:2:15: expected ',' or ')' to close the call of 'f' opened at 2:12, found a number"],
	[H + 'machine {}\nmachine {}', "f:3:1: duplicate 'machine' block (first at 2:1)"],
	[H + 'machine { f();', "f:2:15: unexpected end of file: expected '}' to close the machine block opened at 2:1"],
	[H + 'machine { if (a) { f(); }', "f:2:26: unexpected end of file: expected '}' to close the machine block opened at 2:1"],
	[H + 'cpu x {}', "f:2:5: expected a cpu number after 'cpu', found 'x'"],
	[H + 'cpu 0 {}\ncpu 1 {}\ncpu 1 {}', 'f:4:5: duplicate cpu 1 (first at 3:1)'],
	[H + 'cpu 0 "a" b();', "f:2:11: expected '{' to open the body of cpu 0, found 'b'"],
	[H + 'cpu 0 {\n\ta();\n', "f:3:6: unexpected end of file: expected '}' to close cpu 0 opened at 2:1"],
	[H + 'cpu 0 {\n\ta() b();\n}', "f:3:6: expected ';' after the statement, found 'b'"],
	[H + 'cpu 0 {\n\ta()\n\tb();\n}', "f:3:5: expected ';' after the statement, found 'b'"],
	[H + 'cpu 0 {\n\tif (x { a(); }\n}', "f:3:8: expected ')' to close the condition opened at 3:5, found '{'"],
	[H + 'cpu 0 {\n\tif (x = 1) a();\n}', "f:3:8: expected ')' to close the condition opened at 3:5, found '=' (did you mean '=='?)"],
	[H + 'cpu 0 {\n\tif x a();\n}', "f:3:5: expected '(' after 'if', found 'x'"],
	[H + 'cpu 0 {\n\twhile (x) }', "f:3:12: expected a statement, found '}'"],
	[H + 'cpu 0 {\n\telse a();\n}', "f:3:2: 'else' without a matching 'if'"],
	[H + 'cpu 0 {\n\tgoto 3;\n}', "f:3:7: expected a label name after 'goto', found a number"],
	[H + 'cpu 0 {\n\treturn 1 2;\n}', "f:3:11: expected ';' after the statement, found a number"],
	[H + 'cpu 0 {\n\tx = ;\n}', "f:3:6: expected an expression, found ';'"],
	[H + 'cpu 0 {\n\tx.f = 1;\n}', 'f:3:6: cannot assign to an expression (only to a variable name)'],
	[H + 'cpu 0 {\n\t(f)(x);\n}', 'f:3:5: only a plain name can be called, like f(x)'],
	[H + 'cpu 0 {\n\tp->f;\n}', "f:3:3: use '.' to read a field, not '->'"],
	[H + 'cpu 0 {\n\tx = a.;\n}', "f:3:8: expected a field name after '.', found ';'"],
	[H + 'cpu 0 {\n\tx = (a + b;\n}', "f:3:12: expected ')' to close the parenthesis opened at 3:6, found ';'"],
	[H + 'cpu 0 {\n\tx = f(a, );\n}', "f:3:11: expected an expression, found ')'"],
	[H + 'cpu 0 {\n\tatomic a();\n}', "f:3:9: expected '{' after 'atomic', found 'a'"],
	// for, ++/+=, ?:, &, break/continue, declarations and helper functions
	[H + 'cpu 0 {\n\tfor (i = 0, j = 0; i < 2; i++) a();\n}', "f:3:12: expected ';' after the initialisation of the for loop, found ',' (one initialisation only)"],
	[H + 'cpu 0 {\n\tfor (i = 0; i < 2) a();\n}', "f:3:19: expected ';' after the condition of the for loop, found ')'"],
	[H + 'cpu 0 {\n\tfor i = 0; i < 2; i++) a();\n}', "f:3:6: expected '(' after 'for', found 'i'"],
	[H + 'cpu 0 {\n\tfor (;; i++ a();\n}', "f:3:14: expected ')' to close the for loop opened at 3:6, found 'a'"],
	[H + 'cpu 0 {\n\tx = c ? 1;\n}', "f:3:11: expected ':' of the '?' at 3:8, found ';'"],
	[H + 'cpu 0 {\n\tx = y++;\n}', "f:3:7: '++' is a statement of its own here, not part of an expression: x = y; y++;"],
	[H + 'cpu 0 {\n\tx = ++y;\n}', "f:3:6: '++' is a statement of its own here (x++;), not part of an expression"],
	[H + 'cpu 0 {\n\t3++;\n}', "f:3:3: '++' applies to a variable name only"],
	[H + 'cpu 0 {\n\t++;\n}', "f:3:4: expected a variable name after '++', found ';'"],
	[H + 'cpu 0 {\n\tbreak\n}', "f:3:7: expected ';' after the statement, found '}'"],
	[H + 'cpu 0 {\n\tspin_lock(&);\n}', "f:3:13: expected an expression, found ')'"],
	[H + 'cpu 0 {\n\tpte_t pte = a();\n}', 'f:3:2: locals need no type: declare a local by assigning it: pte = ...;'],
	[H + 'cpu 0 {\n\tunsigned long n;\n}', 'f:3:2: locals need no declaration: assign it where it gets its value (n = ...;); shared variables are declared at the top level'],
	[H + 'int;', "f:2:4: expected a name after the type 'int', found ';'"],
	[H + 'int x = 1, y;', 'f:2:10: declare one variable per declaration'],
	[H + 'struct 3 x;', "f:2:8: expected a struct name after 'struct', found a number"],
	[H + 'DEFINE_SPINLOCK(l;', "f:2:18: expected ')' to close DEFINE_SPINLOCK( opened at 2:16, found ';'"],
	[H + 'spinlock_t l = 1;', "f:2:14: a lock needs no initialiser: write 'spinlock_t l;' (it starts unlocked)"],
	[H + 'int f(int a, int a) { }', "f:2:18: duplicate parameter 'a' of 'f'"],
	[H + 'int f(int a b) { }', "f:2:13: expected ',' or ')' to close the parameters of 'f' opened at 2:6, found 'b'"],
	[H + 'void f(void) x = 1;', "f:2:14: expected '{' to open the body of 'f', found 'x'"],
	[H + 'void f(void) {\n\tx = 1;\n', "f:3:8: unexpected end of file: expected '}' to close 'f' opened at 2:1"],
	[H + 'int f;\nvoid f(void) { }', "f:3:1: 'f' is already declared as a shared variable at 2:1"],
	[H + 'statik int x;', "f:2:1: unknown keyword 'statik' at the top level (did you mean 'static'?)"],
	[H + 'cpu 0 {\n\tatomic { a();\n}', "f:4:2: unexpected end of file: expected '}' to close cpu 0 opened at 2:1"],
	[H + 'cpu 0 {\n\tatomic { a(); \n\ncpu 1 {}', "f:3:15: expected '}' to close the 'atomic' block opened at 3:9, found 'cpu'"],
	[H + 'cpu 0 {\n\t{ a();\n}\ncpu 1 {}', "f:4:2: expected '}' to close cpu 0 opened at 2:1, found 'cpu'"],
	[H + 'cpu 0 {\n\t"x";\n}', "f:3:2: expected a statement, found a string"],
	[H + 'cpu 0 {\n\tassert x "m" "n";\n}', "f:3:15: expected ';' after the statement, found a string"],
	[H + 'cpu 0 { x = 0644; }', "f:2:13: leading zeros are not allowed in '0644' (octal is not supported)"],
	[H + 'cpu 0 { x = 0x; }', "f:2:13: malformed number '0x'"],
	[H + 'cpu 0 { x = 12ab; }', "f:2:13: malformed number '12ab'"],
	[H + 'cpu 0 { x = 1__0; }', "f:2:13: malformed number '1__0'"],
	[H + 'cpu 0 { x = 0x10UU; }', "f:2:13: malformed number '0x10UU'"],
	[H + 'cpu 0 { x = 10LUL; }', "f:2:13: malformed number '10LUL'"],
	[H + '#include <linux/mm.h>', 'f:2:2: #include is not part of the language: a scenario has no headers: delete it (every primitive is built in, docs/primitives.md)'],
	[H + '#ifdef CONFIG_X', 'f:2:2: #ifdef is not part of the language: a configuration switch is a param: param config_x = true, then if (config_x) in the code'],
	[H + '#if X', 'f:2:2: #if is not part of the language: a configuration switch is a param: param config_x = true, then if (config_x) in the code'],
	[H + '#pragma once', 'f:2:2: #pragma is not part of the language: only #define NAME value is (a const)'],
	[H + '#define F(x) x', 'f:2:10: a macro with parameters is not supported: write a helper function (static int F(...) { ... })'],
	[H + '#define A 1 2', 'f:2:13: expected the end of #define A (one value per line), found a number'],
	[H + '#define A 1\n#define A 2', "f:3:1: duplicate const 'A' (first at 2:1)"],
	[H + '# 1', "f:2:1: expected a directive right after '#' (#define NAME value)"],
	[H + '#\ncpu 0 { }', "f:2:1: expected a directive right after '#' (#define NAME value)"],
	[H + '#define N\nint a[2];', 'f:2:9: #define N has no value: a switch is a param (param n = true), a value goes on the same line'],
	[H + '#define N (1 +\n2)', 'f:3:2: #define N: the value must end on its line'],
	[H + 'cpu 0 { x = 9007199254740992; }', 'f:2:13: number too large (the largest is 2^53 - 1, 0x1fffffffffffff)'],
	[H + 'cpu 0 { x = 0x20000000000000; }', 'f:2:13: number too large (the largest is 2^53 - 1, 0x1fffffffffffff)'],
	[H + 'title "abc', 'f:2:7: unterminated string'],
	[H + 'title "abc\n"', 'f:2:7: unterminated string'],
	[H + 'title "a\\qb"', "f:2:9: unknown escape '\\q' in string (use \\\", \\\\, \\n or \\t)"],
	[H + 'title "a\x1bb"', 'f:2:9: control character U+001B in string'],
	[H + 'param a = 1\n  /* comment\n\n', 'f:3:3: unterminated comment'],
	[H + 'cpu 0 { x = 1 @ 2; }', "f:2:15: unexpected character '@'"],
	[H + 'cpu 0 { x = \0; }', 'f:2:13: unexpected character U+0000'],
	[H + 'cpu 0 { x = \ud800; }', 'f:2:13: unexpected character U+D800'],
	[H + '\t🙂 x', "f:2:2: unexpected character '🙂'"],
	[H + "title 'x'", `f:2:7: unexpected character "'" (strings use double quotes)`],
	// a scenario copied from docs/ with its fence
	['```c\nscenario x', 'f:1:1: unexpected character \'`\' (a Markdown code fence, copied with the scenario: keep only the lines between the ``` lines)'],
	[H + 'int café = 0;', "f:2:8: unexpected character 'é' (names are ASCII: letters a-z A-Z, digits and _)"],
	[H + 'int Ωmega = 0;', "f:2:5: unexpected character 'Ω' (names are ASCII: letters a-z A-Z, digits and _)"],
	[H + 'int a = 0; \uFFFD', "f:2:12: unexpected character '\uFFFD' (a byte that is not UTF-8: the file is in another encoding here)"],
	[H + 'cpu 0 { x = 1; } ;', "f:2:18: expected a header or a declaration at the top level, found ';' (no ';' is needed after '}')"],
	[H + 'invariant x > 0', "f:2:11: expected a string naming the invariant after 'invariant', found 'x'"],
	[H + `cpu 0 { x = ${deepParens}; }`, 'f:2:212: nesting too deep (more than 200 levels)'],
	[H + `cpu 0 { x = ${longSum}; }`, 'f:2:412: nesting too deep (more than 200 levels)'],
	[H + 'cpu 0 { ' + 'if (a) '.repeat(300) + 'x(); }', 'f:2:1409: nesting too deep (more than 200 levels)'],
	[H + 'cpu 0 { x = ' + '!'.repeat(300) + 'a; }', 'f:2:212: nesting too deep (more than 200 levels)'],
	[H + `cpu 0 { x = ${'a'.repeat(100)}.; }`, "f:2:114: expected a field name after '.', found ';'"],
	[H + `x${'a'.repeat(100)} = 1`, `f:2:1: unknown keyword 'x${'a'.repeat(39)}…' at the top level`],
];

describe('C spellings of numbers and constants', () => {
	it('integer suffixes (u, l, ul, ull, lu...) keep the value', () => {
		const ast = parseScenario(H + 'cpu 0 { a = 0x10UL; b = 4096u; c = 1ULL; d = 7lu; e = 3L; }', 'f');
		const values = ast.cpus[0]!.body.map(s => (s.kind === 'assign' && s.value.kind === 'int' ? s.value.value : null));
		expect(values).toEqual([16, 4096, 1, 7, 3]);
	});
	it('#define NAME value is a const, one per line', () => {
		const ast = parseScenario(H + '#define VA 0x7f000000\n#define MASK (1UL << 3)\ncpu 0 { x = VA; }', 'f');
		expect(ast.consts.map(c => [c.name, show(c.value)])).toEqual([['VA', '2130706432'], ['MASK', '(<< 1 3)']]);
	});
});

describe('malformed input', () => {
	it('has a large table', () => {
		expect(MALFORMED.length).toBeGreaterThanOrEqual(30);
	});

	it.each(MALFORMED)('%j', (text, message) => {
		const err = diagnosticOf(() => parseScenario(text, 'f'));
		expect(err.message).toBe(message);
		expect(err.message).not.toMatch(/[\r\n]/);
		expect(err.message).toBe(`${err.file}:${err.line}:${err.col}: ${err.reason}`);
	});

	it('reports lexer errors through tokenize too', () => {
		expect(() => tokenize('a "b', 'x.race')).toThrow(Diagnostic);
		expect(() => tokenize('a "b', 'x.race')).toThrow('x.race:1:3: unterminated string');
	});
});

describe('Diagnostic.render', () => {
	it('shows the source line and a caret under the column', () => {
		const text = 'scenario s\ncpu 0 {\n\tlocal_irq_save() pte = ptep_get_lockless(VA);\n}\n';
		const err = diagnosticOf(() => parseScenario(text, 'fsdax.race'));
		expect(err.message).toBe("fsdax.race:3:19: expected ';' after the statement, found 'pte'");
		expect(err.render()).toBe(
			[
				"fsdax.race:3:19: expected ';' after the statement, found 'pte'",
				'  3 |  local_irq_save() pte = ptep_get_lockless(VA);',
				'    |                   ^',
			].join('\n'),
		);
	});

	it('points past the previous token when the missing piece belongs on an earlier line', () => {
		const text = 'scenario s\r\ncpu 0 {\r\n  a = 1\r\n  b = 2;\r\n}\r\n';
		const err = diagnosticOf(() => parseScenario(text, 'f.race'));
		expect(err.message).toBe("f.race:3:8: expected ';' after the statement, found 'b'");
		const lines = err.render().split('\n');
		expect(lines[1]).toBe('  3 |   a = 1');
		expect(lines[2]).toBe('    |        ^');
		expect(lines[1]!.indexOf('1') + 1).toBe(lines[2]!.indexOf('^'));
	});

	it('points at the start of an unterminated comment', () => {
		const err = diagnosticOf(() => parseScenario('scenario s\n\nparam a = 1 /* never\nclosed', 'f'));
		expect(err.render().split('\n').slice(1)).toEqual(['  3 | param a = 1 /* never', '    |             ^']);
	});
});
