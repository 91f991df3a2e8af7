// The TUI's controller: the session plus UI state (message, command line,
// pending prefix, overlay, zoom, scroll), one `key` entry point that the
// single input handler feeds, dispatching through the keymap, and the view
// derived from both on demand. What the keys do to the session is in
// actions.ts, the `:` commands in commandline.ts and inspect.ts; all of it
// goes through the Session interface.

import type {Transition} from '../machine/types.js';
import {sourceLine, statementText} from '../render/trace.js';
import {loopStart} from '../render/diagram.js';
import type {Point, PointId, Session} from '../session/types.js';
import {compactSchedule, continueRun, runCpu, saveRecording, search, stepCpu, toggleBreak} from './actions.js';
import {execLine} from './commandline.js';
import {commandFor, type CommandId, type KeyName} from './keymap.js';
import {bodyRows, diffPage, helpPage, layoutKind, type Size, zoomOrder} from './layout.js';
import type {DiffView} from './inspect.js';
import {treeOrder} from './panes.js';
import {otherStateLines, STATE_PANES} from './statepanes.js';
import {blockedReasons, type BranchInfo, changedPaths, cursorEffects, irqsOffSince, lastSteps, type MessageKind, type Overlay, type PathEntry, type View, type Zoom} from './view.js';

/** What a search found: a schedule from the point searched (a livelock's loop is its last `loop` steps). */
export type SearchResult = {schedule: Transition[]; summary: string; loop?: number} | {schedule: null; summary: string};

/** What the App can do beyond the session; absent ones say so when used. */
export type Services = {
	/** `:set k=v`, `:variant NAME`: a fresh session on the scenario with these params and this variant (null: none). */
	reopen?: (sets: Record<string, string>, variant: string | null) => Session;
	/** The session came from this recording: `reopen` reads the text recorded in it, not the file on disk. */
	recording?: string;
	/** Save a recording; returns the path written (absolute). `force` overwrites an existing file. */
	save?: (s: Session, path?: string, force?: boolean) => string;
	/** Auto-save the session (as on quit); returns the path written. */
	autosave?: (s: Session) => string;
	/** Export the current branch as the Markdown report (`x`) or the race diagram alone (`:export diagram`, for a mail); returns the path written. */
	exportReport?: (s: Session, format?: ExportFormat) => string;
	/** Search for a violation from a point. */
	search?: (s: Session, from: PointId, progress: (text: string) => void, signal?: AbortSignal) => Promise<SearchResult>;
};

export type KeyResult = 'quit' | null;

export type ExportFormat = 'markdown' | 'diagram';

export class Controller {
	session: Session;
	message: {text: string; kind: MessageKind} | null = null;
	prompt: string | null = null;
	pending: 'i' | 'r' | null = null;
	overlay: Overlay = 'none';
	seed = 1;
	/** The branch under the tree overlay's cursor. */
	treeCursor: string | null = null;
	/** Compact layout: which state section is shown (0 = all, changed first). */
	statePane = 0;
	sets: Record<string, string>;
	busy = false;
	/** A key was refused during the running search: its progress line says why keys do nothing (the refusal itself is overwritten by the next progress). */
	busyRefused = false;
	/** The pane shown at full size (`z`), or none. */
	zoom: Zoom | null = null;
	/** First line of the help shown. */
	helpScroll = 0;
	/** What `:diff` compared (shown in the diff overlay), and its first line shown. */
	diff: DiffView | null = null;
	diffScroll = 0;
	/** The terminal's size (the App keeps it current): under the minimum no key but quit acts. */
	size: Size | null = null;
	/** Keys pressed under the "terminal too small" screen (it says they did nothing). */
	ignoredKeys = 0;
	/** Every param set opened by :set, each with its own tree (the current one among them). */
	roots: {sets: Record<string, string>; session: Session}[] = [];
	/** Livelock loops found on branches (by name): steps [from, to] repeat for ever. */
	private loopsBySession = new WeakMap<Session, Map<string, {from: number; to: number}>>();
	get loops(): Map<string, {from: number; to: number}> {
		let m = this.loopsBySession.get(this.session);
		if (!m) this.loopsBySession.set(this.session, (m = new Map()));
		return m;
	}
	/** Where quitting saved the session; null: quit without saving (:quit!); undefined: not quit yet. */
	savedOnQuit: string | null | undefined = undefined;
	/** The running search (Esc cancels it). */
	searching: AbortController | null = null;
	private pathKey = '';
	private pathCache: Point[] = [];
	/** Bumped when a note changes (the path cache keys on it). */
	notesVersion = 0;
	private violationsOf: Point[] | null = null;
	private pathViolations: View['violations'] = [];

