import {availableParallelism} from 'node:os';
import {explore, type ExploreOptions, type ExploreResult, type Strategy} from '../explore/index.js';
import {parseShard} from '../explore/shard.js';
import type {Model} from '../lang/interpreter.js';
import {formatSchedule} from '../lang/schedule.js';
import type {Transition} from '../machine/types.js';
import {type Command, EXIT, openModel, OUTPUT_FLAGS, parseFlags, parseSets, RECORD_FLAGS, refuseOverInput, SCENARIO_FLAGS, unexpectedArgument, UsageError} from './common.js';
import {runJobs} from './jobs.js';
import {BIG, deferOptimization, optimizationDeferred, restoreOptimization} from './tiering.js';
import {capYoungGeneration} from './young.js';
import {checkWritable, OverwriteError, WriteError} from '../session/atomic.js';
import {exitCodeOf as exitCodeOfKinds, printReport, type Report, reportCode, reportOf} from './report.js';

const PCT_MAX_DEPTH = 100;
/** Each worker thread loads the bundle and the scenario (about 20 MB): `--jobs 999`, a typo for 9, would take minutes and gigabytes before a state is searched. */
const MAX_JOBS = 64;
const MAX_SEED = 2 ** 32 - 1;

const HELP = `
Usage
  $ racewalk explore <scenario|file.race> [options]

Searches the interleavings of a scenario for violations of the built-in
checks, the scenario's asserts and invariants, deadlocks, hung tasks and
livelocks. Prints the verdict, the statistics, and for every violation kind
found its shortest schedule (fewest CPU switches among the shortest) as a trace.

Options
  --strategy S      bfs (default) | dfs: exhaustive, with partial-order reduction
                    random | pct: sampling, for scenarios too big to exhaust
  --seed N          random / pct: PRNG seed, 0..4294967295 (default 1); same
                    seed, same runs
  --depth D         pct: bug depth (default 3)
  --runs N          random / pct: number of runs (default 1000)
  --max-states N    stop after N distinct states
  --max-depth N     do not go deeper than N steps (random / pct: run length,
                    default 1000)
  --timeout S       stop after S seconds
  --no-reduce       exhaustive search without partial-order reduction
  --no-merge        one statement per search transition (no merged local steps)
  --no-symmetry     no symmetry reduction over identical replica CPUs
  --exact           store every state in full, not a 64-bit fingerprint
                    (no chance of an omitted state; several times the memory)
  --no-liveness     skip the livelock search (it builds the full state graph)
  --frontier D      with --shard: depth (in steps) where the search is split
  --shard I/N       search only the I-th of N slices (I = 0..N-1) of the states
                    at depth D; write --json, then 'racewalk merge *.json'
  --jobs N          run N shards on worker threads and merge them (bfs/dfs;
                    at most 64, one per core is fastest)
  --set k=v ...     override params (--set a=1 b=2, or --set repeated)
  --variant NAME    apply one of the scenario's variants
  --json            machine-readable output
  --width N         wrap traces at N columns
  --record FILE     save every counterexample as a branch of a recording
                    (named after its kind); see 'racewalk replay'
  --force           let --record replace an existing file

Exit codes: 0 nothing found (search exhausted), 1 safety violation found,
3 only liveness violations (deadlock, hung task, livelock), 4 a bound stopped
the search (or a sampling strategy ran) and nothing was found, 2 bad usage.

Examples
  $ racewalk explore fsdax-unbind-2021
  $ racewalk explore fsdax-unbind-2021 --variant noref
  $ racewalk explore devdax-unbind --strategy pct --seed 7 --depth 3 --runs 500
  $ racewalk explore devdax-unbind --set gups=2 --max-states 100000 --timeout 30
  $ racewalk explore devdax-unbind --set gups=2 walkers=2 --strategy dfs
  $ racewalk explore devdax-unbind --set gups=2 --jobs 2
  $ racewalk explore devdax-unbind --frontier 6 --shard 0/4 --json
`;

const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random', 'pct'];

