// Questions about the tree the `:` command line answers: how two points
// differ (`:diff`), when a value last changed (`:last`, rr's reverse
// watchpoint: every snapshot is kept, so it is a walk up the tree), and
// naming a branch (`:rename`). The session computes; this file parses what
// was typed, picks the words of the answer and opens the diff overlay.

import {flatten} from '../machine/flatten.js';
import type {Diff, Point, PointId, Session} from '../session/types.js';
import type {Controller} from './controller.js';

/** A point as typed: `N` (step N of this branch), `NAME` (a branch's head), `NAME@N` (step N of that branch). */
export function pointSpec(s: Session, spec: string): {id: PointId; label: string} | {error: string} {
	const m = /^(?:([^@\s]+)@)?(\d+)$/.exec(spec);
	const name = m ? (m[1] ?? s.branch.name) : spec;
	const b = s.findBranch(name);
	if (!b) return {error: `no branch or step '${spec}' (a step number, a branch name, or branch@step; branches: ${s.branches.map(x => x.name).join(', ')})`};
	const path = s.pathOf(b.name);
	const step = m ? Number(m[2]) : path.length - 1;
	if (step >= path.length) return {error: `branch ${b.name} has steps 0-${path.length - 1}`};
	return {id: path[step]!.id, label: `${b.name}@${step}`};
}

/** What the diff overlay shows: two points and the values that differ between them. */
export type DiffView = {from: string; to: string; rows: Diff};

/** `:diff A [B]`: the values that differ from A to B (B defaults to the cursor); opens the overlay. */
export function diffCommand(c: Controller, args: string[]): void {
	const s = c.session;
	if (args.length < 1 || args.length > 2) {
		c.say(':diff needs a point: :diff N (step N against the cursor), :diff A B; a point is N, a branch name, or branch@N', 'warn');
		return;
	}
	const a = pointSpec(s, args[0]!);
	const b = args[1] === undefined ? {id: s.cursor.id, label: `${s.branch.name}@${s.cursor.depth}`} : pointSpec(s, args[1]);
	for (const p of [a, b]) {
		if ('error' in p) {
			c.say(`:diff: ${p.error}`, 'warn');
			return;
		}
	}
	const from = a as {id: PointId; label: string};
	const to = b as {id: PointId; label: string};
	const rows = s.diff(from.id, to.id);
	if (!rows.length) {
		c.say(`${from.label} and ${to.label}: the same state`, 'info');
		return;
	}
	c.openDiff({from: from.label, to: to.label, rows});
	c.say(`${from.label} → ${to.label}: ${rows.length} value${rows.length === 1 ? '' : 's'} differ`);
}

/**
 * The state's value names matching what was typed: the name itself, else the
 * one whose last part it is (`ref`: pmem0.ref, not page[0x100].refcount), else
 * the names containing it (any case).
 */
export function matchPaths(state: Point['state'], typed: string): string[] {
	const names = [...flatten(state).keys()];
	if (names.includes(typed)) return [typed];
	const t = typed.toLowerCase();
	const found = names.filter(n => n.toLowerCase().includes(t));
	const whole = found.filter(n => n.toLowerCase().endsWith(`.${t}`));
	return whole.length === 1 ? whole : found;
}

/** `:last PATH`: put the cursor on the latest step at or before it that changed the value. */
export function lastCommand(c: Controller, typed: string): void {
	const s = c.session;
	if (!typed) {
		c.say(`:last needs a value name, as :diff shows them (e.g. ${examples(s.cursor.state)})`, 'warn');
		return;
	}
	const found = matchPaths(s.cursor.state, typed);
	if (!found.length) {
		c.say(`:last: no value named '${typed}' here (e.g. ${examples(s.cursor.state)}; :diff 0 lists what changed)`, 'warn');
		return;
	}
	if (found.length > 1) {
		const shown = found.slice(0, 6).join(', ');
		c.say(`:last: '${typed}' names ${found.length} values: ${shown}${found.length > 6 ? ', …' : ''}; give the whole name`, 'warn');
		return;
	}
	const path = found[0]!;
	const now = flatten(s.cursor.state).get(path);
	const p = s.lastChange(path);
	if (!p) {
		c.say(`${path} is ${now} and has not changed since step 0`);
		return;
	}
	const before = flatten(s.point(p.parent!).state).get(path) ?? '(absent)';
	const after = flatten(p.state).get(path) ?? '(absent)';
	const here = p.id === s.cursor.id;
	s.gotoPoint(p.id);
	c.say(`${path} last changed at step ${p.depth}${here ? ' (the cursor: ← then :last again for the change before)' : ''}: ${before} -> ${after}; ${c.describe(p)}`, 'ok');
}

/** A few value names of this state, one per kind, for a message that says what names look like. */
function examples(state: Point['state']): string {
	const seen = new Map<string, string>();
	for (const n of flatten(state).keys()) {
		// CPU0.irqs and CPU1.irqs are one kind: `CPU`; page[0x100].memmap: `page`
		const kind = n.replace(/\[.*$|\..*$/, '').replace(/\d+$/, '');
		if (!seen.has(kind)) seen.set(kind, n);
	}
	return [...seen.values()].slice(0, 4).join(', ');
}

/** `:rename NEW` (this branch) or `:rename OLD NEW`. */
export function renameCommand(c: Controller, args: string[]): void {
	const s = c.session;
	if (args.length < 1 || args.length > 2) {
		c.say(':rename needs a name: :rename NEW names this branch, :rename OLD NEW another', 'warn');
		return;
	}
	const [from, to] = args.length === 2 ? [args[0]!, args[1]!] : [s.branch.name, args[0]!];
	if (!s.findBranch(from)) {
		c.say(`:rename: no branch '${from}' (branches: ${s.branches.map(b => b.name).join(', ')})`, 'warn');
		return;
	}
	c.attempt(() => {
		s.renameBranch(from, to);
		c.renamed(from, to);
		c.say(`branch ${from} is now ${to}`, 'ok');
	});
}
