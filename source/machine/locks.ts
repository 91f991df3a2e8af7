// Lock semantics (KERNEL.md §6.A1): who may take a lock, what taking and
// releasing it does to the CPU, and the checks on misuse. A spinlock holder
// (and a CPU spinning for one) has preemption off, so it holds off RCU grace
// periods (v5.0+); the _irq/_irqsave forms also turn IRQs off, deferring IPIs.
// Sleeping locks (mutex, rwsem) change neither. A CPU that cannot take a lock
// waits on it (CpuState.wait = {kind: 'lock'}): the lock's waiters are read off
// the CPUs, never stored twice.

import {type Ctx, rd, unwritten, violate, wr} from './context.js';
import {closeWindow} from './gup-window.js';
import {readerExit, isReader} from './rcu.js';
import type {CpuState, Lock, LockKind, Machine, Wait} from './types.js';
import {lockWaiters, queuedWriters} from './waits.js';

export type LockMode = 'excl' | 'read';

export const lockKey = (name: string): string => `lock:${name}`;

/** What a lock is called on screen and in messages: `ptl:T3` reads "ptl of T3". */
export function lockLabel(name: string): string {
	const m = /^ptl:T(\d+)$/.exec(name);
	return m ? `ptl of T${m[1]}` : name;
}

/** The lock object, created free on first use (page-table locks come and go with their tables). */
export function lockOf(m: Machine, name: string, kind: LockKind): Lock {
	return (m.locks[name] ??= {kind, owner: null, readers: []});
}

/**
 * Whether a CPU may take the lock now. A new reader of a reader-held rwsem
 * queues behind a waiting writer (kernel/locking/rwsem.c: the read fast path
 * fails once RWSEM_FLAG_WAITERS is set, and rwsem_down_read_slowpath does not
 * steal a lock other readers hold: `(owner & RWSEM_READER_OWNED) && rcnt > 1`
 * -> queue), so two readers and a writer can deadlock, as lockdep says. A free
 * one it may take even with writers queued: "Reader optimistic lock stealing",
 * refused only once a waiter set RWSEM_FLAG_HANDOFF after RWSEM_WAIT_TIMEOUT,
 * which needs time the model does not have.
 */
export function available(m: Machine, name: string, mode: LockMode): boolean {
	const l = m.locks[name];
	if (!l) return true;
	if (l.owner !== null) return false;
	if (mode === 'excl') return l.readers.length === 0;
	return l.readers.length === 0 || queuedWriters(m, name).length === 0;
}

/** The CPUs a CPU waiting for `name` in `mode` waits for: the holders in the way. */
export function holdersInTheWay(m: Machine, name: string, mode: LockMode): number[] {
	const l = m.locks[name];
	if (!l) return [];
	if (l.owner !== null) return [l.owner];
	if (mode === 'excl') return [...new Set(l.readers)];
	// A reader queued behind a waiting writer waits for what that writer waits for, and for the writer.
	return queuedWriters(m, name);
}

export function describeHolders(m: Machine, name: string, cpu: number): string {
	const l = m.locks[name];
	if (!l) return 'free';
	const who = (c: number): string => (c === cpu ? 'itself' : `CPU${c}`);
	if (l.owner !== null) return `held by ${who(l.owner)}`;
	const writers = queuedWriters(m, name, cpu);
	const readers = l.readers.length > 0 ? `held for read by ${[...new Set(l.readers)].map(who).join(', ')}` : 'free';
	return writers.length > 0 && m.cpus[cpu]?.wait?.kind === 'lock' && (m.cpus[cpu]!.wait as {mode: string}).mode === 'read' ? `${readers}, a writer (${writers.map(who).join(', ')}) queued first` : readers;
}

/** Why a CPU waiting on a lock cannot move, in the words the trace and the TUI use. */
export function lockWaitReason(m: Machine, cpu: number, prim: string, name: string, mode: LockMode): string {
	const l = m.locks[name];
	const verb = l?.kind === 'spinlock' ? 'spins on' : mode === 'read' ? 'sleeps waiting to read' : 'sleeps on';
	return `${verb} ${lockLabel(name)} in ${prim}, ${describeHolders(m, name, cpu)}`;
}

function changeReader(ctx: Ctx, f: (c: CpuState) => void): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	wr(ctx, `irq:${ctx.cpu}`);
	const was = isReader(c);
	f(c);
	if (was && !isReader(c)) readerExit(ctx, ctx.cpu);
}

