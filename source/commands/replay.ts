import {formatSchedule} from '../lang/schedule.js';
import {pointsToSteps} from '../render/diagram.js';
import {editedBuiltinNote} from '../render/markdown.js';
import {renderTrace} from '../render/trace.js';
import {type Command, EXIT, OUTPUT_FLAGS, parseFlags, UsageError} from './common.js';
import {printHeader} from './header.js';
import {branchPoints, openRecording, printVerdict, recordingTui, traceJson, verdictOf} from './recorded.js';

const HELP = `
Usage
  $ racewalk replay <recording.json> [--branch B] [--step N] [--json] [--tui]

Opens a recording, checks it (format, the scenario's sha256, every branch
replayed to the state hash it recorded) and prints the trace and the verdict
of one branch: the branch the cursor was on when it was saved, or --branch.

Options
  --branch B   the branch to show (default: the cursor's branch)
  --step N     stop the trace at step N of the branch
  --json       machine-readable output
  --tui        open the recording in the debugger (every branch, notes, cursor)
  --width N    wrap the trace at N columns

Exit codes: 0 no violation, 1 safety violation, 2 bad or corrupt recording,
3 liveness (deadlock, hung task, livelock).

Examples
  $ racewalk run fsdax-unbind-2021 -s "1 1 1 1 1 1 1 2" --record race.json
  $ racewalk replay race.json
  $ racewalk replay race.json --branch main --step 5
`;

export const replayCommand: Command = {
	name: 'replay',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			branch: {type: 'string'},
			step: {type: 'number'},
			...OUTPUT_FLAGS,
			tui: {type: 'boolean', default: false},
		}, import.meta);
		const file = cli.input[0];
		if (!file) throw new UsageError('replay: which recording? (racewalk replay <recording.json>)');
		if (cli.input.length > 1) throw new UsageError(`replay: unexpected argument '${cli.input[1]}'`);
		const loaded = openRecording(file);
		const {model, session, recording} = loaded;
		const {name, points} = branchPoints(loaded, file, cli.flags.branch, cli.flags.step);
		if (cli.flags.tui) {
			if (!process.stdin.isTTY || !process.stdout.isTTY) {
				io.err(`racewalk: the debugger needs a terminal on stdin and stdout; without one use 'racewalk replay ${file}'`);
				return EXIT.usage;
			}
			if (cli.flags.branch !== undefined) session.switchBranch(name);
			if (cli.flags.branch !== undefined || cli.flags.step !== undefined) session.gotoPoint(points[points.length - 1]!.id);
			return recordingTui(file, loaded, io);
		}
		const steps = pointsToSteps(points);
		const noteAt = (n: number): string | undefined => points[n]!.userNote;
		if (cli.flags.json) {
			io.out(JSON.stringify(traceJson(model, steps, {
				recording: file,
				branch: name,
				branches: session.branches.map(b => ({name: b.name, steps: session.point(b.head).depth})),
				cursor: recording.cursor,
			}, noteAt), null, 2));
			return verdictOf(steps).code;
		}
		printHeader(io, model);
		const edited = editedBuiltinNote(model);
		if (edited) io.out(`note: ${edited}`);
		io.out(`branches: ${session.branches.map(b => `${b.name}${b.name === name ? '*' : ''} (${session.point(b.head).depth})`).join(', ')}`);
		io.out(`branch ${name}: ${formatSchedule(steps.map(s => s.transition)) || '(no steps)'}`);
		io.out('');
		const width = cli.flags.width ?? Math.max(80, io.columns);
		const trace = steps.map(s => {
			const text = renderTrace(model, [s], {width});
			const note = noteAt(s.n);
			return note === undefined ? text : `${text}\n${' '.repeat(18)}note: ${note.replace(/\n/g, ' ')}`;
		});
		if (trace.length) io.out(trace.join('\n'));
		io.out('');
		const v = printVerdict(io, model, steps);
		io.out(`state hash: ${model.hash(points[points.length - 1]!.state)} (recording verified: ${session.branches.length} branch${session.branches.length === 1 ? '' : 'es'} replayed${edited ? `, on its own scenario text, not the built-in '${model.program.scenario.name}'` : ''})`);
		return v.code;
	},
};
