// What every subcommand shares: user errors (one line, exit 2), `--set`
// parsing, loading a model with every kind of bad input turned into a
// UsageError, and the exit codes of SPEC §7.

import meow from 'meow';
import {Diagnostic, suggestion} from '../lang/diagnostics.js';
import {ParamError} from '../lang/compiler.js';
import {LoadError, loadScenario} from '../lang/load.js';
import {compile} from '../lang/compiler.js';
import {Model} from '../lang/interpreter.js';
import {ScheduleError} from '../lang/schedule.js';
import {visible} from '../lang/visible.js';
import {parseSetList} from '../lang/sets.js';
import {sameFile} from '../session/atomic.js';

export const EXIT = {ok: 0, violation: 1, usage: 2, liveness: 3, bound: 4} as const;

/** A mistake of the user's: printed as one line (plus a source excerpt for diagnostics), exit 2. */
export class UsageError extends Error {
	constructor(
		message: string,
		readonly detail?: string,
	) {
		super(message);
	}
}

/** A word after the scenario: a `k=v` one was meant as a param. */
export function unexpectedArgument(cmd: string, word: string): UsageError {
	const param = /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) ? ` (a param is set with --set ${word})` : '';
	return new UsageError(`${cmd}: unexpected argument '${word}'${param}`);
}

export function parseSets(list: readonly string[] | undefined): Record<string, string> {
	try {
		return parseSetList(list);
	} catch (err) {
		throw asUsageError(err) ?? err;
	}
}

/** Convert the language layer's errors into UsageErrors. */
export function asUsageError(err: unknown): UsageError | undefined {
	if (err instanceof UsageError) return err;
	if (err instanceof Diagnostic) return new UsageError(err.message, err.render());
	if (err instanceof ParamError || err instanceof LoadError || err instanceof ScheduleError) return new UsageError(err.message);
	return undefined;
}

/** Runs a command: user mistakes end as one line on stderr with exit code 2. */
export async function usageErrors(io: Io, run: () => Promise<number>): Promise<number> {
	try {
		return await run();
	} catch (err) {
		const usage = asUsageError(err);
		if (!usage) throw err;
		// one line (a diagnostic adds its own excerpt): a newline from a file is spelled out
		io.err(`racewalk: ${usage.detail ?? visible(usage.message)}`);
		return EXIT.usage;
	}
}

export type ModelOptions = {set?: readonly string[]; variant?: string | null};

export function openModel(nameOrPath: string, opts: ModelOptions = {}): Model {
	try {
		const loaded = loadScenario(nameOrPath);
		return new Model(compile(loaded.ast, {file: loaded.file, source: loaded.source, set: parseSets(opts.set), variant: opts.variant ?? null}));
	} catch (err) {
		throw asUsageError(err) ?? err;
	}
}

/**
 * An output file that is the command's own input (by any path or hard link):
 * even with --force, `run mine.race --record mine.race` would replace the
 * scenario with a recording, `export r.json --out r.json` the recording with
 * its diagram. A typo, not a wish: refused.
 */
export function refuseOverInput(out: string | undefined, flag: string, input: string, what: string): void {
	if (out !== undefined && sameFile(out, input)) throw new UsageError(`${flag} ${out}: that is ${what}; writing there would replace it (give another file)`);
}

/** Output channel: commands write through this so tests can capture it. */
/**
 * React's development build is several times slower: the TUI runs the
 * production one unless told otherwise. (The bundle has NODE_ENV compiled in;
 * this matters when run from source. Written through `env` so the bundler's
 * constant for process.env.NODE_ENV does not meet an assignment.)
 */
export function productionReact(): void {
	const env = process.env;
	env.NODE_ENV ??= 'production';
}

export type Io = {out: (text: string) => void; err: (text: string) => void; isTTY: boolean; columns: number};

let pipeGuard = false;

/** `racewalk ... | head` closes the pipe early: that ends the output, not in a stack trace. */
function guardPipes(): void {
	if (pipeGuard) return;
	pipeGuard = true;
	for (const stream of [process.stdout, process.stderr]) {
		stream.on('error', (err: NodeJS.ErrnoException) => {
			// The reader went away: the rest of the output has nowhere to go, but the
			// verdict's exit code must still be the one the command returns.
			// EIO: the terminal itself is gone (a closed window, tmux kill-session)
			if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
		});
	}
}

