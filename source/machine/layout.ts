// The compiled state layout of a scenario (docs/state-vector.md, stage 1):
// every piece of a machine's state gets int32 slots at fixed offsets of one
// vector, from bounds known when the scenario compiles. The tables a slot
// indexes into (vas, 2 MiB regions, table ids, names) are fixed here too,
// sorted, so a state's vector never depends on the order a search met
// states in. The bounds the program text cannot give are marked `assumed`,
// with the reason (lang/bounds.ts); a state beyond one fails encode with a
// LayoutBoundError naming it, so a test walking the reachable states proves
// the bounds on the real scenarios.

import {bool, cpu, cpuOrNull, cpuset, field, flag, int, LayoutBoundError, list, mapped, nullable, oneOf, record, struct, value, wide} from './codec.js';
import type {Codec, Slot} from './codec.js';
import {index, pmdBase} from './pagetable.js';
import {PRIMITIVES} from './primitives/index.js';
import type {CpuState, Gather, Ipi, Lock, Machine, PageStruct, PtEntry, PtTable, RcuCallback, Settings, TlbEntry, Value, VaRange, Vma, Wait} from './types.js';
import {hex} from './values.js';

/** A bound of the layout: how many of something it holds, and why that many. */
export type Bound = {what: string; value: number; basis: 'static' | 'assumed'; reason: string};

/** What the compiled program tells the layout (lang/bounds.ts reads it off the program text). */
export type LayoutInput = {
	initial: Machine;
	/** Per CPU, the names its locals may take. */
	locals: readonly (readonly string[])[];
	/** Every name the program text holds (symbols, locks, variables, pgmaps, irq lines). */
	names: readonly string[];
	/** The vas the program's constant expressions name. */
	vas: readonly number[];
	/**
	 * Page-table pages the program can allocate beyond the initial machine's:
	 * `sites` counts the calls that may allocate one (pte_alloc_one's loose
	 * pages among them), `loose` those of pte_alloc_one alone; `frees`: the
	 * program can free a table page (so a position can be filled again, by a
	 * new id).
	 */
	tables: {sites: Bound; loose: Bound; frees: boolean};
	/** Per CPU, the deepest local_irq_save nesting. */
	irqSaved: readonly Bound[];
	/** Per CPU, the interrupt lines whose handlers run on it. */
	irqLines: readonly number[];
	/** Groups of interchangeable CPUs (Program.symmetry). */
	symmetry: readonly (readonly number[])[];
};

export type Region = {name: string; offset: number; width: number};

export type Layout = {
	length: number;
	regions: Region[];
	/** One per CPU, indexed by id: replicas' slices are adjacent (in the vector) and equally wide. */
	cpuSlices: Region[];
	slots: Slot[];
	/** The offsets of the slots of kind cpu and cpuset (what a CPU renaming rewrites). */
	cpuSlots: number[];
	cpusetSlots: number[];
	bounds: Bound[];
	/** The settings of the compiled model: constants, not slots. */
	settings: Settings;
	vas: readonly number[];
	regions2M: readonly number[];
	tableIds: readonly number[];
	names: readonly string[];
	codec: Codec<Machine>;
	/**
	 * The regions' encoders, in vector order, for an encoder that reuses a
	 * region's slots while the region's object stays the same one (the
	 * search shares every object a step did not write: explore/exact-table.ts).
	 * `shared`: the region is an object of the machine (the header is built
	 * on each encode). `check` refuses what `codec.enc` refuses of the
	 * machine as a whole.
	 */
	parts: readonly RegionEncoder[];
	check(m: Machine): void;
};

export type RegionEncoder = {offset: number; width: number; shared: boolean; get: (m: Machine) => unknown; enc: (x: unknown, v: Int32Array, at: number) => void};

const uniqSorted = <T extends number | string>(xs: Iterable<T>): T[] => [...new Set(xs)].sort((a, b) => (typeof a === 'number' ? (a as number) - (b as number) : a < b ? -1 : a > b ? 1 : 0));

const PAGE = 4096;

