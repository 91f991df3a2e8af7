// The visited set of `--exact` on state vectors (docs/state-vector.md): every
// state stored in full, as its vector under the scenario's layout
// (machine/layout.ts), packed into one growing byte arena, and found through
// an open-addressing index on the 64-bit key the search computes anyway. Two
// states are one entry exactly when their vectors are equal, which is when
// their canonical texts are (test/layout.property.test.ts): the same states
// as the canonical-text table, in less memory and without building the text.
//
// A state the layout cannot hold (a bound of lang/bounds.ts that a search
// went past: none of the built-ins or examples does) is kept by its canonical
// text in a Map beside the arena: it can never equal a state of the arena,
// whose vectors exist only for states within the bounds.

import {LayoutBoundError} from '../machine/codec.js';
import {canonical} from '../machine/hash.js';
import type {Layout} from '../machine/layout.js';
import {Stamped, stampOf} from '../machine/stamp.js';
import type {Machine} from '../machine/types.js';
import type {ExactKey, Visited} from './keytable.js';

/**
 * A vector packed: each slot a zigzag LEB128 varint, and a run of zero slots
 * as a 0 byte and the run's length (a varint). A non-zero slot's first byte
 * is never 0, so the packing can be read back: equal packings, equal vectors.
 */
export function pack(v: Int32Array, out: Uint8Array): number {
	return packRange(v, 0, v.length, out, 0);
}

/** Slots [from, to) of v packed into out from byte n; returns the end. Packings of consecutive ranges, concatenated, read back as the whole. */
function packRange(v: Int32Array, from: number, to: number, out: Uint8Array, n: number): number {
	for (let i = from; i < to; ) {
		const x = v[i]!;
		if (x === 0) {
			let j = i + 1;
			while (j < to && v[j] === 0) j++;
			out[n++] = 0;
			let run = j - i;
			for (; run >= 0x80; run >>>= 7) out[n++] = (run & 0x7f) | 0x80;
			out[n++] = run;
			i = j;
			continue;
		}
		let z = ((x << 1) ^ (x >> 31)) >>> 0;
		for (; z >= 0x80; z >>>= 7) out[n++] = (z & 0x7f) | 0x80;
		out[n++] = z;
		i++;
	}
	return n;
}

/** The vector a packing holds (for tests: the packing loses nothing). */
export function unpack(bytes: Uint8Array, length: number): Int32Array {
	const v = new Int32Array(length);
	let i = 0;
	for (let p = 0; p < bytes.length; ) {
		let z = 0;
		let shift = 0;
		const zero = bytes[p] === 0;
		if (zero) p++;
		for (;;) {
			const b = bytes[p++]!;
			z += (b & 0x7f) * 2 ** shift;
			shift += 7;
			if (b < 0x80) break;
		}
		if (zero) i += z;
		else v[i++] = (z >>> 1) ^ -(z & 1);
	}
	return v;
}

/**
 * Packs states under one layout (the search packs one successor at a time). A
 * state's key is its regions' packings one after the other (the same vector
 * read back), and a region whose object was packed before is that packing
 * again: a step writes one or two regions and shares the others with its
 * parent (the search never changes a state it keyed), so most of a key is a
 * copy. The packing is kept on the object (a private field, as the search's
 * hashes are: machine/stamp.ts), with a token of the packer's region, so an
 * object is never taken for one of another region or layout. Only objects of
 * the search's states keep one: those the search hashed, so stamped, and
 * never changes; any other object is packed afresh.
 */
export class VectorPacker {
	private readonly vec: Int32Array;
	private readonly buf: Uint8Array;
	private readonly tokens: object[];
	/** This key's regions' packings: in `buf` (start, end), or a region's cached bytes. */
	private readonly ends: Int32Array;
	private readonly cached: (Uint8Array | null)[];
	constructor(private readonly layout: Layout) {
		this.vec = new Int32Array(layout.length);
		// a slot takes at most 5 bytes; a zero run of one slot 2
		this.buf = new Uint8Array(5 * layout.length + 8);
		this.tokens = layout.parts.map(() => ({}));
		this.ends = new Int32Array(2 * layout.parts.length);
		this.cached = layout.parts.map(() => null);
	}
	key(m: Machine): ExactKey {
		const {vec, buf, ends, cached} = this;
		const parts = this.layout.parts;
		let n = 0;
		let total = 0;
		try {
			this.layout.check(m);
			for (let i = 0; i < parts.length; i++) {
				const p = parts[i]!;
				const x = p.get(m);
				const keep = p.shared && x !== null && typeof x === 'object' && stampOf(x) !== undefined;
				const was = keep ? Packed.of(x, this.tokens[i]!) : null;
				if (was !== null) {
					cached[i] = was;
					total += was.length;
					continue;
				}
				// a codec leaves the slots of an absent field as they are: zero them first
				vec.fill(0, p.offset, p.offset + p.width);
				p.enc(x, vec, p.offset);
				const start = n;
				n = packRange(vec, p.offset, p.offset + p.width, buf, n);
				ends[2 * i] = start;
				ends[2 * i + 1] = n;
				total += n - start;
				cached[i] = null;
				if (keep) Packed.put(x as object, this.tokens[i]!, buf.slice(start, n));
			}
		} catch (e) {
			if (e instanceof LayoutBoundError) return canonical(m);
			throw e;
		}
		const out = new Uint8Array(total);
		let at = 0;
		for (let i = 0; i < parts.length; i++) {
			const c = cached[i];
			if (c !== null) {
				out.set(c, at);
				at += c.length;
			} else {
				out.set(buf.subarray(ends[2 * i]!, ends[2 * i + 1]!), at);
				at += ends[2 * i + 1]! - ends[2 * i]!;
			}
		}
		return out;
	}
}

