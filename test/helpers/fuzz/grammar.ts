// A random-program generator read from docs/grammar.md itself: the EBNF rules
// of its code blocks (`name := ...`, continuation lines starting with `|`) and
// the precedence line of the expression section. Syntax documented there
// later (a new statement, an operator) is generated without touching this
// file; a rule the document gets wrong shows up as generated text the parser
// refuses in a way the fuzzer's checks notice.

import {readFileSync} from 'node:fs';
import {join} from 'node:path';

export type Item =
	| {k: 'lit'; text: string}
	| {k: 'tok'; name: string}
	| {k: 'ref'; name: string}
	| {k: 'opt'; body: Alt}
	| {k: 'star'; body: Alt; plus: boolean};
export type Alt = Item[][];
export type Grammar = {rules: Map<string, Alt>; binary: string[]; unary: string[]; words: Map<string, string[]>};

const TOKENS = new Set(['IDENT', 'INT', 'STRING', 'EOF']);

function tokenizeRule(body: string): string[] {
	const out: string[] = [];
	const re = /'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|[()[\]|*+]/g;
	for (const m of body.replace(/\/\/.*$/, '').matchAll(re)) out.push(m[0]);
	return out;
}

function parseAlt(toks: string[], at: {i: number}, close?: string): Alt {
	const alts: Alt = [[]];
	while (at.i < toks.length) {
		const t = toks[at.i]!;
		if (t === close) {
			at.i++;
			return alts;
		}
		at.i++;
		let item: Item;
		if (t === '|') {
			alts.push([]);
			continue;
		} else if (t === '(') item = {k: 'star', body: parseAlt(toks, at, ')'), plus: false};
		else if (t === '[') item = {k: 'opt', body: parseAlt(toks, at, ']')};
		else if (t.startsWith("'")) item = {k: 'lit', text: t.slice(1, -1).replace(/\\(.)/g, '$1')};
		else if (TOKENS.has(t)) item = {k: 'tok', name: t};
		else if (t === '*' || t === '+') continue;
		else item = {k: 'ref', name: t};
		// A group `( ... )` is a plain group unless a `*` or `+` follows it.
		if (item.k === 'star') {
			const next = toks[at.i];
			if (next === '*' || next === '+') {
				item.plus = next === '+';
				at.i++;
			} else item = {k: 'opt', body: item.body, always: true} as unknown as Item;
		} else if (toks[at.i] === '*' || toks[at.i] === '+') {
			item = {k: 'star', body: [[item]], plus: toks[at.i] === '+'};
			at.i++;
		}
		alts[alts.length - 1]!.push(item);
	}
	return alts;
}

