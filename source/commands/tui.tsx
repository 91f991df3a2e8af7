// `racewalk [scenario|file.race]`: the stepping debugger. Refuses (exit 2)
// without a terminal; draws on the alternate screen and restores the terminal
// on quit, Ctrl+C, SIGTERM/SIGHUP/SIGINT and errors; auto-saves the session on
// quit and on a signal.

import {render} from 'ink';
import meow from 'meow';
import React from 'react';
import {DEFAULT_SCENARIO} from '../lang/load.js';
import type {Session} from '../session/types.js';
import {App} from '../ui/App.js';
import type {Controller, Services} from '../ui/controller.js';
import {autosave, createSession, prefill, saveService} from '../ui/services.js';
import {type Command, EXIT, openModel, parseSets, UsageError} from './common.js';

const HELP = `
Usage
  $ racewalk [scenario|file.race] [options]

Opens the multi-CPU stepping debugger on a scenario (default: ${DEFAULT_SCENARIO}).
Press ? inside for the keys: digits step a CPU, left/right rewind and redo,
[ ] switch branches, : opens a command line, q quits (the session is auto-saved
to .racewalk/ in the current directory).

Options
  --set k=v       override a param (repeatable)
  --variant NAME  apply one of the scenario's variants

Needs a terminal on stdin and stdout; otherwise use 'racewalk run' or 'racewalk replay'.

Examples
  $ racewalk
  $ racewalk fsdax-unbind-2021 --variant noref
  $ racewalk my-race.race --set pages=2
`;

export const ALT_ON = '\x1b[?1049h\x1b[H';
export const ALT_OFF = '\x1b[?25h\x1b[?1049l';

const SIGNALS = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

export const tuiCommand: Command = {
	name: 'tui',
	summary: 'open the stepping debugger (the default: racewalk [scenario])',
	async run(argv, io) {
		const cli = meow(HELP, {
			importMeta: import.meta,
			argv,
			allowUnknownFlags: false,
			flags: {
				set: {type: 'string', isMultiple: true},
				variant: {type: 'string'},
				prefill: {type: 'number'},
			},
		});
		if (cli.input.length > 1) throw new UsageError(`unexpected argument '${cli.input[1]}' (racewalk [scenario|file.race] [--set k=v] [--variant V])`);
		const target = cli.input[0] ?? DEFAULT_SCENARIO;
		const sets = parseSets(cli.flags.set);
		const variant = cli.flags.variant;
		const model = openModel(target, {set: cli.flags.set, variant});
		if (!process.stdin.isTTY || !process.stdout.isTTY) {
			io.err(`racewalk: the debugger needs a terminal on stdin and stdout; without one use 'racewalk run ${target} --schedule "..."' or 'racewalk replay <recording.json>'`);
			return EXIT.usage;
		}
		const session = createSession(model);
		let initialMessage = `${cli.flags.set?.length ? `params ${cli.flags.set.join(' ')}; ` : ''}press a CPU digit to step it, ? for help`;
		if (cli.flags.prefill !== undefined) {
			const n = prefill(session, cli.flags.prefill);
			initialMessage = `prefilled ${n} steps`;
		}
		const reopen = (s: Record<string, string>): Session => createSession(openModel(target, {set: Object.entries(s).map(([k, v]) => `${k}=${v}`), variant}));
		return runTui(session, {reopen, sets, initialMessage, io});
	},
};

type RunOpts = {reopen: Services['reopen']; sets: Record<string, string>; initialMessage: string; io: Parameters<Command['run']>[1]};

async function runTui(session: Session, o: RunOpts): Promise<number> {
	const cwd = process.cwd();
	const out = process.stdout;
	const ctl: {current: Controller | null} = {current: null};
	const current = (): Session => ctl.current?.session ?? session;
	const currentSets = (): Record<string, string> => ctl.current?.sets ?? o.sets;
	const services: Services = {reopen: o.reopen, save: saveService(cwd, currentSets)};
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
