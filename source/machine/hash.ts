// A canonical, stable hash of a machine: object keys sorted, the violation log
// left out (it records history, and equal machines must meet in search).
// The same state gives the same hash on every machine and Node version.

import {createHash} from 'node:crypto';
import type {Machine} from './types.js';

function canon(v: unknown, out: string[]): void {
	if (v === null || typeof v !== 'object') {
		out.push(v === undefined ? 'u' : JSON.stringify(v));
		return;
	}
	if (Array.isArray(v)) {
		out.push('[');
		for (const x of v) {
			canon(x, out);
			out.push(',');
		}
		out.push(']');
		return;
	}
	out.push('{');
	for (const k of Object.keys(v).sort()) {
		if (k === 'violations') continue;
		out.push(k, ':');
		canon((v as Record<string, unknown>)[k], out);
		out.push(',');
	}
	out.push('}');
}

export function canonical(m: Machine): string {
	const out: string[] = [];
	canon(m, out);
	return out.join('');
}

/** 64-bit hex digest of the canonical form. */
export function hashMachine(m: Machine): string {
	return createHash('sha256').update(canonical(m)).digest('hex').slice(0, 16);
}
