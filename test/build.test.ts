// The build: the bundled CLI (dist/cli.js, what every CLI and pty test runs,
// and the chunks it loads on use, dist/chunks/), rebuilt only when its
// sources changed.

import {spawnSync} from 'node:child_process';
import {builtinModules} from 'node:module';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
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
		for (const f of ['cli.js', ...readdirSync(join(out, 'chunks')).map(c => join('chunks', c))]) {
			const imports = importsOf(join(out, f));
			expect(imports.filter(i => !i.startsWith('./') && !i.startsWith('../') && !i.startsWith('node:') && !builtin.has(i)), f).toEqual([]);
			for (const i of imports.filter(i => i.startsWith('.'))) expect(statSync(join(out, dirname(f), i)).isFile(), `${f} imports ${i}`).toBe(true);
		}
		const list = spawnSync(process.execPath, [join(out, 'cli.js'), 'list'], {encoding: 'utf8', cwd: tmpdir()});
		expect(list.status, list.stderr).toBe(0);
		expect(list.stdout).toContain('fsdax-unbind-2021');
	});

	it('explore loads neither the TUI (Ink, React) nor the recordings schema (zod)', () => {
		// what `racewalk explore` reads: the entry, the command table, explore's chunk and their static imports
		const table = [...readFileSync(join(out, 'cli.js'), 'utf8').matchAll(/import\("\.\/(chunks\/commands-[\w-]+\.js)"\)/g)].map(m => m[1]!);
		expect(table).toHaveLength(1);
		const explore = [...readFileSync(join(out, table[0]!), 'utf8').matchAll(/import\("\.\/(explore-[A-Z0-9]+\.js)"\)/g)].map(m => join('chunks', m[1]!));
		expect(explore).toHaveLength(1);
		const read = staticClosure(['cli.js', table[0]!, explore[0]!]);
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
		expect(readdirSync(join(ROOT, 'dist', 'chunks')).filter(f => !f.endsWith('.js') && !f.endsWith('.tmp'))).toEqual([]);
	});
});

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