/** An object's packing under a packer's region (the token). */
class Packed extends Stamped {
	#of: object | null = null;
	#bytes: Uint8Array | null = null;
	static of(o: object, token: object): Uint8Array | null {
		return #of in o && (o as Packed).#of === token ? (o as Packed).#bytes : null;
	}
	static put(o: object, token: object, bytes: Uint8Array): void {
		if (!(#of in o)) new Packed(o);
		(o as Packed).#of = token;
		(o as Packed).#bytes = bytes;
	}
}

/** A 32-bit index hash from the search's two lanes. */
const mix = (a: number, b: number): number => {
	let h = Math.imul(a ^ (b >>> 15), 0x9e3779b1);
	h ^= h >>> 16;
	return h;
};

export class VectorTable implements Visited {
	private arena = new Uint8Array(1 << 16);
	private used = 0;
	/** Entry e's bytes are arena[offs[e], offs[e + 1]). */
	private offs = new Int32Array(1 << 12);
	private vals = new Int32Array(1 << 12);
	/** Entry e's index hash (from the search's two lanes): a fast refusal, and where it goes when the index grows. */
	private hs = new Int32Array(1 << 12);
	private n = 0;
	/** Entry + 1 by hash, 0 empty; at most half full. */
	private index = new Int32Array(1 << 13);
	private readonly beyond = new Map<string, number>();

	get size(): number {
		return this.n + this.beyond.size;
	}

	/** Bytes held for the stored states: the arena, the entries' arrays and the index. */
	get bytes(): number {
		return this.used + 12 * this.n + 4 * this.index.length;
	}

	private find(h: number, key: Uint8Array): number {
		const mask = this.index.length - 1;
		for (let i = h & mask; ; i = (i + 1) & mask) {
			const e = this.index[i]! - 1;
			if (e < 0) return -1 - i;
			if (this.hs[e] !== h) continue;
			const start = this.offs[e]!;
			const len = this.offs[e + 1]! - start;
			if (len !== key.length) continue;
			let j = 0;
			while (j < len && this.arena[start + j] === key[j]) j++;
			if (j === len) return e;
		}
	}

	private add(slot: number, h: number, key: Uint8Array, v: number): void {
		if (this.used + key.length > this.arena.length) {
			let cap = this.arena.length * 2;
			while (cap < this.used + key.length) cap *= 2;
			const next = new Uint8Array(cap);
			next.set(this.arena.subarray(0, this.used));
			this.arena = next;
		}
		if (this.n + 2 > this.offs.length) {
			const grow = (x: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
				const y = new Int32Array(x.length * 2);
				y.set(x);
				return y;
			};
			this.offs = grow(this.offs);
			this.vals = grow(this.vals);
			this.hs = grow(this.hs);
		}
		const e = this.n++;
		this.offs[e] = this.used;
		this.arena.set(key, this.used);
		this.used += key.length;
		this.offs[e + 1] = this.used;
		this.vals[e] = v;
		this.hs[e] = h;
		this.index[slot] = e + 1;
		if (2 * this.n > this.index.length) this.rehash();
	}

	/** The index twice as large; the entries keep their places in the arena. */
	private rehash(): void {
		const index = new Int32Array(this.index.length * 2);
		const mask = index.length - 1;
		for (let e = 0; e < this.n; e++) {
			let i = this.hs[e]! & mask;
			while (index[i] !== 0) i = (i + 1) & mask;
			index[i] = e + 1;
		}
		this.index = index;
	}

	get(a: number, b: number, key: ExactKey | null): number {
		if (typeof key === 'string') return this.beyond.get(key) ?? -1;
		const e = this.find(mix(a, b), key!);
		return e < 0 ? -1 : this.vals[e]!;
	}
	has(a: number, b: number, key: ExactKey | null): boolean {
		if (typeof key === 'string') return this.beyond.has(key);
		return this.find(mix(a, b), key!) >= 0;
	}
	insert(a: number, b: number, v: number, key: ExactKey | null): number {
		if (typeof key === 'string') {
			const old = this.beyond.get(key);
			if (old !== undefined) return old;
			this.beyond.set(key, v);
			return -1;
		}
		const h = mix(a, b);
		const e = this.find(h, key!);
		if (e >= 0) return this.vals[e]!;
		this.add(-1 - e, h, key!, v);
		return -1;
	}
	cas(a: number, b: number, old: number, v: number, key: ExactKey | null): boolean {
		if (typeof key === 'string') {
			if (this.beyond.get(key) !== old) return false;
			this.beyond.set(key, v);
			return true;
		}
		const e = this.find(mix(a, b), key!);
		if (e < 0 || this.vals[e] !== old) return false;
		this.vals[e] = v;
		return true;
	}
	enter(): void {}
	leave(): void {}
}
