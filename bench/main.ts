// npm run bench: every figure of SPEC §9 in one table (and --json). Several
// runs where a figure is noisy; medians reported; the machine described.
// Nothing here is asserted: tests prove behaviour, this measures it.

import {cpus, totalmem} from 'node:os';

import {benchAnswer} from './answer.js';
import {benchHistory} from './history.js';
import {benchSearch, QUICK_SCALES, SCALES} from './search.js';
import {benchStep} from './step.js';
import {benchTui} from './tui.js';

type Row = {area: string; measure: string; value: string; target: string};

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const rows: Row[] = [];

const log = (s: string) => process.stderr.write(s + '\n');

log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);

log('search...');
// Scaled rows (bench/search.ts SCALES). Each scaled run is bounded (120 s),
// the reductions-alone searches too (1.5 M states, 25 s), so the whole suite
// stays under about 12 minutes on two cores.
const searchRows = benchSearch({scales: quick ? QUICK_SCALES : SCALES, aloneBound: quick ? {maxStates: 200_000, timeoutMs: 20_000} : undefined});
for (const r of searchRows) {
	const builtin = !r.params.startsWith('gups');
	const target = builtin ? 'explore <= 300 ms end to end' : r.params.includes('livelock') ? 'livelock search at the same scale' : r.params.includes('--exact') ? '--exact: no omission risk (no target)' : r.params.startsWith('gups=3 pages=2 walkers=2') ? '<= 20 s, <= 130 MB; >= 500,000 states/CPU-s' : r.params.startsWith('gups=2 pages=2 walkers=2') ? '<= 3 s; >= 500,000 states/CPU-s' : '>= 500,000 states/CPU-s';
	const alone = r.alone ? `; states plain ${r.alone.plain}, POR ${r.alone.por}, merge ${r.alone.merge}, symmetry ${r.alone.symmetry}, all ${r.alone.all}` : '';
	rows.push({
		area: 'search',
		measure: `${r.scenario} ${r.params}`.trim(),
		value: `${r.run.states}${r.run.complete ? '' : '+'} states${r.run.livenessStates !== null ? ` (+${r.run.livenessStates} liveness)` : ''}, ${r.run.transitions} transitions, ${Math.round(r.run.wallMs)} ms wall, ${Math.round(r.run.userMs)} ms user, ${r.perCpuSec.toLocaleString('en')} states/CPU-s, ${r.run.rssMB.toFixed(0)} MB RSS, ${r.bytesPerState ? `${r.bytesPerState} B/state` : 'B/state: - (small)'}${alone}`,
		target,
	});
}

log("the TUI's e (search from a point)...");
const answers = await benchAnswer();
const slowest = answers.reduce((a, b) => (b.worstMs > a.worstMs ? b : a));
const within = answers.filter(a => a.worstMs < 1000).length;
rows.push({area: 'search', measure: "TUI's e: search from a point, every built-in and variant", value: `worst ${Math.round(slowest.worstMs)} ms (${slowest.scenario}, from step ${slowest.worstFrom}); ${within} of ${answers.length} always under 1 s; ${answers.reduce((n, a) => n + a.points, 0)} points`, target: '< 1 s from any point'});

log('step()...');
for (const r of benchStep(quick ? 5_000 : 20_000)) {
	rows.push({area: 'step', measure: r.scenario, value: `median ${r.medianUs.toFixed(1)} us, p99 ${r.p99Us.toFixed(1)} us`, target: 'median <= 20 us'});
}

log('history memory...');
const h = benchHistory(100_000);
rows.push({area: 'memory', measure: '100,000-step session history', value: `${h.rssMB.toFixed(0)} MB RSS (${h.rssBeforeMB.toFixed(0)} MB before the history; heap +${h.heapMB.toFixed(0)} MB), ${(h.msPerStep * 1000).toFixed(1)} us/step`, target: '<= 200 MB RSS'});

log('TUI in a pseudo-terminal...');
for (const r of await benchTui(quick ? {keys: 20, startups: 3} : {})) {
	rows.push({area: 'tui', measure: r.measure, value: `p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms (${r.samples} samples)`, target: r.measure.startsWith('startup to first frame (') ? '<= 300 ms' : r.measure.startsWith('startup to first key') ? '<= 400 ms' : r.measure.startsWith('startup') ? '(no target)' : 'p95 <= 16 ms'});
}

if (json) {
	process.stdout.write(JSON.stringify({machine: {cpu: cpus()[0]?.model, cores: cpus().length, node: process.version}, rows}, null, 2) + '\n');
} else {
	const w = [0, 1, 2].map(i => Math.max(...rows.map(r => [r.area, r.measure, r.target][i]!.length)));
	for (const r of rows) process.stdout.write(`${r.area.padEnd(w[0]!)}  ${r.measure.padEnd(w[1]!)}  ${r.target.padEnd(w[2]!)}  ${r.value}\n`);
}
