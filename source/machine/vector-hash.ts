// The 64-bit fingerprint of a state vector (docs/state-vector.md, "Hash"):
// the sum, in two 32-bit lanes, of one term T(i, v[i]) per slot (Zobrist
// hashing over a vector). A sum, not a chain, so that a write of slot i from
// a to b changes the fingerprint by T(i, b) - T(i, a): a step will pay per
// slot it writes, not per slot of the vector. Pure integer arithmetic, so the
// same vector has the same fingerprint on every machine and Node version.

/** murmur3's finaliser: every input bit reaches every output bit. */
export function fmix(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h;
}

/** The term of slot i holding x, lane a. */
export function termA(i: number, x: number): number {
	return fmix(Math.imul(i + 1, 0x9e3779b1) ^ fmix(x ^ 0x2545f491));
}

/** The term of slot i holding x, lane b (other constants: the lanes are independent). */
export function termB(i: number, x: number): number {
	return fmix(Math.imul(i + 1, 0x7feb352d) ^ fmix(Math.imul(x, 0x846ca68b) ^ 0x68e31da4));
}

export type Fingerprint = {a: number; b: number};

/** One pass over the vector. */
export function vectorHash(v: Int32Array): Fingerprint {
	let a = 0;
	let b = 0;
	for (let i = 0; i < v.length; i++) {
		const x = v[i]!;
		a = (a + termA(i, x)) | 0;
		b = (b + termB(i, x)) | 0;
	}
	return {a, b};
}

/** The fingerprint after slot i changes from x to y: two terms per lane. */
export function rehash(h: Fingerprint, i: number, x: number, y: number): Fingerprint {
	if (x === y) return h;
	return {a: (h.a - termA(i, x) + termA(i, y)) | 0, b: (h.b - termB(i, x) + termB(i, y)) | 0};
}

/** As 16 hex digits (lane a, then b). */
export const fingerprintHex = (h: Fingerprint): string => (h.a >>> 0).toString(16).padStart(8, '0') + (h.b >>> 0).toString(16).padStart(8, '0');
