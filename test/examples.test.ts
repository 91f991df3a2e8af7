// Every example in a command's --help is a command a newcomer will copy: each
// must run without a usage error, and the race examples must show the race.

import {spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const CLI = resolve('dist/cli.js');
const sh = (args: string[], cwd = process.cwd()) => spawnSync(process.execPath, [CLI, ...args], {cwd, encoding: 'utf8', timeout: 240_000});

/** A fresh folder holding what the examples refer to: a recording and a scenario of the user's. */
function workdir(withRecording: boolean): string {
	const dir = mkdtempSync(join(tmpdir(), 'rw-examples-'));
	if (withRecording) sh(['run', 'fsdax-unbind-2021', '-s', '1 1 1 1 1 1 1 2', '--record', 'race.json'], dir);
	writeFileSync(join(dir, 'my-scenario.race'), 'scenario my-scenario\nexpect safe\nmachine { }\ncpu 0 "a" { x = 1; }\n');
	return dir;
}

/** Split an example line like a shell would (double quotes only). */
const words = (line: string): string[] => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map(m => m[1] ?? m[2]!);

function examples(command: string | null): string[][] {
	const help = sh(command ? [command, '--help'] : ['--help']).stdout;
	const section = help.split(/\n\s*Examples\s*\n/)[1] ?? '';
	return section
		.split('\n')
		.map(l => l.trim())
		.filter(l => l.startsWith('$ racewalk '))
		.map(l => words(l.slice('$ racewalk '.length)));
}


describe.each(['list', 'run', 'replay', 'export', 'explore', 'check', 'new', null])('examples of %s --help', command => {
	const list = examples(command).filter(args => {
		const tui = args.length === 0 || !['list', 'run', 'replay', 'export', 'explore', 'check', 'new'].includes(args[0]!) || args.includes('--tui');
		return !tui;
	});
	it('has examples', () => expect(list.length).toBeGreaterThan(0));
	for (const args of list) {
		it(args.join(' '), () => {
			const r = sh(args, workdir(!args.includes('--record')));
			expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
			expect(r.status, r.stderr).not.toBe(2);
			if (args[0] === 'run' && args[1]!.startsWith('fsdax-unbind-2021')) expect(r.stdout).toContain('verdict: VIOLATION');
		});
	}
});
