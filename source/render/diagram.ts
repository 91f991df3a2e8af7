// The race diagram, in the style of kernel commit messages: one column per
// CPU that takes part, time going down, each step as its source statement
// (abbreviated, never cut mid-word), sub-lines for its key effects, and the
// violating step marked with `^^^ kind: message`. Fits `width` columns
// (default 80) for up to three CPUs.

import type {Model} from '../lang/interpreter.js';
import type {Point} from '../session/types.js';
import {changes, type Change} from '../machine/flatten.js';
import {cpuLabel, statementText, type TraceStep} from './trace.js';
import {wrap} from './wrap.js';

export type DiagramOptions = {width?: number; gap?: number; maxEffects?: number};

/** The trace steps of a path of points (root first). */
export function pointsToSteps(points: readonly Point[]): TraceStep[] {
	const out: TraceStep[] = [];
	for (let i = 1; i < points.length; i++) {
		const p = points[i]!;
		out.push({n: p.depth, transition: p.transition!, line: p.line, before: points[i - 1]!.state, after: p.state, notes: p.notes, violations: p.violations});
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
	if (s.notes.length > 0) return s.notes.flatMap(n => n.split('; '));
	const literal = /^[a-z_][a-z0-9_]* = (-?\d+|0x[0-9a-f]+|true|false|NULL)$/i.test(what);
	const target = literal ? undefined : /^([a-z_][a-z0-9_]*) = /i.exec(what)?.[1];
	const out: string[] = [];
	const cs: Change[] = changes(s.before, s.after).filter(c => c.path !== `CPU${s.transition.cpu}.wait`);
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
		else out.push(`${c.path}: ${c.before} -> ${c.after}`);
	}
	void model;
	return out;
}

type Entry = {cpu: number; lines: string[]};

function ipiEntry(run: TraceStep[], width: number): string[] {
	const kinds = new Set(run.map(s => (s.notes.some(n => n.startsWith('empty IPI')) ? 'sync' : 'flush_tlb_func')));
	const count = run.length > 1 ? ` x${run.length}` : '';
	const lines = wrap(`<IPI${count}: ${[...kinds].join(', ')}, ack>`, width);
	for (const s of run) {
		for (const n of s.notes) {
			const m = /^flush_tlb_func: CPU\d+ (.*)$/.exec(n);
			if (m) lines.push(...wrap(`-> ${m[1]}`, width, 3));
		}
		for (const v of s.violations) lines.push(...wrap(`^^^ ${v.kind}: ${v.message}`, width, 4));
	}
	return lines;
}

/** Render the race diagram of a list of steps. */
export function renderDiagram(model: Model, steps: readonly TraceStep[], opts: DiagramOptions = {}): string {
	const width = opts.width ?? 80;
	const gap = opts.gap ?? 2;
	const maxEffects = opts.maxEffects ?? 4;
	const cpus: number[] = [];
	for (const s of steps) if (!cpus.includes(s.transition.cpu)) cpus.push(s.transition.cpu);
	if (cpus.length === 0) return '(no steps)';
	const colW = Math.max(16, Math.floor((width - gap * (cpus.length - 1)) / cpus.length));
	const entries: Entry[] = [];
	for (let i = 0; i < steps.length; i++) {
		const s = steps[i]!;
		const cpu = s.transition.cpu;
		if (s.transition.irq) {
			const run = [s];
			while (i + 1 < steps.length && steps[i + 1]!.transition.irq && steps[i + 1]!.transition.cpu === cpu) run.push(steps[++i]!);
			entries.push({cpu, lines: ipiEntry(run, colW)});
			continue;
		}
		const wait = s.before.cpus[cpu]?.wait;
		let what = wait ? `${wait.prim}() returns` : abbreviate(statementText(model, s.before, s.transition, s.line));
		if (what.length > colW * 2) what = shortenCalls(what);
		const lines = wrap(what, colW);
		const fx = effects(model, s, what);
		const shown = fx.length > maxEffects ? [...fx.slice(0, maxEffects - 1), `(+${fx.length - maxEffects + 1} more)`] : fx;
		for (const e of shown) lines.push(...wrap(e.startsWith('-> ') ? e : `-> ${e}`, colW, 3));
		for (const v of s.violations) lines.push(...wrap(`^^^ ${v.kind}: ${v.message}`, colW, 4));
		entries.push({cpu, lines});
	}
	const rows: string[] = [];
	const emit = (col: number, text: string): void => {
		rows.push((' '.repeat((colW + gap) * col) + text).trimEnd());
	};
	const headers = cpus.map(c => wrap(cpuLabel(model, c), colW));
	const hRows = Math.max(...headers.map(h => h.length));
	for (let r = 0; r < hRows; r++) {
		rows.push(
			cpus
				.map((_, i) => (headers[i]![r] ?? '').padEnd(colW))
				.join(' '.repeat(gap))
				.trimEnd(),
		);
	}
	for (const e of entries) for (const l of e.lines) emit(cpus.indexOf(e.cpu), l);
	return rows.join('\n');
}
