// Stage 1 of the compiled state vector (docs/state-vector.md): on every
// state step() reaches in every built-in, variant and worked example (and
// in random small scenarios), the layout holds the state: decode(encode(m))
// is m key for key (violations aside, which are not state), with the same
// Model.hash; machines equal by Model.hash give one vector, different ones
// different vectors; and no two different vectors met share a fingerprint
// (evidence for the 64-bit vector hash, not a proof). This is what proves
// the layout's bounds (machine/layout.ts, lang/bounds.ts) on the real
// scenarios: a state beyond one fails encode.

import {readdirSync} from 'node:fs';
import {isDeepStrictEqual} from 'node:util';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {layoutOf} from '../source/lang/bounds.js';
import type {Model} from '../source/lang/interpreter.js';
import {builtinNames, loadModel, loadScenario, modelFromSource} from '../source/lang/load.js';
import {LayoutBoundError} from '../source/machine/codec.js';
import {hashMachine} from '../source/machine/hash.js';
import {decode, encode} from '../source/machine/layout.js';
import type {Layout} from '../source/machine/layout.js';
import type {Machine} from '../source/machine/types.js';
import {fingerprintHex, rehash, vectorHash} from '../source/machine/vector-hash.js';
import {source, symmetricScenario} from './helpers/random-scenario.js';

type Walk = {states: number; complete: boolean; vectors: number};

const vecKey = (v: Int32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** Breadth-first over step() (every enabled transition), up to `limit` states, checking each state and each successor met. */
function walk(model: Model, layout: Layout, limit: number): Walk {
	const byHash = new Map<string, string>();
	const byFingerprint = new Map<string, string>();
	const check = (m: Machine): string => {
		const h = hashMachine(m);
		const v = encode(layout, m);
		const k = vecKey(v);
		const known = byHash.get(h);
		if (known !== undefined) {
			// equal machines, reached again: the same vector
			expect(k, `a state met twice (hash ${h}) gave two vectors`).toBe(known);
			return h;
		}
		const d = decode(layout, v);
		if (!isDeepStrictEqual(d, {...m, violations: []})) expect(d).toStrictEqual({...m, violations: []});
		expect(hashMachine(d)).toBe(h);
		const f = fingerprintHex(vectorHash(v));
		const other = byFingerprint.get(f);
		expect(other === undefined || other === k, `two vectors share the fingerprint ${f}`).toBe(true);
		byFingerprint.set(f, k);
		byHash.set(h, k);
		return h;
	};
	const queue: Machine[] = [model.initial];
	check(model.initial);
	for (let i = 0; i < queue.length; i++) {
		for (const t of model.enabled(queue[i]!)) {
			const next = model.step(queue[i]!, t).state;
			const h = hashMachine(next);
			const seen = byHash.has(h);
			check(next);
			if (!seen && queue.length < limit) queue.push(next);
		}
	}
	// different machines, different vectors: one vector per hash
	expect(new Set(byHash.values()).size).toBe(byHash.size);
	return {states: byHash.size, complete: queue.length < limit, vectors: byHash.size};
}

function layoutShape(layout: Layout, model: Model): void {
	expect(layout.slots.length).toBe(layout.length);
	const end = layout.regions.reduce((at, r) => (expect(r.offset).toBe(at), at + r.width), 0);
	expect(end).toBe(layout.length);
	for (const group of model.program.symmetry) {
		const slices = group.map(c => layout.cpuSlices[c]!).sort((a, b) => a.offset - b.offset);
		for (const s of slices) expect(s.width, 'replicas have equal slices').toBe(slices[0]!.width);
		for (let i = 1; i < slices.length; i++) expect(slices[i]!.offset, 'replicas are adjacent').toBe(slices[i - 1]!.offset + slices[i - 1]!.width);
		// and the same slot kinds at the same places of their slices
		const kinds = (r: {offset: number; width: number}): string => layout.slots.slice(r.offset, r.offset + r.width).map(s => s.kind).join();
		for (const s of slices) expect(kinds(s)).toBe(kinds(slices[0]!));
	}
	for (const i of layout.cpuSlots) expect(layout.slots[i]!.kind).toBe('cpu');
	for (const b of layout.bounds) if (b.basis === 'assumed') expect(b.reason, `${b.what}: an assumed bound says why`).not.toBe('');
}

const cases: {name: string; variant: string | null; set?: Record<string, string>}[] = [
	...builtinNames().flatMap(name => [{name, variant: null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))]),
	...readdirSync('scenarios/examples').flatMap(f => {
		const name = `scenarios/examples/${f}`;
		return [{name, variant: null}, ...loadScenario(name).ast.variants.map(v => ({name, variant: v.name}))];
	}),
	{name: 'devdax-unbind', variant: null, set: {gups: '2', pages: '2', walkers: '2'}},
	// lock_order(on): the recorded lock orders are state too
	{name: 'test/scenarios/lock-abba-on.race', variant: null},
];

