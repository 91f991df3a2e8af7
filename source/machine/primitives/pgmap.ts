// dev_pagemap lookup and teardown (mm/memremap.c). The tail every unbind path
// shares is memunmap_pages: MU1 percpu_ref_kill, MU2 drop the per-page refs,
// MU3 wait_for_completion(&pgmap->done), MU4 pageunmap_range
// (arch_remove_memory, then pgmap_array_delete), MU5 percpu_ref_exit.

import {note, rd, violate, wr} from '../context.js';
import {allLeaves} from '../pagetable.js';
import {refPut, refTryGetLive} from '../percpu-ref.js';
import {callRcu, currentReaders} from '../rcu.js';
import type {Machine, Pgmap} from '../types.js';
import {hex} from '../values.js';
import {putPage, touchPage} from './page.js';
import {argInt, argPgmap, pgmapOp, type Primitive} from './spec.js';

const range = (p: Pgmap): string => (p.npages === 1 ? hex(p.first) : `${hex(p.first)}-${hex(p.first + p.npages - 1)}`);

/** Why MU3 cannot complete yet, in the words a kernel developer would use. */
export function completionBlocker(m: Machine, p: Pgmap): string {
	if (p.ref.state === 'live') return `${p.name}->ref is still live (percpu_ref_kill not called)`;
	if (p.ref.mode === 'percpu') {
		const cb = m.rcu.find(c => c.kind === 'ref-switch-atomic' && c.pgmap === p.name);
		const who = cb ? cb.readers.map(r => `CPU${r}${m.cpus[r]!.irqsOn ? '' : ' (IRQs off)'}`).join(', ') : 'nobody';
		return `${p.name}->ref switch to atomic waits for an RCU grace period (readers: ${who})`;
	}
	const held = Object.entries(m.memmap)
		.filter(([, pg]) => pg.pgmap === p.name && pg.exists && pg.refcount > 0 && m.settings.refcount === 'e21')
		.map(([pfn, pg]) => `page ${hex(Number(pfn))} refcount ${pg.refcount}`);
	return `${p.name}->ref count ${p.ref.count}${held.length ? ` (held by ${held.join(', ')})` : ''}`;
}

