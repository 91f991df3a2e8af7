// Writing a CPU's locals from compiled code (program.ts Env): the first write
// of a step switches the environment from the locals as the step found them
// (read without a draft) to the CPU's own record, so the write goes through
// the search's copy-on-write draft, or immer's, and every later read sees it.

import type {Value} from '../machine/types.js';
import type {Env} from './program.js';

function writable(env: Env): Record<string, Value> {
	const cpu = env.cpu;
	if (cpu !== null) {
		env.locals = cpu.locals;
		env.cpu = null;
	}
	return env.locals;
}

export function setLocal(env: Env, name: string, v: Value): void {
	writable(env)[name] = v;
}

/** Forget a local; one the CPU does not have costs no copy of its locals. */
export function deleteLocal(env: Env, name: string): void {
	if (!Object.hasOwn(env.locals, name)) return;
	delete writable(env)[name];
}
