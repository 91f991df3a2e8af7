// Screen primitives: a line is a list of styled segments; a block is a list of
// lines all exactly `width` cells wide. Panes are built as blocks and laid out
// side by side by concatenation, so widths are exact and nothing wraps.

import {visible} from '../lang/visible.js';

export type Style = {color?: string; bg?: string; bold?: boolean; dim?: boolean; inverse?: boolean};
export type Seg = {text: string} & Style;
export type Line = Seg[];
export type Block = {width: number; lines: Line[]};

/** A segment; control characters from a file are spelled out here, before widths are measured. */
export const seg = (text: string, style: Style = {}): Seg => ({text: visible(text), ...style});

/** What the last step changed: shown like this everywhere. */
export const CHANGED: Style = {bg: 'yellow', color: 'black'};

/** Cell width of a string. Everything we draw is single-width; tabs are expanded before. */
export const cells = (s: string): number => s.length;

export const lineWidth = (l: Line): number => l.reduce((n, s) => n + cells(s.text), 0);

/** Truncate (with …) or pad a line to exactly `width` cells. */
export function fit(line: Line, width: number, padStyle: Style = {}): Line {
	if (width <= 0) return [];
	const total = lineWidth(line);
	if (total <= width) return total === width ? line : [...line, seg(' '.repeat(width - total), padStyle)];
	const out: Line = [];
	let left = width - 1;
	for (const s of line) {
		if (left <= 0) break;
		if (s.text.length <= left) {
			out.push(s);
			left -= s.text.length;
		} else {
			out.push({...s, text: s.text.slice(0, left)});
			left = 0;
		}
	}
	const last = out[out.length - 1];
	const style: Style = last ? {color: last.color, bg: last.bg, bold: last.bold, dim: last.dim, inverse: last.inverse} : {};
	out.push(seg('…', style));
	return out;
}

/** Truncate (with …) without padding. */
export function clip(line: Line, width: number): Line {
	return lineWidth(line) <= width ? line.filter(s => s.text.length) : fit(line, width);
}

export const plain = (l: Line): string => l.map(s => s.text).join('');

export const emptyBlock = (width: number, height: number): Block => ({width, lines: Array.from({length: height}, () => [seg(' '.repeat(Math.max(0, width)))])});

/** Word-wrap plain text into lines of at most `width` cells (long words are cut). */
export function wrap(text: string, width: number): string[] {
	if (width <= 0) return [];
	const out: string[] = [];
	let cur = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		let w = word;
		while (w.length > width) {
			if (cur) {
				out.push(cur);
				cur = '';
			}
			out.push(w.slice(0, width));
			w = w.slice(width);
		}
		if (!cur) cur = w;
		else if (cur.length + 1 + w.length <= width) cur += ' ' + w;
		else {
			out.push(cur);
			cur = w;
		}
	}
	if (cur) out.push(cur);
	return out;
}

/** Wrap a list of segments (each kept whole where possible) into lines of `width`. */
export function flow(items: Seg[], width: number, sep = ' '): Line[] {
	const out: Line[] = [];
	let cur: Line = [];
	let used = 0;
	for (const it of items) {
		const need = (used > 0 ? sep.length : 0) + it.text.length;
		if (used > 0 && used + need > width) {
			out.push(cur);
			cur = [];
			used = 0;
		}
		if (used > 0) {
			cur.push(seg(sep));
			used += sep.length;
		}
		cur.push(it);
		used += it.text.length;
	}
	if (cur.length) out.push(cur);
	return out;
}

export type BoxOpts = {
	title?: Line;
	/** Border color. */
	color?: string;
	/** Shown in the bottom border (e.g. a collapsed marker). */
	footer?: Line;
};

/**
 * A bordered pane of exactly width x height. Body lines beyond the height are
 * dropped and a `+N more` marker is put in the bottom border.
 */
export function box(width: number, height: number, body: Line[], opts: BoxOpts = {}): Block {
	const inner = Math.max(0, width - 2);
	const rows = Math.max(0, height - 2);
	const b: Style = {color: opts.color ?? 'gray'};
	const lines: Line[] = [];
	const title = opts.title ? clip(opts.title, Math.max(0, inner - 3)) : [];
	const tw = lineWidth(title);
	lines.push([seg('┌─', b), ...(tw ? [seg(' '), ...title, seg(' ')] : []), seg('─'.repeat(Math.max(0, inner - 1 - (tw ? tw + 2 : 0))), b), seg('┐', b)].filter(s => s.text.length));
	const shown = body.length > rows ? body.slice(0, rows) : body;
	for (let i = 0; i < rows; i++) lines.push([seg('│', b), ...fit(shown[i] ?? [], inner), seg('│', b)]);
	const hidden = body.length - shown.length;
	const foot: Line = hidden > 0 ? [seg(`▾ +${hidden} more`, {color: 'magenta'})] : (opts.footer ?? []);
	const footer = clip(foot, Math.max(0, inner - 3));
	const fw = lineWidth(footer);
	lines.push([seg('└', b), seg('─'.repeat(Math.max(0, inner - (fw ? fw + 3 : 0))), b), ...(fw ? [seg(' '), ...footer, seg(' ─', b)] : []), seg('┘', b)]);
	if (height < 2) return {width, lines: lines.slice(0, height)};
	return {width, lines: lines.map(l => fit(l, width))};
}

/** Put blocks side by side (shorter ones padded with blank lines). */
export function hcat(blocks: Block[]): Block {
	const height = Math.max(0, ...blocks.map(b => b.lines.length));
	const lines: Line[] = [];
	for (let i = 0; i < height; i++) lines.push(blocks.flatMap(b => b.lines[i] ?? [seg(' '.repeat(b.width))]));
	return {width: blocks.reduce((n, b) => n + b.width, 0), lines};
}

/** Split `total` cells into n parts as evenly as possible. */
export function split(total: number, n: number): number[] {
	const base = Math.floor(total / n);
	const extra = total - base * n;
	return Array.from({length: n}, (_, i) => base + (i < extra ? 1 : 0));
}
