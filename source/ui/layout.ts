// The screen layout: from the view and the terminal size to exact lines.
// The frame is rows-1 lines high (a full-height frame makes Ink redraw
// everything); below MIN a "terminal too small" screen.

import {cpuPane} from './cpupane.js';
import {helpLines} from './help.js';
import {bannerLines, diffLines, footerLine, headerLines, messageLines, treeLines} from './panes.js';
import {stateRowNeed, statePanes} from './statepanes.js';
import {type Block, box, fit, hcat, type Line, seg, split} from './text.js';
import {timeline} from './timeline.js';
import type {View} from './view.js';

export const MIN = {columns: 60, rows: 16} as const;

export type Size = {columns: number; rows: number};

export type LayoutKind = 'full' | 'compact' | 'minimal' | 'too-small';

export function layoutKind(size: Size): LayoutKind {
	if (size.columns < MIN.columns || size.rows < MIN.rows) return 'too-small';
	const body = size.rows - 5;
	if (size.columns >= 100 && body >= 30) return 'full';
	if (body >= 15) return 'compact';
	return 'minimal';
}

export function tooSmall(size: Size, ignored = 0): Line[] {
	const w = Math.max(1, size.columns);
	const msg = [`terminal too small: ${size.columns}x${size.rows}`, `racewalk needs at least ${MIN.columns}x${MIN.rows}`, 'enlarge the window, or q to quit'];
	if (ignored) msg.push(`${ignored} key${ignored === 1 ? '' : 's'} ignored: nothing acts on this screen`);
	return msg.slice(0, Math.max(1, size.rows - 1)).map((t, i) => fit([seg(t, i === 0 ? {color: 'yellow', bold: true} : {})], w));
}

/** The help's lines and the scroll range for a body of `rows` (the controller clamps with it). */
export function helpPage(width: number, rows: number, scroll: number): {lines: Line[]; first: number; max: number; total: number} {
	const all = helpLines(width - 2);
	const room = Math.max(1, rows - 2);
	const max = Math.max(0, all.length - room);
	const first = Math.max(0, Math.min(scroll, max));
	return {lines: all.slice(first, first + room), first, max, total: all.length};
}

/** The diff overlay's lines and scroll range, as helpPage. */
export function diffPage(d: NonNullable<View['diff']>, width: number, rows: number, scroll: number): {lines: Line[]; first: number; max: number; total: number} {
	const all = diffLines(d, width - 2);
	const room = Math.max(1, rows - 2);
	const max = Math.max(0, all.length - room);
	const first = Math.max(0, Math.min(scroll, max));
	return {lines: all.slice(first, first + room), first, max, total: all.length};
}

/** The panes a `z` cycles through (CPU0.., the state, the timeline). */
export const zoomOrder = (cpus: number): NonNullable<View['zoom']>[] => [...Array.from({length: cpus}, (_, cpu) => ({kind: 'cpu' as const, cpu})), {kind: 'state'}, {kind: 'timeline'}];

function zoomed(v: View, W: number, body: number): Block {
	const z = v.zoom!;
	if (z.kind === 'cpu') return cpuPane(v, z.cpu, {width: W, height: body, zoom: true});
	if (z.kind === 'timeline') return timeline(v, W, body, {effectRows: body, zoom: true});
	// the state: the sections one under the other, full width
	return statePanes(v, W, body, 'compact')[0]!;
}

/** Rows between the header (with the banner) and the message: the panes' or an overlay's height. */
export function bodyRows(v: View, size: Size): number {
	const kind = layoutKind(size);
	const top = headerLines(v, size.columns).length + bannerLines(v, size.columns, kind === 'minimal' ? 1 : 2).length;
	return size.rows - 1 - top - 1 - messageLines(v, size.columns, kind === 'minimal' ? 1 : 2).length;
}

export function screenLines(v: View, size: Size): Line[] {
	const kind = layoutKind(size);
	if (kind === 'too-small') return tooSmall(size, v.ignoredKeys);
	const W = size.columns;
	const R = size.rows - 1;
	const out: Line[] = headerLines(v, W).map(l => fit(l, W));
	for (const l of bannerLines(v, W, kind === 'minimal' ? 1 : 2)) out.push(fit(l, W));
	const message = messageLines(v, W, kind === 'minimal' ? 1 : 2);
	const body = bodyRows(v, size);
	const blocks: Block[] = [];
	if (v.overlay === 'help') {
		const page = helpPage(W, body, v.helpScroll ?? 0);
		const more = page.max > 0 ? `lines ${page.first + 1}-${page.first + page.lines.length} of ${page.total}  ↑↓ PgUp PgDn scroll  ` : '';
		blocks.push(box(W, body, page.lines, {title: [seg('help', {bold: true})], color: 'blue', footer: [seg(`${more}Esc closes`, {dim: true})]}));
	} else if (v.overlay === 'diff' && v.diff) {
		const page = diffPage(v.diff, W, body, v.diffScroll ?? 0);
		const more = page.max > 0 ? `lines ${page.first + 1}-${page.first + page.lines.length} of ${page.total}  ↑↓ PgUp PgDn scroll  ` : '';
		blocks.push(box(W, body, page.lines, {title: [seg('diff', {bold: true}), seg(` ${v.diff.from} → ${v.diff.to}`, {color: 'cyan'})], color: 'blue', footer: [seg(`${more}Esc closes`, {dim: true})]}));
	} else if (v.overlay === 'tree') {
		blocks.push(box(W, body, treeLines(v, W - 2), {title: [seg('branch tree', {bold: true})], color: 'blue', footer: [seg('Esc closes', {dim: true})]}));
	} else if (v.zoom) {
		blocks.push(zoomed(v, W, body));
	} else {
		const n = v.model.cpuCount;
		const widths = split(W, n);
		let cpuH: number;
		let stateH = 0;
		if (kind === 'full') {
			cpuH = Math.min(17, Math.floor(body * 0.45));
			stateH = Math.max(5, Math.min(stateRowNeed(v) + 2, 12, Math.floor((body - cpuH) / 2)));
		} else if (kind === 'compact') cpuH = body >= 22 ? 12 : body >= 16 ? 8 : 7;
		else cpuH = Math.max(6, body - 5);
		cpuH = Math.min(cpuH, body - 3);
		blocks.push(hcat(widths.map((w, i) => cpuPane(v, i, {width: w, height: cpuH}))));
		const rest = body - cpuH;
		if (kind === 'full') {
			blocks.push(hcat(statePanes(v, W, stateH, 'row')));
			blocks.push(timeline(v, W, rest - stateH));
		} else if (kind === 'compact' && rest >= 6) {
			// the state gets half: its values (pfns, UNBACKED) are never cut; the timeline's text runs over its empty lanes
			const stateW = Math.max(38, Math.min(56, Math.floor(W * 0.5)));
			blocks.push(hcat([timeline(v, W - stateW, rest), ...statePanes(v, stateW, rest, 'compact')]));
		} else {
			blocks.push(timeline(v, W, rest));
		}
	}
	for (const b of blocks) out.push(...b.lines);
	const top = R - 1 - message.length;
	while (out.length < top) out.push([seg('')]);
	out.splice(top);
	for (const l of message) out.push(fit(l, W));
	const hidden = kind === 'minimal' && v.prompt === null && !v.pending && v.overlay === 'none' && !v.zoom;
	out.push(fit(hidden ? [seg('state hidden (short terminal; z zooms) ', {color: 'magenta'}), ...footerLine(v, W - 39)] : footerLine(v, W), W));
	return out;
}
