// The visited set's table (explore/keytable.ts): what is stored is found, through every growth.

import {describe, expect, it} from 'vitest';
import {KeyTable} from '../source/explore/keytable.js';
import {mulberry32} from '../source/explore/random.js';

describe('KeyTable', () => {
	for (const wide of [false, true]) {
		it(`${wide ? 'wide' : '32-bit'} values: insert, get, has and cas agree with a Map through its growths (by half)`, () => {
			const t = new KeyTable(16, wide);
			const ref = new Map<string, number>();
			const rnd = mulberry32(wide ? 2 : 1);
			const key = (): [number, number] => [(rnd() * 2 ** 32) | 0, (rnd() * 2 ** 32) | 0];
			const keys: [number, number][] = [];
			// a few keys alike in one lane, so probing runs meet
			for (let i = 0; i < 20_000; i++) keys.push(i % 7 === 0 ? [12345, i] : key());
			const caps = new Set<number>();
			const wrong: string[] = [];
			keys.forEach(([a, b], i) => {
				const v = wide ? i * 2 ** 20 : i;
				const got = t.insert(a, b, v);
				if (got !== (ref.get(`${a},${b}`) ?? -1)) wrong.push(`insert #${i}: ${got}`);
				if (!ref.has(`${a},${b}`)) ref.set(`${a},${b}`, v);
				caps.add(t.capacity);
				// at most three quarters full, and (growing by half) never more than twice the slots it holds
				if (t.size * 4 > t.capacity * 3 || (t.size > 5000 && t.capacity > 2 * t.size + 512)) wrong.push(`${t.size} keys in ${t.capacity} slots`);
			});
			expect(wrong).toEqual([]);
			expect(caps.size).toBeGreaterThan(5);
			expect(t.size).toBe(ref.size);
			for (const [k, v] of ref) {
				const [a, b] = k.split(',').map(Number) as [number, number];
				expect(t.get(a, b)).toBe(v);
				expect(t.has(a, b)).toBe(true);
			}
			for (let i = 0; i < 1000; i++) {
				const [a, b] = key();
				if (!ref.has(`${a},${b}`)) expect([t.has(a, b), t.get(a, b)]).toEqual([false, -1]);
			}
			const [a, b] = keys[3]!;
			const v = t.get(a, b);
			expect(t.cas(a, b, v + 1, 7)).toBe(false);
			expect(t.cas(a, b, v, 7)).toBe(true);
			expect(t.get(a, b)).toBe(7);
		});
	}

});
