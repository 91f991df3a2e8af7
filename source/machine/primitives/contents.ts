// Page contents, for the copy-on-write family of races (Dirty COW, the GUP/COW
// "COW can break either way" saga, 6ce64428d621's lost write). A RAM page's
// contents are one small integer, its data version: a user store writes the
// value into the page it actually reached (through the TLB or the walk), a
// copy (copy_user_highpage in wp_page_copy) copies it, and a load or a pin
// holder reads it. That is enough to say "the store landed on the old page
// after the copy": the process reads back an older version than it wrote,
// or a GUP pin holder does not see the process's write. Absent means 0, so
// a machine that never stores a value hashes as before.
//
// PG_anon_exclusive (6c287605fd56, v5.19) is here too: it is what lets
// do_wp_page reuse a pinned anonymous page instead of copying it away.

import {type Ctx, note, peek, rd, wr} from '../context.js';
import type {PageStruct, RamPage, Value} from '../types.js';
import {hex} from '../values.js';
import {touchPage} from './page.js';
import {argInt, argOf, Oops, pageName, type Primitive} from './spec.js';
import {tlbPrimitives} from './tlb.js';

/** What a load that faults returns: get_user's error, as a user copy would see it. */
const EFAULT = 14;

function ramOf(ctx: Ctx, v: Value, who: string, write: boolean): {pfn: number; ram: RamPage} | undefined {
	const pfn = argOf(v, 'page', who).pfn;
	const page: PageStruct | undefined = touchPage(ctx, pfn, who, write);
	if (!page) return undefined;
	if (!page.ram) throw new Oops(`${who}: pfn ${hex(pfn)} is not an ordinary RAM page (declare it with ram() in machine { })`);
	return {pfn, ram: page.ram};
}

function dataValue(v: Value, who: string): number {
	const x = argInt(v, who, 'a data value');
	if (x < 0 || x > 0x7fffffff) throw new Oops(`${who}: data value ${x}: a page holds a version from 0 up`);
	return x;
}

/** The contents of pfn (0 for a page nobody wrote, or one that is not RAM). */
export function readData(ctx: Ctx, pfn: number): number {
	rd(ctx, `data:${pfn}`);
	return ctx.m.memmap[pfn]?.ram?.data ?? 0;
}

/**
 * A write of the page's contents (a user store, a copy, a DMA). A free page
 * keeps none: the store into it is already S2 (freed-page-use), and what it
 * held is nobody's. A page freed and reused since the writer's TLB entry was
 * filled is written: that is the new owner's data being corrupted.
 */
export function writeData(ctx: Ctx, pfn: number, value: number): void {
	const ram = ctx.m.memmap[pfn]?.ram;
	if (!ram) return;
	rd(ctx, `page:${pfn}`);
	if (ram.free) return;
	wr(ctx, `data:${pfn}`);
	if (value === 0) delete ram.data;
	else ram.data = value;
}

// looked up at the call: tlb.ts and this file import each other through ram.ts
const access = (): Primitive => tlbPrimitives.find(p => p.name === 'access')!;

const anonExclusive = (name: string, kernel: string, effect: string, set: boolean | null): Primitive => ({
	name,
	kernel,
	effect,
	args: [{name: 'page', kind: 'page'}],
	returns: set === null ? 'bool' : 'void',
	run(ctx, [pg]) {
		const f = ramOf(ctx, pg!, name, set !== null);
		if (!f) return set === null ? false : null;
		if (set === null) return f.ram.anonExclusive === true;
		if (set) f.ram.anonExclusive = true;
		else delete f.ram.anonExclusive;
		return null;
	},
});

