// The static bounds of a compiled scenario's state layout (machine/layout.ts,
// docs/state-vector.md): what the program text says of how much state it can
// make. Read off the syntax tree with the params applied: the vas its
// constant expressions name, the names it holds, how many page-table pages
// its calls can allocate and how deep its local_irq_save calls nest.
//
// A call inside a loop can run any number of times, so a bound that counts
// it is not static. The design refuses such a scenario at compile time; every
// built-in and example retries a fault or a lock in a loop, so none is
// refused: the bound counts the call twice and says `assumed`, naming the
// line, and a state beyond it fails encode (test/layout.property.test.ts
// walks the reachable states to find one).

import type {Expr, Scenario, Stmt} from './ast.js';
import type {Program} from './program.js';
import {buildLayout} from '../machine/layout.js';
import {FREES_TABLES} from '../machine/primitives/table-free.js';
import type {Bound, Layout, LayoutInput} from '../machine/layout.js';

/** The page-table pages a call can allocate at most (the levels under the PGD it may fill in). */
const ALLOCATES_TABLES: Readonly<Record<string, number>> = {
	handle_mm_fault: 3,
	pte_alloc: 3,
	pte_alloc_one: 1,
	pmd_populate: 2,
	set_pmd_at: 2,
	move_ptes: 3,
};

/** The calls that push a saved IRQ flag (popped by local_irq_restore, spin_unlock_irqrestore). */
const SAVES_IRQS = new Set(['local_irq_save', 'spin_lock_irqsave']);

/** Strings of the tree that are prose, never a name the state holds. */
const PROSE = new Set(['title', 'era', 'sources', 'notes', 'doc', 'note', 'message', 'label', 'type', 'basis', 'form']);

const PAGE = 4096;
/** Page-aligned constants below this are sizes (PAGE_SIZE, 2 MiB...) more often than vas: they stay out. */
const MIN_VA = 0x10000;

type Env = Map<string, number | boolean>;

/** The value of a constant expression, or undefined when it depends on run time. */
function fold(e: Expr, env: Env): number | boolean | undefined {
	switch (e.kind) {
		case 'int':
		case 'bool':
			return e.value;
		case 'name':
			return env.get(e.name);
		case 'unary': {
			const a = fold(e.arg, env);
			if (a === undefined) return undefined;
			if (e.op === '!') return !a;
			if (typeof a !== 'number') return undefined;
			return e.op === '-' ? -a : ~a;
		}
		case 'binary': {
			const a = fold(e.left, env);
			const b = fold(e.right, env);
			if (typeof a !== 'number' || typeof b !== 'number') return undefined;
			switch (e.op) {
				case '+':
					return a + b;
				case '-':
					return a - b;
				case '*':
					return a * b;
				case '/':
					return b === 0 ? undefined : Math.trunc(a / b);
				case '%':
					return b === 0 ? undefined : a % b;
				case '<<':
					return a * 2 ** b;
				case '>>':
					return Math.floor(a / 2 ** b);
				case '|':
				case '&':
				case '^':
					return a < 2 ** 31 && b < 2 ** 31 ? (e.op === '|' ? a | b : e.op === '&' ? a & b : a ^ b) : undefined;
				default:
					return undefined;
			}
		}
		case 'cond': {
			const c = fold(e.cond, env);
			return c === undefined ? undefined : fold(c ? e.then : e.else, env);
		}
		default:
			return undefined;
	}
}

function exprs(e: Expr, visit: (e: Expr) => void): void {
	visit(e);
	switch (e.kind) {
		case 'unary':
		case 'addr':
			exprs(e.arg, visit);
			break;
		case 'binary':
			exprs(e.left, visit);
			exprs(e.right, visit);
			break;
		case 'call':
			for (const a of e.args) exprs(a, visit);
			break;
		case 'field':
			exprs(e.object, visit);
			break;
		case 'cond':
			exprs(e.cond, visit);
			exprs(e.then, visit);
			exprs(e.else, visit);
			break;
		case 'index':
			exprs(e.index, visit);
			break;
		default:
	}
}

