// The panes, as pure functions of the view: each returns lines or a block of
// an exact size. Highlights mark what the last step changed (CHANGED style).

import type {Model} from '../lang/interpreter.js';
import {splitLines} from '../lang/visible.js';
import {LEVEL_NAME, walkTree} from '../machine/pagetable.js';
import type {Machine} from '../machine/types.js';
import {formatValue, hex} from '../machine/values.js';
import {cpuLabel, sourceLine, statementText} from '../render/trace.js';
import {violationLine} from '../render/verdict.js';
import {COLON_COMMANDS, footerHints, KEYMAP} from './keymap.js';
import {type Block, box, CHANGED, flow, type Line, seg, type Style, wrap} from './text.js';
import type {BranchInfo, View} from './view.js';

const hi = (changed: Set<string>, path: string, base: Style = {}): Style => (changed.has(path) ? {...base, ...CHANGED} : base);

// ---------------------------------------------------------------- header

export function headerLines(v: View, width: number): Line[] {
	const sc = v.model.program.scenario;
	const p = v.model.program;
	const title: Line = [
		seg(' racewalk ', {bg: 'blue', color: 'white', bold: true}),
		seg(' '),
		seg(sc.name, {bold: true}),
		seg(p.variant ? ` [${p.variant}]` : '', {color: 'magenta'}),
		seg(sc.title ? `  ${sc.title}` : ''),
		seg(sc.era ? `  (${sc.era})` : '', {dim: true}),
	];
	const params = Object.entries(p.params).map(([k, val]) => `${k}=${val}`).join(' ');
	const verdict: Line = v.violations.length
		? [seg(` VIOLATION ${v.violations[0]!.v.kind} (${v.violations[0]!.v.check}) @${v.violations[0]!.step}${v.violations.length > 1 ? ` +${v.violations.length - 1}` : ''} `, {bg: 'red', color: 'white', bold: true})]
		: [seg(v.model.enabled(v.state).length === 0 && v.step > 0 ? 'finished, no violation' : 'no violation so far', {color: 'green'})];
	const status: Line = [
		seg(' branch ', {dim: true}),
		seg(v.branch, {bold: true, color: 'cyan'}),
		seg(v.branches.length > 1 ? ` (${v.branchIndex + 1}/${v.branches.length})` : '', {dim: true}),
		seg('  step ', {dim: true}),
		seg(`${v.step}`, {bold: true}),
		seg(` of ${v.total}`),
		seg('  '),
		...verdict,
		seg('  params ', {dim: true}),
		seg(params || '(none)'),
	];
	return [title, status].map(l => l).slice(0, width > 0 ? 2 : 0);
}

// ---------------------------------------------------------------- banner

/** The latest violation at or before the cursor, wrapped to at most `maxLines` lines of `width`. */
export function bannerLines(v: View, width: number, maxLines: number): Line[] {
	if (!v.violations.length) return [];
	const last = v.violations[v.violations.length - 1]!;
	const now = last.step === v.step;
	const more = v.violations.length > 1 ? `  (${v.violations.length} violations on this path)` : '';
	const style: Style = now ? {bg: 'red', color: 'white', bold: true} : {color: 'red', bold: true};
	const lines = wrap(`!! ${violationLine(last.v, last.step)}${more}`, Math.max(10, width - 2));
	const shown = lines.slice(0, maxLines);
	if (lines.length > maxLines) shown[maxLines - 1] = shown[maxLines - 1]!.slice(0, Math.max(0, width - 3)) + '…';
	return shown.map((l, i) => [seg(` ${i ? '   ' : ''}${l} `.padEnd(width), style)]);
}

// ---------------------------------------------------------------- CPU panes

type CpuOpts = {width: number; height: number};

/** Lines of the CPU's block in the scenario source: [first statement, closing brace]. */
function cpuRange(model: Model, cpu: number): [number, number] {
	const c = model.program.cpus[cpu]!;
	let first = c.endLine;
	for (const i of c.instrs) first = Math.min(first, i.line);
	return [first, c.endLine];
}

const SOURCE = new WeakMap<object, string[]>();
/** The scenario's source lines (split once per program). */
export function sourceLines(model: Model): string[] {
	let lines = SOURCE.get(model.program);
	if (!lines) SOURCE.set(model.program, (lines = splitLines(model.program.source)));
	return lines;
}

