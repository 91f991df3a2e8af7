// Running the App on the real terminal: alternate screen, signal handlers,
// crash handler, auto-save. Loaded lazily by the tui command.

import {render} from 'ink';
import React from 'react';
import type {Session} from '../session/types.js';
import {App} from './App.js';
import type {Controller, Services} from './controller.js';
import {autosave, exportService, saveService, searchService} from './services.js';

export {prefill} from './services.js';

export const ALT_ON = '\x1b[?1049h\x1b[H';
export const ALT_OFF = '\x1b[?25h\x1b[?1049l';

const SIGNALS = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

/** Where the auto-save line goes once the terminal is back (the command's Io fits). */
export type RunOpts = {reopen: Services['reopen']; sets: Record<string, string>; initialMessage: string; io: {out: (text: string) => void}};

export async function runTui(session: Session, o: RunOpts): Promise<number> {
	const cwd = process.cwd();
	const out = process.stdout;
	const ctl: {current: Controller | null} = {current: null};
	const current = (): Session => ctl.current?.session ?? session;
	const currentSets = (): Record<string, string> => ctl.current?.sets ?? o.sets;
	const services: Services = {reopen: o.reopen, save: saveService(cwd, currentSets), exportReport: exportService(cwd, currentSets), search: searchService()};
	const saveQuietly = (): string => {
		try {
			return `session auto-saved to ${autosave(current(), cwd, currentSets())}`;
		} catch (err) {
			return `racewalk: could not auto-save the session: ${err instanceof Error ? err.message : String(err)}`;
		}
	};

	let restored = false;
	let instance: ReturnType<typeof render> | undefined;
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
	const onSignal = (sig: keyof typeof SIGNALS): void => {
		const saved = saveQuietly();
		restore();
		out.write(`${saved}\nracewalk: stopped by ${sig}\n`);
		process.exit(128 + SIGNALS[sig]);
	};
	const handlers = Object.keys(SIGNALS).map(sig => {
		const h = (): void => onSignal(sig as keyof typeof SIGNALS);
		process.on(sig, h);
		return [sig, h] as const;
	});
	const onCrash = (err: unknown): void => {
		const saved = saveQuietly();
		restore();
		process.stderr.write(`racewalk: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${saved}\n`);
		process.exit(70);
	};
	process.on('uncaughtException', onCrash);

	let quit = false;
	// Raw mode at once (Ink turns it on in an effect, after the first frame):
	// keys typed during start-up are not echoed and ^C is a key, not SIGINT.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	out.write(ALT_ON);
	try {
		instance = render(
			<App
				session={session}
				services={services}
				sets={o.sets}
				controllerRef={ctl}
				initialMessage={o.initialMessage}
				onQuit={() => {
					quit = true;
				}}
			/>,
			{exitOnCtrlC: false, patchConsole: false},
		);
		await instance.waitUntilExit();
	} catch (err) {
		// a render error: the terminal comes back first, the session is saved, then the error
		restore();
		process.stderr.write(`${saveQuietly()}\n`);
		throw err;
	} finally {
		restore();
		ctl.current?.dispose();
		for (const [sig, h] of handlers) process.off(sig, h);
		process.off('uncaughtException', onCrash);
	}
	if (quit) o.io.out(saveQuietly());
	return 0; // EXIT.ok
}
