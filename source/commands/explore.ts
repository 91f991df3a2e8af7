import {existsSync} from 'node:fs';
import {explore, type ExploreResult, type Found, type Lasso, type Strategy} from '../explore/index.js';
import type {Model} from '../lang/interpreter.js';
import {formatSchedule} from '../lang/schedule.js';
import {kindInfo} from '../machine/checks.js';
import type {Transition} from '../machine/types.js';
import {renderTrace, replaySteps} from '../render/trace.js';
import {violationLine} from '../render/verdict.js';
import {RecordingError, saveRecording} from '../session/recording.js';
import {createSession} from '../session/session.js';
import {type Command, EXIT, openModel, OUTPUT_FLAGS, parseFlags, parseSets, RECORD_FLAGS, SCENARIO_FLAGS, UsageError} from './common.js';
import {printHeader} from './recorded.js';
import {count} from '../render/wrap.js';

const PCT_MAX_DEPTH = 100;

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
  --seed N          random / pct: PRNG seed (default 1); same seed, same runs
  --depth D         pct: bug depth (default 3)
  --runs N          random / pct: number of runs (default 1000)
  --max-states N    stop after N distinct states
  --max-depth N     do not go deeper than N steps (random / pct: run length,
                    default 1000)
  --timeout S       stop after S seconds
  --no-reduce       exhaustive search without partial-order reduction
  --no-liveness     skip the livelock search (it builds the full state graph)
  --set k=v         override a param (repeatable)
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
`;

const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random', 'pct'];

function positiveInt(v: number | undefined, flag: string, min = 1): number | undefined {
	if (v === undefined) return undefined;
	if (!Number.isInteger(v) || v < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got ${v}`);
	return v;
}

/** Exit code of a search result (SPEC §7). */
export function exitCodeOf(r: ExploreResult): number {
	const kinds = [...r.kinds.keys()];
	if (kinds.some(k => !kindInfo(k)?.liveness)) return EXIT.violation;
	if (kinds.length > 0) return EXIT.liveness;
	const livenessDone = r.stats.livenessStates === undefined || r.livenessComplete;
	return r.complete && livenessDone ? EXIT.ok : EXIT.bound;
}

function describeStop(r: ExploreResult): string {
	if (r.strategy === 'random' || r.strategy === 'pct') return `sampling (${r.stoppedBy === 'runs' ? 'all runs done' : `stopped: ${r.stoppedBy}`}); what was not found may still be reachable`;
	if (r.complete) return 'exhaustive: every reachable state explored';
	return `incomplete: stopped by ${r.stoppedBy}; what was not found may still be reachable`;
}

function traceOf(model: Model, schedule: Transition[], width: number, loopFrom?: number): string {
	const r = replaySteps(model, schedule);
	const text = renderTrace(model, r.steps, {width});
	if (loopFrom === undefined) return text;
	const lines = text.split('\n');
	const at = lines.findIndex(l => new RegExp(`^\\s*${loopFrom + 1}\\s`).test(l));
	if (at >= 0) lines.splice(at, 0, `      ---- loop: from here the schedule repeats for ever ----`);
	return lines.join('\n');
}

const kindsJson = (r: ExploreResult) =>
	[...r.kinds.values()].map((f: Found) => ({kind: f.kind, check: f.violation.check, schedule: formatSchedule(f.schedule), length: f.schedule.length, switches: f.switches, minimal: f.minimal, violation: f.violation}));

const lassoJson = (l: Lasso) => ({prefix: formatSchedule(l.prefix), loop: formatSchedule(l.loop), moving: l.moving, sccStates: l.sccStates, message: l.violation.message});

