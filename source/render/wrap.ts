// Wrapping text for terminals and mail: nothing is ever dropped.

/**
 * Wrap text to `width` at spaces, after `(` and after `, `; continuation
 * lines get `indent` spaces. A word longer than a line is split after `(`
 * or `,`, after `_` only when a name alone is longer than a line, and
 * anywhere only as a last resort (nothing is ever dropped).
 */
export function wrap(text: string, width: number, indent = 2): string[] {
	const lines: string[] = [];
	let cur = '';
	const room = (): number => width - (lines.length > 0 ? indent : 0);
	const push = (): void => {
		lines.push((lines.length > 0 ? ' '.repeat(indent) : '') + cur);
		cur = '';
	};
	const add = (piece: string, sep: string): void => {
		if (cur && (cur + sep + piece).length <= room()) {
			cur += sep + piece;
			return;
		}
		if (cur) push();
		while (piece.length > room()) {
			cur = piece.slice(0, room());
			piece = piece.slice(room());
			push();
		}
		cur = piece;
	};
	for (const word of text.split(' ').filter(w => w.length > 0)) {
		if (word.length <= width - indent || (cur && (cur + ' ' + word).length <= room())) {
			add(word, ' ');
			continue;
		}
		// A long word: break it after "(" or ","; after "_" only inside a piece
		// still longer than a line (put_dev_pagemap( is one name: never put_dev_ / pagemap().
		const parts = (word.match(/[^(,]*[(,]|[^(,]+$/g) ?? [word]).flatMap(p => (p.length <= width - indent ? [p] : (p.match(/[^_]*_|[^_]+$/g) ?? [p])));
		parts.forEach((part, i) => add(part, i === 0 ? ' ' : ''));
	}
	if (cur || lines.length === 0) push();
	return lines;
}

/** `1 step`, `2 steps`: counts in messages read as English. */
export const count = (n: number, noun: string, plural = `${noun}s`): string => `${n} ${n === 1 ? noun : plural}`;