export const contentsPrimitives: Primitive[] = [
	{
		name: 'load_value',
		kernel: 'hardware: a user load that returns what it read (H1-H3, as access); get_user / copy_from_user return -EFAULT where the load faults',
		effect: 'one user load by the CPU, as access(va) (TLB hit, or walk and fill; S2 on a freed or reused page), returning the contents (data version) of the page it reached: the page the TLB entry points at, not necessarily the one the PTE maps now. On a page fault (not present, PROT_NONE) it returns -EFAULT: handle the fault and load again',
		args: [{name: 'va', kind: 'int'}],
		returns: 'int',
		run(ctx, args) {
			if (access().run(ctx, args) !== true) return -EFAULT;
			const va = argInt(args[0]!, 'load_value', 'a va');
			const e = peek(ctx.m.cpus[ctx.cpu]!, 'tlb')[va]!;
			const v = readData(ctx, e.pfn);
			note(ctx, `load from va ${hex(va)}: ${pageName(e.pfn)} holds ${v}`);
			return v;
		},
	},
	{
		name: 'page_data',
		kernel: 'a kernel read of the page\'s contents (kmap_local_page + memcpy_from_page; what a device reads of a page GUP pinned for DMA, O_DIRECT, vmsplice)',
		effect: 'reads the contents (data version) of the page itself, whoever maps it: 0 until something stores into it',
		args: [{name: 'page', kind: 'page'}],
		returns: 'int',
		run(ctx, [pg]) {
			const f = ramOf(ctx, pg!, 'page_data', false);
			return f ? readData(ctx, f.pfn) : 0;
		},
	},
	{
		name: 'set_page_data',
		kernel: 'a kernel write of the page\'s contents (kmap_local_page + memcpy_to_page; a DMA into a page GUP pinned with FOLL_WRITE)',
		effect: 'stores value as the page\'s contents, whoever maps it (a free page keeps none)',
		args: [{name: 'page', kind: 'page'}, {name: 'value', kind: 'int'}],
		returns: 'void',
		run(ctx, [pg, v]) {
			const f = ramOf(ctx, pg!, 'set_page_data', false);
			if (f) writeData(ctx, f.pfn, dataValue(v!, 'set_page_data'));
			return null;
		},
	},
	{
		name: 'copy_user_highpage',
		kernel: 'include/linux/highmem.h:copy_user_highpage(to, from, vaddr, vma) (mm/memory.c:__wp_page_copy_user [cow_user_page before v5.10], wp_page_copy; copy_mc_user_highpage since v6.0)',
		effect: 'copies the contents of src into dst, one step (vaddr and vma, as the kernel passes them, change nothing on x86) (a store that lands in src after it is not in dst: the lost write of a stale writable TLB entry, 6ce64428d621)',
		args: [{name: 'dst', kind: 'page'}, {name: 'src', kind: 'page'}, {name: 'vaddr', kind: 'any', optional: true}, {name: 'vma', kind: 'context', optional: true}],
		returns: 'void',
		run(ctx, [d, s]) {
			const src = ramOf(ctx, s!, 'copy_user_highpage', false);
			const dst = ramOf(ctx, d!, 'copy_user_highpage', false);
			if (!src || !dst) return null;
			const v = readData(ctx, src.pfn);
			writeData(ctx, dst.pfn, v);
			note(ctx, `copy ${pageName(src.pfn)} (holds ${v}) to ${pageName(dst.pfn)}`);
			return null;
		},
	},
	anonExclusive('PageAnonExclusive', 'include/linux/page-flags.h:PageAnonExclusive [folio_test_anon_exclusive] (6c287605fd56, v5.19) (mm/memory.c:do_wp_page, mm/gup.c:gup_must_unshare)', 'whether PG_anon_exclusive is set: the anonymous page is mapped by this process only, so a write fault may reuse it even while it is pinned (page_count > 1)', null),
	anonExclusive('SetPageAnonExclusive', 'include/linux/page-flags.h:SetPageAnonExclusive (mm/rmap.c:page_add_new_anon_rmap, page_move_anon_rmap [folio_move_anon_rmap] in wp_page_reuse / wp_can_reuse_anon_folio)', 'sets PG_anon_exclusive: this process owns the page alone', true),
	anonExclusive('ClearPageAnonExclusive', 'include/linux/page-flags.h:ClearPageAnonExclusive (include/linux/rmap.h:page_try_dup_anon_rmap at fork, page_try_share_anon_rmap; fails instead while the page may be pinned)', 'clears PG_anon_exclusive: the page may be shared (fork gave the child a mapping); the next write fault must copy unless the refcount says nobody else holds it', false),
];
