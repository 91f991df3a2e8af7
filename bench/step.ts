// The cost of one step() on a snapshot (immer, frozen), over random walks of
// every built-in scenario. Target (SPEC §9): median <= 20 us.

import {performance} from 'node:perf_hooks';
import {mulberry32} from '../source/explore/index.js';
import {builtinNames, loadModel} from '../source/lang/load.js';

export type StepRow = {scenario: string; steps: number; medianUs: number; p99Us: number};

export function benchStep(samples = 20_000): StepRow[] {
	const rows: StepRow[] = [];
	for (const name of builtinNames()) {
		const model = loadModel(name);
		const random = mulberry32(42);
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
