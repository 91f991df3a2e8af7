// The direct frame writer: the screen is a list of exact lines (layout.ts), so
// on a real terminal we draw them ourselves with absolute cursor moves and
// rewrite only the lines that changed, in one synchronized-update write.
// Ink's output stage re-processes every cell of the frame on every render
// (~20-40 ms at 120x40 on a loaded 2-core machine); this costs well under 1 ms.
// Ink still owns input and the lifecycle; under a sink the Screen renders
// nothing into Ink (see Screen.tsx). Tests without a sink go through Ink.

import {ansiLine, colorEnabled} from './ansi.js';
import type {Line} from './text.js';

export type Size = {columns: number; rows: number};

/** Where frames go instead of Ink's output (Screen.tsx takes it from context). */
export type FrameSink = {draw(lines: readonly string[], size: Size): void};

/** Synchronized update (DEC 2026): the terminal shows the frame at once. */
export const BSU = '\x1b[?2026h';
export const ESU = '\x1b[?2026l';

/** A stream's size, with defaults when it has none (as useTerminalSize). */
export const readSize = (s: {columns?: number; rows?: number} | undefined): Size => ({columns: s?.columns || 80, rows: s?.rows || 24});

export const frameText = (lines: readonly Line[], color = colorEnabled()): string[] => lines.map(l => ansiLine(l, color));

export class FrameWriter implements FrameSink {
	private prev: readonly string[] = [];
	private size: Size | null = null;
	/** Counters for tests and the benchmark. */
	frames = 0;
	bytes = 0;

	constructor(private readonly write: (data: string) => void) {}

	/**
	 * Draw a frame: all of it (after a clear) on the first draw and when the
	 * size changed, else only the lines that differ from the last frame. The
	 * cursor is left hidden at the home position (a stray newline there
	 * cannot scroll the screen).
	 */
	draw(lines: readonly string[], size: Size): void {
		const full = this.size === null || this.size.columns !== size.columns || this.size.rows !== size.rows;
		let out = full ? '\x1b[?25l\x1b[H\x1b[2J' : '';
		for (let i = 0; i < lines.length; i++) if (full || lines[i] !== this.prev[i]) out += `\x1b[${i + 1};1H\x1b[2K${lines[i]}`;
		if (!full) for (let i = lines.length; i < this.prev.length; i++) out += `\x1b[${i + 1};1H\x1b[2K`;
		this.prev = lines;
		this.size = {...size};
		if (!out) return;
		const data = `${BSU}${out}\x1b[0m\x1b[H${ESU}`;
		this.frames++;
		this.bytes += data.length;
		this.write(data);
	}

	/** Forget the last frame: the next draw is a full one. */
	invalidate(): void {
		this.size = null;
	}
}
