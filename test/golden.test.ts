// Golden traces: for every built-in scenario and variant, a safe schedule and
// the shortest violating schedule of every reachable kind, with the final
// state hash. Regenerate with `npm run golden` only after an intended
// change of the model, and say why in the commit.

import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {builtinNames, exampleNames, loadModel} from '../source/lang/load.js';
import {parseSchedule} from '../source/lang/schedule.js';
import {replaySteps} from '../source/render/trace.js';

type Golden = {
	scenario: string;
	variant: string | null;
	safe: {schedule: string; hash: string};
	violating: {kind: string; schedule: string; length: number; hash: string}[];
};

const goldens: Golden[] = JSON.parse(readFileSync(new URL('golden/traces.json', import.meta.url), 'utf8'));

describe('golden traces', () => {
	it('cover every built-in scenario, worked example and variant', () => {
		const want = [...builtinNames(), ...exampleNames()].flatMap(n => [null, ...loadModel(n).program.scenario.variants.map(v => v.name)].map(v => `${n}:${v}`));
		expect(goldens.map(g => `${g.scenario}:${g.variant}`).sort()).toEqual(want.sort());
	});

	for (const g of goldens) {
		const label = `${g.scenario}${g.variant ? ` (variant ${g.variant})` : ''}`;
		it(`${label}: the safe schedule reaches its state without violation`, () => {
			const model = loadModel(g.scenario, {variant: g.variant});
			const r = replaySteps(model, parseSchedule(g.safe.schedule));
			expect(r.error).toBeUndefined();
			expect(r.steps.flatMap(s => s.violations)).toEqual([]);
			expect(model.hash(r.final)).toBe(g.safe.hash);
		});
		for (const v of g.violating) {
			it(`${label}: ${v.kind} in ${v.length} steps`, () => {
				const model = loadModel(g.scenario, {variant: g.variant});
				const r = replaySteps(model, parseSchedule(v.schedule));
				expect(r.error).toBeUndefined();
				expect(r.steps).toHaveLength(v.length);
				expect(r.steps.at(-1)!.violations.map(x => x.kind)).toContain(v.kind);
				expect(r.steps.slice(0, -1).flatMap(s => s.violations).map(x => x.kind)).not.toContain(v.kind);
				expect(model.hash(r.final)).toBe(v.hash);
			});
		}
	}
});

describe('determinism', () => {
	it('the same scenario, params and schedule give the same states and hashes', () => {
		for (const g of goldens) {
			for (const v of g.violating) {
				const a = loadModel(g.scenario, {variant: g.variant});
				const b = loadModel(g.scenario, {variant: g.variant});
				const ra = replaySteps(a, parseSchedule(v.schedule));
				const rb = replaySteps(b, parseSchedule(v.schedule));
				expect(ra.steps.map(s => a.hash(s.after))).toEqual(rb.steps.map(s => b.hash(s.after)));
				expect(ra.final).toEqual(rb.final);
			}
		}
	});

	it('a step never changes the snapshot it started from', () => {
		const model = loadModel('fsdax-unbind-2021');
		const before = JSON.stringify(model.initial);
		const r = model.step(model.initial, {cpu: 1, irq: false});
		expect(JSON.stringify(model.initial)).toBe(before);
		expect(r.state).not.toBe(model.initial);
		expect(Object.isFrozen(r.state)).toBe(true);
	});
});