/** preempt_disable / preempt_enable (include/linux/preempt.h). */
export function preemptAdd(ctx: Ctx, n: number): void {
	changeReader(ctx, c => {
		c.preempt += n;
		if (c.preempt < 0) c.preempt = 0;
	});
}

/** rcu_read_lock / rcu_read_unlock as parts of a larger primitive (pte_offset_map_lock). */
export function rcuAdd(ctx: Ctx, n: number): void {
	changeReader(ctx, c => {
		c.rcuDepth = Math.max(0, c.rcuDepth + n);
	});
}

/** IRQs on or off: a CPU with IRQs off is an RCU reader; turning them on ends gup-fast's window (G11). */
export function setIrqs(ctx: Ctx, on: boolean): void {
	changeReader(ctx, c => {
		c.irqsOn = on;
	});
	if (on) closeWindow(ctx);
}

export function irqsOff(ctx: Ctx, save: boolean): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	if (save) c.irqSaved.push(c.irqsOn);
	setIrqs(ctx, false);
}

export function irqsRestore(ctx: Ctx, restore: boolean): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	setIrqs(ctx, restore ? (c.irqSaved.pop() ?? true) : true);
}

/**
 * Start waiting for the lock. Joining its queue is a write to the lock: a
 * queued writer turns new readers away (available), so this step and a
 * reader's try do not commute, and the footprint must say so.
 */
export function queueOn(ctx: Ctx, prim: string, name: string, mode: LockMode, data?: number[]): {wait: Wait} {
	wr(ctx, lockKey(name));
	return {wait: {kind: 'lock', prim, lock: name, mode, ...(data ? {data} : {})}};
}

/** Take the lock now (the caller checked it is available). */
export function take(ctx: Ctx, name: string, kind: LockKind, mode: LockMode): void {
	wr(ctx, lockKey(name));
	const l = lockOf(ctx.m, name, kind);
	if (mode === 'excl') l.owner = ctx.cpu;
	else l.readers = [...l.readers, ctx.cpu].sort((a, b) => a - b);
}

/**
 * Whether a trylock succeeds now: stricter than available() for a spinlock or
 * an rwsem, whose trylock fails on any queued waiter even when the lock is
 * free (queued_spin_trylock: the lock word must be 0, and a waiter's pending
 * or tail bits are in it; rwsem_write_trylock: cmpxchg from
 * RWSEM_UNLOCKED_VALUE; __down_read_trylock: RWSEM_READ_FAILED_MASK includes
 * RWSEM_FLAG_WAITERS). mutex_trylock takes a free mutex whatever waits
 * (__mutex_trylock_common looks at the owner, not the waiters bit).
 */
export function tryAvailable(m: Machine, name: string, kind: LockKind, mode: LockMode): boolean {
	if (!available(m, name, mode)) return false;
	return kind === 'mutex' || lockWaiters(m, name).length === 0;
}

/** Take the lock if it is available (a blocking acquire's first try): true if taken. Reads the lock either way. */
export function tryTake(ctx: Ctx, name: string, kind: LockKind, mode: LockMode): boolean {
	rd(ctx, lockKey(name));
	if (!available(ctx.m, name, mode)) return false;
	take(ctx, name, kind, mode);
	return true;
}

/** A trylock primitive's one attempt (tryAvailable's rule): true if taken. Reads the lock either way. */
export function trylockTake(ctx: Ctx, name: string, kind: LockKind, mode: LockMode): boolean {
	rd(ctx, lockKey(name));
	if (!tryAvailable(ctx.m, name, kind, mode)) return false;
	take(ctx, name, kind, mode);
	return true;
}

/**
 * Release: an unlock of a lock this CPU does not hold is L1 (lockdep's "bad
 * unlock balance"); the lock is then left as it was, unless another CPU holds
 * it exclusively, which a real unlock would release (the debug check only warns).
 * Returns whether this CPU held it.
 */
