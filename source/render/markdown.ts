// The bug report: a Markdown page a kernel developer can paste into a mail or
// an issue. Title, kernel era modelled, provenance, params, the race diagram,
// the violations, the final state of the objects involved, and the exact
// commands that reproduce it.

import type {Model} from '../lang/interpreter.js';
import {builtinOf} from '../lang/load.js';
import {formatSchedule} from '../lang/schedule.js';
import type {Transition} from '../machine/types.js';
import type {Point} from '../session/types.js';
import {loopStart, pointsToSteps, renderDiagram} from './diagram.js';
import {objectTables, tableMarkdown} from './state.js';
import {cpuLabel} from './trace.js';
import {expectLabel, isLiveness, violationLine} from './verdict.js';

const shellWord = (s: string): string => (/^[A-Za-z0-9_.,/:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * How a scenario is named on the command line: its built-in name, or its
 * path; null when the text is not the built-in its file names (a recording
 * whose source was edited, or made by another racewalk): `racewalk run NAME`
 * would run the shipped text, not the recorded one.
 */
export function scenarioArg(model: Model): string | null {
	const p = model.program;
	const builtin = builtinOf(p.file, p.source);
	if (!builtin) return p.file;
	return builtin.same ? builtin.name : null;
}

/** A line saying the recorded text is not the built-in of its name, or null. */
export function editedBuiltinNote(model: Model): string | null {
	const b = builtinOf(model.program.file, model.program.source);
	if (!b || b.same) return null;
	return `the scenario text differs from the ${b.example ? 'worked example' : 'built-in'} '${b.name}' of this racewalk (edited, or from another version): this is the recorded text, not the shipped one`;
}

/** `racewalk run <scenario> [--variant V] [--set k=v] --schedule "..."` */
export function runCommandLine(model: Model, schedule: readonly Transition[], set: Record<string, string> = {}): string {
	const parts = ['racewalk', 'run', shellWord(scenarioArg(model) ?? model.program.file)];
	if (model.program.variant) parts.push('--variant', shellWord(model.program.variant));
	for (const [k, v] of Object.entries(set)) parts.push('--set', shellWord(`${k}=${v}`));
	parts.push('--schedule', `"${formatSchedule(schedule)}"`);
	return parts.join(' ');
}

export type ReportInput = {
	model: Model;
	/** Root .. last step of the branch reported. */
	points: readonly Point[];
	branch: string;
	/** --set overrides in force. */
	set?: Record<string, string>;
	/** The recording file, for the `racewalk replay` line. */
	recording?: string;
	/** Branch is not the recording's cursor branch: add --branch. */
	branchFlag?: boolean;
};

export function renderMarkdown(r: ReportInput): string {
	const {model} = r;
	const p = model.program;
	const sc = p.scenario;
	const steps = pointsToSteps(r.points);
	const schedule = steps.map(s => s.transition);
	const violations = steps.flatMap(s => s.violations.map(v => ({step: s.n, v})));
	const last = r.points[r.points.length - 1]!;
	const atEnd = violations.filter(x => x.step === last.depth);
	const first = atEnd.find(x => !isLiveness(x.v)) ?? atEnd[0] ?? violations.find(x => !isLiveness(x.v)) ?? violations[0];
	// a livelock branch (explore and the TUI note where its loop starts) is reported as the livelock
	const loopFrom = loopStart(r.points);
	const out: string[] = [];
	out.push(`# ${loopFrom !== undefined ? 'livelock: ' : first ? `${first.v.kind}: ` : ''}${sc.title ?? sc.name}`, '');
	const edited = editedBuiltinNote(model);
	out.push(`- **Scenario:** \`${sc.name}\` (${p.file}${edited ? `; ${edited}` : ''})`);
	if (sc.era) out.push(`- **Kernel era modelled:** ${sc.era}`);
	if (sc.sources.length === 1) out.push(`- **Provenance:** ${sc.sources[0]}`);
	else if (sc.sources.length > 1) {
		out.push('- **Provenance:**');
		for (const s of sc.sources) out.push(`  - ${s}`);
	}
	const params = Object.entries(p.params).map(([k, v]) => `\`${k}=${v}\``).join(', ');
	out.push(`- **Params:** ${params || '(none)'}${p.variant ? ` (variant \`${p.variant}\`${sc.variants.find(v => v.name === p.variant)?.doc ? `: ${sc.variants.find(v => v.name === p.variant)!.doc}` : ''})` : ''}`);
	if (p.expects.length) out.push(`- **Expected verdicts:** ${p.expects.map(expectLabel).join('; ')}`);
	out.push(`- **CPUs:** ${p.cpus.map(c => cpuLabel(model, c.id)).join(', ')}`);
	out.push(`- **Branch:** \`${r.branch}\`, ${steps.length} step${steps.length === 1 ? '' : 's'}: \`${formatSchedule(schedule) || '(empty)'}\``);
	out.push('', '## The race', '', '```', renderDiagram(model, steps, {loopFrom}), '```', '');
	out.push('## Violations', '');
	if (loopFrom !== undefined) out.push(`- **livelock** (S8): after step ${loopFrom}, steps ${loopFrom + 1}-${steps.length} repeat for ever without progress`);
	if (violations.length === 0 && loopFrom === undefined) out.push('None on this branch.');
	for (const x of violations) out.push(`- **${x.v.kind}** ${violationLine(x.v, x.step).slice(x.v.kind.length + 1)}`);
	const notes = r.points.filter(pt => pt.userNote !== undefined);
	if (notes.length) {
		out.push('', '## Notes', '');
		for (const pt of notes) out.push(`- step ${pt.depth}: ${pt.userNote!.replace(/\n/g, ' ')}`);
	}
	const final = r.points[r.points.length - 1]!.state;
	const objects = [...new Set(violations.flatMap(x => x.v.objects))];
	if (objects.length) {
		out.push('', `## State of the objects involved (after step ${steps.length})`, '');
		for (const t of objectTables(model, final, objects)) out.push(`**${t.title}**`, '', ...tableMarkdown(t), '');
		if (out[out.length - 1] === '') out.pop();
	}
	out.push('', '## Reproduce', '');
	const replay = r.recording ? `racewalk replay ${shellWord(r.recording)}${r.branchFlag ? ` --branch ${shellWord(r.branch)}` : ''}` : null;
	if (scenarioArg(model) === null) {
		// `racewalk run <name>` would run the shipped text: only the recording reproduces this one
		out.push(`\`racewalk run ${sc.name}\` would run the built-in shipped with racewalk, not the scenario text recorded here; the recording carries that text.`, '');
		out.push('```sh', replay ?? '# save the session (s in the TUI), then: racewalk replay <recording.json>', '```', '');
	} else {
		out.push('```sh', runCommandLine(model, schedule, r.set ?? {}));
		if (replay) out.push(replay);
		out.push('```', '');
	}
	return out.join('\n');
}
