// The screen layout: from the view and the terminal size to exact lines.
// The frame is rows-1 lines high (a full-height frame makes Ink redraw
// everything); below MIN a "terminal too small" screen.

import {bannerLines, cpuPane, footerLine, headerLines, helpLines, messageLines, stateRowNeed, statePanes, timeline, treeLines} from './panes.js';
import {type Block, box, fit, hcat, type Line, seg, split} from './text.js';
import type {View} from './view.js';

export const MIN = {columns: 60, rows: 16} as const;

export type Size = {columns: number; rows: number};

export type LayoutKind = 'full' | 'compact' | 'minimal' | 'too-small';

export function layoutKind(size: Size): LayoutKind {
	if (size.columns < MIN.columns || size.rows < MIN.rows) return 'too-small';
	const body = size.rows - 5;
	if (size.columns >= 100 && body >= 30) return 'full';
	if (body >= 17) return 'compact';
	return 'minimal';
}

export function tooSmall(size: Size): Line[] {
	const w = Math.max(1, size.columns);
	const msg = [`terminal too small: ${size.columns}x${size.rows}`, `racewalk needs at least ${MIN.columns}x${MIN.rows}`, 'enlarge the window, or q to quit'];
	return msg.slice(0, Math.max(1, size.rows - 1)).map((t, i) => fit([seg(t, i === 0 ? {color: 'yellow', bold: true} : {})], w));
}

export function screenLines(v: View, size: Size): Line[] {
	const kind = layoutKind(size);
	if (kind === 'too-small') return tooSmall(size);
	const W = size.columns;
	const R = size.rows - 1;
	const out: Line[] = headerLines(v, W).map(l => fit(l, W));
	for (const l of bannerLines(v, W, kind === 'minimal' ? 1 : 2)) out.push(fit(l, W));
	const message = messageLines(v, W, kind === 'minimal' ? 1 : 2);
	const body = R - out.length - 1 - message.length;
	const blocks: Block[] = [];
	if (v.overlay !== 'none') {
		blocks.push(box(W, body, v.overlay === 'help' ? helpLines(W - 2, body - 2) : treeLines(v), {title: [seg(v.overlay === 'help' ? 'help' : 'branch tree', {bold: true})], color: 'blue', footer: [seg('Esc closes', {dim: true})]}));
	} else {
		const n = v.model.cpuCount;
		const widths = split(W, n);
		let cpuH: number;
		let stateH = 0;
		if (kind === 'full') {
			cpuH = Math.min(17, Math.floor(body * 0.45));
			stateH = Math.max(5, Math.min(stateRowNeed(v) + 2, 12, Math.floor((body - cpuH) / 2)));
		} else if (kind === 'compact') cpuH = body >= 22 ? 12 : Math.max(7, body - 9);
		else cpuH = Math.max(6, body - 5);
		cpuH = Math.min(cpuH, body - 3);
		blocks.push(hcat(widths.map((w, i) => cpuPane(v, i, {width: w, height: cpuH}))));
		const rest = body - cpuH;
		if (kind === 'full') {
			blocks.push(hcat(statePanes(v, W, stateH, 'row')));
			blocks.push(timeline(v, W, rest - stateH));
		} else if (kind === 'compact' && rest >= 6) {
			const stateW = Math.max(30, Math.min(50, Math.floor(W * 0.42)));
			blocks.push(hcat([timeline(v, W - stateW, rest), ...statePanes(v, stateW, rest, 'compact')]));
		} else {
			const tl = timeline(v, W, rest);
			blocks.push(tl);
		}
	}
	for (const b of blocks) out.push(...b.lines);
	const top = R - 1 - message.length;
	while (out.length < top) out.push([seg('')]);
	out.splice(top);
	for (const l of message) out.push(fit(l, W));
	const hidden = kind === 'minimal' && v.prompt === null && !v.pending && v.overlay === 'none';
	out.push(fit(hidden ? [seg('state hidden (short terminal) ', {color: 'magenta'}), ...footerLine(v, W - 30)] : footerLine(v, W), W));
	return out;
}
