import {loopStart, pointsToSteps, renderDiagram} from '../render/diagram.js';
import {visible} from '../lang/visible.js';
import {renderMarkdown} from '../render/markdown.js';
import {type Command, EXIT, parseFlags, refuseOverInput, UsageError} from './common.js';
import {branchPoints, openRecording, traceJson, writeOut} from './recorded.js';

const HELP = `
Usage
  $ racewalk export <recording.json> --format diagram|markdown|json [options]

Exports one branch of a recording (after checking it as 'replay' does):
  diagram   the race diagram, one column per CPU, as in kernel commit messages
  markdown  a bug report: title, kernel era, params, diagram, violations,
            state of the objects involved, the commands that reproduce it
  json      the trace, violations and state hashes, machine-readable

Options
  --format F   diagram, markdown or json (required)
  --branch B   the branch to export (default: the cursor's branch)
  --out FILE   write to FILE (atomically) instead of standard output
  --force      let --out replace an existing file
  --width N    width of the diagram (default 80)

Examples
  $ racewalk export race.json --format diagram
  $ racewalk export race.json --format markdown --out race.md
`;

const FORMATS = ['diagram', 'markdown', 'json'] as const;

export const exportCommand: Command = {
	name: 'export',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			format: {type: 'string'},
			branch: {type: 'string'},
			out: {type: 'string'},
			force: {type: 'boolean', default: false},
			width: {type: 'number'},
			color: {type: 'boolean', default: true},
		}, import.meta);
		const file = cli.input[0];
		if (!file) throw new UsageError('export: which recording? (racewalk export <recording.json> --format diagram|markdown|json)');
		if (cli.input.length > 1) throw new UsageError(`export: unexpected argument '${cli.input[1]}'`);
		const format = cli.flags.format;
		if (format === undefined) throw new UsageError(`export: --format is required (${FORMATS.join(', ')})`);
		if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`export: unknown format '${format}' (formats: ${FORMATS.join(', ')})`);
		const width = cli.flags.width ?? 80;
		if (width < 40 || width > 1000) throw new UsageError('--width: expected 40..1000');
		refuseOverInput(cli.flags.out, '--out', file, 'the recording being exported');
		const loaded = openRecording(file);
		const {model, session, recording} = loaded;
		const {name, points} = branchPoints(loaded, file, cli.flags.branch);
		let text: string;
		if (format === 'diagram') text = renderDiagram(model, pointsToSteps(points), {width, loopFrom: loopStart(points)});
		else if (format === 'markdown') text = renderMarkdown({model, points, branch: name, set: recording.params.set, recording: file, branchFlag: name !== session.branch.name && name !== recording.cursor.branch});
		else text = JSON.stringify(traceJson(model, pointsToSteps(points), {recording: file, branch: name}, n => points[n]!.userNote), null, 2);
		if (cli.flags.out !== undefined) {
			// a report is read with cat and less too: notes and names from the recording spelled out, as on the terminal
			writeOut(cli.flags.out, format === 'json' ? text : visible(text, {lines: true}), cli.flags.force);
			io.out(`wrote ${cli.flags.out}`);
		} else {
			io.out(text);
		}
		return EXIT.ok;
	},
};
