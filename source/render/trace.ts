// The trace: one line per step (step, CPU, source line, the statement, what
// changed), then the violations of the step. Shared by `run`, `replay`,
// `explore`, the exports and the TUI's timeline.

import type {Model} from '../lang/interpreter.js';
import {splitLines} from '../lang/visible.js';
import type {Machine, Transition, Violation} from '../machine/types.js';
import {changes, formatChange} from '../machine/flatten.js';
import {formatValue} from '../machine/values.js';
import {violationName} from './verdict.js';
import {wrap} from './wrap.js';

export type TraceStep = {
	n: number;
	transition: Transition;
	line: number | null;
	before: Machine;
	after: Machine;
	notes: string[];
	violations: Violation[];
	/** The user's note on the step (`:note`): the diagram shows it as a C comment after the statement. */
	userNote?: string;
};

export function sourceLine(model: Model, line: number | null, col = 1): string {
	if (line === null) return '';
	return (splitLines(model.program.source)[line - 1] ?? '').slice(Math.max(0, col - 1)).replace(/\/\/.*$/, '').trim();
}

/**
 * The statement a step executed, from its own column: where the compiler
 * folded a param-only `if (gup_irqs_off) local_irq_save();`, the step ran
 * `local_irq_save();` and that is what it shows.
 */
export function statementText(model: Model, before: Machine, t: Transition, line: number | null): string {
	if (t.irq) {
		const ipi = before.cpus[t.cpu]?.ipis[0];
		if (ipi?.kind === 'device') return `interrupt: irq ${ipi.irq} (${model.program.irqs[ipi.irq]?.label ?? 'handler'})`;
		return ipi?.kind === 'sync' ? 'interrupt: empty IPI (tlb_remove_table_sync_one)' : 'interrupt: flush_tlb_func (flush IPI)';
	}
	const instr = model.instrAt(before, t.cpu);
	if (instr?.text) return instr.text;
	if (!instr || instr.line !== line) return sourceLine(model, line);
	const text = sourceLine(model, line, instr.col);
	if (instr.kind === 'atomic' && instr.body) {
		// one step runs the whole block: show what is in it, not `atomic {`
		const inner = instr.body.map(i => firstStatement(sourceLine(model, i.line, i.col)));
		return `atomic { ${instr.condText ? `await(${instr.condText}); ` : ''}${inner.join(' ')} }`;
	}
	if (instr.kind === 'branch') return testText(text);
	return instr.kind === 'stmt' || instr.kind === 'return' || instr.kind === 'assert' || instr.kind === 'await' ? firstStatement(text) : text;
}

/**
 * A test as its step ran it: on a line with braces or an `else`, the
 * `if (c)` / `while (c)` / `for (...)` head with what the step folds in
 * (`goto L;`, `break;`, `continue;`) or the `{` it opens, not the statements
 * after it, which are steps of their own (`if (x) { y = 1; } else { y = 2; }`
 * showed the whole line, braces and all).
 */
function testText(text: string): string {
	const m = /^(?:if|while|for)\s*\(/.exec(text);
	if (!m) return text;
	let depth = 0;
	let quoted = false;
	for (let i = m[0].length - 1; i < text.length; i++) {
		const c = text[i]!;
		if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
		else if (quoted) continue;
		else if (c === '(') depth++;
		else if (c === ')' && --depth === 0) {
			const head = text.slice(0, i + 1);
			const rest = text.slice(i + 1).trim();
			// one plain statement after the test says what it guards (`if (r != 0) return;`): kept
			if (!/[{}]|\belse\b/.test(rest)) return text;
			if (rest.startsWith('{')) return `${head} {`;
			const folded = /^(?:goto\s+[A-Za-z_]\w*|break|continue)\s*;/.exec(rest);
			return folded ? `${head} ${folded[0]}` : head;
		}
	}
	return text;
}

/** Up to the first `;` outside parentheses and strings: `x = 1; y = 2;` shows `x = 1;`. */
function firstStatement(text: string): string {
	let depth = 0;
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
		else if (quoted) continue;
		else if (c === '(') depth++;
		else if (c === ')') depth--;
		else if (c === ';' && depth <= 0) return text.slice(0, i + 1);
	}
	return text;
}

/** Where an inlined helper's statement was called from: `  ← pte_ok() at L12`, innermost first. */
export function callSites(model: Model, before: Machine, t: Transition): string {
	if (t.irq) return '';
	const via = model.instrAt(before, t.cpu)?.via;
	if (!via) return '';
	return via
		.slice()
		.reverse()
		.map(v => `  ← ${v.fn}() at L${v.line}`)
		.join('');
}

/** A condition's outcome, read off where the CPU went: `true` / `false` (null: not a branch). */
export function conditionValue(model: Model, s: Pick<TraceStep, 'transition' | 'before' | 'after'>): 'true' | 'false' | null {
	if (s.transition.irq) return null;
	const instr = model.instrAt(s.before, s.transition.cpu);
	if (instr?.kind !== 'branch' || instr.next === instr.alt) return null;
	const pc = s.after.cpus[s.transition.cpu]!.pc;
	return pc === instr.next ? 'true' : pc === instr.alt ? 'false' : null;
}

function branchTaken(model: Model, s: TraceStep): string {
	const v = conditionValue(model, s);
	return v === null ? '' : `  → ${v}`;
}

/** What the step did, in words: its statement (or the interrupt) and its effects. */
/** The step's statement as the trace heads it: with the branch it took and, in a helper, its call site. */
export function stepHeadline(model: Model, s: TraceStep): string {
	return statementText(model, s.before, s.transition, s.line) + branchTaken(model, s) + callSites(model, s.before, s.transition);
}

