// V8's code cache of explore's own script (dist/chunks/explore.cjs), for
// scripts/build.mjs. `node code-cache.mjs write SCRIPT` runs explore of two
// built-ins from the script, so that the cache holds the functions a search
// and its report compile (not only the top level), and writes SCRIPT.cache;
// `node code-cache.mjs check SCRIPT` says whether V8 takes that cache in a
// fresh process, compiled as cli.tsx compiles it. Plain JavaScript: it runs
// at `npm install`, before anything else.
//
// V8 takes a cache only from the same V8 with the same flags: the explore
// command changes two flags as it runs (commands/young.ts, commands/tiering.ts),
// so they are given back V8's defaults before the cache is made (the check
// says if that was not so).

import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {setFlagsFromString} from 'node:v8';
import {Script} from 'node:vm';

const [mode, filename] = process.argv.slice(2);
const source = readFileSync(filename, 'utf8');

if (mode === 'check') {
	const script = new Script(source, {filename, cachedData: readFileSync(`${filename}.cache`)});
	process.stdout.write(script.cachedDataRejected ? 'rejected' : 'accepted');
} else if (mode === 'write') {
	const script = new Script(source, {filename});
	const module = {exports: {}};
	script.runInThisContext()(createRequire(filename), module, filename);
	// the reports go nowhere: only the code they run matters
	process.stdout.write = () => true;
	for (const argv of [['xfs-pre-remove'], ['fsdax-unbind-2021', '--variant', 'noref']]) await module.exports.run(argv);
	setFlagsFromString('--semi-space-growth-factor=2');
	setFlagsFromString('--interrupt-budget=67584');
	const tmp = `${filename}.cache.${process.pid}.tmp`;
	writeFileSync(tmp, script.createCachedData());
	renameSync(tmp, `${filename}.cache`);
} else {
	process.stderr.write('usage: node code-cache.mjs write|check SCRIPT\n');
	process.exit(2);
}
