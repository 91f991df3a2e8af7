// An independent cross-check of the search (test/xcheck/README.md). test/xcheck/checker.py is an
// explicit-state model checker (Python, standard library only) written from
// docs/scenario-language.md, docs/grammar.md, docs/model.md, docs/search.md
// and docs/primitives.md alone, never from source/: each scenario in
// test/xcheck/ (and each of its variants) is hand-translated there into
// statements, and a plain breadth-first search over (per CPU: the process
// context and an interrupt handler's, each with its pc, helper frames and lock
// wait; IRQ flag, preempt count; shared memory, lock owners and rwsem readers,
// pending interrupts; for the mm-* races also RAM pages, page tables, TLBs,
// flush IPIs, gup-fast's window, mmu_gathers and RCU) gives every reachable violation kind with its shortest
// length in statements, and the weakly fair non-progress components
// (livelocks). EXPECTED and LIVELOCK below are what checker.py computed;
// racewalk's search must find the same, with every reduction and without,
// each reduction off alone, breadth- and depth-first, and on two worker
// threads. Where python3 is installed the test also runs checker.py, to show
// that the tables are still what it computes, and replays racewalk's own
// schedules in the independent model, which must report each kind at the
// schedule's last step.

import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {explore} from '../source/explore/index.js';
import type {ExploreOptions} from '../source/explore/types.js';
import type {Model} from '../source/lang/interpreter.js';
import {loadModel} from '../source/lang/load.js';
import {formatSchedule} from '../source/lang/schedule.js';
import type {Machine, Transition} from '../source/machine/types.js';

const DIR = resolve('test/xcheck');
/** The races of test/xcheck, then the built-in scenarios and worked examples checker.py translates. */
const file = (name: string) =>
	[DIR, resolve('scenarios'), resolve('scenarios/examples')].map(d => join(d, `${name}.race`)).find(f => existsSync(f)) ?? join(DIR, `${name}.race`);