/** A VaRange as two wide slots each. */
const range: Codec<VaRange> = mapped(
	struct<{s: number; e: number}>([field('s', wide('va')), field('e', wide('va'))]),
	(r: VaRange) => ({s: r[0], e: r[1]}),
	o => [o.s, o.e] as VaRange,
);

/** A page-table entry in two slots: 0 none, 1 a table (its id), 2 a leaf with its bits (write 4, special 8, devmap 16, protnone 32, invalid 64, dirty 128), and its pfn. */
const ptEntry: Codec<PtEntry | undefined> = {
	width: 2,
	slots: (p, out) => void out.push({name: p, kind: 'tag'}, {name: `${p}.pfn`, kind: 'int'}),
	enc(e, v, at) {
		if (e === undefined) {
			v[at] = 0;
			v[at + 1] = 0;
		} else if ('table' in e) {
			if (Object.keys(e).length !== 1) throw new LayoutBoundError(`a table entry with fields ${Object.keys(e).join(',')}`);
			v[at] = 1;
			v[at + 1] = e.table;
		} else {
			for (const k in e) if (!LEAF_KEYS.has(k)) throw new LayoutBoundError(`a leaf entry field '${k}' the layout does not have`);
			v[at] = 2 | (e.write ? 4 : 0) | (e.special ? 8 : 0) | (e.devmap ? 16 : 0) | (e.protnone ? 32 : 0) | (e.invalid ? 64 : 0) | (e.dirty ? 128 : 0);
			v[at + 1] = e.pfn;
		}
	},
	dec(v, at) {
		const t = v[at]!;
		if (t === 0) return undefined;
		if (t === 1) return {table: v[at + 1]!};
		const e: PtEntry = {pfn: v[at + 1]!, write: (t & 4) !== 0, special: (t & 8) !== 0, devmap: (t & 16) !== 0};
		if (t & 32) e.protnone = true;
		if (t & 64) e.invalid = true;
		if (t & 128) e.dirty = true;
		return e;
	},
};
const LEAF_KEYS = new Set(['pfn', 'write', 'special', 'devmap', 'protnone', 'invalid', 'dirty']);

/** Records whose entries are absent when their first slot is 0 (entries, locals, globals): no presence slot. */
function sparse<T>(keys: readonly string[], c: Codec<T | undefined>, what: string, label: (k: string) => string = k => k): Codec<Record<string, T>> {
	const at = new Map(keys.map((k, i) => [k, i]));
	const w = c.width;
	return {
		width: keys.length * w,
		slots: (p, out) => keys.forEach(k => c.slots(`${p}[${label(k)}]`, out)),
		enc(x, v, off) {
			for (let i = 0; i < keys.length; i++) c.enc(undefined, v, off + i * w);
			for (const k in x) {
				const i = at.get(k);
				if (i === undefined) throw new LayoutBoundError(`${what}: ${label(k)} is not among the ${keys.length} the layout holds`);
				if (x[k] === undefined) throw new LayoutBoundError(`${what}: ${label(k)} is present but undefined`);
				c.enc(x[k], v, off + i * w);
			}
		},
		dec(v, off) {
			const o: Record<string, T> = {};
			for (let i = 0; i < keys.length; i++) {
				const e = c.dec(v, off + i * w);
				if (e !== undefined) o[keys[i]!] = e;
			}
			return o;
		},
	};
}

