// npm run build: the CLI bundled by esbuild, dist/cli.js, so that `racewalk`
// starts by reading a few files instead of resolving ~700 ES modules (Ink,
// React, yoga and ours). What a command loads on use (commands/index.ts) is
// split into chunks (dist/chunks/): `racewalk explore` never reads the TUI's
// Ink and React or zod, a third of the start-up of a small search.
// `--if-stale` (prepare, prestart, pretest) rebuilds only when the sources
// changed since the last build: a hash of source/, the lockfile and this
// script is kept beside the bundle.
// `racewalk explore` also gets a script of its own, dist/chunks/explore-HASH.cjs
// (one CommonJS file, what the command reads), and V8's code cache of it
// (scripts/build/code-cache.mjs): cli.tsx runs it without parsing and
// compiling it again, a fifth of a small explore's time.
// Plain JavaScript on purpose: it runs at `npm install`, before anything else.

import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// RACEWALK_BUILD_DIR: build elsewhere (the build's own test), never over a dist/ in use
const DIST = process.env.RACEWALK_BUILD_DIR ?? join(ROOT, 'dist');
const OUT = join(DIST, 'cli.js');
const CHUNKS = join(DIST, 'chunks');
const STAMP = join(DIST, '.build-hash');

function files(dir) {
	return readdirSync(dir, {withFileTypes: true})
		.flatMap(e => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
		.sort();
}

/** What the bundle is made of; any change rebuilds it. */
function sourceHash() {
	const h = createHash('sha256');
	const inputs = [...files(join(ROOT, 'source')), join(ROOT, 'package-lock.json'), join(ROOT, 'package.json'), fileURLToPath(import.meta.url), join(ROOT, 'scripts', 'build', 'devtools-stub.js'), join(ROOT, 'scripts', 'build', 'code-cache.mjs')];
	for (const f of inputs) {
		if (!existsSync(f)) continue;
		h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
	}
	return h.digest('hex');
}

const ifStale = process.argv.includes('--if-stale');
const hash = sourceHash();
if (ifStale && existsSync(OUT) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) process.exit(0);

let esbuild;
try {
	esbuild = await import('esbuild');
} catch {
	process.stderr.write('racewalk build: esbuild is not installed (run npm install)\n');
	process.exit(1);
}

const t0 = Date.now();
const common = {
	bundle: true,
	platform: 'node',
	target: 'node20',
	// React's production build: the development one is several times slower
	// (and would double the bundle)
	define: {'process.env.NODE_ENV': '"production"'},
	// Ink imports react-devtools-core only under DEV=true; never in racewalk
	alias: {'react-devtools-core': join(ROOT, 'scripts', 'build', 'devtools-stub.js')},
	minifyWhitespace: true,
	minifySyntax: true,
	legalComments: 'none',
	logLevel: 'warning',
	write: false,
};
let result;
let script;
try {
	// explore's script: a function of (require, module, __filename), the way cli.tsx runs it;
	// import.meta is the script's own place (dist/chunks/, as for the chunks it stands for)
	script = await esbuild.build({
		...common,
		entryPoints: [join(ROOT, 'source', 'commands', 'explore-main.ts')],
		outdir: CHUNKS,
		entryNames: 'explore-[hash]',
		outExtension: {'.js': '.cjs'},
		format: 'cjs',
		define: {...common.define, 'import.meta': '__racewalkImportMeta'},
		banner: {js: "(function (require, module, __filename) {const __racewalkImportMeta = {url: require('node:url').pathToFileURL(__filename).href};"},
		footer: {js: '})'},
	});
	result = await esbuild.build({
		...common,
		entryPoints: [join(ROOT, 'source', 'cli.tsx')],
		outdir: DIST,
		// content-hashed names: a chunk of another build never has the name of one of this build's
		chunkNames: 'chunks/[name]-[hash]',
		splitting: true,
		format: 'esm',
		define: {...common.define, RACEWALK_EXPLORE_SCRIPT: JSON.stringify(relative(DIST, script.outputFiles[0].path).split('\\').join('/'))},
		// bundled CommonJS code (yoga, signal-exit...) calls require
		banner: {js: "import {createRequire as __racewalkRequire} from 'node:module'; const require = __racewalkRequire(import.meta.url);"},
	});
} catch {
	// esbuild has printed the errors
	process.exit(1);
}
mkdirSync(CHUNKS, {recursive: true});
// the per-module tree of an older (tsc) build is not part of the package any more
for (const e of readdirSync(DIST)) if (e !== 'cli.js' && e !== 'chunks' && !e.endsWith('.tmp')) rmSync(join(DIST, e), {recursive: true, force: true});
// Renamed into place, the chunks first and the entry last: a racewalk (or a test)
// starting meanwhile reads the old build or the new one, whole.
const written = new Set();
let entry = null;
for (const f of result.outputFiles) {
	if (f.path === OUT) {
		entry = f;
		continue;
	}
	const tmp = `${f.path}.${process.pid}.tmp`;
	writeFileSync(tmp, f.contents);
	renameSync(tmp, f.path);
	written.add(f.path);
}
// explore's script, then its code cache: made by running it (the cache holds what a run compiles)
const exploreScript = script.outputFiles[0].path;
{
	const tmp = `${exploreScript}.${process.pid}.tmp`;
	writeFileSync(tmp, script.outputFiles[0].contents);
	renameSync(tmp, exploreScript);
	written.add(exploreScript);
	const cacheTool = join(ROOT, 'scripts', 'build', 'code-cache.mjs');
	const made = spawnSync(process.execPath, [cacheTool, 'write', exploreScript], {encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']});
	const taken = made.status === 0 && spawnSync(process.execPath, [cacheTool, 'check', exploreScript], {encoding: 'utf8'}).stdout === 'accepted';
	if (taken) written.add(`${exploreScript}.cache`);
	else {
		// explore runs all the same, compiling its script as it goes
		rmSync(`${exploreScript}.cache`, {force: true});
		process.stderr.write(`racewalk build: no code cache for explore (${made.status === 0 ? 'V8 does not take it back' : made.stderr.trim()})\n`);
	}
}
const tmp = `${OUT}.${process.pid}.tmp`;
writeFileSync(tmp, entry.contents, {mode: 0o755});
chmodSync(tmp, 0o755);
renameSync(tmp, OUT);
// Chunks of older builds: a racewalk started before this build still loads its
// chunks on use (explore --record), so they stay an hour.
const HOUR = 3_600_000;
for (const e of readdirSync(CHUNKS)) {
	const f = join(CHUNKS, e);
	if (!written.has(f) && !e.endsWith('.tmp') && Date.now() - statSync(f).mtimeMs > HOUR) rmSync(f, {force: true});
}
writeFileSync(STAMP, hash);
if (!process.argv.includes('--silent')) process.stderr.write(`racewalk build: ${relative(ROOT, OUT)} in ${Date.now() - t0} ms\n`);
