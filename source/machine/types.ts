// The kernel model's state. Everything is plain data (no classes, no Maps,
// no typed arrays) so that immer can share structure between snapshots and the
// state can be hashed canonically and written to JSON as it is.
// Maps are Records keyed by the decimal string of the number (pfn, va, cpu).

/** FLUSH setting (KERNEL.md §1): how flush_tlb_mm_range reaches other CPUs. */
export type FlushMode = 'ipi' | 'broadcast';
/**
 * TABLE_FREE setting: how a page-table page is freed after it was unhooked.
 * `ipi`: with the data pages, after the TLB flush (no MMU_GATHER_RCU_TABLE_FREE);
 * `rcu`: tlb_remove_table -> call_rcu; `none`: freed at once (the historic bug).
 */
export type TableFreeMode = 'ipi' | 'rcu' | 'none';
/** Which TLB invalidation leaves the paging-structure caches alone (KERNEL.md §6.A5). */
export type Arch = 'x86' | 'arm64';
/** Which kernel's ZONE_DEVICE refcounting rules apply (KERNEL.md §1). */
export type RefcountMode = 'e21' | 'v5_18' | 'v6_15';

/** Which pte_offset_map_lock (KERNEL.md §6.A1): up to v6.4 it takes the lock and never fails; v6.5+ it may fail and re-checks the PMD (the `_no_recheck` mutation drops that re-check). */
export type PteMapMode = 'v6_4' | 'v6_5' | 'v6_5_no_recheck';

export type Settings = {
	flush: FlushMode;
	tableFree: TableFreeMode;
	refcount: RefcountMode;
	pteMap: PteMapMode;
	/** x86: a flush of a va also drops the paging-structure cache behind it; arm64: only a freed_tables flush does. */
	arch: Arch;
	/**
	 * Hardware walks fill and use per-CPU paging-structure caches. On when the
	 * scenario can free a page-table page (or says walk_cache(on) / pwc()): elsewhere
	 * the caches could only split equal states.
	 */
	walkCache: boolean;
	/**
	 * TLB entries remember whether a huge PMD filled them (S11 compares the
	 * sizes of one 2 MiB region's entries). On when the scenario can turn a
	 * huge mapping into a table in place (pmdp_invalidate, pmdp_establish) or
	 * says huge_tlb(on); absent otherwise, so other states hash as before.
	 */
	hugeTlb?: true;
};

/** `gen`: the allocation generation of a RAM page when the entry was filled (a later reuse has another). */
/** `huge`: filled from a huge PMD, a 2 MiB entry (kept per va touched; only under settings.hugeTlb). */
/** `dirty`: the entry caches the PTE's dirty bit set (a store through it touches no PTE). */
export type TlbEntry = {pfn: number; write: boolean; gen?: number; huge?: true; dirty?: true};

/** [start, end) of user addresses; null means the whole mm. */
export type VaRange = [number, number];

/** A pending IPI: a TLB flush (of a range, or all) or an empty sync IPI. */
export type Ipi = {from: number; kind: 'flush' | 'sync'; range: VaRange | null; freedTables?: boolean} | DeviceIrq;
/** A device interrupt raised by raise_irq(): taking it runs the scenario's `irq` handler on this CPU. */
export type DeviceIrq = {from: number; kind: 'device'; irq: string};

/** What the second step of a blocking primitive does once its wait is over. */
/** `putCpu`: the wait ran with preemption off (get_cpu() in flush_tlb_mm_range, smp_call_function), enabled again first. */
export type WaitAfter = {freeTable?: number; gatherFree?: boolean; gatherReset?: boolean; finish?: boolean; putCpu?: boolean};

/** Phase two of a blocking primitive: what the CPU is spinning or sleeping on. */
export type Wait =
	/** `late`: vas zapped (by another CPU) while this flush waited; it began before them, so S5 at its return leaves them to their zapper's flush. Absent until the first. */
	| {kind: 'acks'; prim: string; pending: number[]; range: VaRange | null; after?: WaitAfter; result?: Value; late?: number[]}
	| {kind: 'gp'; prim: string; readers: number[]}
	/** Spinning or sleeping until `lock` can be taken in `mode`; `data`: what the primitive keeps meanwhile. */
	| {kind: 'lock'; prim: string; lock: string; mode: 'excl' | 'read'; data?: number[]}
	/** A primitive of several steps between its steps (never blocks). */
	| {kind: 'phase'; prim: string; data: number[]};

/** An mmu_gather on the stack of one CPU (include/asm-generic/tlb.h). */
export type Gather = {
	/** The range unhooked since the last flush (tlb->start, tlb->end); null when empty. */
	range: VaRange | null;
	/** Pages queued by tlb_remove_page, each still holding its reference. */
	pages: number[];
	/** Page-table pages queued by tlb_remove_table / pte_free_tlb. */
	tables: number[];
	freedTables: boolean;
	fullmm: boolean;
};

/**
 * gup-fast's window, G1..G11 (the CPU's IRQs-off section), opened by its first
 * lockless read: the vas it read (sorted), which pages (pfn:gen) were mapped at
 * one of them in the window, and which pages it grabbed (G7) and still holds.
 * For S7 and S9.
 */
export type GupWindow = {vas: number[]; mapped: string[]; grabbed: number[]};

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
	irqFrames: {pc: number; wait: Wait | null; irqsOn: boolean}[];
	ipis: Ipi[];
	tlb: Record<string, TlbEntry>;
	/** Paging-structure cache: 2 MiB region base va -> the PTE page the walker last used for it. */
	pwc: Record<string, number>;
	/** Lazy TLB: a kernel thread borrowed the mm (still in mm_cpumask; flushes that free no tables skip it). */
	lazy: boolean;
	gather: Gather | null;
	gup: GupWindow | null;
};

