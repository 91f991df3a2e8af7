// Test helper: render a tree with Ink into a fake terminal of chosen columns
// and rows that can emit 'resize' (as Ink's own test/helpers do), and send keys.
// ink-testing-library is fixed at 100 columns without rows; this is not.

import {EventEmitter} from 'node:events';
import {render as inkRender} from 'ink';
import type React from 'react';

export class FakeStdout extends EventEmitter {
	frames: string[] = [];
	isTTY = true;
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string): boolean => {
		this.frames.push(frame);
		return true;
	};
	lastFrame = (): string | undefined => this.frames[this.frames.length - 1];
	resize(columns: number, rows: number): void {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

export class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string): void => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	read = (): string | null => {
		const d = this.data;
		this.data = null;
		return d;
	};
	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b\][^\x07]*\x07/g, '');

/** Let Ink process input and render (it batches on timers). */
export const settle = async (): Promise<void> => {
	await new Promise(r => setImmediate(r));
	await new Promise(r => setTimeout(r, 0));
	await new Promise(r => setTimeout(r, 40));
};

export function renderAt(tree: React.ReactElement, columns: number, rows: number) {
	const stdout = new FakeStdout(columns, rows);
	const stdin = new FakeStdin();
	const stderr = new FakeStdout(columns, rows);
	const instance = inkRender(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	const frame = (): string => stripAnsi(stdout.lastFrame() ?? '');
	return {
		stdout,
		stdin,
		instance,
		frame,
		lines: (): string[] => frame().split('\n'),
		/** Send keys one at a time (each settles). */
		async press(...keys: string[]): Promise<void> {
			for (const k of keys) {
				stdin.write(k);
				await settle();
			}
		},
		async resize(c: number, r: number): Promise<void> {
			stdout.resize(c, r);
			await settle();
		},
		unmount: (): void => instance.unmount(),
	};
}

export const KEYS = {left: '\x1b[D', right: '\x1b[C', up: '\x1b[A', down: '\x1b[B', enter: '\r', escape: '\x1b', backspace: '\x7f', ctrlC: '\x03'} as const;
