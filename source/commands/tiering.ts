// When V8 optimises a small search's code. V8 runs a function in its
// interpreter and baseline code (Sparkplug), and compiles it with TurboFan on
// a background thread once it has run a set amount of bytecode (the
// interrupt budget). A built-in's whole explore runs for 150-400 ms: TurboFan
// compiles some 100 functions in that time (the search's, the minimisation's,
// the steps'), ~600 ms of CPU on xfs-pre-remove against the main thread's
// ~300 ms, and most of that code arrives after the phase that wanted it (or
// after the process is done, when Node waits for it before exiting). On the
// 2-core machine that CPU is taken from the main thread and from everyone
// else. With the budget 8 times larger, the main thread's CPU time is the
// same and the process's user CPU a third lower (docs/performance.md,
// "Start-up and tiering"). A large search wants TurboFan early: once one
// reports BIG states, V8's default is put back (a function's next budget
// is drawn from it), and the rest of its run is tiered as always.
//
// Only on the V8 whose default budget is known (Node 20's 11.3), and never
// over a budget given on Node's command line or in NODE_OPTIONS.

import {setFlagsFromString} from 'node:v8';

/** V8 11.3's --interrupt-budget default (66 KB of bytecode). */
const V8_11_3_BUDGET = 66 * 1024;
/** How much later a small search's functions go to TurboFan. */
const FACTOR = 8;
/** A search with this many states is not small: its code is worth optimising early. */
export const BIG = 20_000;

let deferred = false;

function applies(): boolean {
	if (!process.versions.v8.startsWith('11.3.')) return false;
	const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
	return !given.some(a => /^--interrupt[-_]budget\b/.test(a));
}

/** Give TurboFan this process's hot functions later (returns whether it does). */
export function deferOptimization(): boolean {
	if (deferred) return true;
	if (!applies()) return false;
	setFlagsFromString(`--interrupt-budget=${FACTOR * V8_11_3_BUDGET}`);
	deferred = true;
	return true;
}

/** V8's own tiering from now on (a no-op unless deferred). */
export function restoreOptimization(): void {
	if (!deferred) return;
	setFlagsFromString(`--interrupt-budget=${V8_11_3_BUDGET}`);
	deferred = false;
}

/** Whether the optimisation is deferred now. */
export function optimizationDeferred(): boolean {
	return deferred;
}
