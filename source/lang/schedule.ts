// Schedules: the compact text form of a list of transitions. `0 0 2 i1` =
// CPU0, CPU0, CPU2, CPU1 takes its pending interrupt. Separators: spaces or commas.

import type {Transition} from '../machine/types.js';

export class ScheduleError extends Error {}

export function parseSchedule(text: string): Transition[] {
	const out: Transition[] = [];
	const tokens = text.split(/[\s,]+/).filter(Boolean);
	tokens.forEach((tok, i) => {
		const m = /^(i?)(\d)$/.exec(tok);
		if (!m) throw new ScheduleError(`schedule token ${i + 1} '${tok.slice(0, 20)}': expected a CPU digit (0-9) or i + digit (take that CPU's pending interrupt)`);
		out.push({cpu: Number(m[2]), irq: m[1] === 'i'});
	});
	return out;
}

export const formatTransition = (t: Transition): string => (t.irq ? `i${t.cpu}` : String(t.cpu));

export const formatSchedule = (ts: readonly Transition[]): string => ts.map(formatTransition).join(' ');

/** Preemptions: switches from one CPU to another while the first could still move (approximated as any switch). */
export function countSwitches(ts: readonly Transition[]): number {
	let n = 0;
	for (let i = 1; i < ts.length; i++) if (ts[i]!.cpu !== ts[i - 1]!.cpu) n++;
	return n;
}