/** Every counterexample becomes a branch named after its kind (a livelock: prefix + one turn of the loop). */
function recordFindings(model: Model, r: ExploreResult, path: string, force: boolean, set: Record<string, string>): void {
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
	summary: 'search the interleavings for violations (bfs, dfs, random, pct)',
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
			liveness: {type: 'boolean', default: true},
			...SCENARIO_FLAGS,
			...OUTPUT_FLAGS,
			...RECORD_FLAGS,
		}, import.meta);
		const target = cli.input[0];
		if (!target) throw new UsageError('explore: which scenario? (racewalk explore <scenario|file.race>)');
		// Refuse before a long search, not after it.
		if (cli.flags.record !== undefined && !cli.flags.force && existsSync(cli.flags.record)) {
			throw new UsageError(`${cli.flags.record}: already exists; not overwriting it (use --force to replace it)`);
		}
		if (cli.input.length > 1) throw new UsageError(`explore: unexpected argument '${cli.input[1]}'`);
		const strategy = cli.flags.strategy as Strategy;
		if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got '${cli.flags.strategy}'`);
		const seed = positiveInt(cli.flags.seed, 'seed', 0);
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

		const showProgress = Boolean(process.stderr.isTTY) && !cli.flags.json;
		const r = explore(model, {
			strategy,
			seed,
			pctDepth: depth,
			runs,
			maxStates,
			maxDepth,
			timeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
			reduce: cli.flags.reduce,
			liveness: cli.flags.liveness && !sampling,
			onProgress: showProgress
				? p => process.stderr.write(`\r\x1b[K${p.phase}: ${p.states} states, ${p.transitions} transitions, depth ${p.depth}, ${p.statesPerSec} states/s`)
				: undefined,
		});
		if (showProgress) process.stderr.write('\r\x1b[K');
		const code = exitCodeOf(r);
		if (cli.flags.record !== undefined) recordFindings(model, r, cli.flags.record, cli.flags.force, parseSets(cli.flags.set));
		const p = model.program;
		if (cli.flags.json) {
			io.out(JSON.stringify({
				scenario: p.scenario.name,
				variant: p.variant,
				params: p.params,
				strategy,
				recording: cli.flags.record ?? null,
				complete: r.complete,
				livenessComplete: r.livenessComplete,
				stoppedBy: r.stoppedBy,
				stats: r.stats,
				kinds: kindsJson(r),
				livelocks: r.livelocks.map(lassoJson),
				verdict: code === EXIT.violation ? 'violation' : code === EXIT.liveness ? 'liveness' : code === EXIT.ok ? 'ok' : 'bound',
			}, null, 2));
			return code;
		}
		const width = cli.flags.width ?? Math.max(80, io.columns);
		const s = r.stats;
		printHeader(io, model);
		io.out(`search: ${strategy}${sampling ? `, seed ${seed ?? 1}${strategy === 'pct' ? `, depth ${depth ?? 3}` : ''}` : `, partial-order reduction ${cli.flags.reduce ? 'on' : 'off'}`}; ${describeStop(r)}`);
		io.out(`states: ${s.states}  transitions: ${s.transitions}${sampling ? '' : `  pruned by reduction: ${s.pruned}`}  depth: ${s.depth}  time: ${(s.timeMs / 1000).toFixed(2)} s  states/s: ${s.statesPerSec}`);
		if (s.livenessStates !== undefined) io.out(`livelock search (full graph, weak fairness): ${s.livenessStates} states${r.livenessComplete ? '' : ' (incomplete)'}`);
		if (cli.flags.record !== undefined) io.out(`recording saved: ${cli.flags.record} (one branch per counterexample)`);
		io.out('');
		if (r.kinds.size === 0) {
			io.out(r.complete ? 'verdict: no violation reachable' : 'verdict: no violation found (search incomplete)');
			return code;
		}
		io.out(`verdict: ${code === EXIT.violation ? 'VIOLATION' : 'LIVENESS VIOLATION'}: ${[...r.kinds.keys()].join(', ')}`);
		for (const f of r.kinds.values()) {
			io.out('');
			if (f.kind === 'livelock' && r.livelocks[0]) {
				const l = r.livelocks[0];
				io.out(`== livelock (S8): lasso, prefix ${count(l.prefix.length, 'step')}, loop ${count(l.loop.length, 'step')} ==`);
				io.out(`prefix: ${formatSchedule(l.prefix) || '(none)'}`);
				io.out(`loop:   ${formatSchedule(l.loop)}   (repeats for ever)`);
				io.out(`reproduce: racewalk run ${target}${p.variant ? ` --variant ${p.variant}` : ''} --schedule "${formatSchedule([...l.prefix, ...l.loop])}"`);
				io.out(traceOf(model, [...l.prefix, ...l.loop], width, l.prefix.length));
				io.out(`!!! ${l.violation.message}`);
				continue;
			}
			io.out(`== ${f.kind} (${f.violation.check}): ${count(f.schedule.length, 'step')}, ${count(f.switches, 'switch', 'switches')}${f.minimal ? ' (shortest, fewest switches)' : ''} ==`);
			io.out(`schedule: ${formatSchedule(f.schedule)}`);
			io.out(`reproduce: racewalk run ${target}${p.variant ? ` --variant ${p.variant}` : ''} --schedule "${formatSchedule(f.schedule)}"`);
			io.out(traceOf(model, f.schedule, width));
			io.out(`verdict: ${violationLine(f.violation, f.schedule.length)}`);
		}
		return code;
	},
};
