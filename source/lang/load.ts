// Finding and loading a scenario: a built-in name (scenarios/*.race shipped with
// the package) or a path. Loading only reads text and parses it; nothing in a
// scenario file is ever executed but by our interpreter.

import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {basename, dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Scenario} from './ast.js';
import {compile, type CompileOptions} from './compiler.js';
import {suggestion} from './diagnostics.js';
import {Model} from './interpreter.js';
import {parseScenario} from './parser.js';
import {FileError, readRegularFile} from './readfile.js';

export const DEFAULT_SCENARIO = 'fsdax-unbind-2021';
const MAX_SCENARIO_BYTES = 1 << 20;

export class LoadError extends Error {}

/** scenarios/ beside the package root (works from source/ under tsx and from dist/). */
export function scenariosDir(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		if (existsSync(join(dir, 'scenarios')) && existsSync(join(dir, 'package.json'))) return join(dir, 'scenarios');
		dir = dirname(dir);
	}
	throw new Error('cannot find the scenarios/ folder of the racewalk package');
}

export function builtinNames(): string[] {
	return readdirSync(scenariosDir())
		.filter(f => f.endsWith('.race'))
		.map(f => f.slice(0, -5))
		.sort((a, b) => (a === DEFAULT_SCENARIO ? -1 : b === DEFAULT_SCENARIO ? 1 : a.localeCompare(b)));
}

/** The worked examples of docs/scenario-language.md (scenarios/examples/*.race), as paths from the current folder. */
export function exampleNames(): string[] {
	const dir = join(scenariosDir(), 'examples');
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter(f => f.endsWith('.race'))
		.map(f => relative(process.cwd(), join(dir, f)))
		.sort();
}

/** The short names of the worked examples (`irq-lock`): each loads by that name too. */
export function exampleShortNames(): string[] {
	return exampleNames().map(p => basename(p, '.race'));
}

function exampleFile(name: string): string | null {
	if (!/^[A-Za-z0-9_-]+$/.test(name)) return null;
	const path = join(scenariosDir(), 'examples', `${name}.race`);
	return existsSync(path) ? path : null;
}

export type LoadedSource = {file: string; source: string; ast: Scenario; builtin: boolean};

/** Read and parse a scenario by built-in name or path. Throws LoadError or Diagnostic. */
export function loadScenario(nameOrPath: string): LoadedSource {
	// '' resolves to the current folder ("is a directory"): an empty argument, usually an unset shell variable
	if (nameOrPath.trim() === '') throw new LoadError(`an empty scenario name ('${nameOrPath}'): give a built-in or worked example ('racewalk list' shows them) or a .race file`);
	// A path is never a built-in: it is read even without the package's scenarios/ folder.
	const asPath = nameOrPath.includes('/') || nameOrPath.endsWith('.race');
	const builtin = asPath ? '' : join(scenariosDir(), `${nameOrPath}.race`);
	const isBuiltin = !asPath && existsSync(builtin);
	// A bare name is a built-in, then a worked example, then a file of that name.
	const example = asPath || isBuiltin ? null : exampleFile(nameOrPath);
	const path = isBuiltin ? builtin : example ?? resolve(nameOrPath);
	if (!existsSync(path) && !isBuiltin) {
		const near = nameOrPath.includes('/') ? '' : suggestion(nameOrPath.replace(/\.race$/, ''), [...builtinNames(), ...exampleShortNames()]);
		throw new LoadError(`${nameOrPath}: no such built-in scenario, worked example or file${near} ('racewalk list' shows them all)`);
	}
	let source: string;
	try {
		source = readRegularFile(path, MAX_SCENARIO_BYTES, 'a scenario').toString('utf8');
	} catch (err) {
		if (err instanceof FileError) throw new LoadError(`${nameOrPath}: ${err.message}`);
		throw err;
	}
	const file = isBuiltin ? `scenarios/${basename(path)}` : example ? `scenarios/examples/${basename(path)}` : nameOrPath;
	return {file, source, ast: parseScenario(source, file), builtin: isBuiltin};
}

/** Parse + compile from text (recordings carry the text itself). */
export function modelFromSource(file: string, source: string, opts: Omit<CompileOptions, 'file' | 'source'> = {}): Model {
	const ast = parseScenario(source, file);
	return new Model(compile(ast, {file, source, ...opts}));
}

export function loadModel(nameOrPath: string, opts: Omit<CompileOptions, 'file' | 'source'> = {}): Model {
	const loaded = loadScenario(nameOrPath);
	return new Model(compile(loaded.ast, {file: loaded.file, source: loaded.source, ...opts}));
}

const shipped = new Map<string, string | null>();

/** The text of the built-in scenario (or, with `example`, the worked example) `name` as this racewalk ships it (null: there is none). */
export function builtinSource(name: string, example = false): string | null {
	const key = `${example ? 'examples/' : ''}${name}`;
	if (!shipped.has(key)) {
		let text: string | null = null;
		if (/^[A-Za-z0-9_.-]+$/.test(name) && (example ? exampleShortNames() : builtinNames()).includes(name)) text = readFileSync(join(scenariosDir(), `${key}.race`), 'utf8');
		shipped.set(key, text);
	}
	return shipped.get(key)!;
}

/**
 * The built-in a program's file names (`scenarios/<name>.race`, as loading a
 * built-in sets it) and whether the program's text is the shipped one. A
 * recording carries its own text, which may have been edited since, or come
 * from another version of racewalk: then `racewalk run <name>` would run
 * something else. Worked examples (`scenarios/examples/<name>.race`) too.
 */
export function builtinOf(file: string, source: string): {name: string; same: boolean; example: boolean} | null {
	const m = /^scenarios\/(examples\/)?([^/]+)\.race$/.exec(file);
	if (!m) return null;
	const example = m[1] !== undefined;
	const text = builtinSource(m[2]!, example);
	return {name: m[2]!, same: text !== null && text === source, example};
}
