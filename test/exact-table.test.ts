// The --exact visited set on state vectors (explore/exact-table.ts): the
// packing of a vector loses nothing, the table finds a state by its full
// vector (two states whose 64-bit keys collide stay two), a state beyond the
// layout's bounds is kept by its canonical text, and --exact finds what the
// fingerprint search finds on every built-in and variant.

import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import type {ExploreResult} from '../source/explore/index.js';
import {pack, unpack, VectorPacker, VectorTable} from '../source/explore/exact-table.js';
import {layoutOf} from '../source/lang/bounds.js';
import {sharedHash} from '../source/explore/fasthash.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';
import {encode} from '../source/machine/layout.js';
import type {Machine} from '../source/machine/types.js';

describe('the packing of a vector', () => {
	it('unpacks to the vector (zero runs, negative and large slots)', () => {
		fc.assert(
			fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1}), fc.integer({min: -3, max: 300})), {maxLength: 400}), xs => {
				const v = Int32Array.from(xs);
				const buf = new Uint8Array(5 * v.length + 8);
				const n = pack(v, buf);
				expect([...unpack(buf.subarray(0, n), v.length)]).toEqual([...v]);
			}),
			{numRuns: 300, seed: 11},
		);
	});

	it('a run of 200 zero slots takes 3 bytes', () => {
		const buf = new Uint8Array(1100);
		expect(pack(new Int32Array(200), buf)).toBe(3);
	});
});

describe('VectorTable', () => {
	const model = loadModel('devdax-unbind');
	const packer = new VectorPacker(layoutOf(model.program));

	it('keys by the whole vector: equal 64-bit keys with different vectors are two states', () => {
		const t = new VectorTable();
		const a = packer.key(model.initial);
		const m2 = structuredClone(model.initial) as Machine;
		m2.sigbus = true;
		const b = packer.key(m2);
		expect(t.insert(1, 2, 10, a)).toBe(-1);
		expect(t.insert(1, 2, 20, b)).toBe(-1);
		expect(t.insert(1, 2, 30, a)).toBe(10);
		expect(t.get(1, 2, b)).toBe(20);
		expect(t.cas(1, 2, 20, 21, b)).toBe(true);
		expect(t.cas(1, 2, 20, 22, b)).toBe(false);
		expect(t.get(1, 2, b)).toBe(21);
		expect(t.size).toBe(2);
	});

	it('grows: many states, each found again', () => {
		const t = new VectorTable();
		const keys: Uint8Array[] = [];
		for (let i = 0; i < 20000; i++) {
			const m = structuredClone(model.initial) as Machine;
			m.tlbFlushPending = i;
			const k = packer.key(m) as Uint8Array;
			keys.push(k);
			expect(t.insert(i * 7, i & 3, i, k)).toBe(-1);
		}
		for (let i = 0; i < keys.length; i++) expect(t.get(i * 7, i & 3, keys[i]!)).toBe(i);
		expect(t.size).toBe(20000);
		expect(t.bytes).toBeGreaterThan(0);
	});

	it('a state beyond the layout is kept by its canonical text, apart', () => {
		const m = structuredClone(model.initial) as Machine;
		m.cpus[0]!.tlb[0x5000_0000] = {pfn: 1, write: false};
		const k = packer.key(m);
		expect(typeof k).toBe('string');
		const t = new VectorTable();
		expect(t.insert(0, 0, 5, k)).toBe(-1);
		expect(t.insert(0, 0, 6, packer.key(model.initial))).toBe(-1);
		expect(t.get(0, 0, k)).toBe(5);
		expect(t.has(0, 0, packer.key(m))).toBe(true);
		expect(t.size).toBe(2);
	});
});

describe('VectorPacker keeps a region\'s packing on its object', () => {
	it('the keys of states sharing regions (stamped, as the search\'s are) read back as their vectors', () => {
		for (const [name, set] of [['devdax-unbind', {gups: '2'}], ['khugepaged-collapse', {}], ['broadcast-flush-rcu', {}]] as [string, Record<string, string>][]) {
			const model = loadModel(name, {set});
			const layout = layoutOf(model.program);
			const packer = new VectorPacker(layout);
			const fresh = (): VectorPacker => new VectorPacker(layout);
			// step() shares every object a step did not write with the state before (immer), as the search does
			const queue: Machine[] = [model.initial];
			let reused = 0;
			for (let i = 0; i < queue.length && i < 400; i++) {
				for (const t of model.enabled(queue[i]!)) {
					const next = model.step(queue[i]!, t).state;
					sharedHash(next);
					const k = packer.key(next) as Uint8Array;
					expect([...unpack(k, layout.length)], `${name}: a state's key`).toEqual([...encode(layout, next)]);
					// the same bytes as a packer that never saw a region of it
					expect(Buffer.from(k).equals(Buffer.from(fresh().key(next) as Uint8Array))).toBe(true);
					if (next.pt === queue[i]!.pt) reused++;
					queue.push(next);
				}
			}
			expect(reused, `${name}: states sharing their page tables with the state before`).toBeGreaterThan(100);
		}
	});

	it('an object not of a search (never hashed) is packed afresh: changing it changes its key', () => {
		const model = loadModel('devdax-unbind');
		const packer = new VectorPacker(layoutOf(model.program));
		const m = structuredClone(model.initial) as Machine;
		const a = packer.key(m) as Uint8Array;
		m.cpus[0]!.pc = 3;
		expect(Buffer.from(packer.key(m) as Uint8Array).equals(Buffer.from(a))).toBe(false);
	});
});

/** Every kind found, with its counterexample. */
const found = (r: ExploreResult): [string, string][] => [...r.kinds.values()].map(f => [f.kind, f.schedule.map(t => `${t.irq ? 'i' : ''}${t.cpu}`).join(' ')]);

describe('--exact finds what the fingerprint search finds', () => {
	for (const name of builtinNames())
		for (const variant of [null, ...loadScenario(name).ast.variants.map(v => v.name)])
			it(`${name}/${variant ?? 'base'}: states, kinds, counterexamples and livelocks`, () => {
				const model = loadModel(name, {variant});
				const fp = explore(model, {liveness: true});
				const ex = explore(model, {liveness: true, exact: true});
				expect(ex.stats.reductions.exact).toBe(true);
				expect(ex.stats.states).toBe(fp.stats.states);
				expect(ex.stats.transitions).toBe(fp.stats.transitions);
				expect(found(ex)).toEqual(found(fp));
				expect(ex.livelocks.map(l => [l.prefix.length, l.loop.length])).toEqual(fp.livelocks.map(l => [l.prefix.length, l.loop.length]));
			});
});
