// The JSON form of a search result (`explore --json`), the one thing
// `explore` prints, `racewalk merge` reads back and `--jobs` workers send to
// the main thread; merging the reports of the shards of one search; and the
// text a user reads, from a report.

import type {ExploreResult, Found, Lasso} from '../explore/index.js';
import type {Model} from '../lang/interpreter.js';
import {formatSchedule, parseSchedule} from '../lang/schedule.js';
import {kindInfo} from '../machine/checks.js';
import type {Transition, Violation} from '../machine/types.js';
import {renderTrace, replaySteps, type TraceStep} from '../render/trace.js';
import {violationLine, violationName} from '../render/verdict.js';
import {count} from '../render/wrap.js';
import {EXIT, type Io, UsageError} from './common.js';
import {printHeader} from './header.js';

export type KindJson = {kind: string; check: string; schedule: string; length: number; switches: number; minimal: boolean; violation: Violation};
export type LassoJson = {prefix: string; loop: string; moving: number[]; sccStates: number; message: string};

export type Report = {
	scenario: string;
	/** What the user named (built-in or file), to open the scenario again (merge). */
	target: string;
	variant: string | null;
	/** The --set overrides given (to reproduce a schedule). */
	set: Record<string, string>;
	params: Record<string, number | boolean | string>;
	strategy: string;
	recording: string | null;
	complete: boolean;
	livenessComplete: boolean;
	stoppedBy: string | null;
	stats: ExploreResult['stats'] & {shards?: number};
	kinds: KindJson[];
	livelocks: LassoJson[];
	verdict: 'violation' | 'liveness' | 'ok' | 'bound';
	shard: ExploreResult['shard'];
};

export const kindJson = (f: Found): KindJson => ({kind: f.kind, check: f.violation.check, schedule: formatSchedule(f.schedule), length: f.schedule.length, switches: f.switches, minimal: f.minimal, violation: f.violation});
export const lassoJson = (l: Lasso): LassoJson => ({prefix: formatSchedule(l.prefix), loop: formatSchedule(l.loop), moving: l.moving, sccStates: l.sccStates, message: l.violation.message});

/** Exit code of a search's verdict (SPEC §7). */
export function exitCodeOf(kinds: readonly string[], complete: boolean, livenessDone: boolean): number {
	if (kinds.some(k => !kindInfo(k)?.liveness)) return EXIT.violation;
	if (kinds.length > 0) return EXIT.liveness;
	return complete && livenessDone ? EXIT.ok : EXIT.bound;
}

export const verdictOf = (code: number): Report['verdict'] => (code === EXIT.violation ? 'violation' : code === EXIT.liveness ? 'liveness' : code === EXIT.ok ? 'ok' : 'bound');

export function reportOf(model: Model, target: string, set: Record<string, string>, r: ExploreResult, recording: string | null): Report {
	const p = model.program;
	const code = exitCodeOf([...r.kinds.keys()], r.complete, r.stats.livenessStates === undefined || r.livenessComplete);
	return {
		scenario: p.scenario.name,
		target,
		variant: p.variant,
		set,
		params: p.params,
		strategy: r.strategy,
		recording,
		complete: r.complete,
		livenessComplete: r.livenessComplete,
		stoppedBy: r.stoppedBy,
		stats: r.stats,
		kinds: [...r.kinds.values()].map(kindJson),
		livelocks: r.livelocks.map(lassoJson),
		verdict: verdictOf(code),
		shard: r.shard,
	};
}

export const reportCode = (r: Report): number => exitCodeOf(r.kinds.map(k => k.kind), r.complete, r.stats.livenessStates === undefined || r.livenessComplete);

