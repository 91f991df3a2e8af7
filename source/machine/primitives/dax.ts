// The DAX device and the filesystem on it (drivers/dax/super.c,
// drivers/nvdimm/pmem.c, fs/dax.c, fs/xfs/xfs_notify_failure.c), and the
// page-fault path that can install DAX PTEs.

import {type Ctx, note, peek, rd, wr} from '../context.js';
import {findLeaf, index, installLeaf, pmdBase} from '../pagetable.js';
import type {LeafEntry, Pgmap} from '../types.js';
import {hex} from '../values.js';
import {touchPage} from './page.js';
import {writeEntry} from './pgtable.js';
import {noteInstall, noteInstallHuge} from '../gup-window.js';
import {numaHintingFault} from './protnone.js';
import {freshGen} from './ram.js';
import {argInt, argPgmap, argSym, Oops, pgmapOp, type Primitive} from './spec.js';

export const VM_FAULT_SIGBUS = 2;
export const VM_FAULT_SIGSEGV = 0x40;

/**
 * do_anonymous_page: a fresh RAM page (the lowest free pfn) mapped at va,
 * writable as the vma allows; the shared zero page of read faults is not
 * modelled. Out of free pages: VM_FAULT_OOM is not modelled either (SIGBUS).
 */
/**
 * A write fault on a present read-only fs-dax PTE: handle_pte_fault ->
 * do_wp_page -> wp_pfn_shared -> ->pfn_mkwrite (xfs_dax_fault / ext4_dax_fault
 * -> dax_iomap_fault with write): VM_FAULT_SIGBUS once the dax device is dead
 * or the filesystem shut down, else the PTE is made writable in place.
 */
function pfnMkwrite(ctx: Ctx, va: number, p: Pgmap, at: {entry: LeafEntry; table: number; level: number}): number {
	rd(ctx, `dax:${p.name}`);
	const fs = fsOn(ctx, p);
	if (!p.daxAlive || !fs || fs.shutdown) {
		note(ctx, `write fault at ${hex(va)} on a read-only DAX PTE: pfn_mkwrite fails (${!p.daxAlive ? 'dax device dead' : 'filesystem shut down'}): VM_FAULT_SIGBUS`);
		return VM_FAULT_SIGBUS;
	}
	writeEntry(ctx, at.table, at.level, va, {...at.entry, write: true}, 'handle_mm_fault');
	note(ctx, `write fault at ${hex(va)} on a read-only DAX PTE: dax_pfn_mkwrite makes it writable`);
	return 0;
}

function anonFault(ctx: Ctx, va: number, write: boolean): number {
	wr(ctx, 'buddy');
	const pfns = Object.keys(ctx.m.memmap).map(Number).filter(p => ctx.m.memmap[p]!.ram?.free).sort((a, b) => a - b);
	const pfn = pfns[0];
	if (pfn === undefined) {
		note(ctx, `fault at ${hex(va)}: no free RAM page: VM_FAULT_SIGBUS`);
		return VM_FAULT_SIGBUS;
	}
	wr(ctx, `page:${pfn}`);
	const page = ctx.m.memmap[pfn]!;
	page.refcount = 1;
	page.ram = {free: false, gen: freshGen(ctx, pfn, page.ram!.gen), owner: ctx.cpu, mapcount: 1, collapse: null, lateRefs: 0};
	const at = installLeaf(ctx.m.pt, va, {pfn, write, special: false, devmap: false}, false);
	wr(ctx, 'pt');
	wr(ctx, `e:${at.table}:${index(va, at.level)}`);
	noteInstall(ctx, va, pfn);
	note(ctx, `fault at ${hex(va)}: anonymous page ${hex(pfn)} allocated and mapped`);
	return 0;
}

function fsOn(ctx: Ctx, p: Pgmap) {
	rd(ctx, 'fs');
	return ctx.m.fs && ctx.m.fs.dev === p.name ? ctx.m.fs : null;
}

