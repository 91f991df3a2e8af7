// The session: a tree of immutable snapshots (an undo tree). Every point keeps
// the machine after its step (immer shares structure between them), so
// rewinding, branching, diffing and "when did this last change" never replay.
//
// Branches are named paths root..head. Stepping at the head of the current
// branch extends it; stepping along an existing edge follows it; a new
// transition from any other point creates a new branch (b1, b2, ...).

import type {Model} from '../lang/interpreter.js';
import {formatTransition} from '../lang/schedule.js';
import type {Machine, Transition} from '../machine/types.js';
import {changes, flatten} from '../machine/flatten.js';
import type {Branch, Breakpoint, Diff, Point, PointId, RunOutcome, Session, StepOutcome} from './types.js';

/** A session operation that cannot be done (bad name, disabled step in a schedule...). */
export class SessionError extends Error {}

export const BRANCH_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+\-/:@]{0,63}$/;

export function checkBranchName(name: string): string | null {
	if (name.length === 0) return 'a branch name cannot be empty';
	if (name.length > 64) return `branch name '${name.slice(0, 20)}...' is longer than 64 characters`;
	if (!BRANCH_NAME.test(name)) return `branch name '${name}' may only use letters, digits and _ . + - / : @ (and not start with a sign)`;
	return null;
}

const sameT = (a: Transition | null, b: Transition): boolean => a !== null && a.cpu === b.cpu && a.irq === b.irq;

const RUN_LIMIT = 10_000;
/** Shared empty list: most steps have no violation (memory of long histories). */
const NONE: never[] = [];
/** Longest note a recording accepts. */
export const NOTE_CHARS = 10_000;

export class SessionImpl implements Session {
	readonly model: Model;
	breakpoints: Breakpoint[] = [];
	private readonly points: Point[] = [];
	private readonly list: Branch[] = [];
	private cur: PointId = 0;
	private curBranch = 0;
	private nextAuto = 1;
	private ver = 0;

	constructor(model: Model, firstBranch = 'main') {
		this.model = model;
		this.points.push({id: 0, parent: null, transition: null, depth: 0, state: model.initial, line: null, notes: [], violations: [], children: []});
		this.list.push({name: firstBranch, head: 0, forkedFrom: null});
	}

	private readonly notePool = new Map<string, string>();

	/** A looping CPU repeats the same notes: keep one copy of each text (bounded). */
	private intern(notes: string[]): string[] {
		if (notes.length === 0) return NONE;
		return notes.map(n => {
			const have = this.notePool.get(n);
			if (have !== undefined) return have;
			if (this.notePool.size < 50_000) this.notePool.set(n, n);
			return n;
		});
	}

	/** Bumped on every change of the tree, the cursor or a note: cheap change detection for the TUI. */
	get version(): number {
		return this.ver;
	}

	get cursor(): Point {
		return this.points[this.cur]!;
	}

	get branch(): Branch {
		return this.list[this.curBranch]!;
	}

	get branches(): readonly Branch[] {
		return this.list;
	}

	/** Every point of the tree, by id. */
	get allPoints(): readonly Point[] {
		return this.points;
	}

	point(id: PointId): Point {
		const p = this.points[id];
		if (!p) throw new SessionError(`no point ${id}`);
		return p;
	}

	findBranch(name: string): Branch | undefined {
		return this.list.find(b => b.name === name);
	}

	private branchIndex(name: string): number {
		const i = this.list.findIndex(b => b.name === name);
		if (i < 0) throw new SessionError(`no branch '${name}' (branches: ${this.list.map(b => b.name).join(', ')})`);
		return i;
	}

	/** Is `a` on the path root..b? */
	isAncestor(a: PointId, b: PointId): boolean {
		const pa = this.point(a);
		let p = this.point(b);
		while (p.depth > pa.depth) p = this.points[p.parent!]!;
		return p.id === a;
	}

	/** The point at depth `step` on the path root..id. */
	ancestorAt(id: PointId, step: number): Point {
		let p = this.point(id);
		if (step < 0 || step > p.depth) throw new SessionError(`step ${step} is outside 0..${p.depth}`);
		while (p.depth > step) p = this.points[p.parent!]!;
		return p;
	}

	pathOf(branch?: string): Point[] {
		const b = branch === undefined ? this.branch : this.list[this.branchIndex(branch)]!;
		return this.pathTo(b.head);
	}

	pathTo(id: PointId): Point[] {
		const out: Point[] = [];
		for (let p: Point | undefined = this.point(id); p; p = p.parent === null ? undefined : this.points[p.parent]) out.push(p);
		return out.reverse();
	}

