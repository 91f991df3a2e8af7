// What the keys do to the session: step a CPU, run it, breakpoints, the
// random scheduler, save, and the search (which runs in the background and
// opens what it finds as a branch). Functions over the controller, which
// owns the UI state they report into (the message, busy, the loops found).

import {isAbsolute, relative} from 'node:path';
import type {Transition} from '../machine/types.js';
import {formatTransition, parseSchedule} from '../lang/schedule.js';
import {irqsOffSince as irqsOffNote} from '../render/blocked.js';
import {sourceLine} from '../render/trace.js';
import {count} from '../render/wrap.js';
import {continueRandom, existingPath} from './continue.js';
import type {Controller} from './controller.js';

const CONTINUE_LIMIT = 10_000;
/** `r`: steps before giving the terminal back (a CPU may loop for ever). */
const RUN_LIMIT = 1000;

export function stepCpu(c: Controller, cpu: number, irq: boolean): void {
	const s = c.session;
	const n = s.model.cpuCount;
	if (cpu >= n) {
		c.say(`there is no CPU${cpu}: this scenario has CPU0-CPU${n - 1}`, 'warn');
		return;
	}
	const t = {cpu, irq};
	if (!s.model.isEnabled(s.cursor.state, t)) {
		c.say(s.model.whyNot(s.cursor.state, t) + irqsOffHint(c, s.model.whyNot(s.cursor.state, t)) + (irq ? pendingHint(c) : ''), 'warn');
		return;
	}
	const r = s.step(t);
	if (!r.ok) {
		c.say(r.reason, 'warn');
		return;
	}
	const v = r.point.violations[0];
	const text = `step ${r.point.depth}: ${c.describe(r.point)}${r.newBranch ? `  → new branch ${r.newBranch}` : ''}`;
	c.say(v ? `${text}  !! ${v.kind}` : text, v ? 'error' : r.newBranch ? 'ok' : 'info');
}

/** After a refused `i<n>`: the interrupts that can be taken now, so the next key is not a guess. */
function pendingHint(c: Controller): string {
	const s = c.session;
	const now = s.model.enabled(s.cursor.state).filter(t => t.irq);
	if (now.length) return ` (${now.map(t => `i${t.cpu}`).join(', ')} can be taken now)`;
	const waiting = s.cursor.state.cpus.filter(x => x.ipis.length).map(x => `CPU${x.id}`);
	return waiting.length ? ` (${waiting.join(', ')} ${waiting.length === 1 ? 'has one' : 'have one'}, but cannot take it now)` : ' (no CPU has one pending)';
}

/** "; CPU0 has IRQs off since step 3" for every CPU a reason names as having IRQs off. */
function irqsOffHint(c: Controller, reason: string): string {
	return irqsOffNote(c.path().slice(0, c.session.cursor.depth + 1).map(p => p.state), reason);
}

/** A schedule with runs of one CPU folded (`1 1 1 1 1 1 1 2` is `1*7 2`): what parseSchedule reads back. */
export function compactSchedule(ts: readonly Transition[]): string {
	const out: string[] = [];
	for (let i = 0; i < ts.length; ) {
		let j = i;
		while (j < ts.length && ts[j]!.cpu === ts[i]!.cpu && ts[j]!.irq === ts[i]!.irq) j++;
		const tok = formatTransition(ts[i]!);
		out.push(j - i > 2 ? `${tok}*${j - i}` : Array.from({length: j - i}, () => tok).join(' '));
		i = j;
	}
	return out.join(' ');
}

/**
 * `:play 1*7 2`: a schedule as `racewalk run -s` takes it, stepped from the
 * cursor as the digit keys step (along the branch, on from its head, or a new
 * branch where it leaves it). Checked whole first: a step that cannot be
 * taken leaves the tree as it was.
 */
