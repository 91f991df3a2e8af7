// Renaming CPUs: the machine a permutation of the CPU ids gives, for the
// search's symmetry reduction (explore/symmetry.ts). Two states that differ
// only by which of several identical replica CPUs is which behave the same, so
// the search stores one of them.
//
// THE RULE for everyone adding state: every field that holds a CPU id must be
// listed in SHAPE below as 'cpu' (one id) or 'cpus' (a set of ids, kept
// ascending), and permuteMachine must rename it. Fields that hold no CPU id are
// listed as 'data' (a whole subtree may be 'data'). test/permute.test.ts walks
// machines of every built-in and fails on a field SHAPE does not classify, and
// checks on reachable states that renaming commutes with step(): a field you
// forgot to rename shows up there. A list whose order carries meaning (a FIFO
// of IPIs) keeps its order; only the ids inside are renamed.

import {stampOf} from './stamp.js';
import type {CpuState, Ipi, Lock, Machine, RcuCallback, Wait} from './types.js';

export type FieldClass = 'cpu' | 'cpus' | 'data' | 'record' | 'list' | 'object';

/**
 * The machine's shape, path by path: `[]` an array element, `{}` a record
 * entry (any key). 'record' / 'list' / 'object' mark containers whose
 * children are listed; 'data' a leaf or subtree with no CPU id in it.
 */
export const SHAPE: Readonly<Record<string, FieldClass>> = {
	settings: 'data',
	cpus: 'list',
	'cpus[]': 'object',
	'cpus[].id': 'cpu',
	'cpus[].pc': 'data',
	'cpus[].locals': 'data', // no primitive returns a CPU id (smp_processor_id would make this 'cpu')
	'cpus[].irqsOn': 'data',
	'cpus[].irqSaved': 'data',
	'cpus[].rcuDepth': 'data',
	'cpus[].preempt': 'data',
	'cpus[].wait': 'object',
	'cpus[].wait.kind': 'data',
	'cpus[].wait.prim': 'data',
	'cpus[].wait.pending': 'cpus',
	'cpus[].wait.readers': 'cpus',
	'cpus[].wait.vas': 'data',
	'cpus[].wait.after': 'data',
	'cpus[].wait.lock': 'data',
	'cpus[].wait.mode': 'data',
	'cpus[].wait.data': 'data', // [table, va] of the page-table lock primitives
	'cpus[].wait.range': 'data',
	'cpus[].wait.late': 'data', // vas zapped while a flush waited (S5)
	'cpus[].wait.result': 'data', // a Value kept for the call's return
	'cpus[].irqFrames': 'list',
	'cpus[].irqFrames[]': 'object',
	'cpus[].irqFrames[].pc': 'data',
	'cpus[].irqFrames[].irqsOn': 'data',
	'cpus[].irqFrames[].wait': 'object',
	'cpus[].irqFrames[].wait.kind': 'data',
	'cpus[].irqFrames[].wait.prim': 'data',
	'cpus[].irqFrames[].wait.pending': 'cpus',
	'cpus[].irqFrames[].wait.readers': 'cpus',
	'cpus[].irqFrames[].wait.range': 'data',
	'cpus[].irqFrames[].wait.late': 'data',
	'cpus[].irqFrames[].wait.after': 'data',
	'cpus[].irqFrames[].wait.result': 'data',
	'cpus[].irqFrames[].wait.lock': 'data',
	'cpus[].irqFrames[].wait.mode': 'data',
	'cpus[].irqFrames[].wait.data': 'data',
	'cpus[].pwc': 'data',
	'cpus[].lazy': 'data',
	'cpus[].gather': 'data', // range, pfns and table ids
	'cpus[].gup': 'data', // "pfn:gen" strings and pfns
	'cpus[].ipis': 'list',
	'cpus[].ipis[]': 'object',
	'cpus[].ipis[].from': 'cpu',
	'cpus[].ipis[].kind': 'data',
	'cpus[].ipis[].vas': 'data',
	'cpus[].ipis[].range': 'data',
	'cpus[].ipis[].freedTables': 'data',
	'cpus[].ipis[].irq': 'data',
	'cpus[].tlb': 'data',
	mmCpumask: 'cpus',
	pt: 'object',
	'pt.root': 'data',
	'pt.nextTable': 'data',
	'pt.deposited': 'data',
	'pt.tables': 'record',
	'pt.tables{}': 'object',
	'pt.tables{}.level': 'data',
	'pt.tables{}.entries': 'data',
	'pt.tables{}.freed': 'data',
	memmap: 'record',
	'memmap{}': 'object',
	'memmap{}.exists': 'data',
	'memmap{}.refcount': 'data',
	'memmap{}.pins': 'data',
	'memmap{}.idle': 'data',
	'memmap{}.pgmap': 'data',
	'memmap{}.ram': 'object',
	'memmap{}.ram.free': 'data',
	'memmap{}.ram.gen': 'data',
	'memmap{}.ram.owner': 'cpu', // the CPU whose alloc_page took it
	'memmap{}.ram.mapcount': 'data',
	'memmap{}.ram.collapse': 'data',
	'memmap{}.ram.lateRefs': 'data',
	'memmap{}.ram.head': 'data', // a pfn
	'memmap{}.ram.pgDirty': 'data',
	'memmap{}.ram.writtenBack': 'data',
	'memmap{}.ram.data': 'data', // the page's contents, a data version
	'memmap{}.ram.anonExclusive': 'data',
	pfns: 'data',
	pgmaps: 'data',
	fs: 'data',
	rcu: 'list',
	'rcu[]': 'object',
	'rcu[].kind': 'data',
	'rcu[].pgmap': 'data',
	'rcu[].table': 'data',
	'rcu[].readers': 'cpus',
	vmas: 'data',
	sigbus: 'data',
	sigkill: 'data',
	zapped: 'data',
	tlbFlushPending: 'data',
	globals: 'data', // values only (ints, bools, refs by name)
	locks: 'record',
	'locks{}': 'object',
	'locks{}.kind': 'data',
	'locks{}.owner': 'cpu',
	'locks{}.readers': 'cpus',
	lockOrder: 'data', // lock names only
	violations: 'data', // not part of the state (never hashed)
};

