// The state panes: page tables, dev_pagemap (with the fs, RCU callbacks and
// signals), memmap, and every other flat state entry (shared variables, locks,
// whatever the machine grows) in a generic section, so a new kind of state is
// on screen before it has a pane of its own. Values are never cut: labels are
// abbreviated and indentation dropped first.

import {flatten, leafBits} from '../machine/flatten.js';
import {LEVEL_NAME, walkTree} from '../machine/pagetable.js';
import type {Machine} from '../machine/types.js';
import {hex} from '../machine/values.js';
import {type Block, box, CHANGED, type Line, lineWidth, seg, type Style} from './text.js';
import type {View} from './view.js';

const hi = (changed: Set<string>, path: string, base: Style = {}): Style => (changed.has(path) ? {...base, ...CHANGED} : base);

/**
 * The page tables as a tree (PGD T0, └[i] PUD T1...). `leavesOnly` (the
 * compact layout's overview) keeps what matters there: the leaves (va → pfn),
 * cleared leaves and freed or unhooked tables; the tree is one Tab away.
 */
export function pageTableLines(m: Machine, changed: Set<string>, width = 200, leavesOnly = false, prev: Machine | null = null): Line[] {
	const out: Line[] = [];
	const pt = m.pt;
	const seen = new Set<string>();
	// where each table's line and leaves are, so a leaf the step cleared goes back into its slot of the tree
	const rows: {table: number; index: number | null; at: number; lead: string}[] = [];
	walkTree(pt, s => {
		if (s.kind === 'table') {
			if (leavesOnly && !s.table.freed && !changed.has(`table[T${s.id}]`)) {
				seen.add(String(s.id));
				return;
			}
			const t = s.table;
			seen.add(String(s.id));
			const via = s.index === null ? '' : `└[${s.index}] `;
			rows.push({table: s.id, index: null, at: out.length, lead: ' '.repeat(s.depth)});
			out.push([seg(`${' '.repeat(s.depth)}${via}${LEVEL_NAME[t.level] ?? 'L' + t.level} T${s.id}`, hi(changed, `table[T${s.id}]`, t.freed ? {color: 'red'} : {dim: false})), seg(t.freed ? ' freed' : '', {color: 'red', bold: true})]);
			return;
		}
		const e = s.entry;
		const bits = leafBits(e, s.level);
		const value = `${hex(s.va)} → pfn ${hex(e.pfn)}${bits ? ' ' + bits : ''}`;
		// the value whole: the indentation and then the slot index give way first
		const lead = leavesOnly ? `T${s.table} ` : ([`${' '.repeat(s.depth)} └[${s.index}] `, `└[${s.index}] `, '└'].find(l => l.length + value.length <= width) ?? '');
		rows.push({table: s.table, index: s.index, at: out.length, lead: ' '.repeat(s.depth)});
		out.push([seg(lead, {dim: true}), seg(value, hi(changed, `pte[${hex(s.va)}]`, {color: 'green'}))]);
	});
	// cleared leaves: the step removed them; shown in the slot they had (from the state before), under their table
	const slotBefore = new Map<number, {table: number; index: number}>();
	if (prev && prev.pt !== m.pt)
		walkTree(prev.pt, x => {
			if (x.kind === 'leaf') slotBefore.set(x.va, {table: x.table, index: x.index});
		});
	const cleared: Line[] = [];
	for (const p of changed) {
		const mm = /^pte\[(0x[0-9a-f]+)\]$/.exec(p);
		if (!mm || out.some(l => l.some(s => s.text.startsWith(mm[1]! + ' ')))) continue;
		const value = `${mm[1]} → none (cleared)`;
		const slot = slotBefore.get(Number(mm[1]));
		const table = slot ? rows.find(r => r.table === slot.table && r.index === null) : undefined;
		if (!slot || !table) {
			cleared.push([seg(slot && leavesOnly ? `T${slot.table} ` : '', {dim: true}), seg(value, CHANGED)]);
			continue;
		}
		// after the table's line and its leaves in lower slots
		const before = rows.filter(r => r.table === slot.table && r.index !== null && r.index < slot.index).pop() ?? table;
		const lead = [`${table.lead} └[${slot.index}] `, `└[${slot.index}] `, '└'].find(l => l.length + value.length <= width) ?? '';
		const at = before.at + 1;
		out.splice(at, 0, [seg(lead, {dim: true}), seg(value, CHANGED)]);
		for (const r of rows) if (r.at >= at) r.at++;
	}
	out.push(...cleared);
	for (const [id, t] of Object.entries(pt.tables)) {
		if (seen.has(id)) continue;
		if (t.freed || changed.has(`table[T${id}]`)) out.push([seg(`${LEVEL_NAME[t.level]} T${id} `, {dim: true}), seg(t.freed ? 'freed' : 'unhooked', hi(changed, `table[T${id}]`, {color: 'red'}))]);
		else out.push([seg(`${LEVEL_NAME[t.level]} T${id} unhooked`, {color: 'yellow'})]);
	}
	return out;
}

