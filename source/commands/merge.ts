import {z} from 'zod';
import {FileError, readRegularFile} from '../lang/readfile.js';
import {parseSchedule, ScheduleError} from '../lang/schedule.js';
import {describeIssue} from '../session/recording.js';
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

const FROM_EXPLORE = "expected the output of 'racewalk explore ... --shard I/N --json'";
const MAX_REPORT_BYTES = 64 << 20;

const count = z.number().int().nonnegative();
const schedule = z.string().max(16 << 20);
/** What merge reads of a report: every field it merges or prints, with its type (unknown fields are a newer racewalk's, and kept). */
const REPORT = z.looseObject({
	scenario: z.string(),
	target: z.string().min(1),
	variant: z.string().nullable(),
	set: z.record(z.string(), z.string()),
	params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
	strategy: z.string(),
	recording: z.string().nullable(),
	complete: z.boolean(),
	livenessComplete: z.boolean(),
	stoppedBy: z.string().nullable(),
	stats: z.looseObject({
		states: count,
		transitions: count,
		pruned: count,
		depth: count,
		timeMs: z.number().nonnegative(),
		statesPerSec: z.number().nonnegative(),
		omission: z.number().min(0).max(1),
		reductions: z.looseObject({por: z.boolean(), merge: z.boolean(), symmetry: z.boolean(), exact: z.boolean()}),
		livenessStates: count.optional(),
	}),
	kinds: z.array(
		z.looseObject({
			kind: z.string(),
			check: z.string(),
			schedule,
			length: count,
			switches: count,
			minimal: z.boolean(),
			violation: z.looseObject({kind: z.string(), check: z.string(), message: z.string()}),
		}),
	),
	livelocks: z.array(z.looseObject({prefix: schedule, loop: schedule, moving: z.array(count), sccStates: count, message: z.string()})),
	verdict: z.enum(['violation', 'liveness', 'ok', 'bound']),
	shard: z.looseObject({frontier: count, index: count, count: count.min(1), frontierStates: count, roots: count, prefixStates: count, shared: z.boolean().optional()}).nullable(),
});

/** A shard's report, read as a recording is: a regular file, bounded, every field checked and a bad one named by its JSON path. */
function readReport(path: string): Report {
	if (path.trim() === '') throw new UsageError(`merge: an empty file name ('${path}'): give the shards' report files`);
	let text: string;
	try {
		text = readRegularFile(path, MAX_REPORT_BYTES, 'a search report').toString('utf8');
	} catch (err) {
		if (err instanceof FileError) throw new UsageError(`${path}: ${err.message}`);
		throw err;
	}
	let v: unknown;
	try {
		v = JSON.parse(text);
	} catch {
		throw new UsageError(`${path}: not JSON (${FROM_EXPLORE})`);
	}
	if (v === null || typeof v !== 'object' || Array.isArray(v) || !('stats' in v) || !('kinds' in v)) throw new UsageError(`${path}: not a search report (${FROM_EXPLORE})`);
	const r = REPORT.safeParse(v);
	if (!r.success) throw new UsageError(`${path}: ${describeIssue(r.error.issues[0]!, v, 'the report')}`);
	const report = r.data as unknown as Report;
	if (!report.shard) throw new UsageError(`${path}: not a shard's report (run explore with --frontier D --shard I/N --json)`);
	if (report.shard.index >= report.shard.count) throw new UsageError(`${path}: shard.index: ${report.shard.index} is not below shard.count (${report.shard.count})`);
	if (report.livelocks.length > 0 && !report.kinds.some(k => k.kind === 'livelock')) throw new UsageError(`${path}: livelocks: a lasso, but no 'livelock' entry in kinds`);
	// the schedules are printed as traces and reproduce commands: each must be one
	const schedules: [string, string][] = [...report.kinds.map((k, i): [string, string] => [`kinds[${i}].schedule`, k.schedule]), ...report.livelocks.flatMap((l, i): [string, string][] => [[`livelocks[${i}].prefix`, l.prefix], [`livelocks[${i}].loop`, l.loop]])];
	for (const [at, text] of schedules) {
		try {
			parseSchedule(text);
		} catch (err) {
			if (err instanceof ScheduleError) throw new UsageError(`${path}: ${at}: ${err.message}`);
			throw err;
		}
	}
	return report;
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