	constructor(
		session: Session,
		readonly services: Services = {},
		sets: Record<string, string> = {},
		/** Called when something changes asynchronously (search progress). */
		public onChange: () => void = () => {},
	) {
		this.session = session;
		this.sets = {...sets};
		this.opened = {session, version: session.version, breakpoints: JSON.stringify(session.breakpoints)};
	}

	private readonly opened: {session: Session; version: number; breakpoints: string};

	/** Anything to save since the session was opened (a step, a cursor move, a note, a breakpoint, :set)? */
	changed(): boolean {
		const o = this.opened;
		return this.session !== o.session || this.session.version !== o.version || JSON.stringify(this.session.breakpoints) !== o.breakpoints;
	}

	say(text: string, kind: MessageKind = 'info'): void {
		this.message = {text, kind};
	}

	/** Stop background work (a running search) so the process can exit. */
	dispose(): void {
		this.searching?.abort();
	}

	// ------------------------------------------------------------ input

	/** Handle key names (one chunk may hold several). */
	keys(names: KeyName[]): KeyResult {
		for (const k of names) if (this.key(k) === 'quit') return 'quit';
		return null;
	}

	key(name: KeyName): KeyResult {
		if (name === 'ctrl+c') return this.quit();
		// the "terminal too small" screen shows nothing to act on: only q (which it names) works
		if (this.size && layoutKind(this.size) === 'too-small') {
			if (name === 'q') return this.quit();
			this.ignoredKeys++;
			return null;
		}
		this.ignoredKeys = 0;
		if (this.busy && this.searching && name === 'escape') {
			this.searching.abort();
			this.say('cancelling the search…', 'warn');
			return null;
		}
		if (this.prompt !== null) return this.promptKey(name);
		if (this.pending) {
			const what = this.pending;
			this.pending = null;
			if (/^[0-9]$/.test(name)) {
				if (what === 'i') stepCpu(this, Number(name), true);
				else runCpu(this, Number(name));
			} else this.say(`${what}: cancelled (expected a CPU digit)`, 'warn');
			return null;
		}
		if (this.overlay === 'tree') return this.treeKey(name);
		if (this.overlay === 'help') return this.helpKey(name);
		if (this.overlay === 'diff') return this.diffKey(name);
		if (name === 'escape') {
			if (this.zoom) {
				this.zoom = null;
				this.say('zoom off');
			} else this.message = null;
			return null;
		}
		const cmd = commandFor(name);
		if (!cmd) return null;
		return this.command(cmd, name);
	}

	/** Keys while the help is open: it scrolls (↑↓ k j, PgUp PgDn, Home End); Esc ? q Enter close it. */
	private helpKey(name: KeyName): KeyResult {
		if (name === 'escape' || name === 'q' || name === '?' || name === 'enter') {
			this.overlay = 'none';
			return null;
		}
		this.helpScroll = this.scrolled(name, this.helpScroll, (w, body) => helpPage(w, body, 0).max);
		return null;
	}

	/** Keys while the diff is open: it scrolls as the help does; Esc q Enter close it. */
	private diffKey(name: KeyName): KeyResult {
		if (name === 'escape' || name === 'q' || name === 'enter') {
			this.overlay = 'none';
			return null;
		}
		this.diffScroll = this.scrolled(name, this.diffScroll, (w, body) => diffPage(this.diff!, w, body, 0).max);
		return null;
	}

	/** A scrolling overlay's new first line after a key: the same page the layout draws, so its last line can be reached, no further. */
	private scrolled(name: KeyName, at: number, maxOf: (width: number, body: number) => number): number {
		const size = this.size ?? {columns: 100, rows: 30};
		const body = bodyRows(this.view(), size);
		const page = Math.max(1, body - 3);
		const delta = {up: -1, k: -1, down: 1, j: 1, pageup: -page, pagedown: page, ' ': page, home: -Infinity, end: Infinity}[name];
		return delta === undefined ? at : Math.max(0, Math.min(maxOf(size.columns, body), at + delta));
	}

