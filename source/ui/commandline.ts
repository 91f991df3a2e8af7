// The `:` command line: goto, break/clear, note, save, swap, set (each param
// set a root of its own, kept with its tree), diff, last, rename (inspect.ts), help. One function over the
// controller, which owns the state these commands change.

import type {Session} from '../session/types.js';
import {mergeSetList} from '../lang/sets.js';
import {count} from '../render/wrap.js';
import type {Controller, KeyResult} from './controller.js';
import {breakAt, clearBreak, listBreaks, playSchedule, saveRecording} from './actions.js';
import {diffCommand, lastCommand, renameCommand} from './inspect.js';

export function execLine(c: Controller, line: string): KeyResult | void {
	const [word = '', ...restWords] = line.split(/\s+/);
	const rest = line.slice(word.length).trim();
	const s = c.session;
	switch (word) {
		case 'goto':
		case 'g': {
			const n = Number(rest);
			if (!/^\d+$/.test(rest)) c.say(`:goto needs a step number (0-${s.branch.head === s.cursor.id ? s.cursor.depth : s.point(s.branch.head).depth})`, 'warn');
			else if (s.goto(n)) c.say(`step ${n}: ${c.describe(s.cursor)}`);
			else c.say(`:goto ${n}: branch ${s.branch.name} has steps 0-${s.point(s.branch.head).depth}`, 'warn');
			break;
		}
		case 'break':
		case 'b': {
			if (!rest) {
				listBreaks(c);
				break;
			}
			const del = /^-(\d+)$/.exec(rest);
			if (del) {
				clearBreak(c, Number(del[1]));
				break;
			}
			const m = /^(?:(\d+):)?(\d+)$/.exec(rest);
			if (!m) c.say(':break needs a line number (or cpu:line); :break lists, :clear N removes', 'warn');
			else breakAt(c, Number(m[2]), m[1] === undefined ? null : Number(m[1]));
			break;
		}
		case 'clear': {
			if (!rest) {
				const n = s.breakpoints.length;
				s.breakpoints.splice(0);
				c.say(n ? `${n} breakpoint${n === 1 ? '' : 's'} removed` : 'no breakpoints to remove', n ? 'ok' : 'info');
			} else if (/^\d+$/.test(rest)) clearBreak(c, Number(rest));
			else c.say(':clear N removes the breakpoint on line N (:clear alone removes all)', 'warn');
			break;
		}
		case 'note':
			if (!rest && !s.cursor.userNote) {
				c.say(`no note on step ${s.cursor.depth} to remove (:note text attaches one; :note alone removes it)`, 'warn');
				break;
			}
			c.attempt(() => {
				s.setNote(rest);
				c.notesVersion++;
				c.say(rest ? `note on step ${s.cursor.depth}: ${rest}` : `note removed from step ${s.cursor.depth}`);
			});
			break;
		case 'save':
		case 'w':
		case 'save!':
		case 'w!':
			if (word.endsWith('!') && !rest) c.say(`:${word} needs a file name (:${word} FILE overwrites FILE)`, 'warn');
			else saveRecording(c, rest || undefined, word.endsWith('!'));
			break;
		case 'export':
		case 'diagram': {
			const format = word === 'diagram' ? 'diagram' : rest || 'markdown';
			if ((word === 'diagram' && rest) || (format !== 'diagram' && format !== 'markdown')) c.say(`:export takes diagram or markdown (:export diagram: the race diagram alone, for a mail; :export markdown or x: the report)`, 'warn');
			else c.exportBranch(format);
			break;
		}
		case 'play':
		case 'run':
			playSchedule(c, rest);
			break;
		case 'swap': {
			if (rest) {
				c.say(`:swap takes no argument: it swaps the step at the cursor with the one before (:goto N first)`, 'warn');
				break;
			}
			const r = s.swapWithPrevious();
			if (r.ok) c.say(`swapped steps ${r.point.depth - 1} and ${r.point.depth}${r.newBranch ? `  → new branch ${r.newBranch}` : ''}`, 'ok');
			else c.say(r.reason, 'warn');
			break;
		}
		case 'set': {
			if (!c.services.reopen) {
				c.say(':set is not available here', 'warn');
				break;
			}
			let sets: Record<string, string>;
			try {
				sets = mergeSetList(c.sets, restWords, ':set');
			} catch (err) {
				c.say(err instanceof Error ? err.message : String(err), 'warn');
				return;
			}
			if (!restWords.length) {
				c.say(`params: ${Object.entries(s.model.program.params).map(([k, v]) => `${k}=${v}`).join(' ')}`);
				break;
			}
			restart(c, sets, s.model.program.variant);
			break;
		}
		case 'variant': {
			const names = s.model.program.scenario.variants.map(v => v.name);
			const now = s.model.program.variant;
			if (!restWords.length) {
				c.say(names.length ? `variants: ${names.join(', ')} (now: ${now ?? 'none, the base scenario'}); :variant NAME opens one, :variant - the base` : 'this scenario has no variants', names.length ? 'info' : 'warn');
				break;
			}
			if (!c.services.reopen) {
				c.say(':variant is not available here', 'warn');
				break;
			}
			const want = rest === '-' || rest === 'none' ? null : rest;
			if (want === now) c.say(want ? `already on variant ${want}` : 'already on the base scenario (no variant)');
			else restart(c, c.sets, want);
			break;
		}
		case 'reload':
		case 'e':
			reload(c);
			break;
		case 'diff':
			diffCommand(c, restWords);
			break;
		case 'last':
		case 'when':
			lastCommand(c, rest);
			break;
		case 'rename':
			renameCommand(c, restWords);
			break;
		case 'q':
		case 'quit':
		case 'q!':
		case 'quit!':
			// `:q! x` is no way to quit: a mistyped :w, or a word meant for another command; quitting would end (:q! unsaved) the session
			if (rest) {
				c.say(`:${word} takes no argument (:save ${rest} saves there, then :${word} quits)`, 'warn');
				break;
			}
			return word.endsWith('!') ? c.quit(false) : c.quit();
		case 'help':
			c.overlay = 'help';
			break;
		default:
			c.say(`unknown command :${word} (try :goto N, :play SCHEDULE, :export diagram, :break N, :clear N, :note text, :save [path], :save! path, :swap, :set k=v, :variant NAME, :reload, :diff A [B], :last NAME, :rename NEW)`, 'warn');
	}
}