const fsStep = (name: string, kernel: string, effect: string, apply: (fs: NonNullable<Ctx['m']['fs']>) => void): Primitive =>
	pgmapOp(name, kernel, effect, (ctx, p) => {
		const fs = fsOn(ctx, p);
		if (!fs) throw new Oops(`${name}: no filesystem is mounted on ${p.name}`);
		wr(ctx, 'fs');
		apply(fs);
	});

export const daxPrimitives: Primitive[] = [
	pgmapOp(
		'kill_dax',
		'drivers/dax/super.c:kill_dax (clear DAXDEV_ALIVE, synchronize_srcu(&dax_srcu)) (D1, F1)',
		'the dax device is dead: no fault can install a new DAX PTE from now on (in-flight faults are single steps, so the SRCU wait is implied). Since fa422b353d21 (MF_MEM_PRE_REMOVE, ✱v6.7) the kernel\'s kill_dax first calls the holder\'s notify_failure (xfs_dax_notify_failure: freeze, mf_dax_kill_procs with its unmap, shutdown, thaw); this primitive is only the clear and the wait: write those steps before it',
		(ctx, p) => {
			wr(ctx, `dax:${p.name}`);
			p.daxAlive = false;
		},
	),
	{
		name: 'dax_alive',
		kernel: 'drivers/dax/super.c:dax_alive',
		effect: 'true while DAXDEV_ALIVE is set',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'bool',
		run(ctx, [v]) {
			const p = argPgmap(ctx, v!, 'dax_alive');
			rd(ctx, `dax:${p.name}`);
			return p.daxAlive;
		},
	},
	{
		name: 'dax_holder',
		kernel: 'drivers/dax/super.c:dax_holder (fs/xfs registers one; ext2/ext4 pass none: fs/ext4/super.c)',
		effect: 'true if the filesystem on the device registered as dax holder and so gets MF_MEM_PRE_REMOVE',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'bool',
		run(ctx, [v]) {
			const fs = fsOn(ctx, argPgmap(ctx, v!, 'dax_holder'));
			return fs !== null && fs.holder;
		},
	},
	pgmapOp(
		'del_gendisk',
		'block/genhd.c:del_gendisk (pmem_remove, F1): v5.11 invalidate_partition = fsync_bdev + __invalidate_device',
		'the block device goes away. In E21 that does not shut the filesystem down (v5.11 del_gendisk only syncs and invalidates the bdev); later kernels tell the holder through bdev_mark_dead, not modelled: kill_dax already fails every later DAX fault. Existing mappings are NOT zapped',
		(ctx, p) => {
			wr(ctx, `disk:${p.name}`);
		},
	),
	fsStep('freeze_super', 'fs/super.c:freeze_super (xfs_dax_notify_failure, MF_MEM_PRE_REMOVE)', 'freezes the filesystem: write faults block; read faults still proceed', fs => {
		fs.frozen = true;
	}),
	fsStep('thaw_super', 'fs/super.c:thaw_super', 'thaws the filesystem', fs => {
		fs.frozen = false;
	}),
	fsStep('xfs_force_shutdown', 'fs/xfs/xfs_fsops.c:xfs_force_shutdown (xfs_dax_notify_failure)', 'shuts the filesystem down: DAX faults fail with SIGBUS', fs => {
		fs.shutdown = true;
	}),
	{
		name: 'mf_dax_kill_procs',
		kernel: 'mm/memory-failure.c:mf_dax_kill_procs (collect_procs + kill_procs, SIGBUS)',
		effect: 'sends SIGBUS to the process owning the mm (a core-dump signal, not SIGKILL: fatal_signal_pending() stays false); the unmap is a separate unmap_mapping_range call',
		args: [{name: 'pgmap', kind: 'pgmap'}],
		returns: 'void',
		run(ctx, [v]) {
			argPgmap(ctx, v!, 'mf_dax_kill_procs');
			wr(ctx, 'sig');
			ctx.m.sigbus = true;
			return null;
		},
	},
	{
		name: 'send_sigkill',
		kernel: 'kernel/signal.c: kill -9 of the process owning the mm',
		effect: 'SIGKILL is pending for the process: fatal_signal_pending() is true from now on (the only way out of the G12 retry loop)',
		args: [],
		returns: 'void',
		run(ctx) {
			wr(ctx, 'sig');
			ctx.m.sigkill = true;
			return null;
		},
	},
	{
		name: 'fatal_signal_pending',
		kernel: 'include/linux/sched/signal.h:fatal_signal_pending (SIGKILL; checked each pass of __get_user_pages)',
		effect: 'true once SIGKILL is pending for the process (send_sigkill); SIGBUS does not count',
		args: [],
		returns: 'bool',
		run(ctx) {
			rd(ctx, 'sig');
			return ctx.m.sigkill;
		},
	},
	{
		name: 'handle_mm_fault',
		kernel: 'mm/memory.c:handle_mm_fault -> handle_pte_fault (pte_protnone -> do_numa_page); fs/dax.c:dax_iomap_fault / drivers/dax/device.c:dev_dax_huge_fault (G12, H2)',
		effect: 'a fault at va (a read fault; with FAULT_FLAG_WRITE a write fault, which on fs-dax waits while the filesystem is frozen). A huge PMD pmdp_invalidate left (a split in progress): returns 0 and installs nothing, as huge_pmd_set_accessed does once it has the PMD lock and sees the PMD changed (its spin on that lock, an RCU reader meanwhile, is not modelled). A present PTE: only young/dirty are set, returns 0 (no new mapping; the G12 retry), except a write fault on a read-only fs-dax PTE: do_wp_page -> pfn_mkwrite, VM_FAULT_SIGBUS if the dax device is dead or the filesystem shut down, else the PTE becomes writable (the COW of a read-only anonymous PTE is not done here: write do_wp_page and wp_page_copy as their steps, with page_count, alloc_page, copy_user_highpage, ptep_clear_flush and set_pte_at: scenarios/examples/uffd-wp-copy.race, gup-pin-cow.race). A PROT_NONE PTE: the NUMA hinting fault, do_numa_page without migration: the PTE is present again with the vma\'s protection, returns 0 (the vma counts as accessible: vmas keep their protection, so mprotect(PROT_NONE)\'s SIGSEGV is not modelled; a migration is written as the scenario\'s steps). No vma: VM_FAULT_SIGSEGV. An anonymous vma: a free RAM page is allocated and mapped. A DAX vma: fails with VM_FAULT_SIGBUS if the dax device is dead or the filesystem shut down (check_vma / iomap_begin), else installs the DAX PTE (devmap+special before v6.15; a refcounted PTE after) and returns 0; on fs-dax a read fault maps it read-only (writes go through pfn_mkwrite), on device-dax as the vma allows',
		args: [{name: 'va', kind: 'int'}, {name: 'flags', kind: 'sym', optional: true}],
		returns: 'int',
		guard(m, _cpu, [v, flags]) {
			// A write fault on fs-dax takes sb_start_pagefault: it waits while the fs is frozen.
			const write = flags !== undefined && flags !== null && typeof flags === 'object' && flags.t === 'sym' && flags.name === 'FAULT_FLAG_WRITE';
			if (!write || !m.fs?.frozen || typeof v !== 'number') return null;
			const vma = m.vmas.find(x => v >= x.va && v < x.va + x.npages * 4096);
			return vma && vma.pgmap === m.fs.dev ? 'write fault: sb_start_pagefault waits while the filesystem is frozen' : null;
		},
		run(ctx, [v, flags]) {
			if (flags !== undefined && flags !== null) argSym(flags, 'handle_mm_fault', ['FAULT_FLAG_WRITE']);
			rd(ctx, 'fs');
			const va = argInt(v!, 'handle_mm_fault', 'a va');
			rd(ctx, 'pt');
			const write = flags !== undefined && flags !== null;
			const present = findLeaf(ctx.m.pt, va);
			if (present?.entry.invalid) {
				// __handle_mm_fault: pmd_trans_huge(orig_pmd) -> huge_pmd_set_accessed (or do_huge_pmd_wp_page): pmd_lock, !pmd_same once the split is done, return 0.
				note(ctx, `fault at ${hex(va)}: the huge PMD is being split (pmdp_invalidate left it not present): huge_pmd_set_accessed finds it changed under the PMD lock and returns 0 (the access is retried)`);
				return 0;
			}
			if (present?.entry.protnone && present.level === 1) {
				rd(ctx, 'vmas');
				return numaHintingFault(ctx, va, present, peek(ctx.m, 'vmas').find(x => va >= x.va && va < x.va + x.npages * 4096)?.write ?? false);
			}
			if (present && write && !present.entry.write) {
				rd(ctx, 'vmas');
				const vma = ctx.m.vmas.find(x => va >= x.va && va < x.va + x.npages * 4096);
				if (vma?.write && vma.pgmap !== null && ctx.m.pgmaps[vma.pgmap]!.type === 'fsdax') return pfnMkwrite(ctx, va, ctx.m.pgmaps[vma.pgmap]!, present);
			}
			if (present) {
				note(ctx, `fault at ${hex(va)}: PTE present, only young/dirty updated`);
				return 0;
			}
			rd(ctx, 'vmas');
			const vma = peek(ctx.m, 'vmas').find(x => va >= x.va && va < x.va + x.npages * 4096);
			if (!vma) return VM_FAULT_SIGSEGV;
			if (vma.pgmap === null) return anonFault(ctx, va, vma.write);
			// read whole, without drafts: the fault writes only the page tables and the page
			const p = peek(ctx.m, 'pgmaps')[vma.pgmap]!;
			rd(ctx, `dax:${p.name}`);
			const fs = fsOn(ctx, p);
			if (!p.daxAlive || (p.type === 'fsdax' && (!fs || fs.shutdown))) {
				note(ctx, `fault at ${hex(va)}: ${!p.daxAlive ? 'dax device dead' : 'filesystem shut down'}: VM_FAULT_SIGBUS`);
				return VM_FAULT_SIGBUS;
			}
			// a huge vma's fault installs the PMD leaf over va's 2 MiB, naming its first pfn (dev_dax_huge_fault / dax_iomap_pmd_fault)
			const at0 = vma.huge ? pmdBase(va) : va;
			const pfn = vma.pfn + Math.floor((at0 - vma.va) / 4096);
			const modern = peek(ctx.m, 'settings').refcount === 'v6_15';
			// fs-dax vmas have ->pfn_mkwrite (write notify): a read fault maps the pfn
			// read-only and a later write goes through dax_pfn_mkwrite. device-dax has
			// no mkwrite, so its shared mapping is writable from the first fault.
			const writable = vma.write && (p.type === 'devdax' || write);
			const leaf: LeafEntry = {pfn, write: writable, special: !modern, devmap: !modern};
			const at = installLeaf(ctx.m.pt, at0, leaf, vma.huge);
			wr(ctx, 'pt');
			wr(ctx, `e:${at.table}:${index(at0, at.level)}`);
			if (vma.huge) noteInstallHuge(ctx, at0, pfn);
			else noteInstall(ctx, at0, pfn);
			if (modern) {
				// The new mapping holds a reference, counted as the page's idle use (as at set-up).
				const page = touchPage(ctx, pfn, 'handle_mm_fault', true);
				if (page) {
					page.refcount += 1;
					page.idle += 1;
				}
			}
			note(ctx, `fault at ${hex(va)}: DAX ${vma.huge ? `PMD installed at ${hex(at0)}` : 'PTE installed'} -> pfn ${hex(pfn)}${writable ? '' : ' (read-only: a write will go through pfn_mkwrite)'}`);
			return 0;
		},
	},
];
