// Resident memory of a long session history (SPEC §9: a 100,000-step history
// in <= 200 MB RSS), measured as the TUI runs it: the built dist/ in a fresh
// Node process (no tsx loader in the figure). The history is real:
// fsdax-unbind-2021 where gup-fast's slow path retries for ever on the dead
// pgmap's present PTE (the S8 livelock), so CPU0 can take as many steps as we like.

import {spawnSync} from 'node:child_process';
import {resolve} from 'node:path';

export type HistoryRow = {steps: number; rssMB: number; rssBeforeMB: number; heapMB: number; msPerStep: number};

const CHILD = (dist: string, steps: number) => `
import {loadModel} from ${JSON.stringify(`${dist}/lang/load.js`)};
import {createSession} from ${JSON.stringify(`${dist}/session/session.js`)};
const session = createSession(loadModel('fsdax-unbind-2021'));
for (const cpu of [1, 1, 1]) session.step({cpu, irq: false}); // kill_dax, del_gendisk, percpu_ref_kill
global.gc();
const before = process.memoryUsage();
const start = performance.now();
for (let i = 3; i < ${steps}; i++) {
	const r = session.step({cpu: 0, irq: false});
	if (!r.ok) throw new Error('step ' + i + ': ' + r.reason);
}
const ms = performance.now() - start;
global.gc();
const after = process.memoryUsage();
if (session.cursor.depth !== ${steps}) throw new Error('history has ' + session.cursor.depth + ' steps');
console.log(JSON.stringify({steps: ${steps}, rssMB: after.rss / 2 ** 20, rssBeforeMB: before.rss / 2 ** 20, heapMB: (after.heapUsed - before.heapUsed) / 2 ** 20, msPerStep: ms / ${steps}}));
`;

export function benchHistory(steps = 100_000): HistoryRow {
	const dist = resolve('dist');
	const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD(dist, steps)], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`history bench failed: ${r.stderr}`);
	return JSON.parse(r.stdout) as HistoryRow;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table([benchHistory(Number(process.argv[2] ?? 100_000))]);
