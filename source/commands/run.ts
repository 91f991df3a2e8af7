import type {Model} from '../lang/interpreter.js';
import {formatTransition, parseSchedule, ScheduleError} from '../lang/schedule.js';
import type {Transition} from '../machine/types.js';
import {irqsOffSince} from '../render/blocked.js';
import {renderTrace, replaySteps, type TraceStep} from '../render/trace.js';
import {RecordingError, saveRecording} from '../session/recording.js';
import {createSession} from '../session/session.js';
import {type Command, openModel, OUTPUT_FLAGS, parseFlags, parseSets, RECORD_FLAGS, refuseOverInput, SCENARIO_FLAGS, unexpectedArgument, UsageError} from './common.js';
import {printHeader} from './header.js';
import {printVerdict, traceJson, verdictOf} from './recorded.js';

const HELP = `
Usage
  $ racewalk run <scenario|file.race> --schedule "0 0 1 i2 ..." [options]

Replays a schedule and prints the trace (one line per step: step, CPU, source
line, statement, what changed) and the verdict.

Schedule: CPU digits; i<digit> = that CPU takes its pending interrupt;
<digit>*N = N steps of that CPU (1*7 = 1 1 1 1 1 1 1). Separators: spaces or commas.

Options
  --schedule, -s  the interleaving to replay (required)
  --set k=v ...   override params (--set a=1 b=2, or --set repeated)
  --variant NAME  apply one of the scenario's variants
  --json          machine-readable output
  --record FILE   save the run as a recording (one branch, 'main'); see 'racewalk replay'
  --force         let --record replace an existing file
  --width N       wrap the trace at N columns (default: terminal width or 100)

Exit codes: 0 no violation, 1 safety violation, 2 bad input, 3 liveness (deadlock, hung task, livelock).

Examples
  $ racewalk run fsdax-unbind-2021 --schedule "1 1 1 1 1 1 1 2"
  $ racewalk run fsdax-unbind-2021 --variant noref -s "1 1 1 1 1 1 1 0 0 0 0 0 0 0 0"
  $ racewalk run devdax-unbind --set gup_pgmap_check=true -s "0 0 1 1 1"
  $ racewalk run fsdax-unbind-2021 -s "1 1 1 1 1 1 1 2" --record race.json
`;

export function scheduleError(model: Model, steps: readonly TraceStep[], index: number, t: Transition, reason: string): string {
	const states = [model.initial, ...steps.map(s => s.after)];
	const here = states[states.length - 1]!;
	const moves = model.enabled(here).map(formatTransition);
	const possible = moves.length ? `; possible there: ${moves.join(' ')}` : '; no CPU can move there';
	return `step ${index + 1} (${formatTransition(t)}): ${reason}${irqsOffSince(states, reason)}${possible}`;
}

export const runCommand: Command = {
	name: 'run',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			schedule: {type: 'string', shortFlag: 's'},
			...SCENARIO_FLAGS,
			...OUTPUT_FLAGS,
			...RECORD_FLAGS,
		}, import.meta);
		const target = cli.input[0];
		if (!target) throw new UsageError('run: which scenario? (racewalk run <scenario|file.race> --schedule "...")');
		if (cli.input.length > 1) throw unexpectedArgument('run', cli.input[1]!);
		if (cli.flags.schedule === undefined) throw new UsageError('run: --schedule is required (e.g. --schedule "0 0 1 1")');
		const model = openModel(target, {set: cli.flags.set, variant: cli.flags.variant});
		refuseOverInput(cli.flags.record, '--record', model.program.file, 'the scenario file');
		// a schedule belongs to a scenario: its errors name which
		let schedule: Transition[];
		try {
			schedule = parseSchedule(cli.flags.schedule);
		} catch (err) {
			if (err instanceof ScheduleError) throw new UsageError(`${target}: ${err.message}`);
			throw err;
		}
		const r = replaySteps(model, schedule);
		if (r.error) {
			// the trace up to the step that cannot run: where the schedule went wrong is on screen
			if (!cli.flags.json && r.steps.length) {
				printHeader(io, model);
				io.out('');
				io.out(renderTrace(model, r.steps, {width: cli.flags.width ?? Math.max(80, io.columns)}));
				io.out('');
				// What the steps that did run reached (a violation found before the schedule went wrong is not lost).
				printVerdict(io, model, r.steps);
				io.out('');
			}
			throw new UsageError(`${target}: ${scheduleError(model, r.steps, r.error.index, schedule[r.error.index]!, r.error.reason)}`);
		}
		if (cli.flags.record !== undefined) {
			const session = createSession(model);
			for (const t of schedule) session.step(t);
			try {
				saveRecording(session, cli.flags.record, {force: cli.flags.force, set: parseSets(cli.flags.set)});
			} catch (err) {
				if (err instanceof RecordingError) throw new UsageError(err.message);
				throw err;
			}
		}
		if (cli.flags.json) {
			io.out(JSON.stringify(traceJson(model, r.steps, {}), null, 2));
			return verdictOf(r.steps).code;
		}
		printHeader(io, model);
		io.out('');
		io.out(renderTrace(model, r.steps, {width: cli.flags.width ?? Math.max(80, io.columns)}));
		io.out('');
		const {code} = printVerdict(io, model, r.steps);
		io.out(`final state hash: ${model.hash(r.final)}`);
		if (cli.flags.record !== undefined) io.out(`recording saved: ${cli.flags.record}`);
		return code;
	},
};