export function stepSummary(model: Model, s: TraceStep): {what: string; effects: string[]} {
	const what = stepHeadline(model, s);
	const effects = changes(s.before, s.after)
		.filter(c => !(c.path === `CPU${s.transition.cpu}.wait`))
		.map(formatChange);
	return {what, effects};
}

/**
 * The lines under a step in the trace: what the primitives said (the TLB walk,
 * a refcount reaching zero, an RCU callback), then every value that changed.
 * `run`, `replay` and the TUI's timeline show the same lines.
 */
export function effectLines(model: Model, s: Pick<TraceStep, 'transition' | 'line' | 'before' | 'after' | 'notes'>): string[] {
	return s.notes.concat(stepSummary(model, s as TraceStep).effects, sameValueStores(model, s));
}

/** The shared variable a plain store writes: `cnt = ...`, `slot[i] += ...`, `cnt++`, `WRITE_ONCE(cnt, ...)`. */
const STORE = /^(?:(?:WRITE_ONCE|smp_store_release)\(\s*&?\s*([A-Za-z_]\w*)|(?:\+\+|--)\s*([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?(?:\+\+|--|(?:[-+*/%&|^]|<<|>>)?=(?!=)))/;

/**
 * A plain store to a shared variable that leaves its value as it was: the
 * lost update's second `cnt = t + 1` writes 1 over 1, which no change lists,
 * yet it is the step the race is about. `global.cnt = 1 (unchanged)`, from
 * the step's footprint (what it wrote) and its statement (a store, not an
 * atomic that fails, which also counts as a write for the reduction).
 */
export function sameValueStores(model: Model, s: Pick<TraceStep, 'transition' | 'before' | 'after'>): string[] {
	if (s.transition.irq) return [];
	const instr = model.instrAt(s.before, s.transition.cpu);
	if (instr?.kind !== 'stmt' || s.before.cpus[s.transition.cpu]?.wait) return [];
	const m = STORE.exec(statementText(model, s.before, s.transition, instr.line));
	const target = m?.[1] ?? m?.[2] ?? m?.[3];
	if (target === undefined || !Object.hasOwn(s.before.globals, target) && !Object.keys(s.before.globals).some(k => k.startsWith(`${target}[`))) return [];
	const writes = model.step(s.before, s.transition, {footprint: true}).footprint?.writes ?? [];
	const out: string[] = [];
	for (const key of writes) {
		if (!key.startsWith('g:')) continue;
		const name = key.slice(2);
		if (name !== target && !name.startsWith(`${target}[`)) continue;
		const was = s.before.globals[name];
		if (was === undefined || JSON.stringify(was) !== JSON.stringify(s.after.globals[name])) continue;
		out.push(`global.${name} = ${formatValue(was)} (unchanged)`);
	}
	return out;
}

/**
 * Why a CPU cannot move, with the history the state alone does not hold: for a
 * lock, since which step its holder has it ("held by CPU0 since step 4").
 */
export function blockedWithHistory(model: Model, steps: readonly TraceStep[], final: Machine, cpu: number): string | null {
	const why = model.blockedReason(final, cpu);
	const w = final.cpus[cpu]?.wait;
	if (why === null || w?.kind !== 'lock') return why;
	const holder = (m: Machine): string => JSON.stringify(m.locks[w.lock] ?? null);
	const now = holder(final);
	let since: number | null = null;
	for (let i = steps.length - 1; i >= 0; i--) {
		if (holder(steps[i]!.after) !== now) break;
		if (holder(steps[i]!.before) !== now) {
			since = steps[i]!.n;
			break;
		}
	}
	return since === null ? why : `${why} since step ${since}`;
}

export function cpuLabel(model: Model, cpu: number): string {
	const label = model.program.cpus[cpu]?.label;
	return label ? `CPU${cpu} ${label}` : `CPU${cpu}`;
}

export function renderTrace(model: Model, steps: readonly TraceStep[], opts: {width?: number} = {}): string {
	const width = opts.width ?? 100;
	const lines: string[] = [];
	for (const s of steps) {
		const what = stepHeadline(model, s);
		const who = (s.transition.irq ? `i${s.transition.cpu}` : `CPU${s.transition.cpu}`).padEnd(5);
		const at = s.line === null ? '    ' : `L${s.line}`.padEnd(4);
		// Wrapped, never cut: a trace is pasted into mail and read in full.
		const pad = ' '.repeat(18);
		lines.push(...wrap(what, width - 18, 2).map((l, i) => (i === 0 ? `${String(s.n).padStart(4)}  ${who} ${at}  ${l}` : pad + l)));
		for (const e of effectLines(model, s)) lines.push(...wrap(e, width - 18, 2).map(l => pad + l));
		for (const v of s.violations) lines.push(...wrap(`!!! ${violationName(v)}: ${v.message}`, width - 18, 4).map(l => pad + l));
	}
	return lines.join('\n');
}


/** Replay a schedule, collecting trace steps; stops at the first disabled transition. */
export function replaySteps(model: Model, schedule: readonly Transition[], from?: Machine): {steps: TraceStep[]; final: Machine; error?: {index: number; reason: string}} {
	let m = from ?? model.initial;
	const steps: TraceStep[] = [];
	for (let i = 0; i < schedule.length; i++) {
		const t = schedule[i]!;
		if (!model.isEnabled(m, t)) return {steps, final: m, error: {index: i, reason: model.whyNot(m, t)}};
		const r = model.step(m, t);
		steps.push({n: i + 1, transition: t, line: r.line, before: m, after: r.state, notes: r.notes, violations: r.violations});
		m = r.state;
	}
	return {steps, final: m};
}
