import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, ftruncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {loadModel} from '../source/lang/load.js';
import {formatSchedule, parseSchedule} from '../source/lang/schedule.js';
import {writeFileAtomic} from '../source/session/atomic.js';
import {loadRecording, loadRecordingText, parseRecording, RECORDING_FORMAT, recordingOf, RecordingError, saveRecording, serializeRecording} from '../source/session/recording.js';
import {createSession} from '../source/session/session.js';
import {badCorpus, goodSession, goodText} from './helpers/recordings.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'racewalk-rec-'));

describe('recordings: save and load', () => {
	it('round-trips a session: branches, parents, notes, cursor, hashes', () => {
		const s = goodSession();
		const rec = recordingOf(s);
		expect(rec.format).toBe(RECORDING_FORMAT);
		expect(rec.branches.map(b => [b.name, b.parent, b.schedule])).toEqual([
			['main', null, '1 1 1 1 1 1 1 2'],
			['b1', {branch: 'main', step: 3}, '0 0'],
		]);
		expect(rec.notes).toEqual([{branch: 'main', step: 3, text: 'pgmap ref killed'}]);
		expect(rec.cursor).toEqual({branch: 'b1', step: 5});
		expect(rec.params).toEqual({set: {}, variant: null});
		const {session} = loadRecordingText(serializeRecording(rec), 'x.json');
		expect(session.branch.name).toBe('b1');
		expect(session.cursor.depth).toBe(5);
		expect(session.pathOf('main')[3]!.userNote).toBe('pgmap ref killed');
		expect(session.model.hash(session.cursor.state)).toBe(s.model.hash(s.cursor.state));
	});

	it('keeps --set overrides and the variant', () => {
		const model = loadModel('fsdax-unbind-2021', {variant: 'noref', set: {gup_irqs_off: 'false'}});
		const s = createSession(model);
		s.step({cpu: 0, irq: false});
		const rec = recordingOf(s);
		expect(rec.params).toEqual({set: {gup_irqs_off: 'false'}, variant: 'noref'});
		const {model: m2} = loadRecordingText(serializeRecording(rec), 'x.json');
		expect(m2.program.params).toEqual(model.program.params);
	});

	it('writes atomically and never overwrites without force', () => {
		const dir = tmp();
		const file = join(dir, 'r.json');
		saveRecording(goodSession(), file);
		const first = readFileSync(file, 'utf8');
		writeFileSync(join(dir, 'keep.json'), 'precious');
		expect(() => saveRecording(goodSession(), join(dir, 'keep.json'))).toThrow(new RecordingError(join(dir, 'keep.json'), 'already exists; not overwriting it (use --force to replace it)'));
		expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toBe('precious');
		saveRecording(goodSession(), join(dir, 'keep.json'), {force: true});
		expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toMatch(/racewalk-recording\/1/);
		expect(readdirSync(dir).sort()).toEqual(['keep.json', 'r.json']); // no temp files left
		expect(loadRecording(file).session.branches).toHaveLength(2);
		expect(first.endsWith('\n')).toBe(true);
		expect(() => writeFileAtomic(join(dir, 'no/such/dir/x.json'), 'x')).toThrow(/no such directory/);
	});

	it('a missing file or a directory is a RecordingError', () => {
		const dir = tmp();
		expect(() => loadRecording(join(dir, 'nope.json'))).toThrow(`${join(dir, 'nope.json')}: no such file`);
		expect(() => loadRecording(dir)).toThrow(`${dir}: is a directory, not a recording`);
	});

	it('refuses a file over 64 MiB before reading it', () => {
		const dir = tmp();
		const file = join(dir, 'huge.json');
		const fd = openSync(file, 'w');
		ftruncateSync(fd, 65 * 1024 * 1024);
		closeSync(fd);
		expect(statSync(file).size).toBe(65 * 1024 * 1024);
		expect(() => loadRecording(file)).toThrow(`${file}: file too large for a recording (65.0 MiB; the limit is 64 MiB)`);
	});
});

describe('recordings: the corpus of bad files', () => {
	const corpus = badCorpus();
	it('has at least 20 cases', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(20);
	});
	for (const c of corpus) {
		it(`rejects: ${c.name}`, () => {
			let err: unknown;
			try {
				loadRecordingText(c.content, 'bad.json');
			} catch (e) {
				err = e;
			}
			expect(err).toBeInstanceOf(RecordingError);
			const msg = (err as RecordingError).message;
			expect(msg).toBe(c.message('bad.json'));
			expect(msg).not.toContain('\n');
		});
	}
});

// ---------------------------------------------------------------- properties

const model = loadModel('fsdax-unbind-2021');

type Op =
	| {op: 'step'; k: number}
	| {op: 'rewind'; n: number}
	| {op: 'redo'; n: number}
	| {op: 'goto'; n: number}
	| {op: 'switch'; k: number}
	| {op: 'cycle'; d: 1 | -1}
	| {op: 'rename'; k: number; name: string}
	| {op: 'note'; text: string}
	| {op: 'swap'}
	| {op: 'run'; cpu: number}
	| {op: 'add'; len: number; seed: number};

const opArb: fc.Arbitrary<Op> = fc.oneof(
	{weight: 8, arbitrary: fc.record({op: fc.constant('step' as const), k: fc.nat(5)})},
	{weight: 2, arbitrary: fc.record({op: fc.constant('rewind' as const), n: fc.integer({min: 1, max: 6})})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('redo' as const), n: fc.integer({min: 1, max: 6})})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('goto' as const), n: fc.nat(30)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('switch' as const), k: fc.nat(10)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('cycle' as const), d: fc.constantFrom(1 as const, -1 as const)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('rename' as const), k: fc.nat(10), name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('note' as const), text: fc.string({maxLength: 20})})},
	{weight: 2, arbitrary: fc.record({op: fc.constant('swap' as const)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('run' as const), cpu: fc.nat(2)})},
	{weight: 1, arbitrary: fc.record({op: fc.constant('add' as const), len: fc.nat(8), seed: fc.nat()})},
);

