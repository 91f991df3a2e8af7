// Symmetry reduction over interchangeable replica CPUs (Program.symmetry:
// copies of one cpu block that do not use REPLICA). A state and any renaming
// of the CPUs within a group behave alike: same violation kinds, same
// lengths, the renamed schedules. The search therefore keys every state by a
// representative of its class: the CPUs of each group sorted by the hash of
// their own slice (their id left out), the machine renamed accordingly
// (machine/permute.ts). It still steps the real states, so every schedule it
// reports is a real schedule that replays as it is; only the visited set and
// the sleep sets (kept in the representative's numbering) see the renaming.
//
// Soundness needs only that the representative is a renaming of the state:
// equal keys mean states that are renamings of each other. Sorting by slice
// hashes is not always canonical (two copies with equal slices that other
// CPUs' lists tell apart keep their order): then a class may be stored twice,
// which costs states, never a finding.

import type {CpuState, Machine} from '../machine/types.js';
import {CPU_ID_FIELDS, onlyIdRenamed, PERMUTED_FIELDS, permuteMachine, permuteShared, renameCpu, renameCpuFields} from '../machine/permute.js';
import {Stamped} from '../machine/stamp.js';
import {hashRow, lanes, ROW, sharedHash, sharedHashReplacing, sharedHashWithout, stampDerived} from './fasthash.js';

// A slice's signature and a renamed slice's hash are derived from the
// slice's own hash (fasthash.ts), without a pass over its fields; the key of
// a state builds no renamed slice. Only the representative `--exact` builds
// (for its canonical text) has them, from a per-CPU-object cache stamped on
// the (never mutated) slices as a private field (see fasthash.ts for why not
// a WeakMap): their renamed copies by new id.
/** The fields of a CPU slice renameCpu may replace. */
const RENAMED = CPU_ID_FIELDS as unknown as string[];

class CpuCache extends Stamped {
	#renamed: (CpuState | undefined)[] = [];
	/** The slice's signature: its hash without its id (from its own hash, fasthash.ts), into lanes. */
	static sig(c: CpuState): void {
		sharedHashWithout(c, 'id');
	}
	static rename(c: CpuState, perm: readonly number[]): CpuState {
		if (!onlyIdRenamed(c, perm)) {
			const r = renameCpu(c, perm);
			stampDerived(r, c, RENAMED);
			return r;
		}
		const to = perm[c.id]!;
		if (!(#renamed in c)) new CpuCache(c);
		const cache = (c as unknown as CpuCache).#renamed;
		let r = cache[to];
		if (r === undefined) {
			r = cache[to] = renameCpu(c, perm);
			// the original with another id: its hash is the original's with the id's term changed
			stampDerived(r, c, ['id']);
		}
		return r;
	}
}

export class Symmetry {
	private readonly sigA: Int32Array;
	private readonly sigB: Int32Array;
	private readonly perm: number[];
	private readonly order: number[];

	constructor(
		readonly groups: readonly (readonly number[])[],
		readonly cpuCount: number,
	) {
		this.sigA = new Int32Array(cpuCount);
		this.sigB = new Int32Array(cpuCount);
		this.rowA = new Int32Array(cpuCount);
		this.rowB = new Int32Array(cpuCount);
		this.perm = Array.from({length: cpuCount}, (_, i) => i);
		this.order = [];
	}

	get active(): boolean {
		return this.groups.length > 0;
	}

	/** Scratch: the lanes of the representative's CPU slices, a slice's renamed fields, and the machine's. */
	private readonly rowA: Int32Array;
	private readonly rowB: Int32Array;
	private readonly fields: unknown[] = [];
	private readonly values: unknown[] = [];

	/**
	 * Hash the representative of m's class into `lanes`. Returns the renaming
	 * that gives it (perm[real id] = representative id; a fresh array), and
	 * with `withRep` the representative itself (only hashed otherwise: it is
	 * never built), or null when m is its own representative.
	 */
	key(m: Machine, withRep = false): {perm: number[]; rep: Machine | null} | null {
		// The real state is hashed in any case: its successors' hashes are derived from its own.
		sharedHash(m);
		const ra = lanes.a;
		const rb = lanes.b;
		let identity = true;
		const perm = this.perm;
		for (const g of this.groups) {
			for (const c of g) {
				CpuCache.sig(m.cpus[c]!);
				this.sigA[c] = lanes.a;
				this.sigB[c] = lanes.b;
			}
			// refilled, not emptied (length = 0 would drop its store)
			const order = this.order;
			const n = g.length;
			for (let k = 0; k < n; k++) order[k] = g[k]!;
			// by signature, then id: an insertion sort (a group has a few CPUs; Array.sort with a
			// comparator closure allocated more than anything else in the search)
			const sa = this.sigA;
			const sb = this.sigB;
			for (let i = 1; i < n; i++) {
				const x = order[i]!;
				let j = i - 1;
				for (; j >= 0; j--) {
					const y = order[j]!;
					if ((sa[y]! - sa[x]! || sb[y]! - sb[x]! || y - x) <= 0) break;
					order[j + 1] = y;
				}
				order[j + 1] = x;
			}
			for (let k = 0; k < g.length; k++) {
				perm[order[k]!] = g[k]!;
				if (order[k] !== g[k]) identity = false;
			}
		}
		if (identity) {
			lanes.a = ra;
			lanes.b = rb;
			return null;
		}
		const p = perm.slice();
		for (const g of this.groups) for (const c of g) perm[c] = c;
		if (withRep) {
			const rep = permuteMachine(m, p, CpuCache.rename, true);
			stampDerived(rep, m, PERMUTED_FIELDS);
			sharedHash(rep);
			return {perm: p, rep};
		}
		// Each renamed slice hashed from its original's hash (the terms of the fields renaming
		// changes swapped), at its new place: the representative's CPUs are never built.
		const rowA = this.rowA;
		const rowB = this.rowB;
		const fields = this.fields;
		for (const c of m.cpus) {
			renameCpuFields(c, p, fields);
			// a slice renaming leaves as it is (a CPU of no group that waits on none) is its own hash
			if (fields[0] === c.id && fields[1] === c.wait && fields[2] === c.ipis && fields[3] === c.irqFrames) sharedHash(c);
			else sharedHashReplacing(c, CPU_ID_FIELDS, fields);
			rowA[p[c.id]!] = lanes.a;
			rowB[p[c.id]!] = lanes.b;
		}
		hashRow(rowA, rowB, m.cpus.length);
		const f = permuteShared(m, p, true);
		const values = this.values;
		values[0] = ROW;
		values[1] = f.mmCpumask;
		values[2] = f.rcu;
		values[3] = f.locks;
		values[4] = f.memmap;
		sharedHashReplacing(m, PERMUTED_FIELDS, values);
		return {perm: p, rep: null};
	}
}

/** A transition mask (bit 2c: CPU c's step, 2c+1: its interrupt) renamed by perm. */
export function renameMask(mask: number, perm: readonly number[] | null): number {
	if (perm === null || mask === 0) return mask;
	let out = 0;
	for (let c = 0; c < perm.length; c++) {
		const bits = (mask >>> (2 * c)) & 3;
		if (bits) out |= bits << (2 * perm[c]!);
	}
	return out;
}

/** renameMask with the inverse renaming. */
export function unrenameMask(mask: number, perm: readonly number[] | null): number {
	if (perm === null || mask === 0) return mask;
	let out = 0;
	for (let c = 0; c < perm.length; c++) {
		const bits = (mask >>> (2 * perm[c]!)) & 3;
		if (bits) out |= bits << (2 * c);
	}
	return out;
}
