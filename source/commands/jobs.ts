// `explore --jobs N`: the N shards of one search (explore/shard.ts) on worker
// threads of this process, merged as `racewalk merge` merges shard files.
// Each worker opens the scenario itself: machines do not cross threads. The
// worker runs the built bundle (dist/cli.js), so --jobs needs the built CLI.

import {Worker} from 'node:worker_threads';
import type {ExploreOptions} from '../explore/index.js';
import {Budget} from '../explore/budget.js';
import {chooseFrontier} from '../explore/shard.js';
import type {Model} from '../lang/interpreter.js';
import {mergeReports, type Report} from './report.js';

export type JobTarget = {target: string; set: readonly string[]; variant: string | null};
export type JobData = JobTarget & {options: ExploreOptions};

export async function runJobs(model: Model, target: JobTarget, options: ExploreOptions, jobs: number, frontier?: number): Promise<Report> {
	const t0 = performance.now();
	const depth = frontier ?? chooseFrontier(model, jobs, new Budget({}), options.from);
	const runs = Array.from({length: jobs}, (_, index) => {
		const data: JobData = {...target, options: {...options, shard: {frontier: depth, index, count: jobs}}};
		return new Promise<Report>((resolve, reject) => {
			// The worker is the CLI bundle's entry itself (cli.tsx starts runShard when it sees
			// racewalkShard); this code runs from one of the bundle's chunks, in dist/chunks/.
			const w = new Worker(new URL('../cli.js', import.meta.url), {workerData: {racewalkShard: data}});
			w.once('message', (r: Report) => resolve(r));
			w.once('error', reject);
			w.once('exit', code => {
				if (code !== 0) reject(new Error(`shard ${index}/${jobs}: worker exited with code ${code}`));
			});
		});
	});
	const reports = await Promise.all(runs);
	const merged = mergeReports(reports, reports.map((_, i) => `shard ${i}/${jobs}`));
	merged.stats.timeMs = performance.now() - t0;
	merged.stats.statesPerSec = Math.round((merged.stats.states * 1000) / merged.stats.timeMs);
	return merged;
}