	scheduleTo(id: PointId): Transition[] {
		return this.pathTo(id)
			.slice(1)
			.map(p => p.transition!);
	}

	private ownerCache: {ver: number; points: number; branches: number; owner: Int32Array} | null = null;

	/** For every point, the index of the first branch (creation order) whose path holds it. */
	private owners(): Int32Array {
		const c = this.ownerCache;
		if (c && c.ver === this.ver && c.points === this.points.length && c.branches === this.list.length) return c.owner;
		const owner = new Int32Array(this.points.length).fill(-1);
		this.list.forEach((b, i) => {
			for (let p: PointId | null = b.head; p !== null && owner[p] === -1; p = this.points[p]!.parent) owner[p] = i;
		});
		this.ownerCache = {ver: this.ver, points: this.points.length, branches: this.list.length, owner};
		return owner;
	}

	/** The first branch (creation order) whose path holds the point. */
	branchOf(id: PointId): Branch {
		this.point(id);
		return this.list[this.owners()[id]!]!;
	}

	private childWith(p: Point, t: Transition): Point | undefined {
		for (const c of p.children) if (sameT(this.points[c]!.transition, t)) return this.points[c];
		return undefined;
	}

	/** The child of `from` by `t`, made if new. Throws SessionError if `t` is disabled. */
	private child(from: Point, t: Transition): {point: Point; created: boolean} {
		const old = this.childWith(from, t);
		if (old) return {point: old, created: false};
		if (!this.model.isEnabled(from.state, t)) throw new SessionError(this.model.whyNot(from.state, t));
		const r = this.model.step(from.state, t);
		const point: Point = {id: this.points.length, parent: from.id, transition: t, depth: from.depth + 1, state: r.state, line: r.line, notes: this.intern(r.notes), violations: r.violations.length ? r.violations : NONE, children: [], progress: r.progress};
		this.points.push(point);
		from.children.push(point.id);
		return {point, created: true};
	}

	private autoName(): string {
		for (;;) {
			const name = `b${this.nextAuto++}`;
			if (!this.findBranch(name)) return name;
		}
	}

	private touch(): void {
		this.ver++;
	}

	step(t: Transition): StepOutcome {
		const from = this.cursor;
		const existing = this.childWith(from, t);
		if (existing) {
			if (!this.isAncestor(existing.id, this.branch.head)) {
				const i = this.list.findIndex(b => this.isAncestor(existing.id, b.head));
				this.curBranch = i;
			}
			this.cur = existing.id;
			this.touch();
			return {ok: true, point: existing, newBranch: null};
		}
		if (!this.model.isEnabled(from.state, t)) return {ok: false, reason: this.model.whyNot(from.state, t)};
		const {point} = this.child(from, t);
		let newBranch: string | null = null;
		if (this.branch.head === from.id) {
			this.list[this.curBranch] = {...this.branch, head: point.id};
		} else {
			newBranch = this.autoName();
			this.list.push({name: newBranch, head: point.id, forkedFrom: from.id});
			this.curBranch = this.list.length - 1;
		}
		this.cur = point.id;
		this.touch();
		return {ok: true, point, newBranch};
	}

	rewind(n = 1): boolean {
		if (n <= 0 || this.cursor.depth === 0) return false;
		this.cur = this.ancestorAt(this.cur, Math.max(0, this.cursor.depth - n)).id;
		this.touch();
		return true;
	}

	redo(n = 1): boolean {
		const head = this.point(this.branch.head);
		if (n <= 0 || this.cursor.depth >= head.depth) return false;
		this.cur = this.ancestorAt(head.id, Math.min(head.depth, this.cursor.depth + n)).id;
		this.touch();
		return true;
	}

	goto(step: number): boolean {
		const head = this.point(this.branch.head);
		if (!Number.isInteger(step) || step < 0 || step > head.depth) return false;
		this.cur = this.ancestorAt(head.id, step).id;
		this.touch();
		return true;
	}

	/** Put the cursor on any point; switches to a branch holding it if the current one does not. */
	gotoPoint(id: PointId): void {
		this.point(id);
		if (!this.isAncestor(id, this.branch.head)) this.curBranch = this.list.indexOf(this.branchOf(id));
		this.cur = id;
		this.touch();
	}

	switchBranch(name: string): boolean {
		const i = this.list.findIndex(b => b.name === name);
		if (i < 0) return false;
		this.curBranch = i;
		const b = this.list[i]!;
		if (!this.isAncestor(this.cur, b.head)) this.cur = b.head;
		this.touch();
		return true;
	}