	/** Open the diff overlay on what `:diff` compared. */
	openDiff(d: DiffView): void {
		this.diff = d;
		this.diffScroll = 0;
		this.overlay = 'diff';
	}

	/** A branch was renamed: what the UI keeps by branch name follows it. */
	renamed(from: string, to: string): void {
		const loop = this.loops.get(from);
		if (loop) {
			this.loops.delete(from);
			this.loops.set(to, loop);
		}
		if (this.treeCursor === from) this.treeCursor = to;
	}

	/** Keys while the branch tree is open: a cursor (↑↓ k j), Enter switches, Esc / t / q close. */
	private treeKey(name: KeyName): KeyResult {
		const cmd = commandFor(name);
		if (name === 'escape' || name === 'q' || name === 't' || name === '?') {
			this.overlay = 'none';
			return null;
		}
		const order = treeOrder(this.view().branches).map(b => b.name);
		let i = Math.max(0, order.indexOf(this.treeCursor ?? this.session.branch.name));
		if (cmd === 'treeUp' || cmd === 'treeDown') {
			i = (i + (cmd === 'treeUp' ? -1 : 1) + order.length) % order.length;
			this.treeCursor = order[i]!;
			return null;
		}
		if (cmd === 'treeSelect') {
			const target = order[i]!;
			this.overlay = 'none';
			this.treeCursor = null;
			if (target === this.session.branch.name) this.say(`already on branch ${target}`);
			else if (this.busy) this.say('busy: a search is running', 'warn');
			else if (this.session.switchBranch(target)) this.say(`branch ${target} (${this.session.branches.findIndex(b => b.name === target) + 1}/${this.session.branches.length}), step ${this.session.cursor.depth}`);
			return null;
		}
		if (cmd === 'prevBranch' || cmd === 'nextBranch') {
			const r = this.command(cmd, name);
			this.treeCursor = this.session.branch.name;
			return r;
		}
		return null;
	}

