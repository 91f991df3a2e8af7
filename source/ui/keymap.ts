// The one keymap: command -> keys + description. The single input handler of
// the App resolves keys through it, and the `?` help screen is generated from
// it, so the two cannot disagree.

import type {Key} from 'ink';

export type CommandId =
	| 'step'
	| 'irq'
	| 'run'
	| 'rewind'
	| 'redo'
	| 'first'
	| 'last'
	| 'prevBranch'
	| 'nextBranch'
	| 'tree'
	| 'treeUp'
	| 'treeDown'
	| 'treeSelect'
	| 'close'
	| 'statePane'
	| 'zoom'
	| 'search'
	| 'continue'
	| 'breakpoint'
	| 'save'
	| 'export'
	| 'commandLine'
	| 'help'
	| 'quit';

export type Binding = {
	command: CommandId;
	/** Key names: a printable character, `digit`, `left`, `right`, `ctrl+c`... */
	keys: string[];
	/** How the keys are shown in help and the footer. */
	label: string;
	description: string;
	/** The footer's short hint: keys, what. */
	footer?: [string, string];
};

export const KEYMAP: readonly Binding[] = [
	{command: 'step', keys: ['digit'], label: '0-9', description: 'step that CPU one statement', footer: ['0-9', 'step']},
	{command: 'irq', keys: ['i'], label: 'i <n>', description: 'CPU n takes its pending interrupt (IPI)', footer: ['i#', 'irq']},
	{command: 'run', keys: ['r'], label: 'r <n>', description: 'run CPU n until it blocks, finishes or hits a breakpoint', footer: ['r#', 'run']},
	{command: 'rewind', keys: ['left', 'h'], label: '←/h', description: 'rewind one step', footer: ['←→', 'back/fwd']},
	{command: 'redo', keys: ['right', 'l'], label: '→/l', description: 'redo one step along the branch'},
	{command: 'first', keys: ['home'], label: 'Home', description: 'go to step 0 (the initial state) of the branch'},
	{command: 'last', keys: ['end'], label: 'End', description: 'go to the last step of the branch (its head)'},
	{command: 'prevBranch', keys: ['['], label: '[', description: 'previous branch'},
	{command: 'nextBranch', keys: [']'], label: ']', description: 'next branch', footer: ['[]', 'branch']},
	{command: 'tree', keys: ['t'], label: 't', description: 'branch tree', footer: ['t', 'tree']},
	{command: 'treeUp', keys: ['up', 'k'], label: '↑/k', description: 'back one step, as ← (time runs down the timeline); in the branch tree: move the cursor up; in the help: scroll'},
	{command: 'treeDown', keys: ['down', 'j'], label: '↓/j', description: 'forward one step, as →; in the branch tree: move the cursor down; in the help: scroll'},
	{command: 'treeSelect', keys: ['enter'], label: 'Enter', description: 'in the branch tree: switch to the branch under the cursor'},
	{command: 'close', keys: ['escape'], label: 'Esc', description: 'close the tree, the help, a diff or a zoom; cancel a prompt or search'},
	{command: 'statePane', keys: ['tab'], label: 'Tab', description: 'compact layout: cycle the state pane (all, memmap, dev_pagemap, page tables, other)', footer: ['Tab', 'state']},
	{command: 'zoom', keys: ['z'], label: 'z', description: 'zoom a pane to the whole screen, nothing cut (z again: the next pane: each CPU, the state, the timeline; Esc closes)', footer: ['z', 'zoom']},
	{command: 'search', keys: ['e'], label: 'e', description: 'search from here for a violation or a livelock (what it finds opens as a branch; a livelock with its loop marked)', footer: ['e', 'search']},
	{command: 'continue', keys: ['c'], label: 'c', description: 'continue with a seeded random scheduler until a violation, a breakpoint, the end, or a state repeats without progress (a livelock)', footer: ['c', 'cont']},
	{command: 'breakpoint', keys: ['b'], label: 'b', description: 'toggle a breakpoint on the line of the last-stepped CPU', footer: ['b', 'break']},
	{command: 'save', keys: ['s'], label: 's', description: 'save a recording (to .racewalk/; :save path saves elsewhere)', footer: ['s', 'save']},
	{command: 'export', keys: ['x'], label: 'x', description: 'export a Markdown report of the branch, its race diagram included (to .racewalk/, as recordings and auto-saves; :export diagram writes the diagram alone)', footer: ['x', 'export']},
	{command: 'commandLine', keys: [':'], label: ':', description: 'command line: set k=v, variant V, reload, goto N, play SCHED, export diagram, break N, clear N, note text, save path, save! path, swap, diff A B, last NAME, rename NEW', footer: [':', 'cmd']},
	{command: 'help', keys: ['?'], label: '?', description: 'this help', footer: ['?', 'help']},
	{command: 'quit', keys: ['q', 'ctrl+c'], label: 'q / ^C', description: 'quit (the session is auto-saved into .racewalk/ when something changed)', footer: ['q', 'quit']},
];

