// Text tables of a machine state: CPUs, page tables, TLBs, the memmap and the
// dev_pagemap tree. Each table is plain data (title, columns, rows) so the TUI,
// the plain-text dump and the Markdown report format the same rows.
// `objectTables` keeps only the rows of the objects a violation names.

import type {Model} from '../lang/interpreter.js';
import {ipiLabel, leafBits} from '../machine/flatten.js';
import {LEVEL_NAME, walkTree} from '../machine/pagetable.js';
import type {Machine} from '../machine/types.js';
import {hex} from '../machine/values.js';
import {cpuLabel} from './trace.js';

export type Table = {title: string; columns: string[]; rows: string[][]; keys: string[][]};

function cpuStatus(model: Model, m: Machine, cpu: number): string {
	if (m.cpus[cpu]!.pc < 0) return 'finished';
	const why = model.blockedReason(m, cpu);
	return why ? why : 'runnable';
}

export function cpuTable(model: Model, m: Machine): Table {
	const rows: string[][] = [];
	const keys: string[][] = [];
	for (const c of m.cpus) {
		const ipis = c.ipis.map(ipiLabel).join(' ');
		rows.push([cpuLabel(model, c.id), c.pc < 0 ? '-' : String(model.lineOf(m, c.id)), c.irqsOn ? 'on' : 'off', ipis || '-', cpuStatus(model, m, c.id)]);
		keys.push([`CPU${c.id}`]);
	}
	return {title: 'CPUs', columns: ['cpu', 'line', 'irqs', 'ipis', 'status'], rows, keys};
}

export function pageTableTable(m: Machine): Table {
	const rows: string[][] = [];
	const keys: string[][] = [];
	walkTree(m.pt, s => {
		const pad = '  '.repeat(s.depth);
		if (s.kind === 'table') {
			rows.push([`${pad}T${s.id} ${LEVEL_NAME[s.table.level] ?? '?'}`, '', s.table.freed ? 'FREED' : '']);
			keys.push([`table T${s.id}`]);
			return;
		}
		const e = s.entry;
		const bits = leafBits(e, s.level, true);
		rows.push([`${pad}  [${s.index}] va ${hex(s.va)}`, `pfn ${hex(e.pfn)}`, bits]);
		keys.push([`pte ${hex(s.va)}`, `va ${hex(s.va)}`, `pfn ${hex(e.pfn)}`, `table T${s.table}`]);
	});
	return {title: 'Page tables', columns: ['entry', 'maps', 'flags'], rows, keys};
}

export function tlbTable(model: Model, m: Machine): Table {
	const rows: string[][] = [];
	const keys: string[][] = [];
	for (const c of m.cpus) {
		for (const [va, e] of Object.entries(c.tlb).sort((a, b) => Number(a[0]) - Number(b[0]))) {
			rows.push([`CPU${c.id}`, hex(Number(va)), `pfn ${hex(e.pfn)}`, e.write ? 'write' : '']);
			keys.push([`tlb CPU${c.id}`, `CPU${c.id}`, `va ${hex(Number(va))}`, `pfn ${hex(e.pfn)}`]);
		}
	}
	void model;
	return {title: 'TLBs', columns: ['cpu', 'va', 'maps', 'flags'], rows, keys};
}

export function memmapTable(m: Machine): Table {
	const rows: string[][] = [];
	const keys: string[][] = [];
	const pfns = new Set([...Object.keys(m.memmap), ...Object.keys(m.pfns)].map(Number));
	for (const pfn of [...pfns].sort((a, b) => a - b)) {
		const p = m.memmap[pfn];
		const b = m.pfns[pfn];
		rows.push([
			hex(pfn),
			p ? (p.exists ? 'present' : 'REMOVED') : '-',
			p ? String(p.refcount) : '-',
			p ? String(p.pins) : '-',
			p?.pgmap ?? '-',
			b ? (b.backed ? (b.owner === 'device' ? 'backed' : `backed, ${b.owner}`) : 'UNBACKED') : '-',
		]);
		keys.push([`page ${hex(pfn)}`, `pfn ${hex(pfn)}`, ...(p?.pgmap ? [`pgmap ${p.pgmap}`] : [])]);
	}
	return {title: 'memmap (struct page)', columns: ['pfn', 'memmap', 'refcount', 'pins', 'pgmap', 'memory'], rows, keys};
}

export function pgmapTable(m: Machine): Table {
	const rows: string[][] = [];
	const keys: string[][] = [];
	for (const p of Object.values(m.pgmaps)) {
		rows.push([
			p.name,
			p.type,
			`${hex(p.first)}-${hex(p.first + p.npages - 1)}`,
			`${p.ref.state} ${p.ref.count} (${p.ref.mode})`,
			p.inArray ? 'indexed' : 'deleted',
			p.daxAlive ? 'alive' : 'dead',
			p.done ? 'completed' : '-',
		]);
		const ks = [`pgmap ${p.name}`];
		for (let i = 0; i < p.npages; i++) ks.push(`page ${hex(p.first + i)}`, `pfn ${hex(p.first + i)}`);
		keys.push(ks);
	}
	return {title: 'dev_pagemap tree (pgmap_array)', columns: ['pgmap', 'type', 'pfns', 'ref', 'pgmap_array', 'dax', 'done'], rows, keys};
}

export function stateTables(model: Model, m: Machine): Table[] {
	return [cpuTable(model, m), pageTableTable(m), tlbTable(model, m), memmapTable(m), pgmapTable(m)];
}

/** The rows of the tables that concern the named objects (`page 0x100`, `pte 0x7f0000`, `tlb CPU2`, `CPU1`...). */
export function objectTables(model: Model, m: Machine, objects: readonly string[]): Table[] {
	const want = new Set(objects);
	const out: Table[] = [];
	for (const t of stateTables(model, m)) {
		const idx = t.rows.map((_, i) => i).filter(i => t.keys[i]!.some(k => want.has(k)));
		if (idx.length === 0) continue;
		out.push({...t, rows: idx.map(i => t.rows[i]!), keys: idx.map(i => t.keys[i]!)});
	}
	return out;
}

/** A table as aligned plain text (title line, header, rows). */
export function tableText(t: Table, width = 100): string[] {
	const w = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map(r => (r[i] ?? '').length)));
	const line = (cells: string[]): string => {
		const s = cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
		return s.length > width ? s.slice(0, width - 1) + '…' : s;
	};
	const out = [t.title, line(t.columns)];
	if (t.rows.length === 0) out.push('(none)');
	for (const r of t.rows) out.push(line(r));
	return out;
}

const mdCell = (s: string): string => (s === '' ? ' ' : s.replace(/\|/g, '\\|'));

/** A table in Markdown. */
export function tableMarkdown(t: Table): string[] {
	const out = [`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' --- ').join('|')}|`];
	for (const r of t.rows) out.push(`| ${r.map(c => mdCell(c.trim())).join(' | ')} |`);
	return out;
}

/** The whole state as text: every table, blank line between them. */
export function renderState(model: Model, m: Machine, width = 100): string {
	return stateTables(model, m)
		.map(t => tableText(t, width).join('\n'))
		.join('\n\n');
}
