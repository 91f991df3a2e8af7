// struct percpu_ref of a dev_pagemap (lib/percpu-refcount.c), with the life
// cycle KERNEL.md §1 describes: LIVE -> DEAD (percpu_ref_kill) -> ZERO -> EXITED.
// In percpu mode a count of zero cannot be noticed; only after the RCU-delayed
// switch to atomic mode does reaching zero call the release function
// (dev_pagemap_percpu_release), which completes pgmap->done.

import {type Ctx, note, violate, wr} from './context.js';
import type {Pgmap} from './types.js';

export function refPut(ctx: Ctx, p: Pgmap, n: number, why: string): void {
	wr(ctx, `pgmap:${p.name}`);
	if (p.ref.state === 'exited') {
		violate(ctx, 'refcount', 'S-ref', `put of ${p.name}->ref after percpu_ref_exit (${why})`, [`pgmap ${p.name}`]);
		return;
	}
	if (p.ref.count - n < 0) {
		violate(ctx, 'refcount', 'S-ref', `${p.name}->ref underflow: ${p.ref.count} - ${n} (${why})`, [`pgmap ${p.name}`]);
		p.ref.count = 0;
	} else {
		p.ref.count -= n;
	}
	// percpu_ref_put_many in atomic mode: atomic_long_sub_and_test -> release, dead or not (a
	// live ref put to zero is released too, and its tryget_live's atomic_long_inc_not_zero fails).
	if (p.ref.count === 0 && p.ref.mode === 'atomic' && (p.ref.state === 'dead' || p.ref.state === 'live')) {
		const live = p.ref.state === 'live';
		p.ref.state = 'zero';
		p.done = true;
		note(ctx, `${p.name}->ref reached zero${live ? ' while still live (never killed)' : ''}: dev_pagemap_percpu_release completes ${p.name}->done`);
	}
}

/** percpu_ref_tryget_live(): fails once the ref is dead, or (atomic mode) at zero. */
export function refTryGetLive(ctx: Ctx, p: Pgmap): boolean {
	wr(ctx, `pgmap:${p.name}`);
	if (p.ref.state !== 'live') return false;
	p.ref.count += 1;
	return true;
}
