#!/usr/bin/env node
// racewalk: the entry point. Picks the subcommand; each lives in
// source/commands/ and parses its own flags with meow. User mistakes end as
// one line on stderr with exit code 2, never a stack trace.

import {existsSync} from 'node:fs';
import {isMainThread, workerData} from 'node:worker_threads';
import {asUsageError, EXIT, processIo, UsageError} from './commands/common.js';
import type {CommandEntry} from './commands/index.js';
import {visible} from './lang/visible.js';

const HELP = `racewalk - a multi-CPU stepping debugger for races in Linux mm code

Usage
  $ racewalk [scenario|file.race]        open the TUI (default: fsdax-unbind-2021)
  $ racewalk <command> [options]

Commands
${'{commands}'}

Run 'racewalk <command> --help' for the options of a command.

Examples
  $ racewalk list
  $ racewalk run fsdax-unbind-2021 --schedule "1 1 1 1 1 1 1 2"
  $ racewalk run fsdax-unbind-2021 --variant noref --schedule "1 1 1 1 1 1 1 0 0 0 0 0 0 0 0"
`;

export async function main(argv: string[]): Promise<number> {
	const io = processIo();
	const [first, ...rest] = argv;
	// Start-up: the TUI without a scenario word (no argument, only flags, or a
	// file path) cannot be another command: load only its module, not every
	// command's (zod, the explorer, the renderers).
	const tuiOnly = first === undefined || (first.startsWith('-') && !['--help', '-h', '--version'].includes(first)) || /[./]/.test(first);
	if (tuiOnly) {
		const {tuiCommand} = await import('./commands/tui.js');
		return usageErrors(io, () => tuiCommand.run(argv, io));
	}
	const {COMMANDS} = await import('./commands/index.js');
	const commands = new Map<string, CommandEntry>(COMMANDS.map(c => [c.name, c]));
	if (first === '--help' || first === '-h' || first === 'help') {
		io.out(HELP.replace('{commands}', COMMANDS.map(c => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')));
		return EXIT.ok;
	}
	if (first === '--version') {
		io.out('racewalk 0.1.0');
		return EXIT.ok;
	}
	const command = first !== undefined && commands.get(first);
	return usageErrors(io, async () => {
		if (command) return (await command.load()).run(rest, io);
		// a word that is no command, no built-in or worked example and no file: say both, not only "no such scenario"
		if (first !== undefined && !first.startsWith('-') && !existsSync(first)) {
			const {builtinNames, exampleShortNames} = await import('./lang/load.js');
			const {suggestion} = await import('./lang/diagnostics.js');
			const scenarios = [...builtinNames(), ...exampleShortNames()];
			if (!scenarios.includes(first)) {
				const near = suggestion(first, [...commands.keys(), ...scenarios]);
				// `racewalk open race.json`: the file is opened by naming it, with no verb
				const file = rest.find(a => !a.startsWith('-') && existsSync(a));
				const open = file ? `; to open ${file} in the debugger: racewalk ${file}` : '';
				throw new UsageError(`'${first}' is neither a command nor a scenario${near} (commands: ${COMMANDS.map(c => c.name).join(', ')}; scenarios: racewalk list)${open}`);
			}
		}
		const tui = commands.get('tui');
		if (!tui) throw new Error('the TUI is not built in');
		return (await tui.load()).run(argv, io);
	});
}

/** User mistakes end as one line on stderr with exit code 2. */
async function usageErrors(io: ReturnType<typeof processIo>, run: () => Promise<number>): Promise<number> {
	try {
		return await run();
	} catch (err) {
		const usage = asUsageError(err);
		if (!usage) throw err;
		// one line (a diagnostic adds its own excerpt): a newline from a file is spelled out
		io.err(`racewalk: ${usage.detail ?? visible(usage.message)}`);
		return EXIT.usage;
	}
}

// The bundle is also the worker of `explore --jobs` (commands/jobs.ts): one file to ship.
if (!isMainThread && (workerData as {racewalkShard?: unknown} | null)?.racewalkShard) {
	const {runShard} = await import('./commands/explore-worker.js');
	runShard((workerData as {racewalkShard: Parameters<typeof runShard>[0]}).racewalkShard);
} else main(process.argv.slice(2)).then(
	code => {
		process.exitCode = code;
	},
	err => {
		process.stderr.write(`racewalk: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exitCode = 70;
	},
);
