// The visited set the workers of `explore --jobs` share (explore/sharedtable.ts):
// what one thread sees of it, and four real worker threads racing on it while
// it grows: every key stored exactly once, no compare-and-swap lost.

import {Worker} from 'node:worker_threads';
import {describe, expect, it} from 'vitest';
import {newSharedTable, SharedKeyTable} from '../source/explore/sharedtable.js';

describe('SharedKeyTable', () => {
	it('stores, finds and replaces values as the private table does, and grows between expansions', () => {
		const t = new SharedKeyTable(newSharedTable(16));
		t.enter();
		expect(t.get(1, 2, null)).toBe(-1);
		expect(t.insert(1, 2, 7, null)).toBe(-1);
		expect(t.insert(1, 2, 9, null)).toBe(7);
		expect(t.has(1, 2, null)).toBe(true);
		expect(t.has(2, 1, null)).toBe(false);
		expect(t.cas(1, 2, 8, 3, null)).toBe(false);
		expect(t.cas(1, 2, 7, 3, null)).toBe(true);
		expect(t.get(1, 2, null)).toBe(3);
		t.leave();
		for (let i = 0; i < 1000; i++) {
			t.enter();
			expect(t.insert(i + 10, -i, i, null)).toBe(-1);
			t.leave();
		}
		expect(t.size).toBe(1001);
		expect(t.bytes).toBeGreaterThanOrEqual(1001 * 12 * (10 / 7));
		for (let i = 0; i < 1000; i++) expect(t.get(i + 10, -i, null)).toBe(i);
		expect(t.get(1, 2, null)).toBe(3);
	});

	it('four worker threads: every common key stored once, every own key stored, no increment lost', async () => {
		const buffers = newSharedTable(1 << 8);
		const gate = new SharedArrayBuffer(4);
		const common = 40_000;
		const own = 10_000;
		const increments = 5_000;
		const runs = [0, 1, 2, 3].map(
			id =>
				new Promise<{stored: number}>((resolve, reject) => {
					const w = new Worker(new URL('./helpers/tsx-worker.mjs', import.meta.url), {workerData: {script: new URL('./helpers/table-worker.ts', import.meta.url).href, buffers, gate, workers: 4, id, common, own, increments}});
					w.once('message', resolve);
					w.once('error', reject);
				}),
		);
		const stored = (await Promise.all(runs)).map(r => r.stored);
		const t = new SharedKeyTable(buffers);
		expect(stored.reduce((a, b) => a + b, 0)).toBe(common + 4 * own);
		expect(t.size).toBe(common + 4 * own + 1);
		for (let a = 0; a < common; a++) expect(t.get(a, Math.imul(a, 0x9e3779b1), null)).toBeGreaterThanOrEqual(0);
		for (let id = 0; id < 4; id++) {
			for (let i = common; i < common + own; i++) {
				const a = (id + 1) * 1_000_000 + i;
				expect(t.get(a, Math.imul(a, 0x9e3779b1), null)).toBe(id);
			}
		}
		expect(t.get(0x7fffffff, -1, null)).toBe(4 * increments);
	}, 60_000);

	it('grows hundreds of times under four racing workers without losing a key or storing one twice', async () => {
		const rounds = 60;
		const keys = 3_000;
		const tables = Array.from({length: rounds}, () => newSharedTable(16));
		const gate = new SharedArrayBuffer(4);
		const runs = [0, 1, 2, 3].map(
			id =>
				new Promise<{lost: number; stored: number}>((resolve, reject) => {
					const w = new Worker(new URL('./helpers/tsx-worker.mjs', import.meta.url), {workerData: {script: new URL('./helpers/grow-worker.ts', import.meta.url).href, tables, gate, workers: 4, id, keys}});
					w.once('message', resolve);
					w.once('error', reject);
				}),
		);
		const results = await Promise.all(runs);
		expect(results.map(r => r.lost)).toEqual([0, 0, 0, 0]);
		// Per round: each worker's own keys (keys / 2) and the common ones (keys / 2) once.
		expect(results.reduce((n, r) => n + r.stored, 0)).toBe(rounds * (4 * (keys / 2) + keys / 2));
		for (const buffers of tables) {
			const t = new SharedKeyTable(buffers);
			expect(t.size).toBe(4 * (keys / 2) + keys / 2);
			for (let i = 1; i < keys; i += 2) expect(t.get(i, ~i, null)).toBeGreaterThanOrEqual(0);
			for (let id = 0; id < 4; id++) for (let i = 0; i < keys; i += 2) expect(t.get((id + 1) * 10_000_000 + i, ~((id + 1) * 10_000_000 + i), null)).toBe(id);
		}
	}, 120_000);

	it('at its size limit it stops the search instead of filling up', () => {
		const t = new SharedKeyTable(newSharedTable(16, 64));
		let stored = 0;
		for (let i = 0; i < 1000 && !t.stopped; i++) {
			t.enter();
			if (t.insert(i, i, 1, null) < 0) stored++;
			t.leave();
		}
		expect(t.stopped).toBe('max-states');
		expect(stored).toBeGreaterThan(40);
		expect(stored).toBeLessThanOrEqual(58);
		// Keys still arriving (other workers finishing their batch) are stored up to 90 %, then refused
		// (answered as seen): probing always meets an empty slot.
		t.enter();
		let refused = -1;
		for (let i = 5000; i < 5100 && refused < 0; i++) if (t.insert(i, i, 1, null) === 0) refused = i;
		expect(refused).toBeGreaterThan(0);
		expect(t.size).toBeLessThanOrEqual(58);
		expect(t.has(9999, 9999, null)).toBe(false);
		t.leave();
	});
});
