// Locks (KERNEL.md §6.A1): spinlocks with their IRQ forms, mutexes, rw
// semaphores and the names mm code uses for them. An acquire that finds the
// lock taken leaves the CPU waiting on it (a spinner already has preemption,
// and for the _irq forms IRQs, off); its next step takes the lock.

import type {Ctx} from '../context.js';
import {noteAcquire} from '../lock-order.js';
import {downgrade, irqsOff, irqsRestore, type LockMode, mightSleep, preemptAdd, queueOn, release, take, trylockTake, tryTake} from '../locks.js';
import type {LockKind, Value} from '../types.js';
import {checkPtlTable} from './ptl.js';
import {argLock, type ArgSpec, type Primitive} from './spec.js';

type Irq = 'none' | 'disable' | 'save';

type LockSpec = {
	name: string;
	kernel: string;
	kind: LockKind;
	mode: LockMode;
	/** A fixed lock (`mmap_lock`); otherwise the first argument names it. */
	fixed?: string;
	irq?: Irq;
	/** Extra arguments the kernel passes (the mm, the mapping, the flags). */
	extra?: ArgSpec[];
};

const lockArg = (kind: LockKind): ArgSpec => ({name: 'lock', kind: 'lock', lockKind: kind});
const MM_ARG: ArgSpec = {name: 'mm', kind: 'context', optional: true};
const FLAGS_ARG: ArgSpec = {name: 'context', kind: 'context', optional: true};
/** The lockdep subclass of the _nested forms (SINGLE_DEPTH_NESTING): an annotation, no effect (lockdep's class order is not modelled). */
const SUBCLASS_ARG: ArgSpec = {name: 'subclass', kind: 'int'};

function args(s: LockSpec): ArgSpec[] {
	return [...(s.fixed ? [] : [lockArg(s.kind)]), ...(s.extra ?? [])];
}

function lockName(s: LockSpec, a: Value[]): string {
	return s.fixed ?? argLock(a[0]!, s.name);
}

const fixedLock = (s: LockSpec) => (s.fixed ? {fixedLock: {name: s.fixed, kind: s.kind}} : {});


/** spin_lock, mutex_lock, down_read...: take the lock, or wait for it. */
function acquire(s: LockSpec): Primitive {
	const spin = s.kind === 'spinlock';
	return {
		name: s.name,
		kernel: s.kernel,
		effect: spin
			? `${s.irq === 'save' ? 'saves the IRQ flag and disables IRQs, ' : s.irq === 'disable' ? 'disables IRQs, ' : ''}disables preemption (an RCU reader from here), then takes the spinlock or spins on it`
			: `${s.mode === 'read' ? 'takes the rw semaphore for read (shared with other readers)' : `takes the ${s.kind === 'mutex' ? 'mutex' : 'rw semaphore for write'}`}, or sleeps until it can; may sleep, so calling it with a spinlock held, IRQs off or inside rcu_read_lock is L3`,
		args: args(s),
		returns: 'void',
		blocks: true,
		...fixedLock(s),
		run(ctx, a) {
			const name = lockName(s, a);
			if (spin) {
				if (s.irq && s.irq !== 'none') irqsOff(ctx, s.irq === 'save');
				preemptAdd(ctx, 1);
				checkPtlTable(ctx, name, s.name);
			} else {
				mightSleep(ctx, s.name);
			}
			noteAcquire(ctx, name, s.name);
			return tryTake(ctx, name, s.kind, s.mode) ? null : queueOn(ctx, s.name, name, s.mode);
		},
		resume(ctx, w) {
			if (spin) checkPtlTable(ctx, (w as {lock: string}).lock, s.name);
			take(ctx, (w as {lock: string}).lock, s.kind, s.mode);
			return null;
		},
	};
}

/** spin_unlock, mutex_unlock, up_read...: release (L1 if not held by this CPU). */
function unlock(s: LockSpec): Primitive {
	const spin = s.kind === 'spinlock';
	return {
		name: s.name,
		kernel: s.kernel,
		effect: `releases the ${s.kind === 'rwsem' ? `rw semaphore (${s.mode === 'read' ? 'read' : 'write'})` : s.kind}${spin ? `${s.irq === 'save' ? ', restores the saved IRQ flag' : s.irq === 'disable' ? ', enables IRQs' : ''} and enables preemption` : ''}; unlocking a lock this CPU does not hold is L1`,
		args: args(s),
		returns: 'void',
		...fixedLock(s),
		run(ctx, a) {
			if (spin) checkPtlTable(ctx, lockName(s, a), s.name);
			release(ctx, lockName(s, a), s.mode, s.name);
			if (spin) {
				if (s.irq && s.irq !== 'none') irqsRestore(ctx, s.irq === 'save');
				preemptAdd(ctx, -1);
			}
			return null;
		},
	};
}

