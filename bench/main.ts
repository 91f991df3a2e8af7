// npm run bench: every figure of SPEC §9 in one table (and --json). Several
// runs where a figure is noisy; medians reported; the machine described.
// Nothing here is asserted: tests prove behaviour, this measures it.

import {cpus, totalmem} from 'node:os';

import {benchHistory} from './history.js';
import {benchSearch} from './search.js';
import {benchStep} from './step.js';
import {benchTui} from './tui.js';

type Row = {area: string; measure: string; value: string; target: string};

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const rows: Row[] = [];

const log = (s: string) => process.stderr.write(s + '\n');

log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);

log('search...');
// Bounded so the whole suite stays under 10 minutes on two cores: the largest
// scaled runs stop at the bound and say so ("bounded").
for (const r of benchSearch(quick ? {scales: [{gups: 2, pages: 1}]} : {maxStates: 1_000_000, timeoutMs: 40_000, scales: [{gups: 2, pages: 1}, {gups: 2, pages: 2}, {gups: 3, pages: 1}]})) {
	const reduction = r.plainStates > 0 ? `${(100 * (1 - r.porStates / r.plainStates)).toFixed(0)}% fewer than ${r.plainStates}` : 'n/a';
	rows.push({
		area: 'search',
		measure: `${r.scenario} ${r.params}`.trim(),
		value: `${r.states} states, ${r.transitions} transitions, ${r.timeMs} ms (median of ${r.runs}), ${r.statesPerSec.toLocaleString('en')} states/s, +${r.memMB} MB heap, POR: ${reduction}${r.bounded ? ' (bounded)' : ''}`,
		target: '>= 200,000 states/s',
	});
}

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