	command(cmd: CommandId, name: KeyName): KeyResult {
		if (this.busy && cmd !== 'quit' && cmd !== 'help') {
			this.busyRefused = true;
			this.say('busy: a search is running', 'warn');
			return null;
		}
		const s = this.session;
		switch (cmd) {
			case 'step':
				stepCpu(this, Number(name), false);
				break;
			case 'irq':
			case 'run':
				this.pending = cmd === 'irq' ? 'i' : 'r';
				this.message = null;
				break;
			// the timeline runs down the screen: ↑ is back in time, ↓ forward (in the tree and the help they move and scroll)
			case 'rewind':
			case 'treeUp':
				if (s.rewind(1)) this.say(`rewound to step ${s.cursor.depth}`);
				else this.say('at step 0: nothing to rewind', 'warn');
				break;
			case 'redo':
			case 'treeDown':
				if (s.redo(1)) this.say(`step ${s.cursor.depth}: ${this.describe(s.cursor)}`);
				else this.say(`at the head of branch ${s.branch.name}: step a CPU to go on`, 'warn');
				break;
			case 'first':
			case 'last': {
				const head = s.point(s.branch.head).depth;
				const to = cmd === 'first' ? 0 : head;
				if (s.cursor.depth === to) this.say(cmd === 'first' ? 'already at step 0' : `already at the last step of branch ${s.branch.name} (step ${head})`);
				else if (s.goto(to)) this.say(`step ${to}${cmd === 'last' ? ` (the last of branch ${s.branch.name})` : ''}: ${this.describe(s.cursor)}`);
				break;
			}
			case 'prevBranch':
			case 'nextBranch': {
				if (s.branches.length < 2) {
					this.say('only one branch: rewind and step another CPU to make one', 'warn');
					break;
				}
				const b = s.cycleBranch(cmd === 'prevBranch' ? -1 : 1);
				this.say(`branch ${b.name} (${s.branches.indexOf(b) + 1}/${s.branches.length})`);
				break;
			}
			case 'tree':
				this.overlay = 'tree';
				this.treeCursor = s.branch.name;
				break;
			case 'treeSelect':
			case 'close':
				break; // only in the tree (Esc is handled before the table)
			case 'statePane':
				// the full layout shows every section: nothing to cycle, and a hidden choice would surprise after a resize
				if (this.size && layoutKind(this.size) === 'full') {
					this.say('every state section is on screen at this size: Tab picks one when the terminal is narrower than 100 columns or shorter than 35 rows; z zooms the state', 'warn');
					break;
				}
				this.statePane = (this.statePane + 1) % STATE_PANES.length;
				// the generic section only when there is something in it
				if (STATE_PANES[this.statePane] === 'other' && !otherStateLines(s.cursor.state, new Set()).length) this.statePane = 0;
				this.say(`state pane: ${STATE_PANES[this.statePane]} (Tab cycles)`);
				break;
			case 'help':
				this.overlay = 'help';
				this.helpScroll = 0;
				break;
			case 'zoom': {
				const order = zoomOrder(s.model.cpuCount);
				const i = this.zoom ? order.findIndex(z => JSON.stringify(z) === JSON.stringify(this.zoom)) : -1;
				this.zoom = i + 1 < order.length ? order[i + 1]! : null;
				const z = this.zoom;
				this.say(z ? `zoomed: ${z.kind === 'cpu' ? `CPU${z.cpu}` : z.kind} (z: next pane, Esc: back)` : 'zoom off');
				break;
			}
			case 'search':
				void search(this);
				break;
			case 'continue':
				continueRun(this);
				break;
			case 'breakpoint': {
				const cpu = s.cursor.transition?.cpu ?? 0;
				const line = s.model.lineOf(s.cursor.state, cpu);
				toggleBreak(this, line, cpu);
				break;
			}
			case 'save':
				saveRecording(this);
				break;
			case 'export':
				this.exportBranch('markdown');
				break;
			case 'commandLine':
				this.prompt = '';
				break;
			case 'quit':
				return this.quit();
		}
		return null;
	}

	/**
	 * Quit, the session saved first: where it went is `savedOnQuit` (run.tsx
	 * prints it). When no save is possible the quit is refused, with the
	 * reason and the ways out: a session is never lost without being asked.
	 */
	quit(save = true): KeyResult {
		if (!save) {
			this.savedOnQuit = null;
			return 'quit';
		}
		// an open that changed nothing leaves nothing behind (run.tsx says so)
		if (!this.services.autosave || !this.changed()) return 'quit';
		try {
			this.savedOnQuit = this.services.autosave(this.session);
			return 'quit';
		} catch (err) {
			this.say(`not quitting: the session could not be saved (${err instanceof Error ? err.message : String(err)}); :save PATH saves it somewhere writable, :quit! quits without saving`, 'error');
			return null;
		}
	}

	private promptKey(name: KeyName): KeyResult {
		if (name === 'escape') this.prompt = null;
		else if (name === 'enter') {
			const line = this.prompt!.trim();
			this.prompt = null;
			if (line) return this.exec(line) ?? null;
		} else if (name === 'backspace') {
			if (this.prompt === '') this.prompt = null;
			else this.prompt = this.prompt!.slice(0, -1);
		} else if (name.length === 1) this.prompt += name;
		return null;
	}

	// ------------------------------------------------------------ helpers of the actions (actions.ts, commandline.ts)

	attempt(f: () => void): void {
		try {
			f();
		} catch (err) {
			this.say(err instanceof Error ? err.message : String(err), 'error');
		}
	}

	/** `x` and `:export`: the current branch into .racewalk/, saying where and what is in it. */
	exportBranch(format: ExportFormat): void {
		if (!this.services.exportReport) {
			this.say('export is not available in this build', 'warn');
			return;
		}
		this.attempt(() => {
			const path = this.services.exportReport!(this.session, format);
			this.say(format === 'diagram' ? `race diagram of branch ${this.session.branch.name} written to ${path} (plain text, 80 columns: paste it into a mail)` : `report written to ${path} (Markdown: the race diagram, the violations, the objects' state, the command that reproduces it; :export diagram writes the diagram alone)`, 'ok');
		});
	}

