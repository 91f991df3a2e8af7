// Building the initial machine from a scenario's `machine { }` block. Each
// set-up call is validated here with a message that names what is wrong; the
// compiler turns the message into a diagnostic at the call's position.

import {emptyTables, findLeaf, installLeaf, leafPfnAt, pmdBase, tableAt, tablePath} from './pagetable.js';
import type {Arch, CpuState, FlushMode, LeafEntry, Machine, PteMapMode, RefcountMode, TableFreeMode, TlbEntry, Value} from './types.js';
import {hex} from './values.js';

/**
 * A set-up call's mistake. `value`: the argument at fault, so the compiler can point at it and,
 * for a name, suggest the nearest of `allowed` (or of the consts and params, when a number was
 * expected and a name nobody declared was given).
 */
export class SetupError extends Error {
	constructor(
		message: string,
		readonly value?: Value,
		readonly allowed?: readonly string[],
	) {
		super(message);
	}
}

const isSym = (v: Value | undefined): v is {t: 'sym'; name: string} => v !== null && typeof v === 'object' && v.t === 'sym';

export type SetupCall = {
	name: string;
	usage: string;
	effect: string;
	/** The bare words it takes as arguments (modes, flags): a param or const of the same name would be ambiguous there. */
	words?: readonly string[];
	apply: (m: Machine, args: Value[]) => void;
};

const sym = (v: Value | undefined, what: string, allowed: readonly string[]): string => {
	if (isSym(v) && allowed.includes(v.name)) return v.name;
	if (isSym(v)) throw new SetupError(`'${v.name}' is not ${what}; one of: ${allowed.join(' | ')}`, v, allowed);
	throw new SetupError(`expected ${what} (${allowed.join(' | ')})`, v);
};
const word = (v: Value | undefined, what: string): string => {
	if (v !== null && typeof v === 'object' && (v.t === 'sym' || v.t === 'pgmap')) return v.name;
	throw new SetupError(`expected ${what} (a name)`);
};
const int = (v: Value | undefined, what: string): number => {
	if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
	if (isSym(v)) throw new SetupError(`expected ${what} (a non-negative integer), found '${v.name}', which is not a const or param`, v);
	throw new SetupError(`expected ${what} (a non-negative integer)`, v);
};

const HPAGE_PMD_NR = 512;
const FLAGS = ['write', 'special', 'devmap', 'huge', 'protnone', 'dirty'];
const FLUSH_MODES = ['ipi', 'broadcast'];
const TABLE_FREE_MODES = ['ipi', 'rcu', 'none'];
const ARCHES = ['x86', 'arm64'];
const ON_OFF = ['on', 'off'];
const PTE_MAP_ERAS = ['v6_4', 'v6_5', 'v6_5_no_recheck'];
const REFCOUNT_ERAS = ['e21', 'v5_18', 'v6_15'];
const PGMAP_WORDS = ['fsdax', 'devdax', 'percpu_ref', 'atomic_ref'];
const FS_KINDS = ['xfs', 'ext4'];
const VMA_FLAGS = ['write'];

/** pgtable_trans_huge_deposit of a fresh, empty PTE page under the huge PMD at va. */
function depositTable(m: Machine, va: number): void {
	const id = m.pt.nextTable++;
	m.pt.tables[id] = {level: 1, entries: {}, freed: false};
	(m.pt.deposited[pmdBase(va)] ??= []).push(id);
}

/** Setup's TLB entry for va as a walk would fill it: the subpage of a huge leaf, a 2 MiB entry under huge_tlb. */
export function tlbEntryFor(m: Machine, va: number): TlbEntry | null {
	const leaf = findLeaf(m.pt, va);
	if (!leaf || leaf.entry.invalid) return null;
	const pfn = leafPfnAt(leaf.entry, leaf.level, va);
	const ram = m.memmap[pfn]?.ram;
	const e: TlbEntry = ram ? {pfn, write: leaf.entry.write, gen: ram.gen} : {pfn, write: leaf.entry.write};
	if (m.settings.hugeTlb && leaf.level === 2) e.huge = true;
	if (leaf.entry.dirty) e.dirty = true;
	return e;
}

/** huge_tlb on: entries set up before now learn their size too. */
export function enableHugeTlb(m: Machine): void {
	m.settings.hugeTlb = true;
	for (const c of m.cpus) for (const key of Object.keys(c.tlb)) if (findLeaf(m.pt, Number(key))?.level === 2) c.tlb[key]!.huge = true;
}

