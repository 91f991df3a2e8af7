// Building the initial machine from a scenario's `machine { }` block. Each
// set-up call is validated here with a message that names what is wrong; the
// compiler turns the message into a diagnostic at the call's position.

import {emptyTables, installLeaf} from './pagetable.js';
import type {CpuState, FlushMode, Machine, PteMapMode, RefcountMode, TableFreeMode, Value} from './types.js';
import {hex} from './values.js';

export class SetupError extends Error {}

export type SetupCall = {
	name: string;
	usage: string;
	effect: string;
	apply: (m: Machine, args: Value[]) => void;
};

const sym = (v: Value | undefined, what: string, allowed: string[]): string => {
	if (v !== null && typeof v === 'object' && v.t === 'sym' && allowed.includes(v.name)) return v.name;
	throw new SetupError(`expected ${what} (${allowed.join(' | ')})`);
};
const word = (v: Value | undefined, what: string): string => {
	if (v !== null && typeof v === 'object' && (v.t === 'sym' || v.t === 'pgmap')) return v.name;
	throw new SetupError(`expected ${what} (a name)`);
};
const int = (v: Value | undefined, what: string): number => {
	if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
	throw new SetupError(`expected ${what} (a non-negative integer)`);
};

const FLAGS = ['write', 'special', 'devmap', 'huge'];

function mapPages(m: Machine, va: number, pfn: number, n: number, flagArgs: Value[]): void {
	const flags = new Set(flagArgs.map(f => sym(f, 'a PTE flag', FLAGS)));
	if (va % 4096 !== 0) throw new SetupError(`va ${hex(va)} is not page aligned`);
	const pg = Object.values(m.pgmaps).find(p => pfn >= p.first && pfn + n <= p.first + p.npages);
	if (!pg) throw new SetupError(`pfn ${hex(pfn)}..${hex(pfn + n - 1)} is not inside a pgmap declared before this map()`);
	const huge = flags.has('huge');
	if (huge && va % 0x200000 !== 0) throw new SetupError(`va ${hex(va)} is not 2 MiB aligned, as a huge (PMD) mapping must be`);
	for (let i = 0; i < n; i++) {
		const leaf = {pfn: pfn + i, write: flags.has('write'), special: flags.has('special'), devmap: flags.has('devmap')};
		try {
			installLeaf(m.pt, va + i * 4096, leaf, huge);
		} catch {
			throw new SetupError(`va ${hex(va + i * 4096)} is already mapped by a huge mapping`);
		}
		if (m.settings.refcount === 'v6_15') m.memmap[pfn + i]!.refcount += 1;
		if (m.settings.refcount === 'v6_15') m.memmap[pfn + i]!.idle += 1;
	}
	m.vmas.push({va, npages: n, pfn, pgmap: pg.name, write: flags.has('write'), huge});
}