	describe(p: Point): string {
		const t = p.transition;
		if (!t) return 'initial state';
		if (t.irq) return `CPU${t.cpu} took its interrupt`;
		const before = p.parent === null ? null : this.session.point(p.parent).state;
		return `CPU${t.cpu} line ${p.line}: ${before ? statementText(this.session.model, before, t, p.line) : sourceLine(this.session.model, p.line)}`;
	}

	/** A recorded livelock branch (explore --record, an earlier e): its loop from the note on the step it starts after. */
	private loopFromNote(path: Point[]): {from: number; to: number} | null {
		const at = loopStart(path);
		return at === undefined || at >= path.length - 1 ? null : {from: at + 1, to: path.length - 1};
	}

	/** A `:` command line (commandline.ts); `quit` when it quits. */
	exec(line: string): KeyResult | void {
		return execLine(this, line);
	}

	// ------------------------------------------------------------ view

	path(): Point[] {
		const s = this.session;
		const key = `${s.branch.name}|${s.branch.head}|${s.branches.length}|${this.notesVersion}`;
		if (key !== this.pathKey || this.pathCache[0] !== s.point(0)) {
			this.pathCache = s.pathOf();
			this.pathKey = key;
		}
		return this.pathCache;
	}

	view(): View {
		const s = this.session;
		const path = this.path();
		const cur = s.cursor;
		if (this.violationsOf !== path) {
			this.violationsOf = path;
			this.pathViolations = [];
			for (let i = 1; i < path.length; i++) for (const v of path[i]!.violations) this.pathViolations.push({step: i, v});
		}
		const violations = this.pathViolations.filter(x => x.step <= cur.depth);
		const prev = cur.parent === null ? null : s.point(cur.parent).state;
		const branches: BranchInfo[] = s.branches.map(b => {
			const head = s.point(b.head);
			// the branch it left: the first (creation order) holding its fork point; only for the tree overlay
			const owner = this.overlay === 'tree' && b.forkedFrom !== null ? s.branchOf(b.forkedFrom).name : null;
			const parent = owner === b.name ? null : owner;
			const schedule = this.overlay === 'tree' ? {schedule: compactSchedule(s.pathOf(b.name).slice(1).map(p => p.transition!))} : {};
			return {name: b.name, head: head.depth, forkedAt: b.forkedFrom === null ? null : s.point(b.forkedFrom).depth, parent, current: b.name === s.branch.name, headViolation: head.state.violations[0]?.kind ?? null, ...schedule};
		});
		return {
			model: s.model,
			state: cur.state,
			prev,
			step: cur.depth,
			total: path.length - 1,
			branch: s.branch.name,
			branchIndex: s.branches.findIndex(b => b.name === s.branch.name),
			branches,
			last: cur.transition,
			path: path as readonly PathEntry[],
			violations,
			breakpoints: s.breakpoints.flatMap(b => (b.kind === 'line' ? [{cpu: b.cpu, line: b.line}] : [])),
			message: this.message,
			prompt: this.prompt,
			pending: this.pending,
			overlay: this.overlay,
			treeCursor: this.treeCursor,
			statePane: this.statePane,
			changed: changedPaths(prev, cur.state),
			// the cursor is on the branch: path[i] is its ancestor at step i
			irqsOffSince: irqsOffSince(i => path[i]!.state, cur.depth),
			effects: cursorEffects(s.model, cur, prev, cur.state),
			blocked: blockedReasons(s.model, path, cur.depth, cur.state),
			lastSteps: lastSteps(path, cur.depth, s.model.cpuCount),
			zoom: this.zoom,
			ignoredKeys: this.ignoredKeys,
			helpScroll: this.helpScroll,
			diff: this.overlay === 'diff' ? this.diff : null,
			diffScroll: this.diffScroll,
			loop: this.loops.get(s.branch.name) ?? this.loopFromNote(path),
			roots: this.roots.length > 1 ? this.roots.map(r => ({params: Object.entries(r.sets).map(([k, v]) => `${k}=${v}`).join(' ') || '(the defaults)', branches: r.session.branches.length, current: r.session === s})) : [],
		};
	}
}
