// A worker racing with others on shared tables that grow all the time
// (test/sharedtable.test.ts): round by round, every worker fills the round's
// table (16 slots at first) with keys of its own and common ones, one bracket
// per insert, and after each enter() checks that its last key is still there.

import {parentPort, workerData} from 'node:worker_threads';
import {SharedKeyTable, type SharedTableBuffers} from '../../source/explore/sharedtable.js';

const {tables, gate, workers, id, keys} = workerData as {tables: SharedTableBuffers[]; gate: SharedArrayBuffer; workers: number; id: number; keys: number};
const barrier = new Int32Array(gate);
let lost = 0;
let stored = 0;
tables.forEach((buffers, round) => {
	// Every worker starts the round together.
	Atomics.add(barrier, 0, 1);
	while (Atomics.load(barrier, 0) < workers * (round + 1)) Atomics.wait(barrier, 0, Atomics.load(barrier, 0), 5);
	const table = new SharedKeyTable(buffers);
	let last = -1;
	for (let i = 0; i < keys; i++) {
		table.enter();
		if (last >= 0 && table.get(last, ~last, null) !== id) lost++;
		const a = i % 2 === 0 ? (id + 1) * 10_000_000 + i : i;
		const r = table.insert(a, ~a, id, null);
		if (r < 0) stored++;
		if (i % 2 === 0) last = a;
		table.leave();
	}
});
parentPort!.postMessage({lost, stored});
