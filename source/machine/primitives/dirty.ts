// The PTE dirty bit, PG_dirty and a user store (the 2014 thread "Dirty/Access
// bits vs. page content", 1cf35d47712d): the hardware sets _PAGE_DIRTY on the
// first store through a PTE, and a TLB entry caches it. A store through an
// entry that has it set touches no PTE at all, so a CPU holding such an
// entry after the PTE was zapped keeps dirtying the page unseen; one whose
// entry has it clear must set the bit in the PTE in memory first (a locked
// update), and faults if the PTE is no longer there. That is why
// zap_pte_range flushes before dropping the PTE lock only for a dirty shared
// PTE (force_flush), and moves the bit to the page (set_page_dirty) for
// writeback, which cleans the page (TestClearPageDirty) after page_mkclean.
// A store reaching a page writeback cleaned, recorded by no PTE, is lost: S12.

import {type Ctx, note, rd, violate, wr} from '../context.js';
import {findLeaf, leafPfnAt} from '../pagetable.js';
import type {PteValue, RamPage, Value} from '../types.js';
import {hex} from '../values.js';
import {folioPfn, touchPage} from './page.js';
import {writeEntry} from './pgtable.js';
import {argInt, argOf, Oops, pageName, type Primitive} from './spec.js';
import {dropFaultingPwc, fill, hwWalk, touchMemory, userTlbLookup} from './tlb.js';
import {writeData} from './contents.js';

const pte = (v: Value, prim: string): PteValue => argOf(v, 'pte', prim);

/** PG_dirty lives in the folio: a tail page's is its head's. */
function folioRam(ctx: Ctx, v: Value, who: string): {pfn: number; ram: RamPage} | undefined {
	const pfn = folioPfn(ctx, argOf(v, 'page', who).pfn);
	const page = touchPage(ctx, pfn, who, true);
	if (!page) return undefined;
	if (!page.ram) throw new Oops(`${who}: pfn ${hex(pfn)} is not an ordinary RAM page (declare it with ram() in machine { })`);
	return {pfn, ram: page.ram};
}

/**
 * S12: a store through an entry that caches the dirty bit updates no PTE. If
 * writeback cleaned the page since it was last dirtied, and the PTE for va does
 * not map the page dirty either (it was zapped, or cleaned by page_mkclean
 * while this entry survived), nothing records the write.
 */
function checkLostWrite(ctx: Ctx, va: number, pfn: number): void {
	const head = folioPfn(ctx, pfn);
	const ram = ctx.m.memmap[head]?.ram;
	if (!ram) return;
	rd(ctx, `page:${head}`);
	if (!ram.writtenBack || ram.pgDirty) return;
	rd(ctx, 'pt');
	const leaf = findLeaf(ctx.m.pt, va);
	if (leaf && !leaf.entry.invalid && leaf.entry.write && leaf.entry.dirty && leafPfnAt(leaf.entry, leaf.level, va) === pfn) return;
	violate(ctx, 'lost-write', 'S12', `CPU${ctx.cpu} stores to ${pageName(pfn)} through its TLB entry for va ${hex(va)} (writable, dirty), after writeback cleaned the page, and ${leaf ? 'the PTE there no longer maps it dirty' : 'no PTE maps va'}: the write is lost`, [pageName(pfn), `tlb CPU${ctx.cpu}`, `va ${hex(va)}`]);
}

/** The walker sets _PAGE_DIRTY in the PTE (or huge PMD) mapping va, with a locked update. */
function setDirtyBit(ctx: Ctx, va: number, pfn: number): void {
	rd(ctx, 'pt');
	const leaf = findLeaf(ctx.m.pt, va);
	// a walk through a paging-structure cache entry to an unhooked PTE page sets the bit there, where nobody looks again
	if (!leaf || leafPfnAt(leaf.entry, leaf.level, va) !== pfn || leaf.entry.dirty) return;
	writeEntry(ctx, leaf.table, leaf.level, va, {...leaf.entry, dirty: true}, 'the hardware walker');
}

const pureFlag = (name: string, kernel: string, effect: string, dirty: boolean | null): Primitive => ({
	name,
	kernel,
	effect,
	args: [{name: 'pte', kind: 'pte'}],
	returns: dirty === null ? 'bool' : 'pte',
	pure: true,
	run(_ctx, [v]) {
		const p = pte(v!, name);
		if (dirty === null) return p.present && p.dirty === true;
		const out: PteValue = {...p};
		if (dirty && p.present) out.dirty = true;
		else delete out.dirty;
		return out;
	},
});

