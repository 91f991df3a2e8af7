// The kernel model's state. Everything is plain data (no classes, no Maps,
// no typed arrays) so that immer can share structure between snapshots and the
// state can be hashed canonically and written to JSON as it is.
// Maps are Records keyed by the decimal string of the number (pfn, va, cpu).

/** FLUSH setting (KERNEL.md §1): how flush_tlb_mm_range reaches other CPUs. */
export type FlushMode = 'ipi' | 'broadcast';
/** TABLE_FREE setting: how a page-table page is freed after it was unhooked. */
export type TableFreeMode = 'ipi' | 'rcu';
/** Which kernel's ZONE_DEVICE refcounting rules apply (KERNEL.md §1). */
export type RefcountMode = 'e21' | 'v5_18' | 'v6_15';

/** Which pte_offset_map_lock (KERNEL.md §6.A1): up to v6.4 it takes the lock and never fails; v6.5+ it may fail and re-checks the PMD (the `_no_recheck` mutation drops that re-check). */
export type PteMapMode = 'v6_4' | 'v6_5' | 'v6_5_no_recheck';

export type Settings = {
	flush: FlushMode;
	tableFree: TableFreeMode;
	refcount: RefcountMode;
	pteMap: PteMapMode;
};

export type TlbEntry = {pfn: number; write: boolean};

/** A pending IPI: a TLB flush (of some vas, or all) or an empty sync IPI. */
export type Ipi = {from: number; kind: 'flush' | 'sync'; vas: number[] | null} | DeviceIrq;
/** A device interrupt raised by raise_irq(): taking it runs the scenario's `irq` handler on this CPU. */
export type DeviceIrq = {from: number; kind: 'device'; irq: string};

/** Phase two of a blocking primitive: what the CPU is spinning or sleeping on. */
export type Wait =
	| {kind: 'acks'; prim: string; pending: number[]; vas: number[] | null; after?: {freeTable: number}}
	| {kind: 'gp'; prim: string; readers: number[]}
	/** Spinning or sleeping until `lock` can be taken in `mode`; `data`: what the primitive keeps meanwhile. */
	| {kind: 'lock'; prim: string; lock: string; mode: 'excl' | 'read'; data?: number[]}
	/** A primitive of several steps between its steps (never blocks). */
	| {kind: 'phase'; prim: string; data: number[]};

export type CpuState = {
	id: number;
	/** Index of the next instruction; -1 once finished. */
	pc: number;
	locals: Record<string, Value>;
	irqsOn: boolean;
	/** Flags saved by local_irq_save, innermost last (restore pops). */
	irqSaved: boolean[];
	rcuDepth: number;
	/** preempt_count: spinlocks held plus explicit preempt_disable()s (an RCU reader while > 0, v5.0+). */
	preempt: number;
	wait: Wait | null;
	/** The contexts an interrupt handler interrupted, innermost last (where iret returns to). */
	irqFrames: {pc: number; wait: Wait | null}[];
	ipis: Ipi[];
	tlb: Record<string, TlbEntry>;
};

/** A leaf entry (PTE, or huge PMD). A missing entry is pte_none. */
export type LeafEntry = {pfn: number; write: boolean; special: boolean; devmap: boolean};
/** An entry of an upper level pointing at the next table page. */
export type TableEntry = {table: number};
export type PtEntry = LeafEntry | TableEntry;

export type PtTable = {
	/** 4 = PGD, 3 = PUD, 2 = PMD, 1 = PTE page. */
	level: number;
	entries: Record<string, PtEntry>;
	freed: boolean;
};

export type PageTables = {
	root: number;
	tables: Record<string, PtTable>;
	nextTable: number;
};

/** struct page. `idle` is the refcount an unused page has under the era's rules. */
export type PageStruct = {
	exists: boolean;
	refcount: number;
	pins: number;
	idle: number;
	pgmap: string | null;
};

export type PfnState = {backed: boolean; owner: 'device' | 'free' | 'reassigned'};

export type RefState = 'live' | 'dead' | 'zero' | 'exited';

export type Pgmap = {
	name: string;
	type: 'fsdax' | 'devdax';
	first: number;
	npages: number;
	/** struct percpu_ref */
	ref: {state: RefState; count: number; mode: 'percpu' | 'atomic'};
	/** Still indexed in pgmap_array (pgmap_array_delete removes it). */
	inArray: boolean;
	/** DAXDEV_ALIVE (kill_dax clears it). */
	daxAlive: boolean;
	/** pgmap->done completed (by dev_pagemap_percpu_release at zero). */
	done: boolean;
};