/** The command-line commands (`:`), for help and completion messages. */
export const COLON_COMMANDS: readonly {usage: string; description: string}[] = [
	{usage: 'set k=v', description: 'open the scenario with a param changed, as another root (the tree of the old params is kept; :set back returns to it)'},
	{usage: 'variant V', description: "open one of the scenario's variants (the bug, the fix...), as another root like :set (:variant alone lists them; :variant - the base scenario)"},
	{usage: 'reload', description: 'read the scenario file again after an edit: the branch is replayed on the new code as far as it goes, the cursor kept at its step; a file that does not compile is reported and nothing changes'},
	{usage: 'goto N', description: 'put the cursor at step N of the branch'},
	{usage: 'play SCHED', description: 'step a schedule from the cursor, as racewalk run -s takes it (:play 1*7 2; i2 = CPU2 takes its interrupt): along the branch, or a new branch where it leaves it'},
	{usage: 'break N', description: 'toggle a breakpoint on line N (cpu:N for one CPU); :break lists them'},
	{usage: 'clear N', description: 'remove the breakpoint on line N (:break -N too; :clear alone removes all)'},
	{usage: 'note text', description: 'attach a note to the current step'},
	{usage: 'save [path]', description: 'save a recording (never overwrites)'},
	{usage: 'save! path', description: 'save a recording, overwriting path'},
	{usage: 'export FMT', description: 'write the branch into .racewalk/: :export diagram the race diagram alone (plain text to paste into a mail), :export markdown the report (as x)'},
	{usage: 'swap', description: 'swap the current step with the one before it (new branch)'},
	{usage: 'diff A [B]', description: 'every value that differs from point A to point B (default: the cursor); a point is N (a step of this branch), a branch name (its head) or branch@N'},
	{usage: 'last NAME', description: 'jump to the latest step at or before the cursor that changed the value NAME (as :diff names it: pmem0.ref, page[0x100].memmap, CPU2.tlb[0x7f000000]; part of a name will do when it names one value, or is the last part of one: ref for pmem0.ref)'},
	{usage: 'rename NEW', description: 'rename this branch (:rename OLD NEW another)'},
	{usage: 'quit!', description: 'quit without saving the session (q refuses when it cannot save)'},
];

/** A key event reduced to a name from the table (`a`, `digit`, `left`, `ctrl+c`, `enter`...). */
export type KeyName = string;

/** Names for one key event; printable input may hold several characters (one chunk). */
export function keyNames(input: string, key: Partial<Key>): KeyName[] {
	if (key.ctrl && input === 'c') return ['ctrl+c'];
	if (key.leftArrow) return ['left'];
	if (key.rightArrow) return ['right'];
	if (key.upArrow) return ['up'];
	if (key.downArrow) return ['down'];
	if (key.return) return ['enter'];
	if (key.escape) return ['escape'];
	if (key.backspace || key.delete) return ['backspace'];
	if (key.tab) return ['tab'];
	if (key.pageUp) return ['pageup'];
	if (key.pageDown) return ['pagedown'];
	if (key.home) return ['home'];
	if (key.end) return ['end'];
	// Esc typed quickly before a key arrives as meta+key: treat it as both
	if (key.meta && !key.ctrl && input.length === 1) return ['escape', input];
	if (key.ctrl || key.meta) return [];
	// a pasted or fast-typed chunk (`goto 5\r`): every character in order, its
	// control characters as the keys they are
	return [...input].flatMap(ch => CHUNK_KEYS[ch] ?? (ch < ' ' ? [] : [ch]));
}

/** Control characters inside a multi-character chunk. */
const CHUNK_KEYS: Record<string, KeyName[]> = {'\r': ['enter'], '\n': ['enter'], '\x7f': ['backspace'], '\b': ['backspace'], '\t': ['tab'], '\x03': ['ctrl+c']};

const byKey = new Map<string, CommandId>();
for (const b of KEYMAP) for (const k of b.keys) byKey.set(k, b.command);

/** The command a key name is bound to (digits: `step`). */
export function commandFor(name: KeyName): CommandId | undefined {
	if (/^[0-9]$/.test(name)) return 'step';
	return byKey.get(name);
}

/** Footer hints: short, from the table. */
export function footerHints(): {keys: string; what: string}[] {
	return KEYMAP.filter(b => b.footer).map(b => ({keys: b.footer![0], what: b.footer![1]}));
}
