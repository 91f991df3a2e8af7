// Verdicts and expect clauses in words.

import type {Expect} from '../lang/ast.js';
import {kindInfo} from '../machine/checks.js';
import type {Violation} from '../machine/types.js';

/** `violation stale-mapping`, `no use-after-free ✱`... ✱ = model-derived or hypothesis. */
export function expectLabel(e: Expect): string {
	const star = e.basis === 'known' ? '' : ` ✱${e.basis === 'hypothesis' ? ' hypothesis' : ''}`;
	if (e.form === 'safe') return e.except?.length ? `nothing else${star}` : `safe${star}`;
	return `${e.form} ${e.violation}${star}`;
}

export const isLiveness = (v: Violation): boolean => Boolean(kindInfo(v.kind)?.liveness);

/** `stale-mapping (S2)`; a check that is its own kind (assert, invariant) is not named twice: `assert`, not `assert (assert)`. */
export function violationName(v: Pick<Violation, 'kind' | 'check'>): string {
	return v.check && v.check !== v.kind ? `${v.kind} (${v.check})` : v.kind;
}

export function violationLine(v: Violation, step?: number): string {
	const where = [step !== undefined ? `step ${step}` : null, v.cpu !== null ? `CPU${v.cpu}` : null, v.line !== null ? `line ${v.line}` : null].filter(Boolean).join(', ');
	return `${violationName(v)}${where ? ` at ${where}` : ''}: ${v.message}`;
}
