// Running the App on the real terminal: alternate screen, signal handlers,
// crash handler, auto-save. Loaded lazily by the tui command.

import {render} from 'ink';
import React from 'react';
import {EXIT, type Io} from '../commands/common.js';
import type {Session} from '../session/types.js';
import {App} from './App.js';
import type {Controller, Services} from './controller.js';
import {autosave, exportService, saveService, searchService} from './services.js';

export {prefill} from './services.js';

export const ALT_ON = '\x1b[?1049h\x1b[H';
export const ALT_OFF = '\x1b[?25h\x1b[?1049l';

const SIGNALS = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

export type RunOpts = {reopen: Services['reopen']; sets: Record<string, string>; initialMessage: string; io: Io};

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
	} finally {
		restore();
		for (const [sig, h] of handlers) process.off(sig, h);
		process.off('uncaughtException', onCrash);
	}
	if (quit) o.io.out(saveQuietly());
	return EXIT.ok;
}