function sameIds(ids: readonly number[], perm: readonly number[]): boolean {
	for (const c of ids) if (perm[c] !== c) return false;
	return true;
}

/** The ids are strictly ascending and perm maps them onto themselves (so the renamed set is the set). */
function closedUnder(ids: readonly number[], perm: readonly number[]): boolean {
	for (let i = 0; i < ids.length; i++) if ((i > 0 && ids[i - 1]! >= ids[i]!) || !ids.includes(perm[ids[i]!]!)) return false;
	return true;
}

/**
 * The set renamed, ascending (an insertion sort: the sets are a few CPUs, and the search renames many).
 * The set itself when renaming gives the same set (mm_cpumask holds every CPU of a group).
 */
function renameSet(ids: number[], perm: readonly number[]): number[] {
	if (sameIds(ids, perm) || closedUnder(ids, perm)) return ids;
	const out = new Array<number>(ids.length);
	for (let i = 0; i < ids.length; i++) {
		const x = perm[ids[i]!]!;
		let j = i - 1;
		for (; j >= 0 && out[j]! > x; j--) out[j + 1] = out[j]!;
		out[j + 1] = x;
	}
	return out;
}

function renameWait(w: Wait | null, perm: readonly number[]): Wait | null {
	if (w === null) return null;
	if (w.kind === 'acks') return sameIds(w.pending, perm) ? w : {...w, pending: renameSet(w.pending, perm)};
	if (w.kind === 'gp') return sameIds(w.readers, perm) ? w : {...w, readers: renameSet(w.readers, perm)};
	return w; // 'lock' (a lock name, a mode, [table, va]) and 'phase' ([table, va]) hold no CPU id
}

// Loops, not every/map with a closure over perm: the search renames several slices a state.
function renameIpis(ipis: Ipi[], perm: readonly number[]): Ipi[] {
	let i = 0;
	while (i < ipis.length && perm[ipis[i]!.from] === ipis[i]!.from) i++;
	if (i === ipis.length) return ipis;
	const out = ipis.slice();
	for (; i < ipis.length; i++) {
		const x = ipis[i]!;
		if (perm[x.from] !== x.from) out[i] = {...x, from: perm[x.from]!};
	}
	return out;
}

function renameFrames(frames: CpuState['irqFrames'], perm: readonly number[]): CpuState['irqFrames'] {
	let i = 0;
	while (i < frames.length && renameWait(frames[i]!.wait, perm) === frames[i]!.wait) i++;
	if (i === frames.length) return frames;
	const out = new Array<CpuState['irqFrames'][number]>(frames.length);
	for (let j = 0; j < frames.length; j++) out[j] = {...frames[j]!, wait: renameWait(frames[j]!.wait, perm)};
	return out;
}

export function renameCpu(c: CpuState, perm: readonly number[]): CpuState {
	return {...c, id: perm[c.id]!, wait: renameWait(c.wait, perm), ipis: renameIpis(c.ipis, perm), irqFrames: renameFrames(c.irqFrames, perm)};
}

/** The fields of a CPU slice that hold CPU ids (what renameCpu replaces), in the order renameCpuFields fills them. */
export const CPU_ID_FIELDS = ['id', 'wait', 'ipis', 'irqFrames'] as const;

/**
 * What renameCpu would put at CPU_ID_FIELDS, into `out`, without building the
 * slice (each the original value when renaming leaves it as it is): for
 * hashing a renamed slice from its original's hash (explore/symmetry.ts).
 */
export function renameCpuFields(c: CpuState, perm: readonly number[], out: unknown[]): void {
	out[0] = perm[c.id]!;
	out[1] = renameWait(c.wait, perm);
	out[2] = renameIpis(c.ipis, perm);
	out[3] = renameFrames(c.irqFrames, perm);
}

