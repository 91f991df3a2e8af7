import {builtinNames} from '../lang/load.js';
import {expectLabel} from '../render/verdict.js';
import {type Command, EXIT, openModel, parseFlags, UsageError} from './common.js';

const HELP = `
Usage
  $ racewalk list [--json]

Lists the built-in scenarios: name, title, expected verdict.
✱ marks a verdict the model derives (or a hypothesis), not a known kernel fact.

Examples
  $ racewalk list
  $ racewalk list --json
`;

export const listCommand: Command = {
	name: 'list',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {json: {type: 'boolean', default: false}}, import.meta);
		if (cli.input.length) throw new UsageError(`list: unexpected argument '${cli.input[0]}' (racewalk list [--json]; to check a scenario: racewalk check ${cli.input[0]})`);
		const rows = builtinNames().map(name => {
			const p = openModel(name).program;
			return {name, title: p.scenario.title ?? '', era: p.scenario.era ?? '', expected: p.expects.map(expectLabel), variants: p.scenario.variants.map(v => v.name)};
		});
		if (cli.flags.json) {
			io.out(JSON.stringify(rows, null, 2));
			return EXIT.ok;
		}
		const w = Math.max(...rows.map(r => r.name.length));
		for (const r of rows) {
			io.out(`${r.name.padEnd(w)}  ${r.title}`);
			io.out(`${' '.repeat(w)}  expect: ${r.expected.join('; ')}${r.variants.length ? `   variants: ${r.variants.join(', ')}` : ''}`);
		}
		return EXIT.ok;
	},
};