const untab = (s: string): string =>
	s
		.replace(/^\t/, '')
		.replace(/\t/g, '  ')
		.replace(/(\S)\s{2,}\/\//, '$1  //')
		.replace(/\s+$/, '');

export function cpuPane(v: View, cpu: number, o: CpuOpts): Block {
	const {model, state, changed} = v;
	const c = state.cpus[cpu]!;
	const inner = Math.max(1, o.width - 2);
	const rows = Math.max(0, o.height - 2);
	const reason = model.blockedReason(state, cpu);
	const isLast = v.last?.cpu === cpu;

	// status
	const status: Line[] = [];
	if (c.pc < 0) status.push([seg('✓ finished', {color: 'gray'})]);
	else if (reason === null) status.push([seg('● runnable', {color: 'green'}), seg(c.wait ? ` (${c.wait.prim} can return)` : '', {dim: true})]);
	else {
		const text = reason.replace(/^blocked (in )?/, '');
		const lines = wrap(`■ ${text}`, inner);
		const keep = Math.min(lines.length, rows >= 12 ? 4 : rows >= 9 ? 2 : 1);
		const style = hi(changed, `CPU${cpu}.wait`, {color: 'yellow'});
		if (keep === 1) status.push([seg(`■ ${text}`, style)]);
		else {
			for (const l of lines.slice(0, keep)) status.push([seg(l, style)]);
			if (lines.length > keep) status[keep - 1]![0]!.text = status[keep - 1]![0]!.text.slice(0, inner - 1) + '…';
		}
	}

	// IRQs, RCU, IPIs
	const since = v.irqsOffSince?.[cpu];
	const narrow = inner < 34;
	const offText = since === null || since === undefined ? 'IRQs OFF' : since === 0 ? (narrow ? 'IRQs OFF since 0' : 'IRQs OFF from the start') : narrow ? `IRQs OFF since ${since}` : `IRQs OFF since step ${since}`;
	const irq: Line = [seg(c.irqsOn ? 'IRQs on' : offText, hi(changed, `CPU${cpu}.irqs`, c.irqsOn ? {dim: true} : {color: 'yellow', bold: true}))];
	if (c.rcuDepth > 0) irq.push(seg('  '), seg(`rcu_read_lock ${c.rcuDepth}`, hi(changed, `CPU${cpu}.rcu_read_lock`, {color: 'cyan'})));
	irq.push(seg('  '));
	if (c.ipis.length) irq.push(seg(`IPI ${c.ipis.map(i => `${i.kind}←${narrow ? '' : 'CPU'}${i.from}`).join(',')}`, hi(changed, `CPU${cpu}.ipis`, {color: 'magenta', bold: true})), seg(c.irqsOn ? ` (i${cpu})` : ' waits', {dim: true}));
	else if (changed.has(`CPU${cpu}.ipis`)) irq.push(seg('IPI acked', CHANGED));
	else irq.push(seg('no IPI', {dim: true}));

	// TLB
	const tlbEntries = Object.entries(c.tlb);
	const tlbChanged = [...changed].some(p => p.startsWith(`CPU${cpu}.tlb[`));
	const tlb: Line = [seg('TLB ', {dim: true})];
	if (tlbEntries.length === 0) tlb.push(seg(tlbChanged ? 'flushed' : 'empty', tlbChanged ? CHANGED : {dim: true}));
	for (const [va, e] of tlbEntries) tlb.push(seg(`${hex(Number(va))}→${hex(e.pfn)}${e.write ? ' W' : ''}`, hi(changed, `CPU${cpu}.tlb[${hex(Number(va))}]`)), seg(' '));

	// locals, in declaration order
	const order = model.program.cpus[cpu]!.locals;
	const names = [...order.filter(n => n in c.locals), ...Object.keys(c.locals).filter(n => !order.includes(n))];
	const localSegs = names.map(n => seg(`${n}=${formatValue(c.locals[n]!)}`, hi(changed, `CPU${cpu}.${n}`)));
	const locals = localSegs.length ? flow(localSegs, inner) : [[seg('no locals yet', {dim: true})]];

	// budget: status + irq + tlb fixed, locals up to 2-3, the rest is source
	const fixed = status.length + 2;
	const localRows = Math.min(locals.length, rows >= 14 ? 3 : rows >= 10 ? 2 : 1);
	const srcRows = Math.max(1, rows - fixed - localRows);
	const localShown = locals.slice(0, localRows);
	if (locals.length > localRows && localShown.length) localShown[localShown.length - 1] = [...localShown[localShown.length - 1]!, seg(` +${locals.length - localRows}`, {color: 'magenta'})];

	// source window around the CPU's line
	const here = model.lineOf(state, cpu);
	const [first, last] = cpuRange(model, cpu);
	const src = sourceLines(model);
	let from = Math.max(first, here - Math.floor((srcRows - 1) / 3));
	let to = Math.min(last, from + srcRows - 1);
	from = Math.max(first, Math.min(from, to - srcRows + 1));
	const numW = String(last).length;
	const bps = new Set(v.breakpoints.filter(b => b.cpu === null || b.cpu === cpu).map(b => b.line));
	const source: Line[] = [];
	for (let n = from; n <= to; n++) {
		const cur = n === here;
		const bp = bps.has(n);
		const mark = cur ? (c.pc < 0 ? '✓' : '▶') : bp ? '●' : ' ';
		const markStyle: Style = bp ? {color: 'red', bold: true} : {color: 'cyan', bold: true};
		const text = untab(src[n - 1] ?? '');
		const body: Style = cur ? (c.pc < 0 ? {dim: true} : reason ? {color: 'yellow', bold: true} : {color: 'cyan', bold: true}) : {dim: n === last};
		source.push([seg(mark, markStyle), seg(String(n).padStart(numW) + ' ', {dim: !cur, bold: cur}), seg(text, body)]);
	}

	const body: Line[] = [...status, irq, ...source, ...localShown, tlb];
	const title: Line = [seg(cpuLabel(model, cpu), {bold: true, color: isLast ? 'cyan' : undefined}), seg(isLast ? (v.last!.irq ? ' ◂ irq' : ' ◂ last') : '', {color: 'cyan'})];
	return box(o.width, o.height, body, {title, color: isLast ? 'cyan' : reason && c.pc >= 0 ? 'yellow' : 'gray'});
}

// ---------------------------------------------------------------- state panes

export function pageTableLines(m: Machine, changed: Set<string>, prev: Machine | null): Line[] {
	const out: Line[] = [];
	const pt = m.pt;
	const seen = new Set<string>();
	walkTree(pt, s => {
		const pad = ' '.repeat(s.depth);
		if (s.kind === 'table') {
			const t = s.table;
			seen.add(String(s.id));
			const via = s.index === null ? '' : `└[${s.index}] `;
			out.push([seg(`${pad}${via}${LEVEL_NAME[t.level] ?? 'L' + t.level} T${s.id}`, hi(changed, `table[T${s.id}]`, t.freed ? {color: 'red'} : {dim: false})), seg(t.freed ? ' freed' : '', {color: 'red', bold: true})]);
			return;
		}
		const e = s.entry;
		const bits = [e.write && 'W', e.special && 'S', e.devmap && 'D', s.level === 2 && 'huge'].filter(Boolean).join(' ');
		out.push([seg(`${pad} └[${s.index}] `, {dim: true}), seg(`${hex(s.va)} → pfn ${hex(e.pfn)}${bits ? ' ' + bits : ''}`, hi(changed, `pte[${hex(s.va)}]`, {color: 'green'}))]);
	});
	// cleared leaves: the step removed them
	for (const p of changed) {
		const mm = /^pte\[(0x[0-9a-f]+)\]$/.exec(p);
		if (mm && !out.some(l => l.some(s => s.text.startsWith(mm[1]! + ' ')))) {
			out.push([seg(` ${mm[1]} → none (cleared)`, CHANGED)]);
		}
	}
	for (const [id, t] of Object.entries(pt.tables)) {
		if (seen.has(id)) continue;
		if (t.freed || changed.has(`table[T${id}]`)) out.push([seg(`${LEVEL_NAME[t.level]} T${id} `, {dim: true}), seg(t.freed ? 'freed' : 'unhooked', hi(changed, `table[T${id}]`, {color: 'red'}))]);
		else out.push([seg(`${LEVEL_NAME[t.level]} T${id} unhooked`, {color: 'yellow'})]);
	}
	void prev;
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
	const out: Line[] = [[seg('pfn    memmap  ref pins mem', {dim: true})]];
	const pfns = [...new Set([...Object.keys(m.memmap), ...Object.keys(m.pfns)])].sort((a, b) => Number(a) - Number(b));
	for (const key of pfns) {
		const pg = m.memmap[key];
		const pf = m.pfns[key];
		const k = `page[${hex(Number(key))}]`;
		out.push([
			seg(hex(Number(key)).padEnd(6) + ' '),
			seg((pg ? (pg.exists ? 'present' : 'REMOVED') : '-').padEnd(7), hi(changed, `${k}.memmap`, pg && !pg.exists ? {color: 'red', bold: true} : {})),
			seg(' '),
			seg(pg ? String(pg.refcount).padStart(3) : '  -', hi(changed, `${k}.refcount`, pg && pg.refcount === pg.idle ? {dim: true} : {bold: true})),
			seg(' '),
			seg(pg ? String(pg.pins).padStart(4) : '   -', hi(changed, `${k}.pins`, pg?.pins ? {bold: true} : {dim: true})),
			seg(' '),
			seg(pf ? (pf.backed ? (pf.owner === 'device' ? 'backed' : pf.owner) : 'UNBACKED') : '-', hi(changed, `pfn[${hex(Number(key))}]`, pf && !pf.backed ? {color: 'red', bold: true} : {dim: true})),
		]);
	}
	return out;
}

/** Lines the tallest state pane needs (row layout). */
export function stateRowNeed(v: View): number {
	return Math.max(pageTableLines(v.state, v.changed, v.prev).length, pgmapLines(v.state, v.changed).length, memmapLines(v.state, v.changed).length);
}

export function statePanes(v: View, width: number, height: number, layout: 'row' | 'compact'): Block[] {
	const pt = pageTableLines(v.state, v.changed, v.prev);
	const pg = pgmapLines(v.state, v.changed);
	const mm = memmapLines(v.state, v.changed);
	const mark = (title: string, lines: Line[]): Line => [seg(title, {bold: true}), seg([...v.changed].some(p => lines.some(l => l.some(s => s.bg === CHANGED.bg))) && lines.some(l => l.some(s => s.bg === CHANGED.bg)) ? ' *' : '', {color: 'yellow', bold: true})];
	if (layout === 'row') {
		const [a, b] = [Math.floor(width * 0.36), Math.floor(width * 0.34)];
		const c = width - a - b;
		return [box(a, height, pt, {title: mark('page tables', pt)}), box(b, height, pg, {title: mark('dev_pagemap', pg)}), box(c, height, mm, {title: mark('memmap', mm)})];
	}
	const section = (name: string, lines: Line[]): Line[] => [[seg(`${name}`, {bold: true, color: 'blue'})], ...lines];
	// compact: changed sections first so the highlight is visible
	const parts: [string, Line[]][] = [
		['memmap', mm],
		['dev_pagemap', pg],
		['page tables', pt],
	];
	const pick = (v.statePane ?? 0) % STATE_PANES.length;
	if (pick > 0) {
		const [name, lines] = parts.find(([n]) => n === STATE_PANES[pick])!;
		const title: Line = [seg(`state: ${name}`, {bold: true}), seg(hasChange(lines) ? ' *' : '', {color: 'yellow', bold: true}), seg(` ${pick}/${STATE_PANES.length - 1} Tab`, {dim: true})];
		return [box(width, height, lines, {title})];
	}
	const changedFirst = [...parts].sort((x, y) => Number(hasChange(y[1])) - Number(hasChange(x[1])));
	const body = changedFirst.flatMap(([n, l]) => section(n, l));
	return [box(width, height, body, {title: [seg('state (compact)', {bold: true}), seg(' Tab: one at a time', {dim: true})]})];
}

/** The compact layout's state sections, in the order Tab cycles them (0: all, changed first). */
export const STATE_PANES = ['all', 'memmap', 'dev_pagemap', 'page tables'] as const;

const hasChange = (lines: Line[]): boolean => lines.some(l => l.some(s => s.bg === CHANGED.bg));

// ---------------------------------------------------------------- timeline

export function timeline(v: View, width: number, height: number): Block {
	const inner = width - 2;
	const rows = Math.max(1, height - 3);
	const n = v.model.cpuCount;
	const numW = Math.max(4, String(v.total).length + 1);
	const colW = Math.max(4, Math.floor((inner - numW - 2) / n));
	const head: Line = [seg(' '.repeat(numW + 2))];
	for (let c = 0; c < n; c++) head.push(seg(fitText(cpuLabel(v.model, c), colW - 1) + ' ', {bold: true, color: v.last?.cpu === c ? 'cyan' : undefined}));
	// a window around the cursor
	const total = v.path.length;
	let start = Math.max(0, v.step - Math.floor(rows * 0.6));
	start = Math.max(0, Math.min(start, total - rows));
	const out: Line[] = [head];
	for (let d = start; d < Math.min(total, start + rows); d++) {
		const p = v.path[d]!;
		const cur = d === v.step;
		const future = d > v.step;
		const fork = p.children.length > 1;
		const bad = p.violations.length > 0;
		const base: Style = cur ? {inverse: true, bold: true} : future ? {dim: true} : {};
		const line: Line = [seg(cur ? '▶' : ' ', {color: 'cyan', bold: true}), seg(String(d).padStart(numW - 1) + (fork ? '◆' : ' '), fork ? {...base, color: 'magenta'} : base), seg(bad ? '!' : ' ', {color: 'red', bold: true})];
		if (!p.transition) {
			line.push(seg(fitText('(initial state)', colW * n), {...base, dim: !cur}));
		} else {
			const t = p.transition;
			// columns left of the CPU show their rail; the step's text may run on
			// over the (empty) columns to its right
			for (let c = 0; c < t.cpu; c++) line.push(seg(fitText('│', colW), {dim: true}));
			// what the step ran (a folded `if (param) stmt;` shows `stmt;`), as the CLI's trace does
			const before = v.path[d - 1]?.state;
			const what = t.irq ? 'irq: IPI handler (flush_tlb_func)' : `${p.line ?? ''} ${before ? statementText(v.model, before, t, p.line) : sourceLine(v.model, p.line)}`;
			const note = p.userNote ? ` «${p.userNote}»` : '';
			const room = inner - numW - 2 - colW * t.cpu;
			line.push(seg(fitText(what, Math.min(room, Math.max(colW, what.length))), bad ? {...base, color: 'red'} : t.irq ? {...base, color: 'magenta'} : base));
			if (note) line.push(seg(note, {color: 'blue'}));
		}
		out.push(line);
	}
	const above = start;
	const below = total - Math.min(total, start + rows);
	const footer: Line = [seg(`${above ? `↑${above} ` : ''}${below ? `↓${below} ` : ''}◆ fork  ! violation`, {dim: true})];
	return box(width, height, out, {title: [seg('timeline', {bold: true}), seg(` ${v.branch}`, {color: 'cyan'})], footer});
}

function fitText(s: string, w: number): string {
	if (w <= 0) return '';
	if (s.length > w) return s.slice(0, Math.max(0, w - 1)) + '…';
	return s.padEnd(w);
}

// ---------------------------------------------------------------- overlays

/** The help, generated from the keymap; two columns of keys when the pane is short. */
export function helpLines(width = 200, rows = 100): Line[] {
	const keyLine = (b: (typeof KEYMAP)[number]): Line => [seg(`  ${b.label.padEnd(8)}`, {bold: true, color: 'cyan'}), seg(b.description)];
	const tail: Line[] = [
		[seg('Highlighted ', {}), seg('like this', CHANGED), seg(': what the last step changed.  Esc or ? closes this help.', {})],
	];
	const full = 1 + KEYMAP.length + 1 + COLON_COMMANDS.length + tail.length;
	if (full <= rows) {
		const out: Line[] = [[seg('Keys', {bold: true, color: 'blue'})]];
		for (const b of KEYMAP) out.push(keyLine(b));
		out.push([seg('Command line (:)', {bold: true, color: 'blue'})]);
		for (const c of COLON_COMMANDS) out.push([seg(`  :${c.usage.padEnd(12)}`, {bold: true, color: 'cyan'}), seg(c.description)]);
		return [...out, ...tail];
	}
	// short pane: keys in two columns, the command line in one flowing paragraph
	const half = Math.ceil(KEYMAP.length / 2);
	const colW = Math.floor(width / 2);
	const out: Line[] = [[seg('Keys', {bold: true, color: 'blue'})]];
	for (let i = 0; i < half; i++) {
		const left = fitLine(keyLine(KEYMAP[i]!), colW);
		const right = KEYMAP[i + half] ? keyLine(KEYMAP[i + half]!) : [];
		out.push([...left, ...right]);
	}
	const colon = COLON_COMMANDS.map(c => seg(`:${c.usage}`, {bold: true, color: 'cyan'}));
	out.push(...flow([seg('Command line:', {bold: true, color: 'blue'}), ...colon], width, '  '));
	return [...out, ...tail];
}

function fitLine(l: Line, w: number): Line {
	const total = l.reduce((n, x) => n + x.text.length, 0);
	if (total <= w - 1) return [...l, seg(' '.repeat(w - total))];
	const out: Line = [];
	let left = w - 2;
	for (const x of l) {
		if (left <= 0) break;
		const t = x.text.slice(0, left);
		out.push({...x, text: t});
		left -= t.length;
	}
	return [...out, seg('… ')];
}

type TreeRow = {b: BranchInfo; prefix: string; last: boolean; root: boolean};

/** The branches in the order the tree shows them: each under the branch it left. */
function treeRows(branches: readonly BranchInfo[]): TreeRow[] {
	const out: TreeRow[] = [];
	const names = new Set(branches.map(b => b.name));
	const kids = (parent: string | null): BranchInfo[] => branches.filter(b => (b.parent && names.has(b.parent) ? b.parent : null) === parent && !(parent === null && b.parent && names.has(b.parent)));
	const seen = new Set<string>();
	const visit = (b: BranchInfo, prefix: string, last: boolean, root: boolean): void => {
		if (seen.has(b.name)) return;
		seen.add(b.name);
		out.push({b, prefix, last, root});
		const cs = kids(b.name);
		cs.forEach((c, j) => visit(c, root ? '' : prefix + (last ? '   ' : '│  '), j === cs.length - 1, false));
	};
	for (const r of kids(null)) visit(r, '', true, true);
	for (const b of branches) visit(b, '', true, true); // anything not reached (defensive)
	return out;
}

/** The tree overlay's order (its cursor moves through it). */
export const treeOrder = (branches: readonly BranchInfo[]): BranchInfo[] => treeRows(branches).map(r => r.b);

export function treeLines(v: View): Line[] {
	const out: Line[] = [[seg('Branches: each under the branch it left, with the step it forks at (↑↓ move, Enter switches, Esc closes)', {bold: true, color: 'blue'})]];
	const cursor = v.treeCursor ?? v.branch;
	for (const {b, prefix, last, root} of treeRows(v.branches)) {
		const i = v.branches.indexOf(b);
		const here = b.name === cursor;
		const hl = (st: Style): Style => (here ? {...st, inverse: true} : st);
		out.push([
			seg(here ? '› ' : b.current ? '▶ ' : '  ', {color: 'cyan', bold: true}),
			seg(root ? '' : `${prefix}${last ? '└─ ' : '├─ '}`, {dim: true}),
			seg(b.name, hl(b.current ? {bold: true, color: 'cyan'} : {bold: true})),
			seg(`  #${i + 1}`, hl({dim: true})),
			seg(b.forkedAt === null ? '  from the start' : `  forks at step ${b.forkedAt}`, hl({dim: true})),
			seg(`, ${b.head} step${b.head === 1 ? '' : 's'}`, hl({dim: true})),
			seg(b.headViolation ? `  !! ${b.headViolation}` : '', {color: 'red'}),
			seg(b.current && here ? '  (current)' : b.current ? '  ◂ current' : '', {dim: true}),
		]);
	}
	return out;
}

// ---------------------------------------------------------------- footer

export function footerLine(v: View, width = 200): Line {
	if (v.prompt !== null) return [seg(':', {bold: true, color: 'cyan'}), seg(v.prompt), seg(' ', {inverse: true}), seg('   Enter runs, Esc cancels', {dim: true})];
	if (v.pending) return [seg(`${v.pending} `, {bold: true, color: 'cyan'}), seg(`which CPU? (0-${v.model.cpuCount - 1}, Esc cancels)`, {color: 'cyan'})];
	// drop the least needed hints until the rest fits; ? and q always stay
	const hints = footerHints();
	const drop = ['t', 'c', 'b', 'i#', 'r#', '[]', ':', 'e', 's'];
	const len = (hs: typeof hints): number => hs.reduce((n, h) => n + h.keys.length + h.what.length + 3, 0);
	let shown = hints;
	for (const k of drop) {
		if (len(shown) <= width) break;
		shown = shown.filter(h => h.keys !== k);
	}
	const out: Line = [];
	for (const h of shown) out.push(seg(h.keys, {bold: true, color: 'cyan'}), seg(` ${h.what}  `, {dim: true}));
	return out;
}

/** The status message, wrapped to at most `maxLines` lines. */
export function messageLines(v: View, width: number, maxLines: number): Line[] {
	if (!v.message) return [[seg('')]];
	const color = {info: undefined, ok: 'green', warn: 'yellow', error: 'red'}[v.message.kind];
	const style: Style = {color, bold: v.message.kind !== 'info'};
	if (v.message.text.length <= width || maxLines <= 1) return [[seg(v.message.text, style)]];
	const lines = wrap(v.message.text, width);
	const shown = lines.slice(0, maxLines);
	if (lines.length > maxLines) shown[maxLines - 1] = shown[maxLines - 1]!.slice(0, width - 1) + '…';
	return shown.map(l => [seg(l, style)]);
}
