// `racewalk [scenario|file.race|recording.json]`: the stepping debugger.
// Refuses (exit 2) without a terminal; draws on the alternate screen and
// restores the terminal on quit, Ctrl+C, SIGTERM/SIGHUP/SIGINT and errors;
// auto-saves the session on quit and on a signal.

import {closeSync, existsSync, openSync, readSync, statSync} from 'node:fs';
import {DEFAULT_SCENARIO} from '../lang/load.js';
import {createSession} from '../session/session.js';
import type {Session} from '../session/types.js';
import {type Command, EXIT, openModel, parseFlags, parseSets, productionReact, UsageError} from './common.js';
import {count} from '../render/wrap.js';

const HELP = `
Usage
  $ racewalk [scenario|file.race|recording.json] [options]

Opens the multi-CPU stepping debugger on a scenario (default: ${DEFAULT_SCENARIO}),
or on a saved recording (every branch, notes and the cursor, as
'racewalk replay FILE --tui'). Press ? inside for the keys: digits step a CPU,
left/right rewind and redo, [ ] switch branches, : opens a command line,
q quits (the session is auto-saved to .racewalk/ in the current directory, or
to $XDG_STATE_HOME/racewalk/ when that cannot be written; q refuses to quit
when the session cannot be saved anywhere: :quit! quits without saving).

Options
  --set k=v ...   override params (--set a=1 b=2, or --set repeated)
  --variant NAME  apply one of the scenario's variants
  --no-color      plain text, no colours

Needs a terminal on stdin and stdout; otherwise use 'racewalk run' or 'racewalk replay'.

Examples
  $ racewalk
  $ racewalk fsdax-unbind-2021 --variant noref
  $ racewalk my-race.race --set pages=2
  $ racewalk race.json
`;

/** A recording rather than a scenario: `.json`, or a file whose first non-blank byte is `{`. */
export function isRecordingPath(target: string): boolean {
	if (/\.json$/i.test(target)) return true;
	try {
		// only a regular file is sniffed: opening a FIFO would wait for a writer for ever
		if (!statSync(target).isFile()) return false;
		const fd = openSync(target, 'r');
		try {
			const buf = Buffer.alloc(64);
			const n = readSync(fd, buf, 0, buf.length, 0);
			return buf.subarray(0, n).toString('utf8').trimStart().startsWith('{');
		} finally {
			closeSync(fd);
		}
	} catch {
		return false;
	}
}

/**
 * The scenario to open. A file that is not a `.race` and does not parse is
 * most likely not meant as a scenario at all (`racewalk README.md`): say what
 * racewalk opens rather than quote a parse error at its first character.
 */
function openTarget(target: string, opts: {set: string[]; variant?: string}): ReturnType<typeof openModel> {
	try {
		return openModel(target, opts);
	} catch (err) {
		if (err instanceof UsageError && err.detail !== undefined && !/\.race$/i.test(target) && existsSync(target)) {
			throw new UsageError(`${target}: not a scenario (.race) or a recording (.json); racewalk opens a scenario file, a built-in (racewalk list) or a saved recording`);
		}
		throw err;
	}
}

const noTty = (io: {err: (t: string) => void}, target: string, recording: boolean): number => {
	io.err(
		recording
			? `racewalk: the debugger needs a terminal on stdin and stdout; without one use 'racewalk replay ${target}'`
			: `racewalk: the debugger needs a terminal on stdin and stdout; without one use 'racewalk run ${target} --schedule "..."' or 'racewalk replay <recording.json>'`,
	);
	return EXIT.usage;
};

export const tuiCommand: Command = {
	name: 'tui',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			set: {type: 'string', isMultiple: true},
			variant: {type: 'string'},
			prefill: {type: 'number'},
			color: {type: 'boolean', default: true},
		}, import.meta);
		if (cli.input.length > 1) throw new UsageError(`unexpected argument '${cli.input[1]}' (racewalk [scenario|file.race|recording.json] [--set k=v] [--variant V])`);
		const target = cli.input[0] ?? DEFAULT_SCENARIO;
		if (!cli.flags.color) process.env.NO_COLOR = '1';
		const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
		if (cli.input[0] !== undefined && isRecordingPath(target)) {
			if (cli.flags.set.length || cli.flags.variant !== undefined) throw new UsageError(`${target}: a recording keeps its own params and variant (use :set k=v inside)`);
			// the same as `racewalk replay FILE --tui`: verified, every branch, the cursor
			// (recordings and their schema load only here: not before a scenario's first frame)
			const {openRecording, recordingTui} = await import('./recorded.js');
			const loaded = openRecording(target);
			if (!tty) return noTty(io, target, true);
			return recordingTui(target, loaded, io);
		}
		const sets = parseSets(cli.flags.set);
		const variant = cli.flags.variant;
		const model = openTarget(target, {set: cli.flags.set, variant});
		if (!tty) return noTty(io, target, false);
		productionReact();
		const {runTui, prefill} = await import('../ui/run.js');
		const session = createSession(model);
		let initialMessage = `${cli.flags.set.length ? `params ${cli.flags.set.join(' ')}; ` : ''}press a CPU digit to step it, ? for help`;
		if (cli.flags.prefill !== undefined) {
			const n = prefill(session, cli.flags.prefill);
			initialMessage = `prefilled ${count(n, 'step')}`;
		}
		const reopen = (s: Record<string, string>, v: string | null): Session => createSession(openModel(target, {set: Object.entries(s).map(([k, val]) => `${k}=${val}`), ...(v ? {variant: v} : {})}));
		return runTui(session, {reopen, sets, initialMessage, io});
	},
};
