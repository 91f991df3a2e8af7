// `racewalk new`: the first step of the language guide's checklist ("start
// from the built-in closest to your race") as one command. The copy is renamed
// after its file and compiled before it is written, so what lands on disk opens.

import {basename} from 'node:path';
import {compile} from '../lang/compiler.js';
import {loadScenario} from '../lang/load.js';
import {parseScenario} from '../lang/parser.js';
import {OverwriteError, WriteError, writeFileAtomic} from '../session/atomic.js';
import {asUsageError, type Command, EXIT, parseFlags, UsageError} from './common.js';

const HELP = `
Usage
  $ racewalk new <file.race> [--from <scenario|example|file.race>] [--force]

Starts a race of your own. With --from, writes a copy of a built-in scenario
or worked example (racewalk list shows them) renamed after the file; without
it, a small scenario to start from: two CPUs, a lock, a shared counter, the
fix as a param and the bug as a variant. The text is checked before it is
written, and an existing file is never replaced unless --force.

Options
  --from NAME   the scenario to copy: a built-in, a worked example or a file
  --force       replace an existing file

Examples
  $ racewalk new my-race.race
  $ racewalk new pt-race.race --from pt-free-walker
  $ racewalk new unbind.race --from devdax-unbind
`;

const TEMPLATE = (name: string): string => `// A race of your own: replace the CPUs' code with the kernel paths to
// interleave. docs/scenario-language.md explains every part; racewalk
// explore searches this file, racewalk with the file alone opens it in the TUI.

scenario ${name}
title  "what races with what"
era    "the kernel versions this models"
source "the functions or commits it follows"

param fixed = true                  // the fix, as a switch: --set fixed=false

expect safe
variant bug "the code without the fix" (fixed = false) {
	expect violation invariant
}

spinlock_t lock;
int counter = 0;
int done = 0;

invariant "no increment is lost" done < 2 || counter == 2

cpu 0 "incrementer" * 2 {
	if (fixed) spin_lock(&lock);
	t = counter;                        // one statement is one step:
	counter = t + 1;                    // split one in two to let another CPU in
	if (fixed) spin_unlock(&lock);
	done++;
}
`;

/** A scenario name from a file name: the characters a dashed name may hold. */
export function scenarioNameFor(file: string): string {
	const stem = basename(file).replace(/\.race$/, '');
	const name = stem.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').replace(/-{2,}/g, '-');
	// a keyword alone (cpu.race) or a malformed number (1abc.race) is no scenario name: the file's own text would not parse
	const parses = (n: string): boolean => {
		try {
			parseScenario(`scenario ${n}\n`, 'name');
			return true;
		} catch {
			return false;
		}
	};
	if (!/^[A-Za-z0-9]/.test(name)) return 'my-race';
	return [name, `${name}-race`].find(parses) ?? 'my-race';
}

/** `source` with the name after its `scenario` keyword (at `line`) replaced. */
function renamed(source: string, line: number, name: string): string {
	const lines = source.split('\n');
	lines[line - 1] = lines[line - 1]!.replace(/(scenario\s+)[A-Za-z0-9_][A-Za-z0-9_-]*/, `$1${name}`);
	return lines.join('\n');
}

export const newCommand: Command = {
	name: 'new',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {from: {type: 'string'}, force: {type: 'boolean', default: false}}, import.meta);
		const file = cli.input[0];
		if (!file) throw new UsageError('new: which file? (racewalk new my-race.race [--from pt-free-walker])');
		if (cli.input.length > 1) throw new UsageError(`new: unexpected argument '${cli.input[1]}'`);
		if (!file.endsWith('.race')) throw new UsageError(`new: ${file}: a scenario file ends in .race (racewalk new ${file}.race)`);
		const name = scenarioNameFor(file);
		let text: string;
		try {
			if (cli.flags.from === undefined) {
				text = TEMPLATE(name);
			} else {
				const from = loadScenario(cli.flags.from);
				// a copy of a file that does not compile is refused with the place in that file, not in the copy never written
				compile(from.ast, {file: from.file, source: from.source});
				text = renamed(from.source, from.ast.pos.line, name);
			}
			compile(parseScenario(text, file), {file, source: text});
		} catch (err) {
			throw asUsageError(err) ?? err;
		}
		try {
			writeFileAtomic(file, text, {force: cli.flags.force});
		} catch (err) {
			if (err instanceof OverwriteError || err instanceof WriteError) throw new UsageError(err.message);
			throw err;
		}
		const shown = /^[\w./@%+=:,-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
		io.out(`wrote ${file}${cli.flags.from === undefined ? '' : ` (a copy of ${cli.flags.from})`}: scenario ${name}`);
		io.out(`next: racewalk explore ${shown}   (search it)`);
		io.out(`      racewalk ${shown}           (step it in the TUI)`);
		return EXIT.ok;
	},
};
