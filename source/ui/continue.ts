// `c`: a seeded random scheduler on the session, until a violation, a
// breakpoint, the end, or a loop: a state seen again since the last step that
// passed a progress label, in a cycle a fair scheduler could run for ever
// (every CPU that does not move in it cannot move somewhere in it, the weak
// fairness of the livelock search). Also where a search's result already is.

import {sharedKey} from '../explore/fasthash.js';
import {mulberry32} from '../explore/prng.js';
import type {Transition} from '../machine/types.js';
import type {Point, PointId, Session} from '../session/types.js';
import type {MessageKind} from './view.js';

export type ContinueResult = {steps: number; stop: string; kind: MessageKind; loop: {from: number; to: number} | null};

/** A cycle (the points from a state to its repeat) that a weakly fair scheduler could run for ever. */
export function fairLoop(session: Session, cycle: readonly Point[]): boolean {
	const m = session.model;
	const moved = new Set(cycle.slice(1).map(p => p.transition!.cpu));
	for (let cpu = 0; cpu < m.cpuCount; cpu++) {
		if (moved.has(cpu)) continue;
		if (cycle.every(p => m.enabled(p.state).some(t => t.cpu === cpu))) return false;
	}
	return true;
}

function safeTest(test: (m: Point['state']) => boolean, p: Point): boolean {
	try {
		return test(p.state);
	} catch {
		return false;
	}
}

export function continueRandom(s: Session, seed: number, limit: number): ContinueResult {
	const next = mulberry32(seed);
	let steps = 0;
	let stop = 'end: no CPU can move';
	let kind: MessageKind = 'info';
	let loop: ContinueResult['loop'] = null;
	// states since the last step that passed a progress label: one seen again is a cycle
	let seen = new Map<string, number>([[sharedKey(s.cursor.state), s.cursor.depth]]);
	let run: Point[] = [s.cursor];
	while (steps < limit) {
		const en = s.model.enabled(s.cursor.state);
		if (en.length === 0) {
			const stuck = s.cursor.state.cpus.some(c => c.pc >= 0);
			stop = stuck ? 'end: every unfinished CPU is blocked' : 'end: every CPU finished';
			break;
		}
		const t = en[Math.floor(next() * en.length)]!;
		const r = s.step(t);
		if (!r.ok) {
			stop = r.reason;
			kind = 'warn';
			break;
		}
		steps++;
		const p = r.point;
		if (p.violations.length) {
			stop = `violation ${p.violations[0]!.kind} (${p.violations[0]!.check}) at step ${p.depth}`;
			kind = 'error';
			break;
		}
		if (p.progress) {
			seen = new Map();
			run = [];
		}
		run.push(p);
		const key = sharedKey(p.state);
		const again = seen.get(key);
		if (again !== undefined && fairLoop(s, run.filter(x => x.depth >= again))) {
			loop = {from: again + 1, to: p.depth};
			stop = `livelock? the run is back in the state of step ${again} without progress: steps ${again + 1}-${p.depth} loop (↻); e searches for the livelock`;
			kind = 'error';
			break;
		}
		seen.set(key, p.depth);
		const bp = s.breakpoints.find(b => (b.kind === 'line' ? (b.cpu === null || b.cpu === t.cpu) && p.state.cpus[t.cpu]!.pc >= 0 && s.model.lineOf(p.state, t.cpu) === b.line : safeTest(b.test, p)));
		if (bp) {
			stop = bp.kind === 'line' ? `breakpoint at line ${bp.line} (CPU${t.cpu})` : `breakpoint: ${bp.text}`;
			kind = 'ok';
			break;
		}
	}
	if (steps >= limit) stop = `stopped after ${limit} steps`;
	return {steps, stop, kind, loop};
}

/** The point reached from `from` along `schedule` if the tree already holds that whole path. */
export function existingPath(s: Session, from: PointId, schedule: readonly Transition[]): PointId | null {
	let p = s.point(from);
	for (const t of schedule) {
		const next = p.children.map(id => s.point(id)).find(c => c.transition?.cpu === t.cpu && c.transition.irq === t.irq);
		if (!next) return null;
		p = next;
	}
	return p.id;
}
