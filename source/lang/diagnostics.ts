// Diagnostics: the one error type the language layer throws for bad input.
// Formatting follows compilers kernel developers know (gcc/rustc): file:line:col,
// the message, then the source line with a caret.

import type {Pos} from './ast.js';
import {splitLines, visible} from './visible.js';

export class Diagnostic extends Error {
	readonly file: string;
	readonly line: number;
	readonly col: number;
	readonly reason: string;
	readonly sourceLine: string | undefined;

	constructor(file: string, pos: Pos, reason: string, source?: string) {
		const sourceLine = source === undefined ? undefined : splitLines(source)[pos.line - 1];
		super(`${file}:${pos.line}:${pos.col}: ${reason}`);
		this.name = 'Diagnostic';
		this.file = file;
		this.line = pos.line;
		this.col = pos.col;
		this.reason = reason;
		this.sourceLine = sourceLine;
	}

	/** The one-line form: `file:line:col: reason`. */
	get headline(): string {
		return this.message;
	}

	/** The full form with the source line and a caret under the column. */
	render(): string {
		if (this.sourceLine === undefined) return visible(this.message);
		const gutter = String(this.line).length;
		// A window of the line around the column: a minified 200 KB line must not flood the terminal.
		const full = this.sourceLine.replace(/\t/g, ' ');
		const from = Math.max(0, this.col - 1 - 60);
		// Control characters are spelled out (the caret moves with them).
		const before = visible(full.slice(from, this.col - 1));
		const line = (from > 0 ? '…' : '') + before + visible(full.slice(Math.max(from, this.col - 1), this.col - 1 + 60)) + (full.length > this.col - 1 + 60 ? '…' : '');
		const caret = ' '.repeat(Math.max(0, before.length + (from > 0 ? 1 : 0))) + '^';
		return [
			visible(this.message),
			`  ${String(this.line).padStart(gutter)} | ${line}`,
			`  ${' '.repeat(gutter)} | ${caret}`,
		].join('\n');
	}
}

/**
 * Edit distance for "did you mean" suggestions, with a swap of two adjacent
 * letters counting one edit (optimal string alignment): the commonest typo
 * (`wirte`, `spni_lock`) is then nearer its word than another word two
 * letters away (`wirte` is one from `write`, two from `dirty`).
 */
export function editDistance(a: string, b: string): number {
	let before = new Array<number>(b.length + 1).fill(0);
	let prev = Array.from({length: b.length + 1}, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
			row.push(d);
		}
		[before, prev] = [prev, row];
	}
	return prev[b.length]!;
}

/** The nearest candidate, if it is near enough to be a plausible typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
	const list = [...candidates];
	// A unique candidate the word abbreviates is the best guess (`--sched` -> `--schedule`).
	const prefixed = word.length >= 3 ? list.filter(c => c.toLowerCase().startsWith(word.toLowerCase())) : [];
	if (prefixed.length === 1) return prefixed[0];
	let best: string | undefined;
	let bestDistance = Infinity;
	for (const candidate of list) {
		const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
		if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
			best = candidate;
			bestDistance = d;
		}
	}
	if (best === undefined) return undefined;
	const limit = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
	return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or nothing. */
export function suggestion(word: string, candidates: Iterable<string>): string {
	const near = nearest(word, candidates);
	return near ? ` (did you mean '${near}'?)` : '';
}