export function buildLayout(input: LayoutInput): Layout {
	const m0 = input.initial;
	const n = m0.cpus.length;
	const bounds: Bound[] = [];
	const bound = (b: Bound): number => (bounds.push(b), b.value);

	// ---- the tables slots index into ----
	const vaSet: number[] = [...input.vas];
	// A huge vma's 512 pages would widen every TLB region 512 times for vas no constant names: its first
	// page only, as a small vma's every page; another va of it a program computes is encoded without the layout.
	for (const vma of m0.vmas) for (let i = 0; i < (vma.huge ? 1 : vma.npages); i++) vaSet.push(vma.va + i * PAGE);
	const leafVas: number[] = [];
	walkInitialLeaves(m0, leafVas);
	vaSet.push(...leafVas);
	for (const c of m0.cpus) for (const k in c.tlb) vaSet.push(Number(k));
	const vas = uniqSorted(vaSet);
	bound({what: 'vas', value: vas.length, basis: 'static', reason: 'every page of the vmas, every initial mapping and TLB entry, and every page-aligned constant of the program text (lang/bounds.ts)'});
	const regions2M = uniqSorted([...vas.map(pmdBase), ...m0.cpus.flatMap(c => Object.keys(c.pwc).map(Number)), ...Object.keys(m0.pt.deposited).map(Number)]);
	// Table ids are never reused. While no table page is freed, an allocation fills a position of the tree
	// (a PGD, PUD or PMD entry over one of the vas) that was empty, so the positions bound them; pte_alloc_one's
	// pages, placed later, count apart. Once a table can be freed, every allocating call counts.
	const positions = new Set<string>();
	for (const va of vas) for (let level = 4; level > 1; level--) positions.add(`${level}:${Math.floor(va / 2 ** (12 + 9 * (level - 1)))}`);
	const grown: Bound = input.tables.frees
		? {...input.tables.sites, what: 'table pages allocated', reason: `the program frees table pages, so each allocating call counts: ${input.tables.sites.reason}`}
		: {
				what: 'table pages allocated',
				value: positions.size + input.tables.loose.value,
				basis: input.tables.loose.basis,
				reason: `no table page is freed: one per position of the tree over the vas (${positions.size}), plus pte_alloc_one's (${input.tables.loose.value}: ${input.tables.loose.reason})`,
			};
	const extraTables = bound(grown);
	const tableIds = Array.from({length: m0.pt.nextTable + extraTables}, (_, i) => i);
	bound({what: 'table pages', value: tableIds.length, basis: grown.basis, reason: `${m0.pt.nextTable} initial + ${extraTables} allocated`});
	const entryIdx = new Set<number>();
	for (const va of [...vas, ...regions2M]) for (let level = 1; level <= 4; level++) entryIdx.add(index(va, level));
	for (const t of Object.values(m0.pt.tables)) for (const k in t.entries) entryIdx.add(Number(k));
	const entryKeys = uniqSorted(entryIdx).map(String);
	const ptlNames = tableIds.map(id => `ptl:T${id}`);
	const fixedLocks = [...PRIMITIVES.values()].flatMap(p => (p.fixedLock ? [p.fixedLock.name] : []));
	const lockNames = uniqSorted([...Object.keys(m0.locks), ...ptlNames, ...fixedLocks]);
	const names = uniqSorted([
		...input.names,
		...PRIMITIVES.keys(),
		...lockNames,
		...Object.keys(m0.pgmaps),
		...Object.keys(m0.globals),
		...(m0.fs ? [m0.fs.dev] : []),
		...Object.values(m0.memmap).flatMap(p => (p.pgmap === null ? [] : [p.pgmap])),
	]);
	const pfnKeys = uniqSorted(Object.keys(m0.memmap).map(Number)).map(String);
	const backedKeys = uniqSorted(Object.keys(m0.pfns).map(Number)).map(String);
	const ramPfns = Object.values(m0.memmap).filter(p => p.ram).length;

	const regionKeys = regions2M.map(String);
	const vaKeys = vas.map(String);
	const hexKey = (k: string): string => hex(Number(k));

	// ---- shared codecs ----
	const val = value({vas, names});
	const name = oneOf(names, 'name', 'a name');
	const va = oneOf(vas, 'va', 'a va');
	const table = int('table');
	const pfn = int('pfn');

	const ipiCap = bound({what: 'IPIs queued per CPU', value: n - 1 + Math.max(0, ...input.irqLines), basis: 'static', reason: 'one flush or sync IPI per other CPU (a sender waits for its acks before it sends another), one per interrupt line (raised again while pending, they merge)'});
	const frameCap = Math.max(...input.irqLines.map(l => l + 1));
	bound({what: 'interrupt frames', value: frameCap, basis: 'static', reason: 'the interrupt lines of the CPU, plus one'});
	const waitDataCap = bound({what: 'a wait\'s data', value: 4, basis: 'assumed', reason: 'the lock and phase waits keep [table, va]; 4 leaves room'});
	const gatherPages = bound({what: 'mmu_gather pages', value: Math.max(1, pfnKeys.length), basis: 'static', reason: 'each page of the memmap queued once'});
	const gatherTables = bound({what: 'mmu_gather tables', value: tableIds.length, basis: 'static', reason: 'each table page queued once'});
	const gupCap = bound({what: 'gup window pages', value: Math.max(1, 2 * ramPfns), basis: 'assumed', reason: 'the (pfn, generation) pairs and grabs of one window: two per RAM page'});
	const depositCap = bound({what: 'deposited tables per 2 MiB region', value: 2, basis: 'assumed', reason: 'one deposit under a huge PMD, and one of a split in progress'});
	const rcuCap = bound({what: 'RCU callbacks', value: Object.keys(m0.pgmaps).length + (input.tables.frees ? tableIds.length : 0), basis: 'static', reason: 'one per pgmap (the switch to atomic) and one per table page (its free) if the program frees table pages'});
	const vmaCap = bound({what: 'vmas', value: m0.vmas.length, basis: 'static', reason: 'the initial vmas (remove_vma only removes)'});

	const after = struct<NonNullable<Extract<Wait, {kind: 'acks'}>['after']>>([
		field('freeTable', table, true),
		field('gatherFree', bool, true),
		field('gatherReset', bool, true),
		field('finish', bool, true),
		field('putCpu', bool, true),
	]);
	const wait: Codec<Wait> = struct<Wait>([
		field('kind', oneOf(['acks', 'gp', 'lock', 'phase'], 'tag', 'a wait kind')),
		field('prim', name),
		field('pending', cpuset, true),
		field('range', nullable(range), true),
		field('after', after, true),
		field('result', val, true),
		field('late', list(va, vas.length, 'a flush\'s late vas'), true),
		field('readers', cpuset, true),
		field('lock', name, true),
		field('mode', oneOf(['excl', 'read'], 'tag', 'a lock mode'), true),
		field('data', list(wide(), waitDataCap, 'a wait\'s data'), true),
	]);
	const ipi = ipiCodec(name);
	const tlb = compactTlb(vaKeys, hexKey);
	const gather = struct<Gather>([
		field('range', nullable(range)),
		field('pages', list(pfn, gatherPages, 'mmu_gather pages')),
		field('tables', list(table, gatherTables, 'mmu_gather tables')),
		field('freedTables', bool),
		field('fullmm', bool),
	]);
	const pageGen = mapped(
		struct<{pfn: number; gen: number}>([field('pfn', pfn), field('gen', int())]),
		(k: string) => {
			const i = k.indexOf(':');
			return {pfn: Number(k.slice(0, i)), gen: Number(k.slice(i + 1))};
		},
		o => `${o.pfn}:${o.gen}`,
	);
	const gup = struct<NonNullable<CpuState['gup']>>([field('vas', list(va, vas.length, 'gup window vas')), field('mapped', list(pageGen, gupCap, 'gup window pages')), field('grabbed', list(pfn, gupCap, 'gup window grabs'))]);

	// Replicas get equal slices: a group's locals and bounds are the union and the maximum of its CPUs'.
	const groupOf = new Map<number, readonly number[]>();
	for (const g of input.symmetry) for (const c of g) groupOf.set(c, g);
	const cpuCodec = (id: number): Codec<CpuState> => {
		const group = groupOf.get(id) ?? [id];
		const locals = uniqSorted(group.flatMap(c => input.locals[c] ?? []));
		const saved = Math.max(...group.map(c => input.irqSaved[c]!.value));
		const frames = Math.max(...group.map(c => input.irqLines[c]! + 1));
		const slice = struct<CpuState>([
			field('pc', int()),
			field('locals', sparse(locals, val, `CPU${id}'s locals`)),
			field('irqsOn', bool),
			field('irqSaved', list(bool, saved, `CPU${id}'s local_irq_save nesting`)),
			field('rcuDepth', int('count')),
			field('preempt', int('count')),
			field('wait', nullable(wait)),
			field(
				'irqFrames',
				list(struct<CpuState['irqFrames'][number]>([field('pc', int()), field('wait', nullable(wait)), field('irqsOn', bool)]), frames, `CPU${id}'s interrupt frames`),
			),
			field('ipis', list(ipi, ipiCap, `CPU${id}'s IPI queue`)),
			field('tlb', tlb),
			field('pwc', record(regionKeys, table, `CPU${id}'s paging-structure cache`, hexKey)),
			field('lazy', bool),
			field('gather', nullable(gather)),
			field('gup', nullable(gup)),
		], ['id']);
		// The id is the slice's place: not a slot.
		return {
			width: slice.width,
			slots: slice.slots,
			enc(c, v, at) {
				if (c.id !== id) throw new LayoutBoundError(`CPU slice ${id} holds CPU${c.id}`);
				slice.enc(c, v, at);
			},
			dec: (v, at) => ({id, ...(slice.dec(v, at) as Omit<CpuState, 'id'>)}) as CpuState,
		};
	};
	for (let c = 0; c < n; c++) bounds.push({...input.irqSaved[c]!, what: `CPU${c} local_irq_save nesting`});

	const ptTable = struct<PtTable>([field('level', int()), field('entries', sparse(entryKeys, ptEntry, 'table entries')), field('freed', bool)]);
	const pt = struct<Machine['pt']>([
		field('root', table),
		field('tables', record(tableIds.map(String), ptTable, 'table pages', k => `T${k}`)),
		field('nextTable', int('table')),
		field('deposited', record(regionKeys, list(table, depositCap, 'deposited tables'), 'deposits', hexKey)),
	]);
	const collapse = mapped(
		oneOf(['', 'checked', 'discarded'], 'tag', 'a collapse state'),
		(x: 'checked' | 'discarded' | null) => x ?? '',
		s => (s === '' ? null : s) as 'checked' | 'discarded' | null,
	);
	const ram = struct<NonNullable<PageStruct['ram']>>([
		field('free', bool),
		field('gen', int()),
		field('owner', cpuOrNull),
		field('mapcount', int('count')),
		field('collapse', collapse),
		field('lateRefs', int('count')),
		field('head', pfn, true),
		field('pgDirty', flag, true),
		field('writtenBack', flag, true),
		field('data', int(), true),
		field('anonExclusive', flag, true),
	]);
	const page = struct<PageStruct>([field('exists', bool), field('refcount', int('count')), field('pins', int('count')), field('idle', int('count')), field('pgmap', nullable(name)), field('ram', ram, true)]);
	const pgmapCodec = struct<Machine['pgmaps'][string]>([
		field('name', name),
		field('type', oneOf(['fsdax', 'devdax'], 'tag', 'a pgmap type')),
		field('first', pfn),
		field('npages', int('count')),
		field('ref', struct([field('state', oneOf(['live', 'dead', 'zero', 'exited'], 'tag', 'a ref state')), field('count', int('count')), field('mode', oneOf(['percpu', 'atomic'], 'tag', 'a ref mode'))])),
		field('inArray', bool),
		field('daxAlive', bool),
		field('done', bool),
	]);
	const fs = nullable(struct<NonNullable<Machine['fs']>>([field('kind', oneOf(['xfs', 'ext4'], 'tag', 'a filesystem')), field('dev', name), field('holder', bool), field('frozen', bool), field('shutdown', bool)]));
	const rcu = list(struct<RcuCallback>([field('kind', oneOf(['ref-switch-atomic', 'free-table'], 'tag', 'an RCU callback kind')), field('pgmap', name, true), field('table', table, true), field('readers', cpuset)]), rcuCap, 'RCU callbacks');
	const vma = struct<Vma>([field('va', wide('va')), field('npages', int('count')), field('pfn', pfn), field('pgmap', nullable(name)), field('write', bool), field('huge', bool)]);
	const lock = struct<Lock>([field('kind', oneOf(['spinlock', 'mutex', 'rwsem'], 'tag', 'a lock kind')), field('owner', cpuOrNull), field('readers', cpuset)]);

	// ---- regions, in vector order ----
	type Part = {name: string; codec: Codec<unknown>; get: (m: Machine) => unknown; set: (o: Machine, x: unknown) => void};
	const part = <T>(name: string, codec: Codec<T>, get: (m: Machine) => T, set: (o: Machine, x: T) => void): Part => ({name, codec: codec as Codec<unknown>, get, set: set as Part['set']});
	const header = struct<Pick<Machine, 'sigbus' | 'sigkill' | 'tlbFlushPending' | 'mmCpumask'>>([field('sigbus', bool), field('sigkill', bool), field('tlbFlushPending', int('count')), field('mmCpumask', cpuset)]);
	// The slices in id order, except that a group of replicas comes whole where its first CPU is: adjacent.
	const sliceOrder: number[] = [];
	for (let c = 0; c < n; c++) if (!sliceOrder.includes(c)) sliceOrder.push(...(groupOf.get(c) ?? [c]));
	const parts: Part[] = [
		part('header', header, m => ({sigbus: m.sigbus, sigkill: m.sigkill, tlbFlushPending: m.tlbFlushPending, mmCpumask: m.mmCpumask}), (o, x) => Object.assign(o, x)),
		...sliceOrder.map(c => part(`cpu${c}`, cpuCodec(c), m => m.cpus[c]!, (o, x) => (o.cpus[c] = x))),
		part('pt', pt, m => m.pt, (o, x) => (o.pt = x)),
		part('memmap', record(pfnKeys, page, 'memmap', hexKey), m => m.memmap, (o, x) => (o.memmap = x)),
		part('pfns', record(backedKeys, struct<Machine['pfns'][string]>([field('backed', bool), field('owner', oneOf(['device', 'free', 'reassigned'], 'tag', 'a pfn owner'))]), 'pfns', hexKey), m => m.pfns, (o, x) => (o.pfns = x)),
		part('pgmaps', record(Object.keys(m0.pgmaps).sort(), pgmapCodec, 'pgmaps'), m => m.pgmaps, (o, x) => (o.pgmaps = x)),
		part('fs', fs, m => m.fs, (o, x) => (o.fs = x)),
		part('rcu', rcu, m => m.rcu, (o, x) => (o.rcu = x)),
		part('vmas', list(vma, vmaCap, 'vmas'), m => m.vmas, (o, x) => (o.vmas = x)),
		part('zapped', list(va, vas.length, 'zapped vas'), m => m.zapped, (o, x) => (o.zapped = x)),
		part('globals', sparse<Value>(Object.keys(m0.globals).sort(), val, 'shared variables'), m => m.globals, (o, x) => (o.globals = x)),
		part('locks', record(lockNames, lock, 'locks'), m => m.locks, (o, x) => (o.locks = x)),
	];
	if (m0.lockOrder !== undefined) {
		// lock_order(on): the "held -> taken" pairs a path recorded (sorted), each as two lock names
		const lockName = oneOf(lockNames, 'name', 'a lock name');
		const pair = mapped(
			struct<{a: string; b: string}>([field('a', lockName), field('b', lockName)]),
			(o: string) => {
				const [a, b] = o.split(' -> ');
				return {a: a!, b: b!};
			},
			x => `${x.a} -> ${x.b}`,
		);
		const orderCap = bound({what: 'lock orders recorded', value: lockNames.length * (lockNames.length - 1), basis: 'static', reason: 'one per ordered pair of distinct locks'});
		parts.push(part('lockOrder', list(pair, orderCap, 'lock orders'), m => m.lockOrder!, (o, x) => (o.lockOrder = x)));
	}
	// A machine field no part encodes would be dropped, and two states differing in it merged.
	const covered = new Set(['settings', 'cpus', 'violations', 'sigbus', 'sigkill', 'tlbFlushPending', 'mmCpumask', ...parts.slice(1).map(p => p.name).filter(p => !p.startsWith('cpu'))]);

	const regions: Region[] = [];
	const slots: Slot[] = [];
	let offset = 0;
	for (const p of parts) {
		regions.push({name: p.name, offset, width: p.codec.width});
		const before = slots.length;
		p.codec.slots(p.name, slots);
		if (slots.length - before !== p.codec.width) throw new Error(`layout: region ${p.name} lists ${slots.length - before} slots for a width of ${p.codec.width}`);
		offset += p.codec.width;
	}
	const settings = m0.settings;
	const check = (m: Machine): void => {
		if (m.cpus.length !== n) throw new LayoutBoundError(`${m.cpus.length} CPUs in a layout of ${n}`);
		if (!sameSettings(m.settings, settings)) throw new LayoutBoundError('the settings changed: they are constants of the compiled model');
		for (const k in m) if (!covered.has(k)) throw new LayoutBoundError(`a machine field '${k}' the layout does not have`);
	};
	const codec: Codec<Machine> = {
		width: offset,
		slots: (_p, out) => void out.push(...slots),
		enc(m, v, at) {
			check(m);
			parts.forEach((p, i) => p.codec.enc(p.get(m), v, at + regions[i]!.offset));
		},
		dec(v, at) {
			const o = {settings, cpus: new Array<CpuState>(n), violations: []} as unknown as Machine;
			parts.forEach((p, i) => p.set(o, p.codec.dec(v, at + regions[i]!.offset)));
			return o;
		},
	};
	return {
		length: offset,
		regions,
		cpuSlices: Array.from({length: n}, (_, c) => regions.find(r => r.name === `cpu${c}`)!),
		slots,
		cpuSlots: slots.flatMap((s, i) => (s.kind === 'cpu' ? [i] : [])),
		cpusetSlots: slots.flatMap((s, i) => (s.kind === 'cpuset' ? [i] : [])),
		bounds,
		settings,
		vas,
		regions2M,
		tableIds,
		names,
		codec,
		parts: parts.map((p, i) => ({offset: regions[i]!.offset, width: p.codec.width, shared: p.name !== 'header', get: p.get, enc: p.codec.enc.bind(p.codec)})),
		check,
	};
}

