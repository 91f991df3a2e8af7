// The visited set of the exhaustive search: 64-bit state keys (two 32-bit
// lanes, see fasthash.ts) mapped to a number, in an open-addressing table over
// typed arrays. No string per state, no Map entry objects: 12 bytes a slot
// (16 with more than 7 CPUs), at most three quarters full, nothing for the
// garbage collector to trace.
//
// It grows by half, not by double: the capacity need not be a power of two
// (a key's first slot is its mixed hash scaled to the capacity), so a table
// ends at most half as large again as three quarters of its states need, and
// the old and new arrays that live side by side while it grows are 2.5 times
// the old one, not 3 times: at devdax-unbind gups=3 pages=2 walkers=2 (1.9 M
// states) 31 MB at the end and 51 MB while growing, instead of 48 and 72.

/** The capacity a table grows to. */
const grown = (cap: number): number => Math.ceil(cap * 1.5);

export class KeyTable {
	private keys: Int32Array;
	/** Value + 1 (0: an empty slot); 32-bit unless values may need more (`wide`). */
	private vals: Int32Array | Float64Array;
	private cap: number;
	size = 0;

	/** `wide`: values may reach 2^31 (sleep-set words of more than 7 CPUs). */
	constructor(
		capacity = 1 << 12,
		private readonly wide = true,
	) {
		this.cap = Math.max(16, capacity);
		this.keys = new Int32Array(2 * this.cap);
		this.vals = wide ? new Float64Array(this.cap) : new Int32Array(this.cap);
	}

	private slot(a: number, b: number): number {
		const keys = this.keys;
		const vals = this.vals;
		const cap = this.cap;
		// the mixed hash's top bits (the best mixed), scaled to [0, cap): exact in a double
		let i = Math.floor(((Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) / 4294967296) * cap);
		for (;;) {
			if (vals[i] === 0) return i;
			if (keys[2 * i] === a && keys[2 * i + 1] === b) return i;
			if (++i === cap) i = 0;
		}
	}

	/** The value stored under (a, b), or -1 (values are never negative). */
	get(a: number, b: number, _key?: string | null): number {
		return this.vals[this.slot(a, b)]! - 1;
	}

	has(a: number, b: number, _key?: string | null): boolean {
		return this.vals[this.slot(a, b)] !== 0;
	}

	set(a: number, b: number, v: number, _key?: string | null): void {
		const i = this.slot(a, b);
		if (this.vals[i] === 0) {
			this.keys[2 * i] = a;
			this.keys[2 * i + 1] = b;
			this.size++;
			this.vals[i] = v + 1;
			// Linear probing stays short up to three quarters full.
			if (this.size * 4 > this.cap * 3) this.grow();
			return;
		}
		this.vals[i] = v + 1;
	}

	insert(a: number, b: number, v: number, _key?: string | null): number {
		const i = this.slot(a, b);
		if (this.vals[i] !== 0) return this.vals[i]! - 1;
		this.set(a, b, v);
		return -1;
	}

	cas(a: number, b: number, old: number, v: number, _key?: string | null): boolean {
		if (this.get(a, b) !== old) return false;
		this.set(a, b, v);
		return true;
	}

	enter(): void {}
	leave(): void {}

	/** Slots (for the tests and the bench). */
	get capacity(): number {
		return this.cap;
	}

	private grow(): void {
		const keys = this.keys;
		const vals = this.vals;
		const cap = grown(this.cap);
		this.keys = new Int32Array(2 * cap);
		this.vals = this.wide ? new Float64Array(cap) : new Int32Array(cap);
		this.cap = cap;
		for (let i = 0; i < vals.length; i++) {
			const v = vals[i]!;
			if (v === 0) continue;
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
	insert(_a: number, _b: number, v: number, key: string | null): number {
		const old = this.map.get(key!);
		if (old !== undefined) return old;
		this.map.set(key!, v);
		return -1;
	}
	cas(_a: number, _b: number, old: number, v: number, key: string | null): boolean {
		if (this.map.get(key!) !== old) return false;
		this.map.set(key!, v);
		return true;
	}
	enter(): void {}
	leave(): void {}
}

/**
 * The visited sets' common interface: the 64-bit key, and the full text in
 * exact mode. `insert` and `cas` are the read-modify-writes the search makes,
 * so a table shared by worker threads (sharedtable.ts) can make them atomic;
 * `enter`/`leave` bracket each expansion (the shared table grows between).
 */
export type Visited = {
	readonly size: number;
	get(a: number, b: number, key: string | null): number;
	has(a: number, b: number, key: string | null): boolean;
	/** Store v unless the key has a value: -1 if stored, else the value found. */
	insert(a: number, b: number, v: number, key: string | null): number;
	/** Replace the value if it is still `old`. */
	cas(a: number, b: number, old: number, v: number, key: string | null): boolean;
	enter(): void;
	leave(): void;
};

/** A visited set several searches share (explore --jobs, sharedtable.ts): with the counter they draw roots from and the flag that stops them all. */
export type SharedVisited = Visited & {
	takeRoot(): number;
	stop(why: 'first-violation' | 'max-states'): void;
	readonly stopped: 'first-violation' | 'max-states' | null;
};

/** Chance that hash compaction omitted at least one of n states (64-bit keys): at most n(n-1)/2^65. */
export function omissionChance(n: number): number {
	return (n * (n - 1)) / 2 ** 65;
}
