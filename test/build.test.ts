// The build: the bundled CLI (dist/cli.js, what every CLI and pty test runs,
// and the chunks it loads on use, dist/chunks/), rebuilt only when its
// sources changed.

import {spawnSync} from 'node:child_process';
import {builtinModules} from 'node:module';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
// inside the package (the bundle finds scenarios/ beside package.json), never over dist/
mkdirSync(join(ROOT, 'node_modules', '.cache'), {recursive: true});
const out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'racewalk-build-'));
afterAll(() => rmSync(out, {recursive: true, force: true}));

const build = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), ...args], {encoding: 'utf8', env: {...process.env, RACEWALK_BUILD_DIR: out}});

describe('npm run build', () => {
	it('bundles the CLI into an entry and its chunks that run on their own', () => {
		const r = build();
		expect(r.status, r.stderr).toBe(0);
		expect(readdirSync(out).sort()).toEqual(['.build-hash', 'chunks', 'cli.js']);
		const text = readFileSync(join(out, 'cli.js'), 'utf8');
		expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
		// nothing of ours or of node_modules is imported at run time from outside the build: only node: built-ins and its own chunks
		const builtin = new Set(builtinModules);
		for (const f of ['cli.js', ...readdirSync(join(out, 'chunks')).filter(c => !c.endsWith('.cache')).map(c => join('chunks', c))]) {
			const imports = importsOf(join(out, f));
			expect(imports.filter(i => !i.startsWith('./') && !i.startsWith('../') && !i.startsWith('node:') && !builtin.has(i)), f).toEqual([]);
			for (const i of imports.filter(i => i.startsWith('.'))) expect(statSync(join(out, dirname(f), i)).isFile(), `${f} imports ${i}`).toBe(true);
		}
		const list = spawnSync(process.execPath, [join(out, 'cli.js'), 'list'], {encoding: 'utf8', cwd: tmpdir()});
		expect(list.status, list.stderr).toBe(0);
		expect(list.stdout).toContain('fsdax-unbind-2021');
	});

	it('explore reads its own script (and its code cache), with neither the TUI (Ink, React) nor the recordings schema (zod)', () => {
		// the entry imports nothing of ours statically (esbuild's helpers, a few hundred bytes): `racewalk explore` reads it and explore's script
		for (const f of staticClosure(['cli.js']).filter(f => f !== 'cli.js')) expect(statSync(join(out, f)).size, f).toBeLessThan(4096);
		const script = exploreScript();
		expect(statSync(join(out, `${script}.cache`)).size).toBeGreaterThan(0);
		const text = readFileSync(join(out, script), 'utf8');
		expect(text.includes('Searches the interleavings of a scenario'), 'explore in the script').toBe(true);
		for (const marker of ['react.dev/errors', 'yoga']) expect(text.includes(marker), marker).toBe(false);
		// zod is in it for --record, and only --record evaluates it (its global registry)
		const zodAfter = (...args: string[]) => {
			const r = spawnSync(process.execPath, ['-e', `const {createRequire} = require('node:module'); const {Script} = require('node:vm'); const f = ${JSON.stringify(join(out, script))};
				const module = {exports: {}}; new Script(require('node:fs').readFileSync(f, 'utf8'), {filename: f}).runInThisContext()(createRequire(f), module, f);
				process.stdout.write = () => true;
				module.exports.run(${JSON.stringify(['ext4-dax-unbind-now', ...args])}).then(() => process.stderr.write(String('__zod_globalRegistry' in globalThis)));`], {encoding: 'utf8', cwd: out});
			return r.stderr;
		};
		expect(zodAfter()).toBe('false');
		expect(zodAfter('--record', join(out, 'recorded.json'))).toBe('true');
		rmSync(join(out, 'recorded.json'), {force: true});
	});

	it("explore's script takes its code cache and does what the command table's explore module does", () => {
		const script = join(out, exploreScript());
		const check = spawnSync(process.execPath, [join(ROOT, 'scripts/build/code-cache.mjs'), 'check', script], {encoding: 'utf8'});
		expect(check.stdout).toBe('accepted');
		// the command table's module, as `racewalk explore` ran before the script (and runs from source/)
		const table = [...readFileSync(join(out, 'cli.js'), 'utf8').matchAll(/import\("\.\/(chunks\/commands-[\w-]+\.js)"\)/g)].map(m => m[1]!);
		expect(table).toHaveLength(1);
		const viaTable = (args: string[]) =>
			spawnSync(process.execPath, ['--input-type=module', '-e', `const {COMMANDS} = await import(${JSON.stringify(pathToFileURL(join(out, table[0]!)).href)}); const {processIo} = await import(${JSON.stringify(pathToFileURL(join(out, 'chunks', commonChunk())).href)});
				const io = processIo(); process.exitCode = await (await COMMANDS.find(c => c.name === 'explore').load()).run(${JSON.stringify(args)}, io);`], {encoding: 'utf8'});
		const viaScript = (args: string[]) => spawnSync(process.execPath, [join(out, 'cli.js'), 'explore', ...args], {encoding: 'utf8'});
		// the search's time is the one thing that differs from run to run
		const untimed = (t: string) => t.replace(/time: [\d.]+ s {2}states\/s: \d+/, '').replace(/"(timeMs|statesPerSec)": [\d.e+-]+/g, '');
		for (const args of [['fsdax-unbind-2021', '--width', '100'], ['devdax-unbind', '--variant', 'longterm', '--json'], ['xfs-pre-remove', '--no-liveness', '--strategy', 'dfs']]) {
			const a = viaScript(args);
			const b = viaTable(args);
			expect(a.stderr, args.join(' ')).toBe(b.stderr);
			expect(untimed(a.stdout), args.join(' ')).toBe(untimed(b.stdout));
			expect(a.status, args.join(' ')).toBe(b.status);
		}
	});

	it('explore loads neither the TUI (Ink, React) nor the recordings schema (zod) from the command table either', () => {
		// what explore reads from the command table (the way it runs from source/, without the script): the table, explore's chunk and their static imports
		const table = [...readFileSync(join(out, 'cli.js'), 'utf8').matchAll(/import\("\.\/(chunks\/commands-[\w-]+\.js)"\)/g)].map(m => m[1]!);
		expect(table).toHaveLength(1);
		const explore = [...readFileSync(join(out, table[0]!), 'utf8').matchAll(/import\("\.\/(explore-[A-Z0-9]+\.js)"\)/g)].map(m => join('chunks', m[1]!));
		expect(explore).toHaveLength(1);
		const read = staticClosure([table[0]!, explore[0]!]);
		const text = read.map(f => readFileSync(join(out, f), 'utf8')).join('\n');
		expect(text).toContain('search the interleavings');
		// markers that survive minification: React's error links, Ink's layout engine, zod's base type
		for (const marker of ['react.dev/errors', 'yoga', '$ZodType']) expect(text, marker).not.toContain(marker);
		// ... and all three are in the build, for the commands that need them
		const all = ['cli.js', ...readdirSync(join(out, 'chunks')).map(c => join('chunks', c))].map(f => readFileSync(join(out, f), 'utf8')).join('\n');
		for (const marker of ['react.dev/errors', 'yoga', '$ZodType']) expect(all, marker).toContain(marker);
	});

	it('--if-stale leaves a fresh build alone and rebuilds when the sources differ', () => {
		const before = statSync(join(out, 'cli.js')).mtimeMs;
		expect(build('--if-stale').status).toBe(0);
		expect(statSync(join(out, 'cli.js')).mtimeMs).toBe(before);
		// a build from other sources (its hash differs)
		writeFileSync(join(out, '.build-hash'), 'another tree');
		const r = build('--if-stale');
		expect(r.status, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/racewalk build: .*cli\.js in \d+ ms/);
		expect(readFileSync(join(out, '.build-hash'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
	});

	it('is what the tests run: dist/ holds the bundle alone', () => {
		expect(readdirSync(join(ROOT, 'dist')).filter(f => !f.endsWith('.tmp')).sort()).toEqual(['.build-hash', 'chunks', 'cli.js']);
		// ... and explore's script with its code cache
		expect(readdirSync(join(ROOT, 'dist', 'chunks')).filter(f => !f.endsWith('.js') && !f.endsWith('.tmp') && !/^explore-[A-Z0-9]+\.cjs(\.cache)?$/.test(f))).toEqual([]);
	});
});

/** explore's script, as the entry names it (relative to the build). */
function exploreScript(): string {
	const named = [...readFileSync(join(out, 'cli.js'), 'utf8').matchAll(/"(chunks\/explore-[A-Z0-9]+\.cjs)"/g)].map(m => m[1]!);
	expect(named).toHaveLength(1);
	return named[0]!;
}

/** The chunk of commands/common.ts (processIo), one that the entry loads on use. */
function commonChunk(): string {
	const loaded = [...readFileSync(join(out, 'cli.js'), 'utf8').matchAll(/import\("\.\/chunks\/([\w-]+\.js)"\)/g)].map(m => m[1]!);
	const found = [...new Set(loaded)].filter(c => /export\{[^}]*\bprocessIo\b/.test(readFileSync(join(out, 'chunks', c), 'utf8')));
	expect(found).toHaveLength(1);
	return found[0]!;
}

/** The modules a bundle file imports, statically or on use. */
function importsOf(file: string): string[] {
	const text = readFileSync(file, 'utf8');
	return [...text.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)].map(m => (m[1] ?? m[2] ?? m[3])!).filter(i => /^[@\w./:-]+$/.test(i));
}

/** Files of the build (relative to it) that loading `roots` reads: their static imports, transitively. */
function staticClosure(roots: string[]): string[] {
	const seen = new Set<string>();
	const todo = [...roots];
	while (todo.length) {
		const f = todo.pop()!;
		if (seen.has(f)) continue;
		seen.add(f);
		const text = readFileSync(join(out, f), 'utf8');
		for (const m of text.matchAll(/\bfrom\s*"(\.[^"]+)"|\bimport\s*"(\.[^"]+)"/g)) todo.push(join(dirname(f), (m[1] ?? m[2])!));
	}
	return [...seen];
}
