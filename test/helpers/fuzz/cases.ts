// The fuzzer's cases: scenario texts (generated from docs/grammar.md, or
// built-in scenarios with a few token-level mutations, some of which splice in
// generated statements and expressions) run through the lexer, the parser,
// the compiler and a few hundred random steps; recordings (good ones of every
// built-in, mutated as bytes and as JSON) run through the loader. A case may
// end in one of the project's own error types; anything else is a bug.

import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {compile, ParamError} from '../../../source/lang/compiler.js';
import {Diagnostic} from '../../../source/lang/diagnostics.js';
import {Model} from '../../../source/lang/interpreter.js';
import {KEYWORDS} from '../../../source/lang/lexer.js';
import {parseScenario} from '../../../source/lang/parser.js';
import {hasControl} from '../../../source/lang/visible.js';
import {flatten} from '../../../source/machine/flatten.js';
import type {Machine} from '../../../source/machine/types.js';
import {loadRecordingText, RecordingError, recordingOf, serializeRecording, sha256} from '../../../source/session/recording.js';
import {createSession} from '../../../source/session/session.js';
import {pointsToSteps, renderDiagram} from '../../../source/render/diagram.js';
import {renderMarkdown} from '../../../source/render/markdown.js';
import {stateTables, tableText} from '../../../source/render/state.js';
import {renderTrace} from '../../../source/render/trace.js';
import {Controller} from '../../../source/ui/controller.js';
import {screenLines} from '../../../source/ui/layout.js';
import {Generator, readGrammar, type Rng} from './grammar.js';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** mulberry32: a small seeded PRNG (fast-check picks the seed of each case). */
export function prng(seed: number): Rng {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** The built-in scenarios and the worked examples (scenarios/examples/): every feature of the language in use. */
export const BUILTINS: {name: string; file: string; text: string}[] = ['scenarios', 'scenarios/examples'].flatMap(folder =>
	existsSync(join(ROOT, folder))
		? readdirSync(join(ROOT, folder))
				.filter(f => f.endsWith('.race'))
				.sort()
				.map(f => ({name: f.slice(0, -5), file: `${folder}/${f}`, text: readFileSync(join(ROOT, folder, f), 'utf8')}))
		: [],
);

/** Pieces of source text: identifiers, numbers, strings, operators, whitespace, comments (any future syntax splits too). */
const PIECE = /\/\/[^\n\r]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|0[xX][0-9a-fA-F_]+|\d[\d_]*|[A-Za-z_]\w*|\s+|[^\sA-Za-z0-9_"]{1,2}|./g;
export const pieces = (text: string): string[] => text.match(PIECE) ?? [];

const harvested = new Set<string>();
for (const b of BUILTINS) for (const p of pieces(b.text)) if (/^[A-Za-z_]\w*$/.test(p) && !KEYWORDS.has(p)) harvested.add(p);

/** Names JavaScript gives a meaning to: none may reach the language (issue 13, item 8). */
export const JS_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf', 'toLocaleString'];
const EDGE_INTS = ['0', '1', '1', '2', '2', '3', '4', '8', '10', '0x100', '0x101', '0x7f000000', '4096', '1000000000', '9007199254740991', '0x1_0000'];
const BAD_INTS = ['9007199254740992', '99999999999999999999', '0x', '1_'];
const STRINGS = ['""', '"x"', '"a b"', '"\\n"', '"\\""', '"✱"', '"\\t"'];
const BAD_STRINGS = ['"bad\\q"', '"\u001b]2;t\u0007"', '"unterminated'];
const DASHED = ['use-after-free', 'stale-mapping', 'oops', 'deadlock', 'hung-task', 'livelock', 'fsdax-unbind-2021', 'noref', 'x-1', 'a'];
const ODD = ['\u001b', '\u001b[31m', '\r', '\r\n', '\0', '\u0007', '\u202e', '\ud800', '\t', '\n', '\u2028', '@', '`', '#'];
const PUNCT = ['{', '}', '(', ')', ',', ';', ':', '.', '=', '==', '!=', '<', '<=', '>', '>=', '!', '&&', '||', '&', '|', '^', '~', '<<', '>>', '+', '-', '*', '/', '%', '->', '..', '++', '+=', '?', '[', ']'];

const grammar = readGrammar(ROOT);
export const generator = new Generator(grammar, {
	idents: [...harvested, ...harvested, 'x', 'y', 'p', 'l', 'done', ...JS_NAMES],
	ints: EDGE_INTS,
	strings: STRINGS,
	dashed: DASHED,
});
export const GRAMMAR_RULES = [...grammar.rules.keys()];
const STATEMENT_RULES = ['stmt', 'mitem', 'decl', 'expr'].filter(r => grammar.rules.has(r));

function randomPiece(rng: Rng): string {
	switch (int(rng, 8)) {
		case 0:
			return pick(rng, [...KEYWORDS]);
		case 1:
		case 2:
			return pick(rng, PUNCT);
		case 3:
			return pick(rng, [...harvested]);
		case 4:
			return pick(rng, rng() < 0.5 ? EDGE_INTS : BAD_INTS);
		case 5:
			return pick(rng, JS_NAMES);
		case 6:
			return pick(rng, ODD);
		default:
			return pick(rng, rng() < 0.5 ? STRINGS : BAD_STRINGS);
	}
}

const generated = (rng: Rng, rule: string): string => generator.generate(rule, rng, 2 + int(rng, 6), 60).join(' ');

// Mutations by weight: most keep the text close to a working scenario (so the
// compiler and the interpreter see it), some break it anywhere.
const MUTATIONS: [number, (p: string[], rng: Rng, at: number, span: number) => void][] = [
	[4, (p, rng) => {
		const nums = p.map((x, i) => (/^\d|^0x/i.test(x) ? i : -1)).filter(i => i >= 0);
		if (nums.length) p[pick(rng, nums)] = pick(rng, rng() < 0.1 ? BAD_INTS : EDGE_INTS);
	}],
	[3, (p, rng) => {
		const ids = p.map((x, i) => (/^[A-Za-z_]\w*$/.test(x) && !KEYWORDS.has(x) ? i : -1)).filter(i => i >= 0);
		if (ids.length) p[pick(rng, ids)] = rng() < 0.3 ? pick(rng, JS_NAMES) : pick(rng, [...harvested]);
	}],
	[6, (p, rng, at) => {
		// generated statements spliced in after a statement or a block's start
		const spots = p.map((x, i) => (x === ';' || x === '{' ? i : -1)).filter(i => i >= 0);
		const spot = spots.length ? pick(rng, spots) : at;
		p.splice(spot + 1, 0, ' ', generated(rng, 'stmt'), ' ');
	}],
	[1, (p, rng, at) => {
		const spot = p.lastIndexOf('}') >= 0 && rng() < 0.5 ? p.length : at;
		p.splice(spot, 0, '\n', generated(rng, pick(rng, STATEMENT_RULES)), '\n');
	}],
	[3, (p, rng) => {
		// an expression in place of a name or a number
		const ids = p.map((x, i) => (/^[A-Za-z_0-9]/.test(x) && !KEYWORDS.has(x) ? i : -1)).filter(i => i >= 0);
		if (ids.length) p[pick(rng, ids)] = `(${generated(rng, 'expr')})`;
	}],
	[2, (p, rng) => {
		// a whole statement removed (from a ';' to the next)
		const semis = p.map((x, i) => (x === ';' ? i : -1)).filter(i => i >= 0);
		if (semis.length < 2) return;
		const k = int(rng, semis.length - 1);
		p.splice(semis[k]! + 1, semis[k + 1]! - semis[k]!);
	}],
	[1, (p, rng) => {
		// line endings: CR only or CRLF
		const eol = rng() < 0.5 ? '\r' : '\r\n';
		for (let i = 0; i < p.length; i++) if (p[i]!.includes('\n')) p[i] = p[i]!.replace(/\r?\n/g, eol);
	}],
	[1, (p, _rng, at, span) => void p.splice(at, 0, ...p.slice(at, at + span))],
	[1, (p, _rng, at, span) => void p.splice(at, span)],
	[2, (p, rng, at) => void p.splice(at, 0, randomPiece(rng), ' ')],
	[1, (p, _rng, at) => void (p.length = at)],
	[1, (p, rng, at) => {
		const b = int(rng, p.length);
		[p[at], p[b]] = [p[b]!, p[at]!];
	}],
];
const MUTATION_WEIGHT = MUTATIONS.reduce((n, [w]) => n + w, 0);

/** One mutation of a list of pieces, in place. */
function mutate(p: string[], rng: Rng): void {
	if (p.length === 0) {
		p.push(randomPiece(rng));
		return;
	}
	let r = rng() * MUTATION_WEIGHT;
	for (const [w, f] of MUTATIONS) {
		r -= w;
		if (r < 0) return f(p, rng, int(rng, p.length), 1 + int(rng, 6));
	}
}

export type ScenarioCase = {kind: 'generated' | 'mutated'; seed: number; text: string; set: Record<string, string>; variant: string | null};

/** A scenario text from a seed: a generated file, or a built-in with 1-4 mutations. */
export function scenarioCase(seed: number): ScenarioCase {
	const rng = prng(seed);
	let text: string;
	let kind: ScenarioCase['kind'];
	const r = rng();
	if (r < 0.15) {
		kind = 'generated';
		// a generated file, with generated CPU blocks after it (a file without one is refused early)
		const parts = [generator.generate('file', rng, 4 + int(rng, 8), 400)];
		for (let i = int(rng, 3); i > 0; i--) parts.push(generator.generate('cpu', rng, 4 + int(rng, 6), 200));
		text = parts.map(x => x.join(rng() < 0.5 ? ' ' : '\n')).join('\n');
	} else {
		kind = 'mutated';
		const p = pieces(pick(rng, BUILTINS).text);
		// a tenth keep the text (params and variants only); most change one thing
		const n = r < 0.25 ? 0 : r < 0.7 ? 1 : r < 0.9 ? 2 : 3;
		for (let i = 0; i < n; i++) mutate(p, rng);
		text = p.join('');
	}
	// params and variants as the command line would give them
	const set: Record<string, string> = {};
	const names = [...text.matchAll(/\bparam\s+([A-Za-z_]\w*)/g)].map(m => m[1]!);
	if (names.length && rng() < 0.3) set[pick(rng, [...names, ...JS_NAMES])] = pick(rng, ['true', 'false', '0', '1', '2', '-1', '1000000000', 'ipi', 'rcu', '']);
	const variants = [...text.matchAll(/\bvariant\s+([A-Za-z_][\w-]*)/g)].map(m => m[1]!);
	const variant = variants.length && rng() < 0.3 ? pick(rng, variants) : null;
	return {kind, seed, text, set, variant};
}

export type Outcome = {stage: 'parse' | 'compile' | 'run'; steps: number};

/** Thrown for anything a case must never do. */
export class FuzzFailure extends Error {}

const ours = (err: unknown): boolean => err instanceof Diagnostic || err instanceof ParamError;

function checkOwn(err: unknown, what: string): void {
	if (!ours(err)) throw err;
	// the excerpt shown under a diagnostic: control characters spelled out
	if (err instanceof Diagnostic && hasControl(err.render().replace(/\n/g, ''))) throw new FuzzFailure(`${what}: raw control characters in the rendered diagnostic`);
}

/**
 * Lexer, parser, compiler, then up to `steps` random steps (the per-case step
 * budget: a CPU that loops for ever costs `steps` steps, not a hang), with
 * what the CLI and the TUI ask of every state (enabled transitions, why a CPU
 * cannot move, its line, the hash, the flat view).
 */
export function runScenarioCase(c: ScenarioCase, steps: number, renderEvery = 0): Outcome {
	let ast;
	try {
		ast = parseScenario(c.text, 'fuzz.race');
	} catch (err) {
		checkOwn(err, 'parse');
		return {stage: 'parse', steps: 0};
	}
	let model: Model;
	try {
		model = new Model(compile(ast, {file: 'fuzz.race', source: c.text, set: c.set, variant: c.variant}));
	} catch (err) {
		checkOwn(err, 'compile');
		return {stage: 'compile', steps: 0};
	}
	if (model.cpuCount > 10) throw new FuzzFailure(`${model.cpuCount} CPUs compiled`);
	const rng = prng(c.seed ^ 0x5bd1e995);
	let m: Machine = model.initial;
	let n = 0;
	const look = (s: Machine): void => {
		for (const cpu of s.cpus) {
			// a local holds one of the language's values, never a JavaScript built-in reached by its name
			for (const [k, v] of Object.entries(cpu.locals)) {
				if (!(v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'object' && typeof (v as {t?: unknown}).t === 'string'))) {
					throw new FuzzFailure(`CPU${cpu.id} local ${k} holds a ${typeof v}, not a value of the language`);
				}
			}
			model.blockedReason(s, cpu.id);
			model.lineOf(s, cpu.id);
		}
	};
	look(m);
	for (; n < steps; n++) {
		const en = model.enabled(m);
		if (en.length === 0) break;
		const t = pick(rng, en);
		// both paths the tool steps on: immer snapshots (TUI, run) and the search's shared copies
		m = n % 2 === 0 ? model.step(m, t).state : model.stepShared(m, t, true).state;
		if (n % 64 === 0) look(m);
	}
	look(m);
	model.hash(m);
	flatten(m);
	// one case in `renderEvery` also goes through what shows it: the trace, the diagram, the
	// state tables, the report, and the TUI's frame at 80x24 and 120x40 (a crash there is a crash too)
	if (renderEvery > 0 && c.seed % renderEvery === 0) renderCase(model, rng, Math.min(n, 60));
	return {stage: 'run', steps: n};
}

function renderCase(model: Model, rng: Rng, steps: number): void {
	const session = createSession(model);
	for (let i = 0; i < steps; i++) {
		const en = model.enabled(session.cursor.state);
		if (!en.length) break;
		session.step(pick(rng, en));
	}
	const points = session.pathOf();
	const trace = pointsToSteps(points);
	renderTrace(model, trace, {width: 80});
	renderDiagram(model, trace);
	stateTables(model, session.cursor.state).forEach(t => tableText(t, 80));
	renderMarkdown({model, points, branch: session.branch.name});
	const ctl = new Controller(session);
	for (const size of [{columns: 80, rows: 24}, {columns: 120, rows: 40}]) screenLines(ctl.view(), size);
	// keys a user presses on any scenario: rewind, redo, run CPU0, continue, the tree, help
	for (const k of ['left', 'right', 'r', '0', 'c', 't', 'escape', '?', 'escape']) ctl.key(k);
	screenLines(ctl.view(), {columns: 80, rows: 24});
}

// ---------------------------------------------------------------- recordings

/** Good recordings of every built-in: a few random steps, a second branch, a note. */
export function goodRecordings(count: number): string[] {
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		const rng = prng(1000 + i);
		const b = BUILTINS[i % BUILTINS.length]!;
		const model = new Model(compile(parseScenario(b.text, b.file), {file: b.file, source: b.text}));
		const s = createSession(model);
		const walk = (k: number): void => {
			for (let j = 0; j < k; j++) {
				const en = model.enabled(s.cursor.state);
				if (!en.length) break;
				s.step(pick(rng, en));
			}
		};
		walk(3 + int(rng, 20));
		if (rng() < 0.7) s.setNote(pick(rng, ['here', 'the race', 'a\u001b]2;x\u0007b']));
		if (s.cursor.depth > 2) {
			s.goto(int(rng, s.cursor.depth));
			walk(1 + int(rng, 8));
		}
		out.push(serializeRecording(recordingOf(s)));
	}
	return out;
}

