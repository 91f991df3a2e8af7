// A worker thread hammering a shared visited set (test/sharedtable.test.ts):
// every worker inserts the same keys (each one must be stored once, by one of
// them) and some of its own, and increments one counter by compare-and-swap,
// all while the table grows under them.

import {parentPort, workerData} from 'node:worker_threads';
import {SharedKeyTable, type SharedTableBuffers} from '../../source/explore/sharedtable.js';

const {buffers, gate, workers, id, common, own, increments} = workerData as {buffers: SharedTableBuffers; gate: SharedArrayBuffer; workers: number; id: number; common: number; own: number; increments: number};
const table = new SharedKeyTable(buffers);
// Start together (worker start-up takes longer than the work): a barrier on `gate`.
const ready = new Int32Array(gate);
Atomics.add(ready, 0, 1);
while (Atomics.load(ready, 0) < workers) Atomics.wait(ready, 0, Atomics.load(ready, 0), 10);
const COUNTER = [0x7fffffff, -1] as const;
let stored = 0;
for (let i = 0; i < common + own; i++) {
	// Interleave the common keys, this worker's own keys and the counter.
	const a = i < common ? i : (id + 1) * 1_000_000 + i;
	table.enter();
	if (table.insert(a, Math.imul(a, 0x9e3779b1), id, null) < 0) stored++;
	if (i < increments) {
		table.insert(COUNTER[0], COUNTER[1], 0, null);
		for (;;) {
			const v = table.get(COUNTER[0], COUNTER[1], null);
			if (table.cas(COUNTER[0], COUNTER[1], v, v + 1, null)) break;
		}
	}
	table.leave();
}
parentPort!.postMessage({stored});
