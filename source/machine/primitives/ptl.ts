// Page-table locks (KERNEL.md §6.A1): the split PTE lock in each PTE table's
// ptdesc and the PMD lock, named `ptl:T<n>` after the table page that holds
// them; pte_offset_map_lock in both eras (up to v6.4: lock, never fails;
// v6.5+: rcu_read_lock, read the PMD, fail on none or huge, lock, re-check the
// PMD and retry if it changed). Also the lock queries and preempt_disable.

import {type Ctx, rd, violate} from '../context.js';
import {noteAcquire} from '../lock-order.js';
import {available, heldBy, lockKey, lockLabel, preemptAdd, queueOn, rcuAdd, release, take} from '../locks.js';
import {tableAt} from '../pagetable.js';
import {lockWaiters} from '../waits.js';
import type {LockValue, PmdValue} from '../types.js';
import {hex} from '../values.js';
import {readEntry} from './pgtable.js';
import {argInt, argLock, argOf, KernelFault, Oops, type Primitive, type PrimResult} from './spec.js';

export const ptlName = (table: number): string => `ptl:T${table}`;

/**
 * S6 for a page-table lock word touched after its table was freed: the split
 * lock lives in the table's ptdesc, so spinning on it, taking it or releasing
 * it reads and writes the freed page, whichever primitive names the lock
 * (pte_offset_map_lock, or spin_lock on what pte_lockptr returned, as
 * page_vma_mapped_walk's map_pte does). Any other lock: nothing.
 */
export function checkPtlTable(ctx: Ctx, name: string, prim: string): void {
	if (!name.startsWith('ptl:T')) return;
	const table = Number(name.slice(5));
	rd(ctx, `table:${table}`);
	if (ctx.m.pt.tables[table]?.freed) {
		violate(ctx, 'freed-table-read', 'S6', `${prim} on the PTE lock of page-table page T${table}, which was freed (the lock lives in its ptdesc)`, [`table T${table}`]);
	}
}
const lockValue = (name: string): LockValue => ({t: 'lock', name});

function pteTableOf(pmd: PmdValue, prim: string): number {
	if (!pmd.present || pmd.leaf) throw new Oops(pmd.present ? `${prim}: the PMD maps no page table (huge); test it first (pmd_leaf)` : `${prim}: the PMD maps no page table (none); test it first (pmd_none), or make one with pte_alloc(va) as a fault does`);
	return pmd.table;
}

/** The PMD-level table holding va's PMD entry: its lock is pmd_lock's (split PMD locks, as on x86-64). */
function pmdTableOf(ctx: Ctx, pmd: PmdValue, prim: string): number {
	rd(ctx, 'pt');
	const t = tableAt(ctx.m.pt, pmd.va, 2);
	if (t === undefined) throw new Oops(`${prim}: no PMD table for va ${hex(pmd.va)}`);
	return t;
}

/** The PMD for va now, as pmdp_get_lockless reads it (S6 if a table on the way was freed). */
function currentPmd(ctx: Ctx, va: number, prim: string): {present: boolean; leaf: boolean; table: number} {
	const pmdTable = tableAt(ctx.m.pt, va, 2);
	rd(ctx, 'pt');
	if (pmdTable === undefined) return {present: false, leaf: false, table: -1};
	const e = readEntry(ctx, pmdTable, 2, va, prim);
	if (e === undefined) return {present: false, leaf: false, table: -1};
	if ('pfn' in e) return {present: true, leaf: true, table: pmdTable};
	return {present: true, leaf: false, table: e.table};
}

/** v6.5+ re-check after taking the lock: pmd_same(pmdval, pmdp_get_lockless(pmd)). */
function pmdStill(ctx: Ctx, va: number, table: number, prim: string): boolean {
	const now = currentPmd(ctx, va, prim);
	return now.present && !now.leaf && now.table === table;
}

const PTL = 'pte_offset_map_lock';

