// The violation kinds (KERNEL.md §3) and the checks that are not tied to one
// primitive: liveness of a state with no enabled move, and the kinds a
// scenario may name in `expect` clauses.

export type Kind = {name: string; check: string; what: string; liveness?: boolean};

export const KINDS: readonly Kind[] = [
	{name: 'use-after-free', check: 'S1', what: 'a struct page touched after arch_remove_memory removed its memmap'},
	{name: 'stale-mapping', check: 'S2', what: 'a PTE or TLB entry still maps device memory when arch_remove_memory removes it'},
	{name: 'stale-access', check: 'S2', what: 'a user load or store (TLB hit or walk) reaches a pfn whose memory was removed or reassigned'},
	{name: 'freed-page-use', check: 'S2', what: 'an ordinary RAM page freed (or freed and reused) while a PTE or TLB entry still maps it, or a load reaching it through one'},
	{name: 'pin-across-removal', check: 'S3', what: 'a page still referenced or pinned by GUP when its memory is removed'},
	{name: 'hung-task', check: 'S4', what: 'a CPU blocked forever while every other CPU is done', liveness: true},
	{name: 'deadlock', check: 'S4', what: 'CPUs that wait for each other in a cycle (locks, flush acks, grace periods), or several blocked CPUs none of which can move', liveness: true},
	{name: 'tlb-incoherent', check: 'S5', what: 'a TLB flush returned while a CPU running the mm still caches a zapped va'},
	{name: 'freed-table-read', check: 'S6', what: 'a read (or write) of a page-table page that was freed, by any walker'},
	{name: 'unstable-pmd', check: 'S6', what: 'a PMD that is none or huge taken for a page table: pte_offset_map_lock before v6.5 dereferences one that changed since it was read, or pmd_pgtable of such a value: the kernel would lock, map or install a bogus page table'},
	{name: 'pwc-freed-table', check: 'S6h', what: 'a hardware walk (lazy or speculative too) goes through a paging-structure cache entry to a freed page-table page'},
	{name: 'gup-unmapped-page', check: 'S7', what: 'gup-fast returns a page that was not mapped, in that allocation, at a va it read at any instant of its IRQs-off window (G1-G11): freed and reused since, here or at another va'},
	{name: 'collapse-lost-pin', check: 'S9', what: 'a collapse discards a page while gup-fast returned with a reference it took after the collapse\'s pin check'},
	{name: 'stale-tlb-return', check: 'S10', what: 'a zap syscall returns while a non-lazy CPU running the mm holds a TLB entry in its range more permissive than the PTE'},
	{name: 'tlb-size-conflict', check: 'S11', what: 'a CPU caches a 4 KiB and a 2 MiB TLB entry for the same va (a huge PMD became a page table, or back, without the invalidate-and-flush between)'},
	{name: 'lost-write', check: 'S12', what: 'a store through a stale TLB entry that caches the dirty bit reaches a page writeback cleaned, and no PTE records it: the write is lost (S12 ✱: racewalk\'s number)'},
	{name: 'livelock', check: 'S8', what: 'a cycle of states in which some CPU keeps moving but no progress label is passed (weak fairness)', liveness: true},
	{name: 'bad-unlock', check: 'L1', what: 'a lock released by a CPU that does not hold it (not held, or held by another CPU)'},
	{name: 'lock-held', check: 'L2', what: 'a CPU finished (returned to user space) holding a lock, inside rcu_read_lock, with IRQs off or with preemption disabled'},
	{name: 'sleep-in-atomic', check: 'L3', what: 'a call that may sleep (mutex, rwsem, synchronize_rcu) with a spinlock held, preemption off, IRQs off or inside rcu_read_lock'},
	{name: 'lock-order', check: 'L4', what: 'lock_order(on) only: a CPU takes a lock while holding another that this path took after it before (an ABBA order, or a longer cycle), whether or not the deadlock is reachable: lockdep\'s "possible circular locking dependency"'},
	{name: 'refcount', check: 'S-ref', what: 'a refcount underflow (a page\'s, a mapcount, a pgmap ref), get_page on a page at refcount 0 (folio_get\'s VM_BUG_ON), unpin_user_page of an unpinned page, percpu_ref_kill twice, or a put after percpu_ref_exit (a put on a dead ref is normal; a tryget_live after exit fails quietly)'},
	{name: 'assert', check: 'assert', what: 'an assert statement in the scenario failed'},
	{name: 'bug', check: 'BUG', what: 'a BUG_ON / VM_BUG_ON condition in the scenario held: the kernel would oops there (the CPU stops)'},
	{name: 'warn', check: 'WARN', what: 'a WARN_ON / WARN_ON_ONCE / VM_WARN_ON condition in the scenario held: a kernel WARNING splat (the CPU goes on)'},
	{name: 'invariant', check: 'invariant', what: 'a scenario invariant was false after a step'},
	{name: 'oops', check: 'oops', what: 'the scenario program itself faulted (NULL dereference, wrong type)'},
];

export const KIND_NAMES: readonly string[] = KINDS.map(k => k.name);

export const kindInfo = (name: string): Kind | undefined => KINDS.find(k => k.name === name);
