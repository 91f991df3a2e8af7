import {readFileSync} from 'node:fs';
import {type Command, openModel, OUTPUT_FLAGS, parseFlags, UsageError} from './common.js';
import {mergeReports, printReport, type Report, reportCode} from './report.js';

const HELP = `
Usage
  $ racewalk merge <shard.json>...

Merges the reports of the shards of one search ('racewalk explore ...
--frontier D --shard I/N --json', one file per shard, I = 0..N-1) into one
verdict: the union of the violation kinds found, the shortest counterexample
of each (fewest CPU switches among the shortest), complete only if every
shard was. Refuses reports of different searches and a set with a shard
missing or given twice. Prints what explore prints (traces included).

Options
  --json            the merged report, in explore's JSON form
  --width N         wrap traces at N columns

Exit codes: as explore (0 nothing found, 1 safety violation, 3 only liveness
violations, 4 a bound stopped a shard and nothing was found, 2 bad usage).

Examples
  $ seq 0 3 | parallel racewalk explore devdax-unbind --frontier 6 --shard {}/4 --json '>' s{}.json
  $ racewalk merge s*.json
`;

function readReport(path: string): Report {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (err) {
		throw new UsageError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
	}
	let v: unknown;
	try {
		v = JSON.parse(text);
	} catch {
		throw new UsageError(`${path}: not JSON (expected the output of 'racewalk explore ... --shard I/N --json')`);
	}
	const r = v as Partial<Report>;
	const ok = r !== null && typeof r === 'object' && typeof r.scenario === 'string' && typeof r.target === 'string' && Array.isArray(r.kinds) && Array.isArray(r.livelocks) && typeof r.stats === 'object' && r.stats !== null && typeof r.complete === 'boolean';
	if (!ok) throw new UsageError(`${path}: not a search report (expected the output of 'racewalk explore ... --shard I/N --json')`);
	if (!r.shard || typeof r.shard.index !== 'number' || typeof r.shard.count !== 'number') throw new UsageError(`${path}: not a shard's report (run explore with --frontier D --shard I/N --json)`);
	for (const k of r.kinds!) {
		if (typeof k?.kind !== 'string' || typeof k.schedule !== 'string' || typeof k.length !== 'number' || typeof k.switches !== 'number') throw new UsageError(`${path}: a malformed kind entry in "kinds"`);
	}
	return r as Report;
}

export const mergeCommand: Command = {
	name: 'merge',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {json: OUTPUT_FLAGS.json, width: OUTPUT_FLAGS.width, color: OUTPUT_FLAGS.color}, import.meta);
		if (cli.input.length === 0) throw new UsageError('merge: which reports? (racewalk merge shard0.json shard1.json ...)');
		const reports = cli.input.map(readReport);
		const merged = mergeReports(reports, cli.input);
		if (cli.flags.json) {
			io.out(JSON.stringify(merged, null, 2));
			return reportCode(merged);
		}
		const model = openModel(merged.target, {set: Object.entries(merged.set ?? {}).map(([k, v]) => `${k}=${v}`), variant: merged.variant});
		return printReport(io, model, merged, {width: cli.flags.width ?? Math.max(80, io.columns)});
	},
};
