// The search's state key: a 64-bit hash of the same canonical content as
// machine/hash.ts (every field but the violation log, object keys in sorted
// order), computed in one pass without building a string or calling sha256.
// Hash compaction: two different states colliding is possible in principle
// (about n²/2⁶⁵ for n states: ~3e-8 at a million states) and would make the
// search skip a state; docs/search.md says so.

let h1 = 0;
let h2 = 0;

function mix(x: number): void {
	// Two independent 32-bit lanes (murmur3-style mixing per word).
	let k = Math.imul(x, 0xcc9e2d51);
	k = (k << 15) | (k >>> 17);
	k = Math.imul(k, 0x1b873593);
	h1 ^= k;
	h1 = (h1 << 13) | (h1 >>> 19);
	h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
	let j = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b);
	j = (j << 17) | (j >>> 15);
	j = Math.imul(j, 0xc2b2ae35);
	h2 ^= j;
	h2 = (h2 << 11) | (h2 >>> 21);
	h2 = (Math.imul(h2, 9) + 0x52dce729) | 0;
}

function mixString(s: string): void {
	const n = s.length;
	mix(0x5a000000 | n);
	for (let i = 0; i < n; i++) mix(s.charCodeAt(i));
}

function walkObject(o: Record<string, unknown>): void {
	// Fast path: the object's own key order, if its non-index keys are already
	// sorted (index keys — pfns, vas, CPU ids — always come first, ascending).
	// A state whose keys are out of order is hashed in sorted order instead.
	// Either way equal states get equal keys; the rare object that takes the
	// slow path only costs time.
	const s1 = h1;
	const s2 = h2;
	let prev = '';
	let n = 0;
	mix(0x4e000008);
	for (const k in o) {
		const c = k.charCodeAt(0);
		if (!(c >= 48 && c <= 57)) {
			if (k < prev) {
				h1 = s1;
				h2 = s2;
				return walkSorted(o);
			}
			prev = k;
		}
		n++;
		if (k === 'violations') continue;
		mixString(k);
		walk(o[k]);
	}
	mix(0x4e000009 ^ n);
}

function walkSorted(o: Record<string, unknown>): void {
	const keys = Object.keys(o);
	keys.sort((a, b) => {
		const da = a.charCodeAt(0) >= 48 && a.charCodeAt(0) <= 57;
		const db = b.charCodeAt(0) >= 48 && b.charCodeAt(0) <= 57;
		if (da !== db) return da ? -1 : 1;
		if (da) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
		return a < b ? -1 : a > b ? 1 : 0;
	});
	mix(0x4e000008);
	for (const k of keys) {
		if (k === 'violations') continue;
		mixString(k);
		walk(o[k]);
	}
	mix(0x4e000009 ^ keys.length);
}

function walk(v: unknown): void {
	if (v === null) return mix(0x4e000001);
	switch (typeof v) {
		case 'number':
			if ((v | 0) === v) {
				mix(0x4e000002);
				mix(v);
			} else mixString(String(v));
			return;
		case 'boolean':
			return mix(v ? 0x4e000003 : 0x4e000004);
		case 'string':
			return mixString(v);
		case 'undefined':
			return mix(0x4e000005);
		case 'object':
			break;
		default:
			return mixString(String(v));
	}
	if (Array.isArray(v)) {
		mix(0x4e000006);
		for (let i = 0; i < v.length; i++) walk(v[i]);
		mix(0x4e000007 ^ v.length);
		return;
	}
	walkObject(v as Record<string, unknown>);
}

/** 64-bit key (16 hex digits) of a machine's canonical content, violations excluded. */
export function stateKey(m: object): string {
	h1 = 0x9747b28c;
	h2 = 0x2f8a11d3;
	walk(m);
	return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