describe('the state layout holds every reachable state (docs/state-vector.md, stage 1)', () => {
	for (const c of cases) {
		it(`${c.name.replace(/^.*\//, '')}/${c.variant ?? 'base'}${c.set ? ' scaled' : ''}`, () => {
			const model = loadModel(c.name, {variant: c.variant, set: c.set});
			const layout = layoutOf(model.program);
			layoutShape(layout, model);
			const w = walk(model, layout, c.set ? 2000 : 5000);
			expect(w.states).toBeGreaterThan(10);
			// every built-in and example but the scaled row is walked to its end
			if (!c.set) expect(w.complete).toBe(true);
		});
	}

	it('random small scenarios (fast-check): every state step() reaches', () => {
		fc.assert(
			fc.property(symmetricScenario, s => {
				const model = modelFromSource('rnd.race', source(s));
				const layout = layoutOf(model.program);
				layoutShape(layout, model);
				walk(model, layout, 400);
			}),
			{numRuns: 25, seed: 90210},
		);
	});
});

describe('the layout refuses what it cannot hold, and the vector hash', () => {
	const model = loadModel('devdax-unbind');
	const layout = layoutOf(model.program);

	it('a TLB entry for a va the layout does not hold, a local it does not know, a fourth RCU callback: LayoutBoundError', () => {
		const m = structuredClone(model.initial) as Machine;
		m.cpus[0]!.tlb[0x5000_0000] = {pfn: 1, write: false};
		expect(() => encode(layout, m)).toThrow(LayoutBoundError);
		const m2 = structuredClone(model.initial) as Machine;
		m2.cpus[1]!.locals['no_such_local'] = 1;
		expect(() => encode(layout, m2)).toThrow(/locals/);
		const m3 = structuredClone(model.initial) as Machine;
		m3.rcu = Array.from({length: 100}, () => ({kind: 'ref-switch-atomic', pgmap: 'pmem0', readers: []}));
		expect(() => encode(layout, m3)).toThrow(/RCU callbacks/);
		// a machine field no region encodes (a new kind of state the layout was not taught): refused, never dropped
		const m5 = structuredClone(model.initial) as Machine & {newField?: number};
		m5.newField = 1;
		expect(() => encode(layout, m5)).toThrow(/a machine field 'newField'/);
		const m4 = structuredClone(model.initial) as Machine;
		m4.settings = {...m4.settings, flush: m4.settings.flush === 'ipi' ? 'broadcast' : 'ipi'};
		expect(() => encode(layout, m4)).toThrow(/settings/);
	});

	it('a write of one slot changes the fingerprint by one term per lane', () => {
		const v = encode(layout, model.initial);
		const h = vectorHash(v);
		fc.assert(
			fc.property(fc.nat(v.length - 1), fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1}), (i, x) => {
				const w = v.slice();
				w[i] = x;
				const full = vectorHash(w);
				expect(rehash(h, i, v[i]!, x)).toEqual(full);
				if (x !== v[i]) expect(fingerprintHex(full)).not.toBe(fingerprintHex(h));
			}),
			{numRuns: 500, seed: 7},
		);
	});

	it('the vector does not depend on the order a record was filled in', () => {
		const m = structuredClone(model.initial) as Machine;
		const reversed = {...m, memmap: Object.fromEntries(Object.entries(m.memmap).reverse()), locks: Object.fromEntries(Object.entries(m.locks).reverse())};
		expect(vecKey(encode(layout, reversed))).toBe(vecKey(encode(layout, m)));
	});
});
