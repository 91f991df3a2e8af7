// One shard of `explore --jobs N` (jobs.ts), on a worker thread: the bundled
// CLI (cli.tsx) starts here when it runs as a racewalk shard worker.

import {parentPort} from 'node:worker_threads';
import {explore} from '../explore/index.js';
import {openModel, parseSets} from './common.js';
import type {JobData} from './jobs.js';
import {reportOf} from './report.js';

export function runShard(data: JobData): void {
	const model = openModel(data.target, {set: data.set, variant: data.variant});
	const r = explore(model, data.options);
	parentPort!.postMessage(reportOf(model, data.target, parseSets(data.set), r, null));
}