export const pgmapPrimitives: Primitive[] = [
	{
		name: 'get_dev_pagemap',
		kernel: 'mm/memremap.c:get_dev_pagemap (xa_load under RCU + percpu_ref_tryget_live) (G5)',
		effect: 'looks pfn up in pgmap_array and takes a live reference; returns NULL if no pgmap covers pfn or its ref is dead. `get_dev_pagemap(pfn, pgmap)`, the kernel\'s cached form (gup_pte_range passes the pgmap of the previous PTE): if that pgmap covers pfn it is returned as it is, no new reference and no liveness check ("In the cached case we\'re already holding a live reference"); if not, its reference is dropped (put_dev_pagemap) and pfn looked up',
		args: [{name: 'pfn', kind: 'int'}, {name: 'pgmap', kind: 'pgmap', optional: true}],
		returns: 'pgmap',
		run(ctx, [v, cached]) {
			const pfn = argInt(v!, 'get_dev_pagemap', 'a pfn');
			if (cached !== undefined && cached !== null) {
				const c = argPgmap(ctx, cached, 'get_dev_pagemap');
				// the range is fixed at memremap_pages: comparing with it reads no state
				if (pfn >= c.first && pfn < c.first + c.npages) return {t: 'pgmap', name: c.name};
				refPut(ctx, c, 1, 'get_dev_pagemap: put_dev_pagemap of the cached pgmap');
			}
			for (const p of Object.values(ctx.m.pgmaps)) {
				rd(ctx, `pgmap:${p.name}`);
				if (!p.inArray || pfn < p.first || pfn >= p.first + p.npages) continue;
				if (refTryGetLive(ctx, p)) return {t: 'pgmap', name: p.name};
				note(ctx, `${p.name}->ref is ${p.ref.state}: percpu_ref_tryget_live fails`);
				return null;
			}
			return null;
		},
	},
	{
		name: 'put_dev_pagemap',
		kernel: 'include/linux/memremap.h:put_dev_pagemap (G10)',
		effect: 'drops a pgmap reference (NULL is a no-op); at zero in atomic mode the release completes pgmap->done',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'void',
		run(ctx, [v]) {
			if (v === null) return null;
			refPut(ctx, argPgmap(ctx, v!, 'put_dev_pagemap'), 1, 'put_dev_pagemap');
			return null;
		},
	},
	pgmapOp(
		'percpu_ref_kill',
		'lib/percpu-refcount.c:percpu_ref_kill -> __percpu_ref_switch_to_atomic (call_rcu) (MU1)',
		'marks the ref dead (every tryget_live fails from now on) and drops the base reference; in percpu mode that drop, the switch to atomic and so any reaching of zero come with the RCU callback, after a grace period behind the current readers (the kernel\'s count keeps PERCPU_COUNT_BIAS until percpu_ref_switch_to_atomic_rcu, whose confirmation puts the switch\'s own reference): a percpu_ref_exit before it makes that a put after exit',
		(ctx, p) => {
			wr(ctx, `pgmap:${p.name}`);
			if (p.ref.state !== 'live') {
				violate(ctx, 'refcount', 'S-ref', `percpu_ref_kill on ${p.name}->ref which is already ${p.ref.state}`, [`pgmap ${p.name}`]);
				return;
			}
			p.ref.state = 'dead';
			if (p.ref.mode === 'atomic') refPut(ctx, p, 1, 'percpu_ref_kill (base ref)');
			else callRcu(ctx, {kind: 'ref-switch-atomic', pgmap: p.name, readers: currentReaders(ctx)});
		},
	),
	pgmapOp(
		'memunmap_put_pages',
		'mm/memremap.c:memunmap_pages, E21: for_each_device_pfn(pfn, pgmap) put_page(pfn_to_page(pfn)) (MU2)',
		'drops the initial reference of every page in the range (touches each struct page); a page going 1 -> 0 drops its pgmap reference, a page a GUP user still holds keeps it',
		(ctx, p) => {
			for (let pfn = p.first; pfn < p.first + p.npages; pfn++) {
				const page = ctx.m.memmap[pfn];
				if (page?.exists && page.idle > 0) page.idle -= 1;
				putPage(ctx, pfn, 'memunmap_pages: put_page');
			}
		},
	),
	pgmapOp(
		'percpu_ref_put_many',
		'mm/memremap.c:memunmap_pages, v5.18+ (27674ef6c73f): percpu_ref_put_many(&pgmap->ref, nr_pages) (MU2)',
		'drops the per-page pgmap references in one go, without looking at the pages: a page reference held by GUP no longer keeps the pgmap alive',
		(ctx, p) => {
			refPut(ctx, p, p.npages, 'percpu_ref_put_many');
		},
	),
	{
		name: 'wait_for_completion',
		kernel: 'kernel/sched/completion.c:wait_for_completion(&pgmap->done) (MU3)',
		effect: 'sleeps until the pgmap\'s ref reached zero after the kill (pgmap->done completed): until then the CPU cannot be stepped (as at an await), then the call is one step',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'void',
		guard(m, _cpu, [v]) {
			const name = v !== null && typeof v === 'object' && 'name' in v ? v.name : '';
			const p = m.pgmaps[name];
			if (!p || p.done) return null;
			return `waiting for ${p.name}->done: ${completionBlocker(m, p)}`;
		},
		run(ctx, [v]) {
			const p = argPgmap(ctx, v!, 'wait_for_completion');
			rd(ctx, `pgmap:${p.name}`);
			return null;
		},
	},
	pgmapOp(
		'arch_remove_memory',
		'mm/memremap.c:pageunmap_range -> arch_remove_memory (MU4)',
		'removes the memmap of the range and its backing memory. Checks S2 (a PTE or TLB entry still maps a pfn of the range) and S3 (a page still has a GUP reference or pin)',
		(ctx, p) => {
			const inRange = (pfn: number) => pfn >= p.first && pfn < p.first + p.npages;
			rd(ctx, 'pt');
			for (const leaf of allLeaves(ctx.m.pt)) {
				if (inRange(leaf.entry.pfn)) violate(ctx, 'stale-mapping', 'S2', `arch_remove_memory(${p.name}) while the PTE for va ${hex(leaf.va)} still maps pfn ${hex(leaf.entry.pfn)}`, [`pte ${hex(leaf.va)}`, `pfn ${hex(leaf.entry.pfn)}`]);
			}
			for (const c of ctx.m.cpus) {
				rd(ctx, `tlb:${c.id}`);
				for (const [va, e] of Object.entries(c.tlb)) {
					if (inRange(e.pfn)) violate(ctx, 'stale-mapping', 'S2', `arch_remove_memory(${p.name}) while CPU${c.id}'s TLB still maps va ${hex(Number(va))} to pfn ${hex(e.pfn)}`, [`tlb CPU${c.id}`, `pfn ${hex(e.pfn)}`]);
				}
			}
			for (let pfn = p.first; pfn < p.first + p.npages; pfn++) {
				const page = touchPage(ctx, pfn, 'arch_remove_memory', true);
				if (page && (page.refcount > page.idle || page.pins > 0)) {
					violate(ctx, 'pin-across-removal', 'S3', `arch_remove_memory(${p.name}) while page ${hex(pfn)} is still referenced (refcount ${page.refcount}, idle ${page.idle}, pins ${page.pins})`, [`page ${hex(pfn)}`]);
				}
				if (page) page.exists = false;
				wr(ctx, `mem:${pfn}`);
				ctx.m.pfns[pfn] = {backed: false, owner: p.ref.state === 'exited' ? 'free' : 'device'};
			}
			note(ctx, `memmap and memory of pfn ${range(p)} removed`);
		},
	),
	pgmapOp(
		'pgmap_array_delete',
		'mm/memremap.c:pgmap_array_delete (end of pageunmap_range, after arch_remove_memory) (MU4)',
		'removes the pgmap from the pfn index: get_dev_pagemap no longer finds it',
		(ctx, p) => {
			wr(ctx, `pgmap:${p.name}`);
			p.inArray = false;
		},
	),
	pgmapOp(
		'percpu_ref_exit',
		'lib/percpu-refcount.c:percpu_ref_exit (MU5)',
		'the ref is EXITED (any later get or put is a violation, but get_dev_pagemap\'s percpu_ref_tryget_live fails quietly: exit leaves __PERCPU_REF_ATOMIC_DEAD, whose DEAD bit it tests first); once the memory is also removed, the pfns are free for reuse',
		(ctx, p) => {
			wr(ctx, `pgmap:${p.name}`);
			p.ref.state = 'exited';
			// Until v6.0 percpu_ref_exit came before pageunmap_range: the pfns are
			// free for reuse only once both have run.
			for (let pfn = p.first; pfn < p.first + p.npages; pfn++) {
				wr(ctx, `mem:${pfn}`);
				const m = ctx.m.pfns[pfn]!;
				if (!m.backed) ctx.m.pfns[pfn] = {backed: false, owner: 'free'};
			}
		},
	),
	{
		name: 'pgmap_ref_count',
		kernel: '(query) percpu_ref count of the pgmap',
		effect: 'the pgmap ref\'s count (for invariants)',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'int',
		run(ctx, [v]) {
			const p = argPgmap(ctx, v!, 'pgmap_ref_count');
			rd(ctx, `pgmap:${p.name}`);
			return p.ref.count;
		},
	},
];