/**
 * checker.py's safety results: kind -> shortest schedule, in statements. A
 * key NAME:VARIANT is test/xcheck/NAME.race with --variant VARIANT.
 */
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
	// interrupts: `iN` enters the handler (one step), its closing brace is a step back
	'irq-lock': {deadlock: 4}, // the cycle of one closes with CPU1 done: deadlock, not hung-task
	'irq-lock:irqsave': {},
	'irq-counter': {invariant: 8},
	'irq-counter:irqoff': {},
	'abba-irq': {deadlock: 6}, // the cycle runs through CPU0's handler
	'irq-spin': {}, // the spinner takes the interrupt while it spins with IRQs on
	'irq-spin:irq-off': {deadlock: 3}, // no cycle: an await and a spinner that cannot take the IRQ
	'irq-await': {}, // a CPU at a false await takes its interrupt
	'irq-await:irqs-off': {'hung-task': 2},
	'irq-fair': {}, // nested raise from the handler; a finished CPU with a pending IRQ is enabled
	'irq-fair:irqs-off': {},
	'irq-twice': {'hung-task': 5}, // one pending interrupt per line: the second raise merges, the handler may run once
	'sym-irq': {deadlock: 4}, // an irq on a copy: the copies are not interchangeable
	'bug-irq': {bug: 1}, // a CPU stopped by BUG_ON still takes its interrupt
	// rwsems: held by readers, a reader queues behind a waiting writer; a free one it steals
	'rwsem-recursive': {deadlock: 3},
	'rwsem-excl': {},
	'rwsem-excl:broken': {invariant: 4},
	'rwsem-groups': {}, // two symmetry groups: readers 0 and 2, writers 1 and 3
	'rwsem-groups:ignore-trylock': {assert: 5, 'bad-unlock': 6},
	'rw-starve': {}, // 4 CPUs: the writer's starvation is a livelock only
	'rw-starve:rwsem': {},
	// locks on 3 and 4 CPUs
	'ring4': {deadlock: 16},
	'ring4:ordered': {},
	'ring3-backoff': {},
	'chain3-backoff': {},
	'double-lock': {}, // helpers with parameters, locks indexed by them
	'double-lock:unordered': {deadlock: 9},
	'bug-held': {bug: 3, 'hung-task': 4}, // a CPU stopped by BUG_ON is finished, its mutex held for ever
	'sleep-atomic': {'lock-held': 4, 'sleep-in-atomic': 2},
	'misc-prims': {warn: 1, invariant: 3, 'lock-held': 4},
	// atomics, cmpxchg, bits, helpers
	'kref-helpers': {},
	'kref-helpers:plain-get': {assert: 15},
	'aba-stack': {invariant: 28},
	'aba-stack:tagged': {},
	'seqcount-writers': {assert: 8},
	'seqcount-writers:serialised': {},
	'bitlock': {},
	'bitlock:broken': {invariant: 6},
	'add-unless': {},
	'add-unless:racy': {invariant: 9},
	'put-racy': {},
	'put-racy:split': {bug: 10},
	'barrier-reuse': {deadlock: 13},
	'barrier-reuse:sense': {},
	'cmpxchg-owner': {},
	// replicas: copies take the ids after the declared CPUs
	'lost-update4': {invariant: 12},
	'lost-update-check': {assert: 11},
	'percpu-oops': {oops: 1}, // cnt[smp_processor_id()] on CPU2, past the end
	'consumers': {'hung-task': 22}, // two items for three consumers: one always waits
	'consumers:check-outside': {'hung-task': 20, invariant: 12},
	'wakeup-helpers': {}, // an await in a helper, on task_state[smp_processor_id()]
	'wakeup-helpers:test-first': {deadlock: 11, 'hung-task': 11},
	'progress': {},
	'progress:nolabel': {},
	'local-loop': {},
	'warn-loop': {invariant: 1, warn: 3},
	// the memory-management core: RAM pages, page tables, TLBs and flush IPIs, RCU
	'mm-zap-free': {}, // the flush's IPI is acked before the page is freed
	'mm-zap-free:no-flush': {'freed-page-use': 3}, // freed while CPU0's TLB maps it
	'mm-zap-free:irqs-off': {}, // the flush waits for CPU0's IRQs
	'mm-refs': {}, // folio_try_get fails on the free page, or takes the reused one
	'mm-refs:plain-get': {refcount: 6}, // get_page on a free page: folio_get's VM_BUG_ON
	'mm-refs:double-put': {refcount: 3},
	'mm-table-free': {'freed-table-read': 8}, // pte_free under an RCU walker
	'mm-table-free:sync': {},
	'mm-table-free:defer': {}, // pte_free_defer: the callback runs when the reader leaves
	'mm-pwc': {}, // x86: the flush of the region drops the walk cache
	'mm-pwc:no-flush': {'pwc-freed-table': 5},
	'mm-pwc:arm64': {'pwc-freed-table': 8}, // a leaf flush keeps the walk cache
	'mm-ipi-lock': {deadlock: 4}, // the spinner has IRQs off: it cannot ack the flush of the lock holder
	'mm-ipi-lock:plain': {},
	'mm-ipi-lock:flushers': {deadlock: 4}, // two flushers with IRQs off
	'mm-sync-rcu': {},
	'mm-sync-rcu:nosync': {assert: 6},
	'mm-sync-rcu:in-lock': {deadlock: 3, 'hung-task': 7, 'sleep-in-atomic': 3}, // the grace period waits for its caller
	'mm-syscall-exit': {},
	'mm-syscall-exit:no-flush': {'freed-page-use': 3, 'stale-tlb-return': 4},
	'mm-lazy': {},
	'mm-lazy:no-catch-up': {'freed-page-use': 6, 'tlb-incoherent': 5}, // fea4e317f9e7's shape: back from lazy while the flush waits
	'mm-irq-ipi': {assert: 5}, // a flush IPI is served before a device interrupt raised earlier (the APIC's vector priority)
	'mm-irq-ipi:lock': {deadlock: 5}, // the handler spins on the flusher's lock: it must start before the flush is sent
	'mm-gather': {}, // unhook, flush, free: the IPI waits for gup-fast's IRQs-off window
	'mm-gather:broadcast-rcu': {}, // the grace period waits for it instead
	'mm-gather:broadcast-no-rcu': {'freed-table-read': 12},
	'mm-gather:free-at-once': {'freed-table-read': 11},
	'mm-gather:free-first': {'freed-page-use': 8, 'freed-table-read': 12}, // tlb_flush_mmu's halves swapped
	'mm-gup-reuse': {'gup-unmapped-page': 10}, // the grab lands on the page allocated again
	'mm-gup-reuse:recheck': {}, // G8
	'mm-nested': {}, // tlb_finish_mmu flushes the whole mm when another zapper is in flight
	'mm-nested:no-nested': {'stale-tlb-return': 8}, // 99baac21e458
	'mm-gather-range': {}, // free_pte_range widens the gather's range by the page at va
	'mm-gather-range:wide': {assert: 10},
	'mm-gather-range:reset': {assert: 7}, // __tlb_reset_range loses the flush
	'mm-sync-one': {}, // tlb_remove_table_sync_one's empty IPI waits for gup-fast (TABLE_FREE=rcu)
	'mm-sync-one:no-sync': {'freed-table-read': 8},
	'mm-sync-one:stub': {'freed-table-read': 9}, // without RCU table free it is an empty stub
	'mm-wrprotect': {},
	'mm-wrprotect:no-flush': {'stale-tlb-return': 3}, // a writable entry over a read-only PTE
	'mm-wrprotect:unmap': {}, // ptep_clear_flush
	'mm-pmd-install': {}, // pmd_install's test and populate under the PMD lock
	'mm-pmd-install:unlocked': {assert: 14}, // the second populate orphans the first PTE page
	'mm-lazy-walk': {}, // a freed_tables flush reaches the lazy CPU: it switches to init_mm
	'mm-lazy-walk:no-freed-tables': {'pwc-freed-table': 7}, // its speculative walk through the cache
	'mm-retry': {}, // a CPU spinning with a flush IPI pending takes it (weak fairness per interrupt too)
	'mm-retry:nolabel': {},
	'mm-refill': {}, // S5 asks about the PTE at the return: a va installed again and cached anew is no stale entry
	// built-in scenarios and worked examples (scenarios/, scenarios/examples/), translated in checker.py
	'khugepaged-collapse': {}, // the IPI flush of pmdp_collapse_flush waits for gup-fast
	'khugepaged-collapse:broadcast': {'collapse-lost-pin': 26}, // S9: the grab after the pin check
	'khugepaged-collapse:broadcast-recheck': {},
	'khugepaged-collapse:broadcast-sync': {},
	'khugepaged-collapse:file': {},
	'khugepaged-collapse:file-broadcast': {'freed-table-read': 12},
	'khugepaged-collapse:file-broadcast-recheck': {'freed-table-read': 12},
	'khugepaged-collapse:file-broadcast-sync': {},
	'khugepaged-collapse:file-v6_6': {},
	'khugepaged-collapse:file-v6_6-free-now': {'freed-table-read': 14},
	'khugepaged-collapse:file-v6_6-free-now-ipi': {},
	'khugepaged-collapse:anon-zap': {'freed-table-read': 31}, // zap_deposited_table frees T at once
	'khugepaged-collapse:anon-zap-sync': {},
	'khugepaged-collapse:anon-zap-ipi': {},
	'khugepaged-collapse:lazy-pwc': {'pwc-freed-table': 11},
	'khugepaged-collapse:lazy-pwc-fixed': {},
	'thp-split-gup': {},
	'thp-split-gup:no-recheck': {},
	'thp-split-gup:broadcast-no-recheck': {'gup-unmapped-page': 23},
	'thp-split-gup:broadcast': {},
	'thp-split-gup:populate-first': {'tlb-size-conflict': 10}, // S11: a 2 MiB and a 4 KiB entry for one region
	'thp-split-gup:no-flush': {'tlb-size-conflict': 10},
	'mremap-move': {'freed-page-use': 18}, // move_ptes, then the flush after the PTLs (CVE-2018-18281)
	'mremap-move:dirty': {'freed-page-use': 18},
	'mremap-move:fixed': {},
	'numa-migrate-flush': {'freed-page-use': 29}, // pte_accessible of v3.8: a PROT_NONE PTE is not flushed
	'numa-migrate-flush:fixed': {},
	'numa-migrate-flush:lost-pending': {'freed-page-use': 40},
	'numa-migrate-flush:counted': {},
	'devdax-unbind': {}, // zap + IPI flush against gup-fast with IRQs off (NOREF)
	'devdax-unbind:longterm': {'hung-task': 29}, // E21 pins hold the pgmap: MU3 waits for ever
	'devdax-unbind:real-gup': {},
	'devdax-unbind:ref-atomic': {},
	'devdax-unbind:v5_18': {'pin-across-removal': 28, 'use-after-free': 31},
	'devdax-unbind-irqs-on': {'use-after-free': 20},
	'devdax-unbind-irqs-on:ref': {},
	'broadcast-flush-rcu': {}, // only MU1's grace period waits for gup-fast's IRQs-off section
	'broadcast-flush-rcu:ref-atomic': {'use-after-free': 18},
	'broadcast-flush-rcu:free-tables': {},
	'broadcast-flush-rcu:v5_18': {'pin-across-removal': 23, 'use-after-free': 26},
	'fsdax-unbind-2021': {'stale-access': 8, 'stale-mapping': 7}, // no zap: the load reaches removed memory
	'fsdax-unbind-2021:noref': {'stale-access': 8, 'stale-mapping': 7, 'use-after-free': 15},
	'fsdax-unbind-2021:pmd': {'stale-access': 8, 'stale-mapping': 7},
	'fsdax-unbind-2021-noref': {'stale-access': 8, 'stale-mapping': 7, 'use-after-free': 15},
	'fsdax-unbind-2021-noref:ref': {'stale-access': 8, 'stale-mapping': 7},
	'fsdax-unbind-2021-noref:pmd': {'stale-access': 8, 'stale-mapping': 7, 'use-after-free': 15},
	'ext4-dax-unbind-now': {'pin-across-removal': 15, 'stale-access': 8, 'stale-mapping': 7, 'use-after-free': 15},
	'xfs-pre-remove': {'pin-across-removal': 29, 'stale-access': 20, 'stale-mapping': 18, 'use-after-free': 30},
	'xfs-pre-remove:without-refault': {'pin-across-removal': 29, 'use-after-free': 30},
	'madv-dontneed-flush': {'stale-tlb-return': 17}, // 99baac21e458
	'madv-dontneed-flush:fixed': {},
	'madv-dontneed-flush:today': {},
	'madv-dontneed-flush:free-before-flush': {'freed-page-use': 7},
};