/** Where a root's label says which params and variant it runs. */
const rootLabel = (sets: Record<string, string>, variant: string | null): string => [variant ? `variant ${variant}` : '', Object.entries(sets).map(([k, v]) => `${k}=${v}`).join(' ')].filter(Boolean).join(' ') || '(the defaults)';

/**
 * `:set` and `:variant`: the scenario opened again with other params or
 * another variant, as a root of its own kept with its tree (returning to the
 * same params and variant returns to it). The session is saved first.
 */
function restart(c: Controller, sets: Record<string, string>, variant: string | null): void {
	const s = c.session;
	const cmd = variant === s.model.program.variant ? ':set' : ':variant';
	let fresh: Session;
	try {
		fresh = c.services.reopen!(sets, variant);
	} catch (err) {
		// the model layer speaks CLI (--set x=y: ...); here it is :set
		c.say((err instanceof Error ? err.message : String(err)).replace(/^--set\b/, ':set'), 'error');
		return;
	}
	// the old session's branches and notes are not thrown away: saved first, as on quit
	const saved = saveFirst(c, 'restarted', cmd);
	if (saved === null) return;
	// each param set (and variant) is a root of its own, kept with its tree: going back to it returns there
	const key = (x: Session): string => JSON.stringify([x.model.program.params, x.model.program.variant]);
	if (!c.roots.some(r => r.session === s)) c.roots.push({sets: c.sets, session: s});
	const known = c.roots.find(r => key(r.session) === key(fresh));
	const oldVariant = s.model.program.variant;
	const old = rootLabel(c.sets, oldVariant);
	const oldSets = Object.entries(c.sets).map(([k, v]) => `${k}=${v}`).join(' ');
	if (known) {
		c.session = known.session;
		c.sets = known.sets;
	} else {
		fresh.breakpoints = [...s.breakpoints];
		c.roots.push({sets, session: fresh});
		c.session = fresh;
		c.sets = sets;
	}
	const now = rootLabel(sets, variant);
	const back = variant !== oldVariant ? `:variant ${oldVariant ?? '-'}` : `:set ${oldSets || 'k=v'}`;
	c.say(`${known ? `back to the tree of ${now} (branch ${c.session.branch.name}, step ${c.session.cursor.depth})` : `restarted with ${now}`}; the tree of ${old} is kept (${back} returns to it; t lists the roots)${saved}`, 'ok');
}