export const processIo = (): Io => (guardPipes(), {
	// Names, notes and source lines in the output come from files: shown, never obeyed.
	out: t => process.stdout.write(visible(t.endsWith('\n') ? t : t + '\n', {lines: true})),
	err: t => process.stderr.write(visible(t.endsWith('\n') ? t : t + '\n', {lines: true})),
	isTTY: Boolean(process.stdout.isTTY),
	columns: process.stdout.columns ?? 80,
});

export type Command = {
	name: string;
	/** Returns the exit code. Throws UsageError for user mistakes. */
	run: (argv: string[], io: Io) => Promise<number>;
};

type FlagSpec = {type: 'string' | 'boolean' | 'number'; shortFlag?: string; isMultiple?: boolean; default?: unknown};

/** Flags that mean the same in every command that takes them. */
export const SCENARIO_FLAGS = {
	set: {type: 'string', isMultiple: true},
	variant: {type: 'string'},
} as const satisfies Record<string, FlagSpec>;

export const OUTPUT_FLAGS = {
	json: {type: 'boolean', default: false},
	width: {type: 'number'},
	color: {type: 'boolean', default: true},
} as const satisfies Record<string, FlagSpec>;

export const RECORD_FLAGS = {
	record: {type: 'string'},
	force: {type: 'boolean', default: false},
} as const satisfies Record<string, FlagSpec>;

/**
 * meow with our error style: an unknown flag or a bad number is one line and
 * exit 2 (meow's own check prints two lines and exits by itself).
 */
export function parseFlags<F extends Record<string, FlagSpec>>(help: string, argv: string[], flags: F, importMeta: ImportMeta) {
	if ('set' in flags) argv = setRuns(argv);
	argv = flagValues(argv, flags);
	let cli: ReturnType<typeof meow>;
	try {
		cli = meow(help, {importMeta, argv, flags: flags as never, allowUnknownFlags: true, autoVersion: false});
	} catch (err) {
		// meow throws (a stack trace) on a repeated flag that takes one value
		const once = err instanceof Error ? /^The flag --(\S+) can only be set once\.?$/.exec(err.message) : null;
		if (once) throw new UsageError(`--${once[1]!.replace(/[A-Z]/g, c => '-' + c.toLowerCase())}: given more than once; give it once`);
		throw err;
	}
	if (argv.includes('-h')) cli.showHelp(0);
	const known = new Set<string>(['help', 'h']);
	for (const [name, spec] of Object.entries(flags)) {
		known.add(name);
		if (spec.shortFlag) known.add(spec.shortFlag);
	}
	for (const key of Object.keys(cli.unnormalizedFlags)) {
		if (!known.has(key)) {
			const dashed = key.replace(/[A-Z]/g, c => '-' + c.toLowerCase());
			const names = Object.keys(flags).map(n => n.replace(/[A-Z]/g, c => '-' + c.toLowerCase()));
			// named as it was typed: `-s`, not `--s`
			const typed = dashed.length === 1 ? `-${dashed}` : `--${dashed}`;
			const near = suggestion(dashed, names).replace(/'([^']+)'/, "'--$1'");
			throw new UsageError(`unknown flag ${typed}${near || elsewhere(dashed, typed, help, cli.input[0])}`);
		}
	}
	for (const [name, spec] of Object.entries(flags)) {
		const v = (cli.flags as Record<string, unknown>)[name];
		const dashed = name.replace(/[A-Z]/g, c => '-' + c.toLowerCase());
		const values = Array.isArray(v) ? v : [v];
		if (spec.type === 'number' && values.some(x => x !== undefined && (typeof x !== 'number' || !Number.isFinite(x)))) {
			const typed = rawFlagValue(argv, dashed);
			throw new UsageError(`--${dashed}: expected a number${typed === undefined ? '' : `, got '${typed}'`}`);
		}
		if (spec.type === 'string' && values.some(x => typeof x === 'string' && x.trim() === '')) throw new UsageError(`--${dashed}: expected a value`);
	}
	const width = (cli.flags as Record<string, unknown>).width;
	if (typeof width === 'number' && (!Number.isInteger(width) || width < 40 || width > 1000)) {
		throw new UsageError(`--width: expected a whole number of columns from 40 to 1000, got ${width}`);
	}
	return cli as unknown as {input: string[]; flags: {[K in keyof F]: F[K]['isMultiple'] extends true ? FlagValue<F[K]>[] : F[K] extends {default: unknown} ? FlagValue<F[K]> : FlagValue<F[K]> | undefined}};
}

/** What was typed after --name (or in --name=value): meow keeps only the NaN it made of it. */
function rawFlagValue(argv: readonly string[], dashed: string): string | undefined {
	for (let i = argv.length - 1; i >= 0; i--) {
		const a = argv[i]!;
		if (a.startsWith(`--${dashed}=`)) return a.slice(dashed.length + 3);
		if (a === `--${dashed}` && i + 1 < argv.length) return argv[i + 1];
	}
	return undefined;
}

