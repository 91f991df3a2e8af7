import {explore, type ExploreResult, type Found} from '../explore/index.js';
import {countSwitches, formatSchedule} from '../lang/schedule.js';
import type {Expect} from '../lang/ast.js';
import {builtinNames, exampleShortNames, loadScenario} from '../lang/load.js';
import {expectLabel} from '../render/verdict.js';
import {asUsageError, type Command, EXIT, openModel, parseFlags, UsageError} from './common.js';
import {count} from '../render/wrap.js';

const HELP = `
Usage
  $ racewalk check [files...] [options]

Parses and validates each scenario, then verifies every 'expect' clause by
exhaustive search, for the base params and for each variant. Without files:
every built-in scenario and worked example (racewalk list).

  expect violation K   holds iff a step reporting K is reachable
  expect no K          holds iff no reachable step reports K
  expect safe          holds iff no violation of any kind is reachable
                       (livelocks included)

The search does not stop at the first violation: it collects every reachable
kind, and keeps exploring past a violating step (a use-after-free may only be
reachable after the stale mapping that precedes it). 'no' and 'safe' need the
search to finish: a bound hit makes them FAIL (inconclusive).

Options
  --max-states N   per scenario and variant (default: unbounded)
  --timeout S      per scenario and variant, in seconds
  --no-reduce      search without partial-order reduction
  --json           machine-readable output

Exit codes: 0 every expectation holds, 1 some expectation fails, 2 bad input.

Examples
  $ racewalk check
  $ racewalk check devdax-unbind my-scenario.race
`;

export type CheckRow = {
	scenario: string;
	variant: string | null;
	params: string;
	expected: string;
	found: string;
	states: number;
	timeMs: number;
	ok: boolean;
	/** The schedule that reached the kind (when one did). */
	schedule?: string;
	/** The command that shows it: `racewalk run ... -s "..."`, or `racewalk explore ...` when nothing was reached. */
	command: string;
};

/** What the search found for a kind: a lasso (prefix + a loop for ever) for a livelock, else a path. */
function reached(kind: string, f: Found, r: ExploreResult): string {
	const lasso = kind === 'livelock' ? r.livelocks[0] : undefined;
	if (lasso) return `lasso: ${count(lasso.prefix.length, 'step')} + a loop of ${lasso.loop.length}, ${count(countSwitches([...lasso.prefix, ...lasso.loop]), 'switch', 'switches')}`;
	return `reachable (${count(f.schedule.length, 'step')})`;
}

function judge(e: Expect, r: ExploreResult): {ok: boolean; found: string} {
	const completeFor = (k: string) => (k === 'livelock' ? r.livenessComplete : r.complete);
	if (e.form === 'safe') {
		const other = [...r.kinds.keys()].filter(k => !e.except?.includes(k));
		if (other.length > 0) return {ok: false, found: other.join(', ')};
		const done = r.complete && r.livenessComplete;
		return {ok: done, found: done ? 'safe' : `nothing found (incomplete: ${r.stoppedBy})`};
	}
	const k = e.violation!;
	const f = r.kinds.get(k);
	if (e.form === 'violation') {
		if (f) return {ok: true, found: reached(k, f, r)};
		return {ok: false, found: completeFor(k) ? 'unreachable' : `not found (incomplete: ${r.stoppedBy})`};
	}
	if (f) return {ok: false, found: reached(k, f, r)};
	return completeFor(k) ? {ok: true, found: 'unreachable'} : {ok: false, found: `not found (incomplete: ${r.stoppedBy})`};
}

/** Verify the expect clauses of one scenario (base + every variant). */
export function checkScenario(target: string, opts: {maxStates?: number; timeoutMs?: number; reduce?: boolean} = {}): CheckRow[] {
	let variants: string[];
	try {
		variants = loadScenario(target).ast.variants.map(v => v.name);
	} catch (err) {
		throw asUsageError(err) ?? err;
	}
	const rows: CheckRow[] = [];
	for (const variant of [null, ...variants]) {
		const model = openModel(target, {variant});
		const p = model.program;
		if (p.expects.length === 0) continue;
		const liveness = p.expects.some(e => e.form === 'safe' || e.violation === 'livelock');
		const r = explore(model, {strategy: 'bfs', reduce: opts.reduce ?? true, liveness, minimise: true, maxStates: opts.maxStates, timeoutMs: opts.timeoutMs});
		const params = Object.entries(p.params).map(([k, v]) => `${k}=${v}`).join(' ');
		const where = `${target}${variant ? ` --variant ${variant}` : ''}`;
		for (const e of p.expects) {
			const {ok, found} = judge(e, r);
			// a `safe` row (and `nothing else`) shows the first kind it did not expect, not one a row above expects
			const kind = e.violation ?? (e.form === 'safe' ? [...r.kinds.keys()].find(k => !e.except?.includes(k)) : undefined);
			const f = kind === undefined ? undefined : r.kinds.get(kind);
			const schedule = f ? formatSchedule(f.schedule) : undefined;
			const command = schedule !== undefined ? `racewalk run ${where} -s "${schedule}"` : `racewalk explore ${where}`;
			rows.push({scenario: p.scenario.name, variant, params, expected: expectLabel(e), found, states: Math.max(r.stats.states, r.stats.livenessStates ?? 0), timeMs: r.stats.timeMs, ok, ...(schedule !== undefined ? {schedule} : {}), command});
		}
	}
	return rows;
}

