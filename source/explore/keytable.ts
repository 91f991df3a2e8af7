// The visited set of the exhaustive search: 64-bit state keys (two 32-bit
// lanes, see fasthash.ts) mapped to a number, in an open-addressing table over
// typed arrays. No string per state, no Map entry objects: a million states
// cost 16 MB and nothing for the garbage collector to trace.

export class KeyTable {
	private keys: Int32Array;
	private vals: Float64Array;
	private mask: number;
	size = 0;

	constructor(capacity = 1 << 12) {
		this.keys = new Int32Array(2 * capacity);
		this.vals = new Float64Array(capacity).fill(Number.NaN);
		this.mask = capacity - 1;
	}

	private slot(a: number, b: number): number {
		const keys = this.keys;
		const vals = this.vals;
		let i = (Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) & this.mask;
		for (;;) {
			if (Number.isNaN(vals[i]!)) return i;
			if (keys[2 * i] === a && keys[2 * i + 1] === b) return i;
			i = (i + 1) & this.mask;
		}
	}

	/** The value stored under (a, b), or -1 (values are never negative). */
	get(a: number, b: number, _key?: string | null): number {
		const v = this.vals[this.slot(a, b)]!;
		return Number.isNaN(v) ? -1 : v;
	}

	has(a: number, b: number, _key?: string | null): boolean {
		return !Number.isNaN(this.vals[this.slot(a, b)]!);
	}

	set(a: number, b: number, v: number, _key?: string | null): void {
		const i = this.slot(a, b);
		if (Number.isNaN(this.vals[i]!)) {
			this.keys[2 * i] = a;
			this.keys[2 * i + 1] = b;
			this.size++;
			this.vals[i] = v;
			if (this.size * 2 > this.mask) this.grow();
			return;
		}
		this.vals[i] = v;
	}

	private grow(): void {
		const keys = this.keys;
		const vals = this.vals;
		const cap = 2 * (this.mask + 1);
		this.keys = new Int32Array(2 * cap);
		this.vals = new Float64Array(cap).fill(Number.NaN);
		this.mask = cap - 1;
		for (let i = 0; i < vals.length; i++) {
			const v = vals[i]!;
			if (Number.isNaN(v)) continue;
			const j = this.slot(keys[2 * i]!, keys[2 * i + 1]!);
			this.keys[2 * j] = keys[2 * i]!;
			this.keys[2 * j + 1] = keys[2 * i + 1]!;
			this.vals[j] = v;
		}
	}
}

/**
 * The visited set of `--exact`: every state stored in full (the canonical
 * text of machine/hash.ts), so no two states can be taken for one. Several
 * times the memory of the fingerprint table.
 */
export class ExactTable {
	private readonly map = new Map<string, number>();
	get size(): number {
		return this.map.size;
	}
	get(_a: number, _b: number, key: string | null): number {
		return this.map.get(key!) ?? -1;
	}
	has(_a: number, _b: number, key: string | null): boolean {
		return this.map.has(key!);
	}
	set(_a: number, _b: number, v: number, key: string | null): void {
		this.map.set(key!, v);
	}
}

/** The visited sets' common interface: the 64-bit key, and the full text in exact mode. */
export type Visited = {
	readonly size: number;
	get(a: number, b: number, key: string | null): number;
	has(a: number, b: number, key: string | null): boolean;
	set(a: number, b: number, v: number, key: string | null): void;
};

/** Chance that hash compaction omitted at least one of n states (64-bit keys): at most n(n-1)/2^65. */
export function omissionChance(n: number): number {
	return (n * (n - 1)) / 2 ** 65;
}
