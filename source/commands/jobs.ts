// `explore --jobs N`: the N shards of one search (explore/shard.ts) on worker
// threads of this process, merged as `racewalk merge` merges shard files.
// Each worker opens the scenario itself: machines do not cross threads. The
// worker runs the built bundle (dist/cli.js), so --jobs needs the built CLI.
//
// Unlike shards in separate processes, the workers share one visited set
// (explore/sharedtable.ts) and draw their roots one at a time from the whole
// frontier, so no state is searched twice and a worker that is done takes
// more work. Which worker meets a violation first depends on timing, so the
// counterexamples are minimised here, after the merge, by the same search a
// single-threaded explore runs: the schedules printed do not depend on it.

import {Worker} from 'node:worker_threads';
import {explore, shortestGen, type ExploreOptions} from '../explore/index.js';
import {Budget} from '../explore/budget.js';
import {chooseFrontier} from '../explore/shard.js';
import {omissionChance} from '../explore/keytable.js';
import {newSharedTable} from '../explore/sharedtable.js';
import type {Model} from '../lang/interpreter.js';
import {kindJson, lassoJson, mergeReports, reportCode, sortKinds, verdictOf, type Report} from './report.js';

export type JobTarget = {target: string; set: readonly string[]; variant: string | null};
export type JobData = JobTarget & {options: ExploreOptions};

/** Workers share a visited set of 31-bit values: fingerprints (not --exact), and sleep sets of at most 7 CPUs (or none). */
const canShare = (model: Model, options: ExploreOptions): boolean => !options.exact && (options.reduce === false || model.cpuCount <= 7);

export async function runJobs(model: Model, target: JobTarget, options: ExploreOptions, jobs: number, frontier?: number): Promise<Report> {
	// One deadline for the workers and the minimisation after them, as for a single-threaded explore.
	const budget = new Budget({timeoutMs: options.timeoutMs});
	const sharedTable = canShare(model, options) ? newSharedTable() : undefined;
	// Roots drawn one at a time balance the load: many of them, so the last one drawn is small.
	// Shared: the frontier of the reduced prefix the workers run (explore/index.ts).
	const reduced = {reduce: options.reduce, merge: options.merge, symmetry: options.symmetry};
	const depth = frontier ?? (sharedTable ? chooseFrontier(model, jobs, new Budget({}), options.from, 64, reduced) : chooseFrontier(model, jobs, new Budget({}), options.from));
	const runs = Array.from({length: jobs}, (_, index) => {
		const data: JobData = {...target, options: {...options, shard: {frontier: depth, index, count: jobs}, sharedTable}};
		return new Promise<Report>((resolve, reject) => {
			// The worker is the CLI bundle's entry itself (cli.tsx starts runShard when it sees
			// racewalkShard); this code runs from one of the bundle's chunks, in dist/chunks/.
			const w = new Worker(new URL('../cli.js', import.meta.url), {workerData: {racewalkShard: data}, resourceLimits: {maxYoungGenerationSizeMb: 4}});
			w.once('message', (r: Report) => resolve(r));
			w.once('error', reject);
			w.once('exit', code => {
				if (code !== 0) reject(new Error(`shard ${index}/${jobs}: worker exited with code ${code}`));
			});
		});
	});
	const reports = await Promise.all(runs);
	const merged = mergeReports(reports, reports.map((_, i) => `shard ${i}/${jobs}`));
	// The states of the prefix every worker ran (once) and those the workers stored in the table.
	if (sharedTable) merged.stats.states += merged.shard!.prefixStates;
	// States per second of the search itself (the minimisation after it is not a search of new states).
	const searchMs = budget.elapsed();
	merged.stats.statesPerSec = Math.round((merged.stats.states * 1000) / searchMs);
	if (sharedTable) {
		// Each worker's chance was the whole table's: the table's own is the chance.
		merged.stats.omission = omissionChance(merged.stats.states);
		if (!budget.expired() && merged.stoppedBy !== 'timeout') minimise(model, merged, options, budget);
	}
	if (merged.livelocks.length > 0 && !budget.expired() && merged.stoppedBy !== 'timeout') relasso(model, merged, options, budget);
	merged.stats.timeMs = budget.elapsed();
	return merged;
}

/**
 * The lassos of a single-threaded explore. Each worker's lasso comes from the
 * graph of its own slice, so the same component can come twice, by other
 * paths: when the workers found a livelock, the search runs once more here, in
 * one thread, for its livelocks alone (the safety kinds stay the workers').
 */
function relasso(model: Model, report: Report, options: ExploreOptions, budget: Budget): void {
	const timeoutMs = options.timeoutMs === undefined ? undefined : Math.max(1, options.timeoutMs - budget.elapsed());
	const r = explore(model, {...options, shard: undefined, sharedTable: undefined, timeoutMs});
	const live = r.kinds.get('livelock');
	if (!r.livenessComplete || !live) return;
	report.livelocks = r.livelocks.map(lassoJson);
	report.kinds = sortKinds(report.kinds.map(k => (k.kind === 'livelock' ? kindJson(live) : k)));
	report.stats.livenessStates = r.stats.livenessStates;
	report.stats.livenessQuotient = r.stats.livenessQuotient;
}

/** The shortest, fewest-switch schedule of each safety kind the workers found (as explore's own minimisation). */
function minimise(model: Model, report: Report, options: ExploreOptions, budget: Budget): void {
	const wanted = new Set(report.kinds.filter(k => k.kind !== 'livelock').map(k => k.kind));
	if ((options.minimise ?? true) === false || wanted.size === 0) return;
	const maxLen = Math.max(...report.kinds.filter(k => wanted.has(k.kind)).map(k => k.length));
	const gen = shortestGen(model, wanted, {from: options.from, maxLen, maxStates: options.maxStates, expandViolations: options.expandViolations}, budget);
	let r = gen.next();
	while (!r.done) r = gen.next();
	report.kinds = sortKinds(
		report.kinds.map(k => {
			const f = r.value.found.get(k.kind);
			return f ? kindJson(f) : k;
		}),
	);
	report.verdict = verdictOf(reportCode(report));
}