export const ptlPrimitives: Primitive[] = [
	{
		name: 'pte_lockptr',
		kernelArgs: ['mm'],
		kernel: 'include/linux/mm.h:pte_lockptr (split PTE lock in the table\'s ptdesc)',
		effect: 'the PTE lock of the page table the PMD value points to (no step of its own)',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'lock',
		pure: true,
		run: (_ctx, [p]) => lockValue(ptlName(pteTableOf(argOf(p!, 'pmd', 'pte_lockptr'), 'pte_lockptr'))),
	},
	{
		name: 'pmd_lockptr',
		kernelArgs: ['mm'],
		kernel: 'include/linux/mm.h:pmd_lockptr (split PMD lock, ARCH_ENABLE_SPLIT_PMD_PTLOCK)',
		effect: 'the lock of the PMD table holding this PMD entry',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'lock',
		run: (ctx, [p]) => lockValue(ptlName(pmdTableOf(ctx, argOf(p!, 'pmd', 'pmd_lockptr'), 'pmd_lockptr'))),
	},
	{
		name: 'pmd_lock',
		kernelArgs: ['mm'],
		kernel: 'include/linux/mm.h:pmd_lock (spin_lock(pmd_lockptr(mm, pmd)))',
		effect: 'takes the PMD lock (a spinlock: preemption off) and returns it, for spin_unlock',
		args: [{name: 'pmd', kind: 'pmd'}],
		returns: 'lock',
		blocks: true,
		run(ctx, [p]) {
			const name = ptlName(pmdTableOf(ctx, argOf(p!, 'pmd', 'pmd_lock'), 'pmd_lock'));
			preemptAdd(ctx, 1);
			rd(ctx, lockKey(name));
			noteAcquire(ctx, name, 'pmd_lock');
			if (!available(ctx.m, name, 'excl')) return queueOn(ctx, 'pmd_lock', name, 'excl');
			take(ctx, name, 'spinlock', 'excl');
			return lockValue(name);
		},
		resume(ctx, w) {
			const name = (w as {lock: string}).lock;
			take(ctx, name, 'spinlock', 'excl');
			return lockValue(name);
		},
	},
	{
		name: PTL,
		kernel: 'include/linux/mm.h:pte_offset_map_lock (v6.4); mm/pgtable-generic.c:__pte_offset_map_lock (v6.5+)',
		effect:
			'takes the PTE lock of the table the PMD points to and returns it. pte_offset_map(v6_4, the default): one step, never fails; it reads the PMD at va again (pte_lockptr dereferences *pmd), and if that became none or huge since the value was read the kernel would lock a bogus table: unstable-pmd (S6). v6_5: step 1 rcu_read_lock and read the PMD (none or huge: rcu_read_unlock, return NULL); step 2 spin_lock; if the PMD no longer points to that table (pmd_same fails) unlock and retry from step 1. v6_5_no_recheck: the same without the re-check (a mutation). Pass the lock as the table argument of set_pte_at to write through the table it locks, as the kernel writes through the pte pointer it returns',
		args: [{name: 'pmd', kind: 'pmd'}, {name: 'va', kind: 'int'}],
		returns: 'lock',
		blocks: true,
		run(ctx, [p, v]) {
			const pmd = argOf(p!, 'pmd', PTL);
			const va = argInt(v!, PTL, 'a va');
			rd(ctx, 'settings');
			if (ctx.m.settings.pteMap === 'v6_4') {
				pteTableOf(pmd, PTL);
				// pte_lockptr(mm, pmd) dereferences *pmd now, not the value the caller read: if it changed
				// to none or huge meanwhile, the kernel locks and maps a bogus table.
				const now = currentPmd(ctx, va, PTL);
				if (!now.present || now.leaf) {
					throw new KernelFault('unstable-pmd', 'S6', `${PTL} (before v6.5) on CPU${ctx.cpu} dereferences the PMD of va ${hex(va)} again and finds ${now.present ? 'a huge mapping' : 'none'}: it would lock and map a bogus page table (nothing held the PMD stable since it was read)`, [`va ${hex(va)}`]);
				}
				const table = now.table;
				readEntry(ctx, table, 1, va, PTL);
				return lockStep(ctx, table);
			}
			rcuAdd(ctx, 1);
			const now = currentPmd(ctx, va, PTL);
			if (!now.present || now.leaf) {
				rcuAdd(ctx, -1);
				ctx.notes.push(`${PTL}: the PMD is ${now.present ? 'huge' : 'none'}: returns NULL`);
				return null;
			}
			return {wait: {kind: 'phase', prim: PTL, data: [now.table, va]}};
		},
		resume(ctx, w) {
			const [table, va] = w.data!;
			if (w.kind === 'phase') return lockStep(ctx, table!, va);
			take(ctx, w.lock, 'spinlock', 'excl');
			return recheck(ctx, table!, va!);
		},
	},
	{
		name: 'pte_offset_map_nolock',
		kernel: 'mm/pgtable-generic.c:pte_offset_map_nolock (v6.5+; pte_offset_map_ro_nolock / _rw_nolock since v6.12) (khugepaged, page_vma_mapped_walk, mm/pt_reclaim.c)',
		effect: 'maps the PTE table the PMD at va points to now and returns its lock without taking it, for the caller to take (spin_lock) and to re-check the PMD under it, as the _rw_nolock callers must. In v6_5 (and its mutation) it enters an RCU read-side section first and returns NULL, leaving it, if the PMD is none or huge; pte_unmap leaves it. Under pte_offset_map(v6_4), the default, no RCU section: the table is whatever *pmd points to',
		args: [{name: 'pmd', kind: 'pmd'}, {name: 'va', kind: 'int'}],
		returns: 'lock',
		run(ctx, [p, v]) {
			argOf(p!, 'pmd', 'pte_offset_map_nolock');
			const va = argInt(v!, 'pte_offset_map_nolock', 'a va');
			rd(ctx, 'settings');
			const rcu = ctx.m.settings.pteMap !== 'v6_4';
			if (rcu) rcuAdd(ctx, 1);
			const now = currentPmd(ctx, va, 'pte_offset_map_nolock');
			if (!now.present || now.leaf) {
				if (rcu) rcuAdd(ctx, -1);
				ctx.notes.push(`pte_offset_map_nolock: the PMD is ${now.present ? 'huge' : 'none'}: returns NULL`);
				return null;
			}
			return lockValue(ptlName(now.table));
		},
	},
	{
		name: 'pte_unmap',
		kernel: 'include/linux/pgtable.h:pte_unmap (rcu_read_unlock in v6.5+; kunmap_local of a highmem table before)',
		effect: 'leaves the RCU read-side section pte_offset_map_nolock entered (v6.5+); nothing under pte_offset_map(v6_4)',
		args: [],
		kernelArgs: ['pte'],
		returns: 'void',
		run(ctx) {
			rd(ctx, 'settings');
			if (ctx.m.settings.pteMap === 'v6_4') return null;
			if (ctx.m.cpus[ctx.cpu]!.rcuDepth === 0) throw new Oops('pte_unmap without a pte_offset_map_nolock mapping it');
			rcuAdd(ctx, -1);
			return null;
		},
	},
	{
		name: 'pte_unmap_unlock',
		kernel: 'include/linux/mm.h:pte_unmap_unlock (spin_unlock; pte_unmap = rcu_read_unlock in v6.5+)',
		effect: 'releases the PTE lock (preemption back on); in v6.5+ also leaves the RCU read-side section pte_offset_map_lock entered',
		args: [{name: 'ptl', kind: 'lock'}],
		// the kernel's pte is the pointer pte_offset_map_lock returned; here it returns the lock, and the pte has no use
		kernelArgs: ['pte'],
		returns: 'void',
		run(ctx, [v]) {
			release(ctx, argLock(v!, 'pte_unmap_unlock'), 'excl', 'pte_unmap_unlock');
			preemptAdd(ctx, -1);
			rd(ctx, 'settings');
			if (ctx.m.settings.pteMap !== 'v6_4') rcuAdd(ctx, -1);
			return null;
		},
	},
	{
		name: 'preempt_disable',
		kernel: 'include/linux/preempt.h:preempt_disable',
		effect: 'raises the preempt count: the CPU is an RCU reader until preempt_enable (v5.0+ consolidated RCU)',
		args: [],
		returns: 'void',
		run(ctx) {
			preemptAdd(ctx, 1);
			return null;
		},
	},
	{
		name: 'preempt_enable',
		kernel: 'include/linux/preempt.h:preempt_enable',
		effect: 'lowers the preempt count',
		args: [],
		returns: 'void',
		run(ctx) {
			if (ctx.m.cpus[ctx.cpu]!.preempt === 0) throw new Oops('preempt_enable without preempt_disable');
			preemptAdd(ctx, -1);
			return null;
		},
	},
	...['spin_is_locked', 'mutex_is_locked', 'rwsem_is_locked'].map(
		(name): Primitive => ({
			name,
			kernel: `include/linux/${name.startsWith('spin') ? 'spinlock.h' : name.startsWith('mutex') ? 'mutex.h' : 'rwsem.h'}:${name}`,
			effect: name === 'mutex_is_locked' ? 'whether any CPU holds the mutex (__mutex_owner(lock) != NULL)' : `whether the lock word is nonzero: a CPU holds the lock, or one is queued on it (${name === 'spin_is_locked' ? 'queued_spin_is_locked: "Any !0 state indicates it is locked"' : 'rwsem_is_locked: count != RWSEM_UNLOCKED_VALUE, and RWSEM_FLAG_WAITERS is in the count'})`,
			args: [{name: 'lock', kind: 'lock'}],
			returns: 'bool',
			run(ctx, [l]) {
				const n = argLock(l!, name);
				rd(ctx, lockKey(n));
				if (!available(ctx.m, n, 'excl')) return true;
				return name !== 'mutex_is_locked' && lockWaiters(ctx.m, n).length > 0;
			},
		}),
	),
	{
		name: 'lockdep_assert_held',
		kernel: 'include/linux/lockdep.h:lockdep_assert_held (lockdep_assert: WARN_ON(debug_locks && !held))',
		effect: 'a WARNING splat (kind warn; the CPU goes on) if this CPU does not hold the lock',
		args: [{name: 'lock', kind: 'lock'}],
		returns: 'void',
		run(ctx, [l]) {
			const n = argLock(l!, 'lockdep_assert_held');
			rd(ctx, lockKey(n));
			if (!heldBy(ctx.m, ctx.cpu).includes(n)) violate(ctx, 'warn', 'WARN', `WARNING: lockdep_assert_held(${lockLabel(n)}): CPU${ctx.cpu} does not hold it`, [lockLabel(n)]);
			return null;
		},
	},
];

/** spin_lock(ptl) of pte_offset_map_lock: taken now (and re-checked in v6.5+), or spin. */
function lockStep(ctx: Ctx, table: number, va?: number): PrimResult {
	const name = ptlName(table);
	preemptAdd(ctx, 1);
	rd(ctx, lockKey(name));
	checkPtlTable(ctx, name, 'spin_lock');
	noteAcquire(ctx, name, PTL);
	if (!available(ctx.m, name, 'excl')) return queueOn(ctx, PTL, name, 'excl', [table, va ?? -1]);
	take(ctx, name, 'spinlock', 'excl');
	return va === undefined ? lockValue(name) : recheck(ctx, table, va);
}

function recheck(ctx: Ctx, table: number, va: number): PrimResult {
	const name = ptlName(table);
	if (va < 0 || ctx.m.settings.pteMap === 'v6_5_no_recheck' || pmdStill(ctx, va, table, PTL)) return lockValue(name);
	release(ctx, name, 'excl', PTL);
	preemptAdd(ctx, -1);
	rcuAdd(ctx, -1);
	ctx.notes.push(`${PTL}: the PMD changed under ${lockLabel(name)}: unlock and retry`);
	return {repeat: true};
}
