// The fuzz suites (test/fuzz/*.test.ts): seeded fast-check runs over the cases
// of cases.ts. CI runs the default size; `npm run fuzz` (FUZZ_SCALE=10) ten
// times more; FUZZ_SEED picks another seed. A failure prints the seed of the
// case and its text, so `FUZZ_SEED=... npx vitest run test/fuzz` replays it.

import fc from 'fast-check';
import {expect, it} from 'vitest';
import {FuzzFailure, goodRecordings, recordingCase, runRecordingCase, runScenarioCase, scenarioCase, type Outcome} from './cases.js';

export const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? 1));
export const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** Steps of each compiled scenario: the per-case budget that turns a CPU looping for ever into a bounded case. */
export const STEPS = 300;
const CHUNK = 12_500;
/** One scenario in this many is also rendered (trace, diagram, report, the TUI's frames). */
const RENDER_EVERY = 20;

function describeFailure(what: string, seed: number, text: string, err: unknown): Error {
	const e = err instanceof Error ? err : new Error(String(err));
	const kind = e instanceof FuzzFailure ? 'check failed' : `threw ${e.constructor.name}, not one of racewalk's error types`;
	return new Error(`${what} case ${seed}: ${kind}: ${e.message}\n${e.stack ?? ''}\n--- text ---\n${JSON.stringify(text)}`);
}

/** `count` scenario cases, seeds from `part`'s share of the run, in chunks (each its own test). */
export function scenarioFuzz(count: number, part: number): void {
	const chunks = Math.ceil(count / CHUNK);
	for (let k = 0; k < chunks; k++) {
		const n = Math.min(CHUNK, count - k * CHUNK);
		it(`scenario texts ${k * CHUNK + 1}-${k * CHUNK + n} (seed ${SEED}, part ${part})`, () => {
			const stages: Record<Outcome['stage'], number> = {parse: 0, compile: 0, run: 0};
			let steps = 0;
			fc.assert(
				fc.property(fc.integer({min: 0, max: 2 ** 31 - 1}), seed => {
					const c = scenarioCase(seed);
					let o: Outcome;
					try {
						o = runScenarioCase(c, STEPS, RENDER_EVERY);
					} catch (err) {
						throw describeFailure('scenario', seed, c.text, err);
					}
					stages[o.stage]++;
					steps += o.steps;
				}),
				{seed: SEED + part * 1_000_003 + k, numRuns: n, endOnFailure: true},
			);
			// the mix must keep reaching the compiler and the interpreter, or the fuzzer tests only the parser
			expect(stages.compile + stages.run).toBeGreaterThan(n * 0.35);
			expect(stages.run).toBeGreaterThan(n * 0.15);
			expect(steps).toBeGreaterThan(stages.run * 20);
		}, 600_000);
	}
}

export function recordingFuzz(count: number): void {
	const goods = goodRecordings(28);
	const chunks = Math.ceil(count / CHUNK);
	for (let k = 0; k < chunks; k++) {
		const n = Math.min(CHUNK, count - k * CHUNK);
		it(`mutated recordings ${k * CHUNK + 1}-${k * CHUNK + n} (seed ${SEED})`, () => {
			const seen = {loaded: 0, refused: 0};
			fc.assert(
				fc.property(fc.integer({min: 0, max: 2 ** 31 - 1}), seed => {
					const text = recordingCase(seed, goods);
					try {
						seen[runRecordingCase(text)]++;
					} catch (err) {
						throw describeFailure('recording', seed, text, err);
					}
				}),
				{seed: SEED + 7 + k, numRuns: n, endOnFailure: true},
			);
			// some mutations must pass every check (a note, a name edited) or the loader's deep paths go untested
			expect(seen.loaded).toBeGreaterThan(0);
			expect(seen.refused).toBeGreaterThan(n * 0.5);
		}, 600_000);
	}
}