/**
 * An IPI in six slots: from, kind and flags in the first (bits 0-7 the
 * sender, 8-9 the kind, 10 a range key, 11 the range is null, 12 a
 * freedTables key, 13 its value, 14 an irq key), the irq line's name, the range.
 */
function ipiCodec(name: Codec<string>): Codec<Ipi> {
	const KINDS = ['flush', 'sync', 'device'] as const;
	const r = range;
	return {
		width: 2 + r.width,
		slots: (p, out) => {
			out.push({name: `${p}.from`, kind: 'cpu'}, {name: `${p}.irq`, kind: 'name'});
			r.slots(`${p}.range`, out);
		},
		enc(x, v, at) {
			for (const k in x) if (k !== 'from' && k !== 'kind' && k !== 'range' && k !== 'freedTables' && k !== 'irq') throw new LayoutBoundError(`an IPI field '${k}' the layout does not have`);
			if (x.from < 0 || x.from > 255) throw new LayoutBoundError(`an IPI from CPU${x.from}`);
			const o = x as {range?: VaRange | null; freedTables?: boolean; irq?: string};
			let w = x.from | (KINDS.indexOf(x.kind) << 8);
			for (let i = 1; i < 2 + r.width; i++) v[at + i] = 0;
			if ('range' in o) {
				w |= 1 << 10;
				if (o.range === null) w |= 1 << 11;
				else r.enc(o.range!, v, at + 2);
			}
			if ('freedTables' in o) w |= (1 << 12) | (o.freedTables ? 1 << 13 : 0);
			if ('irq' in o) {
				w |= 1 << 14;
				name.enc(o.irq!, v, at + 1);
			}
			v[at] = w;
		},
		dec(v, at) {
			const w = v[at]!;
			const o: Record<string, unknown> = {from: w & 0xff, kind: KINDS[(w >> 8) & 3]};
			if (w & (1 << 10)) o.range = w & (1 << 11) ? null : r.dec(v, at + 2);
			if (w & (1 << 12)) o.freedTables = (w & (1 << 13)) !== 0;
			if (w & (1 << 14)) o.irq = name.dec(v, at + 1);
			return o as Ipi;
		},
	};
}

