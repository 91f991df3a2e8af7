// The subcommands, in the order `racewalk --help` lists them. A command's
// module is loaded only when it runs: `racewalk explore` does not load (nor,
// in the bundle, even read) the TUI's Ink and React or the recordings' zod.

import type {Command} from './common.js';

export type CommandEntry = {name: string; summary: string; load: () => Promise<Command>};

export const COMMANDS: readonly CommandEntry[] = [
	{name: 'list', summary: 'built-in scenarios, titles and expected verdicts', load: async () => (await import('./list.js')).listCommand},
	{name: 'run', summary: 'replay a schedule, print the trace and the verdict', load: async () => (await import('./run.js')).runCommand},
	{name: 'replay', summary: 'check a recording and print the trace and verdict of a branch', load: async () => (await import('./replay.js')).replayCommand},
	{name: 'export', summary: 'export a branch of a recording as a race diagram, Markdown report or JSON', load: async () => (await import('./export.js')).exportCommand},
	{name: 'tui', summary: 'open the stepping debugger (the default: racewalk [scenario|recording.json])', load: async () => (await import('./tui.js')).tuiCommand},
	{name: 'explore', summary: 'search the interleavings for violations (bfs, dfs, random, pct)', load: async () => (await import('./explore.js')).exploreCommand},
	{name: 'merge', summary: 'merge the JSON reports of the shards of one search into one verdict', load: async () => (await import('./merge.js')).mergeCommand},
	{name: 'check', summary: 'verify every expect clause of scenarios by exhaustive search', load: async () => (await import('./check.js')).checkCommand},
	{name: 'new', summary: 'start a race of your own: a copy of a built-in or worked example, or a small one', load: async () => (await import('./new.js')).newCommand},
];
