// The reference of everything a scenario can call, generated from the
// registries themselves so the documentation cannot drift from the code
// (docs/primitives.md is this output; a test compares them).

import {KINDS} from '../machine/checks.js';
import {ALIASES, PRIMITIVES} from '../machine/primitives/index.js';
import {SETUP_CALLS} from '../machine/setup.js';

const GROUPS: [string, string[]][] = [
	['IRQs and RCU', ['local_irq_save', 'local_irq_restore', 'local_irq_disable', 'local_irq_enable', 'rcu_read_lock', 'rcu_read_unlock', 'synchronize_rcu']],
	['Page tables', ['pmdp_get_lockless', 'ptep_get_lockless', 'ptep_get', 'pte_present', 'pte_write', 'pte_special', 'pte_devmap', 'pte_none', 'pte_pfn', 'pte_val', 'pmd_present', 'pmd_leaf', 'ptep_get_and_clear', 'unmap_mapping_range', 'free_pgtables']],
	['The page-table life cycle', ['pte_alloc', 'pte_alloc_one', 'pmd_populate', 'pmd_clear', 'pmdp_huge_get_and_clear', 'pmdp_collapse_flush', 'set_pmd_at', 'mk_huge_pmd', 'pmd_val', 'pmd_same', 'pmd_none', 'pmd_pgtable', 'mk_pte', 'set_pte_at', 'move_ptes', 'pgtable_trans_huge_deposit', 'pgtable_trans_huge_withdraw', 'zap_deposited_table', 'free_pte_range', 'remove_vma']],
	['Freeing page-table pages', ['pte_free', 'pte_free_defer', 'tlb_remove_table_sync_one']],
	['mmu_gather', ['tlb_gather_mmu', 'tlb_remove_tlb_entry', '__tlb_adjust_range', '__tlb_reset_range', 'tlb_remove_page', 'tlb_remove_table', 'pte_free_tlb', 'tlb_flush_mmu_tlbonly', 'tlb_flush_mmu_free', 'tlb_flush_mmu', 'tlb_finish_mmu', 'inc_tlb_flush_pending', 'dec_tlb_flush_pending', 'mm_tlb_flush_pending', 'mm_tlb_flush_nested']],
	['TLBs and the hardware walker', ['access', 'speculative_walk', 'flush_tlb_mm_range', 'flush_tlb_range', 'syscall_exit', 'tlb_has']],
	['struct page', ['pte_page', 'pfn_to_page', 'try_grab_page', 'get_page', 'put_page', 'unpin_user_page', 'page_refcount']],
	['Ordinary RAM pages', ['alloc_page', 'try_get_page', 'folio_try_get', 'folio_try_get_rcu', 'page_ref_freeze', 'page_ref_unfreeze', 'page_count', 'page_add_anon_rmap', 'page_add_file_rmap', 'page_remove_rmap', 'page_mapcount', 'is_refcount_suitable', 'free_page_and_swap_cache']],
	['dev_pagemap and memunmap_pages', ['get_dev_pagemap', 'put_dev_pagemap', 'percpu_ref_kill', 'memunmap_put_pages', 'percpu_ref_put_many', 'wait_for_completion', 'arch_remove_memory', 'pgmap_array_delete', 'percpu_ref_exit', 'pgmap_ref_count']],
	['DAX device, filesystem, faults', ['kill_dax', 'dax_alive', 'dax_holder', 'del_gendisk', 'freeze_super', 'thaw_super', 'xfs_force_shutdown', 'mf_dax_kill_procs', 'send_sigkill', 'fatal_signal_pending', 'handle_mm_fault']],
];

export function primitivesReference(): string {
	const out: string[] = [
		'# Primitives, set-up calls and checks',
		'',
		'Generated from the registries in `source/machine` by `npm run docs`; a test',
		'fails if this file is out of date. Each primitive is one atomic step of the',
		'CPU that calls it (with the other calls and operators of the same statement),',
		'unless marked *pure* (arithmetic on values already read: no memory access).',
		'*Blocks*: the primitive must stand alone as a statement; the CPU waits there.',
		'',
	];
	const listed = new Set<string>();
	for (const [title, names] of GROUPS) {
		out.push(`## ${title}`, '');
		for (const name of names) {
			const p = PRIMITIVES.get(name);
			if (!p) throw new Error(`reference lists unknown primitive ${name}`);
			listed.add(name);
			const sig = `${p.name}(${p.args.map(a => (a.optional ? `[${a.name}]` : a.name)).join(', ')})`;
			const tags = [p.returns !== 'void' && `returns ${p.returns}`, p.pure && 'pure', (p.blocks || p.guard) && 'blocks'].filter(Boolean).join(', ');
			out.push(`### \`${sig}\`${tags ? ` — ${tags}` : ''}`, '', `Kernel: \`${p.kernel}\``, '', p.effect.charAt(0).toUpperCase() + p.effect.slice(1) + '.', '');
		}
	}
	const missing = [...PRIMITIVES.keys()].filter(n => !listed.has(n));
	if (missing.length) throw new Error(`reference misses primitives: ${missing.join(', ')}`);
	out.push('## Aliases', '', 'Other kernel spellings of the same primitive:', '');
	for (const [alias, name] of ALIASES) out.push(`- \`${alias}\` = \`${name}\``);
	out.push('', '## Set-up calls (inside `machine { }`)', '');
	for (const s of SETUP_CALLS) out.push(`- \`${s.usage}\` — ${s.effect}.`);
	out.push('', '## Violation kinds (for `expect`)', '', '| kind | check | what |', '| --- | --- | --- |');
	for (const k of KINDS) out.push(`| \`${k.name}\` | ${k.check} | ${k.what} |`);
	out.push('', '## Built-in names', '', '- Constants: `VM_FAULT_SIGBUS` (2), `VM_FAULT_SIGSEGV` (0x40), `EFAULT` (-14), `ENXIO` (-6), `PAGE_SIZE` (4096), `HPAGE_PMD_NR` (512), `NULL`, `true`, `false`, `REPLICA` (0 for a CPU block, 1.. for its copies).', '- Flags: `FOLL_GET`, `FOLL_PIN` (for `try_grab_page`), `FAULT_FLAG_WRITE` (for `handle_mm_fault`).', '- Every pgmap declared in `machine { }` is a name usable as a `dev_pagemap` argument.', '');
	return out.join('\n');
}