/** The command a flag belongs to, when it is not this one's: `racewalk my.race -s "0 1"` meant `racewalk run`. */
const FLAG_HOME: Record<string, {cmd: string; example: string}> = {
	s: {cmd: 'run', example: '-s "0 1 ..."'},
	schedule: {cmd: 'run', example: '--schedule "0 1 ..."'},
	strategy: {cmd: 'explore', example: '--strategy dfs'},
	'max-states': {cmd: 'explore', example: '--max-states N'},
	'max-depth': {cmd: 'explore', example: '--max-depth N'},
	seed: {cmd: 'explore', example: '--strategy random --seed N'},
	jobs: {cmd: 'explore', example: '--jobs 2'},
	format: {cmd: 'export', example: '--format diagram'},
	from: {cmd: 'new', example: '--from pt-free-walker'},
};

function elsewhere(dashed: string, typed: string, help: string, target: string | undefined): string {
	const home = FLAG_HOME[dashed];
	// this command's name, from its usage line (the TUI's reads `$ racewalk [scenario|...]`)
	const self = /\$ racewalk ([a-z]+)/.exec(help)?.[1];
	if (!home || home.cmd === self) return '';
	const arg = home.cmd === 'export' ? (target && /\.json$/i.test(target) ? target : '<recording.json>') : home.cmd === 'new' ? (target ?? '<file.race>') : (target ?? '<scenario>');
	return `: ${typed} is a flag of 'racewalk ${home.cmd}' (racewalk ${home.cmd} ${shellArg(arg)} ${home.example})`;
}

const shellArg = (s: string): string => (/^[A-Za-z0-9_.,/:=@%+<>|-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * `--set gups=3 pages=2 walkers=2` (as issue 9 and users write it): the
 * assignments that follow a `--set` value are more `--set`s. meow takes one
 * value per flag, and the rest were refused as unexpected arguments.
 */
function setRuns(argv: string[]): string[] {
	const out: string[] = [];
	let afterSet = false;
	for (const a of argv) {
		if (afterSet && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
			out.push('--set', a);
			continue;
		}
		out.push(a);
		afterSet = a.startsWith('--set=') || (out.length >= 2 && out[out.length - 2] === '--set' && !a.startsWith('-'));
	}
	return out;
}

/**
 * The values of flags, checked and made unambiguous before meow reads them.
 * `--max-states ""` or `--width=`: meow reads an empty number as 0; it is a
 * missing value. `--shard -1/2` or `--record -x.json`: meow takes a value that
 * starts with a dash for flags of its own (`unknown flag --1`); a value that is
 * no flag of the command is passed as `--shard=-1/2`, so the flag's own check
 * names it. A value that starts with `--` stays a flag (`--record --forse` is
 * an unknown flag, not a file name).
 */
function flagValues(argv: readonly string[], flags: Record<string, FlagSpec>): string[] {
	const byName = new Map<string, string>();
	const known = new Set(['-h', '--help']);
	for (const [name, spec] of Object.entries(flags)) {
		const dashed = name.replace(/[A-Z]/g, c => '-' + c.toLowerCase());
		known.add(`--${dashed}`);
		if (spec.shortFlag) known.add(`-${spec.shortFlag}`);
		if (spec.type === 'boolean') continue;
		byName.set(`--${dashed}`, dashed);
		if (spec.shortFlag) byName.set(`-${spec.shortFlag}`, dashed);
	}
	const out: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]!;
		out.push(a);
		if (a === '--') {
			out.push(...argv.slice(i + 1));
			break;
		}
		const eq = a.indexOf('=');
		const flag = eq > 0 ? a.slice(0, eq) : a;
		const dashed = byName.get(flag);
		if (dashed === undefined) continue;
		const value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
		if (value === undefined || value.trim() === '') throw new UsageError(`--${dashed}: expected a value`);
		if (eq > 0) continue;
		if (known.has(value.split('=')[0]!)) throw new UsageError(`--${dashed}: expected a value, found the flag ${value.split('=')[0]}`);
		if (value.startsWith('-') && !value.startsWith('--') && !known.has(value.split('=')[0]!)) out[out.length - 1] = `${flag}=${value}`;
		else out.push(value);
		i++;
	}
	return out;
}

type FlagValue<S extends FlagSpec> = S['type'] extends 'string' ? string : S['type'] extends 'number' ? number : boolean;