function apply(s: ReturnType<typeof createSession>, o: Op): void {
	switch (o.op) {
		case 'step': {
			const en = model.enabled(s.cursor.state);
			if (en.length) s.step(en[o.k % en.length]!);
			break;
		}
		case 'rewind':
			s.rewind(o.n);
			break;
		case 'redo':
			s.redo(o.n);
			break;
		case 'goto':
			s.goto(o.n % (s.point(s.branch.head).depth + 1));
			break;
		case 'switch':
			s.switchBranch(s.branches[o.k % s.branches.length]!.name);
			break;
		case 'cycle':
			s.cycleBranch(o.d);
			break;
		case 'rename': {
			const b = s.branches[o.k % s.branches.length]!;
			if (!s.findBranch(o.name)) s.renameBranch(b.name, o.name);
			break;
		}
		case 'note':
			s.setNote(o.text);
			break;
		case 'swap':
			s.swapWithPrevious();
			break;
		case 'run':
			s.runCpu(o.cpu, 4);
			break;
		case 'add': {
			let m = s.cursor.state;
			const sched = [];
			let x = o.seed;
			for (let i = 0; i < o.len; i++) {
				const en = model.enabled(m);
				if (!en.length) break;
				x = (x * 1103515245 + 12345) % 2147483648;
				const t = en[x % en.length]!;
				sched.push(t);
				m = model.step(m, t).state;
			}
			s.addSchedule(sched, {from: s.cursor.id});
			break;
		}
	}
}

/** Everything a recording must preserve, read through the public API only. */
function shape(s: ReturnType<typeof createSession>) {
	return {
		branches: s.branches.map(b => {
			const path = s.pathOf(b.name);
			return {
				name: b.name,
				fork: b.forkedFrom === null ? null : s.point(b.forkedFrom).depth,
				schedule: formatSchedule(s.scheduleTo(b.head)),
				hashes: path.map(p => model.hash(p.state)),
				notes: path.filter(p => p.userNote !== undefined).map(p => [p.depth, p.userNote]),
				violations: path.map(p => p.violations.length),
			};
		}),
		cursor: {branch: s.branch.name, step: s.cursor.depth, hash: model.hash(s.cursor.state)},
		points: s.allPoints.length,
	};
}

describe('recordings: properties', () => {
	it('any sequence of session operations survives save + load unchanged', () => {
		fc.assert(
			fc.property(fc.array(opArb, {maxLength: 40}), ops => {
				const s = createSession(model);
				for (const o of ops) apply(s, o);
				const text = serializeRecording(recordingOf(s));
				const loaded = loadRecordingText(text, 'prop.json').session;
				expect(shape(loaded)).toEqual(shape(s));
				// saving the loaded session again gives the same recording
				const again = {...recordingOf(loaded), created: 'x'};
				expect(again).toEqual({...recordingOf(s), created: 'x'});
				// replaying each recorded branch from scratch reproduces its states
				for (const b of recordingOf(s).branches) {
					const path = loaded.pathOf(b.name);
					let m = model.initial;
					for (const t of loaded.scheduleTo(path[path.length - 1]!.id)) m = model.step(m, t).state;
					expect(model.hash(m)).toBe(b.hash);
				}
			}),
			{numRuns: 60},
		);
	});

	it('the loader throws nothing but RecordingError on arbitrary input', () => {
		const check = (input: string | Uint8Array) => {
			try {
				loadRecordingText(input, 'fuzz.json');
			} catch (err) {
				if (!(err instanceof RecordingError)) throw err;
				expect(err.message.startsWith('fuzz.json: ')).toBe(true);
				expect(err.message).not.toContain('\n');
			}
		};
		fc.assert(fc.property(fc.string(), check), {numRuns: 300});
		fc.assert(fc.property(fc.uint8Array({maxLength: 200}), check), {numRuns: 300});
		fc.assert(fc.property(fc.json(), check), {numRuns: 300});
	});

	it('mutating any value of a good recording gives a RecordingError or a valid load', () => {
		const base = JSON.parse(goodText());
		const paths: (string | number)[][] = [];
		const walk = (v: unknown, p: (string | number)[]) => {
			paths.push(p);
			if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, Array.isArray(v) ? Number(k) : k]);
		};
		walk(base, []);
		fc.assert(
			fc.property(fc.nat(paths.length - 1), fc.jsonValue(), fc.boolean(), (i, value, del) => {
				const r = JSON.parse(JSON.stringify(base));
				const p = paths[i]!;
				if (p.length === 0) return;
				let o = r;
				for (const k of p.slice(0, -1)) o = o[k];
				if (del) delete o[p[p.length - 1]!];
				else o[p[p.length - 1]!] = value;
				try {
					const {session} = loadRecordingText(JSON.stringify(r), 'm.json');
					expect(session.branches.length).toBeGreaterThan(0);
				} catch (err) {
					if (!(err instanceof RecordingError)) throw err;
					expect(err.message).not.toContain('\n');
				}
			}),
			{numRuns: 300},
		);
	});

	it('parseRecording accepts what serializeRecording writes', () => {
		const text = goodText();
		expect(parseRecording(text, 'a.json').branches).toHaveLength(2);
		expect(parseRecording(new TextEncoder().encode('\ufeff' + text), 'a.json').branches).toHaveLength(2);
		expect(existsSync('/nonexistent')).toBe(false);
		expect(parseSchedule('1 2')).toHaveLength(2);
	});
});