export function pgmapLines(m: Machine, changed: Set<string>): Line[] {
	const out: Line[] = [];
	for (const p of Object.values(m.pgmaps)) {
		const last = p.first + p.npages - 1;
		out.push([seg(p.name, {bold: true}), seg(` ${p.type} pfn ${hex(p.first)}${p.npages > 1 ? `..${hex(last)}` : ''}`, {dim: true})]);
		const refStyle: Style = p.ref.state === 'live' ? {color: 'green'} : {color: 'red'};
		out.push([seg(' ref '), seg(`${p.ref.state} ${p.ref.count}`, hi(changed, `${p.name}.ref`, {...refStyle, bold: true})), seg(` ${p.ref.mode}`, hi(changed, `${p.name}.ref`, {dim: true}))]);
		out.push([
			seg(' dax '),
			seg(p.daxAlive ? 'alive' : 'dead', hi(changed, `${p.name}.dax`, p.daxAlive ? {color: 'green'} : {color: 'red'})),
			seg('  done '),
			seg(p.done ? 'completed' : 'no', hi(changed, `${p.name}.done`)),
		]);
		out.push([seg(' pgmap_array '), seg(p.inArray ? 'indexed' : 'deleted', hi(changed, `${p.name}.pgmap_array`, p.inArray ? {} : {color: 'red'}))]);
	}
	if (m.fs) {
		const st = [m.fs.frozen && 'frozen', m.fs.shutdown && 'shut down'].filter(Boolean).join(', ') || 'mounted';
		out.push([seg(`fs ${m.fs.kind} on ${m.fs.dev}${m.fs.holder ? ' (holder)' : ''} `), seg(st, hi(changed, `fs.${m.fs.kind}`, m.fs.shutdown ? {color: 'red'} : {color: 'green'}))]);
	}
	m.rcu.forEach((cb, i) => out.push([seg(`rcu cb: ${cb.kind === 'ref-switch-atomic' ? `${cb.pgmap} ref→atomic` : `free T${cb.table}`} after ${cb.readers.map(r => 'CPU' + r).join(',') || 'gp'}`, hi(changed, `rcu.callback${i}`, {color: 'cyan'}))]));
	if (m.sigbus) out.push([seg('SIGBUS pending', hi(changed, 'signal', {color: 'red', bold: true}))]);
	return out;
}

export function memmapLines(m: Machine, changed: Set<string>): Line[] {
	const pfns = [...new Set([...Object.keys(m.memmap), ...Object.keys(m.pfns)])].sort((a, b) => Number(a) - Number(b));
	// a race with no memory (locks and shared variables only) has no memmap to head
	if (pfns.length === 0) return [];
	const w = Math.max(3, ...pfns.map(k => hex(Number(k)).length));
	// short labels (map, pin) so that every value fits in 30 columns
	const out: Line[] = [[seg(`${'pfn'.padEnd(w)} map     ref pin mem`, {dim: true})]];
	for (const key of pfns) {
		const pg = m.memmap[key];
		const pf = m.pfns[key];
		const k = `page[${hex(Number(key))}]`;
		out.push([
			seg(hex(Number(key)).padEnd(w) + ' '),
			seg((pg ? (pg.exists ? 'present' : 'REMOVED') : '-').padEnd(7), hi(changed, `${k}.memmap`, pg && !pg.exists ? {color: 'red', bold: true} : {})),
			seg(' '),
			seg(pg ? String(pg.refcount).padStart(3) : '  -', hi(changed, `${k}.refcount`, pg && pg.refcount === pg.idle ? {dim: true} : {bold: true})),
			seg(' '),
			seg(pg ? String(pg.pins).padStart(3) : '  -', hi(changed, `${k}.pins`, pg?.pins ? {bold: true} : {dim: true})),
			seg(' '),
			seg(pf ? (pf.backed ? (pf.owner === 'device' ? 'backed' : pf.owner) : 'UNBACKED') : '-', hi(changed, `pfn[${hex(Number(key))}]`, pf && !pf.backed ? {color: 'red', bold: true} : {dim: true})),
		]);
	}
	return out;
}