/**
 * The session auto-saved before it is replaced: the words to end the
 * message with (after what happened: at 80 columns a long path first left
 * no room for the news), or null when it could not be saved (then replacing
 * it would lose what was not saved, so it is refused, as quitting is).
 */
function saveFirst(c: Controller, done: string, cmd: string): string | null {
	if (!c.services.autosave) return '';
	try {
		return `; the session before it saved to ${c.services.autosave(c.session)}`;
	} catch (err) {
		c.say(`not ${done}: the session could not be saved first (${err instanceof Error ? err.message : String(err)}); :save PATH, then ${cmd} again`, 'error');
		return null;
	}
}

/**
 * `:reload`: the scenario file read again after an edit. The current
 * branch's schedule is replayed on the new code as far as it still goes and
 * the cursor put back at its step, so an edit is seen on the same
 * interleaving. A file that no longer compiles is reported and the session
 * kept as it was. The old session is saved first, as :set does.
 */
function reload(c: Controller): void {
	const s = c.session;
	if (!c.services.reopen) {
		c.say(':reload is not available here', 'warn');
		return;
	}
	let fresh: Session;
	try {
		fresh = c.services.reopen(c.sets, s.model.program.variant);
	} catch (err) {
		// the first line names file:line:col and what is wrong; the excerpt under it does not fit a message line
		const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
		c.say(`:reload: ${text}; the session is unchanged (fix the file, then :reload again)`, 'error');
		return;
	}
	if (fresh.model.program.source === s.model.program.source) {
		// a recording reopens the text it carries (a bug report's file may not exist here): say how to read the edited file
		const rec = c.services.recording;
		c.say(rec !== undefined
			? `${rec} keeps the text of ${s.model.program.file} it was recorded with, so :reload finds no change; to step your edited file, open it: racewalk ${s.model.program.file}`
			: `${s.model.program.file}: unchanged since it was opened`);
		return;
	}
	const saved = saveFirst(c, 'reloaded', ':reload');
	if (saved === null) return;
	const path = s.pathOf();
	const depth = s.cursor.depth;
	let replayed = 0;
	let why = '';
	for (const p of path.slice(1)) {
		const r = fresh.step(p.transition!);
		if (!r.ok) {
			why = `; step ${replayed + 1} (${p.transition!.irq ? 'i' : ''}${p.transition!.cpu}) no longer runs: ${r.reason}`;
			break;
		}
		replayed++;
	}
	fresh.goto(Math.min(depth, replayed));
	fresh.breakpoints = s.breakpoints.filter(b => b.kind !== 'line' || fresh.model.program.cpus.some(p => (b.cpu === null || p.id === b.cpu) && p.instrs.some(i => i.line === b.line)));
	// the trees of the old text are of another program: they are not kept as roots
	c.roots = [];
	c.session = fresh;
	c.say(`reloaded ${s.model.program.file}: branch ${s.branch.name}'s ${count(path.length - 1, 'step')} replayed ${replayed === path.length - 1 ? 'whole' : `up to step ${replayed}${why}`}, as branch main of the new tree; cursor at step ${fresh.cursor.depth}${saved}`, replayed === path.length - 1 ? 'ok' : 'warn');
}
