// An independent cross-check of the search. test/xcheck/checker.py is an
// explicit-state model checker (Python, standard library only) written from
// docs/scenario-language.md, docs/grammar.md and docs/model.md alone, never
// from source/: each scenario in test/xcheck/ is hand-translated there into
// statements, and a plain breadth-first search over (pcs, locals, shared
// memory, lock owners, lock waiters) gives every reachable violation kind with
// its shortest length in statements, and the weakly fair non-progress
// components (livelocks). EXPECTED and LIVELOCK below are what checker.py
// computed; racewalk's search must find the same, with every reduction and
// without, breadth- and depth-first, and on two worker threads. Where python3
// is installed the test also runs checker.py, to show that the table is still
// what it computes, and replays racewalk's own schedules in the independent
// model, which must report each kind at the schedule's last step.

import {spawnSync} from 'node:child_process';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import type {ExploreOptions} from '../source/explore/types.js';
import type {Model} from '../source/lang/interpreter.js';
import {loadModel} from '../source/lang/load.js';
import {formatSchedule} from '../source/lang/schedule.js';
import type {Machine, Transition} from '../source/machine/types.js';

const DIR = resolve('test/xcheck');
const file = (name: string) => join(DIR, `${name}.race`);

/** checker.py's safety results: kind -> shortest schedule, in statements. */
const EXPECTED: Record<string, Record<string, number>> = {
	'aa-self': {deadlock: 3, 'hung-task': 5}, // a cycle of one; then blocked alone once CPU1 is done
	'abba3': {deadlock: 4}, // the cycle closes while CPU2 can still move
	'abc-mutex': {deadlock: 6},
	'atomic-guard': {warn: 15}, // for (;;) has no test step, continue and break none
	'await-lock-mix': {deadlock: 5, 'hung-task': 6}, // no cycle: an await and a lock waiter, nobody can move
	'cas-lock': {},
	'dekker-naive': {deadlock: 2}, // two awaits, nobody can move
	'early-return': {'bad-unlock': 2, 'lock-held': 4},
	'forgotten-flag': {assert: 6},
	'lost-update': {invariant: 6},
	'lost-wakeup': {'hung-task': 4},
	'mp-await': {},
	'mp-broken': {assert: 5},
	'mutex-trylock': {},
	'peterson': {},
	'peterson-broken': {invariant: 8},
	'polite': {},
	'refcount-plain-get': {assert: 5, bug: 7, warn: 3}, // the CPU goes on after a failed assert
	'seqcount': {},
	'seqcount-broken': {assert: 7},
	'slots': {invariant: 15},
	'tas-broken': {invariant: 6},
	'ticket-lock': {},
	'ticket-racy': {'hung-task': 8, invariant: 8},
};

/**
 * checker.py's livelocks: the CPUs moving in the fair component, and the BFS
 * distance (statements) of its nearest state. racewalk's lasso prefix is the
 * shortest to a state of the loop it reports, a loop of its merged graph
 * (docs/search.md): at least that distance, not always equal (polite: 5 > 4,
 * the nearest state sits between two merged local statements).
 */
const LIVELOCK: Record<string, {moving: number[]; nearest: number}> = {
	'forgotten-flag': {moving: [0], nearest: 3},
	'polite': {moving: [0, 1], nearest: 4},
};

const NAMES = Object.keys(EXPECTED);

const CONFIGS: Record<string, ExploreOptions> = {
	default: {},
	plain: {reduce: false, merge: false, symmetry: false},
	dfs: {strategy: 'dfs'},
};

function safety(kinds: Iterable<{kind: string; length: number}>): Record<string, number> {
	const out: Record<string, number> = {};
	for (const k of kinds) if (k.kind !== 'livelock') out[k.kind] = k.length;
	return out;
}

function replay(model: Model, schedule: readonly Transition[], from?: Machine): {last: string[]; final: Machine} {
	let m = from ?? model.initial;
	let last: string[] = [];
	for (const t of schedule) {
		const r = model.step(m, t);
		last = r.violations.map(v => v.kind);
		m = r.state;
	}
	return {last, final: m};
}

/** racewalk's default search of each scenario, shared with the python part. */
const searched = new Map<string, ReturnType<typeof explore>>();

