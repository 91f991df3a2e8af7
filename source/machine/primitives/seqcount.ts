// Sequence counters (include/linux/seqlock.h) as mm uses them:
// mm->write_protect_seq (fork vs gup-fast), the zone span seqlock, the VMA
// lock's mm_lock_seq since v6.13. A seqcount_t is a shared integer, even when
// no writer is inside; each call is one step (sequentially consistent: the
// smp_rmb/smp_wmb the kernel puts around them order nothing further here).

import {type Ctx, violate} from '../context.js';
import type {Value} from '../types.js';
import {formatValue, typeName} from '../values.js';
import {readGlobal, writeGlobal} from './shared.js';
import {argInt, argVar, type ArgSpec, Oops, type Primitive} from './spec.js';

const SEQLOCK = 'include/linux/seqlock.h';
const S: ArgSpec = {name: 's', kind: 'var', varKind: 'plain'};

function sequence(ctx: Ctx, v: Value, prim: string): {name: string; seq: number} {
	const name = argVar(v, prim);
	const seq = readGlobal(ctx, name);
	if (typeof seq !== 'number') throw new Oops(`${prim}: ${name} holds ${typeName(seq)} ${formatValue(seq)}, not a sequence count (declare it seqcount_t ${name};)`);
	return {name, seq};
}

/** The value of the shared variable a guard looks at (no footprint: the step's run reads it again). */
function peekSequence(m: {globals: Record<string, Value>}, v: Value | undefined): number | null {
	const name = v !== null && typeof v === 'object' && v !== undefined && v.t === 'var' ? v.name : null;
	const seq = name === null ? null : m.globals[name];
	return typeof seq === 'number' ? seq : null;
}

const writeSide = (name: string, end: boolean, assertPreempt: boolean): Primitive => ({
	name,
	kernel: `${SEQLOCK}:${name}${assertPreempt ? ' (seqprop_assert: lockdep_assert_preemption_disabled for a plain seqcount_t)' : ''}`,
	effect: `${end ? 'ends' : 'begins'} a write section: the sequence + 1 (${end ? 'even again' : 'odd: readers retry'})${assertPreempt ? '; called with preemption and IRQs on, lockdep_assert_preemption_disabled WARNs (the raw_ form has no such check)' : ''}`,
	args: [S],
	returns: 'void',
	run(ctx, [v]) {
		const {name: g, seq} = sequence(ctx, v!, name);
		if (assertPreempt && ctx.m.cpus[ctx.cpu]!.preempt === 0 && ctx.m.cpus[ctx.cpu]!.irqsOn) {
			violate(ctx, 'warn', 'WARN', `WARNING: ${name}(&${g}) with preemption enabled: a plain seqcount_t's writer must not be preempted (lockdep_assert_preemption_disabled)`, [`seqcount ${g}`]);
		}
		writeGlobal(ctx, g, seq + 1);
		return null;
	},
});

const readBegin = (name: string): Primitive => ({
	name,
	kernel: `${SEQLOCK}:${name} (spins while the sequence is odd, then returns it)`,
	effect: 'waits while a writer is inside (the sequence is odd), then returns the sequence for read_seqcount_retry',
	args: [S],
	returns: 'int',
	blocks: true,
	guard(m, _cpu, [v]) {
		const seq = peekSequence(m, v);
		return seq !== null && seq % 2 !== 0 ? `a writer is inside (sequence ${seq}, odd)` : null;
	},
	run: (ctx, [v]) => sequence(ctx, v!, name).seq,
});

export const seqcountPrimitives: Primitive[] = [
	writeSide('raw_write_seqcount_begin', false, false),
	writeSide('raw_write_seqcount_end', true, false),
	writeSide('write_seqcount_begin', false, true),
	writeSide('write_seqcount_end', true, false),
	readBegin('read_seqcount_begin'),
	readBegin('raw_read_seqcount_begin'),
	{
		name: 'raw_read_seqcount',
		kernel: `${SEQLOCK}:raw_read_seqcount (no wait: the caller tests the low bit, as lockless_pages_from_mm does)`,
		effect: 'returns the sequence as it is, odd or not',
		args: [S],
		returns: 'int',
		run: (ctx, [v]) => sequence(ctx, v!, 'raw_read_seqcount').seq,
	},
	{
		name: 'raw_seqcount_begin',
		kernel: `${SEQLOCK}:raw_seqcount_begin (raw_read_seqcount(s) & ~1: a writer inside makes the retry fail)`,
		effect: 'returns the sequence with its low bit cleared, without waiting: if a writer is inside, read_seqcount_retry will say so',
		args: [S],
		returns: 'int',
		run: (ctx, [v]) => sequence(ctx, v!, 'raw_seqcount_begin').seq & ~1,
	},
	{
		name: 'read_seqcount_retry',
		kernel: `${SEQLOCK}:read_seqcount_retry (smp_rmb; READ_ONCE(s->sequence) != start)`,
		effect: 'true if the sequence moved since start (a writer began or finished meanwhile): the read section must be retried',
		args: [S, {name: 'start', kind: 'int'}],
		returns: 'bool',
		run(ctx, [v, start]) {
			return sequence(ctx, v!, 'read_seqcount_retry').seq !== argInt(start!, 'read_seqcount_retry', 'a sequence');
		},
	},
];
