// A small explore gives TurboFan its hot functions later (commands/tiering.ts),
// and a big one gets V8's default back: V8 must take the budget after
// start-up, both ways. Each run is a fresh Node process (the flag is
// process-wide); the count of calls before TurboFan has a function is read
// with V8's own status (natives syntax), optimising on the main thread so
// that it is the same count in every run.

import {spawnSync} from 'node:child_process';
import {expect, it} from 'vitest';

/** Calls of a fresh function until TurboFan has it: with V8's default, deferred, and deferred then restored. */
function callsToTurbofan(mode: 'default' | 'deferred' | 'restored'): number {
	const script = `
		import {deferOptimization, restoreOptimization} from './source/commands/tiering.ts';
		const TURBOFANNED = 1 << 6;
		const fresh = () => new Function('x', 'let s = 0; for (let i = 0; i < 20; i++) s = (s + x * i) | 0; return s;');
		// the loop that calls it stays unoptimised (an optimised caller would inline it)
		function calls(f) {
			for (let i = 1; i <= 5_000_000; i++) {
				f(i);
				if (i % 50 === 0 && %GetOptimizationStatus(f) & TURBOFANNED) return i;
			}
			return -1;
		}
		%NeverOptimizeFunction(calls);
		const mode = ${JSON.stringify(mode)};
		if (mode !== 'default') console.error(deferOptimization() ? '' : 'not deferred');
		if (mode === 'restored') restoreOptimization();
		console.log(calls(fresh()));
	`;
	const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'});
	expect(r.stderr.trim()).toBe('');
	return Number(r.stdout.trim());
}

it.skipIf(!process.versions.v8.startsWith('11.3.'))('deferred, a hot function goes to TurboFan after several times the calls; restored, after as many as by default', () => {
	const byDefault = callsToTurbofan('default');
	expect(byDefault).toBeGreaterThan(0);
	const deferred = callsToTurbofan('deferred');
	expect(deferred).toBeGreaterThan(4 * byDefault);
	const restored = callsToTurbofan('restored');
	expect(restored).toBeGreaterThan(0);
	expect(restored).toBeLessThan(2 * byDefault);
});