function positiveInt(v: number | undefined, flag: string, min = 1): number | undefined {
	if (v === undefined) return undefined;
	if (!Number.isInteger(v) || v < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got ${v}`);
	return v;
}

/** Exit code of a search result (SPEC §7). */
export function exitCodeOf(r: ExploreResult): number {
	return exitCodeOfKinds([...r.kinds.keys()], r.complete, r.stats.livenessStates === undefined || r.livenessComplete);
}

/** Every counterexample becomes a branch named after its kind (a livelock: prefix + one turn of the loop). */
async function recordFindings(model: Model, r: ExploreResult, path: string, force: boolean, set: Record<string, string>): Promise<void> {
	// loaded only here: the recordings' schema (zod) costs every other explore its start-up
	const [{RecordingError, saveRecording}, {createSession}] = await Promise.all([import('../session/recording.js'), import('../session/session.js')]);
	const session = createSession(model);
	const found: {name: string; schedule: Transition[]; loopFrom?: number}[] = [...r.kinds.values()]
		.filter(f => f.kind !== 'livelock')
		.map(f => ({name: f.kind, schedule: f.schedule}));
	r.livelocks.forEach((l, i) => found.push({name: i === 0 ? 'livelock' : `livelock-${i + 1}`, schedule: [...l.prefix, ...l.loop], loopFrom: l.prefix.length}));
	found.forEach((f, i) => {
		// The first finding is the main branch itself, so the recording opens on it.
		if (i === 0) {
			for (const t of f.schedule) session.step(t);
			session.renameBranch('main', f.name);
		} else {
			session.addSchedule(f.schedule, {name: f.name});
		}
		if (f.loopFrom !== undefined) {
			session.goto(f.loopFrom);
			session.setNote(`livelock: from here the loop ${formatSchedule(f.schedule.slice(f.loopFrom))} repeats for ever without progress`);
		}
	});
	if (found.length) session.switchBranch(found[0]!.name);
	try {
		saveRecording(session, path, {force, set});
	} catch (err) {
		if (err instanceof RecordingError) throw new UsageError(err.message);
		throw err;
	}
}

export const exploreCommand: Command = {
	name: 'explore',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			strategy: {type: 'string', default: 'bfs'},
			seed: {type: 'number'},
			depth: {type: 'number'},
			runs: {type: 'number'},
			maxStates: {type: 'number'},
			maxDepth: {type: 'number'},
			timeout: {type: 'number'},
			reduce: {type: 'boolean', default: true},
			merge: {type: 'boolean', default: true},
			symmetry: {type: 'boolean', default: true},
			exact: {type: 'boolean', default: false},
			liveness: {type: 'boolean', default: true},
			frontier: {type: 'number'},
			shard: {type: 'string'},
			jobs: {type: 'number'},
			...SCENARIO_FLAGS,
			...OUTPUT_FLAGS,
			...RECORD_FLAGS,
		}, import.meta);
		const target = cli.input[0];
		if (!target) throw new UsageError('explore: which scenario? (racewalk explore <scenario|file.race>)');
		// Refuse before a long search, not after it.
		if (cli.flags.record !== undefined) {
			try {
				checkWritable(cli.flags.record, {force: cli.flags.force});
			} catch (err) {
				// worded as the save after the search words it
				if (err instanceof WriteError) throw new UsageError(`${cli.flags.record}: cannot write: ${err.reason ?? err.message}`);
				if (err instanceof OverwriteError) throw new UsageError(err.message);
				throw err;
			}
		}
		if (cli.input.length > 1) throw unexpectedArgument('explore', cli.input[1]!);
		const strategy = cli.flags.strategy as Strategy;
		if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got '${cli.flags.strategy}'`);
		const seed = positiveInt(cli.flags.seed, 'seed', 0);
		// the PRNG keeps 32 bits of a seed: --seed 4294967297 ran the runs of --seed 1, a millisecond time stamp someone else's
		if (seed !== undefined && seed > MAX_SEED) throw new UsageError(`--seed: expected an integer from 0 to ${MAX_SEED} (the PRNG's 32 bits), got ${seed}`);
		const depth = positiveInt(cli.flags.depth, 'depth');
		const runs = positiveInt(cli.flags.runs, 'runs');
		const maxStates = positiveInt(cli.flags.maxStates, 'max-states');
		const maxDepth = positiveInt(cli.flags.maxDepth, 'max-depth');
		const timeout = cli.flags.timeout;
		if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout: expected a number of seconds > 0, got ${timeout}`);
		const sampling = strategy === 'random' || strategy === 'pct';
		if (!sampling && (seed !== undefined || runs !== undefined)) throw new UsageError(`--seed and --runs apply to --strategy random or pct, not ${strategy}`);
		if (strategy !== 'pct' && depth !== undefined) throw new UsageError('--depth applies to --strategy pct (use --max-depth to bound the search)');
		// PCT's bug depth is the number of ordering constraints a bug needs: 1-3 finds most; each run costs O(depth) per step
		if (depth !== undefined && depth > PCT_MAX_DEPTH) throw new UsageError(`--depth ${depth}: PCT's bug depth is at most ${PCT_MAX_DEPTH} (most races need 2 or 3)`);
		const model = openModel(target, {set: cli.flags.set, variant: cli.flags.variant});
		refuseOverInput(cli.flags.record, '--record', model.program.file, 'the scenario file');

		const shardText = cli.flags.shard;
		const frontier = positiveInt(cli.flags.frontier, 'frontier', 0);
		const jobs = positiveInt(cli.flags.jobs, 'jobs');
		if (jobs !== undefined && jobs > MAX_JOBS) throw new UsageError(`--jobs ${jobs}: at most ${MAX_JOBS} worker threads (one per core is fastest; this machine has ${availableParallelism()})`);
		let shard: {frontier: number; index: number; count: number} | undefined;
		if (shardText !== undefined) {
			const sh = parseShard(shardText);
			if (!sh) throw new UsageError(`--shard: expected I/N with 0 <= I < N (e.g. 0/4), got '${shardText}'`);
			if (frontier === undefined) throw new UsageError('--shard needs --frontier D (the depth where the search is split)');
			shard = {frontier, ...sh};
		} else if (frontier !== undefined && jobs === undefined) throw new UsageError('--frontier applies with --shard I/N or --jobs N');
		if ((shard || jobs !== undefined) && sampling) throw new UsageError(`--shard and --jobs apply to --strategy bfs or dfs, not ${strategy}`);
		if (shard && jobs !== undefined) throw new UsageError('--jobs runs every shard itself; give --shard or --jobs, not both');
		if (jobs !== undefined && cli.flags.record !== undefined) throw new UsageError('--record cannot be used with --jobs (record from a plain explore)');
		const set = parseSets(cli.flags.set);

		const showProgress = Boolean(process.stderr.isTTY) && !cli.flags.json;
		// young.ts: a large search's RSS without 30 MB of young generation (if it is not 2 MB semi-spaces yet, once it is)
		let young = capYoungGeneration();
		// tiering.ts: a small search's code is not worth TurboFan's time; a big one gets V8's default back (--jobs is big)
		if (jobs === undefined) deferOptimization();
		try {
			const options: ExploreOptions = {
				strategy,
				seed,
				pctDepth: depth,
				runs,
				maxStates,
				maxDepth,
				timeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
				reduce: cli.flags.reduce,
				merge: cli.flags.merge,
				symmetry: cli.flags.symmetry,
				exact: cli.flags.exact,
				liveness: cli.flags.liveness && !sampling,
				shard,
				onProgress:
					showProgress || !young || optimizationDeferred()
						? p => {
								young ||= capYoungGeneration();
								if (p.states >= BIG) restoreOptimization();
								if (showProgress) process.stderr.write(`\r\x1b[K${p.phase}: ${p.states} states, ${p.transitions} transitions, depth ${p.depth}, ${p.statesPerSec} states/s`);
							}
						: undefined,
			};
			let report: Report;
			let unsaved: UsageError | undefined;
			if (jobs !== undefined) {
				const {onProgress: _, ...plain} = options;
				report = await runJobs(model, {target, set: cli.flags.set, variant: cli.flags.variant ?? null}, plain, jobs, frontier);
			} else {
				const r = explore(model, options);
				if (showProgress) process.stderr.write('\r\x1b[K');
				// A save that fails after all (the folder went away, the disk filled) must not lose the search: its report is printed, then the error.
				if (cli.flags.record !== undefined) {
					try {
						await recordFindings(model, r, cli.flags.record, cli.flags.force, set);
					} catch (err) {
						if (!(err instanceof UsageError)) throw err;
						unsaved = err;
					}
				}
				report = reportOf(model, target, set, r, unsaved ? null : (cli.flags.record ?? null));
			}
			if (cli.flags.json) io.out(JSON.stringify(report, null, 2));
			const code = cli.flags.json ? reportCode(report) : printReport(io, model, report, {width: cli.flags.width ?? Math.max(80, io.columns), extra: {seed, depth}});
			if (unsaved) throw unsaved;
			return code;
		} finally {
			restoreOptimization();
		}
	},
};
