// Schedules: the compact text form of a list of transitions. `0 0 2 i1` =
// CPU0, CPU0, CPU2, CPU1 takes its pending interrupt; `1*7` = seven steps of
// CPU1. Separators: spaces or commas.

import type {Transition} from '../machine/types.js';

export class ScheduleError extends Error {}

/** The longest schedule a text may expand to (`0*1000000000` must not fill memory). */
export const MAX_SCHEDULE = 1_000_000;

export function parseSchedule(text: string): Transition[] {
	const out: Transition[] = [];
	const tokens = text.split(/[\s,]+/).filter(Boolean);
	tokens.forEach((tok, i) => {
		const m = /^(i?)(\d)(?:\*(\d{1,7}))?$/.exec(tok);
		// a count of 8 digits or more is over the bound: said so, not that the token is malformed
		if (!m && /^i?\d\*0*[1-9]\d{7,}$/.test(tok)) throw new ScheduleError(`schedule token ${i + 1} '${tok.slice(0, 20)}${tok.length > 20 ? '...' : ''}': the schedule would be longer than ${MAX_SCHEDULE.toLocaleString('en-US')} steps`);
		if (!m) throw new ScheduleError(`schedule token ${i + 1} '${tok.slice(0, 20)}': expected a CPU digit (0-9), i + digit (take that CPU's pending interrupt), or either with *count (1*7: seven steps of CPU1)`);
		const count = m[3] === undefined ? 1 : Number(m[3]);
		if (count < 1) throw new ScheduleError(`schedule token ${i + 1} '${tok}': a repeat count is 1 or more`);
		if (out.length + count > MAX_SCHEDULE) throw new ScheduleError(`schedule token ${i + 1} '${tok}': the schedule would be longer than ${MAX_SCHEDULE.toLocaleString('en-US')} steps`);
		const t = {cpu: Number(m[2]), irq: m[1] === 'i'};
		for (let k = 0; k < count; k++) out.push({...t});
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