/** The CPU's slice refers to no CPU that perm renames (so renaming it changes its id only). */
export function onlyIdRenamed(c: CpuState, perm: readonly number[]): boolean {
	return renameWait(c.wait, perm) === c.wait && renameIpis(c.ipis, perm) === c.ipis && renameFrames(c.irqFrames, perm) === c.irqFrames;
}

function renameRcu(cb: RcuCallback, perm: readonly number[]): RcuCallback {
	return sameIds(cb.readers, perm) ? cb : {...cb, readers: renameSet(cb.readers, perm)};
}

function renameLock(l: Lock, perm: readonly number[]): Lock {
	const owner = l.owner === null ? null : perm[l.owner]!;
	if (owner === l.owner && sameIds(l.readers, perm)) return l;
	return {...l, owner, readers: renameSet(l.readers, perm)};
}

/**
 * The machine in which CPU i is called perm[i] (perm a permutation of
 * 0..n-1): CPU slices move to their new index, every CPU id inside is renamed
 * and CPU sets are re-sorted. Parts holding no CPU id are shared with `m`,
 * which is not changed. `immutable`: m's parts are never changed in place (the
 * search's states), so what was learnt of a memmap may be kept.
 */
export function permuteMachine(m: Machine, perm: readonly number[], rename: (c: CpuState, perm: readonly number[]) => CpuState = renameCpu, immutable = false): Machine {
	let moved = false;
	for (const c of m.cpus) if (perm[c.id] !== c.id) moved = true;
	if (!moved) return m;
	const cpus = new Array<CpuState>(m.cpus.length);
	return {...m, cpus, ...permuteFields(m, perm, rename, immutable, cpus)};
}

/** The fields of the machine permuteFields replaces (with `cpus`); the others hold no CPU id. */
export const PERMUTED_FIELDS = ['cpus', 'mmCpumask', 'rcu', 'locks', 'memmap'] as const;

/**
 * What permuteMachine replaces, without the machine: `cpus` (of m.cpus.length)
 * is filled with the renamed slices at their new places, the other fields are
 * returned (each the original when renaming leaves it as it is). For hashing
 * a renamed machine without building it (explore/symmetry.ts).
 */
export function permuteFields(m: Machine, perm: readonly number[], rename: (c: CpuState, perm: readonly number[]) => CpuState, immutable: boolean, cpus: CpuState[]): Pick<Machine, 'mmCpumask' | 'rcu' | 'locks' | 'memmap'> {
	for (const c of m.cpus) cpus[perm[c.id]!] = perm[c.id] === c.id && onlyIdRenamed(c, perm) ? c : rename(c, perm);
	return permuteShared(m, perm, immutable);
}

/** permuteFields without the CPU slices: the machine-wide fields that hold CPU ids, renamed. */
export function permuteShared(m: Machine, perm: readonly number[], immutable: boolean): Pick<Machine, 'mmCpumask' | 'rcu' | 'locks' | 'memmap'> {
	let locks = m.locks;
	for (const name in m.locks) {
		const l = m.locks[name]!;
		const r = renameLock(l, perm);
		if (r !== l) {
			if (locks === m.locks) locks = {...m.locks};
			locks[name] = r;
		}
	}
	let rcu = m.rcu;
	for (const cb of m.rcu) {
		if (sameIds(cb.readers, perm)) continue;
		rcu = m.rcu.map(cb => renameRcu(cb, perm));
		break;
	}
	let memmap = m.memmap;
	if (!immutable || hasOwners(m.memmap)) {
		for (const pfn in m.memmap) {
			const page = m.memmap[pfn]!;
			const owner = page.ram?.owner;
			if (owner === undefined || owner === null || perm[owner] === owner) continue;
			if (memmap === m.memmap) memmap = {...m.memmap};
			memmap[pfn] = {...page, ram: {...page.ram!, owner: perm[owner]!}};
		}
	}
	return {mmCpumask: renameSet(m.mmCpumask, perm), rcu, locks, memmap};
}

/**
 * Some page of the memmap records the CPU that allocated it. The answer is
 * kept on the memmap's stamp (machine/stamp.ts) when it has one (the search
 * hashes every state it renames first, and its states are never changed in
 * place), so a renaming walks the pages once per memmap, not each time: only
 * for callers whose machines are never changed in place (`immutable`).
 */
function hasOwners(memmap: Machine['memmap']): boolean {
	const s = stampOf(memmap);
	if (s !== undefined && s.owners !== null) return s.owners;
	let owners = false;
	for (const pfn in memmap) {
		const o = memmap[pfn]!.ram?.owner;
		if (o !== undefined && o !== null) {
			owners = true;
			break;
		}
	}
	if (s !== undefined) s.owners = owners;
	return owners;
}

/** The inverse permutation. */
export function invert(perm: readonly number[]): number[] {
	const inv = new Array<number>(perm.length);
	perm.forEach((to, from) => (inv[to] = from));
	return inv;
}
