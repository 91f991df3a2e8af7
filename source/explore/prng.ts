// The one PRNG of racewalk (random and PCT search, the TUI's `c`, the benches):
// seeded by the user, the same on every machine. No imports, so the TUI can load
// it before the first frame without the search.

/** mulberry32: a 32-bit state PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