export function release(ctx: Ctx, name: string, mode: LockMode, prim: string): boolean {
	wr(ctx, lockKey(name));
	const l = ctx.m.locks[name];
	const me = ctx.cpu;
	const held = l !== undefined && (mode === 'excl' ? l.owner === me : l.readers.includes(me));
	if (!held) {
		const state = l ? describeHolders(ctx.m, name, me) : 'free';
		violate(ctx, 'bad-unlock', 'L1', `CPU${me} ${prim}(${lockLabel(name)}) but the lock is ${state === 'free' ? 'not held' : state}`, [lockLabel(name), `CPU${me}`]);
		if (l && mode === 'excl' && l.owner !== null) l.owner = null;
		tidy(ctx.m, name);
		return false;
	}
	if (mode === 'excl') l.owner = null;
	else {
		// One up_read per down_read: a CPU that took the read lock twice still holds it once.
		const i = l.readers.indexOf(me);
		l.readers = [...l.readers.slice(0, i), ...l.readers.slice(i + 1)];
	}
	tidy(ctx.m, name);
	return true;
}

/**
 * downgrade_write: the writer becomes a reader in one step, with no moment
 * between in which another writer could take the lock (kernel/locking/rwsem.c:
 * __downgrade_write, an atomic add of -RWSEM_WRITER_LOCKED + RWSEM_READER_BIAS).
 * Readers waiting for it may then share it, unless a writer waits too: the
 * model keeps no queue order, and a reader-held rwsem with a writer queued
 * admits no new reader (available); the kernel's rwsem_downgrade_wake
 * (rwsem_mark_wake, RWSEM_WAKE_READ_OWNED) wakes none if a writer is first,
 * else every queued reader, also those behind a writer (not modelled: see
 * docs/model.md, Locks). L1 if this CPU does not
 * hold it for write (DEBUG_RWSEMS_WARN_ON in __downgrade_write): nothing changes.
 */
export function downgrade(ctx: Ctx, name: string, prim: string): boolean {
	wr(ctx, lockKey(name));
	const l = ctx.m.locks[name];
	const me = ctx.cpu;
	if (l === undefined || l.owner !== me) {
		const state = l ? describeHolders(ctx.m, name, me) : 'free';
		violate(ctx, 'bad-unlock', 'L1', `CPU${me} ${prim}(${lockLabel(name)}) but it does not hold it for write: the lock is ${state === 'free' ? 'not held' : state}`, [lockLabel(name), `CPU${me}`]);
		return false;
	}
	l.owner = null;
	l.readers = [...l.readers, me].sort((a, b) => a - b);
	return true;
}

/** A page-table lock that nobody holds leaves the state, so equal states stay equal. */
function tidy(m: Machine, name: string): void {
	const l = m.locks[name];
	if (l && name.startsWith('ptl:') && l.owner === null && l.readers.length === 0) delete m.locks[name];
}

/** Every lock a CPU holds, by name. */
export function heldBy(m: Machine, cpu: number): string[] {
	const out: string[] = [];
	const locks = unwritten(m.locks);
	for (const name in locks) {
		const l = locks[name]!;
		if (l.owner === cpu || l.readers.includes(cpu)) out.push(name);
	}
	return out;
}

/** L3: might_sleep() in a context that may not sleep (kernel/sched/core.c:__might_sleep). */
export function mightSleep(ctx: Ctx, prim: string): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	rd(ctx, `irq:${ctx.cpu}`);
	if (c.irqsOn && c.preempt === 0 && c.rcuDepth === 0) return;
	const why = [
		!c.irqsOn && 'with IRQs off',
		c.preempt > 0 && `with preemption off (${spinlocksText(ctx.m, ctx.cpu) || (c.irqFrames.length > 0 ? 'in an irq handler' : 'preempt_disable')})`,
		c.rcuDepth > 0 && 'inside rcu_read_lock',
	].filter(Boolean).join(', ');
	violate(ctx, 'sleep-in-atomic', 'L3', `CPU${ctx.cpu} calls ${prim}, which may sleep, ${why}: "BUG: sleeping function called from invalid context"`, [`CPU${ctx.cpu}`]);
}

/** How many spinlocks a CPU holds (each holds a preempt count). */
export function spinlocksHeld(m: Machine, cpu: number): number {
	return heldBy(m, cpu).filter(n => m.locks[n]!.kind === 'spinlock').length;
}

function spinlocksText(m: Machine, cpu: number): string {
	return heldBy(m, cpu)
		.filter(n => m.locks[n]!.kind === 'spinlock')
		.map(n => `holds ${lockLabel(n)}`)
		.join(', ');
}