/**
 * checker.py's livelocks, one entry per weakly fair non-progress component:
 * the CPUs moving in it, and the BFS distance (statements) of its nearest
 * state. racewalk reports one lasso per component; its prefix is the shortest
 * to a state of the loop it reports, a loop of its merged graph
 * (docs/search.md): at least that distance, not always equal (polite: 5 > 4,
 * the nearest state sits between two merged local statements).
 */
const LIVELOCK: Record<string, {moving: number[]; nearest: number}[]> = {
	'forgotten-flag': [{moving: [0], nearest: 3}],
	'polite': [{moving: [0, 1], nearest: 4}],
	'rw-starve': [{moving: [0, 1, 2, 3], nearest: 0}],
	'rw-starve:rwsem': [{moving: [0, 2, 3], nearest: 3}], // readers steal the free rwsem from the queued writer
	'ring3-backoff': [{moving: [0, 1, 2], nearest: 6}],
	'chain3-backoff': [{moving: [2], nearest: 5}], // CPU1 waits for c, disabled whenever CPU2 holds it
	'irq-fair:irqs-off': [{moving: [1], nearest: 2}],
	'progress:nolabel': [{moving: [0, 1], nearest: 0}],
	'local-loop': [{moving: [0], nearest: 3}], // a loop of local statements only
	'warn-loop': [{moving: [0], nearest: 1}], // every step of it reports a warn and the invariant
	// the churn never ends: CPU0 retrying its load, or done and taking the flush IPIs
	'mm-retry:nolabel': [{moving: [0, 1], nearest: 2}, {moving: [0, 1], nearest: 5}],
	// G12: the slow path retries for ever on the present PTE of a dead pgmap (two ways into it:
	// gup-fast bailing on the dead ref, or its try_grab on the removed memmap)
	'fsdax-unbind-2021': [{moving: [0], nearest: 26}, {moving: [0], nearest: 28}],
	'fsdax-unbind-2021:noref': [{moving: [0], nearest: 26}],
	'fsdax-unbind-2021-noref': [{moving: [0], nearest: 26}],
	'fsdax-unbind-2021-noref:ref': [{moving: [0], nearest: 26}, {moving: [0], nearest: 28}],
};