/** The first thing that makes two reports shards of different searches (undefined: the same search). */
function differs(a: Report, b: Report): string | undefined {
	const fields: [string, unknown, unknown][] = [
		['scenario', a.scenario, b.scenario],
		['variant', a.variant, b.variant],
		['params', a.params, b.params],
		['strategy', a.strategy, b.strategy],
		['frontier', a.shard?.frontier, b.shard?.frontier],
		['shard count', a.shard?.count, b.shard?.count],
	];
	for (const [what, x, y] of fields) {
		if (JSON.stringify(x) === JSON.stringify(y)) continue;
		if (what !== 'params') return `${what} ${String(y)}, not ${String(x)}`;
		// only the params that differ: a scenario has many
		const p = x as Report['params'];
		const q = y as Report['params'];
		const keys = [...new Set([...Object.keys(q), ...Object.keys(p)])].filter(k => p[k] !== q[k]);
		const show = (o: Report['params']) => keys.map(k => `${k}=${o[k] ?? '(none)'}`).join(' ');
		return `params ${keys.length ? show(q) : 'in another order'}, not ${keys.length ? show(p) : 'this one'}`;
	}
	return undefined;
}

/**
 * One verdict from the shards of one search: the union of the kinds, the
 * shortest counterexample of each (then the fewest switches), complete only
 * if every shard was. `names` label the reports in errors (file names).
 */
