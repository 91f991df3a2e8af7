// "IRQs off since step N": one implementation for the CLI's schedule errors,
// the TUI's blocked-CPU messages and its CPU panes.

import type {Machine} from '../machine/types.js';

/** Per CPU, the step since which IRQs have been off at `cursor` (stateAt(i) = state after step i); null when on. */
export function irqsOffSteps(stateAt: (step: number) => Machine, cursor: number): (number | null)[] {
	const m = stateAt(cursor);
	return m.cpus.map(c => {
		if (c.irqsOn) return null;
		let since = cursor;
		while (since > 0 && !stateAt(since - 1).cpus[c.id]!.irqsOn) since--;
		return since;
	});
}

/**
 * "; CPU0 has IRQs off since step 3" for every CPU a blocked reason names as
 * having IRQs off; `states` runs from the initial state to the current one.
 */
export function irqsOffSince(states: readonly Machine[], reason: string): string {
	const extra: string[] = [];
	const since = states.length ? irqsOffSteps(i => states[i]!, states.length - 1) : [];
	for (const m of reason.matchAll(/CPU(\d+) \(IRQs off\)/g)) {
		const n = since[Number(m[1])];
		if (n === null || n === undefined) continue;
		extra.push(n === 0 ? `CPU${m[1]} has had IRQs off from the start` : `CPU${m[1]} has IRQs off since step ${n}`);
	}
	return extra.length ? `; ${extra.join('; ')}` : '';
}
