// The built binary in a real pseudo-terminal (node-pty), its output fed into a
// headless xterm; conditions on the screen are polled, never slept for.

import {join, resolve} from 'node:path';
import x from '@xterm/headless';
import * as pty from 'node-pty';

const {Terminal} = x;
export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');

type Pred = (text: string, lines: string[]) => boolean;

export type Tui = {
	proc: pty.IPty;
	/** Everything the program wrote, escapes and all: as written, and as one string. */
	chunks: string[];
	raw: () => string;
	screen: () => string[];
	text: () => string;
	waitFor: (pred: Pred, what: string, timeoutMs?: number) => Promise<void>;
	/** Send a key and wait until the screen shows its effect. */
	press: (key: string, until: Pred, what: string) => Promise<void>;
	resize: (cols: number, rows: number) => void;
	exited: Promise<{exitCode: number; signal?: number}>;
};

export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && !k.startsWith('VITEST')) env[k] = v;
	env.TERM = 'xterm-256color';
	return {...env, ...extra};
}

export function startTui(args: string[], cwd: string, env: Record<string, string> = {}, cols = 120, rows = 40): Tui {
	const term = new Terminal({cols, rows, allowProposedApi: true});
	const proc = pty.spawn(process.execPath, [CLI, ...args], {name: 'xterm-256color', cols, rows, cwd, env: childEnv(env)});
	const raw: string[] = [];
	let pending = 0;
	proc.onData(d => {
		raw.push(d);
		pending++;
		term.write(d, () => pending--);
	});
	const exited = new Promise<{exitCode: number; signal?: number}>(res => proc.onExit(e => res(e)));
	const screen = (): string[] => {
		const b = term.buffer.active;
		const out: string[] = [];
		for (let i = 0; i < term.rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
		return out;
	};
	const text = (): string => screen().join('\n');
	const waitFor = async (pred: Pred, what: string, timeoutMs = 20_000): Promise<void> => {
		const t0 = Date.now();
		for (;;) {
			if (pending === 0) {
				const l = screen();
				if (pred(l.join('\n'), l)) return;
			}
			if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; screen:\n${text()}`);
			await new Promise(r => setTimeout(r, 15));
		}
	};
	return {
		proc,
		chunks: raw,
		raw: () => raw.join(''),
		screen,
		text,
		waitFor,
		press: async (key, until, what) => {
			proc.write(key);
			await waitFor(until, what);
		},
		resize: (c, r) => {
			proc.resize(c, r);
			term.resize(c, r);
		},
		exited,
	};
}
