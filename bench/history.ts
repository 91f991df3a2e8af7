// Resident memory of a long session history (SPEC §9: a 100,000-step history
// in <= 200 MB RSS), measured as the TUI runs it: bundled code (esbuild, as
// dist/cli.js is built) in a fresh Node process (no tsx loader in the figure). The history is real:
// fsdax-unbind-2021 where gup-fast's slow path retries for ever on the dead
// pgmap's present PTE (the S8 livelock), so CPU0 can take as many steps as we like.

import {spawnSync} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {buildSync} from 'esbuild';

export type HistoryRow = {steps: number; rssMB: number; rssBeforeMB: number; heapMB: number; msPerStep: number};

const CHILD = (bundle: string, steps: number) => `
import {loadModel, createSession} from ${JSON.stringify(bundle)};
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
	// the session and the model alone, bundled inside the package (scenarios/ is found beside package.json)
	const root = resolve(import.meta.dirname, '..');
	const dir = join(root, 'node_modules', '.cache', 'racewalk-bench');
	mkdirSync(dir, {recursive: true});
	const bundle = join(dir, 'history.mjs');
	buildSync({
		stdin: {contents: "export {loadModel} from './lang/load.ts'; export {createSession} from './session/session.ts';", resolveDir: join(root, 'source'), loader: 'ts'},
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		outfile: bundle,
		banner: {js: "import {createRequire as __r} from 'node:module'; const require = __r(import.meta.url);"},
		logLevel: 'error',
	});
	const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD(bundle, steps)], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`history bench failed: ${r.stderr}`);
	return JSON.parse(r.stdout) as HistoryRow;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table([benchHistory(Number(process.argv[2] ?? 100_000))]);
