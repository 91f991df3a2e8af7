// The independence partial-order reduction relies on (docs/search.md): two
// enabled steps of different CPUs that report nothing, whose enabledness no
// other CPU can change, and whose footprints do not conflict, commute: each
// stays enabled after the other and both orders reach the same state with the
// same violations. Checked on random small scenarios of the general machine
// (RAM pages, TLBs and a lazy CPU, page-table pages, mmu_gather, locks, RCU,
// an interrupt handler), at every pair of enabled steps along random runs. A
// read or write a primitive does not record shows up here as a pair whose
// orders differ.

import {expect, it} from 'vitest';
import {mulberry32} from '../source/explore/index.js';
import {fragileEnabledness} from '../source/explore/exhaustive.js';
import {conflicts} from '../source/machine/context.js';
import {compile} from '../source/lang/compiler.js';
import {Model} from '../source/lang/interpreter.js';
import {parseScenario} from '../source/lang/parser.js';
import type {Machine, Transition} from '../source/machine/types.js';

const POOL = [
	'local_irq_save();', 'local_irq_restore();', 'access(VA);', 'access(VA2);',
	'x = tlb_has(2, VA);', 'x = tlb_has(1, VA2);',
	'flush_tlb_mm_range(VA, true);', 'flush_tlb_mm_range(VA);', 'flush_tlb_mm();',
	'ptep_get_and_clear(VA);', 'put_page(pfn_to_page(0x200));', 'get_page(pfn_to_page(0x201));',
	'a = alloc_page();', 'b = folio_try_get(pfn_to_page(0x200));',
	'pmd = pmdp_get_lockless(VA); if (pmd_present(pmd)) pte = ptep_get_lockless(pmd, VA);',
	'speculative_walk(VA);', 'rcu_read_lock();', 'rcu_read_unlock();', 'synchronize_rcu();',
	'spin_lock(&l);', 'spin_unlock(&l);', 'ok = spin_trylock(&l);', 'down_read(&s);', 'up_read(&s);', 'down_write(&s);', 'up_write(&s);', 'ok = down_read_trylock(&s);',
	'pmd = pmdp_get_lockless(VA); if (pmd_present(pmd) && !pmd_leaf(pmd)) { p = pte_offset_map_lock(pmd, VA); if (p) pte_unmap_unlock(p); }',
	'pmd = pmdp_huge_get_and_clear(VA);', 'pte_free_defer(pmd);', 'tlb_remove_table_sync_one();',
	'tlb_gather_mmu(); free_pte_range(VA); tlb_finish_mmu();',
	'ptep_set_wrprotect(VA);', 'page_remove_rmap(pfn_to_page(0x200));', 'x = page_mapcount(pfn_to_page(0x200));',
	'x = page_count(pfn_to_page(0x200));', 'ok = page_ref_freeze(pfn_to_page(0x200), 1);',
	'preempt_disable();', 'preempt_enable();', 'syscall_exit(VA, 2);', 'r = handle_mm_fault(VA3);',
	'move_ptes(VA, VA4, 1);', 'x = READ_ONCE(g); WRITE_ONCE(g, x + 1);',
	'pte_alloc(VA4);', 'set_pte_at(VA4, mk_pte(pfn_to_page(0x202), true));', 'set_pte_at(VA2, mk_pte(pfn_to_page(0x203), true));',
	'old = ptep_clear_flush(VA2);', 'tlb_gather_mmu(); ptep_get_and_clear(VA2); tlb_remove_tlb_entry(VA2); tlb_remove_page(pfn_to_page(0x201)); tlb_finish_mmu();',
	'tlb_gather_mmu(); ptep_get_and_clear(VA); tlb_remove_page(pfn_to_page(0x200)); tlb_flush_mmu(); tlb_finish_mmu();',
	'x = mm_tlb_flush_pending();', 'x = mm_tlb_flush_nested();',
	'write_seqcount_begin(&sq);', 'write_seqcount_end(&sq);', 'x = raw_read_seqcount(&sq);', 'x = read_seqcount_begin(&sq);',
	'atomic_inc(&at);', 'x = atomic_dec_and_test(&at);', 'x = atomic_cmpxchg(&at, 1, 5);', 'x = test_and_set_bit(1, &g);',
	'ok = try_grab_page(pfn_to_page(0x200), FOLL_PIN); if (ok) unpin_user_page(pfn_to_page(0x200));',
	'x = is_refcount_suitable(pfn_to_page(0x201)); if (x) free_page_and_swap_cache(pfn_to_page(0x201));',
	'page_ref_unfreeze(pfn_to_page(0x200), 1);', 'x = page_maybe_dma_pinned(pfn_to_page(0x200));',
	'pmd = pmdp_get_lockless(VA); if (pmd_present(pmd)) { k = pmd_lock(pmd); spin_unlock(k); }',
	'pmd = pmdp_collapse_flush(VA);', 'pmd = pmdp_huge_get_and_clear(VA); pmd_populate(VA, pmd);',
	'pmd = pmdp_get_lockless(VA); if (pmd_present(pmd)) { pgtable_trans_huge_deposit(VA, pmd); zap_deposited_table(VA); }',
	'remove_vma(VA3);', 'mutex_lock(&mu); mutex_unlock(&mu);', 'ok = mutex_trylock(&mu);',
	'spin_lock_irqsave(&l); spin_unlock_irqrestore(&l);', 'spin_lock_irq(&l); spin_unlock_irq(&l);',
	'raise_irq(dev);', 'x = spin_is_locked(&l);', 'might_sleep();', 'x = pgmap_ref_count(pmem0);',
	'enter_lazy_tlb();', 'x = page_refcount(0x200);', 'free_pgtables(VA5);',
];
const LAZY_POOL = ['switch_mm_irqs_off();', 'switch_mm_irqs_off(false);', 'speculative_walk(VA);', 'x = tlb_has(0, VA);'];

