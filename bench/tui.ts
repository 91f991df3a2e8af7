// TUI latency in a real pseudo-terminal (node-pty + a headless xterm), on the
// BUILT binary: keypress-to-frame (rewind/redo) with a 10,000-step history at
// 120x40, and startup to first frame (<= 300 ms) and to the first key handled
// (<= 400 ms), both of the bundle npm run build makes.
// Target (SPEC §9): p95 <= 16 ms. Printed, never asserted.
//
//   npm run build && npx tsx bench/tui.ts      (or import {benchTui} from a runner)

import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {performance} from 'node:perf_hooks';
import x from '@xterm/headless';
import * as pty from 'node-pty';

const {Terminal} = x;

export type TuiRow = {measure: string; samples: number; p50Ms: number; p95Ms: number; maxMs: number};

export type TuiBenchOptions = {history?: number; keys?: number; startups?: number; columns?: number; rows?: number; cli?: string};

const quantile = (xs: number[], q: number): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const row = (measure: string, xs: number[]): TuiRow => ({measure, samples: xs.length, p50Ms: round(quantile(xs, 0.5)), p95Ms: round(quantile(xs, 0.95)), maxMs: round(Math.max(...xs))});
const round = (n: number): number => Math.round(n * 10) / 10;

class Driver {
	readonly term: InstanceType<typeof Terminal>;
	readonly proc: pty.IPty;
	private waiter: {pred: () => boolean; resolve: () => void} | null = null;
	readonly exited: Promise<number>;

	constructor(cli: string, args: string[], cwd: string, cols: number, rows: number) {
		this.term = new Terminal({cols, rows, allowProposedApi: true});
		const env: Record<string, string> = {};
		for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
		this.proc = pty.spawn(process.execPath, [cli, ...args], {name: 'xterm-256color', cols, rows, cwd, env});
		this.proc.onData(d => this.term.write(d, () => this.check()));
		this.exited = new Promise(res => this.proc.onExit(e => res(e.exitCode)));
	}

	line(i: number): string {
		const b = this.term.buffer.active;
		return b.getLine(b.viewportY + i)?.translateToString(true) ?? '';
	}

	private check(): void {
		if (this.waiter?.pred()) {
			const w = this.waiter;
			this.waiter = null;
			w.resolve();
		}
	}

	/** Resolve when pred holds on the parsed screen (checked after every chunk). */
	until(pred: () => boolean, timeoutMs = 30_000): Promise<void> {
		if (pred()) return Promise.resolve();
		return new Promise((res, rej) => {
			const timer = setTimeout(() => rej(new Error(`bench: timed out; screen line 1: ${this.line(1)}`)), timeoutMs);
			this.waiter = {
				pred,
				resolve: () => {
					clearTimeout(timer);
					res();
				},
			};
		});
	}
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

export async function benchTui(opts: TuiBenchOptions = {}): Promise<TuiRow[]> {
	const cli = opts.cli ?? resolve(import.meta.dirname, '..', 'dist', 'cli.js');
	if (!existsSync(cli)) throw new Error(`bench: ${cli} is missing (npm run build first)`);
	const cols = opts.columns ?? 120;
	const rows = opts.rows ?? 40;
	const history = opts.history ?? 10_000;
	const keys = opts.keys ?? 200;
	const dir = mkdtempSync(join(tmpdir(), 'racewalk-bench-'));
	const out: TuiRow[] = [];
	try {
		// startup to first frame (no history)
		// and to the first key handled: '0' sent as soon as the first frame is on screen
		const startups: number[] = [];
		const interactive: number[] = [];
		for (let i = 0; i < (opts.startups ?? 5); i++) {
			const t0 = performance.now();
			const d = new Driver(cli, [], dir, cols, rows);
			await d.until(() => d.line(1).includes('step 0 of 0'));
			startups.push(performance.now() - t0);
			d.proc.write('0');
			await d.until(() => d.line(1).includes('step 1 of 1'));
			interactive.push(performance.now() - t0);
			d.proc.write('q');
			await d.exited;
		}
		out.push(row(`startup to first frame (${cols}x${rows})`, startups));
		out.push(row(`startup to first key handled (a key sent at the first frame)`, interactive));

		// keypress to frame with a long history
		const t0 = performance.now();
		const d = new Driver(cli, ['--prefill', String(history)], dir, cols, rows);
		await d.until(() => d.line(1).includes(`of ${history}`), 120_000);
		out.push(row(`startup to first frame with --prefill ${history}`, [performance.now() - t0]));
		const at = (n: number) => () => d.line(1).includes(`step ${n} of ${history}`);
		const lat: number[] = [];
		for (let i = 0; i < keys; i++) {
			const back = i % 2 === 0;
			const t = performance.now();
			d.proc.write(back ? '\x1b[D' : '\x1b[C');
			await d.until(at(back ? history - 1 : history));
			lat.push(performance.now() - t);
			await sleep(40); // space keys beyond Ink's frame interval: each press is a lone key
		}
		out.push(row(`keypress→frame, rewind/redo, ${history.toLocaleString('en')}-step history, ${cols}x${rows}`, lat));
		// stepping at the head: a new point each time
		const steps: number[] = [];
		await d.until(at(history));
		for (let i = 0; i < Math.min(50, keys); i++) {
			const t = performance.now();
			d.proc.write('0');
			await d.until(() => d.line(1).includes(`step ${history + i + 1} of ${history + i + 1}`));
			steps.push(performance.now() - t);
			await sleep(40);
		}
		out.push(row(`keypress→frame, step CPU0 at the head of ${history.toLocaleString('en')} steps`, steps));
		d.proc.write('q');
		await d.exited;
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchTui());
