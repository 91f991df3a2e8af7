// Running the App on the real terminal: alternate screen, signal handlers,
// crash handler, auto-save. Loaded lazily by the tui command.
//
// Start-up: the first frame is drawn directly (controller + layout + the frame
// writer, no Ink) while Ink, React and the services load in the background;
// keys typed meanwhile wait in the terminal (raw mode is on) and are handled
// once the App is mounted. Frames then go through the same writer (frame.ts).

import {dirname, join} from 'node:path';
import type {Session} from '../session/types.js';
import {Controller, type Services} from './controller.js';
import {FrameWriter, frameText, readSize} from './frame.js';
import {screenLines} from './layout.js';

export {prefill} from './prefill.js';

/** Alternate screen on (autowrap off: a line can never scroll the frame); off restores both and the cursor. */
export const ALT_ON = '\x1b[?1049h\x1b[?7l\x1b[H';
export const ALT_OFF = '\x1b[?7h\x1b[?25h\x1b[?1049l';

const SIGNALS = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2, SIGQUIT: 3} as const;

/** Where the auto-save line goes once the terminal is back (the command's Io fits). */
export type RunOpts = {reopen: Services['reopen']; recording?: string; sets: Record<string, string>; initialMessage: string; io: {out: (text: string) => void}};

export async function runTui(session: Session, o: RunOpts): Promise<number> {
	const cwd = process.cwd();
	const out = process.stdout;
	// save / export / search are filled in once services.js is loaded (before any key is handled)
	const services: Services = {reopen: o.reopen, ...(o.recording !== undefined ? {recording: o.recording} : {})};
	const c = new Controller(session, services, o.sets);
	c.message = {text: o.initialMessage, kind: 'info'};
	const svc = import('./services.js');
	const savedLine = (path: string): string =>
		`session auto-saved to ${path}${dirname(path) === join(cwd, '.racewalk') ? '' : ` (${join(cwd, '.racewalk')} could not be written)`}`;
	// Once: closing the terminal sends SIGHUP and then fails the next write (EIO); one session, one save.
	let saving: Promise<string> | null = null;
	const saveQuietly = (): Promise<string> =>
		(saving ??= (async () => {
			if (c.savedOnQuit) return savedLine(c.savedOnQuit);
			// an open that changed nothing leaves nothing behind
			if (!c.changed()) return 'nothing changed: no auto-save';
			try {
				const {autosave} = await svc;
				return savedLine(autosave(c.session, cwd, c.sets));
			} catch (err) {
				return `racewalk: could not auto-save the session: ${err instanceof Error ? err.message : String(err)}`;
			}
		})());
	// The terminal went away (tmux kill-session, a closed window): writes fail with EIO; the
	// session is saved and the process ends quietly instead of in a stack trace.
	let gone = false;
	const onWriteError = (): void => {
		if (gone) return;
		gone = true;
		void saveQuietly().then(() => process.exit(128 + SIGNALS.SIGHUP));
	};
	out.on('error', onWriteError);

	let restored = false;
	let instance: {unmount: () => void; waitUntilExit: () => Promise<unknown>} | undefined;
	const restore = (): void => {
		if (restored) return;
		restored = true;
		try {
			instance?.unmount();
		} catch {
			// already unmounted
		}
		out.write(ALT_OFF);
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
	};
	const onSignal = async (sig: keyof typeof SIGNALS): Promise<void> => {
		const saved = await saveQuietly();
		try {
			restore();
			out.write(`${saved}\nracewalk: stopped by ${sig}\n`);
		} catch {
			// no terminal left to tell
		}
		process.exit(128 + SIGNALS[sig]);
	};
	const handlers = Object.keys(SIGNALS).map(sig => {
		const h = (): void => void onSignal(sig as keyof typeof SIGNALS);
		process.on(sig, h);
		return [sig, h] as const;
	});
	const onCrash = async (err: unknown): Promise<void> => {
		const saved = await saveQuietly();
		const code = (err as NodeJS.ErrnoException)?.code;
		if (code === 'EIO' || code === 'EPIPE' || code === 'ENXIO') process.exit(128 + SIGNALS.SIGHUP); // the terminal is gone: nothing to print on
		restore();
		process.stderr.write(`racewalk: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${saved}\n`);
		process.exit(70);
	};
	const crash = (err: unknown): void => void onCrash(err);
	process.on('uncaughtException', crash);

	let quit = false;
	// Raw mode at once (Ink turns it on in an effect, after the first frame):
	// keys typed during start-up are not echoed and ^C is a key, not SIGINT.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	const writer = new FrameWriter(data => out.write(data));
	try {
		// start loading, then draw the first frame while the modules load
		const loading = Promise.all([import('./mount.js'), svc]);
		out.write(ALT_ON);
		const size = readSize(out);
		c.size = size;
		writer.draw(frameText(screenLines(c.view(), size)), size);
		const [{mountApp}, s] = await loading;
		services.save = s.saveService(cwd, () => c.sets);
		services.autosave = session => s.autosave(session, cwd, c.sets);
		services.exportReport = s.exportService(cwd, () => c.sets);
		services.search = s.searchService();
		instance = mountApp(session, c, writer, () => {
			quit = true;
		});
		await instance.waitUntilExit();
	} catch (err) {
		// a render error: the terminal comes back first, the session is saved, then the error
		restore();
		process.stderr.write(`${await saveQuietly()}\n`);
		throw err;
	} finally {
		restore();
		c.dispose();
		for (const [sig, h] of handlers) process.off(sig, h);
		process.off('uncaughtException', crash);
	}
	if (quit) o.io.out(c.savedOnQuit === null ? 'session not saved (:quit!)' : await saveQuietly());
	return 0; // EXIT.ok
}
