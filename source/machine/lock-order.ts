// lockdep's lock-order check, off unless a scenario asks (lock_order(on)):
// every blocking acquisition records "held -> taken" for each lock the CPU
// holds, and one that closes a cycle of recorded orders is an inversion, even
// when the deadlock itself is not reachable (lockdep's "possible circular
// locking dependency", kernel/locking/lockdep.c:check_prev_add). By lock, not
// by lock class: two page-table locks, or two elements of an array, are two
// locks, so lockdep's subclass annotations (_nested) are neither needed nor
// checked. A trylock records nothing for the lock it tries (it cannot wait),
// as lockdep adds no dependency for it; the locks it took count as held
// afterwards. Read and write holds count alike (a queued writer turns readers
// away). The orders are part of the state, so paths that took locks in
// different orders stay apart; every acquisition reads them, and one that
// adds an order writes them, so partial-order reduction never commutes two
// acquisitions that could see each other's order. (A path's orders are a
// union, so a cycle is reported by whichever acquisition closes it, in either
// order of two such steps.)

import {type Ctx, peek, rd, violate, wr} from './context.js';
import {heldBy, lockKey, lockLabel} from './locks.js';

const ARROW = ' -> ';

/** A chain of recorded orders from `from` to `to`, if there is one (breadth-first: the shortest). */
function chain(orders: readonly string[], from: string, to: string): string[] | null {
	const next = new Map<string, string[]>();
	for (const o of orders) {
		const [a, b] = o.split(ARROW) as [string, string];
		next.set(a, [...(next.get(a) ?? []), b]);
	}
	const back = new Map<string, string>([[from, from]]);
	const queue = [from];
	while (queue.length > 0) {
		const at = queue.shift()!;
		if (at === to) {
			const path = [to];
			while (path[0] !== from) path.unshift(back.get(path[0]!)!);
			return path;
		}
		for (const b of next.get(at) ?? []) {
			if (!back.has(b)) {
				back.set(b, at);
				queue.push(b);
			}
		}
	}
	return null;
}

/** At a blocking acquisition of `name` (before it may wait): check and record the orders. */
export function noteAcquire(ctx: Ctx, name: string, prim: string): void {
	const orders = peek(ctx.m, 'lockOrder');
	if (orders === undefined) return;
	rd(ctx, 'lockorder');
	const held = heldBy(ctx.m, ctx.cpu).filter(h => h !== name);
	if (held.length === 0) return;
	for (const h of held) {
		rd(ctx, lockKey(h));
		const back = chain(orders, name, h);
		if (back) {
			violate(
				ctx,
				'lock-order',
				'L4',
				`CPU${ctx.cpu} takes ${lockLabel(name)} (${prim}) while holding ${lockLabel(h)}, and this path took them the other way before (${back.map(lockLabel).join(ARROW)}): a lock-order inversion, lockdep's "possible circular locking dependency"`,
				[lockLabel(h), lockLabel(name), `CPU${ctx.cpu}`],
			);
		}
	}
	const fresh = held.map(h => `${h}${ARROW}${name}`).filter(o => !orders.includes(o));
	if (fresh.length === 0) return;
	wr(ctx, 'lockorder');
	ctx.m.lockOrder = [...orders, ...fresh].sort();
}