const MACHINE = 'machine { ram(0x200, 5); map(VA, 0x200, write); map(VA2, 0x201, write); vma(VA3, 1, write); mm_cpumask(0, 1, 2); tlb(0, VA); tlb(1, VA); tlb(2, VA); tlb(2, VA2); lazy(2); pte_table(VA5); pgmap(pmem0, devdax, 0x100, 1); map(0x7fc00000, 0x100, write, special, devmap); }';

function src(bodies: string[], machine = MACHINE): string {
	return [
		'scenario fuzz', 'const VA = 0x7f000000', 'const VA2 = 0x7f001000', 'const VA3 = 0x7f002000', 'const VA4 = 0x7f400000',
		'const VA5 = 0x7f800000', 'const VA6 = 0x7fe00000', 'spinlock_t l;', 'struct rw_semaphore s;', 'struct mutex mu;', 'int g = 0;', 'seqcount_t sq;', 'atomic_t at = ATOMIC_INIT(1);',
		machine,
		...bodies.map((b, i) => `cpu ${i} "c${i}" {\n${b}\n}`),
		'irq dev on cpu 1 "h" { x = READ_ONCE(g); spin_lock(&l); spin_unlock(&l); }',
	].join('\n');
}

/** Random scenarios from the pools; every independent pair of steps met along random runs must commute. */
function commuting(seed: number, scenarios: number, pool: readonly string[], lazyPool: readonly string[], machine?: string) {
	const rng = mulberry32(seed);
	const pick = <T,>(a: readonly T[]) => a[Math.floor(rng() * a.length)]!;
	const problems = new Map<string, string>();
	let compiled = 0, pairs = 0;
	for (let n = 0; n < scenarios; n++) {
		const bodies = [0, 1, 2].map(i => Array.from({length: 2 + Math.floor(rng() * 3)}, () => pick(i === 2 ? lazyPool : pool)).join('\n'));
		const source = src(bodies, machine);
		let model: Model;
		try {
			model = new Model(compile(parseScenario(source, 'f.race'), {file: 'f.race', source}));
		} catch {
			continue; // a combination the compiler rejects (a blocking call inside an expression...)
		}
		compiled++;
		for (let run = 0; run < 8; run++) {
			let m: Machine = model.initial;
			for (let i = 0; i < 40; i++) {
				let en: Transition[];
				try { en = model.enabled(m); } catch { break; }
				if (en.length === 0) break;
				let res;
				try { res = en.map(t => model.step(m, t, {footprint: true})); } catch { break; }
				for (let a = 0; a < en.length; a++) for (let b = a + 1; b < en.length; b++) {
					const t = en[a]!, u = en[b]!;
					if (t.cpu === u.cpu) continue;
					const rt = res[a]!, ru = res[b]!;
					if (rt.violations.length || ru.violations.length) continue;
					if ((!t.irq && fragileEnabledness(model, m, t.cpu)) || (!u.irq && fragileEnabledness(model, m, u.cpu))) continue;
					if (conflicts(rt.footprint!, ru.footprint!)) continue;
					pairs++;
					const tag = (x: Transition) => `${x.irq ? 'irq' : ''}${x.cpu}:${x.irq ? '' : model.program.cpus[x.cpu]!.instrs[m.cpus[x.cpu]!.pc]?.text ?? model.lineOf(m, x.cpu)}`;
					const key = `${tag(t)} || ${tag(u)}`;
					if (problems.has(key)) continue;
					try {
						if (!model.isEnabled(rt.state, u) || !model.isEnabled(ru.state, t)) { problems.set(key, `disables; t=${JSON.stringify(rt.footprint)} u=${JSON.stringify(ru.footprint)}`); continue; }
						const tu = model.step(rt.state, u), ut = model.step(ru.state, t);
						const vk = (r: {violations: {kind: string}[]}) => r.violations.map(v => v.kind).sort().join();
						if (model.hash(tu.state) !== model.hash(ut.state)) problems.set(key, `states differ; t=${JSON.stringify(rt.footprint)} u=${JSON.stringify(ru.footprint)}`);
						else if (vk(tu) !== vk(ut)) problems.set(key, `violations differ: ${vk(tu)} vs ${vk(ut)}`);
					} catch (e) { problems.set(key, `throws ${String(e).slice(0, 80)}`); }
				}
				m = pick(res).state;
			}
		}
	}
	return {compiled, pairs, problems: [...problems].map(([k, v]) => `${k}: ${v}`)};
}