/** A CPU's TLB in three slots per va: flags (1 present, 2 write, 4 a generation, 8 huge, 16 dirty), the pfn, the generation. */
function compactTlb(vaKeys: readonly string[], label: (k: string) => string): Codec<Record<string, TlbEntry>> {
	const at = new Map(vaKeys.map((k, i) => [k, i]));
	return {
		width: 3 * vaKeys.length,
		slots: (p, out) => {
			for (const k of vaKeys) out.push({name: `${p}[${label(k)}]`, kind: 'tag'}, {name: `${p}[${label(k)}].pfn`, kind: 'pfn'}, {name: `${p}[${label(k)}].gen`, kind: 'int'});
		},
		enc(x, v, off) {
			v.fill(0, off, off + 3 * vaKeys.length);
			for (const k in x) {
				const i = at.get(k);
				if (i === undefined) throw new LayoutBoundError(`a TLB entry for ${label(k)}, not among the ${vaKeys.length} vas the layout holds`);
				const e = x[k]!;
				for (const f in e) if (f !== 'pfn' && f !== 'write' && f !== 'gen' && f !== 'huge' && f !== 'dirty') throw new LayoutBoundError(`a TLB entry field '${f}' the layout does not have`);
				if ((e.huge !== undefined && e.huge !== true) || (e.dirty !== undefined && e.dirty !== true)) throw new LayoutBoundError('a TLB entry with a flag false, not absent');
				const a = off + 3 * i!;
				v[a] = 1 | (e.write ? 2 : 0) | ('gen' in e ? 4 : 0) | (e.huge ? 8 : 0) | (e.dirty ? 16 : 0);
				v[a + 1] = e.pfn;
				v[a + 2] = e.gen ?? 0;
			}
		},
		dec(v, off) {
			const o: Record<string, TlbEntry> = {};
			for (let i = 0; i < vaKeys.length; i++) {
				const a = off + 3 * i;
				const f = v[a]!;
				if (f === 0) continue;
				const e: TlbEntry = {pfn: v[a + 1]!, write: (f & 2) !== 0};
				if (f & 4) e.gen = v[a + 2]!;
				if (f & 8) e.huge = true;
				if (f & 16) e.dirty = true;
				o[vaKeys[i]!] = e;
			}
			return o;
		},
	};
}