/**
 * prep_compound_page: the RAM pages after head become its tails. A tail is allocated with the
 * head (never free on its own), its compound_head names the head, and its references (a PTE
 * mapping's: a PTE-mapped THP's PTEs each hold one on the folio) move to the head's count.
 */
function makeCompound(m: Machine, head: number, n: number): void {
	const h = m.memmap[head];
	if (!h?.ram) throw new SetupError(`pfn ${hex(head)} is not a RAM page declared with ram()`);
	if (h.ram.head !== undefined) throw new SetupError(`pfn ${hex(head)} is a tail page of ${hex(h.ram.head)}`);
	if (h.ram.free) throw new SetupError(`pfn ${hex(head)} is free: map it first (map, map_range), then make it a compound page`);
	for (let pfn = head + 1; pfn < head + n; pfn++) {
		const t = m.memmap[pfn];
		if (!t?.ram) throw new SetupError(`pfn ${hex(pfn)} is not a RAM page declared with ram(): a compound page's pages are declared RAM`);
		if (t.ram.head !== undefined) throw new SetupError(`pfn ${hex(pfn)} is already a tail page of ${hex(t.ram.head)}`);
		if (Object.values(m.memmap).some(p => p.ram?.head === pfn)) throw new SetupError(`pfn ${hex(pfn)} is the head of another compound page`);
		if (t.ram.free) t.ram = {...t.ram, free: false, gen: t.ram.gen + 1};
		h.refcount += t.refcount;
		h.pins += t.pins;
		t.refcount = 0;
		t.pins = 0;
		t.ram.head = head;
	}
}

function mapPages(m: Machine, va: number, pfn: number, n: number, flagArgs: Value[]): void {
	const flags = new Set(flagArgs.map(f => sym(f, 'a PTE flag', FLAGS)));
	if (n < 1 || n > 4096) throw new SetupError('npages must be between 1 and 4096');
	if (va % 4096 !== 0) throw new SetupError(`va ${hex(va)} is not page aligned`);
	const pg = Object.values(m.pgmaps).find(p => pfn >= p.first && pfn + n <= p.first + p.npages);
	const ram = !pg && Array.from({length: n}, (_, i) => m.memmap[pfn + i]?.ram).every(r => r !== undefined);
	if (!pg && !ram) throw new SetupError(`pfn ${hex(pfn)}..${hex(pfn + n - 1)} is neither inside a pgmap nor RAM declared (ram()) before this map()`);
	const huge = flags.has('huge');
	if (huge && va % 0x200000 !== 0) throw new SetupError(`va ${hex(va)} is not 2 MiB aligned, as a huge (PMD) mapping must be`);
	const protnone = flags.has('protnone');
	if (protnone && huge) throw new SetupError('a PROT_NONE huge PMD is not modelled (protnone is for PTEs)');
	for (let i = 0; i < n; i++) {
		// A PROT_NONE PTE has no _PAGE_RW; the vma keeps its write permission (do_numa_page restores it).
		const leaf: LeafEntry = {pfn: pfn + i, write: flags.has('write') && !protnone, special: flags.has('special'), devmap: flags.has('devmap')};
		if (protnone) leaf.protnone = true;
		if (flags.has('dirty')) leaf.dirty = true;
		// installLeaf replaces what it finds: a second map() of a va would count the page's reference and mapcount twice
		const at = va + i * 4096;
		const old = findLeaf(m.pt, at);
		if (old) throw new SetupError(`va ${hex(at)} is already mapped${old.level === 2 ? ' by a huge mapping' : ` (to pfn ${hex(old.entry.pfn)}, by an earlier map)`}: one map() per va`);
		if (huge && tableAt(m.pt, at, 1) !== undefined) throw new SetupError(`va ${hex(at)}: its 2 MiB already have a PTE page (an earlier map() or pte_table() there): a huge PMD would replace it`);
		installLeaf(m.pt, at, leaf, huge);
		const page = m.memmap[pfn + i]!;
		// An anonymous THP (do_huge_pmd_anonymous_page) deposits a PTE page for its later split; DAX inserts deposit none on x86 (arch_needs_pgtable_deposit).
		if (huge && page.ram) depositTable(m, va + i * 4096);
		if (page.ram) {
			// A mapped anonymous page: the mapping holds a reference and a mapcount.
			if (page.ram.free) page.ram = {...page.ram, free: false, gen: page.ram.gen + 1};
			page.refcount += 1;
			page.ram.mapcount += 1;
		} else if (m.settings.refcount === 'v6_15') {
			page.refcount += 1;
			page.idle += 1;
		}
	}
	// A huge PMD maps 2 MiB, so its vma covers them: a fault anywhere in it after a zap is the vma's (the 4 KiB at va alone would make the rest SIGSEGV).
	m.vmas.push({va, npages: huge ? HPAGE_PMD_NR : n, pfn, pgmap: pg ? pg.name : null, write: flags.has('write'), huge});
	// do_huge_pmd_anonymous_page maps a compound page: the declared RAM pages after pfn are its tails
	if (huge && ram && n === 1) {
		let tails = 0;
		while (tails < 511 && m.memmap[pfn + 1 + tails]?.ram && m.memmap[pfn + 1 + tails]!.ram!.free) tails++;
		if (tails > 0) makeCompound(m, pfn, 1 + tails);
	}
}

