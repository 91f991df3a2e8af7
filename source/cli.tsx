#!/usr/bin/env node
// racewalk: the entry point. Picks the subcommand; each lives in
// source/commands/ and parses its own flags with meow. User mistakes end as
// one line on stderr with exit code 2, never a stack trace.

import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';
import {isMainThread, workerData} from 'node:worker_threads';
import type {CommandEntry} from './commands/index.js';

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

/** explore's script, from dist/ (the build defines it; under tsx it is not defined). */
declare const RACEWALK_EXPLORE_SCRIPT: string | undefined;

export async function main(argv: string[]): Promise<number> {
	const [first, ...rest] = argv;
	if (first === 'explore') {
		const run = exploreScript();
		if (run) return run(rest);
	}
	// Start-up: the TUI without a scenario word (no argument, only flags, or a
	// file path) cannot be another command: load only its module, not every
	// command's (zod, the explorer, the renderers). Nothing of ours is imported
	// statically: explore's own script (above) has all it needs.
	const tuiOnly = first === undefined || (first.startsWith('-') && !['--help', '-h', '--version'].includes(first)) || /[./]/.test(first);
	if (tuiOnly) {
		const [{processIo, usageErrors}, {tuiCommand}] = await Promise.all([import('./commands/common.js'), import('./commands/tui.js')]);
		const io = processIo();
		return usageErrors(io, () => tuiCommand.run(argv, io));
	}
	const [{EXIT, processIo, UsageError, usageErrors}, {COMMANDS}] = await Promise.all([import('./commands/common.js'), import('./commands/index.js')]);
	const io = processIo();
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

/**
 * `racewalk explore` from its own script, dist/chunks/explore-HASH.cjs,
 * compiled from V8's code cache of it (its name + .cache, written by the
 * build after a run of two built-ins): a small explore spent a fifth of its
 * main thread's time loading, parsing and compiling its modules. A cache V8
 * does not take (another Node, other V8 flags) is compiled as usual; from
 * source/ (no build) the command table's module runs instead.
 */
function exploreScript(): ((argv: string[]) => Promise<number>) | null {
	if (typeof RACEWALK_EXPLORE_SCRIPT !== 'string') return null;
	const filename = fileURLToPath(new URL(RACEWALK_EXPLORE_SCRIPT, import.meta.url));
	if (!existsSync(filename)) return null;
	let cachedData: Buffer | undefined;
	try {
		cachedData = readFileSync(`${filename}.cache`);
	} catch {
		cachedData = undefined;
	}
	const script = new Script(readFileSync(filename, 'utf8'), {filename, cachedData});
	const module = {exports: {} as {run?: (argv: string[]) => Promise<number>}};
	(script.runInThisContext() as (require: NodeJS.Require, module: object, filename: string) => void)(createRequire(filename), module, filename);
	return module.exports.run ?? null;
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
