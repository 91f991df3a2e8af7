// A machine as a flat list of named values ("pte[0x7f0000]" -> "pfn 0x100 W S D").
// Diffs, "what changed" in traces, highlights in the TUI and "when did this
// last change" all compare these flat views, so they agree on names.

import {allLeaves} from './pagetable.js';
import {lockLabel} from './locks.js';
import {lockWaiters} from './waits.js';
import {gatherText} from './primitives/mmu-gather.js';
import type {Ipi, LeafEntry, Lock, Machine, Wait} from './types.js';
import {formatValue, hex} from './values.js';

/** A pending interrupt as the panes and traces name it: `flush<-CPU1`, a device IRQ by its line (`dev_irq<-CPU2`). */
export const ipiLabel = (i: Ipi): string => `${i.kind === 'device' ? i.irq : i.kind}<-CPU${i.from}`;

/** A leaf's flags as the trace and the TUI's page-table pane write them (`W S D huge dirty`); `long`: the words the state tables use. */
export function leafBits(e: LeafEntry, level: number, long = false): string {
	const w = (short: string, word: string): string => (long ? word : short);
	return [e.write && w('W', 'write'), e.special && w('S', 'special'), e.devmap && w('D', 'devmap'), e.protnone && 'PROT_NONE', level === 2 && 'huge', e.invalid && 'invalid', e.dirty && 'dirty'].filter(Boolean).join(' ');
}

export function flatten(m: Machine): Map<string, string> {
	const out = new Map<string, string>();
	for (const c of m.cpus) {
		out.set(`CPU${c.id}.irqs`, c.irqsOn ? 'on' : 'off');
		if (c.rcuDepth > 0) out.set(`CPU${c.id}.rcu_read_lock`, String(c.rcuDepth));
		if (c.ipis.length > 0) out.set(`CPU${c.id}.ipis`, c.ipis.map(ipiLabel).join(' '));
		if (c.preempt > 0) out.set(`CPU${c.id}.preempt`, String(c.preempt));
		if (c.irqFrames.length > 0) out.set(`CPU${c.id}.in_irq`, `handler running (interrupted ${c.irqFrames.length === 1 ? 'once' : c.irqFrames.length + ' times'})`);
		if (c.wait) out.set(`CPU${c.id}.wait`, describeWait(c.wait));
		for (const [va, e] of Object.entries(c.tlb)) out.set(`CPU${c.id}.tlb[${hex(Number(va))}]`, `pfn ${hex(e.pfn)}${e.write ? ' W' : ''}${e.huge ? ' 2M' : ''}${e.dirty ? ' dirty' : ''}${e.gen !== undefined ? ` (alloc ${e.gen})` : ''}`);
		for (const [va, t] of Object.entries(c.pwc)) out.set(`CPU${c.id}.pwc[${hex(Number(va))}]`, `T${t}`);
		if (c.lazy) out.set(`CPU${c.id}.lazy`, 'lazy TLB');
		if (c.gather) out.set(`CPU${c.id}.mmu_gather`, gatherText(c.gather));
		for (const [name, v] of Object.entries(c.locals)) out.set(`CPU${c.id}.${name}`, formatValue(v));
	}
	for (const leaf of allLeaves(m.pt)) {
		const e = leaf.entry;
		const bits = leafBits(e, leaf.level);
		out.set(`pte[${hex(leaf.va)}]`, `pfn ${hex(e.pfn)}${bits ? ' ' + bits : ''} (T${leaf.table})`);
	}
	for (const [id, t] of Object.entries(m.pt.tables)) if (t.freed) out.set(`table[T${id}]`, 'freed');
	for (const [va, ts] of Object.entries(m.pt.deposited)) out.set(`deposit[${hex(Number(va))}]`, ts.map(t => 'T' + t).join(' '));
	for (const [pfn, p] of Object.entries(m.memmap)) {
		const k = `page[${hex(Number(pfn))}]`;
		out.set(`${k}.memmap`, p.exists ? 'present' : 'REMOVED');
		out.set(`${k}.refcount`, String(p.refcount));
		if (p.pins > 0) out.set(`${k}.pins`, String(p.pins));
		if (p.ram) {
			out.set(`${k}.alloc`, p.ram.free ? `free (allocation ${p.ram.gen} ended)` : `allocation ${p.ram.gen}${p.ram.owner !== null ? ` by CPU${p.ram.owner}` : ''}`);
			if (p.ram.mapcount > 0) out.set(`${k}.mapcount`, String(p.ram.mapcount));
			if (p.ram.head !== undefined) out.set(`${k}.compound_head`, hex(p.ram.head));
			if (p.ram.pgDirty) out.set(`${k}.PG_dirty`, 'set');
			if (p.ram.writtenBack) out.set(`${k}.writeback`, 'cleaned');
			if (p.ram.data !== undefined) out.set(`${k}.data`, String(p.ram.data));
			if (p.ram.anonExclusive) out.set(`${k}.PG_anon_exclusive`, 'set');
			if (p.ram.collapse) out.set(`${k}.collapse`, `${p.ram.collapse}${p.ram.lateRefs > 0 ? `, ${p.ram.lateRefs} late GUP ref` : ''}`);
		}
	}
	for (const [pfn, s] of Object.entries(m.pfns)) out.set(`pfn[${hex(Number(pfn))}]`, s.backed ? (s.owner === 'device' ? 'backed' : `backed, ${s.owner}`) : 'UNBACKED');
	for (const p of Object.values(m.pgmaps)) {
		out.set(`${p.name}.ref`, `${p.ref.state} ${p.ref.count} (${p.ref.mode})`);
		out.set(`${p.name}.pgmap_array`, p.inArray ? 'indexed' : 'deleted');
		out.set(`${p.name}.dax`, p.daxAlive ? 'alive' : 'dead');
		if (p.done) out.set(`${p.name}.done`, 'completed');
	}
	if (m.fs) out.set(`fs.${m.fs.kind}`, [m.fs.frozen && 'frozen', m.fs.shutdown && 'shut down'].filter(Boolean).join(', ') || 'mounted');
	m.rcu.forEach((cb, i) => out.set(`rcu.callback${i}`, `${cb.kind === 'ref-switch-atomic' ? `${cb.pgmap}->ref to atomic` : `free T${cb.table}`} after ${cb.readers.map(r => 'CPU' + r).join(',')}`));
	if (m.tlbFlushPending > 0) out.set('mm.tlb_flush_pending', String(m.tlbFlushPending));
	for (const [name, v] of Object.entries(m.globals)) out.set(`global.${name}`, formatValue(v));
	for (const [name, l] of Object.entries(m.locks)) out.set(`lock[${name}]`, describeLock(m, name, l));
	if (m.lockOrder && m.lockOrder.length > 0) out.set('lock_order', m.lockOrder.join(', '));
	if (m.sigbus) out.set('signal.SIGBUS', 'sent');
	if (m.sigkill) out.set('signal.SIGKILL', 'pending');
	return out;
}

