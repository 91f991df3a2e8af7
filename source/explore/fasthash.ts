// The search's state key: a 64-bit hash of the same content as
// machine/hash.ts's canonical form (every field but the violation log), in one
// pass, without building a string, sorting keys or calling sha256. Object
// fields are combined by addition of per-field hashes, so the key does not
// depend on the order fields were inserted in; arrays are combined in order.
// Hash compaction: two different states colliding is possible in principle
// (about n²/2⁶⁵ for n states: ~3e-8 at a million states) and would make the
// search skip a state; docs/search.md says so.

import type {CowTree} from '../lang/cow.js';
import {putStamp, Stamp, Stamped, stampOf} from '../machine/stamp.js';
import {fmix} from '../machine/vector-hash.js';

/** Result of the last hash: two 32-bit lanes. */
let r1 = 0;
let r2 = 0;

function hashString(s: string): void {
	let a = 0x811c9dc5 ^ s.length;
	let b = 0x2f8a11d3 + s.length;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		a = Math.imul(a ^ c, 0x01000193);
		b = Math.imul(b ^ c, 0x5bd1e995) + 0x6b43a9b5;
	}
	r1 = fmix(a);
	r2 = fmix(b ^ 0x1b873593);
}

/** Hashes of field names (few distinct ones: field names, pfns, vas). */
const keyHashes = new Map<string, {a: number; b: number}>();

function hashValue(v: unknown): void {
	if (v === null) {
		r1 = 0x3c6ef372;
		r2 = 0x14292967;
		return;
	}
	switch (typeof v) {
		case 'number':
			if ((v | 0) === v) {
				r1 = fmix(v ^ 0x243f6a88);
				r2 = fmix(Math.imul(v, 0x9e3779b1) ^ 0x13198a2e);
			} else hashString(`#${String(v)}`);
			return;
		case 'boolean':
			r1 = v ? 0x510e527f : 0x1f83d9ab;
			r2 = v ? 0x5be0cd19 : 0x6a09e667;
			return;
		case 'string':
			return hashString(v);
		case 'undefined':
			r1 = 0x7137449f;
			r2 = 0x0a637dc5;
			return;
		case 'object':
			break;
		default:
			return hashString(`?${String(v)}`);
	}
	hashComposite(v as object, hashValue);
}

/** 64-bit key (16 hex digits) of a machine's content, violations excluded, independent of field order. */
export function stateKey(m: object): string {
	hashValue(m);
	return (r1 >>> 0).toString(16).padStart(8, '0') + (r2 >>> 0).toString(16).padStart(8, '0');
}

// ---- Hashing with identity caching, for states that are never mutated ----
// The exhaustive search steps with structural sharing (Model.stepShared): a
// successor is a new object only along the paths the step changed, and every
// other subtree is the parent's object. The hash of each object and array is
// cached by identity, so a successor costs the rehash of its changed paths
// only (a few objects) instead of the whole machine. The result is the very
// same 64-bit key as stateKey (same function, memoised). Only for objects that
// are not mutated after they were hashed (immer results, frozen snapshots):
// random.ts and shortest.ts mutate private copies and use stateKey.

// The cache is a private field stamped on the object itself (the base-class
// constructor returning its argument adds it to any object): invisible to
// for-in, Object.keys, spread, JSON and deep equality, not copied by immer's
// shallow copies, and several times cheaper than a WeakMap. An array's two
// lanes are two fields of its own (ArrayStamp); an object's hash is a record,
// its Stamp (machine/stamp.ts), which also holds its shape for copying it.

/** The accumulators of the last object hashComposite combined (before the final mix): per-field hashes summed, and the field count. */
let c1 = 0;
let c2 = 0;
let cn = 0;

/** A field name's lanes (cached); r1, r2 are left as they were. */
function keyHash(k: string): {a: number; b: number} {
	let kh = keyHashes.get(k);
	if (kh === undefined) {
		const s1 = r1;
		const s2 = r2;
		hashString(k);
		kh = {a: r1, b: r2};
		if (keyHashes.size < 100_000) keyHashes.set(k, kh);
		r1 = s1;
		r2 = s2;
	}
	return kh;
}

/** An object's lanes from its accumulators (the last step of hashComposite). */
function finish(acc1: number, acc2: number, n: number): void {
	r1 = fmix(acc1 ^ 0x7f4a7c15 ^ n);
	r2 = fmix(acc2 + 0x165667b1 + n);
}

