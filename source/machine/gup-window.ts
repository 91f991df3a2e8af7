// gup-fast's window, G1..G11: the IRQs-off section of a CPU that walks the
// page tables locklessly (KERNEL.md §6.A, S7 and S9). The window opens at the
// CPU's first lockless read (or grab) of a RAM page with IRQs off and closes
// when IRQs come back on.
// While it is open the model notes the vas the walker read, every page (pfn
// and allocation generation) mapped at one of them in the window (read there,
// or installed there after the walker read it); and the pages the walker
// grabbed at G7 and still holds. At G11 each page still held is what gup
// returns:
// S7  it must have been mapped, in that allocation, at a va the walker read
//     at some instant of the window: a page freed and reused between G3 and
//     G7 is another page, never mapped there, and so is one reused at another
//     va of the mm (gup of VA returning the page that now backs VA + 4096 is
//     what gup_fast_pte_range's re-check of the PTE exists for);
// S9  it must not be one a collapse discarded after its pin check passed.

import {type Ctx, note, rd, violate, wr} from './context.js';
import {index, pmdBase} from './pagetable.js';
import type {CpuState} from './types.js';
import {hex} from './values.js';

/** The page (pfn and allocation) a pfn holds now: it reads the page's allocation generation, which alloc_page writes. */
export function pageKey(ctx: Ctx, pfn: number): string {
	rd(ctx, `page:${pfn}`);
	return `${pfn}:${ctx.m.memmap[pfn]?.ram?.gen ?? 0}`;
}

/**
 * The window is kept only for ordinary RAM pages: a ZONE_DEVICE pfn is never
 * reallocated in the model (its removal is S1/S2's business), so tracking it
 * would only split equal states.
 */
const tracked = (ctx: Ctx, pfn: number): boolean => ctx.m.memmap[pfn]?.ram !== undefined;

/** The walker's first lockless read of a RAM page with IRQs off opens the window. */
export function openWindow(ctx: Ctx): CpuState['gup'] {
	const c = ctx.m.cpus[ctx.cpu]!;
	if (c.irqsOn) return null;
	if (!c.gup) {
		wr(ctx, `gup:${ctx.cpu}`);
		c.gup = {vas: [], mapped: [], grabbed: []};
	}
	return c.gup;
}

/** The walker read a present leaf mapping pfn at va. */
export function noteRead(ctx: Ctx, va: number, pfn: number): void {
	if (!tracked(ctx, pfn)) return;
	const w = openWindow(ctx);
	if (!w) return;
	if (!w.vas.includes(va)) {
		wr(ctx, `gup:${ctx.cpu}`);
		// kept sorted: two paths that read the same vas in another order meet
		w.vas.splice(w.vas.filter(v => v < va).length, 0, va);
	}
	addPage(ctx, ctx.cpu, pfn);
}

function addPage(ctx: Ctx, cpu: number, pfn: number): void {
	const w = ctx.m.cpus[cpu]!.gup!;
	const k = pageKey(ctx, pfn);
	if (!w.mapped.includes(k)) {
		wr(ctx, `gup:${cpu}`);
		w.mapped.push(k);
	}
}

/** A 4 KiB leaf for va now maps pfn: mapped at an instant of every open window that read va. */
export function noteInstall(ctx: Ctx, va: number, pfn: number): void {
	if (!tracked(ctx, pfn)) return;
	for (const c of ctx.m.cpus) {
		rd(ctx, `gup:${c.id}`);
		if (c.gup?.vas.includes(va)) addPage(ctx, c.id, pfn);
	}
}

/** A huge PMD leaf now maps pfn (its head) over va's 2 MiB region: each window's read vas there see their subpage. */
export function noteInstallHuge(ctx: Ctx, va: number, pfn: number): void {
	const base = pmdBase(va);
	for (const c of ctx.m.cpus) {
		rd(ctx, `gup:${c.id}`);
		for (const v of c.gup?.vas ?? []) {
			const sub = pfn + index(v, 1);
			if (pmdBase(v) === base && tracked(ctx, sub)) addPage(ctx, c.id, sub);
		}
	}
}

/** G7 took a reference on pfn. */
export function noteGrab(ctx: Ctx, pfn: number): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	if (!tracked(ctx, pfn) || c.irqsOn) return;
	if (!c.gup) {
		wr(ctx, `gup:${ctx.cpu}`);
		c.gup = {vas: [], mapped: [], grabbed: []};
	}
	wr(ctx, `gup:${ctx.cpu}`);
	c.gup.grabbed.push(pfn);
}

/** The walker dropped a reference it grabbed (G8's back-off). */
export function notePut(ctx: Ctx, pfn: number): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	const i = c.gup?.grabbed.indexOf(pfn) ?? -1;
	if (i < 0) return;
	wr(ctx, `gup:${ctx.cpu}`);
	c.gup!.grabbed.splice(i, 1);
}

/** G11: IRQs are back on; every page still held is what gup-fast returns. */
export function closeWindow(ctx: Ctx): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	const w = c.gup;
	if (!w) return;
	wr(ctx, `gup:${ctx.cpu}`);
	c.gup = null;
	for (const pfn of w.grabbed) {
		rd(ctx, `page:${pfn}`);
		const page = ctx.m.memmap[pfn];
		const k = pageKey(ctx, pfn);
		if (!w.mapped.includes(k)) {
			violate(ctx, 'gup-unmapped-page', 'S7', `gup-fast on CPU${ctx.cpu} returns page ${hex(pfn)} (allocation ${k.split(':')[1]}), which was not mapped at a va it read at any instant of its IRQs-off window (freed and reused after the PTE was read)`, [`page ${hex(pfn)}`]);
		}
		const ram = page?.ram;
		if (!ram || ram.collapse === null) continue;
		wr(ctx, `page:${pfn}`);
		if (ram.collapse === 'discarded') {
			violate(ctx, 'collapse-lost-pin', 'S9', `gup-fast on CPU${ctx.cpu} returns page ${hex(pfn)}, which a collapse already discarded after its pin check: the GUP user writes a page nobody maps`, [`page ${hex(pfn)}`]);
		} else {
			ram.lateRefs += 1;
			note(ctx, `page ${hex(pfn)}: gup-fast kept a reference taken after the collapse's pin check`);
		}
	}
}
