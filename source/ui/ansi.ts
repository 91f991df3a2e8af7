// Lines as strings with SGR escapes: what both the Ink path (one <Text> per
// line) and the direct frame writer (frame.ts) draw. No Ink import here, so the
// first frame can be drawn before Ink is loaded.

import {visible} from '../lang/visible.js';
import type {Line, Seg} from './text.js';

const FG: Record<string, number> = {black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90};

/** Colors off with NO_COLOR (https://no-color.org) or a dumb terminal. */
export const colorEnabled = (): boolean => !process.env.NO_COLOR && process.env.TERM !== 'dumb';

function sgr(s: Seg): string {
	const codes: number[] = [];
	if (s.bold) codes.push(1);
	if (s.dim) codes.push(2);
	if (s.inverse) codes.push(7);
	if (s.color && FG[s.color]) codes.push(FG[s.color]!);
	if (s.bg && FG[s.bg]) codes.push(FG[s.bg]! + 10);
	return codes.length ? `\x1b[${codes.join(';')}m` : '';
}

/** A line as one string with SGR escapes (plain text when colors are off). */
export function ansiLine(line: Line, color = colorEnabled()): string {
	let out = '';
	for (const s of line) {
		if (!s.text) continue;
		const on = color ? sgr(s) : '';
		// seg() already spelled out control characters; this is the last guard before the terminal
		const text = visible(s.text);
		out += on ? `${on}${text}\x1b[0m` : text;
	}
	return out || ' ';
}