/** Every expression of a statement, with whether it stands in a loop (a while, do, for, or a body with a goto). */
function stmts(s: Stmt, loop: boolean, visit: (e: Expr, loop: boolean, line: number) => void): void {
	const ex = (e: Expr | undefined, l = loop): void => void (e && exprs(e, x => visit(x, l, x.pos.line)));
	switch (s.kind) {
		case 'assign':
			ex(s.index);
			ex(s.value);
			break;
		case 'expr':
		case 'await':
			ex(s.kind === 'expr' ? s.expr : s.cond);
			break;
		case 'assert':
			ex(s.cond);
			break;
		case 'return':
			ex(s.value);
			break;
		case 'if':
			ex(s.cond);
			stmts(s.then, loop, visit);
			if (s.else) stmts(s.else, loop, visit);
			break;
		case 'while':
		case 'do':
			ex(s.cond, true);
			stmts(s.body, true, visit);
			break;
		case 'for':
			if (s.init) stmts(s.init, loop, visit);
			ex(s.cond, true);
			if (s.step) stmts(s.step, true, visit);
			stmts(s.body, true, visit);
			break;
		case 'atomic':
		case 'block':
			for (const b of s.body) stmts(b, loop, visit);
			break;
		default:
	}
}

const hasGoto = (body: readonly Stmt[]): boolean => JSON.stringify(body).includes('"kind":"goto"');

function collectStrings(x: unknown, out: Set<string>): void {
	if (typeof x === 'string') out.add(x);
	else if (Array.isArray(x)) for (const y of x) collectStrings(y, out);
	else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) if (k !== 'pos' && !PROSE.has(k)) collectStrings(y, out);
}

/** Per call name: how many times the program can call it (a call in a loop twice, an `assumed` count), and the lines of those in loops. */
type Counts = Map<string, {n: number; loopLines: number[]}>;

function countCalls(ast: Scenario, env: Env, replicasOf: (i: number) => number): {calls: Counts; vas: Set<number>} {
	const vas = new Set<number>();
	const direct = new Map<string, Counts>();
	const note = (c: Counts, name: string, times: number, loop: boolean, line: number): void => {
		const e = c.get(name) ?? {n: 0, loopLines: []};
		e.n += loop ? 2 * times : times;
		if (loop) e.loopLines.push(line);
		c.set(name, e);
	};
	const body = (stmtsOf: readonly Stmt[], times: number, envs: Env[], counts: Counts): void => {
		const anyLoop = hasGoto(stmtsOf);
		for (const s of stmtsOf)
			stmts(s, anyLoop, (e, loop, line) => {
				for (const en of envs) {
					const v = fold(e, en);
					if (typeof v === 'number' && Number.isSafeInteger(v) && v >= MIN_VA && v % PAGE === 0) vas.add(v);
				}
				if (e.kind === 'call') note(counts, e.callee, times, loop, line);
			});
	};
	const top: Counts = new Map();
	ast.cpus.forEach((c, i) => {
		const k = replicasOf(i);
		const envs = Array.from({length: k}, (_, r) => new Map([...env, ['REPLICA', r]]));
		body(c.body, k, envs, top);
	});
	for (const irq of ast.irqs) body(irq.body, 1, [env], top);
	for (const f of ast.functions) {
		const c: Counts = new Map();
		body(f.body, 1, [env], c);
		direct.set(f.name, c);
	}
	// A helper's calls count once per call of the helper (helpers do not recurse: the inliner refuses it).
	const expand = (c: Counts, depth: number): Counts => {
		const out: Counts = new Map();
		for (const [name, e] of c) {
			const inner = direct.get(name);
			if (!inner || depth > 16) {
				const o = out.get(name) ?? {n: 0, loopLines: []};
				o.n += e.n;
				o.loopLines.push(...e.loopLines);
				out.set(name, o);
				continue;
			}
			for (const [n2, e2] of expand(inner, depth + 1)) {
				const o = out.get(n2) ?? {n: 0, loopLines: []};
				o.n += e.n * e2.n;
				o.loopLines.push(...e2.loopLines, ...(e.loopLines.length > 0 ? e.loopLines : []));
				out.set(n2, o);
			}
		}
		return out;
	};
	return {calls: expand(top, 0), vas};
}