it('independent steps commute (random scenarios of the general machine)', () => {
	const {compiled, pairs, problems} = commuting(4711, 300, POOL, [...LAZY_POOL, ...POOL.slice(0, 3)]);
	expect(compiled).toBeGreaterThan(250);
	expect(pairs).toBeGreaterThan(10_000);
	expect(problems).toEqual([]);
}, 900_000);

/** Splitting a huge PMD in place (thp-split.ts), with TLB entry sizes on: the walker, gup-fast's huge path and the split's steps. */
const THP_POOL = [
	'access(VA6);', 'access(VA6 + 0x1000);', 'old = pmdp_invalidate(VA6);', 'flush_tlb_range(VA6, 512);',
	'p = pmdp_get_lockless(VA6); if (pmd_present(p) && pmd_leaf(p)) pmdp_establish(VA6, pmd_mkinvalid(p));',
	'p = pmdp_get_lockless(VA6); if (pmd_present(p) && pmd_leaf(p)) { k = pmd_lock(p); spin_unlock(k); }',
	't = pgtable_trans_huge_withdraw(VA6); if (t) { set_ptes(VA6, mk_pte(pfn_to_page(0x204), true), 2, t); pmd_populate(VA6, t); }',
	'p = pmdp_get_lockless(VA6); if (pmd_present(p) && pmd_leaf(p) && pmd_access_permitted(p, true)) { ok = try_grab_page(pmd_page(p), FOLL_PIN); if (ok && pmd_val(p) != pmd_val(pmdp_get_lockless(VA6))) unpin_user_page(pmd_page(p)); }',
	'r = handle_mm_fault(VA6 + 0x1000);', 'local_irq_save();', 'local_irq_restore();', 'syscall_exit(VA6, 2);',
	'x = ptep_get(VA6);', 'ptep_get_and_clear(VA6 + 0x1000);',
];

it('independent steps commute (random scenarios of a huge PMD being split)', () => {
	const machine = 'machine { ram(0x200, 5); map(VA6, 0x204, write, huge); mm_cpumask(0, 1, 2); tlb(2, VA6); lazy(2); }';
	const {compiled, pairs, problems} = commuting(4712, 150, THP_POOL, ['speculative_walk(VA6);', 'speculative_walk(VA6 + 0x1000);', 'switch_mm_irqs_off();', ...THP_POOL.slice(0, 2)], machine);
	expect(compiled).toBeGreaterThan(100);
	expect(pairs).toBeGreaterThan(1_000);
	expect(problems).toEqual([]);
}, 900_000);

/** A PTE-mapped compound page (a THP folio of 0x200 and its tail 0x201) being split: folio operations on the tail, the split's steps, its free. */
const FOLIO_POOL = [
	'f = page_folio(pfn_to_page(0x201));', 'get_page(pfn_to_page(0x201));', 'put_page(pfn_to_page(0x201));', 'put_page(pfn_to_page(0x200));',
	'ok = folio_ref_try_add_rcu(pfn_to_page(0x200), 1);', 'ok = folio_try_get(pfn_to_page(0x201));', 'x = page_count(pfn_to_page(0x201));',
	'clear_compound_head(pfn_to_page(0x201));', 'page_ref_unfreeze(pfn_to_page(0x201), 1);', 'ok = folio_ref_freeze(pfn_to_page(0x200), 2);',
	'page_ref_unfreeze(pfn_to_page(0x200), 2);', 'set_page_count(pfn_to_page(0x200), 1);', 'ptep_get_and_clear(VA2);', 'ptep_get_and_clear(VA);',
	'access(VA2);', 'a = alloc_page();', 'local_irq_save();', 'local_irq_restore();',
	'pmd = pmdp_get_lockless(VA2); if (pmd_present(pmd)) { pte = ptep_get_lockless(pmd, VA2); if (pte_present(pte)) { ok = try_grab_page(pte_page(pte)); if (ok) put_page(pte_page(pte)); } }',
	'x = page_maybe_dma_pinned(pfn_to_page(0x201));', 'x = page_mapcount(pfn_to_page(0x201));', 'page_remove_rmap(pfn_to_page(0x201));',
];