/**
 * A leaf entry (PTE, or huge PMD). A missing entry is pte_none. `protnone`: a
 * PROT_NONE / NUMA-hinting PTE (x86 _PAGE_PROTNONE set, _PAGE_PRESENT clear):
 * present to Linux (pte_present), not to the hardware walker. `invalid`: a
 * huge PMD after pmdp_invalidate (x86 pmd_mkinvalid clears _PAGE_PRESENT and
 * _PAGE_PROTNONE and keeps _PAGE_PSE and the pfn): pmd_present and pmd_leaf
 * still say yes, the hardware walker and pmd_access_permitted say not present.
 * Both absent, never false, so that states without one hash as before.
 */
/** `dirty`: _PAGE_DIRTY, set by the hardware on a store (or by the kernel: pte_mkdirty); absent when clear. */
export type LeafEntry = {pfn: number; write: boolean; special: boolean; devmap: boolean; protnone?: true; invalid?: true; dirty?: true};
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
	/** pgtable_trans_huge_deposit: PTE pages kept under a huge PMD, by the 2 MiB region's base va. */
	deposited: Record<string, number[]>;
};

/** What the page allocator knows of an ordinary RAM page (KERNEL.md §6.A4). */
export type RamPage = {
	/** In the buddy allocator (refcount 0 and not frozen). */
	free: boolean;
	/** Allocation generation: bumped by every alloc_page of this pfn (a reuse is another page). */
	gen: number;
	/** The CPU whose alloc_page took it (null: set up by the machine). */
	owner: number | null;
	mapcount: number;
	/** khugepaged's pin check (is_refcount_suitable) passed, then the collapse discarded it (S9). */
	collapse: 'checked' | 'discarded' | null;
	/** References gup-fast took after that pin check and returned with (its window closed holding them). */
	lateRefs: number;
	/**
	 * A tail page of a compound page (a THP folio): the pfn of its head, as page->compound_head
	 * says. Its own refcount stays 0; get_page, put_page, gup's grabs and page_count act on the
	 * head's (the folio's). Absent for a head and for an order-0 page.
	 */
	head?: number;
	/** PG_dirty (set_page_dirty); absent when clear. */
	pgDirty?: true;
	/** Writeback cleaned the page (TestClearPageDirty) and nothing dirtied it since: a store no PTE records is lost. */
	writtenBack?: true;
	/** The page's contents as a data version (a user store's value, copy_user_highpage's copy); absent when 0. */
	data?: number;
	/** PG_anon_exclusive (v5.19): mapped by this process only, so a write fault may reuse it even while pinned; absent when clear. */
	anonExclusive?: true;
};

/** struct page. `idle` is the refcount an unused page has under the era's rules. */
export type PageStruct = {
	exists: boolean;
	refcount: number;
	pins: number;
	idle: number;
	pgmap: string | null;
	/** Present for ordinary RAM pages (`ram()` in machine { }). */
	ram?: RamPage;
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

/** A lock object (KERNEL.md §6.A1). Its waiters are the CPUs whose wait (CpuState.wait, or one saved in an irq frame) names it: stored once, on the CPU. */
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

/** pgmap null: an anonymous vma over RAM (a fault allocates a page; pfn is unused). */
export type Vma = {va: number; npages: number; pfn: number; pgmap: string | null; write: boolean; huge: boolean};

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
	/** vas ever zapped (for S5: what must be gone from TLBs when a flush of them returns). */
	zapped: number[];
	/** mm->tlb_flush_pending (inc/dec_tlb_flush_pending). */
	tlbFlushPending: number;
	/** Shared variables declared by the scenario (`int x = 0;`, `atomic_t n;`), by name. */
	globals: Record<string, Value>;
	/**
	 * Locks by name: every declared lock (`spinlock_t l;`, the mm's `mmap_lock`...) is
	 * always present; page-table locks (`ptl:T3`, `pmd_lock`) exist only while held or
	 * once a scenario declares them, so equal states stay equal.
	 */
	locks: Record<string, Lock>;
	/**
	 * lock_order(on) only: the lock orders this path took ("held -> taken", sorted),
	 * lockdep's dependency graph by lock (machine/lock-order.ts). Absent otherwise,
	 * so other states hash as before.
	 */
	lockOrder?: string[];
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
	/** A PROT_NONE / NUMA-hinting PTE (`present` stays true, as pte_present says); absent otherwise. */
	protnone?: true;
	/** _PAGE_DIRTY; absent when clear. */
	dirty?: true;
};

/** `table`: the PTE page it points at, or for a leaf the PMD page holding it; `pfn`/`write` for a leaf (-1 / false otherwise); `invalid`: a leaf pmdp_invalidate left (present is still true, as x86 pmd_present says). */
export type PmdValue = {t: 'pmd'; va: number; present: boolean; leaf: boolean; table: number; pfn: number; write: boolean; invalid?: true; dirty?: true};
/** A page-table page (pgtable_t), e.g. what pgtable_trans_huge_withdraw returns. */
export type TableValue = {t: 'table'; id: number};
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

export type Value = number | boolean | null | PteValue | PmdValue | PageValue | PgmapValue | SymValue | LockValue | VarValue | TableValue | IrqValue;

/** A scheduler choice: let `cpu` take its next step, or its pending interrupt. */
export type Transition = {cpu: number; irq: boolean};
