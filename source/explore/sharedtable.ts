// The visited set that the worker threads of `explore --jobs N` share: the
// same 64-bit keys and values as keytable.ts, in one growable
// SharedArrayBuffer, so a state one worker stored is a state no other worker
// expands again (independent shards each keep their own set, and on a 2-core
// machine overlap almost completely: docs/performance.md).
//
// A slot is three int32 words: the key's two lanes and value + 1 (0: empty;
// CLAIMED: a worker is writing the key). A worker claims an empty slot with a
// compare-and-swap on the value word, writes the key, then publishes the
// value with a sequentially consistent store, so whoever loads a published
// value reads the key written before it. Values change only by
// compare-and-swap (`cas`): the search's read-modify-write of a sleep set
// (exhaustive.ts) retries on a lost race, so no update is lost.
//
// Growing: probing needs the capacity fixed, so the table grows with every
// worker stopped outside it. Workers bracket each batch of expansions (a few
// hundred, exhaustive.ts CHECK_EVERY) with enter() and leave(); at leave(),
// the first worker to see the table 70 % full raises GROWING, waits until no
// worker is inside, doubles the buffer, rehashes, and lowers the flag. A
// batch adds a few thousand keys at most, far below the 30 % left, so the
// table never fills. (Per batch, not per expansion: every atomic update of
// the control words moves their cache line between cores.)

const CLAIMED = -1;
const SLOT = 3;

/** Words of the control block. */
const SIZE = 0;
const CAPACITY = 1;
const GROWING = 2;
const ACTIVE = 3;
const NEXT_ROOT = 4;
const STOP = 5;
/** Set once the table is as large as it can be: no more growing, the search stops instead. */
const AT_LIMIT = 6;
/** The most slots the table may grow to. */
const MAX_SLOTS = 7;
const CONTROL_WORDS = 8;

/** 2^27 slots (1.5 GiB, ~94 M states at 70 %): below the 2 GiB a SharedArrayBuffer may hold. */
const LIMIT_SLOTS = 2 ** 27;

/** ES2024's growable SharedArrayBuffer (Node >= 20), not yet in the ES2022 lib this project compiles against. */
type Growable = SharedArrayBuffer & {grow(bytes: number): void};
const Growable = SharedArrayBuffer as unknown as new (bytes: number, opts: {maxByteLength: number}) => Growable;

/** What the workers are given (structured-cloned SharedArrayBuffers share their memory). */
export type SharedTableBuffers = {table: SharedArrayBuffer; control: SharedArrayBuffer};

/** A table of `initialSlots` slots (powers of two) that may grow to `maxSlots`. */
export function newSharedTable(initialSlots = 1 << 16, maxSlots = LIMIT_SLOTS): SharedTableBuffers {
	const table = new Growable(initialSlots * SLOT * 4, {maxByteLength: maxSlots * SLOT * 4});
	const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
	const ctl = new Int32Array(control);
	ctl[CAPACITY] = initialSlots;
	ctl[MAX_SLOTS] = maxSlots;
	return {table, control};
}

export class SharedKeyTable {
	private readonly ctl: Int32Array;
	private words: Int32Array;
	private mask: number;
	/** Keys this worker stored and has not yet added to SIZE (one shared counter bumped per insert would bounce between cores). */
	private pending = 0;
	/** The table may not grow any more (AT_LIMIT, read at enter()). */
	private atLimit = false;

	constructor(private readonly buffers: SharedTableBuffers) {
		this.ctl = new Int32Array(buffers.control);
		this.words = new Int32Array(buffers.table);
		this.mask = Atomics.load(this.ctl, CAPACITY) - 1;
	}

	/** States stored by every worker together (other workers' last few inserts may not be counted yet). */
	get size(): number {
		return Atomics.load(this.ctl, SIZE) + this.pending;
	}

	private flush(): void {
		Atomics.add(this.ctl, SIZE, this.pending);
		this.pending = 0;
	}

	/** The slot holding (a, b), or the empty slot where it would go (returned as -(i + 1)). */
	private find(a: number, b: number): number {
		const w = this.words;
		let i = (Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) & this.mask;
		for (;;) {
			let v = Atomics.load(w, SLOT * i + 2);
			if (v === 0) return -(i + 1);
			while (v === CLAIMED) v = Atomics.load(w, SLOT * i + 2);
			if (w[SLOT * i] === a && w[SLOT * i + 1] === b) return i;
			i = (i + 1) & this.mask;
		}
	}

	get(a: number, b: number, _key?: unknown): number {
		const i = this.find(a, b);
		return i < 0 ? -1 : Atomics.load(this.words, SLOT * i + 2) - 1;
	}

	has(a: number, b: number, _key?: unknown): boolean {
		return this.find(a, b) >= 0;
	}

