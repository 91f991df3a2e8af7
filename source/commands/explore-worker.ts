// One shard of `explore --jobs N` (jobs.ts), on a worker thread.

import {parentPort, workerData} from 'node:worker_threads';
import {explore} from '../explore/index.js';
import {openModel, parseSets} from './common.js';
import type {JobData} from './jobs.js';
import {reportOf} from './report.js';

const data = workerData as JobData;
const model = openModel(data.target, {set: data.set, variant: data.variant});
const r = explore(model, data.options);
parentPort!.postMessage(reportOf(model, data.target, parseSets(data.set), r, null));