export function mergeReports(reports: readonly Report[], names: readonly string[]): Report {
	const first = reports[0];
	if (!first) throw new UsageError('merge: no reports to merge');
	reports.forEach((r, i) => {
		if (!r.shard) throw new UsageError(`${names[i]}: not a shard's report (run explore with --frontier D --shard I/N --json)`);
		const other = differs(first, r);
		if (other) throw new UsageError(`${names[i]}: a shard of another search (${other} as in ${names[0]})`);
	});
	const count = first.shard!.count;
	const seen = new Map<number, string>();
	reports.forEach((r, i) => {
		const other = seen.get(r.shard!.index);
		if (other !== undefined) throw new UsageError(`${names[i]}: shard ${r.shard!.index}/${count} again (also ${other})`);
		seen.set(r.shard!.index, names[i]!);
	});
	const missing = Array.from({length: count}, (_, i) => i).filter(i => !seen.has(i));
	if (missing.length) throw new UsageError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map(i => `${i}/${count}`).join(', ')} missing; a verdict needs all ${count}`);
	const kinds = new Map<string, KindJson>();
	for (const r of reports) {
		for (const k of r.kinds) {
			const old = kinds.get(k.kind);
			if (!old || k.length < old.length || (k.length === old.length && k.switches < old.switches)) kinds.set(k.kind, k);
		}
	}
	const lassoLen = (l: LassoJson) => l.prefix.split(' ').filter(Boolean).length + l.loop.split(' ').filter(Boolean).length;
	const livelocks = new Map<string, LassoJson>();
	for (const r of reports) for (const l of r.livelocks) livelocks.set(`${l.prefix}|${l.loop}`, l);
	const lassos = [...livelocks.values()].sort((a, b) => lassoLen(a) - lassoLen(b));
	const live = lassos[0];
	if (live) {
		const schedule = `${live.prefix} ${live.loop}`.trim();
		const old = kinds.get('livelock')!;
		kinds.set('livelock', {...old, schedule, length: lassoLen(live), violation: {...old.violation, message: live.message}});
	}
	const sum = (f: (r: Report) => number | undefined) => reports.reduce((a, r) => a + (f(r) ?? 0), 0);
	const timeMs = Math.max(...reports.map(r => r.stats.timeMs));
	const anyLiveness = reports.some(r => r.stats.livenessStates !== undefined);
	const stats: Report['stats'] = {
		...first.stats,
		states: sum(r => r.stats.states),
		transitions: sum(r => r.stats.transitions),
		pruned: sum(r => r.stats.pruned),
		depth: Math.max(...reports.map(r => r.stats.depth)),
		timeMs,
		statesPerSec: timeMs > 0 ? Math.round((sum(r => r.stats.states) * 1000) / timeMs) : 0,
		livenessStates: anyLiveness ? sum(r => r.stats.livenessStates) : undefined,
		livenessQuotient: anyLiveness && reports.every(r => r.stats.livenessQuotient === true) ? true : undefined,
		omission: Math.min(1, sum(r => r.stats.omission)),
		shards: count,
	};
	const merged: Report = {
		...first,
		recording: null,
		complete: reports.every(r => r.complete),
		livenessComplete: reports.every(r => r.livenessComplete),
		stoppedBy: reports.find(r => r.stoppedBy)?.stoppedBy ?? null,
		stats,
		kinds: sortKinds([...kinds.values()]),
		livelocks: lassos,
		shard: {...first.shard!, index: -1, roots: sum(r => r.shard!.roots)},
	};
	merged.verdict = verdictOf(reportCode(merged));
	return merged;
}

/** As explore orders them: safety kinds first (shortest first), a livelock last. */
export const sortKinds = (kinds: KindJson[]): KindJson[] => kinds.sort((a, b) => Number(a.kind === 'livelock') - Number(b.kind === 'livelock') || a.length - b.length || a.kind.localeCompare(b.kind));

/**
 * The traces of one report. Its kinds' schedules often begin alike (36 of the
 * 97 steps of xfs-pre-remove's four), and a step's lines depend on that step
 * alone: each step of a common beginning is replayed and rendered once.
 */
class Traces {
	private readonly done: {schedule: readonly Transition[]; steps: TraceStep[]; text: string[]}[] = [];

	constructor(
		private readonly model: Model,
		private readonly width: number,
	) {}

	of(schedule: Transition[], loopFrom?: number): string {
		let from: (typeof this.done)[number] | undefined;
		let k = 0;
		for (const d of this.done) {
			let i = 0;
			while (i < d.steps.length && i < schedule.length && d.schedule[i]!.cpu === schedule[i]!.cpu && d.schedule[i]!.irq === schedule[i]!.irq) i++;
			if (i > k) [from, k] = [d, i];
		}
		const steps = from ? from.steps.slice(0, k) : [];
		const text = from ? from.text.slice(0, k) : [];
		for (const s of replaySteps(this.model, schedule.slice(k), steps[k - 1]?.after).steps) {
			const step = {...s, n: s.n + k};
			steps.push(step);
			text.push(renderTrace(this.model, [step], {width: this.width}));
		}
		this.done.push({schedule, steps, text});
		if (loopFrom === undefined) return text.join('\n');
		const lines = text.join('\n').split('\n');
		const at = lines.findIndex(l => new RegExp(`^\\s*${loopFrom + 1}\\s`).test(l));
		if (at >= 0) lines.splice(at, 0, `      ---- loop: from here the schedule repeats for ever ----`);
		return lines.join('\n');
	}
}

function describeStop(r: Report): string {
	if (r.strategy === 'random' || r.strategy === 'pct') return `sampling (${r.stoppedBy === 'runs' ? 'all runs done' : `stopped: ${r.stoppedBy}`}); what was not found may still be reachable`;
	if (r.complete) return 'exhaustive: every reachable state explored';
	return `incomplete: stopped by ${r.stoppedBy}; what was not found may still be reachable`;
}

/** Scientific notation for small chances: 3.1e-9. */
const chance = (p: number): string => (p === 0 ? '0' : p < 1e-3 ? p.toExponential(1) : p.toPrecision(2));

/** The text form of a report: header, statistics, verdict, then a trace per counterexample. */
export function printReport(io: Io, model: Model, r: Report, opts: {width: number; extra?: {seed?: number; depth?: number}}): number {
	const code = reportCode(r);
	const s = r.stats;
	const sampling = r.strategy === 'random' || r.strategy === 'pct';
	printHeader(io, model);
	const red = s.reductions;
	const reductions = sampling ? '' : `, partial-order reduction ${red.por ? 'on' : 'off'}, merged local steps ${red.merge ? 'on' : 'off'}, symmetry ${red.symmetry ? `on (${model.program.symmetry.map(g => g.map(c => `CPU${c}`).join('=')).join(', ')})` : model.program.symmetryOff ? `off (${model.program.symmetryOff.join('; ')})` : 'off'}`;
	io.out(`search: ${r.strategy}${sampling ? `, seed ${opts.extra?.seed ?? 1}${r.strategy === 'pct' ? `, depth ${opts.extra?.depth ?? 3}` : ''}` : reductions}; ${describeStop(r)}`);
	if (r.shard) {
		const sh = r.shard;
		if (sh.index >= 0) io.out(`shard ${sh.index}/${sh.count}: ${sh.roots} of the ${sh.frontierStates} states at depth ${sh.frontier} (${sh.prefixStates} states down to it, searched by every shard)`);
		else if (sh.shared) io.out(`merged ${sh.count} workers sharing one visited set: frontier at depth ${sh.frontier}, ${sh.frontierStates} states drawn one at a time`);
		else io.out(`merged ${sh.count} shards: frontier at depth ${sh.frontier}, ${sh.frontierStates} states dealt out`);
	}
	io.out(`states: ${s.states}  transitions: ${s.transitions}${sampling ? '' : `  pruned by reduction: ${s.pruned}`}  depth: ${s.depth}  time: ${(s.timeMs / 1000).toFixed(2)} s  states/s: ${s.statesPerSec}`);
	if (!sampling) io.out(red.exact ? 'visited set: full states (--exact): no state can be omitted' : `visited set: 64-bit fingerprints; chance that a state was omitted <= ${chance(s.omission)} (--exact: none)`);
	if (s.livenessStates !== undefined) {
		const how = s.livenessQuotient ? 'quotient by symmetry, no cycle without progress' : 'full graph, weak fairness';
		io.out(`livelock search (${how}): ${s.livenessStates} states${r.livenessComplete ? '' : ' (incomplete)'}`);
	}
	if (r.recording) io.out(`recording saved: ${r.recording} (one branch per counterexample)`);
	io.out('');
	if (r.kinds.length === 0) {
		io.out(r.complete ? 'verdict: no violation reachable' : 'verdict: no violation found (search incomplete)');
		return code;
	}
	io.out(`verdict: ${code === EXIT.violation ? 'VIOLATION' : 'LIVENESS VIOLATION'}: ${r.kinds.map(k => k.kind).join(', ')}`);
	const p = model.program;
	const sets = Object.entries(r.set).map(([k, v]) => ` --set ${k}=${v}`).join('');
	const rerun = `racewalk run ${r.target}${p.variant ? ` --variant ${p.variant}` : ''}${sets}`;
	const traces = new Traces(model, opts.width);
	for (const f of r.kinds) {
		io.out('');
		const l = r.livelocks[0];
		if (f.kind === 'livelock' && l) {
			const prefix = parseSchedule(l.prefix);
			const loop = parseSchedule(l.loop);
			io.out(`== livelock (S8): lasso, prefix ${count(prefix.length, 'step')}, loop ${count(loop.length, 'step')} ==`);
			io.out(`prefix: ${l.prefix || '(none)'}`);
			io.out(`loop:   ${l.loop}   (repeats for ever)`);
			io.out(`reproduce: ${rerun} --schedule "${formatSchedule([...prefix, ...loop])}"`);
			io.out(traces.of([...prefix, ...loop], prefix.length));
			io.out(`!!! ${l.message}`);
			continue;
		}
		io.out(`== ${violationName(f)}: ${count(f.length, 'step')}, ${count(f.switches, 'switch', 'switches')}${f.minimal ? ' (shortest, fewest switches)' : ''} ==`);
		io.out(`schedule: ${f.schedule}`);
		io.out(`reproduce: ${rerun} --schedule "${f.schedule}"`);
		io.out(traces.of(parseSchedule(f.schedule)));
		io.out(`verdict: ${violationLine(f.violation, f.length)}`);
	}
	return code;
}
