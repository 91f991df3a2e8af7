// Partial-order reduction never loses a violation kind or a deadlock: over
// small random scenarios (one pgmap, one mapping, 2-3 CPUs with a few
// statements each), the reduced searches (bfs and dfs) find exactly the kinds
// the plain search finds, with violating states expanded or not.

import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import {REDUCTION_CONFIGS} from '../source/explore/types.js';
import {modelFromSource} from '../source/lang/load.js';

import {scenario, source, symmetricScenario} from './helpers/random-scenario.js';

const kindsOf = (r: ReturnType<typeof explore>) => [...r.kinds.keys()].sort();

describe('partial-order reduction is sound on random small scenarios', () => {
	it('reduced bfs and dfs find the same violation kinds (and deadlocks) as the plain search', () => {
		const seenKinds: string[] = [];
		let prunedRuns = 0;
		fc.assert(
			fc.property(scenario, fc.boolean(), (s, expandViolations) => {
				const model = modelFromSource('rnd.race', source(s));
				const plain = explore(model, {reduce: false, minimise: false, expandViolations, maxStates: 200_000});
				expect(plain.complete).toBe(true);
				const bfs = explore(model, {reduce: true, minimise: false, expandViolations});
				const dfs = explore(model, {strategy: 'dfs', reduce: true, minimise: false, expandViolations});
				expect(kindsOf(bfs)).toEqual(kindsOf(plain));
				expect(kindsOf(dfs)).toEqual(kindsOf(plain));
				expect(bfs.stats.states).toBeLessThanOrEqual(plain.stats.states);
				seenKinds.push(...kindsOf(plain));
				if (bfs.stats.pruned > 0) prunedRuns++;
				// Each reported schedule really ends in a step reporting its kind.
				for (const f of [...bfs.kinds.values(), ...dfs.kinds.values()]) {
					let m = model.initial;
					let last: string[] = [];
					for (const t of f.schedule) {
						const r = model.step(m, t);
						last = r.violations.map(v => v.kind);
						m = r.state;
					}
					expect(last).toContain(f.kind);
				}
			}),
			{numRuns: 300, seed: 20261124},
		);
		// The generator is worth something: it reaches several kinds, deadlocks among them, and the reduction bites.
		const distinct = new Set(seenKinds);
		expect(distinct.size).toBeGreaterThanOrEqual(4);
		expect([...distinct].some(k => k === 'deadlock' || k === 'hung-task')).toBe(true);
		expect(prunedRuns).toBeGreaterThan(100);
		console.log(`kinds reached: ${[...distinct].sort().join(', ')}; reduction pruned in ${prunedRuns} runs`);
	});

	it('minimised counterexamples are no longer than any the searches found', () => {
		fc.assert(
			fc.property(scenario, s => {
				const model = modelFromSource('rnd.race', source(s));
				const raw = explore(model, {strategy: 'dfs', minimise: false});
				const min = explore(model, {strategy: 'dfs', minimise: true});
				for (const [k, f] of raw.kinds) expect(min.kinds.get(k)!.schedule.length).toBeLessThanOrEqual(f.schedule.length);
			}),
			{numRuns: 25, seed: 7},
		);
	});
});

// Every reduction alone and all together against the plain search (one
// statement per transition, no POR, no symmetry): the same violation kinds,
// deadlocks and livelocks included, and the same shortest lengths in statements.
const CONFIGS = REDUCTION_CONFIGS;

const lengths = (r: ReturnType<typeof explore>) => Object.fromEntries([...r.kinds.values()].filter(f => f.kind !== 'livelock').map(f => [f.kind, f.schedule.length]));

describe('every reduction keeps the kinds and the shortest lengths (random small scenarios)', () => {
	it('POR, merged local steps, symmetry, alone and together', () => {
		const seen = new Set<string>();
		let symmetric = 0;
		let merged = 0;
		/** Symmetric scenarios whose livelock search stopped at the quotient, and ones with a livelock all the same. */
		let quotient = 0;
		let symmetricLivelock = 0;
		fc.assert(
			fc.property(symmetricScenario, s => {
				const model = modelFromSource('rnd.race', source(s));
				if (model.program.symmetry.length) symmetric++;
				const results = Object.fromEntries(Object.entries(CONFIGS).map(([name, c]) => [name, explore(model, {...c, liveness: true, maxStates: 200_000})]));
				// Depth-first, the livelock graph too (its lasso prefix minimised afterwards).
				results['all, dfs'] = explore(model, {strategy: 'dfs', liveness: true, maxStates: 200_000});
				const plain = results.plain!;
				expect(plain.complete).toBe(true);
				for (const [name, r] of Object.entries(results)) {
					expect(kindsOf(r), name).toEqual(kindsOf(plain));
					expect(lengths(r), name).toEqual(lengths(plain));
					expect(r.stats.states, name).toBeLessThanOrEqual(plain.stats.states);
					// Every schedule is in statements and replays with step() to its kind (a lasso: to a state it loops in).
					for (const f of r.kinds.values()) {
						if (f.kind === 'livelock') continue;
						let m = model.initial;
						let last: string[] = [];
						for (const t of f.schedule) {
							const x = model.step(m, t);
							last = x.violations.map(v => v.kind);
							m = x.state;
						}
						expect(last, `${name}: ${f.kind}`).toContain(f.kind);
					}
				}
				if (results.merge!.stats.states < plain.stats.states) merged++;
				if (results.all!.stats.livenessQuotient) quotient++;
				if (model.program.symmetry.length && plain.kinds.has('livelock')) symmetricLivelock++;
				for (const k of kindsOf(plain)) seen.add(k);
			}),
			{numRuns: 80, seed: 20261201},
		);
		expect(seen.has('livelock')).toBe(true);
		expect([...seen].some(k => k === 'deadlock' || k === 'hung-task')).toBe(true);
		expect(symmetric).toBeGreaterThan(30);
		expect(merged).toBeGreaterThan(50);
		// The quotient's cycle test is what both sides of its answer rest on.
		expect(quotient).toBeGreaterThan(10);
		expect(symmetricLivelock).toBeGreaterThan(3);
		console.log(`kinds reached: ${[...seen].sort().join(', ')}; symmetric scenarios ${symmetric} (${quotient} settled by the quotient, ${symmetricLivelock} with a livelock); merging cut states in ${merged}`);
	}, 240_000);
});
