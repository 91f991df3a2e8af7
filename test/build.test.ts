// The build: one bundled file (dist/cli.js, what every CLI and pty test runs),
// rebuilt only when its sources changed.

import {spawnSync} from 'node:child_process';
import {builtinModules} from 'node:module';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
// inside the package (the bundle finds scenarios/ beside package.json), never over dist/
mkdirSync(join(ROOT, 'node_modules', '.cache'), {recursive: true});
const out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'racewalk-build-'));
afterAll(() => rmSync(out, {recursive: true, force: true}));

const build = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), ...args], {encoding: 'utf8', env: {...process.env, RACEWALK_BUILD_DIR: out}});

describe('npm run build', () => {
	it('bundles the CLI into one file that runs on its own', () => {
		const r = build();
		expect(r.status, r.stderr).toBe(0);
		expect(readdirSync(out).sort()).toEqual(['.build-hash', 'cli.js']);
		const text = readFileSync(join(out, 'cli.js'), 'utf8');
		expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
		// nothing of ours or of node_modules is imported at run time: only node: built-ins
		const imports = [...text.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map(m => m[1]!);
		const builtin = new Set(builtinModules);
		expect(imports.filter(i => /^[@\w./-]+$/.test(i) && !i.startsWith('node:') && !builtin.has(i))).toEqual([]);
		const list = spawnSync(process.execPath, [join(out, 'cli.js'), 'list'], {encoding: 'utf8', cwd: tmpdir()});
		expect(list.status, list.stderr).toBe(0);
		expect(list.stdout).toContain('fsdax-unbind-2021');
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
		expect(readdirSync(join(ROOT, 'dist')).filter(f => !f.endsWith('.tmp')).sort()).toEqual(['.build-hash', 'cli.js']);
	});
});
