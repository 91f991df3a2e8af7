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
			t.set(i + 10, -i, i, null);
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
});