it('independent steps commute (random scenarios of a compound page being split)', () => {
	const machine = 'machine { ram(0x200, 4); map_range(VA, 0x200, 2, write); compound(0x200, 2); mm_cpumask(0, 1, 2); tlb(1, VA2); lazy(2); }';
	const {compiled, pairs, problems} = commuting(4713, 150, FOLIO_POOL, ['speculative_walk(VA2);', 'switch_mm_irqs_off();', ...FOLIO_POOL.slice(0, 4)], machine);
	expect(compiled).toBeGreaterThan(100);
	expect(pairs).toBeGreaterThan(1_000);
	expect(problems).toEqual([]);
}, 900_000);

const DIRTY_POOL = [
	'a = store(VA);', 'a = store(VA2);', 'a = access(VA);', 'pte = ptep_get_and_clear(VA); if (pte_dirty(pte)) set_page_dirty(pte_page(pte));',
	'w = TestClearPageDirty(pfn_to_page(0x200));', 'set_page_dirty(pfn_to_page(0x200));', 'd = PageDirty(pfn_to_page(0x201));',
	'p = ptep_get(VA2); if (pte_present(p)) { e = ptep_clear_flush(VA2); set_pte_at(VA2, pte_mkclean(pte_wrprotect(e))); }',
	'flush_tlb_mm_range(VA);', 'local_irq_save();', 'local_irq_restore();', 'put_page(pfn_to_page(0x200));', 'n = alloc_page();',
];

it('independent steps commute (random scenarios of dirty bits and writeback)', () => {
	const machine = 'machine { ram(0x200, 3); map(VA, 0x200, write, dirty); map(VA2, 0x201, write); mm_cpumask(0, 1, 2); tlb(1, VA); tlb(0, VA2); lazy(2); }';
	const {compiled, pairs, problems} = commuting(4714, 150, DIRTY_POOL, ['speculative_walk(VA);', 'switch_mm_irqs_off();', ...DIRTY_POOL.slice(0, 3)], machine);
	expect(compiled).toBeGreaterThan(100);
	expect(pairs).toBeGreaterThan(1_000);
	expect(problems).toEqual([]);
}, 900_000);

/** Page contents (contents.ts): stores with values through stale and fresh entries, loads, copies, DMA writes, a COW's PTE switch and frees. */
const CONTENTS_POOL = [
	'a = store(VA, 1);', 'a = store(VA, 2);', 'a = store(VA2, 3);', 'v = load_value(VA);', 'v = load_value(VA2);',
	'v = page_data(pfn_to_page(0x200));', 'set_page_data(pfn_to_page(0x201), 4);', 'set_page_data(pfn_to_page(0x200), 0);',
	'n = alloc_page(0x202); if (n) { copy_user_highpage(n, pfn_to_page(0x200)); e = ptep_clear_flush(VA); set_pte_at(VA, mk_pte(n, true)); }',
	'copy_user_highpage(pfn_to_page(0x201), pfn_to_page(0x200));', 'SetPageAnonExclusive(pfn_to_page(0x200));', 'x = PageAnonExclusive(pfn_to_page(0x200));',
	'ClearPageAnonExclusive(pfn_to_page(0x200));', 'ptep_set_wrprotect(VA);', 'pte = ptep_get_and_clear(VA2);', 'put_page(pfn_to_page(0x201));',
	'flush_tlb_mm_range(VA);', 'local_irq_save();', 'local_irq_restore();',
];

it('independent steps commute (random scenarios of page contents and copy-on-write)', () => {
	const machine = 'machine { ram(0x200, 3); map(VA, 0x200, write, dirty); map(VA2, 0x201, write); mm_cpumask(0, 1, 2); tlb(1, VA); tlb(0, VA2); lazy(2); }';
	const {compiled, pairs, problems} = commuting(4715, 150, CONTENTS_POOL, ['speculative_walk(VA);', 'switch_mm_irqs_off();', 'x = tlb_has(1, VA);'], machine);
	expect(compiled).toBeGreaterThan(100);
	expect(pairs).toBeGreaterThan(1_000);
	expect(problems).toEqual([]);
}, 900_000);
