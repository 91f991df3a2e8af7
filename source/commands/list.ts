import {builtinNames, exampleShortNames} from '../lang/load.js';
import {expectLabel} from '../render/verdict.js';
import {type Command, EXIT, openModel, parseFlags, UsageError} from './common.js';

const HELP = `
Usage
  $ racewalk list [--json]

Lists the built-in scenarios (name, title, expected verdict), then the worked
examples of docs/scenario-language.md. Every name opens with any command
(racewalk explore irq-lock); racewalk new FILE --from NAME copies one to start
a race of your own.
✱ marks a verdict the model derives (or a hypothesis), not a known kernel fact.

Examples
  $ racewalk list
  $ racewalk list --json
  $ racewalk explore lost-wakeup
`;

export const listCommand: Command = {
	name: 'list',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {json: {type: 'boolean', default: false}}, import.meta);
		if (cli.input.length) throw new UsageError(`list: unexpected argument '${cli.input[0]}' (racewalk list [--json]; to check a scenario: racewalk check ${cli.input[0]})`);
		const row = (name: string, example: boolean) => {
			const p = openModel(name).program;
			return {name, example, title: p.scenario.title ?? '', era: p.scenario.era ?? '', expected: p.expects.map(expectLabel), variants: p.scenario.variants.map(v => v.name)};
		};
		const rows = [...builtinNames().map(n => row(n, false)), ...exampleShortNames().map(n => row(n, true))];
		if (cli.flags.json) {
			io.out(JSON.stringify(rows, null, 2));
			return EXIT.ok;
		}
		const w = Math.max(...rows.map(r => r.name.length));
		for (const r of rows) {
			if (r.example && !rows[rows.indexOf(r) - 1]?.example) io.out(`\nWorked examples (docs/scenario-language.md; racewalk new my-race.race --from ${r.name}):\n`);
			io.out(`${r.name.padEnd(w)}  ${r.title}`);
			io.out(`${' '.repeat(w)}  expect: ${r.expected.join('; ')}${r.variants.length ? `   variants: ${r.variants.join(', ')}` : ''}`);
		}
		return EXIT.ok;
	},
};
