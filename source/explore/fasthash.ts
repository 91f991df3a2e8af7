// The search's state key: a 64-bit hash of the same content as
// machine/hash.ts's canonical form (every field but the violation log), in one
// pass, without building a string, sorting keys or calling sha256. Object
// fields are combined by addition of per-field hashes, so the key does not
// depend on the order fields were inserted in; arrays are combined in order.
// Hash compaction: two different states colliding is possible in principle
// (about n²/2⁶⁵ for n states: ~3e-8 at a million states) and would make the
// search skip a state; docs/search.md says so.

/** Result of the last hash: two 32-bit lanes. */
let r1 = 0;
let r2 = 0;

function fmix(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h;
}

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
	if (Array.isArray(v)) {
		let a = 0x6a09e667 ^ v.length;
		let b = 0xbb67ae85 + v.length;
		for (let i = 0; i < v.length; i++) {
			hashValue(v[i]);
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
		if (k === 'violations') continue;
		n++;
		hashValue(o[k]);
		let kh = keyHashes.get(k);
		if (kh === undefined) {
			hashString(k);
			kh = {a: r1, b: r2};
			if (keyHashes.size < 100_000) keyHashes.set(k, kh);
		}
		acc1 = (acc1 + fmix(kh.a + Math.imul(r1, 0x9e3779b1))) | 0;
		acc2 = (acc2 + fmix((kh.b ^ Math.imul(r2, 0x85ebca77)) + 0x27d4eb2f)) | 0;
	}
	r1 = fmix(acc1 ^ 0x7f4a7c15 ^ n);
	r2 = fmix(acc2 + 0x165667b1 + n);
}

/** 64-bit key (16 hex digits) of a machine's content, violations excluded, independent of field order. */
export function stateKey(m: object): string {
	hashValue(m);
	return (r1 >>> 0).toString(16).padStart(8, '0') + (r2 >>> 0).toString(16).padStart(8, '0');
}
