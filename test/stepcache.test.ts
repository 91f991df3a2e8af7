// One explore's phases take each step once (explore/stepcache.ts): the kept
// step is the step, so every result is the one of phases that step on their own.

import {describe, expect, it} from 'vitest';
import {cloneMachine, explore, type ExploreResult} from '../source/explore/index.js';
import {sharedKey} from '../source/explore/fasthash.js';
import {StepCache} from '../source/explore/stepcache.js';
import {mulberry32} from '../source/explore/random.js';
import {transitionOf} from '../source/explore/types.js';
import {builtinNames, exampleNames, loadModel, loadScenario} from '../source/lang/load.js';
import {formatSchedule} from '../source/lang/schedule.js';

const withVariants = (names: string[]): {name: string; variant: string | null}[] =>
	names.flatMap(name => [{name, variant: null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]);

/** Everything explore prints of a result but its timings. */
function printed(r: ExploreResult) {
	const {timeMs: _t, statesPerSec: _s, ...stats} = r.stats;
	return {
		stats,
		complete: r.complete,
		livenessComplete: r.livenessComplete,
		stoppedBy: r.stoppedBy,
		kinds: [...r.kinds.values()].map(f => ({kind: f.kind, schedule: formatSchedule(f.schedule), switches: f.switches, minimal: f.minimal, violation: f.violation})),
		livelocks: r.livelocks.map(l => ({prefix: formatSchedule(l.prefix), loop: formatSchedule(l.loop), moving: l.moving, sccStates: l.sccStates, message: l.violation.message})),
	};
}

describe('shared steps give what the phases give alone', () => {
	const rows = [...withVariants([...builtinNames(), ...exampleNames()]).map(c => ({...c, set: {} as Record<string, string>})), {name: 'devdax-unbind', variant: null, set: {gups: '2', pages: '1', walkers: '1'}}];
	for (const c of rows) {
		it(`${c.name}/${c.variant ?? 'base'}${Object.keys(c.set).length ? ` ${JSON.stringify(c.set)}` : ''}: kinds, shortest schedules, lassos and statistics`, () => {
			const model = loadModel(c.name, {variant: c.variant, set: c.set});
			const alone = explore(model, {liveness: true, shareSteps: false});
			const shared = explore(model, {liveness: true});
			expect(printed(shared)).toEqual(printed(alone));
		});
	}

	it('dfs, without reduction and without merged steps too', () => {
		for (const name of ['xfs-pre-remove', 'fsdax-unbind-2021-noref']) {
			const model = loadModel(name);
			for (const opts of [{strategy: 'dfs' as const}, {reduce: false}, {merge: false}, {liveness: false}]) {
				const o = {liveness: true, ...opts};
				expect(printed(explore(model, o)), `${name} ${JSON.stringify(opts)}`).toEqual(printed(explore(model, {...o, shareSteps: false})));
			}
		}
	});
});

describe('StepCache', () => {
	const model = loadModel('xfs-pre-remove');
	const T = 2 * model.cpuCount;

	it('a kept step is the model step, taken once; a merged step of one statement serves as the single step', () => {
		const cache = new StepCache(model);
		const rnd = mulberry32(7);
		let singles = 0;
		for (let run = 0; run < 10; run++) {
			let m = cloneMachine(model.initial, true);
			for (let k = 0; k < 40; k++) {
				const en = model.enabledMask(m);
				const tids = [...Array(T).keys()].filter(t => en & (1 << t));
				if (!tids.length) break;
				const tid = tids[Math.floor(rnd() * tids.length)]!;
				sharedKey(m);
				const merged = cache.stepMerged(m, tid, true);
				const ref = model.stepMerged(m, transitionOf(tid), true);
				expect(sharedKey(merged.state)).toBe(sharedKey(ref.state));
				expect(merged.violations.map(v => v.message)).toEqual(ref.violations.map(v => v.message));
				expect([merged.progress, merged.count]).toEqual([ref.progress, ref.count]);
				expect(merged.footprint).toEqual(ref.footprint);
				expect(cache.stepMerged(m, tid, false)).toBe(merged);
				const single = cache.stepShared(m, tid, false);
				if (merged.count === 1) {
					expect(single).toBe(merged);
					singles++;
				} else {
					const one = model.stepShared(m, transitionOf(tid), false);
					expect(sharedKey(single.state)).toBe(sharedKey(one.state));
					expect(single.count).toBe(1);
				}
				m = merged.state;
			}
		}
		expect(singles).toBeGreaterThan(0);
		expect(cache.hits).toBeGreaterThan(0);
	});

	it('a step kept without its footprint is taken again when one is asked for', () => {
		const cache = new StepCache(model);
		const m = cloneMachine(model.initial, true);
		sharedKey(m);
		const bare = cache.stepMerged(m, 2, false);
		expect(bare.footprint).toBeNull();
		const full = cache.stepMerged(m, 2, true);
		expect(full).not.toBe(bare);
		expect(full.footprint).toEqual(model.stepMerged(m, transitionOf(2), true).footprint);
		expect(cache.stepMerged(m, 2, true)).toBe(full);
	});

	it('sealed, it serves what it kept and keeps nothing more', () => {
		const cache = new StepCache(model);
		const m = cloneMachine(model.initial, true);
		sharedKey(m);
		const kept = cache.stepMerged(m, 2, false);
		cache.seal();
		expect(cache.stepMerged(m, 2, false)).toBe(kept);
		const next = cache.stepMerged(kept.state, 2, false);
		expect(cache.size).toBe(1);
		expect(cache.stepMerged(kept.state, 2, false)).not.toBe(next);
	});

	it('past its limit it keeps nothing and still steps', () => {
		const cache = new StepCache(model, 3);
		let m = cloneMachine(model.initial, true);
		for (let k = 0; k < 5; k++) {
			sharedKey(m);
			const tid = Math.clz32(1) - Math.clz32(model.enabledMask(m) & -model.enabledMask(m));
			const s = cache.stepMerged(m, tid, false);
			expect(sharedKey(s.state)).toBe(sharedKey(model.stepMerged(m, transitionOf(tid), false).state));
			expect(cache.size).toBe(k < 3 ? k + 1 : 0);
			m = s.state;
		}
		const start = cloneMachine(model.initial, true);
		const again = cache.stepMerged(start, 2, false);
		expect(cache.stepMerged(start, 2, false)).not.toBe(again);
	});
});