describe('racewalk finds what the independent checker found', () => {
	for (const name of NAMES) {
		for (const [config, opts] of Object.entries(CONFIGS)) {
			it(`${name} (${config})`, () => {
				const model = loadModel(file(name));
				const r = explore(model, {...opts, liveness: true, minimise: true});
				if (config === 'default') searched.set(name, r);
				expect(r.complete).toBe(true);
				expect(r.livenessComplete).toBe(true);
				const found = [...r.kinds.values()].map(f => ({kind: f.kind, length: f.schedule.length}));
				expect(safety(found)).toEqual(EXPECTED[name]);
				for (const f of r.kinds.values()) {
					if (f.kind === 'livelock') continue;
					expect(replay(model, f.schedule).last, `${f.kind}: ${formatSchedule(f.schedule)}`).toContain(f.kind);
				}
				const ll = LIVELOCK[name];
				expect(r.livelocks.length > 0).toBe(Boolean(ll));
				for (const l of r.livelocks) {
					expect([...l.moving].sort()).toEqual(ll!.moving);
					expect(l.prefix.length).toBeGreaterThanOrEqual(ll!.nearest);
					const start = replay(model, l.prefix).final;
					expect(model.hash(replay(model, l.loop, start).final)).toBe(model.hash(start)); // the loop closes
				}
			});
		}
	}
});

describe('explore --jobs 2 finds the same kinds and lengths', () => {
	it('on every cross-check scenario', () => {
		for (const name of NAMES) {
			const r = spawnSync(process.execPath, ['dist/cli.js', 'explore', file(name), '--jobs', '2', '--json'], {encoding: 'utf8', timeout: 60_000});
			const out = JSON.parse(r.stdout) as {complete: boolean; kinds: {kind: string; length: number; schedule: string}[]; livelocks: unknown[]};
			expect(out.complete, name).toBe(true);
			expect(safety(out.kinds), name).toEqual(EXPECTED[name]);
			for (const k of out.kinds) expect(k.schedule.split(' ').length, name).toBe(k.length);
			expect(out.livelocks.length > 0, name).toBe(Boolean(LIVELOCK[name]));
		}
	}, 120_000);
});

const python = spawnSync('python3', ['--version'], {encoding: 'utf8'}).status === 0;

describe.skipIf(!python)('the independent checker (python3 test/xcheck/checker.py)', () => {
	type Step = {cpu: number; kinds?: string[]; dist?: number; id?: number; component?: number | null; error?: string};
	const checker = (args: string[], input?: string) => {
		const r = spawnSync('python3', [join(DIR, 'checker.py'), ...args], {encoding: 'utf8', input, timeout: 60_000});
		expect(r.status, r.stderr).toBe(0);
		return JSON.parse(r.stdout) as unknown;
	};

	it('still computes the table above', () => {
		const got = checker([]) as Record<string, Record<string, number | {moving: number[]; prefix: number}[]>>;
		expect(Object.keys(got).sort()).toEqual([...NAMES].sort());
		for (const name of NAMES) {
			const {livelock, ...kinds} = got[name]!;
			expect(kinds, name).toEqual(EXPECTED[name]);
			const ll = livelock as {moving: number[]; prefix: number}[] | undefined;
			expect(ll?.map(l => ({moving: l.moving, nearest: l.prefix})), name).toEqual(LIVELOCK[name] ? [LIVELOCK[name]] : undefined);
		}
	});

	it("replays racewalk's schedules to the same kinds in the independent model", () => {
		const want: Record<string, string[]> = {};
		const what: Record<string, {kind: string; prefix?: number}[]> = {};
		for (const name of NAMES) {
			const r = searched.get(name) ?? explore(loadModel(file(name)), {liveness: true, minimise: true});
			want[name] = [];
			what[name] = [];
			for (const f of r.kinds.values()) {
				if (f.kind === 'livelock') continue;
				want[name].push(formatSchedule(f.schedule));
				what[name].push({kind: f.kind});
			}
			for (const l of r.livelocks) {
				want[name].push(formatSchedule([...l.prefix, ...l.loop]));
				what[name].push({kind: 'livelock', prefix: l.prefix.length});
			}
		}
		const traces = checker(['--replay-stdin'], JSON.stringify(want)) as Record<string, Step[][]>;
		for (const name of NAMES) {
			what[name]!.forEach((w, i) => {
				const trace = traces[name]![i]!;
				expect(trace.every(s => !s.error), `${name} ${want[name]![i]}`).toBe(true);
				if (w.kind !== 'livelock') {
					expect(trace.at(-1)!.kinds, `${name} ${w.kind}`).toContain(w.kind);
					return;
				}
				// The lasso: the prefix ends in a fair non-progress component, the loop stays in it
				// without a violation and comes back to the same state.
				const start = trace[w.prefix! - 1]!;
				expect(start.component, name).not.toBeNull();
				const loop = trace.slice(w.prefix!);
				expect(loop.every(s => s.component === start.component && s.kinds!.length === 0), name).toBe(true);
				expect(loop.at(-1)!.id, name).toBe(start.id);
			});
		}
	});
});