function sameSettings(a: Settings, b: Settings): boolean {
	return a === b || (a.flush === b.flush && a.tableFree === b.tableFree && a.refcount === b.refcount && a.pteMap === b.pteMap && a.arch === b.arch && a.walkCache === b.walkCache && a.hugeTlb === b.hugeTlb);
}

/** The vas of the initial machine's leaves (every page of a huge leaf's 2 MiB is not a va of its own: only the one mapped). */
function walkInitialLeaves(m: Machine, out: number[]): void {
	const walk = (id: number, level: number, base: number): void => {
		const t = m.pt.tables[id];
		if (!t) return;
		for (const k in t.entries) {
			const e = t.entries[k]!;
			const va = base + Number(k) * 2 ** (12 + 9 * (level - 1));
			if ('table' in e) walk(e.table, level - 1, va);
			else out.push(va);
		}
	};
	walk(m.pt.root, 4, 0);
}

/** The vector of m under the layout. */
export function encode(layout: Layout, m: Machine): Int32Array {
	const v = new Int32Array(layout.length);
	layout.codec.enc(m, v, 0);
	return v;
}

/** The machine a vector holds (violations are not state: none). */
export function decode(layout: Layout, v: Int32Array): Machine {
	if (v.length !== layout.length) throw new LayoutBoundError(`a vector of ${v.length} slots for a layout of ${layout.length}`);
	return layout.codec.dec(v, 0);
}