	cycleBranch(delta: 1 | -1): Branch {
		const n = this.list.length;
		this.switchBranch(this.list[(((this.curBranch + delta) % n) + n) % n]!.name);
		return this.branch;
	}

	renameBranch(from: string, to: string): void {
		const i = this.branchIndex(from);
		if (from === to) return;
		const bad = checkBranchName(to);
		if (bad) throw new SessionError(bad);
		if (this.findBranch(to)) throw new SessionError(`a branch named '${to}' already exists`);
		this.list[i] = {...this.list[i]!, name: to};
		this.touch();
	}

	setNote(text: string): void {
		this.noteAt(this.cur, text);
	}

	/** Set (or with empty text, remove) the note on a point. */
	noteAt(id: PointId, text: string): void {
		const p = this.point(id);
		if (text.length > NOTE_CHARS) throw new SessionError(`a note is at most ${NOTE_CHARS} characters (this one has ${text.length})`);
		const t = text.trim();
		if (t) p.userNote = text;
		else delete p.userNote;
		this.touch();
	}

	/** Every user note, in point order. */
	notesList(): {point: Point; text: string}[] {
		return this.points.filter(p => p.userNote !== undefined).map(p => ({point: p, text: p.userNote!}));
	}

	addSchedule(schedule: readonly Transition[], opts: {name?: string; from?: PointId} = {}): Branch {
		if (opts.name !== undefined) {
			const bad = checkBranchName(opts.name);
			if (bad) throw new SessionError(bad);
			if (this.findBranch(opts.name)) throw new SessionError(`a branch named '${opts.name}' already exists`);
		}
		const start = this.point(opts.from ?? 0);
		// Validate first: a disabled step leaves the tree untouched.
		let m = start.state;
		let p: Point | undefined = start;
		for (let i = 0; i < schedule.length; i++) {
			const t = schedule[i]!;
			const old: Point | undefined = p ? this.childWith(p, t) : undefined;
			if (old) {
				m = old.state;
				p = old;
				continue;
			}
			p = undefined;
			if (!this.model.isEnabled(m, t)) throw new SessionError(`step ${start.depth + i + 1} (${formatTransition(t)}): ${this.model.whyNot(m, t)}`);
			m = this.model.step(m, t).state;
		}
		let at = start;
		let fork = start;
		for (const t of schedule) {
			const r = this.child(at, t);
			if (!r.created) fork = r.point;
			at = r.point;
		}
		const b: Branch = {name: opts.name ?? this.autoName(), head: at.id, forkedFrom: fork.id};
		this.list.push(b);
		this.curBranch = this.list.length - 1;
		this.cur = at.id;
		this.touch();
		return b;
	}

	/** Restore a branch exactly as recorded (fork point given): used by recordings. */
	restoreBranch(name: string, from: PointId | null, schedule: readonly Transition[], first = false): Branch {
		let at = this.point(from ?? 0);
		for (let i = 0; i < schedule.length; i++) {
			try {
				at = this.child(at, schedule[i]!).point;
			} catch (err) {
				if (err instanceof SessionError) throw new SessionError(`step ${at.depth + 1} (${formatTransition(schedule[i]!)}): ${err.message}`);
				throw err;
			}
		}
		const b: Branch = {name, head: at.id, forkedFrom: from};
		if (first) {
			this.list[0] = b;
		} else {
			this.list.push(b);
		}
		this.touch();
		return b;
	}

	/** Breakpoints that hold at a state for `cpu` (null = any). */
	hitBreakpoint(p: Point, cpu: number | null): Breakpoint | undefined {
		return this.breakpoints.find(bp => {
			if (bp.kind === 'line') {
				const cpus = bp.cpu !== null ? [bp.cpu] : cpu !== null ? [cpu] : p.state.cpus.map(c => c.id);
				return cpus.some(c => p.state.cpus[c] && p.state.cpus[c]!.pc >= 0 && this.model.lineOf(p.state, c) === bp.line);
			}
			try {
				return bp.test(p.state);
			} catch {
				return false;
			}
		});
	}