/** An array or object: the children's lanes (each hashed by `child`) combined, order-independent for object keys. */
function hashComposite(v: object, child: (x: unknown) => void, skip = 'violations'): void {
	if (Array.isArray(v)) {
		let a = 0x6a09e667 ^ v.length;
		let b = 0xbb67ae85 + v.length;
		for (let i = 0; i < v.length; i++) {
			child(v[i]);
			a = Math.imul(a ^ r1, 0x01000193) + 0x7f4a7c15;
			a = (a << 13) | (a >>> 19);
			b = Math.imul(b ^ r2, 0x5bd1e995) + 0x165667b1;
			b = (b << 17) | (b >>> 15);
		}
		r1 = fmix(a);
		r2 = fmix(b ^ 0x3c6ef372);
		return;
	}
	const o = v as Record<string, unknown>;
	let acc1 = 0;
	let acc2 = 0;
	let n = 0;
	for (const k in o) {
		if (k === skip || k === 'violations') continue;
		n++;
		child(o[k]);
		const kh = keyHash(k);
		acc1 = (acc1 + fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
		acc2 = (acc2 + fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
	}
	c1 = acc1;
	c2 = acc2;
	cn = n;
	finish(acc1, acc2, n);
}

/** The hash of an array met before. */
class ArrayStamp extends Stamped {
	#a = 0;
	#b = 0;
	static put(o: object, a: number, b: number): void {
		new ArrayStamp(o);
		(o as ArrayStamp).#a = a;
		(o as ArrayStamp).#b = b;
	}
	/** Sets r1, r2 and returns true if `o` was hashed before. */
	static get(o: object): boolean {
		if (!(#a in o)) return false;
		r1 = (o as ArrayStamp).#a;
		r2 = (o as ArrayStamp).#b;
		return true;
	}
}

/** An object's lanes, accumulators and shape: its stamp (machine/stamp.ts), one private field. */
function objectLanes(o: object): boolean {
	const s = stampOf(o);
	if (s === undefined) return false;
	r1 = s.a;
	r2 = s.b;
	return true;
}

function hashCached(v: unknown): void {
	if (v === null || typeof v !== 'object') return hashValue(v);
	if (Array.isArray(v)) {
		if (ArrayStamp.get(v)) return;
		hashComposite(v, hashCached);
		ArrayStamp.put(v, r1, r2);
		return;
	}
	if (objectLanes(v)) return;
	hashComposite(v, hashCached);
	putStamp(v, new Stamp(r1, r2, c1, c2, cn, null));
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Stamp `copy`, an object equal to `base` (hashed before) but perhaps at
 * `keys` (each once), with its hash: base's accumulators less the terms of
 * base's fields at those keys plus the terms of copy's. The same sums
 * hashComposite makes (addition mod 2^32 is undone by subtraction), so the
 * same lanes. False, and nothing stamped, if base was never hashed.
 */
function derive(copy: object, base: object, keys: readonly PropertyKey[], count = keys.length, keysKept = false): boolean {
	const s = stampOf(base);
	if (s === undefined) return false;
	let acc1 = s.c1;
	let acc2 = s.c2;
	let n = s.n;
	// the copy has base's keys in base's order (so base's shape) if none was deleted or added
	let sameKeys = keysKept;
	const b = base as Record<string, unknown>;
	const o = copy as Record<string, unknown>;
	for (let i = 0; i < count; i++) {
		const k = keys[i]!;
		if (typeof k !== 'string' || k === 'violations') continue;
		const kh = keyHash(k);
		if (hasOwn(b, k)) {
			hashCached(b[k]);
			acc1 = (acc1 - fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
			acc2 = (acc2 - fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
			n--;
		} else sameKeys = false;
		if (hasOwn(o, k)) {
			hashCached(o[k]);
			acc1 = (acc1 + fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
			acc2 = (acc2 + fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
			n++;
		} else sameKeys = false;
	}
	finish(acc1, acc2, n);
	putStamp(copy, new Stamp(r1, r2, acc1, acc2, n, sameKeys ? s.shape : null));
	return true;
}

/** The two 32-bit lanes of the last sharedHash. */
export const lanes = {a: 0, b: 0};

/** stateKey's hash of a machine that is never mutated again, reusing the hashes of subtrees met before; result in `lanes`. */
export function sharedHash(m: object): void {
	hashCached(m);
	lanes.a = r1;
	lanes.b = r2;
}

/** stateKey of a machine that is never mutated again (see sharedHash). */
export function sharedKey(m: object): string {
	hashCached(m);
	return (r1 >>> 0).toString(16).padStart(8, '0') + (r2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * sharedHash of an object without one of its fields (a CPU slice without its
 * id: explore/symmetry.ts); result in `lanes`. The object's own hash is
 * cached (stamped), the result is not.
 */
export function sharedHashWithout(o: object, skip: string): void {
	hashCached(o);
	const s = stampOf(o)!;
	let acc1 = s.c1;
	let acc2 = s.c2;
	let n = s.n;
	const v = o as Record<string, unknown>;
	if (skip !== 'violations' && hasOwn(v, skip)) {
		const kh = keyHash(skip);
		hashCached(v[skip]);
		acc1 = (acc1 - fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
		acc2 = (acc2 - fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
		n--;
	}
	finish(acc1, acc2, n);
	lanes.a = r1;
	lanes.b = r2;
}

/**
 * Cache the hash of `copy`, an object of the same fields as `base` (never
 * mutated, like both) but at `keys`, from base's: a renamed CPU is its
 * original with another id. Falls back to hashing it when base was not hashed.
 */
export function stampDerived(copy: object, base: object, keys: readonly string[]): void {
	if (Array.isArray(copy) || Array.isArray(base) || stampOf(copy) !== undefined) return;
	hashCached(base);
	derive(copy, base, keys);
}

/**
 * Cache the hashes of what a copy-on-write step made (interpreter.ts
 * cowTree) from those of what it copied: each copied object is hashed from
 * its base's hash and the keys where it differs, bottom-up, so a successor
 * costs the terms of the fields its step changed, not a pass over every field
 * of every object on the changed paths. Arrays (order matters) and objects
 * whose base was never hashed are left to sharedHash.
 */
export function stampTree(node: CowTree): void {
	const copy = node.copy as Record<PropertyKey, unknown> | null;
	if (copy === null) return;
	// a kid whose key was written over is not in the result (its key is among `written`)
	for (let kid = node.kid; kid !== null; kid = kid.next) if (kid.copy !== null && copy[kid.key] === kid.done) stampTree(kid);
	if (Array.isArray(copy) || stampOf(copy) !== undefined) return;
	// one buffer for every node (the kids are done, and derive calls no stampTree), filled up to
	// `n`: emptying it (length = 0) would drop its store, and each push reallocate it
	const keys = changedKeys;
	let n = 0;
	for (let kid = node.kid; kid !== null; kid = kid.next) if (kid.copy !== null && copy[kid.key] === kid.done) keys[n++] = kid.key;
	if (node.written) for (const k of node.written) if (!holds(keys, n, k)) keys[n++] = k;
	if (node.removed) for (const k of node.removed) if (!holds(keys, n, k)) keys[n++] = k;
	derive(copy, node.base, keys, n, node.removed === null);
}

function holds(keys: readonly PropertyKey[], n: number, k: PropertyKey): boolean {
	for (let i = 0; i < n; i++) if (keys[i] === k) return true;
	return false;
}

const changedKeys: PropertyKey[] = [];

/** Stands, among sharedHashReplacing's values, for the array whose elements' lanes hashRow was given last. */
export const ROW: readonly unknown[] = Object.freeze([]);
let rowA = 0;
let rowB = 0;

/**
 * The lanes of an array whose i-th element hashes to (a[i], b[i]), for `ROW`:
 * the same combination hashComposite makes of an array, from hashes computed
 * without the elements being built (a renamed CPU: symmetry.ts).
 */
export function hashRow(a: Int32Array, b: Int32Array, length: number): void {
	let x = 0x6a09e667 ^ length;
	let y = 0xbb67ae85 + length;
	for (let i = 0; i < length; i++) {
		x = Math.imul(x ^ a[i]!, 0x01000193) + 0x7f4a7c15;
		x = (x << 13) | (x >>> 19);
		y = Math.imul(y ^ b[i]!, 0x5bd1e995) + 0x165667b1;
		y = (y << 17) | (y >>> 15);
	}
	rowA = fmix(x);
	rowB = fmix(y ^ 0x3c6ef372);
}

/**
 * sharedHash of `base` (hashed before) with `keys[i]` holding `values[i]`,
 * without building that object: a renamed machine is its original with five
 * fields replaced, a renamed CPU its original with up to four (explore/symmetry.ts). An array among the values is hashed
 * without being stamped (it may be a scratch array, refilled next time);
 * `ROW` stands for the array hashRow hashed. Result in `lanes`.
 */
export function sharedHashReplacing(base: object, keys: readonly string[], values: readonly unknown[]): void {
	hashCached(base);
	const s = stampOf(base)!;
	let acc1 = s.c1;
	let acc2 = s.c2;
	let n = s.n;
	const b = base as Record<string, unknown>;
	for (let i = 0; i < keys.length; i++) {
		const k = keys[i]!;
		const old = b[k];
		const v = values[i];
		if (old === v) continue;
		const kh = keyHash(k);
		if (hasOwn(b, k)) {
			hashCached(old);
			acc1 = (acc1 - fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
			acc2 = (acc2 - fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
			n--;
		}
		if (v === ROW) {
			r1 = rowA;
			r2 = rowB;
		} else if (Array.isArray(v)) {
			if (!ArrayStamp.get(v)) hashComposite(v, hashCached);
		} else hashCached(v);
		acc1 = (acc1 + fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
		acc2 = (acc2 + fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
		n++;
	}
	finish(acc1, acc2, n);
	lanes.a = r1;
	lanes.b = r2;
}

/** Whether an object's or array's hash is cached (for tests). */
export function stamped(o: object): boolean {
	return Array.isArray(o) ? ArrayStamp.get(o) : stampOf(o) !== undefined;
}
