// Recordings through the built binary: run --record, replay, export; every bad
// file of the corpus is exit 2 with one line on stderr and no stack trace; an
// existing file is never clobbered without --force.

import {spawnSync} from 'node:child_process';
import {closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {badCorpus} from './helpers/recordings.js';

const CLI = resolve('dist/cli.js');
const run = (cwd: string, ...args: string[]) => {
	const r = spawnSync(process.execPath, [CLI, ...args], {cwd, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}});
	return {code: r.status, out: r.stdout, err: r.stderr};
};
const tmp = () => mkdtempSync(join(tmpdir(), 'racewalk-cli-'));

describe('run --record, replay, export', () => {
	it('records a run and replays it with the same trace, verdict and hash', () => {
		const dir = tmp();
		const r = run(dir, 'run', 'fsdax-unbind-2021', '-s', '1 1 1 1 1 1 1 2', '--record', 'race.json');
		expect(r.code).toBe(1);
		expect(r.err).toBe('');
		expect(r.out).toContain('recording saved: race.json');
		const rec = JSON.parse(readFileSync(join(dir, 'race.json'), 'utf8'));
		expect(rec.format).toBe('racewalk-recording/1');
		expect(rec.branches).toEqual([{name: 'main', parent: null, schedule: '1 1 1 1 1 1 1 2', hash: expect.stringMatching(/^[0-9a-f]{16}$/)}]);
		expect(rec.cursor).toEqual({branch: 'main', step: 8});
		const hash = /final state hash: ([0-9a-f]{16})/.exec(r.out)![1];
		expect(rec.branches[0].hash).toBe(hash);
		const p = run(dir, 'replay', 'race.json');
		expect(p.code).toBe(1);
		expect(p.err).toBe('');
		expect(p.out).toContain('branch main: 1 1 1 1 1 1 1 2');
		expect(p.out).toMatch(/verdict: VIOLATION stale-access \(S2\) at step 8, CPU2/);
		expect(p.out).toContain(`state hash: ${hash} (recording verified: 1 branch replayed)`);
		const trace = (text: string) => text.slice(text.indexOf('   1  CPU1'), text.indexOf('\n\nverdict'));
		expect(trace(p.out)).toBe(trace(r.out));
		const j = run(dir, 'replay', 'race.json', '--json', '--step', '3');
		expect(j.code).toBe(0);
		expect(JSON.parse(j.out)).toMatchObject({branch: 'main', schedule: '1 1 1', verdict: 'ok', branches: [{name: 'main', steps: 8}]});
	});

	it('records --set and --variant and reproduces them', () => {
		const dir = tmp();
		const r = run(dir, 'run', 'fsdax-unbind-2021', '--variant', 'noref', '--set', 'gup_irqs_off=false', '-s', '1 0', '--record', 'v.json');
		expect(r.code).toBe(0);
		const rec = JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8'));
		expect(rec.params).toEqual({set: {gup_irqs_off: 'false'}, variant: 'noref'});
		const md = run(dir, 'export', 'v.json', '--format', 'markdown');
		expect(md.code).toBe(0);
		expect(md.out).toContain('racewalk run fsdax-unbind-2021 --variant noref --set gup_irqs_off=false --schedule "1 0"');
	});

	it('exports diagram, markdown and json', () => {
		const dir = tmp();
		run(dir, 'run', 'fsdax-unbind-2021', '-s', '1 1 1 1 1 1 1 2', '--record', 'race.json');
		const d = run(dir, 'export', 'race.json', '--format', 'diagram');
		expect(d.code).toBe(0);
		expect(d.out).toBe(readFileSync(new URL('golden/fsdax-unbind-2021.stale-access.diagram.txt', import.meta.url), 'utf8'));
		const m = run(dir, 'export', 'race.json', '--format', 'markdown', '--out', 'race.md');
		expect(m.code).toBe(0);
		expect(m.out).toBe('wrote race.md\n');
		const md = readFileSync(join(dir, 'race.md'), 'utf8');
		expect(md).toMatch(/^# stale-access: fs-dax/);
		expect(md).toContain('racewalk run fsdax-unbind-2021 --schedule "1 1 1 1 1 1 1 2"\nracewalk replay race.json\n');
		const j = run(dir, 'export', 'race.json', '--format', 'json');
		expect(JSON.parse(j.out)).toMatchObject({scenario: 'fsdax-unbind-2021', branch: 'main', verdict: 'violation'});
		expect(run(dir, 'export', 'race.json').err).toBe('racewalk: export: --format is required (diagram, markdown, json)\n');
		expect(run(dir, 'export', 'race.json', '--format', 'pdf').err).toBe("racewalk: export: unknown format 'pdf' (formats: diagram, markdown, json)\n");
		expect(run(dir, 'export', 'race.json', '--format', 'json', '--branch', 'x').err).toBe("racewalk: race.json: no branch 'x' (branches: main)\n");
	});

	it('never clobbers an existing file without --force', () => {
		const dir = tmp();
		writeFileSync(join(dir, 'keep.json'), 'precious\n');
		const r = run(dir, 'run', 'fsdax-unbind-2021', '-s', '1 1', '--record', 'keep.json');
		expect(r.code).toBe(2);
		expect(r.err).toBe('racewalk: keep.json: already exists; not overwriting it (use --force to replace it)\n');
		expect(r.out).toBe('');
		expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toBe('precious\n');
		run(dir, 'run', 'fsdax-unbind-2021', '-s', '1 1', '--record', 'ok.json');
		writeFileSync(join(dir, 'keep.md'), 'precious\n');
		const e = run(dir, 'export', 'ok.json', '--format', 'markdown', '--out', 'keep.md');
		expect(e.code).toBe(2);
		expect(e.err).toBe('racewalk: keep.md: already exists; not overwriting it (use --force to replace it)\n');
		expect(readFileSync(join(dir, 'keep.md'), 'utf8')).toBe('precious\n');
		expect(run(dir, 'export', 'ok.json', '--format', 'markdown', '--out', 'keep.md', '--force').code).toBe(0);
		expect(readFileSync(join(dir, 'keep.md'), 'utf8')).toMatch(/^# /);
		expect(run(dir, 'run', 'fsdax-unbind-2021', '-s', '1 1', '--record', 'keep.json', '--force').code).toBe(0);
		expect(JSON.parse(readFileSync(join(dir, 'keep.json'), 'utf8')).format).toBe('racewalk-recording/1');
		expect(readdirSync(dir).sort()).toEqual(['keep.json', 'keep.md', 'ok.json']);
	});
});

describe('replay of bad recordings through the CLI', () => {
	const dir = tmp();
	for (const c of badCorpus()) {
		it(`exit 2, one line: ${c.name}`, () => {
			const file = join(dir, c.name.replace(/[^a-z0-9]+/gi, '-') + '.json');
			writeFileSync(file, c.content);
			const r = run(dir, 'replay', file);
			expect(r.code).toBe(2);
			expect(r.out).toBe('');
			expect(r.err).toBe(`racewalk: ${c.message(file)}\n`);
			expect(r.err).not.toMatch(/\n\s+at /);
		});
	}
	it('a 65 MiB file is refused by its size', () => {
		const file = join(dir, 'huge.json');
		const fd = openSync(file, 'w');
		ftruncateSync(fd, 65 * 1024 * 1024);
		closeSync(fd);
		const r = run(dir, 'replay', file);
		expect(r.code).toBe(2);
		expect(r.err).toBe(`racewalk: ${file}: file too large for a recording (65.0 MiB; the limit is 64 MiB)\n`);
	});
	it('a missing file', () => {
		const r = run(dir, 'replay', 'nope.json');
		expect(r.code).toBe(2);
		expect(r.err).toBe('racewalk: nope.json: no such file\n');
	});
});