export function playSchedule(c: Controller, text: string): void {
	const s = c.session;
	const usage = ':play needs a schedule, as racewalk run -s takes it: :play 1*7 2 (CPU digits; i2 = CPU2 takes its pending interrupt)';
	let ts;
	try {
		ts = parseSchedule(text);
	} catch (err) {
		c.say(`:play: ${err instanceof Error ? err.message : String(err)}`, 'warn');
		return;
	}
	if (!ts.length) {
		c.say(usage, 'warn');
		return;
	}
	const start = s.cursor.depth;
	let m = s.cursor.state;
	for (let i = 0; i < ts.length; i++) {
		const t = ts[i]!;
		const why = t.cpu >= s.model.cpuCount ? `there is no CPU${t.cpu}: this scenario has CPU0-CPU${s.model.cpuCount - 1}` : s.model.isEnabled(m, t) ? null : s.model.whyNot(m, t);
		if (why !== null) {
			c.say(`:play: step ${start + i + 1} (${formatTransition(t)}, token ${i + 1}) cannot be taken: ${why}; nothing played`, 'warn');
			return;
		}
		m = s.model.step(m, t).state;
	}
	let fork: string | null = null;
	let first: {step: number; kind: string} | null = null;
	for (const t of ts) {
		const r = s.step(t);
		if (!r.ok) {
			c.say(`:play stopped at step ${s.cursor.depth}: ${r.reason}`, 'warn');
			return;
		}
		fork ??= r.newBranch;
		if (!first && r.point.violations.length) first = {step: r.point.depth, kind: r.point.violations[0]!.kind};
	}
	const found = first ? `; !! ${first.kind} at step ${first.step}` : '';
	c.say(`played ${count(ts.length, 'step')}: steps ${start + 1}-${s.cursor.depth}${fork ? `  → new branch ${fork}` : ` on branch ${s.branch.name}`}${found}`, first ? 'error' : fork ? 'ok' : 'info');
}

export function runCpu(c: Controller, cpu: number): void {
	const s = c.session;
	if (cpu >= s.model.cpuCount) {
		c.say(`there is no CPU${cpu}: this scenario has CPU0-CPU${s.model.cpuCount - 1}`, 'warn');
		return;
	}
	const before = s.branches.length;
	const r = s.runCpu(cpu, RUN_LIMIT);
	const fork = s.branches.length > before ? `  → new branch ${s.branch.name}` : '';
	// the session's reasons say what stopped the run ("breakpoint at line 96", "CPU1 finished"): not named twice
	const reason = r.stopped === 'limit' ? `CPU${cpu} still runs after ${RUN_LIMIT} steps (a loop? see the timeline; r${cpu} again goes on)` : r.stopped === 'violation' ? `violation ${r.reason}` : r.reason;
	c.say(`r${cpu}: ${r.steps} step${r.steps === 1 ? '' : 's'}, ${reason}${fork}`, r.stopped === 'violation' ? 'error' : r.steps === 0 || r.stopped === 'limit' ? 'warn' : 'info');
}

export function toggleBreak(c: Controller, line: number, cpu: number | null): void {
	const s = c.session;
	const i = s.breakpoints.findIndex(b => b.kind === 'line' && b.line === line && (b.cpu === cpu || b.cpu === null || cpu === null));
	if (i >= 0) {
		s.breakpoints.splice(i, 1);
		c.say(`breakpoint removed: line ${line}`);
	} else {
		s.breakpoints.push({kind: 'line', cpu, line});
		c.say(`breakpoint set: line ${line}${cpu === null ? '' : ` (CPU${cpu})`}: ${sourceLine(s.model, line)}`, 'ok');
	}
}

/** `:break N`: only on a line that holds a statement of some CPU (of that CPU with cpu:line). */
export function breakAt(c: Controller, line: number, cpu: number | null): void {
	const s = c.session;
	if (cpu !== null && cpu >= s.model.cpuCount) {
		c.say(`:break ${cpu}:${line}: there is no CPU${cpu}: this scenario has CPU0-CPU${s.model.cpuCount - 1}`, 'warn');
		return;
	}
	const cpus = s.model.program.cpus.filter(p => cpu === null || p.id === cpu);
	if (!cpus.some(p => p.instrs.some(i => i.line === line))) {
		c.say(cpu === null ? `line ${line} holds no statement of any CPU` : `line ${line} holds no statement of CPU${cpu}`, 'warn');
		return;
	}
	toggleBreak(c, line, cpu);
}

export function listBreaks(c: Controller): void {
	const bs = c.session.breakpoints;
	if (!bs.length) {
		c.say('no breakpoints (:break N sets one, b on the current line)');
		return;
	}
	c.say(`breakpoints: ${bs.map(b => (b.kind === 'line' ? `${b.cpu === null ? '' : `${b.cpu}:`}${b.line}` : b.text)).join(', ')}  (:clear N removes)`);
}

export function clearBreak(c: Controller, line: number): void {
	const s = c.session;
	const before = s.breakpoints.length;
	for (let i = s.breakpoints.length - 1; i >= 0; i--) {
		const b = s.breakpoints[i]!;
		if (b.kind === 'line' && b.line === line) s.breakpoints.splice(i, 1);
	}
	const n = before - s.breakpoints.length;
	c.say(n ? `breakpoint removed: line ${line}` : `no breakpoint on line ${line}`, n ? 'info' : 'warn');
}

