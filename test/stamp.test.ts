import {describe, expect, it} from 'vitest';
import {sharedHash} from '../source/explore/fasthash.js';
import {copyObject, stampOf} from '../source/machine/stamp.js';

/** A stamped object (hashed by the search) and a plain twin of it. */
function stamped<T extends object>(make: () => T): [T, T] {
	const o = make();
	sharedHash(o);
	expect(stampOf(o)).toBeDefined();
	return [o, make()];
}

describe('copyObject copies a stamped object as spread does', () => {
	const cases: [string, () => object][] = [
		['a CPU-like struct', () => ({id: 1, pc: 3, locals: {a: 1}, irqsOn: true, wait: null, tlb: {}})],
		['locals of inlined helpers and irq handlers', () => ({'fn.x': 1, $t: 2, _y: null, 'irq.z': {t: 'page', pfn: 256}})],
		['a record keyed by pfns (spread)', () => ({256: {refcount: 1}, 257: {refcount: 0}})],
		['names mixed with a number (spread)', () => ({a: 1, 7: 2, b: 3})],
		['a lock name with a colon (spread)', () => ({'ptl:T3': {owner: 0}, mmap_lock: {owner: null}})],
		['an own __proto__ key (spread)', () => JSON.parse('{"a": 1, "__proto__": {"x": 1}, "b": 2}') as object],
		['nothing', () => ({})],
	];
	for (const [what, make] of cases) {
		it(what, () => {
			const [o, twin] = stamped(make);
			for (let i = 0; i < 3; i++) {
				// the first copy finds the shape, the next ones reuse it
				const c = copyObject(o);
				expect(c).not.toBe(o);
				expect(Object.keys(c)).toEqual(Object.keys({...twin}));
				expect(c).toEqual({...twin});
				expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
				expect(Object.getOwnPropertyNames(c)).toEqual(Object.getOwnPropertyNames({...twin}));
				(c as Record<string, unknown>).extra = 1;
				expect(o).toEqual(twin);
			}
		});
	}

	it('two objects with the same keys in another order keep their own orders', () => {
		const [a] = stamped(() => ({x: 1, y: 2}));
		const [b] = stamped(() => ({y: 2, x: 1}));
		expect(Object.keys(copyObject(a))).toEqual(['x', 'y']);
		expect(Object.keys(copyObject(b))).toEqual(['y', 'x']);
	});

	it('an unstamped object is spread', () => {
		const o = {a: 1, b: {c: 2}};
		const c = copyObject(o);
		expect(c).toEqual(o);
		expect(c).not.toBe(o);
		expect(c.b).toBe(o.b);
	});
});
