// A long history for the benchmark (`racewalk --prefill N`). Kept apart from
// services.ts so the TUI's start-up path does not load what saving and
// searching need.

import type {Session} from '../session/types.js';

/**
 * A long history for the benchmark: step the highest-numbered CPU that can
 * move, `n` times (for fsdax-unbind-2021 this ends in gup's retry loop, which
 * runs for ever).
 */
export function prefill(session: Session, n: number): number {
	let done = 0;
	while (done < n) {
		const en = session.model.enabled(session.cursor.state).filter(t => !t.irq);
		const all = en.length ? en : session.model.enabled(session.cursor.state);
		if (!all.length) break;
		const r = session.step(all[all.length - 1]!);
		if (!r.ok) break;
		done++;
	}
	return done;
}

