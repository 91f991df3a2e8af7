// A fast deep copy of a Machine for the search's hot loop. The machine is
// plain JSON data (SPEC §2: no classes, Maps or typed arrays), so a structural
// copy of arrays and plain objects is exact; structuredClone is several times
// slower. Frozen inputs (immer snapshots) give unfrozen copies, so
// `Model.stepInPlace` may mutate the result.

import type {Machine} from '../machine/types.js';

function copy(v: unknown): unknown {
	if (v === null || typeof v !== 'object') return v;
	if (Array.isArray(v)) {
		const out = v.slice();
		for (let i = 0; i < out.length; i++) {
			const x = out[i];
			if (x !== null && typeof x === 'object') out[i] = copy(x);
		}
		return out;
	}
	const out: Record<string, unknown> = {};
	const o = v as Record<string, unknown>;
	for (const k in o) {
		const x = o[k];
		out[k] = x !== null && typeof x === 'object' ? copy(x) : x;
	}
	return out;
}

/** Deep copy of a machine. `dropViolations` empties the (unhashed) violation log of the copy. */
export function cloneMachine(m: Machine, dropViolations = false): Machine {
	if (!dropViolations) return copy(m) as Machine;
	const out: Record<string, unknown> = {};
	const o = m as unknown as Record<string, unknown>;
	for (const k in o) out[k] = k === 'violations' ? [] : copy(o[k]);
	return out as unknown as Machine;
}

/** Deep copy of any plain JSON value (used for values the search keeps, e.g. locals). */
export const clonePlain = <T>(v: T): T => copy(v) as T;