export const dirtyPrimitives: Primitive[] = [
	{
		name: 'store',
		kernel: 'hardware: a user store: TLB lookup; if the entry lacks the dirty bit (or on a miss) the walker sets _PAGE_DIRTY in the PTE in memory with a locked update, faulting if the PTE is no longer present and writable ✱ (Intel SDM vol. 3, 4.8; the 2014 thread behind 1cf35d47712d)',
		effect: 'one user store by the CPU. A TLB hit on a writable entry that caches the dirty bit writes the page and touches no PTE (a stale one keeps writing after a zap until a flush: S12 if writeback cleaned the page meanwhile and no PTE maps it dirty). A writable entry without the dirty bit, or a miss, goes to the PTE in memory: present, writable and mapping that pfn, the PTE and the entry get the dirty bit and the store is done; otherwise it is a page fault (false), and the entry for va is dropped. A read-only entry faults too. Touching a freed or reused RAM page is S2. With a value, the store writes it as the contents (data version) of the page it reached — through a stale entry, the old page, whatever the PTE maps now (load_value and page_data read it back)',
		args: [{name: 'va', kind: 'int'}, {name: 'value', kind: 'int', optional: true}],
		returns: 'bool',
		run(ctx, [v, x]) {
			const va = argInt(v!, 'store', 'a va');
			const value = x === undefined || x === null ? null : argInt(x, 'store', 'a data value');
			if (value !== null && value < 0) throw new Oops(`store: data value ${value}: a page holds a version from 0 up`);
			const {hit, cachedBefore} = userTlbLookup(ctx, va, 'store');
			if (hit && hit.write && hit.dirty) {
				note(ctx, `TLB hit: va ${hex(va)} -> pfn ${hex(hit.pfn)}, writable and dirty: the store touches no PTE`);
				touchMemory(ctx, hit.pfn, hit.gen, 'stores to (TLB hit)');
				checkLostWrite(ctx, va, hit.pfn);
				if (value !== null) writeData(ctx, hit.pfn, value);
				return true;
			}
			const walked = hwWalk(ctx, va, 'hardware walk (store)');
			const fault = !hit ? !walked.present || walked.protnone || !walked.write : !hit.write || !walked.present || walked.protnone || !walked.write || walked.pfn !== hit.pfn;
			if (fault) {
				note(ctx, `store to va ${hex(va)}: ${hit && !hit.write ? 'read-only TLB entry' : `the PTE is ${!walked.present || walked.protnone ? 'not present' : !walked.write ? 'read-only' : 'another page now'}`}: page fault`);
				if (hit) {
					wr(ctx, `tlb:${ctx.cpu}`);
					delete ctx.m.cpus[ctx.cpu]!.tlb[va];
				}
				dropFaultingPwc(ctx, va, cachedBefore);
				return false;
			}
			setDirtyBit(ctx, va, walked.pfn);
			fill(ctx, va, {...walked, dirty: true});
			note(ctx, `store to va ${hex(va)}: the walker sets the PTE's dirty bit; TLB entry writable and dirty`);
			touchMemory(ctx, walked.pfn, undefined, 'stores to');
			if (value !== null) writeData(ctx, walked.pfn, value);
			return true;
		},
	},
	pureFlag('pte_dirty', 'arch/x86/include/asm/pgtable.h:pte_dirty (_PAGE_DIRTY) (mm/memory.c:zap_pte_range: force_flush, set_page_dirty)', 'tests the dirty bit of a PTE value already read (false for a none PTE)', null),
	pureFlag('pte_mkdirty', 'arch/x86/include/asm/pgtable.h:pte_mkdirty (sets _PAGE_DIRTY | _PAGE_SOFT_DIRTY)', 'the PTE value with the dirty bit set (a none PTE stays none)', true),
	pureFlag('pte_mkclean', 'arch/x86/include/asm/pgtable.h:pte_mkclean (clears _PAGE_DIRTY) (mm/rmap.c:page_mkclean_one, mm/ksm.c:write_protect_page)', 'the PTE value with the dirty bit clear', false),
	{
		name: 'set_page_dirty',
		kernel: 'mm/page-writeback.c:set_page_dirty [folio_mark_dirty] (mm/memory.c:zap_pte_range on a dirty PTE; unpin_user_pages_dirty_lock)',
		effect: 'sets PG_dirty of the page\'s folio: writeback will write it again; returns true if it was clean',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const f = folioRam(ctx, pg!, 'set_page_dirty');
			if (!f) return false;
			const was = f.ram.pgDirty === true;
			f.ram.pgDirty = true;
			delete f.ram.writtenBack;
			return !was;
		},
	},
	{
		name: 'TestClearPageDirty',
		kernel: 'include/linux/page-flags.h:TestClearPageDirty [folio_test_clear_dirty] (mm/page-writeback.c:folio_clear_dirty_for_io, after folio_mkclean)',
		effect: 'writeback cleans the page: clears PG_dirty of its folio and returns whether it was set. From here on a store that no PTE records (through a TLB entry caching the dirty bit, its PTE gone or cleaned) is lost (S12) until something dirties the page again. folio_clear_dirty_for_io is the rmap walk of page_mkclean (per PTE: ptep_clear_flush, then pte_mkclean(pte_wrprotect(pte)); set_page_dirty if it was dirty), then this: write those steps',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const f = folioRam(ctx, pg!, 'TestClearPageDirty');
			if (!f) return false;
			const was = f.ram.pgDirty === true;
			delete f.ram.pgDirty;
			f.ram.writtenBack = true;
			note(ctx, `${pageName(f.pfn)}: PG_dirty ${was ? 'cleared' : 'was clear'}: writeback writes what the page holds now`);
			return was;
		},
	},
	{
		name: 'PageDirty',
		kernel: 'include/linux/page-flags.h:PageDirty [folio_test_dirty]',
		effect: 'whether PG_dirty of the page\'s folio is set',
		args: [{name: 'page', kind: 'page'}],
		returns: 'bool',
		run(ctx, [pg]) {
			const pfn = folioPfn(ctx, argOf(pg!, 'page', 'PageDirty').pfn);
			const page = touchPage(ctx, pfn, 'PageDirty', false);
			return page?.ram?.pgDirty === true;
		},
	},
];
