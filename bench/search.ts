// Exhaustive search figures (issue 9, SPEC §9), printed, never asserted:
// - end to end: the built `racewalk explore` of every built-in scenario and
//   variant, and of devdax-unbind scaled with --set gups/pages/walkers, each in
//   a fresh process under /usr/bin/time: wall, user CPU, max RSS; states and
//   transitions from its --json; states per CPU-second; bytes per stored state
//   (RSS above the smallest run's, over the states);
// - each reduction alone (bounded: 1.5 M states, 25 s) (POR, merged local steps, symmetry) and all of them
//   against the plain search (one statement per transition, none of them),
//   in this process, as state counts;
// - --jobs 2 against one thread on a scaled row.
// docs/performance.md has the figures and what bounds them.
//
//   npm run build && npx tsx bench/search.ts [--quick]

import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {explore, type ExploreOptions} from '../source/explore/index.js';
import {REDUCTION_CONFIGS} from '../source/explore/types.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';

export type RunFigures = {
	states: number;
	transitions: number;
	wallMs: number;
	userMs: number;
	rssMB: number;
	livenessStates: number | null;
	complete: boolean;
	verdict: string;
};

export type SearchRow = {
	scenario: string;
	params: string;
	run: RunFigures;
	/** States per CPU-second (stored states / user CPU time of the process). */
	perCpuSec: number;
	bytesPerState: number;
	/** State counts of the search with each reduction alone; '+' = stopped at the bound. */
	alone: Record<Config, string> | null;
};

const CONFIGS = REDUCTION_CONFIGS satisfies Record<string, ExploreOptions>;
type Config = keyof typeof CONFIGS;

const CLI = resolve(fileURLToPath(import.meta.url), '../../dist/cli.js');

/** One `racewalk explore ... --json` in a fresh process, timed by /usr/bin/time. */
export function runCli(args: string[]): RunFigures {
	const timed = existsSync('/usr/bin/time');
	const argv = [process.execPath, CLI, 'explore', ...args, '--json'];
	const t0 = performance.now();
	const r = timed ? spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %M', ...argv], {encoding: 'utf8', maxBuffer: 1 << 28}) : spawnSync(argv[0]!, argv.slice(1), {encoding: 'utf8', maxBuffer: 1 << 28});
	const wall = performance.now() - t0;
	const out = JSON.parse(r.stdout) as {stats: {states: number; transitions: number; livenessStates?: number}; complete: boolean; verdict: string};
	const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
	return {
		states: out.stats.states,
		transitions: out.stats.transitions,
		wallMs: t ? Number(t[1]) * 1000 : wall,
		userMs: t ? Number(t[2]) * 1000 : Number.NaN,
		rssMB: t ? Number(t[3]) / 1024 : Number.NaN,
		livenessStates: out.stats.livenessStates ?? null,
		complete: out.complete,
		verdict: out.verdict,
	};
}

function alone(name: string, set: Record<string, string>, variant: string | null, bound: {maxStates: number; timeoutMs: number}): Record<Config, string> {
	const model = loadModel(name, {set, variant});
	const out = {} as Record<Config, string>;
	for (const [k, c] of Object.entries(CONFIGS) as [Config, ExploreOptions][]) {
		const r = explore(model, {...c, ...bound, minimise: false, liveness: false});
		out[k] = `${r.stats.states}${r.complete ? '' : '+'}`;
	}
	return out;
}

/** A scaled row: devdax-unbind with gups/pages/walkers; also each reduction alone, --jobs 2, the livelock search. */
export type Scale = {gups: number; pages: number; walkers: number; alone?: boolean; jobs?: boolean; livelock?: boolean; exact?: boolean};

export const SCALES: Scale[] = [
	{gups: 2, pages: 1, walkers: 1, alone: true},
	{gups: 2, pages: 2, walkers: 2, alone: true, jobs: true, livelock: true, exact: true},
	{gups: 3, pages: 2, walkers: 2, jobs: true},
];
export const QUICK_SCALES: Scale[] = [{gups: 2, pages: 1, walkers: 1, alone: true, jobs: true}];

export type BenchOptions = {
	/** Scaled devdax-unbind rows (depth-first: the least memory). */
	scales?: Scale[];
	/** Wall-clock bound of each scaled run, seconds (default 120). */
	timeoutS?: number;
	/** Bound of the reductions-alone searches. */
	aloneBound?: {maxStates: number; timeoutMs: number};
};