const EDGE_JSON: unknown[] = [null, true, 0, -1, 1.5, 1e308, 2 ** 53, '', ' ', 'x', '\u001b[2J', '__proto__', 'constructor', 'main', '0 1', 'i0', [], {}, [1], {__proto__: 1}, 'a'.repeat(300)];

type Json = Record<string, unknown> | unknown[];

function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
	out.push(at);
	if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, Array.isArray(v) ? Number(k) : k], out);
	return out;
}

/** A mutated recording text (bytes or JSON structure), some with the sha256 recomputed to get past that check. */
export function recordingCase(seed: number, goods: readonly string[]): string {
	const rng = prng(seed);
	const base = pick(rng, goods);
	if (rng() < 0.3) {
		// bytes: flips, cuts, insertions
		const chars = [...base];
		const n = 1 + int(rng, 4);
		for (let i = 0; i < n; i++) {
			const at = int(rng, chars.length + 1);
			const r = int(rng, 4);
			if (r === 0) chars.splice(at, 1 + int(rng, 40));
			else if (r === 1) chars.splice(at, 0, pick(rng, ['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\u001b', '\n', '9', '-', 'e', 'null']));
			else if (r === 2) chars.length = at;
			else chars[at] = String.fromCharCode(int(rng, 128));
		}
		return chars.join('');
	}
	const rec = JSON.parse(base) as Record<string, unknown>;
	const n = 1 + int(rng, 3);
	for (let i = 0; i < n; i++) {
		const all = paths(rec).filter(p => p.length > 0);
		const path = pick(rng, all);
		let parent: Json = rec as Json;
		for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k] as Json;
		const key = path[path.length - 1]!;
		const obj = parent as Record<string | number, unknown>;
		const r = int(rng, 10);
		if (r === 0) delete obj[key];
		else if (r === 1 && !Array.isArray(parent)) Object.defineProperty(obj, pick(rng, ['extra', '__proto__', 'constructor', 'x']), {value: pick(rng, EDGE_JSON), enumerable: true, configurable: true, writable: true});
		else if (r === 2 && typeof obj[key] === 'string') {
			// edit a string: a schedule, a name, the source
			const s = obj[key] as string;
			const p = pieces(s);
			for (let j = 0; j < 1 + int(rng, 3); j++) mutate(p, rng);
			obj[key] = p.join('');
		} else if (r === 3 && Array.isArray(parent)) parent.push(structuredClone(parent[int(rng, parent.length)]));
		else obj[key] = structuredClone(pick(rng, EDGE_JSON));
	}
	// half the time the sha256 is made to fit, so the edit reaches the compiler and the replay
	const sc = rec.scenario as Record<string, unknown> | undefined;
	if (sc && typeof sc === 'object' && typeof sc.source === 'string' && rng() < 0.5) sc.sha256 = sha256(sc.source);
	return rng() < 0.5 ? JSON.stringify(rec) : JSON.stringify(rec, null, 2);
}

export function runRecordingCase(text: string): 'loaded' | 'refused' {
	try {
		loadRecordingText(text, 'fuzz.json');
		return 'loaded';
	} catch (err) {
		if (!(err instanceof RecordingError)) throw err;
		return 'refused';
	}
}