export const SETUP_CALLS: readonly SetupCall[] = [
	{
		name: 'flush',
		usage: 'flush(ipi | broadcast)',
		effect: 'FLUSH setting: how flush_tlb_mm_range reaches other CPUs',
		words: FLUSH_MODES,
		apply: (m, [a]) => void (m.settings.flush = sym(a, 'a flush mode', FLUSH_MODES) as FlushMode),
	},
	{
		name: 'table_free',
		usage: 'table_free(ipi | rcu | none)',
		effect: 'TABLE_FREE setting: how unhooked page-table pages wait for lockless walkers. ipi: freed with the data pages after the TLB flush (no MMU_GATHER_RCU_TABLE_FREE; tlb_remove_table_sync_one is empty); rcu: tlb_remove_table -> call_rcu; none: freed at once (the bug RCU table free fixed)',
		words: TABLE_FREE_MODES,
		apply: (m, [a]) => void (m.settings.tableFree = sym(a, 'a table-free mode', TABLE_FREE_MODES) as TableFreeMode),
	},
	{
		name: 'arch',
		usage: 'arch(x86 | arm64)',
		effect: 'x86 (default): any TLB flush of a va also drops the paging-structure cache entries behind it; arm64: flush_tlb_page and a flush without freed_tables (the mmu_gather\'s, flush_tlb_mm_range) are leaf-only and keep them; flush_tlb_range (so pmdp_collapse_flush and pmdp_invalidate), flush_tlb_mm and a freed_tables flush drop them. arm64 flushes are broadcast TLBIs, never IPIs: without a flush() call, arch(arm64) also means FLUSH=broadcast',
		words: ARCHES,
		apply: (m, [a]) => void (m.settings.arch = sym(a, 'an architecture', ARCHES) as Arch),
	},
	{
		name: 'walk_cache',
		usage: 'walk_cache(on | off)',
		effect: 'whether hardware walks fill and use per-CPU paging-structure caches (S6h). Default: on when the scenario calls a primitive that frees page-table pages or sets up pwc(), off otherwise',
		words: ON_OFF,
		apply: (m, [a]) => void (m.settings.walkCache = sym(a, 'on or off', ON_OFF) === 'on'),
	},
	{
		name: 'huge_tlb',
		usage: 'huge_tlb(on | off)',
		effect: 'whether TLB entries remember that a huge PMD filled them (a 2 MiB entry, dropped by any flush touching its region), so a small and a huge entry for one region on one CPU is S11. Default: on when the scenario calls pmdp_invalidate, pmdp_establish or pmd_mkinvalid, off otherwise',
		words: ON_OFF,
		apply: (m, [a]) => {
			if (sym(a, 'on or off', ON_OFF) === 'on') enableHugeTlb(m);
			else delete m.settings.hugeTlb;
		},
	},
	{
		name: 'lock_order',
		usage: 'lock_order(on | off)',
		effect: 'lockdep\'s order check (kind lock-order, L4): each blocking acquisition records held -> taken for the locks the CPU holds, and one that closes a cycle of recorded orders is reported even when no deadlock is reachable. By lock, not by class; a trylock records nothing for the lock it tries. Off by default: the orders are part of the state, which makes searches larger',
		words: ON_OFF,
		apply(m, [a]) {
			if (sym(a, 'on or off', ON_OFF) === 'on') m.lockOrder = [];
			else delete m.lockOrder;
		},
	},
	{
		name: 'ram',
		usage: 'ram(first_pfn, npages)',
		effect: 'ordinary RAM pages [first_pfn, first_pfn + npages), free in the page allocator (refcount 0); map() of one allocates it for the mapping (refcount 1, mapcount 1); mapping it again (another vma or process mapping the same page) adds a reference and a mapcount, in the same allocation',
		apply(m, args) {
			const first = int(args[0], 'the first pfn');
			const npages = int(args[1], 'the number of pages');
			if (npages < 1 || npages > 4096) throw new SetupError('npages must be between 1 and 4096');
			if (args.length > 2) throw new SetupError('too many arguments');
			for (let pfn = first; pfn < first + npages; pfn++) {
				if (m.memmap[pfn]) throw new SetupError(`pfn ${hex(pfn)} is already declared`);
				m.memmap[pfn] = {exists: true, refcount: 0, pins: 0, idle: 0, pgmap: null, ram: {free: true, gen: 0, owner: null, mapcount: 0, collapse: null, lateRefs: 0}};
			}
		},
	},
	{
		name: 'pte_offset_map',
		usage: 'pte_offset_map(v6_4 | v6_5 | v6_5_no_recheck)',
		effect: 'which pte_offset_map_lock: v6_4 takes the PTE lock in one step and never fails; v6_5 enters RCU, may return NULL and re-checks the PMD under the lock; v6_5_no_recheck drops that re-check (a mutation)',
		words: PTE_MAP_ERAS,
		apply: (m, [a]) => void (m.settings.pteMap = sym(a, 'a pte_offset_map era', PTE_MAP_ERAS) as PteMapMode),
	},
	{
		name: 'refcount',
		usage: 'refcount(e21 | v5_18 | v6_15)',
		effect: 'ZONE_DEVICE refcount rules; must come before pgmap()',
		words: REFCOUNT_ERAS,
		apply(m, [a]) {
			if (Object.keys(m.pgmaps).length > 0) throw new SetupError('refcount() must come before the first pgmap()');
			m.settings.refcount = sym(a, 'a refcount era', REFCOUNT_ERAS) as RefcountMode;
		},
	},
	{
		name: 'pgmap',
		usage: 'pgmap(name, fsdax | devdax, first_pfn, npages [, percpu_ref | atomic_ref])',
		effect: 'a dev_pagemap over [first_pfn, first_pfn + npages): memmap present, memory backed, ref live with 1 + npages references (base + one per page, memremap_pages)',
		words: PGMAP_WORDS,
		apply(m, args) {
			const name = word(args[0], 'a pgmap name');
			if (m.pgmaps[name]) throw new SetupError(`pgmap '${name}' is declared twice`);
			const type = sym(args[1], 'a pgmap type', PGMAP_WORDS.slice(0, 2)) as 'fsdax' | 'devdax';
			const first = int(args[2], 'the first pfn');
			const npages = int(args[3], 'the number of pages');
			if (npages < 1 || npages > 4096) throw new SetupError('npages must be between 1 and 4096');
			const mode = args[4] === undefined || sym(args[4], 'a ref mode', PGMAP_WORDS.slice(2)) === 'percpu_ref' ? 'percpu' : 'atomic';
			if (args.length > 5) throw new SetupError('too many arguments');
			for (let pfn = first; pfn < first + npages; pfn++) {
				if (m.memmap[pfn]) throw new SetupError(`pfn ${hex(pfn)} is already in another pgmap`);
				const idle = m.settings.refcount === 'v6_15' ? 0 : 1;
				m.memmap[pfn] = {exists: true, refcount: idle, pins: 0, idle, pgmap: name};
				m.pfns[pfn] = {backed: true, owner: 'device'};
			}
			m.pgmaps[name] = {name, type, first, npages, ref: {state: 'live', count: 1 + npages, mode}, inArray: true, daxAlive: true, done: false};
		},
	},
	{
		name: 'fs',
		usage: 'fs(xfs | ext4, pgmap)',
		effect: 'a DAX filesystem mounted on the fsdax device; xfs registers as dax holder (MF_MEM_PRE_REMOVE), ext4 does not',
		words: FS_KINDS,
		apply(m, args) {
			const kind = sym(args[0], 'a filesystem', FS_KINDS) as 'xfs' | 'ext4';
			const dev = word(args[1], 'the pgmap it is mounted on');
			if (!m.pgmaps[dev]) throw new SetupError(`no pgmap named '${dev}' declared before fs()`);
			if (m.pgmaps[dev]!.type !== 'fsdax') throw new SetupError(`'${dev}' is not an fsdax pgmap`);
			m.fs = {kind, dev, holder: kind === 'xfs', frozen: false, shutdown: false};
		},
	},
	{
		name: 'map',
		usage: 'map(va, pfn, flags...)   flags: write special devmap huge protnone dirty',
		effect: 'a vma page at va mapping pfn, with its PTE present (one map() per va, and none under a huge one or, for a huge one, over a PTE page; a huge flag makes it a PMD leaf, whose vma covers its 2 MiB; protnone makes the PTE PROT_NONE, a NUMA hint: present to Linux, not to the walker, with the vma still writable if write is given; dirty sets the PTE\'s dirty bit, as a store through it did). A fault there after a zap installs pfn again for a dev_pagemap page; over RAM the vma is anonymous, and the fault allocates a free RAM page instead (a file page that the fault maps again is written by hand)',
		words: FLAGS,
		apply: (m, [va, pfn, ...flags]) => mapPages(m, int(va, 'a va'), int(pfn, 'a pfn'), 1, flags),
	},
	{
		name: 'map_range',
		usage: 'map_range(va, pfn, npages, flags...)',
		effect: 'npages consecutive pages mapped from va to pfn..',
		words: FLAGS,
		apply: (m, [va, pfn, n, ...flags]) => mapPages(m, int(va, 'a va'), int(pfn, 'a pfn'), int(n, 'the number of pages'), flags),
	},
	{
		name: 'compound',
		usage: 'compound(first_pfn, npages)',
		effect: 'the RAM pages [first_pfn, first_pfn + npages) are one compound page (a THP folio) with head first_pfn, as a PTE-mapped THP (map_range first, then compound): each tail\'s references move to the head, whose refcount is the folio\'s; page_folio of a tail is the head until clear_compound_head. map(va, pfn, huge) over RAM does this by itself for the free RAM pages declared right after pfn (at most 511)',
		apply(m, args) {
			if (args.length !== 2) throw new SetupError('compound(first_pfn, npages) takes 2 arguments');
			const head = int(args[0], 'the head pfn');
			const n = int(args[1], 'the number of pages');
			if (n < 2 || n > 512) throw new SetupError('npages must be between 2 and 512 (a THP has at most HPAGE_PMD_NR pages)');
			makeCompound(m, head, n);
		},
	},
	{
		name: 'page_ref',
		usage: 'page_ref(pfn, n)',
		effect: 'n more references on an allocated RAM page, held by someone outside the scenario\'s CPUs: the per-CPU LRU batch\'s (folio_add_lru until lru_add_drain), the swap cache\'s, another process\'s GUP reference. What makes do_wp_page copy a page since 09854ba94c6a (page_count > 1)',
		apply(m, [p, n, ...rest]) {
			if (rest.length > 0) throw new SetupError('page_ref(pfn, n) takes 2 arguments');
			const pfn = int(p, 'a pfn');
			const page = m.memmap[pfn];
			if (!page?.ram || page.ram.free) throw new SetupError(`pfn ${hex(pfn)} is not an allocated RAM page (ram(), then map() it)`);
			const refs = int(n, 'a number of references');
			if (refs < 1 || refs > 1000) throw new SetupError('n must be between 1 and 1000');
			page.refcount += refs;
		},
	},
	{
		name: 'vma',
		usage: 'vma(va, npages [, write])',
		effect: 'an anonymous vma over RAM with no PTEs yet: a fault allocates a free RAM page and maps it; remove_vma() takes it away (munmap)',
		words: VMA_FLAGS,
		apply(m, [va, n, ...flags]) {
			const a = int(va, 'a va');
			if (a % 4096 !== 0) throw new SetupError(`va ${hex(a)} is not page aligned`);
			const write = flags.map(f => sym(f, 'a vma flag', VMA_FLAGS)).includes('write');
			m.vmas.push({va: a, npages: int(n, 'the number of pages'), pfn: -1, pgmap: null, write, huge: false});
		},
	},
	{
		name: 'mm_cpumask',
		usage: 'mm_cpumask(cpu, ...)',
		effect: 'the CPUs running the mm (flush IPIs go to them; only they may access() user memory: another CPU\'s access() is an oops of the scenario). Without it every CPU of the scenario runs the mm',
		apply(m, args) {
			m.mmCpumask = [...new Set(args.map(a => int(a, 'a CPU id')))].sort((a, b) => a - b);
			for (const c of m.mmCpumask) if (!m.cpus[c]) throw new SetupError(`mm_cpumask names CPU${c}, which has no cpu block`);
		},
	},
	{
		name: 'tlb',
		usage: 'tlb(cpu, va)',
		effect: 'an initial TLB entry on cpu for va, copied from the current mapping',
		apply(m, [c, v]) {
			const cpu = m.cpus[int(c, 'a CPU id')];
			if (!cpu) throw new SetupError('no such CPU');
			const va = int(v, 'a va');
			if (findLeaf(m.pt, va)?.entry.protnone) throw new SetupError(`va ${hex(va)} is PROT_NONE: the walker cannot have filled a TLB entry from it (map it present, and make it PROT_NONE in a CPU's code)`);
			const e = tlbEntryFor(m, va);
			if (!e) throw new SetupError(`va ${hex(va)} is not mapped (map it first)`);
			cpu.tlb[va] = e;
		},
	},
	{
		name: 'pte_table',
		usage: 'pte_table(va)',
		effect: 'an empty PTE page under va\'s PMD (as a range whose PTEs were all zapped leaves it), allocating the levels above',
		apply(m, [v]) {
			const va = int(v, 'a va');
			if (tablePath(m.pt, va).some(p => p.level === 1)) throw new SetupError(`va ${hex(va)} already has a PTE page`);
			const leaf = installLeaf(m.pt, va, {pfn: 0, write: false, special: false, devmap: false}, false);
			delete m.pt.tables[leaf.table]!.entries[Math.floor(va / 4096) % 512];
		},
	},
	{
		name: 'pwc',
		usage: 'pwc(cpu, va)',
		effect: 'an initial paging-structure cache entry on cpu: the PTE page currently under va\'s PMD (as a walk, also a speculative one, leaves behind)',
		apply(m, [c, v]) {
			const cpu = m.cpus[int(c, 'a CPU id')];
			if (!cpu) throw new SetupError('no such CPU');
			const va = int(v, 'a va');
			const pte = tablePath(m.pt, va).find(p => p.level === 1);
			if (!pte) throw new SetupError(`no PTE page under va ${hex(va)} (map a page there first)`);
			cpu.pwc[pmdBase(va)] = pte.table;
			m.settings.walkCache = true;
		},
	},
	{
		name: 'lazy',
		usage: 'lazy(cpu, ...)',
		effect: 'the CPUs are in lazy TLB mode (a kernel thread borrowed the mm, enter_lazy_tlb): they stay in mm_cpumask and may walk speculatively, but run no user code; a flush that frees no tables skips them (x86 should_flush_tlb)',
		apply(m, args) {
			for (const a of args) {
				const id = int(a, 'a CPU id');
				if (!m.mmCpumask.includes(id)) throw new SetupError(`CPU${id} is not in mm_cpumask (call mm_cpumask first)`);
				m.cpus[id]!.lazy = true;
			}
		},
	},
];

export const SETUP_BY_NAME: ReadonlyMap<string, SetupCall> = new Map(SETUP_CALLS.map(s => [s.name, s]));

export function newCpu(id: number): CpuState {
	return {id, pc: 0, locals: {}, irqsOn: true, irqSaved: [], rcuDepth: 0, preempt: 0, wait: null, irqFrames: [], ipis: [], tlb: {}, pwc: {}, lazy: false, gather: null, gup: null};
}

export function emptyMachine(cpuCount: number): Machine {
	return {
		settings: {flush: 'ipi', tableFree: 'ipi', refcount: 'e21', pteMap: 'v6_4', arch: 'x86', walkCache: false},
		cpus: Array.from({length: cpuCount}, (_, i) => newCpu(i)),
		mmCpumask: [],
		pt: emptyTables(),
		memmap: {},
		pfns: {},
		pgmaps: {},
		fs: null,
		rcu: [],
		vmas: [],
		sigbus: false,
		sigkill: false,
		zapped: [],
		tlbFlushPending: 0,
		globals: {},
		locks: {},
		violations: [],
	};
}
