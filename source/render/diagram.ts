// The race diagram, in the style of kernel commit messages: one column per
// CPU that takes part, time going down, each step as its source statement
// (abbreviated, never cut mid-word), sub-lines for its key effects, and the
// violating step marked with `^^^ kind: message`. Fits `width` columns
// (default 80) for up to three CPUs.

import type {Model} from '../lang/interpreter.js';
import type {Point} from '../session/types.js';
import {changes, type Change} from '../machine/flatten.js';
import {conditionValue, cpuLabel, sameValueStores, statementText, type TraceStep} from './trace.js';
import {hex} from '../machine/values.js';
import {wrap} from './wrap.js';

export type DiagramOptions = {width?: number; gap?: number; maxEffects?: number};

/** The trace steps of a path of points (root first). */
export function pointsToSteps(points: readonly Point[]): TraceStep[] {
	const out: TraceStep[] = [];
	for (let i = 1; i < points.length; i++) {
		const p = points[i]!;
		out.push({n: p.depth, transition: p.transition!, line: p.line, before: points[i - 1]!.state, after: p.state, notes: p.notes, violations: p.violations, ...(p.userNote !== undefined ? {userNote: p.userNote} : {})});
	}
	return out;
}

/** A source statement as a diagram shows it: no comment, no `;`, no braces. */
export function abbreviate(statement: string): string {
	let s = statement
		.replace(/\/\*.*?\*\//g, ' ')
		.replace(/\/\/.*$/, '')
		.replace(/\s+/g, ' ')
		.trim();
	s = s.replace(/^\}\s*/, '').replace(/\s*\{$/, '').replace(/;$/, '').trim();
	return s;
}

/** Replace the arguments of calls nested inside other calls' arguments by `...`. */
export function shortenCalls(s: string): string {
	const out: string[] = [];
	let depth = 0;
	let skipping = -1;
	for (let i = 0; i < s.length; i++) {
		const c = s[i]!;
		if (c === '(') {
			depth++;
			const isCall = i > 0 && /[A-Za-z0-9_]/.test(s[i - 1]!);
			if (skipping < 0 && isCall && depth >= 3) {
				skipping = depth;
				out.push('(...');
				continue;
			}
		} else if (c === ')') {
			if (skipping === depth) {
				skipping = -1;
				depth--;
				out.push(')');
				continue;
			}
			depth--;
		}
		if (skipping < 0) out.push(c);
	}
	return out.join('');
}

const IRQS = /^CPU(\d+)\.irqs$/;

/** The effects of a step worth a sub-line: the primitive's notes, else the state changes. */
function effects(model: Model, s: TraceStep, what: string): string[] {
	// which way a test went: the next line of the column does not always tell (a goto out of sight, a loop's exit)
	const cond = conditionValue(model, s);
	if (cond !== null) return [cond, ...effectsOf(model, s, what)];
	return effectsOf(model, s, what);
}

function effectsOf(model: Model, s: TraceStep, what: string): string[] {
	if (s.notes.length > 0) return s.notes.flatMap(n => n.split('; '));
	const literal = /^[a-z_][a-z0-9_]* = (-?\d+|0x[0-9a-f]+|true|false|NULL)$/i.test(what);
	const target = literal ? undefined : /^([a-z_][a-z0-9_]*) = /i.exec(what)?.[1];
	const out: string[] = [];
	let cs: Change[] = changes(s.before, s.after).filter(c => c.path !== `CPU${s.transition.cpu}.wait`);
	// the preempt count beside a lock's new holder is the lock again (spin_lock raises it): a line for preempt_disable() alone
	const preempt = `CPU${s.transition.cpu}.preempt`;
	if (cs.some(c => c.path !== preempt)) cs = cs.filter(c => c.path !== preempt);
	for (const c of cs) {
		const irq = IRQS.exec(c.path);
		if (irq) {
			out.push(`${Number(irq[1]) === s.transition.cpu ? '' : `CPU${irq[1]} `}IRQs ${c.after}`);
			continue;
		}
		const local = /^CPU(\d+)\.([a-z_][a-z0-9_]*)$/i.exec(c.path);
		if (local && Number(local[1]) === s.transition.cpu && !['ipis', 'rcu_read_lock'].includes(local[2]!)) {
			if (literal) continue;
			out.push(local[2] === target ? `-> ${c.after}` : `${local[2]} = ${c.after}`);
			continue;
		}
		if (c.after === '-') out.push(`${c.path} gone`);
		else if (c.before === '-') out.push(`${c.path} = ${c.after}`);
		// a waiter queued on a held lock: `lock[b]: CPU1 (waiters: CPU0)`, not `CPU1 -> CPU1 (waiters: CPU0)`
		else if (c.after.startsWith(`${c.before} (`)) out.push(`${c.path}: ${c.after}`);
		else out.push(`${c.path}: ${c.before} -> ${c.after}`);
	}
	// the lost update's second store writes the value already there: the race is in that line
	out.push(...sameValueStores(model, s));
	return out;
}

/** A piece of an entry, wrapped once the column widths are known (continuation indent). */
type Piece = {text: string; indent: number; lead?: number};
type Entry = {cpu: number; n: number; pieces: Piece[]};

function ipiEntry(run: TraceStep[]): Piece[] {
	const kinds = new Set(run.map(s => (s.notes.some(n => n.startsWith('empty IPI')) ? 'sync' : 'flush_tlb_func')));
	const count = run.length > 1 ? ` x${run.length}` : '';
	const pieces: Piece[] = [{text: `<IPI${count}: ${[...kinds].join(', ')}, ack>`, indent: 2}];
	for (const s of run) {
		for (const n of s.notes) {
			const m = /^flush_tlb_func: CPU\d+ (.*)$/.exec(n);
			if (m) pieces.push({text: `-> ${m[1]}`, indent: 3});
		}
		for (const v of s.violations) pieces.push({text: `^^^ ${v.kind}: ${v.message}`, indent: 4});
	}
	return pieces;
}

/** The longest piece wrap() will not split (it breaks at spaces, after `(` and after `, `). */
const longestWord = (p: Piece): number => Math.max(0, ...p.text.split(/\s+|(?<=\()|(?<=, )/).map(w => w.length)) + p.indent + (p.lead ?? 0);

/**
 * Column widths: an even share of `width`, except that a column is never
 * narrower than its longest name (a name is never broken mid-word); the
 * others give way, down to their own longest names.
 */
function columnWidths(need: number[], width: number, gap: number): number[] {
	const n = need.length;
	const room = width - gap * (n - 1);
	const share = Math.max(16, Math.floor(room / n));
	const floor = need.map(x => Math.max(16, x));
	const w = floor.map(x => Math.max(share, x));
	// a wide column's extra comes out of the others' slack, one cell at a time
	let excess = w.reduce((a, b) => a + b, 0) - Math.max(room, n * share);
	for (let i = 0, idle = 0; excess > 0 && idle < n; i = (i + 1) % n) {
		if (w[i]! > floor[i]! && w[i]! <= share) {
			w[i]!--;
			excess--;
			idle = 0;
		} else idle++;
	}
	return w;
}

export type LoopOptions = {
	/** The step after which a livelock's loop begins (the steps after it repeat for ever). */
	loopFrom?: number;
};

/** The step a livelock's loop starts after, from the note explore and the TUI put on it (`livelock: ...`). */
export function loopStart(points: readonly Point[]): number | undefined {
	const p = points.find(x => x.userNote?.startsWith('livelock:'));
	return p?.depth;
}

/** Render the race diagram of a list of steps. */
export function renderDiagram(model: Model, steps: readonly TraceStep[], opts: DiagramOptions & LoopOptions = {}): string {
	const width = opts.width ?? 80;
	let gap = opts.gap ?? 2;
	const maxEffects = opts.maxEffects ?? 4;
	const cpus: number[] = [];
	for (const s of steps) if (!cpus.includes(s.transition.cpu)) cpus.push(s.transition.cpu);
	if (cpus.length === 0) return '(no steps)';
	const share = Math.max(16, Math.floor((width - gap * (cpus.length - 1)) / cpus.length));
	const entries: Entry[] = [];
	// the helper calls each CPU is inside (outermost first), as of its last step in the diagram
	const inside = new Map<number, string[]>();
	for (let i = 0; i < steps.length; i++) {
		const s = steps[i]!;
		const cpu = s.transition.cpu;
		if (s.transition.irq) {
			const run = [s];
			while (i + 1 < steps.length && steps[i + 1]!.transition.irq && steps[i + 1]!.transition.cpu === cpu) run.push(steps[++i]!);
			entries.push({cpu, n: s.n, pieces: ipiEntry(run)});
			continue;
		}
		const wait = s.before.cpus[cpu]?.wait;
		let what = wait ? `${wait.prim}() returns` : abbreviate(statementText(model, s.before, s.transition, s.line));
		if (what.length > share * 2) what = shortenCalls(what);
		// the user's :note, as a commit message's diagram comments a step (the livelock's own note is the loop rule below)
		const userNote = s.userNote?.replace(/\s+/g, ' ').trim();
		if (userNote && !userNote.startsWith('livelock:')) what += ` /* ${userNote.replace(/\*\//g, '* /')} */`;
		// a helper's statements under its name, indented as a call nests (`obj_put()` / `  if (!atomic_dec_and_test(&refs))`):
		// without it a body line did not say whose it was
		const via = model.instrAt(s.before, cpu)?.via ?? [];
		const calls = via.map(v => `${v.fn}@${v.line}`);
		const was = inside.get(cpu) ?? [];
		let same = 0;
		while (same < calls.length && same < was.length && calls[same] === was[same]) same++;
		inside.set(cpu, calls);
		const pieces: Piece[] = via.slice(same).map((v, k) => ({text: `${v.fn}()`, indent: 2, lead: 2 * (same + k)}));
		const lead = 2 * via.length;
		pieces.push({text: what, indent: 2, lead});
		const fx = effects(model, s, what);
		const shown = fx.length > maxEffects ? [...fx.slice(0, maxEffects - 1), `(+${fx.length - maxEffects + 1} more)`] : fx;
		for (const e of shown) pieces.push({text: e.startsWith('-> ') ? e : `-> ${e}`, indent: 3, lead});
		for (const v of s.violations) pieces.push({text: `^^^ ${v.kind}: ${v.message}`, indent: 4, lead});
		entries.push({cpu, n: s.n, pieces});
	}
	// what each CPU starts with in its TLB (a set-up call may fill it): the race may hinge on it
	const first = steps[0]!.before;
	const initial = cpus.map(c => {
		const tlb = Object.entries(first.cpus[c]?.tlb ?? {});
		return tlb.length ? [{text: `(TLB: ${tlb.map(([va, e]) => `${hex(Number(va))} -> pfn ${hex(e.pfn)}${e.write ? ' W' : ''}`).join(', ')})`, indent: 1}] : [];
	});
	const need = cpus.map((c, i) => Math.max(0, ...initial[i]!.map(longestWord), ...entries.filter(e => e.cpu === c).flatMap(e => e.pieces.map(longestWord))));
	// the longest names must fit: the gap between columns narrows to one cell first
	const floors = need.reduce((a, x) => a + Math.max(16, x), 0);
	if (gap > 1 && floors + gap * (cpus.length - 1) > width) gap = 1;
	const widths = columnWidths(need, width, gap);
	const colAt = (i: number): number => widths.slice(0, i).reduce((a, b) => a + b + gap, 0);
	const rows: string[] = [];
	const emit = (col: number, text: string): void => {
		rows.push((' '.repeat(colAt(col)) + text).trimEnd());
	};
	const headers = cpus.map((c, i) => wrap(cpuLabel(model, c), widths[i]!));
	const hRows = Math.max(...headers.map(h => h.length));
	for (let r = 0; r < hRows; r++) {
		rows.push(
			cpus
				.map((_, i) => (headers[i]![r] ?? '').padEnd(widths[i]!))
				.join(' '.repeat(gap))
				.trimEnd(),
		);
	}
	initial.forEach((ps, i) => ps.forEach(p => wrap(p.text, widths[i]!, p.indent).forEach(l => emit(i, l))));
	const total = colAt(cpus.length - 1) + widths[widths.length - 1]!;
	const rule = (text: string): string => `---- ${text} `.padEnd(Math.min(width, Math.max(total, text.length + 10)), '-');
	let inLoop = false;
	for (const e of entries) {
		if (opts.loopFrom !== undefined && !inLoop && e.n > opts.loopFrom) {
			inLoop = true;
			rows.push(rule('loop: from here the steps repeat for ever'));
		}
		const col = cpus.indexOf(e.cpu);
		for (const p of e.pieces) {
			const lead = p.lead ?? 0;
			for (const l of wrap(p.text, Math.max(8, widths[col]! - lead), p.indent)) emit(col, ' '.repeat(lead) + l);
		}
	}
	if (inLoop) rows.push(rule('back to the start of the loop: it repeats for ever, without progress'));
	return rows.join('\n');
}