function describeWait(w: Wait): string {
	switch (w.kind) {
		case 'acks':
			return `${w.prim}: acks from ${w.pending.map(p => 'CPU' + p).join(',') || 'none'}`;
		case 'gp':
			return `${w.prim}: gp ${w.readers.map(p => 'CPU' + p).join(',') || 'over'}`;
		case 'lock':
			return `${w.prim}: waits for ${lockLabel(w.lock)}${w.mode === 'read' ? ' (read)' : ''}`;
		case 'phase':
			return `${w.prim}: in progress`;
	}
}

/** `CPU0`, `read: CPU0,CPU2` or `free`, and who waits for it. */
function describeLock(m: Machine, name: string, l: Lock): string {
	const held = l.owner !== null ? `CPU${l.owner}` : l.readers.length > 0 ? `read: ${l.readers.map(r => 'CPU' + r).join(',')}` : 'free';
	const waiters = lockWaiters(m, name).map(c => 'CPU' + c);
	return waiters.length > 0 ? `${held} (waiters: ${waiters.join(',')})` : held;
}

export type Change = {path: string; before: string; after: string};

const ABSENT = '-';

/**
 * What the flat form leaves out reads as what it means: a counter at 0 (`1 -> 0`,
 * not `gone`), and a lock no one holds or waits for (a page-table lock exists in
 * the machine only while it is held: `free -> CPU0`, not `= CPU0` and then `gone`).
 */
const COUNTER = /^CPU\d+\.(preempt|rcu_read_lock)$/;
const absent = (path: string): string => (COUNTER.test(path) ? '0' : path.startsWith('lock[') ? 'free' : ABSENT);

export function changes(before: Machine, after: Machine): Change[] {
	if (before === after) return [];
	const a = flatten(before);
	const b = flatten(after);
	const out: Change[] = [];
	for (const [k, v] of b) if (a.get(k) !== v) out.push({path: k, before: a.get(k) ?? absent(k), after: v});
	for (const [k, v] of a) if (!b.has(k)) out.push({path: k, before: v, after: absent(k)});
	return out;
}

/** Locals changes are shown as `x = v`; others as `path: a -> b`. */
export function formatChange(c: Change): string {
	if (/^CPU\d+\.[a-z_][a-z0-9_.]*$/i.test(c.path) && !/\.(irqs|ipis|wait|rcu_read_lock|preempt|in_irq|lazy|mmu_gather)$/.test(c.path)) return `${c.path.slice(c.path.indexOf('.') + 1)} = ${c.after}`;
	if (c.after === ABSENT) return `${c.path} gone`;
	if (c.before === ABSENT) return `${c.path} = ${c.after}`;
	// a waiter queued on a held lock: `lock[b]: CPU1 (waiters: CPU0)`, not `CPU1 -> CPU1 (waiters: CPU0)`
	if (c.after.startsWith(`${c.before} (`)) return `${c.path}: ${c.after}`;
	return `${c.path}: ${c.before} -> ${c.after}`;
}
