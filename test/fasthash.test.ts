// The search's cached hashes: a successor's hash derived from its parent's
// (stampTree over what its copy-on-write step changed), and a renamed
// machine's derived from the original's (symmetry), are the hash of the
// content itself (stateKey, computed from scratch).

import {describe, expect, it} from 'vitest';
import {cloneMachine, mulberry32, sharedKey, stateKey} from '../source/explore/index.js';
import {lanes, sharedHash, stamped, stampDerived, stampTree} from '../source/explore/fasthash.js';
import {Symmetry} from '../source/explore/symmetry.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';
import {permuteMachine} from '../source/machine/permute.js';
import type {Machine} from '../source/machine/types.js';

const cases: {name: string; variant: string | null; set?: Record<string, string>}[] = [
	...builtinNames().flatMap(name => [{name, variant: null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]),
	{name: 'devdax-unbind', variant: null, set: {gups: '3', pages: '2', walkers: '2'}},
];

const hex = (a: number, b: number): string => (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');

describe('hashes derived from the parent state are the hashes of the content', () => {
	for (const c of cases) {
		it(`${c.name}/${c.variant ?? 'base'}${c.set ? ' scaled' : ''}: stepMerged, stepShared and the renamed representatives along random schedules`, () => {
			const model = loadModel(c.name, {variant: c.variant, set: c.set});
			const sym = model.program.symmetry.length ? new Symmetry(model.program.symmetry, model.cpuCount) : null;
			const rng = mulberry32(31337);
			let derived = 0;
			let renamed = 0;
			for (let run = 0; run < 12; run++) {
				let m: Machine = cloneMachine(model.initial, true);
				sharedHash(m);
				for (let i = 0; i < 150; i++) {
					const en = model.enabled(m);
					if (en.length === 0) break;
					const t = en[Math.floor(rng() * en.length)]!;
					const r = i % 3 === 0 ? model.stepShared(m, t, true) : model.stepMerged(m, t, true);
					stampTree(r.tree);
					// the result's root is derived from the parent's unless the stuck check replaced it
					if (r.tree.done === r.state && r.tree.copy !== null) {
						expect(stamped(r.state)).toBe(true);
						derived++;
					}
					expect(sharedKey(r.state)).toBe(stateKey(r.state));
					m = r.state;
					if (sym) {
						// the representative hashed without being built, and built
						const k = sym.key(m);
						const key = hex(lanes.a, lanes.b);
						const built = sym.key(m, true);
						expect(hex(lanes.a, lanes.b)).toBe(key);
						expect(built?.perm ?? null).toEqual(k?.perm ?? null);
						if (built) {
							renamed++;
							expect(k!.rep).toBe(null);
							expect(key).toBe(stateKey(built.rep!));
						} else expect(key).toBe(stateKey(m));
					}
				}
			}
			expect(derived).toBeGreaterThan(100);
			if (sym) expect(renamed).toBeGreaterThan(10);
		});
	}

	it('an object derived from another at some keys: written, added and deleted fields', () => {
		const base = {a: 1, b: {x: [1, 2]}, c: 'c', d: null};
		sharedHash(base);
		const copies: [object, string[]][] = [
			[{...base, a: 2}, ['a']],
			[{a: 1, b: base.b, c: 'c'}, ['d']],
			[{...base, e: {y: true}}, ['e']],
			[{...base}, ['a', 'c']],
			[{c: 'c', d: null, b: {x: [2, 1]}}, ['a', 'b']],
		];
		for (const [copy, keys] of copies) {
			stampDerived(copy, base, keys);
			expect(stamped(copy)).toBe(true);
			expect(sharedKey(copy)).toBe(stateKey(copy));
		}
		// a renamed machine: the fields permuteMachine replaces
		const model = loadModel('devdax-unbind', {set: {gups: '2', pages: '1', walkers: '1'}});
		const m = model.step(model.step(model.initial, {cpu: 0, irq: false}).state, {cpu: 1, irq: false}).state;
		sharedHash(m);
		const p = permuteMachine(m, [2, 1, 0, 3]);
		stampDerived(p, m, ['cpus', 'mmCpumask', 'rcu', 'locks', 'memmap']);
		expect(sharedKey(p)).toBe(stateKey(p));
	});
});