const NAMES = Object.keys(EXPECTED);

/** NAME or NAME:VARIANT -> the file and the variant. */
function target(name: string): {path: string; variant?: string} {
	const [base, variant] = name.split(':');
	return {path: file(base!), variant};
}

function load(name: string): Model {
	const {path, variant} = target(name);
	return loadModel(path, variant ? {variant} : undefined);
}

const CONFIGS: Record<string, ExploreOptions> = {
	'default': {},
	'plain': {reduce: false, merge: false, symmetry: false},
	'no-reduce': {reduce: false},
	'no-merge': {merge: false},
	'no-symmetry': {symmetry: false},
	'dfs': {strategy: 'dfs'},
};

function safety(kinds: Iterable<{kind: string; length: number}>): Record<string, number> {
	const out: Record<string, number> = {};
	for (const k of kinds) if (k.kind !== 'livelock') out[k.kind] = k.length;
	return out;
}

/** The moving sets of the lassos (or components), as sorted strings: one per component. */
function movingSets(ls: readonly {moving: readonly number[]}[]): string[] {
	return ls.map(l => [...l.moving].sort((a, b) => a - b).join(',')).sort();
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
				const model = load(name);
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
				const ll = LIVELOCK[name] ?? [];
				expect(movingSets(r.livelocks)).toEqual(movingSets(ll));
				for (const l of r.livelocks) {
					const same = ll.filter(c => movingSets([c])[0] === movingSets([l])[0]);
					expect(l.prefix.length).toBeGreaterThanOrEqual(Math.min(...same.map(c => c.nearest)));
					const start = replay(model, l.prefix).final;
					expect(model.hash(replay(model, l.loop, start).final)).toBe(model.hash(start)); // the loop closes
				}
			});
		}
	}
});

