// gup-fast's window, G1..G11: the IRQs-off section of a CPU that walks the
// page tables locklessly (KERNEL.md §6.A, S7 and S9). The window opens at the
// CPU's first lockless read (or grab) of a RAM page with IRQs off and closes
// when IRQs come back on.
// While it is open the model notes every page (pfn and allocation generation)
// mapped at a va the walker read, or installed anywhere; and the pages the
// walker grabbed at G7 and still holds. At G11 each page still held is what
// gup returns:
// S7  it must have been mapped at some instant of the window (a page freed
//     and reused between G3 and G7 is another page, never mapped there);
// S9  it must not be one a collapse discarded after its pin check passed.
// Pages are compared va-agnostically (mapped at *a* va in the window): a
// walker in the scenarios reads one va per page.

import {type Ctx, note, rd, violate, wr} from './context.js';
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
		c.gup = {mapped: [], grabbed: []};
	}
	return c.gup;
}

/** The walker read a present leaf for pfn. */
export function noteRead(ctx: Ctx, pfn: number): void {
	if (!tracked(ctx, pfn)) return;
	const w = openWindow(ctx);
	if (!w) return;
	const k = pageKey(ctx, pfn);
	if (!w.mapped.includes(k)) {
		wr(ctx, `gup:${ctx.cpu}`);
		w.mapped.push(k);
	}
}

/** A leaf for pfn was installed: it is mapped at some instant of every open window. */
export function noteInstall(ctx: Ctx, pfn: number): void {
	if (!tracked(ctx, pfn)) return;
	for (const c of ctx.m.cpus) {
		rd(ctx, `gup:${c.id}`);
		if (!c.gup) continue;
		const k = pageKey(ctx, pfn);
		if (!c.gup.mapped.includes(k)) {
			wr(ctx, `gup:${c.id}`);
			c.gup.mapped.push(k);
		}
	}
}

/** G7 took a reference on pfn. */
export function noteGrab(ctx: Ctx, pfn: number): void {
	const c = ctx.m.cpus[ctx.cpu]!;
	if (!tracked(ctx, pfn) || c.irqsOn) return;
	if (!c.gup) {
		wr(ctx, `gup:${ctx.cpu}`);
		c.gup = {mapped: [], grabbed: []};
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
			violate(ctx, 'gup-unmapped-page', 'S7', `gup-fast on CPU${ctx.cpu} returns page ${hex(pfn)} (allocation ${k.split(':')[1]}), which was not mapped at any instant of its IRQs-off window (freed and reused after the PTE was read)`, [`page ${hex(pfn)}`]);
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
