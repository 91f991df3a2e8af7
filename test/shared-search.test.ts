// The search's side of a shared visited set (exhaustive.ts `shared`), in one
// thread and deterministically: two searches draw roots from one frontier and
// share one table that, now and then, behaves as if another worker had got
// there first: a compare-and-swap fails after the state's stored sleep set
// shrank (another worker met the state with fewer transitions asleep). Real
// threads rarely lose such a race (test/jobs.test.ts runs them); here every
// retry path runs, and the kinds and shortest lengths must stay those of the
// plain search.

import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {Budget} from '../source/explore/budget.js';
import {exhaustive, type ExhaustiveResult, type Root} from '../source/explore/exhaustive.js';
import {explore, mulberry32} from '../source/explore/index.js';
import {KeyTable, type SharedVisited} from '../source/explore/keytable.js';
import {prefixGen} from '../source/explore/shard.js';
import type {Model} from '../source/lang/interpreter.js';
import {loadModel, modelFromSource} from '../source/lang/load.js';
import {source, symmetricScenario} from './helpers/random-scenario.js';

/** A private table that loses some compare-and-swaps the way a shared one can. */
class Meddling implements SharedVisited {
	private readonly table = new KeyTable(1 << 10, false);
	private next = 0;
	private why: 'first-violation' | 'max-states' | null = null;
	meddled = 0;
	constructor(
		private readonly S: number,
		private readonly random: () => number,
	) {}
	get size(): number {
		return this.table.size;
	}
	get(a: number, b: number): number {
		return this.table.get(a, b);
	}
	has(a: number, b: number): boolean {
		return this.table.has(a, b);
	}
	insert(a: number, b: number, v: number): number {
		return this.table.insert(a, b, v);
	}
	cas(a: number, b: number, old: number, v: number): boolean {
		const now = this.table.get(a, b);
		// Not yet expanded: another worker may have met it with a smaller sleep set (always sound: less asleep).
		if (now === old && now < this.S * this.S && this.random() < 0.4) {
			const sleep = now % this.S;
			this.table.set(a, b, now - sleep + (sleep & Math.floor(this.random() * this.S)));
			this.meddled++;
			return false;
		}
		return this.table.cas(a, b, old, v);
	}
	enter(): void {}
	leave(): void {}
	takeRoot(): number {
		return this.next++;
	}
	stop(why: 'first-violation' | 'max-states'): void {
		this.why ??= why;
	}
	get stopped(): 'first-violation' | 'max-states' | null {
		return this.why;
	}
}

/**
 * Two searches on one Meddling table, stepped in turns, from the frontier at depth 2 of a plain
 * prefix or (as explore --jobs) of a reduced one whose roots carry their sleep sets; their kinds
 * merged (shortest of each).
 */
function twoWorkers(model: Model, seed: number, order: 'bfs' | 'dfs', reducedPrefix = seed % 3 !== 0): {kinds: Map<string, number>; complete: boolean; states: number; meddled: number} {
	const budget = new Budget({});
	const prefixRun = prefixGen(model, {frontier: 2, index: 0, count: 1}, {graph: false, reduced: reducedPrefix ? {} : undefined}, budget);
	let p = prefixRun.next();
	while (!p.done) p = prefixRun.next();
	const roots: Root[] = p.value.all;
	const table = new Meddling(2 ** (2 * model.cpuCount), mulberry32(seed));
	const gens = [0, 1].map(() => exhaustive(model, {order, reduce: true, graph: false, shared: {table, roots}}, budget));
	const results: (ExhaustiveResult | null)[] = [null, null];
	while (results.some(r => r === null)) {
		for (let w = 0; w < 2; w++) {
			if (results[w]) continue;
			const r = gens[w]!.next();
			if (r.done) results[w] = r.value;
		}
	}
	const kinds = new Map<string, number>();
	for (const [k, f] of p.value.result.kinds) kinds.set(k, f.schedule.length);
	for (const r of results) for (const [k, f] of r!.kinds) if (!kinds.has(k) || kinds.get(k)! > f.schedule.length) kinds.set(k, f.schedule.length);
	return {kinds, complete: results.every(r => r!.complete), states: results.reduce((n, r) => n + r!.states, 0), meddled: table.meddled};
}

const safetyKinds = (r: ReturnType<typeof explore>) => [...r.kinds.keys()].filter(k => k !== 'livelock').sort();

describe('a shared visited set that loses races (in one thread), from a plain or a reduced prefix', () => {
	it('devdax-unbind gups=2 and xfs-pre-remove: the kinds of the plain search, every retry path taken', () => {
		for (const [name, set] of [['devdax-unbind', {gups: '2'}], ['xfs-pre-remove', {}], ['khugepaged-collapse', {}]] as const) {
			const model = loadModel(name, {set});
			const plain = explore(model, {reduce: false, merge: false, symmetry: false, minimise: false});
			for (const [order, reduced] of [['bfs', false], ['dfs', false], ['bfs', true], ['dfs', true]] as const) {
				const r = twoWorkers(model, 1, order, reduced);
				expect(r.complete).toBe(true);
				expect([...r.kinds.keys()].sort(), `${name} ${order}`).toEqual(safetyKinds(plain));
				expect(r.meddled, name).toBeGreaterThan(0);
			}
		}
	});

	it('small random scenarios: the kinds, deadlocks included, of the plain search', () => {
		let meddled = 0;
		fc.assert(
			fc.property(symmetricScenario, fc.integer({min: 1, max: 1000}), (s, seed) => {
				const model = modelFromSource('rnd.race', source(s));
				const plain = explore(model, {reduce: false, merge: false, symmetry: false, minimise: false, maxStates: 200_000});
				const r = twoWorkers(model, seed, seed % 2 ? 'bfs' : 'dfs');
				expect([...r.kinds.keys()].sort()).toEqual(safetyKinds(plain));
				meddled += r.meddled;
			}),
			{numRuns: 120, seed: 20261201},
		);
		expect(meddled).toBeGreaterThan(100);
	}, 120_000);
});