describe('explore --jobs 2 finds the same kinds and lengths', () => {
	// Where the default search stores under 200 states, the shared prefix runs
	// out before it has 64 frontier states per worker (docs/search.md) and the
	// workers have little or nothing to search: those are left out, as one CLI
	// run with two workers costs about a second. The ones with livelocks stay
	// (their lassos are searched again in the main thread).
	it('on the cross-check scenarios and variants big enough to split, and those with livelocks', () => {
		const big = NAMES.filter(n => (searched.get(n)?.stats.states ?? Infinity) >= 200 || LIVELOCK[n]);
		expect(big.length).toBeGreaterThan(20);
		for (const name of big) {
			const {path, variant} = target(name);
			const args = ['dist/cli.js', 'explore', path, ...(variant ? ['--variant', variant] : []), '--jobs', '2', '--json'];
			const r = spawnSync(process.execPath, args, {encoding: 'utf8', timeout: 60_000});
			const out = JSON.parse(r.stdout) as {complete: boolean; kinds: {kind: string; length: number; schedule: string}[]; livelocks: {moving: number[]}[]};
			expect(out.complete, name).toBe(true);
			expect(safety(out.kinds), name).toEqual(EXPECTED[name]);
			for (const k of out.kinds) expect(k.schedule.split(' ').length, name).toBe(k.length);
			expect(movingSets(out.livelocks), name).toEqual(movingSets(LIVELOCK[name] ?? []));
		}
	}, 900_000);
});

const python = spawnSync('python3', ['--version'], {encoding: 'utf8'}).status === 0;

describe.skipIf(!python)('the independent checker (python3 test/xcheck/checker.py)', () => {
	type Step = {cpu: number; kinds?: string[]; dist?: number; id?: number; component?: number | null; error?: string};
	const checker = (args: string[], input?: string) => {
		const r = spawnSync('python3', [join(DIR, 'checker.py'), ...args], {encoding: 'utf8', input, timeout: 1_200_000});
		expect(r.status, r.stderr).toBe(0);
		return JSON.parse(r.stdout) as unknown;
	};

	it('still computes the tables above', () => {
		const got = checker([]) as Record<string, Record<string, number | {moving: number[]; prefix: number}[]>>;
		expect(Object.keys(got).sort()).toEqual([...NAMES].sort());
		for (const name of NAMES) {
			const {livelock, ...kinds} = got[name]!;
			expect(kinds, name).toEqual(EXPECTED[name]);
			const ll = (livelock ?? []) as {moving: number[]; prefix: number}[];
			expect(ll.map(l => ({moving: l.moving, nearest: l.prefix})), name).toEqual(LIVELOCK[name] ?? []);
		}
	}, 1_200_000);

	it("replays racewalk's schedules to the same kinds in the independent model", () => {
		const want: Record<string, string[]> = {};
		const what: Record<string, {kind: string; prefix?: number}[]> = {};
		for (const name of NAMES) {
			const r = searched.get(name) ?? explore(load(name), {liveness: true, minimise: true});
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
				// The lasso: the prefix ends in a fair non-progress component (an empty
				// prefix: the loop's last state, which is the initial one), the loop stays
				// in it (violating steps may lie on it) and comes back to the same state.
				const loop = trace.slice(w.prefix!);
				const start = w.prefix! > 0 ? trace[w.prefix! - 1]! : loop.at(-1)!;
				expect(start.component, name).not.toBeNull();
				expect(loop.every(s => s.component === start.component), name).toBe(true);
				expect(loop.at(-1)!.id, name).toBe(start.id);
			});
		}
	}, 1_200_000);
});
