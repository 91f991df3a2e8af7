// The timeline: one row per step of the branch (the CPU's column shows what it
// ran), the cursor's step followed by its effect lines (the same lines
// `racewalk run` prints under a step), a livelock's loop marked.

import {callSites, cpuLabel, sourceLine, statementText} from '../render/trace.js';
import {type Block, box, type Line, seg, type Style, wrap} from './text.js';
import type {View} from './view.js';

/** The glyph of a step inside a livelock's loop (help explains it). */
export const LOOP_MARK = '↻';
/** Left of a step's CPU column: a dim dot per lane, not a line (lanes are columns, not rails). */
export const LANE_MARK = '·';

export function timeline(v: View, width: number, height: number, o: {effectRows?: number; zoom?: boolean} = {}): Block {
	const inner = width - 2;
	const rows = Math.max(1, height - 3);
	const n = v.model.cpuCount;
	const numW = Math.max(4, String(v.total).length + 1);
	const lead = numW + 3;
	const colW = Math.max(4, Math.floor((inner - lead) / n));
	const head: Line = [seg(' '.repeat(lead))];
	// a column too narrow for the label keeps the CPU's number (six CPUs at 80 columns: CPU3, not CPU…)
	const colLabel = (c: number): string => {
		const label = cpuLabel(v.model, c);
		const short = `CPU${c}`;
		return fitText(label.length <= colW - 1 || colW - 1 >= short.length + 2 ? label : short, colW - 1);
	};
	for (let c = 0; c < n; c++) head.push(seg(colLabel(c) + ' ', {bold: true, color: v.last?.cpu === c ? 'cyan' : undefined}));

	// the cursor step's effects, wrapped to the pane (never cut), at most half the rows
	const effects = (v.effects ?? []).flatMap(e => wrap(e, Math.max(10, inner - 6)).map((l, i) => (i ? '  ' : '↳ ') + l));
	// the cursor step's effects come before older steps, but not before the step that led to it: a short
	// pane (80x24 under a violation banner) keeps that one row, or the interleaving is not on screen at all
	const context = rows >= 4 ? Math.min(1, v.step) : 0;
	const maxFx = Math.max(0, Math.min(o.effectRows ?? (rows <= 6 ? rows - 1 - context : Math.max(Math.floor(rows / 2), rows - 3)), rows - 1));
	let fx = effects.slice(0, maxFx);
	if (effects.length > maxFx && maxFx > 0) fx = [...effects.slice(0, maxFx - 1), `… ${effects.length - maxFx + 1} more lines (z zooms)`];
	const stepRows = rows - fx.length;

	// a window around the cursor
	const total = v.path.length;
	let start = Math.max(0, v.step - Math.floor(stepRows * 0.6));
	start = Math.max(0, Math.min(start, total - stepRows));
	const out: Line[] = [head];
	const loop = v.loop;
	for (let d = start; d < Math.min(total, start + stepRows); d++) {
		const p = v.path[d]!;
		const cur = d === v.step;
		const future = d > v.step;
		const fork = p.children.length > 1;
		const bad = p.violations.length > 0;
		const inLoop = loop && d >= loop.from && d <= loop.to;
		const base: Style = cur ? {inverse: true, bold: true} : future ? {dim: true} : {};
		const line: Line = [
			seg(cur ? '▶' : ' ', {color: 'cyan', bold: true}),
			seg(String(d).padStart(numW - 1) + (fork ? '◆' : ' '), fork ? {...base, color: 'magenta'} : base),
			seg(bad ? '!' : inLoop ? LOOP_MARK : ' ', bad ? {color: 'red', bold: true} : {color: 'magenta', bold: true}),
			seg(' '),
		];
		if (!p.transition) {
			line.push(seg(fitText('(initial state)', colW * n), {...base, dim: !cur}));
		} else {
			const t = p.transition;
			for (let c = 0; c < t.cpu; c++) line.push(seg(fitText(LANE_MARK, colW), {dim: true}));
			// what the step ran (a folded `if (param) stmt;` shows `stmt;`), as the CLI's trace does
			const before = v.path[d - 1]?.state;
			// an inlined helper's statement names its call site, as the trace does
			// an interrupt says which (a flush IPI, the empty sync IPI, a device's handler), as the trace does
			const what = t.irq ? (before ? statementText(v.model, before, t, p.line) : 'interrupt') : `${p.line ?? ''} ${before ? statementText(v.model, before, t, p.line) + callSites(v.model, before, t) : sourceLine(v.model, p.line)}`;
			const note = p.userNote ? ` «${p.userNote}»` : '';
			const room = inner - lead - colW * t.cpu;
			line.push(seg(fitText(what, Math.min(room, Math.max(colW, what.length))), bad ? {...base, color: 'red'} : t.irq ? {...base, color: 'magenta'} : base));
			if (note) line.push(seg(note, {color: 'blue'}));
		}
		out.push(line);
		if (cur) for (const e of fx) out.push([seg('  '), seg(e, {color: 'yellow'})]);
	}
	const above = start;
	const below = total - Math.min(total, start + stepRows);
	const loopNote = loop ? `${LOOP_MARK} loop ${loop.from}-${loop.to} repeats  ` : '';
	const footer: Line = [seg(`${above ? `↑${above} ` : ''}${below ? `↓${below} ` : ''}${loopNote}◆ fork  ! violation`, {dim: true})];
	return box(width, height, out, {title: [seg('timeline', {bold: true}), seg(` ${v.branch}`, {color: 'cyan'}), seg(o.zoom ? '  zoomed: z next pane, Esc closes' : '', {dim: true})], footer});
}

export function fitText(s: string, w: number): string {
	if (w <= 0) return '';
	if (s.length > w) return s.slice(0, Math.max(0, w - 1)) + '…';
	return s.padEnd(w);
}