/** The rules of docs/grammar.md, plus `expr` built from its precedence line. */
export function readGrammar(root: string): Grammar {
	const md = readFileSync(join(root, 'docs/grammar.md'), 'utf8');
	const rules = new Map<string, Alt>();
	let binary: string[] = [];
	let unary: string[] = [];
	for (const block of md.matchAll(/```\n([\s\S]*?)```/g)) {
		let name: string | null = null;
		let body = '';
		const flush = (): void => {
			// a name defined twice (`param` at the top level and in a function's parameter list): both forms
			if (name) rules.set(name, [...(rules.get(name) ?? []), ...parseAlt(tokenizeRule(body), {i: 0})]);
			name = null;
			body = '';
		};
		for (const line of block[1]!.split('\n')) {
			const rule = /^([a-z][a-z0-9_]*)\s*:=\s*(.*)$/.exec(line);
			if (rule) {
				flush();
				name = rule[1]!;
				body = rule[2]!;
			} else if (name && /^\s+\|/.test(line)) body += ' ' + line;
			else if (/\bunary\b/.test(line) && /\bpostfix\s*$/.test(line) && !line.includes(':=')) {
				// the precedence line: `?:   ||   &&  ...  + -   * / %   unary ! - ~ &   postfix`
				const words = line.trim().split(/\s+/);
				const u = words.indexOf('unary');
				binary = words.slice(0, u < 0 ? words.length : u).filter(w => w !== 'postfix');
				unary = u < 0 ? [] : words.slice(u + 1).filter(w => w !== 'postfix');
			} else flush();
		}
		flush();
	}
	// token classes the prose defines: "`TYPEWORD` is one of `void int long ...`"
	const words = new Map<string, string[]>();
	for (const m of md.matchAll(/`([A-Z][A-Z_]*)` is one of `([^`]+)`/g)) words.set(m[1]!, m[2]!.split(/\s+/).filter(Boolean));
	for (const w of words.keys()) if (!rules.has(w)) rules.set(w, words.get(w)!.map(x => [{k: 'lit', text: x}]));
	const ternary = binary.includes('?:');
	binary = binary.filter(op => op !== '?:');
	if (!rules.has('expr')) {
		// expr := unaryx (BINOP unaryx)* ; unaryx := UNOP* postfix
		const un: Alt = [[{k: 'star', body: unary.map(op => [{k: 'lit', text: op}]), plus: false}, {k: 'ref', name: 'postfix'}]];
		rules.set('unaryx', un);
		const chain: Item[] = [{k: 'ref', name: 'unaryx'}, {k: 'star', body: [[{k: 'star', body: binary.map(op => [{k: 'lit', text: op}]), plus: true, one: true} as unknown as Item, {k: 'ref', name: 'unaryx'}]], plus: false}];
		rules.set('expr', ternary ? [chain, [...chain, {k: 'lit', text: '?'}, {k: 'ref', name: 'expr'}, {k: 'lit', text: ':'}, {k: 'ref', name: 'expr'}]] : [chain]);
	}
	if (!rules.has('dashed')) rules.set('dashed', [[{k: 'tok', name: 'DASHED'}]]);
	if (!rules.has('args')) rules.set('args', [[{k: 'opt', body: [[{k: 'ref', name: 'expr'}, {k: 'star', body: [[{k: 'lit', text: ','}, {k: 'ref', name: 'expr'}]], plus: false}]]}]]);
	return {rules, binary, unary, words};
}

export type Rng = () => number;
export type Pools = {idents: string[]; ints: string[]; strings: string[]; dashed: string[]};

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Minimum expansion depth of every rule, so a deep generation can always close. */
function minDepths(g: Grammar): Map<string, number> {
	const d = new Map<string, number>();
	const itemDepth = (it: Item): number => {
		if (it.k === 'ref') return d.get(it.name) ?? Infinity;
		if (it.k === 'opt' || (it.k === 'star' && !it.plus)) return (it as {always?: boolean}).always ? altDepth(it.body) : 0;
		if (it.k === 'star') return altDepth(it.body);
		return 0;
	};
	const altDepth = (alt: Alt): number => Math.min(...alt.map(seq => Math.max(0, ...seq.map(itemDepth))));
	for (let changed = true; changed; ) {
		changed = false;
		for (const [name, alt] of g.rules) {
			const v = 1 + altDepth(alt);
			if (v < (d.get(name) ?? Infinity)) {
				d.set(name, v);
				changed = true;
			}
		}
	}
	return d;
}

export class Generator {
	private readonly depth: Map<string, number>;

	constructor(
		readonly g: Grammar,
		readonly pools: Pools,
	) {
		this.depth = minDepths(g);
	}

	/** A random derivation of `rule` as a list of tokens (at most about `budget` of them). */
	generate(rule: string, rng: Rng, maxDepth = 8, budget = 300): string[] {
		const out: string[] = [];
		this.expand({k: 'ref', name: rule}, rng, maxDepth, out, budget);
		return out;
	}

	private seqDepth(seq: Item[]): number {
		let m = 0;
		for (const it of seq) {
			const d = it.k === 'ref' ? (this.depth.get(it.name) ?? 99) : it.k === 'star' && it.plus ? 1 : 0;
			if (d > m) m = d;
		}
		return m;
	}

	private expand(it: Item, rng: Rng, left: number, out: string[], budget: number): void {
		const closing = left <= 0 || out.length >= budget;
		if (left < -40) return; // a cycle the minimum depths did not foresee: stop, the text is cut short
		switch (it.k) {
			case 'lit':
				out.push(it.text);
				return;
			case 'tok':
				out.push(this.token(it.name, rng));
				return;
			case 'ref': {
				const alt = this.g.rules.get(it.name);
				if (!alt) {
					out.push(pick(rng, this.pools.idents));
					return;
				}
				let seq: Item[];
				if (closing) {
					const best = Math.min(...alt.map(s => this.seqDepth(s)));
					seq = pick(rng, alt.filter(s => this.seqDepth(s) === best));
				} else seq = pick(rng, alt);
				for (const x of seq) this.expand(x, rng, left - 1, out, budget);
				return;
			}
			case 'opt':
				if ((it as {always?: boolean}).always || (!closing && rng() < 0.5)) this.expandAlt(it.body, rng, left, out, budget, closing);
				return;
			case 'star': {
				const one = (it as {one?: boolean}).one;
				let n = one ? 1 : it.plus ? 1 : 0;
				if (!one && !closing) while (n < 6 && rng() < 0.55) n++;
				for (let i = 0; i < n; i++) this.expandAlt(it.body, rng, left, out, budget, closing || out.length >= budget);
				return;
			}
		}
	}

	private expandAlt(alt: Alt, rng: Rng, left: number, out: string[], budget: number, closing: boolean): void {
		let seq: Item[];
		if (closing) {
			const best = Math.min(...alt.map(s => this.seqDepth(s)));
			seq = pick(rng, alt.filter(s => this.seqDepth(s) === best));
		} else seq = pick(rng, alt);
		for (const x of seq) this.expand(x, rng, left - 1, out, budget);
	}

	private token(name: string, rng: Rng): string {
		switch (name) {
			case 'IDENT':
				return pick(rng, this.pools.idents);
			case 'INT':
				return pick(rng, this.pools.ints);
			case 'STRING':
				return pick(rng, this.pools.strings);
			case 'DASHED':
				return pick(rng, this.pools.dashed);
			default:
				return '';
		}
	}
}
