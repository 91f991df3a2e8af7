// What run, replay and export share: opening a recording with every problem
// turned into a one-line UsageError, picking a branch, the verdict lines of a
// printed trace, and the JSON form of a trace.

import {closeSync, openSync, readSync, statSync} from 'node:fs';
import type {Model} from '../lang/interpreter.js';
import {formatSchedule} from '../lang/schedule.js';
import {editedBuiltinNote} from '../render/markdown.js';
import {blockedWithHistory, stepSummary, type TraceStep} from '../render/trace.js';
import {isLiveness, violationLine} from '../render/verdict.js';
import {OverwriteError, WriteError, writeFileAtomic} from '../session/atomic.js';
import {type Loaded, loadRecording, RecordingError} from '../session/recording.js';
import type {Point} from '../session/types.js';
import {modelFromSource} from '../lang/load.js';
import {createSession} from '../session/session.js';
import type {Session} from '../session/types.js';
import {asUsageError, EXIT, type Io, productionReact, UsageError} from './common.js';
import {count} from '../render/wrap.js';

export function openRecording(path: string): Loaded {
	try {
		return loadRecording(path);
	} catch (err) {
		if (!(err instanceof RecordingError)) throw err;
		// `racewalk replay my-race.race`: a scenario, not a recording; say which commands take one
		const scenario = /^\s*(\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*scenario\b/.test(readHead(path)) || /\.race$/i.test(path);
		throw new UsageError(scenario && /not JSON/.test(err.message) ? `${err.message}; it is a scenario: step it with 'racewalk ${path}', replay a schedule with 'racewalk run ${path} -s "..."', or record one with --record` : err.message);
	}
}

/** The first KiB of a regular file ('' for anything else): enough to tell a scenario from a recording. */
function readHead(path: string): string {
	try {
		if (!statSync(path).isFile()) return '';
		const fd = openSync(path, 'r');
		try {
			const buf = Buffer.alloc(1024);
			return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
		} finally {
			closeSync(fd);
		}
	} catch {
		return '';
	}
}

/** Open a loaded recording in the TUI (`racewalk FILE.json`, `replay --tui`); `:set` re-opens its own source. */
export async function recordingTui(file: string, loaded: Loaded, io: Io): Promise<number> {
	const {session, recording} = loaded;
	productionReact();
	const {runTui} = await import('../ui/run.js');
	const sc = recording.scenario;
	const reopen = (set: Record<string, string>, variant: string | null): Session => {
		try {
			return createSession(modelFromSource(sc.file, sc.source, {set, variant}));
		} catch (err) {
			throw asUsageError(err) ?? err;
		}
	};
	const n = session.branches.length;
	const edited = editedBuiltinNote(loaded.model) ? ` (its scenario text differs from the built-in '${sc.name}')` : '';
	return runTui(session, {reopen, recording: file, sets: recording.params.set, initialMessage: `${file}: ${n} branch${n === 1 ? '' : 'es'} replayed and verified${edited}`, io});
}

/** The points root..(step N of) a branch: the cursor's branch by default. */
export function branchPoints(loaded: Loaded, file: string, branch: string | undefined, step?: number): {name: string; points: Point[]} {
	const s = loaded.session;
	const name = branch ?? s.branch.name;
	if (!s.findBranch(name)) throw new UsageError(`${file}: no branch '${name}' (branches: ${s.branches.map(b => b.name).join(', ')})`);
	let points = s.pathOf(name);
	if (step !== undefined) {
		const last = points.length - 1;
		if (!Number.isInteger(step) || step < 0) throw new UsageError(`--step: expected a step number 0..${last}`);
		if (step > last) throw new UsageError(`--step ${step}: branch '${name}' has only ${last} step${last === 1 ? '' : 's'}`);
		points = points.slice(0, step + 1);
	}
	return {name, points};
}

export type Verdict = {code: number; verdict: 'ok' | 'violation' | 'liveness'; violations: {step: number; v: TraceStep['violations'][number]}[]};

export function verdictOf(steps: readonly TraceStep[]): Verdict {
	const violations = steps.flatMap(s => s.violations.map(v => ({step: s.n, v})));
	const safety = violations.filter(x => !isLiveness(x.v));
	const code = safety.length ? EXIT.violation : violations.length ? EXIT.liveness : EXIT.ok;
	return {code, verdict: safety.length ? 'violation' : violations.length ? 'liveness' : 'ok', violations};
}

export function traceJson(model: Model, steps: readonly TraceStep[], extra: Record<string, unknown>, userNote: (step: number) => string | undefined = () => undefined): Record<string, unknown> {
	const p = model.program;
	const v = verdictOf(steps);
	const final = steps.at(-1)?.after ?? model.initial;
	return {
		scenario: p.scenario.name,
		variant: p.variant,
		params: p.params,
		...extra,
		schedule: formatSchedule(steps.map(s => s.transition)),
		steps: steps.map(s => {
			const {what, effects} = stepSummary(model, s);
			const note = userNote(s.n);
			return {n: s.n, cpu: s.transition.cpu, irq: s.transition.irq, line: s.line, statement: what, notes: s.notes, changes: effects, violations: s.violations, hash: model.hash(s.after), ...(note !== undefined ? {userNote: note} : {})};
		}),
		violations: v.violations.map(x => ({step: x.step, ...x.v})),
		verdict: v.verdict,
		hash: model.hash(final),
	};
}

/** The verdict lines under a trace, and the CPUs still unfinished at its end. */
export function printVerdict(io: Io, model: Model, steps: readonly TraceStep[]): Verdict {
	const v = verdictOf(steps);
	const final = steps.at(-1)?.after ?? model.initial;
	const stuck = final.cpus.filter(c => c.pc >= 0).map(c => `CPU${c.id}: ${blockedWithHistory(model, steps, final, c.id) ?? 'can move'}`);
	if (v.violations.length === 0) io.out(`verdict: no violation in ${count(steps.length, 'step')}`);
	else for (const x of v.violations) io.out(`verdict: VIOLATION ${violationLine(x.v, x.step)}`);
	if (stuck.length) io.out(`unfinished: ${stuck.join('; ')}`);
	return v;
}

/** Write an output file atomically; refusing to overwrite is a usage error. */
export function writeOut(path: string, text: string, force: boolean): void {
	try {
		writeFileAtomic(path, text.endsWith('\n') ? text : text + '\n', {force});
	} catch (err) {
		if (err instanceof OverwriteError || err instanceof WriteError) throw new UsageError(err.message);
		throw err;
	}
}