export type Filesystem = {
	kind: 'xfs' | 'ext4';
	dev: string;
	/** xfs registers as the dax holder and gets MF_MEM_PRE_REMOVE; ext2/ext4 do not. */
	holder: boolean;
	frozen: boolean;
	shutdown: boolean;
};

export type RcuCallback =
	| {kind: 'ref-switch-atomic'; pgmap: string; readers: number[]}
	| {kind: 'free-table'; table: number; readers: number[]};

/** A lock object (KERNEL.md §6.A1). Waiters are not stored: a CPU waits on a lock when its next statement is an acquire that cannot proceed, so they are a function of the pcs (Model.lockWaiters). */
export type LockKind = 'spinlock' | 'mutex' | 'rwsem';
export type Lock = {
	kind: LockKind;
	/** The exclusive holder (spinlock, mutex, rwsem writer); null when not held so. */
	owner: number | null;
	/** rwsem readers, ascending CPU ids. */
	readers: number[];
};

export type Violation = {
	/** Kind name, e.g. `use-after-free`; see checks.ts for the list. */
	kind: string;
	/** KERNEL.md §3 check id: S1..S8, or `assert` / `invariant`. */
	check: string;
	message: string;
	cpu: number | null;
	line: number | null;
	objects: string[];
};

export type Vma = {va: number; npages: number; pfn: number; pgmap: string; write: boolean; huge: boolean};

export type Machine = {
	settings: Settings;
	cpus: CpuState[];
	mmCpumask: number[];
	pt: PageTables;
	memmap: Record<string, PageStruct>;
	pfns: Record<string, PfnState>;
	pgmaps: Record<string, Pgmap>;
	fs: Filesystem | null;
	rcu: RcuCallback[];
	/** A vma: [va, va + npages pages) maps pfn.. of a pgmap; faults install from it. */
	vmas: Vma[];
	/** SIGBUS sent to the process owning the mm (mf_dax_kill_procs). */
	sigbus: boolean;
	/** SIGKILL pending for that process (fatal_signal_pending). */
	sigkill: boolean;
	/** vas ever zapped (for S5: what must be gone from TLBs when a flush returns). */
	zapped: number[];
	/** Shared variables declared by the scenario (`int x = 0;`, `atomic_t n;`), by name. */
	globals: Record<string, Value>;
	/**
	 * Locks by name: every declared lock (`spinlock_t l;`, the mm's `mmap_lock`...) is
	 * always present; page-table locks (`ptl:T3`, `pmd_lock`) exist only while held or
	 * once a scenario declares them, so equal states stay equal.
	 */
	locks: Record<string, Lock>;
	/** Violations seen so far on this path. Not hashed: equal machines meet. */
	violations: Violation[];
};

// ---- values the scenario programs compute with ----

export type PteValue = {
	t: 'pte';
	va: number;
	present: boolean;
	write: boolean;
	special: boolean;
	devmap: boolean;
	pfn: number;
	huge: boolean;
};

export type PmdValue = {t: 'pmd'; va: number; present: boolean; leaf: boolean; table: number};
export type PageValue = {t: 'page'; pfn: number};
export type PgmapValue = {t: 'pgmap'; name: string};
/** A reference to a lock (`&ptl`, or what pte_offset_map_lock returns). */
export type LockValue = {t: 'lock'; name: string};
/** A reference to a shared variable (`&count` as an atomic_t argument). */
export type VarValue = {t: 'var'; name: string};
/** An interrupt line the scenario declares (`irq dev_irq on cpu 0 { }`), for raise_irq. */
export type IrqValue = {t: 'irq'; name: string; cpu: number};
/** A bare enum word: `ipi`, `fsdax`, `MF_MEM_PRE_REMOVE`... */
export type SymValue = {t: 'sym'; name: string};

export type Value = number | boolean | null | PteValue | PmdValue | PageValue | PgmapValue | SymValue | LockValue | VarValue | IrqValue;

/** A scheduler choice: let `cpu` take its next step, or its pending interrupt. */
export type Transition = {cpu: number; irq: boolean};
