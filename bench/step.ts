// The cost of one step() on a snapshot (immer, frozen), over random walks of
// every built-in scenario. Target (SPEC §9): median <= 20 us.

import {performance} from 'node:perf_hooks';
import {builtinNames, loadModel} from '../source/lang/load.js';

/** A small seeded PRNG (mulberry32): the bench is repeatable. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export type StepRow = {scenario: string; steps: number; medianUs: number; p99Us: number};

export function benchStep(samples = 20_000): StepRow[] {
	const rows: StepRow[] = [];
	for (const name of builtinNames()) {
		const model = loadModel(name);
		const random = rng(42);
		const times: number[] = [];
		let m = model.initial;
		while (times.length < samples) {
			const enabled = model.enabled(m);
			if (enabled.length === 0) {
				m = model.initial;
				continue;
			}
			const t = enabled[Math.floor(random() * enabled.length)]!;
			const start = performance.now();
			m = model.step(m, t).state;
			times.push((performance.now() - start) * 1000);
		}
		times.sort((a, b) => a - b);
		rows.push({scenario: name, steps: times.length, medianUs: times[Math.floor(times.length / 2)]!, p99Us: times[Math.floor(times.length * 0.99)]!});
	}
	return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(benchStep());