export function benchSearch(opts: BenchOptions = {}): SearchRow[] {
	const rows: SearchRow[] = [];
	const bound = opts.aloneBound ?? {maxStates: 1_500_000, timeoutMs: 25_000};
	for (const name of builtinNames()) {
		const variants = loadScenario(name).ast.variants.map(v => v.name);
		for (const variant of [null, ...variants]) {
			const run = runCli([name, ...(variant ? ['--variant', variant] : [])]);
			rows.push({scenario: name, params: variant ? `variant ${variant}` : '(base)', run, perCpuSec: 0, bytesPerState: 0, alone: alone(name, {}, variant, bound)});
		}
	}
	for (const sc of opts.scales ?? []) {
		const set = {gups: String(sc.gups), pages: String(sc.pages), walkers: String(sc.walkers)};
		const sets = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
		const timeoutS = opts.timeoutS ?? 120;
		const args = ['devdax-unbind', ...sets, '--strategy', 'dfs', '--no-liveness', '--timeout', String(timeoutS)];
		const params = `gups=${sc.gups} pages=${sc.pages} walkers=${sc.walkers} (dfs)`;
		rows.push({scenario: 'devdax-unbind', params, run: runCli(args), perCpuSec: 0, bytesPerState: 0, alone: sc.alone ? alone('devdax-unbind', set, null, bound) : null});
		// Two worker threads sharing one visited set (explore --jobs).
		if (sc.jobs) rows.push({scenario: 'devdax-unbind', params: `${params}, --jobs 2`, run: runCli([...args, '--jobs', '2']), perCpuSec: 0, bytesPerState: 0, alone: null});
		// --exact: every state stored as its packed vector (explore/exact-table.ts), no fingerprint risk.
		if (sc.exact) rows.push({scenario: 'devdax-unbind', params: `${params}, --exact`, run: runCli([...args, '--exact']), perCpuSec: 0, bytesPerState: 0, alone: null});
		// The livelock search (full graph, merged steps) at the same scale, after the safety search.
		if (sc.livelock) rows.push({scenario: 'devdax-unbind', params: `${params}, with livelock search`, run: runCli(['devdax-unbind', ...sets, '--strategy', 'dfs', '--timeout', String(timeoutS)]), perCpuSec: 0, bytesPerState: 0, alone: null});
	}
	const base = Math.min(...rows.map(r => r.run.rssMB));
	for (const r of rows) {
		const states = r.run.states + (r.run.livenessStates ?? 0);
		r.perCpuSec = r.run.userMs > 0 ? Math.round((r.run.states * 1000) / r.run.userMs) : 0;
		// Below 10,000 states the figure is the noise of the process's own memory.
		r.bytesPerState = states >= 10_000 ? Math.round(((r.run.rssMB - base) * 2 ** 20) / states) : 0;
	}
	return rows;
}

export function formatSearchRows(rows: readonly SearchRow[]): string {
	const head = ['scenario', 'params', 'states', 'transitions', 'wall ms', 'user ms', 'states/CPU-s', 'RSS MB', 'B/state', 'plain', 'POR', 'merge', 'symmetry', 'all'];
	const cells = rows.map(r => [
		r.scenario,
		r.params,
		`${r.run.states}${r.run.complete ? '' : '+'}${r.run.livenessStates !== null ? ` (+${r.run.livenessStates} liveness)` : ''}`,
		String(r.run.transitions),
		String(Math.round(r.run.wallMs)),
		String(Math.round(r.run.userMs)),
		String(r.perCpuSec),
		r.run.rssMB.toFixed(0),
		r.bytesPerState ? String(r.bytesPerState) : '-',
		...(['plain', 'por', 'merge', 'symmetry', 'all'] as const).map(k => r.alone?.[k] ?? '-'),
	]);
	const w = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i]!.length)));
	const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ');
	return [line(head), ...cells.map(line), '', '+ = stopped at a bound; plain..all: states with no reduction, each alone, all (in-process, no livelock search)'].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
	const quick = process.argv.includes('--quick');
	console.log(formatSearchRows(benchSearch({scales: quick ? QUICK_SCALES : SCALES})));
}