const clip = (s: string, n: number): string => ([...s].length <= n ? s : [...s].slice(0, n - 1).join('') + '…');

export function renderTable(rows: readonly CheckRow[]): string {
	const head = ['scenario', 'variant/params', 'expected', 'found', 'states', 'time', 'result'];
	const cells = rows.map(r => [r.scenario, r.variant ?? clip(`(base) ${r.params}`.trim(), 44), r.expected, r.found, String(r.states), `${(r.timeMs / 1000).toFixed(2)}s`, r.ok ? 'OK' : 'FAIL']);
	const widths = head.map((h, i) => Math.max(h.length, ...cells.map(c => [...c[i]!].length)));
	const line = (c: string[]) => c.map((x, i) => (i === 4 || i === 5 ? x.padStart(widths[i]!) : x + ' '.repeat(widths[i]! - [...x].length))).join('  ').trimEnd();
	const table = [line(head), line(widths.map(w => '-'.repeat(w))), ...cells.map(line)];
	// every FAIL with what shows it: the schedule and the command that replays it
	const fails = rows.filter(r => !r.ok).map(r => `FAIL ${r.scenario}${r.variant ? ` (${r.variant})` : ''}: ${r.expected}: ${r.found}${r.schedule !== undefined ? `\n  schedule: ${r.schedule}` : ''}\n  $ ${r.command}`);
	return [...table, ...(fails.length ? ['', ...fails] : [])].join('\n');
}

export const checkCommand: Command = {
	name: 'check',
	async run(argv, io) {
		const cli = parseFlags(HELP, argv, {
			maxStates: {type: 'number'},
			timeout: {type: 'number'},
			reduce: {type: 'boolean', default: true},
			json: {type: 'boolean', default: false},
			color: {type: 'boolean', default: true},
		}, import.meta);
		const maxStates = cli.flags.maxStates;
		if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates >= 1)) throw new UsageError(`--max-states: expected an integer >= 1, got ${maxStates}`);
		const timeout = cli.flags.timeout;
		if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout: expected a number of seconds > 0, got ${timeout}`);
		const targets = cli.input.length ? cli.input : [...builtinNames(), ...exampleShortNames()];
		const rows: CheckRow[] = [];
		// One broken file must not hide the verdicts of the others: report it, go on, exit 2 at the end.
		const broken: string[] = [];
		for (const t of targets) {
			try {
				const found = checkScenario(t, {maxStates, timeoutMs: timeout !== undefined ? timeout * 1000 : undefined, reduce: cli.flags.reduce});
				if (found.length === 0) broken.push(`${t}: no expect clauses to check (add 'expect safe' or 'expect violation <kind>')`);
				rows.push(...found);
			} catch (err) {
				const usage = asUsageError(err);
				if (!usage) throw err;
				// a diagnostic with its source line and caret, as every other command prints it
				broken.push(usage.detail ?? usage.message);
			}
		}
		const failed = rows.filter(r => !r.ok).length;
		if (cli.flags.json) io.out(JSON.stringify({rows, failed, errors: broken}, null, 2));
		else {
			if (rows.length) {
				io.out(renderTable(rows));
				io.out('');
				// "all hold" above an exit of 2 read as a pass: the files not checked are counted in the same line
				const unchecked = broken.length ? `; ${count(broken.length, 'scenario')} not checked (below)` : '';
				io.out((failed ? `${failed} of ${rows.length} expectations FAIL` : `all ${rows.length} expectations hold`) + unchecked);
			}
		}
		for (const b of broken) io.err(`racewalk: ${b}`);
		if (broken.length) return EXIT.usage;
		return failed ? EXIT.violation : EXIT.ok;
	},
};