export function continueRun(c: Controller): void {
	const s = c.session;
	const seed = c.seed++;
	const before = s.branches.length;
	const r = continueRandom(s, seed, CONTINUE_LIMIT);
	if (r.loop) c.loops.set(s.branch.name, r.loop);
	const fork = s.branches.length > before ? `, new branch ${s.branch.name}` : '';
	c.say(`continue (seed ${seed}): ${count(r.steps, 'step')}${fork}; ${r.stop}`, r.kind);
}

export function saveRecording(c: Controller, path?: string, force = false): void {
	if (!c.services.save) {
		c.say('saving recordings is not available in this build', 'warn');
		return;
	}
	try {
		const file = c.services.save(c.session, path, force);
		const rel = relative(process.cwd(), file);
		c.say(`recording saved to ${file}  (open it again: racewalk ${rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file})`, 'ok');
	} catch (err) {
		const text = err instanceof Error ? err.message : String(err);
		// the file layer speaks CLI (--force); here it is :save!
		c.say(path ? text.replace(/\(?use --force to replace it\)?/, `(:save! ${path} overwrites it)`) : text, 'error');
	}
}

export async function search(c: Controller): Promise<void> {
	const s = c.session;
	if (!c.services.search) {
		c.say('search is not available in this build', 'warn');
		return;
	}
	const from = s.cursor.id;
	c.busy = true;
	c.searching = new AbortController();
	c.say(`searching from step ${s.cursor.depth}… (Esc cancels)`);
	c.onChange();
	try {
		const r = await c.services.search(s, from, text => {
			c.say(`searching from step ${s.point(from).depth}: ${text}  (Esc cancels${c.busyRefused ? '; other keys do nothing until it ends' : ''})`);
			c.onChange();
		}, c.searching.signal);
		const existing = r.schedule ? existingPath(s, from, r.schedule) : null;
		if (!r.schedule) c.say(r.summary + variantHint(c), 'warn');
		else if (r.schedule.length === 0) c.say(`${r.summary}: the violation is already here`, 'warn');
		else if (existing !== null && r.loop === undefined) {
			// the tree already holds it: go there rather than add an equal branch
			s.gotoPoint(existing);
			c.say(`${r.summary}: already on branch ${s.branch.name} (step ${s.cursor.depth}); the cursor is there`, 'error');
		} else {
			const b = existing !== null ? s.branchOf(existing) : s.addSchedule(r.schedule, {from});
			if (existing !== null) s.gotoPoint(existing);
			// whole and short (1*7 2), as racewalk run -s and :play take it: it can be copied from here
			const sched = compactSchedule(r.schedule);
			const at = s.point(from).depth;
			if (r.loop !== undefined) {
				const loop = {from: at + r.schedule.length - r.loop + 1, to: at + r.schedule.length};
				c.loops.set(b.name, loop);
				markLoop(c, loop);
				c.say(`${r.summary} → branch ${b.name}: steps ${loop.from}-${loop.to} loop for ever (↻); schedule ${at ? `from step ${at}: ` : ''}${sched}`, 'error');
			} else c.say(`${r.summary} → branch ${b.name}: ${at ? `from step ${at}: ` : 'schedule '}${sched}`, 'error');
		}
	} catch (err) {
		c.say(`search failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
	} finally {
		c.busy = false;
		c.busyRefused = false;
		c.searching = null;
		c.onChange();
	}
}

/** After a search found nothing: the scenario's other variants (the buggy code is often one of them). */
function variantHint(c: Controller): string {
	const p = c.session.model.program;
	const others = p.scenario.variants.map(v => v.name).filter(n => n !== p.variant);
	return others.length ? `; other variants: ${others.join(', ')} (:variant NAME opens one)` : '';
}

/**
 * A note where a livelock's loop starts (kept in recordings; the exports
 * mark the loop from it), on the step before the loop as `explore --record`
 * puts it; the cursor ends at the loop's end.
 */
function markLoop(c: Controller, loop: {from: number; to: number}): void {
	const s = c.session;
	if (!s.goto(loop.from - 1)) return;
	if (!s.cursor.userNote?.startsWith('livelock:')) s.setNote(`livelock: from here steps ${loop.from}-${loop.to} repeat for ever without progress`);
	c.notesVersion++;
	s.goto(loop.to);
}