/** Flat names the panes above show; everything else goes to the generic section. */
function shownByPanes(m: Machine, path: string): boolean {
	if (/^(CPU\d+\.|pte\[|table\[|page\[|pfn\[|fs\.|rcu\.|signal\.)/.test(path)) return true;
	return Object.values(m.pgmaps).some(p => path.startsWith(`${p.name}.`));
}

/**
 * Every flat entry no pane knows (`lock:mmap_lock`, `global:x`...), as
 * `name value`, grouped by the part before the first `:` or `.`. Removed
 * entries the last step changed show as gone.
 */
export function otherStateLines(m: Machine, changed: Set<string>): Line[] {
	const flat = flatten(m);
	const names = [...flat.keys(), ...[...changed].filter(p => !flat.has(p))].filter(p => !shownByPanes(m, p));
	names.sort();
	return names.map(name => {
		const value = flat.get(name);
		return [seg(`${name} `, {dim: true}), seg(value ?? 'gone', hi(changed, name, value === undefined ? {color: 'red'} : {}))];
	});
}

/** Lines the tallest state pane needs (row layout). */
export function stateRowNeed(v: View): number {
	return Math.max(pageTableLines(v.state, v.changed, 200, false, v.prev).length, pgmapLines(v.state, v.changed).length + otherStateLines(v.state, v.changed).length, memmapLines(v.state, v.changed).length);
}

const hasChange = (lines: Line[]): boolean => lines.some(l => l.some(s => s.bg === CHANGED.bg));
const star = (lines: Line[]): Line => [seg(hasChange(lines) ? ' *' : '', {color: 'yellow', bold: true})];

/** The compact layout's state sections, in the order Tab cycles them (0: all, changed first). */
export const STATE_PANES = ['all', 'memmap', 'dev_pagemap', 'page tables', 'other'] as const;

export function statePanes(v: View, width: number, height: number, layout: 'row' | 'compact'): Block[] {
	const inner = width - 2;
	const other = otherStateLines(v.state, v.changed);
	if (layout === 'row') {
		// a scenario of locks and shared variables maps no memory: the page tables (a bare PGD) and the
		// memmap (no pfn) have nothing to show, and give their width to the pane that does
		const bare = !Object.keys(v.state.memmap).length && !Object.keys(v.state.pfns).length && pageTableLines(v.state, v.changed).length <= 1 && (other.length > 0 || !pgmapLines(v.state, v.changed).length);
		const [a, b] = bare ? [0, width] : [Math.floor(width * 0.36), Math.floor(width * 0.34)];
		const c = width - a - b;
		const pt = pageTableLines(v.state, v.changed, a - 2, false, v.prev);
		const pg = [...pgmapLines(v.state, v.changed), ...other];
		const mm = memmapLines(v.state, v.changed);
		// named for what it holds: dev_pagemap, then the kinds of the other entries (global, lock...)
		const kinds = [...new Set(other.map(l => /^[A-Za-z_]+/.exec(l[0]?.text ?? '')?.[0] ?? 'other'))];
		const middle = [...(pgmapLines(v.state, v.changed).length || !kinds.length ? ['dev_pagemap'] : []), ...kinds].join(', ');
		const mid = box(b, height, pg, {title: [seg(middle, {bold: true}), ...star(pg)]});
		if (bare) return [mid];
		return [box(a, height, pt, {title: [seg('page tables', {bold: true}), ...star(pt)]}), mid, box(c, height, mm, {title: [seg('memmap', {bold: true}), ...star(mm)]})];
	}
	const parts: [string, Line[]][] = [
		['memmap', memmapLines(v.state, v.changed)],
		['dev_pagemap', pgmapLines(v.state, v.changed)],
		['page tables', pageTableLines(v.state, v.changed, inner, false, v.prev)],
		['other', other],
	];
	const pick = (v.statePane ?? 0) % STATE_PANES.length;
	if (pick === 0 && v.zoom?.kind === 'state') {
		// zoomed: every section whole, one under the other, or in two columns when one is taller than the pane (80x24) and two fit side by side
		const sections = parts.filter(([, l]) => l.length).map(([n, l]): Line[] => [[seg(n, {bold: true, color: 'blue'})], ...l]);
		let all = sections.flat();
		const colW = Math.floor((inner - 3) / 2);
		if (all.length > height - 2 && sections.length > 1 && widest(all) <= colW) {
			let best = Infinity;
			for (let k = 1; k < sections.length; k++) {
				const a = sections.slice(0, k).flat();
				const b = sections.slice(k).flat();
				if (Math.max(a.length, b.length) >= best) continue;
				best = Math.max(a.length, b.length);
				all = Array.from({length: best}, (_, i) => [...(a[i] ?? []), seg(' '.repeat(colW + 3 - lineWidth(a[i] ?? []))), ...(b[i] ?? [])]);
			}
		}
		return [box(width, height, all, {title: [seg('state', {bold: true}), seg('  zoomed: z next pane, Esc closes', {dim: true})]})];
	}
	if (pick > 0) {
		const [name, lines] = parts.find(([n]) => n === STATE_PANES[pick])!;
		const title: Line = [seg(`state: ${name}`, {bold: true}), ...star(lines), seg(` ${pick}/${STATE_PANES.length - 1} Tab`, {dim: true})];
		return [box(width, height, lines.length ? lines : [[seg('(nothing)', {dim: true})]], {title})];
	}
	// the overview: memmap, the leaves, dev_pagemap, the rest; changed sections first so the highlight is visible
	const overview: [string, Line[]][] = [parts[0]!, ['page tables', pageTableLines(v.state, v.changed, inner, true, v.prev)], parts[1]!, parts[3]!];
	const changedFirst = overview.filter(([, l]) => l.length).sort((x, y) => Number(hasChange(y[1])) - Number(hasChange(x[1])));
	const body = changedFirst.flatMap(([n, l]): Line[] => [[seg(n, {bold: true, color: 'blue'})], ...l]);
	return [box(width, height, body, {title: [seg('state', {bold: true}), seg(' Tab: one at a time', {dim: true})]})];
}

/** The widest line of a state section (layouts use it to size the pane). */
export const widest = (lines: Line[]): number => Math.max(0, ...lines.map(lineWidth));