/** spin_trylock, mutex_trylock, down_read_trylock...: one try, true if taken. */
function trylock(s: LockSpec): Primitive {
	const spin = s.kind === 'spinlock';
	return {
		name: s.name,
		kernel: s.kernel,
		effect: `one attempt to take the ${s.kind}${s.kind === 'rwsem' ? ` for ${s.mode === 'read' ? 'read' : 'write'}` : ''}: returns true if taken, false (and nothing changed) if not${s.kind === 'mutex' ? '' : '; it fails while another CPU is queued on the lock, even a free one (the waiters are in the lock word)'}`,
		args: args(s),
		returns: 'bool',
		...fixedLock(s),
		run(ctx: Ctx, a: Value[]) {
			const name = lockName(s, a);
			if (spin) {
				preemptAdd(ctx, 1);
				checkPtlTable(ctx, name, s.name);
			}
			const ok = trylockTake(ctx, name, s.kind, s.mode);
			if (!ok && spin) preemptAdd(ctx, -1);
			return ok;
		},
	};
}

/** downgrade_write, mmap_write_downgrade: the write hold becomes a read hold in one step. */
function downgradeWrite(s: {name: string; kernel: string; fixed?: string; extra?: ArgSpec[]}): Primitive {
	const spec: LockSpec = {...s, kind: 'rwsem', mode: 'excl'};
	return {
		name: s.name,
		kernel: s.kernel,
		effect: 'turns this CPU\'s write hold of the rw semaphore into a read hold in one step: no writer can come between, readers may share it from now on; L1 if this CPU does not hold it for write',
		args: args(spec),
		returns: 'void',
		...fixedLock(spec),
		run(ctx, a) {
			downgrade(ctx, lockName(spec, a), s.name);
			return null;
		},
	};
}

const SPIN = 'include/linux/spinlock_api_smp.h';
const RWSEM = 'kernel/locking/rwsem.c';

export const lockPrimitives: Primitive[] = [
	acquire({name: 'spin_lock', kernel: `${SPIN}:__raw_spin_lock`, kind: 'spinlock', mode: 'excl'}),
	unlock({name: 'spin_unlock', kernel: `${SPIN}:__raw_spin_unlock`, kind: 'spinlock', mode: 'excl'}),
	trylock({name: 'spin_trylock', kernel: `${SPIN}:__raw_spin_trylock`, kind: 'spinlock', mode: 'excl'}),
	acquire({name: 'spin_lock_nested', kernel: `${SPIN}:_raw_spin_lock_nested (spin_lock with a lockdep subclass)`, kind: 'spinlock', mode: 'excl', extra: [SUBCLASS_ARG]}),
	acquire({name: 'spin_lock_irq', kernel: `${SPIN}:__raw_spin_lock_irq`, kind: 'spinlock', mode: 'excl', irq: 'disable'}),
	unlock({name: 'spin_unlock_irq', kernel: `${SPIN}:__raw_spin_unlock_irq`, kind: 'spinlock', mode: 'excl', irq: 'disable'}),
	acquire({name: 'spin_lock_irqsave', kernel: `${SPIN}:__raw_spin_lock_irqsave`, kind: 'spinlock', mode: 'excl', irq: 'save', extra: [FLAGS_ARG]}),
	unlock({name: 'spin_unlock_irqrestore', kernel: `${SPIN}:__raw_spin_unlock_irqrestore`, kind: 'spinlock', mode: 'excl', irq: 'save', extra: [FLAGS_ARG]}),
	acquire({name: 'mutex_lock', kernel: 'kernel/locking/mutex.c:mutex_lock', kind: 'mutex', mode: 'excl'}),
	acquire({name: 'mutex_lock_nested', kernel: 'kernel/locking/mutex.c:mutex_lock_nested (mutex_lock with a lockdep subclass)', kind: 'mutex', mode: 'excl', extra: [SUBCLASS_ARG]}),
	unlock({name: 'mutex_unlock', kernel: 'kernel/locking/mutex.c:mutex_unlock', kind: 'mutex', mode: 'excl'}),
	trylock({name: 'mutex_trylock', kernel: 'kernel/locking/mutex.c:mutex_trylock', kind: 'mutex', mode: 'excl'}),
	acquire({name: 'down_read', kernel: `${RWSEM}:down_read`, kind: 'rwsem', mode: 'read'}),
	unlock({name: 'up_read', kernel: `${RWSEM}:up_read`, kind: 'rwsem', mode: 'read'}),
	acquire({name: 'down_write', kernel: `${RWSEM}:down_write`, kind: 'rwsem', mode: 'excl'}),
	acquire({name: 'down_read_nested', kernel: `${RWSEM}:down_read_nested (down_read with a lockdep subclass)`, kind: 'rwsem', mode: 'read', extra: [SUBCLASS_ARG]}),
	acquire({name: 'down_write_nested', kernel: `${RWSEM}:down_write_nested (down_write with a lockdep subclass)`, kind: 'rwsem', mode: 'excl', extra: [SUBCLASS_ARG]}),
	unlock({name: 'up_write', kernel: `${RWSEM}:up_write`, kind: 'rwsem', mode: 'excl'}),
	downgradeWrite({name: 'downgrade_write', kernel: `${RWSEM}:downgrade_write`}),
	trylock({name: 'down_read_trylock', kernel: `${RWSEM}:down_read_trylock`, kind: 'rwsem', mode: 'read'}),
	trylock({name: 'down_write_trylock', kernel: `${RWSEM}:down_write_trylock`, kind: 'rwsem', mode: 'excl'}),
	...mmLocks(),
];

