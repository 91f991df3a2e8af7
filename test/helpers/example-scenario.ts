// A realistic scenario text shared by the parser tests (it exercises every
// construct of the grammar; it is parsed only, never compiled).

export const EXAMPLE = `scenario fsdax-unbind-2021
title  "fs-dax: unbind pmem while O_DIRECT runs gup-fast (v5.11)"
era    "E21: v5.11-v5.15"
source "linux-nvdimm, 2021-02-23, Re: [PATCH RFC 0/9] mm, sparse-vmemmap"

param gup_pgmap_check = true
param mapping = pte | pmd
param pages = 1 in 1..8

const VA = 0x7f0000

expect violation stale-mapping
expect no use-after-free
expect violation livelock derived "confirmed by code reading"

variant noref "NOREF: gup-fast skips get_dev_pagemap" (gup_pgmap_check = false) {
	expect violation use-after-free
}

machine {
	flush(ipi);
	pgmap(pmem0, fsdax, 0x100, pages);
	if (mapping == pmd) map(VA, 0x100, devmap, special, write, huge);
	else { map(VA, 0x100, devmap, special, write); }
	mm_cpumask(0, 2);
}

cpu 0 "gup-fast" {
	local_irq_save();
	pmd = pmdp_get_lockless(VA);
	if (!pmd_present(pmd)) goto bail;
	pte = ptep_get_lockless(pmd, VA);
	if (pte_devmap(pte)) {
		if (gup_pgmap_check) {
			pgmap = get_dev_pagemap(pte_pfn(pte));
			if (!pgmap) goto bail;
		}
	} else if (pte_special(pte)) goto bail;
	page = pte_page(pte);
	if (!try_grab_page(page)) goto bail;
	if (pte.pfn != ptep_get_lockless(pmd, VA).pfn || x << 2 >= (y & 0xff)) {
		put_page(page);
		goto bail;
	}
	atomic { await pgmap != NULL; put_dev_pagemap(pgmap); }
	assert page != NULL "gup returned no page";
	while (retry) retry = retry - 1;
	local_irq_restore();
	return;
bail:
	local_irq_restore();
done:
}

cpu 1 "unbind" { kill_dax(pmem0); percpu_ref_kill(pmem0); }

invariant "refcount never negative" page_refcount(0x100) >= 0

spinlock_t ptl;
atomic_t refs = ATOMIC_INIT(1);
static unsigned long nr = 0;
DEFINE_MUTEX(big);

static inline bool grab(struct page *page, int n)
{
	spin_lock(&ptl);
	for (i = 0; i < n; i++) {
		if (!try_grab_page(page)) break;
		nr += 1;
		++nr;
		continue;
	}
	atomic_inc(&refs);
	spin_unlock(&ptl);
	return i == n ? true : false;
}
`;