	/**
	 * Store v under (a, b) unless a value is there: -1 if this call stored it, else the value found.
	 * A table at its size limit and 90 % full stores nothing more: it stops the search and answers
	 * 0 (seen, nothing asleep), so probing always meets an empty slot.
	 */
	insert(a: number, b: number, v: number, _key?: unknown): number {
		const w = this.words;
		for (;;) {
			const i = this.find(a, b);
			if (i >= 0) return Atomics.load(w, SLOT * i + 2) - 1;
			if (this.atLimit && this.size * 10 >= (this.mask + 1) * 9) {
				this.stop('max-states');
				return 0;
			}
			const at = SLOT * (-i - 1);
			if (Atomics.compareExchange(w, at + 2, 0, CLAIMED) !== 0) continue; // another worker took the slot: look again
			w[at] = a;
			w[at + 1] = b;
			Atomics.store(w, at + 2, v + 1);
			if (++this.pending === 64) this.flush();
			return -1;
		}
	}

	/** Replace the value of a stored key if it is still `old`. */
	cas(a: number, b: number, old: number, v: number, _key?: unknown): boolean {
		const i = this.find(a, b);
		if (i < 0) return false;
		return Atomics.compareExchange(this.words, SLOT * i + 2, old + 1, v + 1) === old + 1;
	}

	/** Before touching the table: wait while it grows. */
	enter(): void {
		const ctl = this.ctl;
		for (;;) {
			while (Atomics.load(ctl, GROWING) !== 0) Atomics.wait(ctl, GROWING, 1, 50);
			Atomics.add(ctl, ACTIVE, 1);
			if (Atomics.load(ctl, GROWING) === 0) break;
			Atomics.sub(ctl, ACTIVE, 1);
			Atomics.notify(ctl, ACTIVE);
		}
		const cap = Atomics.load(ctl, CAPACITY);
		this.atLimit = Atomics.load(ctl, AT_LIMIT) !== 0;
		if (cap - 1 !== this.mask) {
			this.words = new Int32Array(this.buffers.table);
			this.mask = cap - 1;
		}
	}

	/** After touching it: let a waiting grower in, and grow if it is 70 % full. */
	leave(): void {
		const ctl = this.ctl;
		this.flush();
		Atomics.sub(ctl, ACTIVE, 1);
		if (Atomics.load(ctl, GROWING) !== 0) {
			Atomics.notify(ctl, ACTIVE);
			return;
		}
		if (Atomics.load(ctl, SIZE) * 10 <= (this.mask + 1) * 7) return;
		// At the size limit (2^27 slots, ~94 M states) a full table would make probing loop for ever: stop instead.
		if (Atomics.load(ctl, AT_LIMIT) !== 0) this.stop('max-states');
		else this.grow();
	}

	private grow(): void {
		const ctl = this.ctl;
		if (Atomics.compareExchange(ctl, GROWING, 0, 1) !== 0) return; // someone else grows it
		for (;;) {
			const active = Atomics.load(ctl, ACTIVE);
			if (active === 0) break;
			Atomics.wait(ctl, ACTIVE, active, 50);
		}
		const cap = Atomics.load(ctl, CAPACITY);
		if (cap * 2 > Atomics.load(ctl, MAX_SLOTS)) Atomics.store(ctl, AT_LIMIT, 1);
		else if (Atomics.load(ctl, SIZE) * 10 > cap * 7) {
			const old = new Int32Array(this.buffers.table).slice(0, cap * SLOT);
			(this.buffers.table as Growable).grow(cap * 2 * SLOT * 4);
			const w = new Int32Array(this.buffers.table);
			w.fill(0, 0, cap * SLOT);
			const mask = cap * 2 - 1;
			for (let j = 0; j < cap; j++) {
				const v = old[SLOT * j + 2]!;
				if (v === 0) continue;
				const a = old[SLOT * j]!;
				const b = old[SLOT * j + 1]!;
				let i = (Math.imul(a ^ (b >>> 7), 0x9e3779b1) >>> 0) & mask;
				while (w[SLOT * i + 2] !== 0) i = (i + 1) & mask;
				w[SLOT * i] = a;
				w[SLOT * i + 1] = b;
				w[SLOT * i + 2] = v;
			}
			this.words = w;
			this.mask = mask;
			Atomics.store(ctl, CAPACITY, cap * 2);
		}
		Atomics.store(ctl, GROWING, 0);
		Atomics.notify(ctl, GROWING);
	}

	/** The next root index to search from (every worker draws from one counter). */
	takeRoot(): number {
		return Atomics.add(this.ctl, NEXT_ROOT, 1);
	}

	/** Tell every worker to stop (the first violation, the state bound). */
	stop(why: 'first-violation' | 'max-states'): void {
		Atomics.compareExchange(this.ctl, STOP, 0, why === 'first-violation' ? 1 : 2);
	}

	/** Why some worker stopped the search, or null. */
	get stopped(): 'first-violation' | 'max-states' | null {
		const v = Atomics.load(this.ctl, STOP);
		return v === 0 ? null : v === 1 ? 'first-violation' : 'max-states';
	}

	/** Bytes the table holds now. */
	get bytes(): number {
		return this.buffers.table.byteLength;
	}
}