/** The kernel's names for the sleeping locks mm code takes (include/linux/mmap_lock.h, fs.h, rmap.h). */
function mmLocks(): Primitive[] {
	const mm = (name: string, fixed: string, how: 'lock' | 'unlock' | 'trylock', mode: LockMode, kernel: string, extra: ArgSpec = MM_ARG): Primitive => {
		const s: LockSpec = {name, kernel, kind: 'rwsem', mode, fixed, extra: [extra]};
		return how === 'lock' ? acquire(s) : how === 'unlock' ? unlock(s) : trylock(s);
	};
	const MMAP = 'include/linux/mmap_lock.h';
	const mapping: ArgSpec = {name: 'mapping', kind: 'context', optional: true};
	const anon: ArgSpec = {name: 'anon_vma', kind: 'context', optional: true};
	return [
		mm('mmap_read_lock', 'mmap_lock', 'lock', 'read', `${MMAP}:mmap_read_lock (down_read(&mm->mmap_lock))`),
		mm('mmap_read_unlock', 'mmap_lock', 'unlock', 'read', `${MMAP}:mmap_read_unlock`),
		mm('mmap_read_trylock', 'mmap_lock', 'trylock', 'read', `${MMAP}:mmap_read_trylock`),
		mm('mmap_write_lock', 'mmap_lock', 'lock', 'excl', `${MMAP}:mmap_write_lock (down_write(&mm->mmap_lock))`),
		mm('mmap_write_unlock', 'mmap_lock', 'unlock', 'excl', `${MMAP}:mmap_write_unlock`),
		mm('mmap_write_trylock', 'mmap_lock', 'trylock', 'excl', `${MMAP}:mmap_write_trylock`),
		downgradeWrite({name: 'mmap_write_downgrade', kernel: `${MMAP}:mmap_write_downgrade (downgrade_write(&mm->mmap_lock)) (mm/mmap.c:do_vmi_align_munmap since dd2283f2605e)`, fixed: 'mmap_lock', extra: [MM_ARG]}),
		mm('i_mmap_lock_read', 'i_mmap_rwsem', 'lock', 'read', 'include/linux/fs.h:i_mmap_lock_read (down_read(&mapping->i_mmap_rwsem))', mapping),
		mm('i_mmap_unlock_read', 'i_mmap_rwsem', 'unlock', 'read', 'include/linux/fs.h:i_mmap_unlock_read', mapping),
		mm('i_mmap_lock_write', 'i_mmap_rwsem', 'lock', 'excl', 'include/linux/fs.h:i_mmap_lock_write (down_write(&mapping->i_mmap_rwsem))', mapping),
		mm('i_mmap_unlock_write', 'i_mmap_rwsem', 'unlock', 'excl', 'include/linux/fs.h:i_mmap_unlock_write', mapping),
		mm('anon_vma_lock_read', 'anon_vma', 'lock', 'read', 'include/linux/rmap.h:anon_vma_lock_read (down_read(&anon_vma->root->rwsem))', anon),
		mm('anon_vma_unlock_read', 'anon_vma', 'unlock', 'read', 'include/linux/rmap.h:anon_vma_unlock_read', anon),
		mm('anon_vma_lock_write', 'anon_vma', 'lock', 'excl', 'include/linux/rmap.h:anon_vma_lock_write (down_write(&anon_vma->root->rwsem))', anon),
		mm('anon_vma_unlock_write', 'anon_vma', 'unlock', 'excl', 'include/linux/rmap.h:anon_vma_unlock_write', anon),
	];
}
