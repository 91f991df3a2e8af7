// `racewalk [scenario|file.race]`: the stepping debugger. Refuses (exit 2)
// without a terminal; draws on the alternate screen and restores the terminal
// on quit, Ctrl+C, SIGTERM/SIGHUP/SIGINT and errors; auto-saves the session on
// quit and on a signal.

import meow from 'meow';
import {DEFAULT_SCENARIO} from '../lang/load.js';
import {createSession} from '../session/session.js';
import type {Session} from '../session/types.js';
import {type Command, EXIT, openModel, parseSets, UsageError} from './common.js';

const HELP = `
Usage
  $ racewalk [scenario|file.race] [options]

Opens the multi-CPU stepping debugger on a scenario (default: ${DEFAULT_SCENARIO}).
Press ? inside for the keys: digits step a CPU, left/right rewind and redo,
[ ] switch branches, : opens a command line, q quits (the session is auto-saved
to .racewalk/ in the current directory).

Options
  --set k=v       override a param (repeatable)
  --variant NAME  apply one of the scenario's variants

Needs a terminal on stdin and stdout; otherwise use 'racewalk run' or 'racewalk replay'.

Examples
  $ racewalk
  $ racewalk fsdax-unbind-2021 --variant noref
  $ racewalk my-race.race --set pages=2
`;

export const tuiCommand: Command = {
	name: 'tui',
	summary: 'open the stepping debugger (the default: racewalk [scenario])',
	async run(argv, io) {
		const cli = meow(HELP, {
			importMeta: import.meta,
			argv,
			allowUnknownFlags: false,
			flags: {
				set: {type: 'string', isMultiple: true},
				variant: {type: 'string'},
				prefill: {type: 'number'},
			},
		});
		if (cli.input.length > 1) throw new UsageError(`unexpected argument '${cli.input[1]}' (racewalk [scenario|file.race] [--set k=v] [--variant V])`);
		const target = cli.input[0] ?? DEFAULT_SCENARIO;
		const sets = parseSets(cli.flags.set);
		const variant = cli.flags.variant;
		const model = openModel(target, {set: cli.flags.set, variant});
		if (!process.stdin.isTTY || !process.stdout.isTTY) {
			io.err(`racewalk: the debugger needs a terminal on stdin and stdout; without one use 'racewalk run ${target} --schedule "..."' or 'racewalk replay <recording.json>'`);
			return EXIT.usage;
		}
		// React's development build is several times slower: the TUI runs the
		// production one unless told otherwise. Ink (and its layout engine)
		// loads only here, so the other commands start faster.
		process.env.NODE_ENV ??= 'production';
		const {runTui, prefill} = await import('../ui/run.js');
		const session = createSession(model);
		let initialMessage = `${cli.flags.set?.length ? `params ${cli.flags.set.join(' ')}; ` : ''}press a CPU digit to step it, ? for help`;
		if (cli.flags.prefill !== undefined) {
			const n = prefill(session, cli.flags.prefill);
			initialMessage = `prefilled ${n} steps`;
		}
		const reopen = (s: Record<string, string>): Session => createSession(openModel(target, {set: Object.entries(s).map(([k, v]) => `${k}=${v}`), variant}));
		return runTui(session, {reopen, sets, initialMessage, io});
	},
};
