// `racewalk new` and finding the worked examples by name: what a kernel
// developer does first to write a race of their own.

import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {scenarioNameFor} from '../source/commands/new.js';

const CLI = resolve('dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'rw-new-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, [CLI, ...args], {cwd: dir, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 120_000});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

describe('racewalk new', () => {
	it('without --from writes a small scenario whose every expectation search proves', () => {
		const r = cli('new', 'counter-race.race');
		expect(r.code, r.err).toBe(0);
		expect(r.out).toContain('wrote counter-race.race: scenario counter-race');
		expect(readFileSync(join(dir, 'counter-race.race'), 'utf8')).toMatch(/^scenario counter-race$/m);
		const c = cli('check', 'counter-race.race');
		expect(c.code, c.out + c.err).toBe(0);
		expect(c.out).toMatch(/counter-race\s+bug\s+violation invariant\s+reachable/);
	});
	it('--from copies a built-in or a worked example, renamed after the file and otherwise unchanged', () => {
		for (const [from, source] of [['pt-free-walker', 'scenarios/examples/pt-free-walker.race'], ['devdax-unbind', 'scenarios/devdax-unbind.race']] as const) {
			const file = `mine-${from}.race`;
			const r = cli('new', file, '--from', from);
			expect(r.code, r.err).toBe(0);
			const copy = readFileSync(join(dir, file), 'utf8');
			const original = readFileSync(source, 'utf8');
			expect(copy).toMatch(new RegExp(`^scenario mine-${from}$`, 'm'));
			expect(copy.replace(/^scenario \S+$/m, '')).toBe(original.replace(/^scenario \S+$/m, ''));
			expect(cli('explore', file, '--max-states', '50').err).toBe('');
		}
	});
	it('never replaces a file without --force; a bad --from or file name is one line, exit 2, nothing written', () => {
		writeFileSync(join(dir, 'keep.race'), 'mine\n');
		const r = cli('new', 'keep.race');
		expect([r.code, r.err]).toEqual([2, 'racewalk: keep.race: already exists; not overwriting it (use --force to replace it)\n']);
		expect(readFileSync(join(dir, 'keep.race'), 'utf8')).toBe('mine\n');
		expect(cli('new', 'keep.race', '--force').code).toBe(0);
		expect(readFileSync(join(dir, 'keep.race'), 'utf8')).toMatch(/^scenario keep$/m);
		const bad = cli('new', 'x.race', '--from', 'pt-free-walkr');
		expect([bad.code, bad.err]).toEqual([2, "racewalk: pt-free-walkr: no such built-in scenario, worked example or file (did you mean 'pt-free-walker'?) ('racewalk list' shows them all)\n"]);
		expect(existsSync(join(dir, 'x.race'))).toBe(false);
		expect(cli('new', 'x').err).toBe('racewalk: new: x: a scenario file ends in .race (racewalk new x.race)\n');
		// a --from file that does not compile is named with its own place: the copy was never written
		writeFileSync(join(dir, 'broken.race'), 'scenario broken\nmachine { mm_cpumask(0); }\ncpu 0 "a" {\n\tput_pgae(1);\n}\n');
		const copy = cli('new', 'y.race', '--from', 'broken.race');
		expect([copy.code, copy.err.split('\n')[0]]).toEqual([2, "racewalk: broken.race:4:2: unknown primitive 'put_pgae' (did you mean 'put_page'?)"]);
		expect(existsSync(join(dir, 'y.race'))).toBe(false);
	});
	it('names a scenario from its file name', () => {
		expect(['my race.race', '../a/b/x_y.race', '--.race', 'CVE-2018-18281.race'].map(scenarioNameFor)).toEqual(['my-race', 'x_y', 'my-race', 'CVE-2018-18281']);
	});
	it('a file named for a keyword or a malformed number still gets a name that parses (new cpu.race failed on its own text)', () => {
		expect(['cpu.race', 'expect.race', '1abc.race', '2021.race'].map(scenarioNameFor)).toEqual(['cpu-race', 'expect-race', 'my-race', '2021']);
		for (const name of ['cpu.race', '1abc.race']) {
			const r = cli('new', name);
			expect(r.err).toBe('');
			expect(r.code).toBe(0);
			expect(cli('check', name).err).not.toMatch(/:\d+:\d+:/);
		}
	});
});

describe('worked examples by name', () => {
	it('racewalk list shows them below the built-ins, and every command opens one by its short name', () => {
		const l = cli('list');
		const examples = l.out.slice(l.out.indexOf('Worked examples'));
		for (const name of ['irq-lock', 'kref-lookup', 'lost-wakeup', 'pt-free-walker']) expect(examples).toMatch(new RegExp(`^${name} `, 'm'));
		const e = cli('explore', 'lost-wakeup', '--variant', 'test-first');
		expect(e.code).toBe(3);
		expect(e.out).toContain('hung-task');
	});
});
