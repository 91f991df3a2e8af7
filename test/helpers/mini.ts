// Tiny scenarios for unit tests of primitives and checks: a standard machine
// (one fs-dax pgmap of `pages` pages, mapped at VA) and the CPU bodies given.

import {it} from 'vitest';
import {compile} from '../../source/lang/compiler.js';
import {Model} from '../../source/lang/interpreter.js';
import {parseScenario} from '../../source/lang/parser.js';
import {parseSchedule} from '../../source/lang/schedule.js';
import type {Machine, Violation} from '../../source/machine/types.js';
import {flatten} from '../../source/machine/flatten.js';

export type Mini = {
	cpus: string[];
	machine?: string;
	header?: string;
};

export const STD_MACHINE = `
	pgmap(pmem0, fsdax, PFN, 2);
	fs(xfs, pmem0);
	map(VA, PFN, write, special, devmap);
	map(VA2, PFN + 1, write, special, devmap);
	mm_cpumask(0, 1);
`;

export function miniSource(m: Mini): string {
	return [
		'scenario mini',
		'const VA = 0x7f000000',
		'const VA2 = 0x7f001000',
		'const PFN = 0x100',
		m.header ?? '',
		`machine {${(m.machine ?? STD_MACHINE).replace('mm_cpumask(0, 1)', m.cpus.length === 1 ? 'mm_cpumask(0)' : 'mm_cpumask(0, 1)')}}`,
		...m.cpus.map((body, i) => `cpu ${i} "c${i}" {\n${body}\n}`),
	].join('\n');
}

export function miniModel(m: Mini): Model {
	const source = miniSource(m);
	return new Model(compile(parseScenario(source, 'mini.race'), {file: 'mini.race', source}));
}

export type Run = {model: Model; final: Machine; flat: Map<string, string>; violations: Violation[]; notes: string[]; states: Machine[]};

/** Run a schedule; throws if a step is not enabled (with the reason). */
export function run(m: Mini | Model, schedule: string): Run {
	const model = m instanceof Model ? m : miniModel(m);
	let s = model.initial;
	const states = [s];
	const violations: Violation[] = [];
	const notes: string[] = [];
	for (const t of parseSchedule(schedule)) {
		const r = model.step(s, t);
		violations.push(...r.violations);
		notes.push(...r.notes);
		s = r.state;
		states.push(s);
	}
	return {model, final: s, flat: flatten(s), violations, notes, states};
}

export const kinds = (r: Run): string[] => r.violations.map(v => v.kind);

/**
 * A primitive's tests, named by it: `prim(name, fn)` is an `it` that records the name in
 * `tested`, so a file can check every primitive of its family has one.
 */
export function primitiveTests(): {tested: Set<string>; prim: (name: string, fn: () => void) => void} {
	const tested = new Set<string>();
	return {
		tested,
		prim: (name, fn) => {
			tested.add(name);
			it(name, fn);
		},
	};
}