function sumOf(calls: Counts, names: Iterable<string>, weight: (n: string) => number): Bound {
	let value = 0;
	const loops: string[] = [];
	for (const name of names) {
		const e = calls.get(name);
		if (!e) continue;
		value += e.n * weight(name);
		for (const l of e.loopLines) loops.push(`line ${l}: ${name}`);
	}
	return loops.length > 0
		? {what: '', value, basis: 'assumed', reason: `a call in a loop counted twice (${[...new Set(loops)].join(', ')})`}
		: {what: '', value, basis: 'static', reason: 'each call counted once per CPU that runs it'};
}

/** What the program text bounds, for machine/layout.ts. */
export function layoutInput(p: Program): LayoutInput {
	const ast = p.scenario;
	const env: Env = new Map();
	for (const [k, v] of Object.entries(p.params)) if (typeof v !== 'string') env.set(k, v);
	for (const c of ast.consts) {
		const v = fold(c.value, env);
		if (v !== undefined) env.set(c.name, v);
	}
	// Each cpu block's replica count, from the compiled program's CPUs where the text's count does not fold.
	const replicasOf = (i: number): number => {
		const r = ast.cpus[i]!.replicas;
		const v = r ? fold(r, env) : 1;
		return typeof v === 'number' && v >= 1 ? v : p.cpus.length;
	};
	const {calls, vas} = countCalls(ast, env, replicasOf);
	const sum = (names: Iterable<string>, weight: (n: string) => number): Bound => sumOf(calls, names, weight);
	const tables = {
		sites: {...sum(Object.keys(ALLOCATES_TABLES), n => ALLOCATES_TABLES[n]!), what: 'table pages allocated'},
		loose: {...sum(['pte_alloc_one'], () => 1), what: 'pte_alloc_one pages'},
		frees: [...FREES_TABLES].some(n => calls.has(n)),
	};
	// One CPU's nesting: the saves of one cpu block (its own copy, not its replicas'), and of every handler that may interrupt it.
	const saved = {what: 'local_irq_save nesting', value: 0, basis: 'static' as 'static' | 'assumed', reason: 'the local_irq_save calls of a cpu block and of the interrupt handlers'};
	for (const c of ast.cpus) {
		const b = sumOf(countCalls({...ast, cpus: [c], irqs: []}, env, () => 1).calls, SAVES_IRQS, () => 1);
		saved.value = Math.max(saved.value, b.value);
		if (b.basis === 'assumed') Object.assign(saved, {basis: 'assumed', reason: b.reason});
	}
	const handlers = sumOf(countCalls({...ast, cpus: []}, env, () => 1).calls, SAVES_IRQS, () => 1);
	saved.value += handlers.value;
	if (handlers.basis === 'assumed') Object.assign(saved, {basis: 'assumed', reason: handlers.reason});
	const names = new Set<string>();
	collectStrings(ast, names);
	const irqLines = p.cpus.map(c => Object.values(p.irqs).filter(i => i.cpu === c.id).length);
	return {
		initial: p.initial,
		locals: p.cpus.map(c => c.locals),
		names: [...names],
		vas: [...vas],
		tables,
		irqSaved: p.cpus.map(() => saved),
		irqLines,
		symmetry: p.symmetry,
	};
}

/** The state layout of a compiled scenario. */
export function layoutOf(p: Program): Layout {
	return buildLayout(layoutInput(p));
}
