// Exhaustive search of every built-in scenario (base params and each variant),
// with and without partial-order reduction, and devdax-unbind scaled up with
// --set gups=N pages=M when the scenario has those params. Target (SPEC §9):
// >= 200,000 states/s on one core. Printed, never asserted. Figures, the
// machine and what each optimisation bought: docs/performance.md (Search).
//
//   npx tsx bench/search.ts            (or import {benchSearch} from a runner)

import {resolve} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {explore} from '../source/explore/index.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';
import type {Model} from '../source/lang/interpreter.js';

export type SearchRow = {
	scenario: string;
	params: string;
	/** Distinct states of the reduced (POR) search. */
	states: number;
	transitions: number;
	timeMs: number;
	statesPerSec: number;
	/** States with partial-order reduction, and without. */
	porStates: number;
	plainStates: number;
	/** Hit --max-states or the timeout: the figures are for part of the space. */
	bounded: boolean;
	/** Runs of the reduced search (median time reported). */
	runs: number;
	/** Heap grown by the reduced search (visited table, frontier), MB. */
	memMB: number;
};

export type BenchOptions = {
	/** Per search. Default 2,000,000 states and 120 s. */
	maxStates?: number;
	timeoutMs?: number;
	/** Scaled devdax-unbind configurations to try (those outside the params' ranges are skipped). */
	scales?: {gups: number; pages: number}[];
	/** Also run the unreduced search (for plainStates). Default true. */
	plain?: boolean;
};

function row(scenario: string, params: string, model: Model, opts: BenchOptions): SearchRow {
	const bounds = {maxStates: opts.maxStates ?? 2_000_000, timeoutMs: opts.timeoutMs ?? 120_000, minimise: false, liveness: false};
	// Small searches are repeated and the median time kept; a large one runs once.
	const times: number[] = [];
	let por!: ReturnType<typeof explore>;
	let memMB = 0;
	for (let run = 0; run < 3; run++) {
		(globalThis as {gc?: () => void}).gc?.();
		const heap0 = process.memoryUsage().heapUsed;
		const t0 = performance.now();
		por = explore(model, {...bounds, reduce: true});
		times.push(performance.now() - t0);
		memMB = Math.max(memMB, (process.memoryUsage().heapUsed - heap0) / 2 ** 20);
		if (por.stats.states > 50_000) break;
	}
	const timeMs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
	const plain = opts.plain === false ? null : explore(model, {...bounds, reduce: false});
	return {
		scenario,
		params,
		states: por.stats.states,
		transitions: por.stats.transitions,
		timeMs: Math.round(timeMs),
		statesPerSec: timeMs > 0 ? Math.round((por.stats.states * 1000) / timeMs) : 0,
		porStates: por.stats.states,
		plainStates: plain ? plain.stats.states : -1,
		bounded: !por.complete || (plain !== null && !plain.complete),
		runs: times.length,
		memMB: Math.round(memMB),
	};
}

export function benchSearch(opts: BenchOptions = {}): SearchRow[] {
	const rows: SearchRow[] = [];
	for (const name of builtinNames()) {
		const variants = loadScenario(name).ast.variants.map(v => v.name);
		for (const variant of [null, ...variants]) {
			const model = loadModel(name, {variant});
			rows.push(row(name, variant ? `variant ${variant}` : '(base)', model, opts));
		}
	}
	if (builtinNames().includes('devdax-unbind')) {
		const decl = loadScenario('devdax-unbind').ast.params;
		const gups = decl.find(p => p.name === 'gups');
		const pages = decl.find(p => p.name === 'pages');
		if (gups && pages) {
			const inRange = (p: typeof gups, v: number) => !p.range || (v >= p.range[0] && v <= p.range[1]);
			for (const s of opts.scales ?? [{gups: 2, pages: 1}, {gups: 2, pages: 2}, {gups: 3, pages: 1}, {gups: 3, pages: 4}]) {
				if (!inRange(gups, s.gups) || !inRange(pages, s.pages)) continue;
				let model: Model;
				try {
					model = loadModel('devdax-unbind', {set: {gups: String(s.gups), pages: String(s.pages)}});
				} catch {
					continue; // the params changed meaning: skip rather than fail
				}
				rows.push(row('devdax-unbind', `gups=${s.gups} pages=${s.pages}`, model, opts));
			}
		}
	}
	return rows;
}

export function formatSearchRows(rows: readonly SearchRow[]): string {
	const head = ['scenario', 'params', 'states', 'transitions', 'time ms', 'states/s', 'POR states', 'plain states'];
	const cells = rows.map(r => [r.scenario, r.params, String(r.states) + (r.bounded ? '+' : ''), String(r.transitions), String(r.timeMs), String(r.statesPerSec), String(r.porStates), r.plainStates < 0 ? '-' : String(r.plainStates)]);
	const w = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i]!.length)));
	const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ');
	return [line(head), ...cells.map(line), '', '+ = stopped at a bound (max states or timeout)'].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
	console.log(formatSearchRows(benchSearch()));
}
