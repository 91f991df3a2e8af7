// Resident memory of a long session history (SPEC §9: a 100,000-step history
// in <= 200 MB RSS). The history is real: fsdax-unbind-2021 where gup-fast's
// slow path retries for ever on the dead pgmap's present PTE (the S8 livelock),
// so CPU0 can take as many steps as we like.

import {loadModel} from '../source/lang/load.js';
import {createSession} from '../source/session/session.js';

export type HistoryRow = {steps: number; rssMB: number; heapMB: number; msPerStep: number};

export function benchHistory(steps = 100_000): HistoryRow {
	const model = loadModel('fsdax-unbind-2021');
	const session = createSession(model);
	for (const cpu of [1, 1, 1]) session.step({cpu, irq: false}); // kill_dax, del_gendisk, percpu_ref_kill
	global.gc?.();
	const before = process.memoryUsage();
	const start = performance.now();
	for (let i = 3; i < steps; i++) {
		const r = session.step({cpu: 0, irq: false});
		if (!r.ok) throw new Error(`step ${i}: ${r.reason}`);
	}
	const ms = performance.now() - start;
	global.gc?.();
	const after = process.memoryUsage();
	if (session.cursor.depth !== steps) throw new Error(`history has ${session.cursor.depth} steps, wanted ${steps}`);
	return {steps, rssMB: after.rss / 2 ** 20, heapMB: (after.heapUsed - before.heapUsed) / 2 ** 20, msPerStep: ms / steps};
}

if (import.meta.url === `file://${process.argv[1]}`) console.table([benchHistory(Number(process.argv[2] ?? 100_000))]);