export const SETUP_CALLS: readonly SetupCall[] = [
	{
		name: 'flush',
		usage: 'flush(ipi | broadcast)',
		effect: 'FLUSH setting: how flush_tlb_mm_range reaches other CPUs',
		apply: (m, [a]) => void (m.settings.flush = sym(a, 'a flush mode', ['ipi', 'broadcast']) as FlushMode),
	},
	{
		name: 'table_free',
		usage: 'table_free(ipi | rcu)',
		effect: 'TABLE_FREE setting: how freed page-table pages wait for lockless walkers',
		apply: (m, [a]) => void (m.settings.tableFree = sym(a, 'a table-free mode', ['ipi', 'rcu']) as TableFreeMode),
	},
	{
		name: 'pte_offset_map',
		usage: 'pte_offset_map(v6_4 | v6_5 | v6_5_no_recheck)',
		effect: 'which pte_offset_map_lock: v6_4 takes the PTE lock in one step and never fails; v6_5 enters RCU, may return NULL and re-checks the PMD under the lock; v6_5_no_recheck drops that re-check (a mutation)',
		apply: (m, [a]) => void (m.settings.pteMap = sym(a, 'a pte_offset_map era', ['v6_4', 'v6_5', 'v6_5_no_recheck']) as PteMapMode),
	},
	{
		name: 'refcount',
		usage: 'refcount(e21 | v5_18 | v6_15)',
		effect: 'ZONE_DEVICE refcount rules; must come before pgmap()',
		apply(m, [a]) {
			if (Object.keys(m.pgmaps).length > 0) throw new SetupError('refcount() must come before the first pgmap()');
			m.settings.refcount = sym(a, 'a refcount era', ['e21', 'v5_18', 'v6_15']) as RefcountMode;
		},
	},
	{
		name: 'pgmap',
		usage: 'pgmap(name, fsdax | devdax, first_pfn, npages [, percpu_ref | atomic_ref])',
		effect: 'a dev_pagemap over [first_pfn, first_pfn + npages): memmap present, memory backed, ref live with 1 + npages references (base + one per page, memremap_pages)',
		apply(m, args) {
			const name = word(args[0], 'a pgmap name');
			if (m.pgmaps[name]) throw new SetupError(`pgmap '${name}' is declared twice`);
			const type = sym(args[1], 'a pgmap type', ['fsdax', 'devdax']) as 'fsdax' | 'devdax';
			const first = int(args[2], 'the first pfn');
			const npages = int(args[3], 'the number of pages');
			if (npages < 1 || npages > 4096) throw new SetupError('npages must be between 1 and 4096');
			const mode = args[4] === undefined || sym(args[4], 'a ref mode', ['percpu_ref', 'atomic_ref']) === 'percpu_ref' ? 'percpu' : 'atomic';
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
		apply(m, args) {
			const kind = sym(args[0], 'a filesystem', ['xfs', 'ext4']) as 'xfs' | 'ext4';
			const dev = word(args[1], 'the pgmap it is mounted on');
			if (!m.pgmaps[dev]) throw new SetupError(`no pgmap named '${dev}' declared before fs()`);
			if (m.pgmaps[dev]!.type !== 'fsdax') throw new SetupError(`'${dev}' is not an fsdax pgmap`);
			m.fs = {kind, dev, holder: kind === 'xfs', frozen: false, shutdown: false};
		},
	},
	{
		name: 'map',
		usage: 'map(va, pfn, flags...)   flags: write special devmap huge',
		effect: 'a vma page at va mapping pfn, with its PTE present (a huge flag makes it a PMD leaf)',
		apply: (m, [va, pfn, ...flags]) => mapPages(m, int(va, 'a va'), int(pfn, 'a pfn'), 1, flags),
	},
	{
		name: 'map_range',
		usage: 'map_range(va, pfn, npages, flags...)',
		effect: 'npages consecutive pages mapped from va to pfn..',
		apply: (m, [va, pfn, n, ...flags]) => mapPages(m, int(va, 'a va'), int(pfn, 'a pfn'), int(n, 'the number of pages'), flags),
	},
	{
		name: 'mm_cpumask',
		usage: 'mm_cpumask(cpu, ...)',
		effect: 'the CPUs running the mm (flush IPIs go to them; only they may access() user memory)',
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
			const vma = m.vmas.find(x => va >= x.va && va < x.va + x.npages * 4096);
			if (!vma) throw new SetupError(`va ${hex(va)} is not mapped (map it first)`);
			cpu.tlb[va] = {pfn: vma.pfn + Math.floor((va - vma.va) / 4096), write: vma.write};
		},
	},
];

export const SETUP_BY_NAME: ReadonlyMap<string, SetupCall> = new Map(SETUP_CALLS.map(s => [s.name, s]));

export function newCpu(id: number): CpuState {
	return {id, pc: 0, locals: {}, irqsOn: true, irqSaved: [], rcuDepth: 0, preempt: 0, wait: null, irqFrames: [], ipis: [], tlb: {}};
}

export function emptyMachine(cpuCount: number): Machine {
	return {
		settings: {flush: 'ipi', tableFree: 'ipi', refcount: 'e21', pteMap: 'v6_4'},
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
		globals: {},
		locks: {},
		violations: [],
	};
}
