// The visited set of the exhaustive search: 64-bit state keys (two 32-bit
// lanes, see fasthash.ts) mapped to a number, in an open-addressing table over
// typed arrays. No string per state, no Map entry objects: 12 bytes a slot
// (16 with more than 7 CPUs), at most three quarters full, nothing for the
// garbage collector to trace.
//
// What it costs at its largest is what a large search's RSS is made of, so:
// - It grows by half, not by double: a key's first slot is its mixed hash
//   scaled to the capacity, which need not be a power of two, so a table ends
//   at most half as large again as three quarters of its keys need.
// - It is 16 tables (by the hash's top 4 bits) that grow one at a time, each
//   freeing its old arrays as soon as they are copied (a resizable buffer,
//   resized to nothing): while a table grows only a sixteenth of it is there
//   twice, where the whole old table used to wait for a full garbage
//   collection beside the new one.
// At devdax-unbind gups=3 pages=2 walkers=2 (1.9 M states): 31 MB at the end
// and ~34 MB while growing, instead of 48 and 72.

/** The capacity a table grows to. */
const grown = (cap: number): number => Math.ceil(cap * 1.5);

const SEGMENTS = 16;

/** A typed array whose memory can be given back at once (resize(0)), where Node has resizable buffers. */
function buffer(bytes: number): ArrayBuffer {
	try {
		return new (ArrayBuffer as unknown as new (n: number, o: {maxByteLength: number}) => ArrayBuffer)(bytes, {maxByteLength: bytes});
	} catch {
		return new ArrayBuffer(bytes);
	}
}

function release(a: Int32Array | Float64Array): void {
	(a.buffer as ArrayBuffer & {resize?: (n: number) => void}).resize?.(0);
}

export class KeyTable {
	private readonly keys: Int32Array[] = [];
	/** Value + 1 (0: an empty slot); 32-bit unless values may need more (`wide`). */
	private readonly vals: (Int32Array | Float64Array)[] = [];
	private readonly caps: number[] = [];
	private readonly fill: number[] = [];
	/** The segment of the last slot() (so that slot() allocates nothing). */
	private seg = 0;
	size = 0;

	/** `wide`: values may reach 2^31 (sleep-set words of more than 7 CPUs). */
	constructor(
		capacity = 1 << 12,
		private readonly wide = true,
	) {
		const per = Math.max(16, Math.ceil(capacity / SEGMENTS));
		for (let s = 0; s < SEGMENTS; s++) {
			this.caps.push(per);
			this.fill.push(0);
			this.keys.push(new Int32Array(buffer(8 * per)));
			this.vals.push(wide ? new Float64Array(buffer(8 * per)) : new Int32Array(buffer(4 * per)));
		}
	}

	private slot(a: number, b: number): number {
		const h = Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0;
		// the mixed hash's top bits (the best mixed): 4 pick the segment, the next 28 scaled to [0, cap) its first slot
		const s = h >>> 28;
		this.seg = s;
		const keys = this.keys[s]!;
		const vals = this.vals[s]!;
		const cap = this.caps[s]!;
		let i = Math.floor((((h << 4) >>> 0) / 4294967296) * cap);
		for (;;) {
			if (vals[i] === 0) return i;
			if (keys[2 * i] === a && keys[2 * i + 1] === b) return i;
			if (++i === cap) i = 0;
		}
	}

	/** The value stored under (a, b), or -1 (values are never negative). */
	get(a: number, b: number, _key?: unknown): number {
		const i = this.slot(a, b);
		return this.vals[this.seg]![i]! - 1;
	}

	has(a: number, b: number, _key?: unknown): boolean {
		const i = this.slot(a, b);
		return this.vals[this.seg]![i] !== 0;
	}

	set(a: number, b: number, v: number, _key?: unknown): void {
		const i = this.slot(a, b);
		const s = this.seg;
		const vals = this.vals[s]!;
		if (vals[i] === 0) {
			const keys = this.keys[s]!;
			keys[2 * i] = a;
			keys[2 * i + 1] = b;
			this.size++;
			vals[i] = v + 1;
			// Linear probing stays short up to three quarters full.
			if (++this.fill[s]! * 4 > this.caps[s]! * 3) this.grow(s);
			return;
		}
		vals[i] = v + 1;
	}

	insert(a: number, b: number, v: number, _key?: unknown): number {
		const i = this.slot(a, b);
		const old = this.vals[this.seg]![i]!;
		if (old !== 0) return old - 1;
		this.set(a, b, v);
		return -1;
	}

	cas(a: number, b: number, old: number, v: number, _key?: unknown): boolean {
		if (this.get(a, b) !== old) return false;
		this.set(a, b, v);
		return true;
	}

	enter(): void {}
	leave(): void {}

	/** Slots (for the tests and the bench). */
	get capacity(): number {
		return this.caps.reduce((a, c) => a + c, 0);
	}

	private grow(s: number): void {
		const keys = this.keys[s]!;
		const vals = this.vals[s]!;
		const cap = grown(this.caps[s]!);
		const nk = new Int32Array(buffer(8 * cap));
		const nv = this.wide ? new Float64Array(buffer(8 * cap)) : new Int32Array(buffer(4 * cap));
		this.keys[s] = nk;
		this.vals[s] = nv;
		this.caps[s] = cap;
		for (let i = 0; i < vals.length; i++) {
			const v = vals[i]!;
			if (v === 0) continue;
			const a = keys[2 * i]!;
			const b = keys[2 * i + 1]!;
			const j = this.slot(a, b);
			nk[2 * j] = a;
			nk[2 * j + 1] = b;
			nv[j] = v;
		}
		release(keys);
		release(vals);
	}
}

/** What `--exact` keys a state by (explore/exact-table.ts): its packed state vector, or its canonical text beyond the layout's bounds. */
export type ExactKey = Uint8Array | string;

/**
 * The visited sets' common interface: the 64-bit key, and the full state in
 * exact mode. `insert` and `cas` are the read-modify-writes the search makes,
 * so a table shared by worker threads (sharedtable.ts) can make them atomic;
 * `enter`/`leave` bracket each expansion (the shared table grows between).
 */
export type Visited = {
	readonly size: number;
	get(a: number, b: number, key: ExactKey | null): number;
	has(a: number, b: number, key: ExactKey | null): boolean;
	/** Store v unless the key has a value: -1 if stored, else the value found. */
	insert(a: number, b: number, v: number, key: ExactKey | null): number;
	/** Replace the value if it is still `old`. */
	cas(a: number, b: number, old: number, v: number, key: ExactKey | null): boolean;
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