	runCpu(cpu: number, limit = RUN_LIMIT): RunOutcome {
		const m0 = this.cursor.state;
		if (!m0.cpus[cpu]) return {steps: 0, stopped: 'blocked', reason: this.model.whyNot(m0, {cpu, irq: false})};
		let steps = 0;
		for (;;) {
			const m = this.cursor.state;
			const why = this.model.blockedReason(m, cpu);
			if (why === 'finished') return {steps, stopped: 'finished', reason: `CPU${cpu} finished`};
			if (why !== null) return {steps, stopped: 'blocked', reason: `CPU${cpu} is ${why}`};
			if (steps >= limit) return {steps, stopped: 'limit', reason: `stopped after ${steps} steps (limit)`};
			const r = this.step({cpu, irq: false});
			if (!r.ok) return {steps, stopped: 'blocked', reason: r.reason};
			steps++;
			const p = r.point;
			if (p.violations.length) return {steps, stopped: 'violation', reason: `${p.violations[0]!.kind}: ${p.violations[0]!.message}`};
			if (p.state.cpus[cpu]!.pc < 0) return {steps, stopped: 'finished', reason: `CPU${cpu} finished`};
			const bp = this.hitBreakpoint(p, cpu);
			if (bp) return {steps, stopped: 'breakpoint', reason: bp.kind === 'line' ? `breakpoint at line ${bp.line}` : `breakpoint: ${bp.text}`};
		}
	}

	swapWithPrevious(): StepOutcome {
		const c = this.cursor;
		if (c.depth < 2) return {ok: false, reason: `nothing to swap: the cursor is at step ${c.depth}; swapping needs a step before it`};
		const prev = this.point(c.parent!);
		const a = prev.transition!;
		const b = c.transition!;
		if (a.cpu === b.cpu) return {ok: false, reason: `steps ${prev.depth} and ${c.depth} are both CPU${a.cpu}'s: one CPU's steps run in program order`};
		const g = this.point(prev.parent!);
		if (!this.model.isEnabled(g.state, b)) return {ok: false, reason: `${formatTransition(b)} cannot go first at step ${g.depth + 1}: ${this.model.whyNot(g.state, b)}`};
		const m1 = this.model.step(g.state, b).state;
		if (!this.model.isEnabled(m1, a)) return {ok: false, reason: `after ${formatTransition(b)}, ${formatTransition(a)} cannot follow at step ${c.depth}: ${this.model.whyNot(m1, a)}`};
		const m2 = this.model.step(m1, a).state;
		const rest = this.scheduleTo(this.branch.head).slice(c.depth);
		const schedule: Transition[] = [b, a];
		let m = m2;
		for (const t of rest) {
			if (!this.model.isEnabled(m, t)) break;
			m = this.model.step(m, t).state;
			schedule.push(t);
		}
		// The same path may already exist (swapping back): go there.
		let p: Point | undefined = g;
		for (const t of schedule) p = p && this.childWith(p, t);
		if (p) {
			const owner = this.list.find(br => br.head === p!.id) ?? this.branchOf(p.id);
			this.curBranch = this.list.indexOf(owner);
			this.cur = this.ancestorAt(p.id, c.depth).id;
			this.touch();
			return {ok: true, point: this.cursor, newBranch: null};
		}
		const br = this.addSchedule(schedule, {from: g.id});
		this.cur = this.ancestorAt(br.head, c.depth).id;
		this.touch();
		return {ok: true, point: this.cursor, newBranch: br.name};
	}

	diff(a: PointId, b: PointId): Diff {
		return changes(this.point(a).state, this.point(b).state);
	}

	lastChange(path: string): Point | null {
		const slice = sliceFor(path);
		let p = this.cursor;
		let value = flatten(p.state).get(path);
		while (p.parent !== null) {
			const parent = this.points[p.parent]!;
			// immer shares unchanged subtrees: only flatten when the part of the machine the path lives in changed.
			if (parent.state !== p.state && slice(parent.state) !== slice(p.state)) {
				const before = flatten(parent.state).get(path);
				if (before !== value) return p;
				value = before;
			}
			p = parent;
		}
		return null;
	}
}

/** The part of a machine a flat path (as in `flatten`) is computed from, for cheap "unchanged" tests. */
function sliceFor(path: string): (m: Machine) => unknown {
	const cpu = /^CPU(\d+)\./.exec(path);
	if (cpu) return m => m.cpus[Number(cpu[1])];
	if (/^(pte|table)\[/.test(path)) return m => m.pt;
	if (path.startsWith('page[')) return m => m.memmap;
	if (path.startsWith('pfn[')) return m => m.pfns;
	if (path.startsWith('fs.')) return m => m.fs;
	if (path.startsWith('rcu.')) return m => m.rcu;
	if (path === 'signal') return m => m.sigbus;
	const dot = path.indexOf('.');
	if (dot > 0) return m => (m.pgmaps[path.slice(0, dot)] ? m.pgmaps : m);
	return m => m;
}

export function createSession(model: Model): SessionImpl {
	return new SessionImpl(model);
}
