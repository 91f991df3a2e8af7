#!/usr/bin/env python3
"""Random races, checked by racewalk and by checker.py: a differential fuzzer.

Each case is a small random program (2-3 CPUs, a replicated block now and
then, shared ints kept in 0..2, spinlocks and mutexes taken in random nested
orders, trylocks, awaits, asserts, WARN_ONs, bounded for loops, an unbounded
spin now and then, an interrupt handler on CPU0 raised by another CPU), written
once as an AST and emitted twice: as a .race file and as checker.py's model.
racewalk explores the file (the given modes), checker.py the model; any
difference in the violation kinds, their shortest lengths or the livelocks'
moving CPUs is printed with the file kept in the output folder.

    python3 test/xcheck/fuzz.py --runs 100 --seed 1 [--modes default,--no-reduce] [--sym] [--mm | --huge | --dax | --dirty] [--out DIR]

--mm draws from the memory-management core instead (MMGen): two RAM pages
mapped at VA and VA2 in one PTE page, every CPU running the mm, a random
FLUSH and TABLE_FREE; loads, zaps, flushes (with IPIs), put_page and
alloc_page + set_pte_at, gup-fast-like lockless reads and grabs, IRQs-off
and rcu_read_lock sections, synchronize_rcu, a PTE page unhooked and freed
through RCU, syscall_exit.

--huge draws from huge PMDs (HugeGen): a THP mapped huge over RAM (a PTE page
deposited) with loads of its first two subpages, gup-fast's huge path with or
without the pmd_val re-check, one split under pmd_lock (pmdp_invalidate,
pmdp_establish of pmd_mkinvalid without a flush, or pmd_populate before the
flush), PROT_NONE through ptep_modify_prot_start/commit, the NUMA hinting
fault, ptep_clear_flush, flush_tlb_range, mm->tlb_flush_pending brackets,
move_ptes, syscall_exit. --dax draws device-dax unbinds (DaxGen): the unbind's
steps in a shuffled order with some dropped, gup-fast with or without the
pgmap check, IRQs off and the re-check, loads and faults. --dirty draws from
dirty bits and compound pages (DirtyGen): a two-page folio and a small page,
some PTEs dirty and some TLB entries cached, stores and loads, zaps moving the
dirty bit to the page, page_mkclean's steps, writeback's TestClearPageDirty,
wrprotect, and references on the head and the tail (page_folio,
folio_ref_try_add_rcu, freeze / unfreeze, clear_compound_head).

Not part of the test suite (it spawns racewalk per case): a tool to run when
the search or the checker changes. Needs dist/cli.js (node scripts/build.mjs).
"""
import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checker as C  # noqa: E402

SHARED = ['x', 'y']


class Gen:
    spin = 0.15

    def __init__(self, rnd, locks, irq):
        self.r = rnd
        self.locks = locks          # {name: 'spin' | 'mutex'}
        self.irq = irq
        self.loops = 0

    def expr(self):
        """(C text, python fn(g, l)) of a value in 0..2."""
        k = self.r.randrange(5)
        if k == 0:
            v = self.r.randrange(3)
            return str(v), lambda g, l, v=v: v
        if k == 1:
            s = self.r.choice(SHARED)
            return f'READ_ONCE({s})', lambda g, l, s=s: g[s]
        if k == 2:
            return 't', lambda g, l: l['t']
        if k == 3:
            s = self.r.choice(SHARED)
            return f'({s} + 1) % 3', lambda g, l, s=s: (g[s] + 1) % 3
        s = self.r.choice(SHARED)
        return f'(t + {s}) % 3', lambda g, l, s=s: (l['t'] + g[s]) % 3

    def cond(self):
        a, fa = self.expr()
        while a.isdigit():      # a condition over constants only is folded away by the compiler
            a, fa = self.expr()
        v = self.r.randrange(3)
        op = self.r.choice(['==', '!='])
        if op == '==':
            return f'{a} == {v}', lambda g, l, c: fa(g, l) == v
        return f'{a} != {v}', lambda g, l, c: fa(g, l) != v

    def block(self, depth, held, n):
        out_c, out_p = [], []
        for _ in range(n):
            c, p = self.stmt(depth, held)
            out_c += c
            out_p += p
        return out_c, out_p

    def stmt(self, depth, held):
        r = self.r
        choices = ['assign', 'assign', 'local', 'inc', 'assert', 'warn', 'await']
        if depth < 2:
            choices += ['lock', 'lock', 'if', 'for', 'trylock']
        if depth < 2 and r.random() < self.spin:
            choices.append('spin')
        if self.irq and r.random() < 0.3:
            choices.append('raise')
        k = r.choice(choices)
        if k == 'assign':
            s = r.choice(SHARED)
            e, fe = self.expr()
            return [f'{s} = {e};'], [C.S(lambda g, l, c, s=s, fe=fe: g.__setitem__(s, fe(g, l)))]
        if k == 'local':
            s = r.choice(SHARED)
            return [f't = READ_ONCE({s});'], [C.S(lambda g, l, c, s=s: l.__setitem__('t', g[s]))]
        if k == 'inc':
            s = r.choice(SHARED)
            return [f'{s} = ({s} + 1) % 3;'], [C.S(lambda g, l, c, s=s: g.__setitem__(s, (g[s] + 1) % 3))]
        if k == 'assert':
            t, f = self.cond()
            return [f'assert {t} "a";'], [C.Assert(f)]
        if k == 'warn':
            t, f = self.cond()
            return [f'WARN_ON({t});'], [C.WarnOn(f)]
        if k == 'await':
            t, f = self.cond()
            return [f'await {t};'], [C.Await(f)]
        if k == 'raise':
            return ['raise_irq(dev);'], [C.S(lambda g, l, c: C.raise_irq('dev'))]
        if k == 'spin':
            t, f = self.cond()
            return [f'while ({t}) {{ }}'], [C.While(f, [])]
        if k == 'if':
            t, f = self.cond()
            bc, bp = self.block(depth + 1, held, r.randint(1, 2))
            if r.random() < 0.4:
                ec, ep = self.block(depth + 1, held, 1)
                return [f'if ({t}) {{'] + ['\t' + x for x in bc] + ['} else {'] + ['\t' + x for x in ec] + ['}'], \
                    [C.If(f, bp, ep)]
            return [f'if ({t}) {{'] + ['\t' + x for x in bc] + ['}'], [C.If(f, bp)]
        if k == 'for':
            self.loops += 1
            i = f'i{self.loops}'
            bc, bp = self.block(depth + 1, held, r.randint(1, 2))
            return [f'for ({i} = 0; {i} < 2; {i}++) {{'] + ['\t' + x for x in bc] + ['}'], \
                [C.For(C.setl(i, lambda g, l, c: 0), lambda g, l, c, i=i: l[i] < 2,
                       C.setl(i, lambda g, l, c, i=i: l[i] + 1), bp)]
        free = [n for n in self.locks if n not in held]
        if not free:
            return self.stmt(depth, held)
        lk = r.choice(free)
        kind = self.locks[lk]
        lockf, unlockf, tryf = (('spin_lock', 'spin_unlock', 'spin_trylock') if kind == 'spin'
                                else ('mutex_lock', 'mutex_unlock', 'mutex_trylock'))
        bc, bp = self.block(depth + 1, held | {lk}, r.randint(1, 2))
        if k == 'trylock':
            return [f'if ({tryf}(&{lk})) {{'] + ['\t' + x for x in bc] + [f'\t{unlockf}(&{lk});', '}'], \
                [C.If(lambda g, l, c, lk=lk: C.trylock(lk), bp + [C.Unlock(lk)])]
        return [f'{lockf}(&{lk});'] + bc + [f'{unlockf}(&{lk});'], [C.Lock(lk)] + bp + [C.Unlock(lk)]


VAS = {'VA': 0x7f000000, 'VA2': 0x7f001000}
MM_LOCALS = ['pte', 'q', 'g', 'r']


class Blocks:
    """A generator's block: n statements of its stmt(depth), each as (C lines, checker statements)."""

    def block(self, depth, n):
        out_c, out_p = [], []
        for _ in range(n):
            c, p = self.stmt(depth)
            out_c += c
            out_p += p
        return out_c, out_p


class MMGen(Blocks):
    """Random statements over the mm core, each as (C lines, checker statements)."""

    def __init__(self, rnd, ncpu):
        self.r = rnd
        self.ncpu = ncpu
        self.assigned = set()   # the locals assigned so far in this CPU's text (racewalk refuses others)

    def stmt(self, depth):
        r = self.r
        va = r.choice(list(VAS))
        v = VAS[va]
        choices = ['access', 'access', 'zap', 'put', 'flush', 'flush', 'alloc', 'install', 'gup', 'exit']
        if depth == 0:
            choices += ['irqoff', 'rcu', 'sync', 'unhook', 'lock']
        needs = {'put': 'pte', 'install': 'q'}
        k = r.choice([x for x in choices if needs.get(x, 'r') in self.assigned | {'r'}])
        self.assigned |= {'access': {'r'}, 'zap': {'pte'}, 'alloc': {'q'}}.get(k, set())
        do = C.do
        if k == 'access':
            return [f'r = access({va});'], [C.S(C.setl('r', lambda g, l, c, v=v: C.access(v)))]
        if k == 'zap':
            return [f'pte = ptep_get_and_clear({va});'], [C.S(C.setl('pte', lambda g, l, c, v=v: C.ptep_get_and_clear(v)))]
        if k == 'put':
            return ['if (pte_present(pte))', '\tput_page(pte_page(pte));'], \
                [C.If(lambda g, l, c: C.pte_present(l.get('pte')), [do(lambda g, l, c: C.put_page(C.pte_page(l['pte'])))])]
        if k == 'flush':
            if r.random() < 0.3:
                return ['flush_tlb_mm_range();'], [C.Flush(C.ALL)]
            return [f'flush_tlb_mm_range({va});'], [C.Flush(lambda g, l, c, v=v: (v, 1))]
        if k == 'alloc':
            return ['q = alloc_page();'], [C.S(C.setl('q', lambda g, l, c: C.alloc_page()))]
        if k == 'install':
            return ['if (q)', f'\tset_pte_at({va}, mk_pte(q, true));'], \
                [C.If(lambda g, l, c: l.get('q'), [do(lambda g, l, c, v=v: C.set_pte_at(v, C.mk_pte(l['q'], True)))])]
        if k == 'gup':
            return ['pm = pmdp_get_lockless(VA);', 'if (pmd_present(pm)) {', f'\tg = ptep_get_lockless(pm, {va});',
                    '\tif (pte_present(g) && try_grab_page(pte_page(g)))', '\t\tput_page(pte_page(g));', '}'], \
                [C.S(C.setl('pm', lambda g, l, c: C.pmdp_get_lockless(VAS['VA']))),
                 C.If(lambda g, l, c: C.pmd_present(l['pm']), [
                     C.S(C.setl('g', lambda g, l, c, v=v: C.ptep_get_lockless(l['pm'], v))),
                     C.If(lambda g, l, c: C.pte_present(l.get('g')) and C.try_grab_page(C.pte_page(l['g'])),
                          [do(lambda g, l, c: C.put_page(C.pte_page(l['g'])))])])]
        if k == 'exit':
            return [f'syscall_exit({va}, 1);'], [do(lambda g, l, c, v=v: C.syscall_exit(v, 1))]
        if k == 'sync':
            return ['synchronize_rcu();'], [C.SyncRcu()]
        if k == 'unhook':
            return ['t = pmdp_get_lockless(VA);', 'if (pmd_present(t)) {', '\tpmd_clear(VA);',
                    '\tpte_free_defer(pmd_pgtable(t));', '}'], \
                [C.S(C.setl('t', lambda g, l, c: C.pmdp_get_lockless(VAS['VA']))),
                 C.If(lambda g, l, c: C.pmd_present(l['t']), [do(lambda g, l, c: C.pmd_clear(VAS['VA'])),
                                                               do(lambda g, l, c: C.pte_free_defer(C.pmd_pgtable(l['t'])))])]
        bc, bp = self.block(depth + 1, r.randint(1, 2))
        if k == 'irqoff':
            return ['local_irq_disable();'] + bc + ['local_irq_enable();'], \
                [do(lambda g, l, c: C.irq_set(False))] + bp + [do(lambda g, l, c: C.irq_set(True))]
        if k == 'rcu':
            return ['rcu_read_lock();'] + bc + ['rcu_read_unlock();'], \
                [do(lambda g, l, c: C.rcu_read_lock())] + bp + [do(lambda g, l, c: C.rcu_read_unlock())]
        fl = r.choice([None, 'irq'])
        return [f'spin_lock{"_irq" if fl else ""}(&a);'] + bc + [f'spin_unlock{"_irq" if fl else ""}(&a);'], \
            [C.Lock('a', flavor=fl)] + bp + [C.Unlock('a', flavor=fl)]


HVA, SVA, MVA, DVA = 0x40000000, 0x7f000000, 0x7f400000, 0x7f800000


class HugeGen(Blocks):
    """Random statements over huge PMDs, the THP split, PROT_NONE and move_ptes (--huge): a THP
    mapped huge at HVA over RAM 0x202 (a PTE page deposited), a small page at SVA, an empty PTE
    page at MVA for move_ptes, each as (C lines, checker statements)."""

    def __init__(self, rnd):
        self.r = rnd
        self.once = set()       # the split and the move happen at most once per case

    def stmt(self, depth):
        r, do = self.r, C.do
        choices = ['haccess', 'haccess', 'saccess', 'hgup', 'protnone', 'numa', 'clearflush', 'flush', 'exit']
        if depth == 0:
            choices += ['irqoff', 'pending', 'split', 'move']
        k = r.choice([x for x in choices if x not in self.once])
        if k in ('split', 'move'):
            self.once.add(k)
        if k == 'haccess':
            off = r.choice([0, 0x1000])
            return [f'r = access(HVA + {off});'], [C.S(C.setl('r', lambda g, l, c, v=HVA + off: C.access(v)))]
        if k == 'saccess':
            va, name = r.choice([(SVA, 'SVA'), (MVA, 'MVA')])
            return [f'r = access({name});'], [C.S(C.setl('r', lambda g, l, c, v=va: C.access(v)))]
        if k == 'hgup':
            recheck = r.random() < 0.6
            c_ = ['local_irq_save();', 'hp = pmdp_get_lockless(HVA);', 'if (pmd_present(hp) && pmd_leaf(hp)) {',
                  '	if (pmd_access_permitted(hp, true)) {', '		pg = pmd_page(hp);',
                  '		if (try_grab_page(pg, FOLL_PIN)) {']
            p_in = []
            if recheck:
                c_ += ['			if (pmd_val(hp) != pmd_val(pmdp_get_lockless(HVA)))', '				unpin_user_page(pg);']
                p_in = [C.If(lambda g, l, c: C.pmd_val(l['hp']) != C.pmd_val(C.pmdp_get_lockless(HVA)),
                             [do(lambda g, l, c: C.unpin_user_page(l['pg']))])]
            c_ += ['		}', '	}', '}', 'local_irq_restore();']
            p_ = [do(lambda g, l, c: C.irq_save()), C.S(C.setl('hp', lambda g, l, c: C.pmdp_get_lockless(HVA))),
                  C.If(lambda g, l, c: C.pmd_present(l['hp']) and C.pmd_leaf(l['hp']), [
                      C.If(lambda g, l, c: C.pmd_access_permitted(l['hp'], True), [
                          C.S(C.setl('pg', lambda g, l, c: C.pmd_page(l['hp']))),
                          C.If(lambda g, l, c: C.try_grab_page(l['pg'], C.FOLL_PIN), p_in)])]),
                  do(lambda g, l, c: C.irq_restore())]
            return c_, p_
        if k == 'protnone':
            return ['sp = pmdp_get_lockless(SVA);', 'sl = pte_offset_map_lock(sp, SVA);', 'o = ptep_modify_prot_start(SVA);',
                    'if (pte_present(o))', '	ptep_modify_prot_commit(SVA, o, pte_modify(o, PAGE_NONE));',
                    'pte_unmap_unlock(sl);'], \
                [C.S(C.setl('sp', lambda g, l, c: C.pmdp_get_lockless(SVA))),
                 C.LockAs('sl', lambda g, l, c: C.pte_offset_map_lock(l['sp'], SVA)),
                 C.S(C.setl('o', lambda g, l, c: C.ptep_modify_prot_start(SVA))),
                 C.If(lambda g, l, c: C.pte_present(l['o']),
                      [do(lambda g, l, c: C.ptep_modify_prot_commit(SVA, l['o'], C.pte_modify(l['o'], C.PAGE_NONE)))]),
                 C.Unlock(C.lk('sl'))]
        if k == 'numa':
            return ['r = handle_mm_fault(SVA);'], [C.S(C.setl('r', lambda g, l, c: C.handle_mm_fault(SVA)))]
        if k == 'clearflush':
            return ['pte = ptep_clear_flush(SVA);'], [C.ClearFlush(SVA, 'pte')]
        if k == 'flush':
            if r.random() < 0.5:
                return ['flush_tlb_range(SVA, 1);'], [C.Flush(C.K((SVA, 1)))]
            return ['flush_tlb_range(HVA, 512);'], [C.Flush(C.K((HVA, 512)))]
        if k == 'exit':
            if r.random() < 0.5:
                return ['syscall_exit(SVA, 1);'], [do(lambda g, l, c: C.syscall_exit(SVA, 1))]
            return ['syscall_exit(HVA, 2);'], [do(lambda g, l, c: C.syscall_exit(HVA, 2))]
        if k == 'move':
            return ['move_ptes(SVA, MVA, 1);'], [C.do(lambda g, l, c: C.move_pte(SVA, MVA))]
        if k == 'split':
            how = r.choice(['invalidate', 'invalidate', 'establish', 'populate_first'])
            head = ['hq = pmdp_get_lockless(HVA);', 'ptl = pmd_lock(hq);', 'hp = pmdp_get_lockless(HVA);',
                    'if (pmd_present(hp) && pmd_leaf(hp)) {']
            p_head = [C.S(C.setl('hq', lambda g, l, c: C.pmdp_get_lockless(HVA))), C.LockAs('ptl', C.K(C.PMD_LOCK)),
                      C.S(C.setl('hp', lambda g, l, c: C.pmdp_get_lockless(HVA)))]
            ptes_c = ['	pgt = pgtable_trans_huge_withdraw(HVA);',
                      '	set_ptes(HVA, mk_pte(pmd_page(old), pmd_write(old)), 2, pgt);']
            ptes_p = [C.S(C.setl('pgt', lambda g, l, c: C.pgtable_trans_huge_withdraw(HVA))),
                      do(lambda g, l, c: C.set_ptes(HVA, C.mk_pte(C.pmd_page(l['old']), C.pmd_write(l['old'])), 2, l['pgt']))]
            pop_c, pop_p = ['	pmd_populate(HVA, pgt);'], [do(lambda g, l, c: C.pmd_populate(HVA, l['pgt']))]
            if how == 'invalidate':
                body_c = ['	old = pmdp_invalidate(HVA);'] + ptes_c + pop_c
                body_p = [C.PmdInvalidate(HVA, 'old')] + ptes_p + pop_p
            elif how == 'establish':
                body_c = ['	old = pmdp_establish(HVA, pmd_mkinvalid(hp));'] + ptes_c + pop_c
                body_p = [C.S(C.setl('old', lambda g, l, c: C.pmdp_establish(HVA, C.pmd_mkinvalid(l['hp']))))] + ptes_p + pop_p
            else:
                body_c = ['	old = hp;'] + ptes_c + pop_c + ['	flush_tlb_range(HVA, 512);']
                body_p = [C.S(C.setl('old', lambda g, l, c: l['hp']))] + ptes_p + pop_p + [C.Flush(C.K((HVA, 512)))]
            return head + body_c + ['}', 'spin_unlock(ptl);'], \
                p_head + [C.If(lambda g, l, c: C.pmd_present(l['hp']) and C.pmd_leaf(l['hp']), body_p), C.Unlock(C.lk('ptl'))]
        bc, bp = self.block(depth + 1, r.randint(1, 2))
        if k == 'irqoff':
            return ['local_irq_disable();'] + bc + ['local_irq_enable();'], \
                [do(lambda g, l, c: C.irq_set(False))] + bp + [do(lambda g, l, c: C.irq_set(True))]
        return ['inc_tlb_flush_pending();'] + bc + ['dec_tlb_flush_pending();'], \
            [do(lambda g, l, c: C.CUR.mm.__setitem__('pending', C.CUR.mm['pending'] + 1))] + bp + \
            [do(lambda g, l, c: C.dec_tlb_flush_pending())]


DIRTY_VAS = {'VA': 0x7f000000, 'VT': 0x7f001000, 'VA2': 0x7f002000}   # the THP's head and tail, a small page
DIRTY_PFN = {'VA': 0x200, 'VT': 0x201, 'VA2': 0x202}


class DirtyGen(Blocks):
    """Random statements over dirty bits, writeback and compound pages (--dirty): a two-page
    folio (0x200 head, 0x201 tail; compound() in some cases) PTE-mapped at VA and VT, a small
    page at VA2, some PTEs dirty and some TLB entries cached; stores, loads, zaps that move the
    dirty bit to the page, page_mkclean's steps, writeback (TestClearPageDirty), wrprotect, and
    references taken and dropped on the head and the tail (page_folio, folio_ref_try_add_rcu,
    page_ref_freeze / unfreeze, clear_compound_head), each as (C lines, checker statements)."""

    def __init__(self, rnd):
        self.r = rnd
        self.assigned = set()

    def stmt(self, depth):
        r, do = self.r, C.do
        va = r.choice(list(DIRTY_VAS))
        v, pfn = DIRTY_VAS[va], DIRTY_PFN[va]
        # weighted towards S12's shape: a cached dirty entry, a zap or a clean without the flush, writeback, a store
        choices = ['store', 'store', 'store', 'access', 'zap', 'zap', 'mkclean', 'clean', 'clean', 'flush', 'wrprotect',
                   'dirtyp', 'ref', 'put', 'tryadd', 'freeze']
        if depth == 0:
            choices += ['irqoff', 'split']
        needs = {'put': 'rp'}
        k = r.choice([x for x in choices if needs.get(x, 'r') in self.assigned | {'r'}])
        self.assigned |= {'ref': {'rp'}, 'tryadd': {'rp'}}.get(k, set())
        pg = lambda pfn=pfn: C.pfn_to_page(pfn)
        if k == 'store':
            return [f'r = store({va});'], [C.S(C.setl('r', lambda g, l, c, v=v: C.store(v)))]
        if k == 'access':
            return [f'r = access({va});'], [C.S(C.setl('r', lambda g, l, c, v=v: C.access(v)))]
        if k == 'zap':
            # zap_pte_range's move of the dirty bit to the page, under no lock (one atomic step)
            def z(g, l, c, v=v):
                l['pte'] = C.ptep_get_and_clear(v)
                if C.pte_dirty(l['pte']):
                    C.set_page_dirty(C.pte_page(l['pte']))
            return ['atomic {', f'\tpte = ptep_get_and_clear({va});', '\tif (pte_dirty(pte))',
                    '\t\tset_page_dirty(pte_page(pte));', '}'], [C.S(z)]
        if k == 'mkclean':
            return [f'e = ptep_get({va});', 'if (pte_present(e) && (pte_write(e) || pte_dirty(e))) {',
                    f'\te = ptep_clear_flush({va});', '\tif (pte_dirty(e))', f'\t\tset_page_dirty(pfn_to_page({pfn:#x}));',
                    f'\tset_pte_at({va}, pte_mkclean(pte_wrprotect(e)));', '}'], \
                [C.S(C.setl('e', lambda g, l, c, v=v: C.ptep_get(v))),
                 C.If(lambda g, l, c: C.pte_present(l['e']) and (C.pte_write(l['e']) or C.pte_dirty(l['e'])), [
                     C.ClearFlush(v, 'e'),
                     C.If(lambda g, l, c: C.pte_dirty(l['e']), [do(lambda g, l, c: C.set_page_dirty(pg()))]),
                     do(lambda g, l, c, v=v: C.set_pte_at(v, C.pte_mkclean(C.pte_wrprotect(l['e']))))])]
        if k == 'clean':
            return [f'r = TestClearPageDirty(pfn_to_page({pfn:#x}));'], \
                [C.S(C.setl('r', lambda g, l, c: C.TestClearPageDirty(pg())))]
        if k == 'dirtyp':
            if r.random() < 0.5:
                return [f'set_page_dirty(pfn_to_page({pfn:#x}));'], [do(lambda g, l, c: C.set_page_dirty(pg()))]
            return [f'if (WARN_ON(!PageDirty(pfn_to_page({pfn:#x}))))', '\tr = 0;'], \
                [C.IfWarn(lambda g, l, c: not C.PageDirty(pg()), [C.S(C.setl('r', C.K(0)))])]
        if k == 'flush':
            if r.random() < 0.3:
                return ['flush_tlb_mm_range();'], [C.Flush(C.ALL)]
            return [f'flush_tlb_page({va});'], [C.Flush(lambda g, l, c, v=v: (v, 1))]
        if k == 'wrprotect':
            return [f'ptep_set_wrprotect({va});'], [do(lambda g, l, c, v=v: C.ptep_set_wrprotect(v))]
        if k == 'ref':
            return [f'rp = pfn_to_page({pfn:#x});', 'get_page(rp);'], \
                [C.S(C.setl('rp', lambda g, l, c: pg())), do(lambda g, l, c: C.get_page(l['rp']))]
        if k == 'put':
            return ['put_page(rp);'], [do(lambda g, l, c: C.put_page(l['rp']))]
        if k == 'tryadd':
            # gup-fast's try_get_folio, with its head re-check
            return [f'rp = page_folio(pfn_to_page({pfn:#x}));', 'if (folio_ref_try_add_rcu(rp, 1)) {',
                    f'\tif (page_folio(pfn_to_page({pfn:#x})) != rp)', '\t\tput_page(rp);', '}'], \
                [C.S(C.setl('rp', lambda g, l, c: C.page_folio(pg()))),
                 C.If(lambda g, l, c: C.folio_ref_try_add_rcu(l['rp'], 1), [
                     C.If(lambda g, l, c: C.page_folio(pg()) != l['rp'], [do(lambda g, l, c: C.put_page(l['rp']))])])]
        if k == 'freeze':
            n = r.randint(1, 3)
            return [f'if (page_ref_freeze(pfn_to_page(0x200), {n}))', f'\tpage_ref_unfreeze(pfn_to_page(0x200), {n});'], \
                [C.If(lambda g, l, c, n=n: C.page_ref_freeze(C.pfn_to_page(0x200), n),
                      [do(lambda g, l, c, n=n: C.page_ref_unfreeze(C.pfn_to_page(0x200), n))])]
        if k == 'split':
            # __split_huge_page_tail's order: the tail leaves the folio, then gets its own count
            return ['if (page_ref_freeze(pfn_to_page(0x200), 2)) {', '\tclear_compound_head(pfn_to_page(0x201));',
                    '\tpage_ref_unfreeze(pfn_to_page(0x201), 1);', '\tpage_ref_unfreeze(pfn_to_page(0x200), 1);', '}'], \
                [C.If(lambda g, l, c: C.page_ref_freeze(C.pfn_to_page(0x200), 2), [
                    do(lambda g, l, c: C.clear_compound_head(C.pfn_to_page(0x201))),
                    do(lambda g, l, c: C.page_ref_unfreeze(C.pfn_to_page(0x201), 1)),
                    do(lambda g, l, c: C.page_ref_unfreeze(C.pfn_to_page(0x200), 1))])]
        bc, bp = self.block(depth + 1, r.randint(1, 2))
        return ['local_irq_disable();'] + bc + ['local_irq_enable();'], \
            [do(lambda g, l, c: C.irq_set(False))] + bp + [do(lambda g, l, c: C.irq_set(True))]


class _Fixed:
    """A random source that makes DirtyGen.stmt draw statement k at va (other draws random)."""
    def __init__(self, k, va, r):
        self.k, self.va, self.r = k, va, r

    def choice(self, xs):
        if self.k in xs:
            return self.k
        if self.va in xs:
            return self.va
        return self.r.choice(xs)

    def __getattr__(self, name):
        return getattr(self.r, name)


def dirty_case(seed):
    r = random.Random(seed)
    ncpu = r.randint(2, 3)
    flush = r.choice(['ipi', 'ipi', 'broadcast'])
    compound = r.random() < 0.7
    dirty = {va: r.random() < 0.6 for va in DIRTY_VAS}
    tlbs = [(c, va) for c in range(ncpu) for va in DIRTY_VAS if r.random() < 0.4]
    g = DirtyGen(r)
    cpus_c, cpus_p = [], []
    for c in range(ncpu):
        g.assigned = set()
        bc, bp = g.block(0, r.randint(2, 3))
        cpus_c.append(bc)
        cpus_p.append(bp)
    if r.random() < 0.6:
        # S12's shape on one va: a CPU with its entry cached stores, others zap and write back
        va = r.choice(list(DIRTY_VAS))
        who = r.sample(range(ncpu), 2)
        if (who[0], va) not in tlbs:
            tlbs.append((who[0], va))
        for c, k in ((who[0], 'store'), (who[1], 'zap'), (r.randrange(ncpu), 'clean')):
            g.assigned = set()
            rr, g.r = g.r, _Fixed(k, va, r)
            bc, bp = g.stmt(1)
            g.r = rr
            cpus_c[c], cpus_p[c] = bc + cpus_c[c], bp + cpus_p[c]
    fl = lambda va: ', dirty' if dirty[va] else ''
    lines = [f'scenario fuzz-dirty-{seed}'] + [f'const {n} = {v:#x}' for n, v in DIRTY_VAS.items()] + \
        ['machine {', f'\tflush({flush});', '\tram(0x200, 3);'] + \
        [f'\tmap({va}, {DIRTY_PFN[va]:#x}, write{fl(va)});' for va in DIRTY_VAS] + \
        (['\tcompound(0x200, 2);'] if compound else []) + \
        [f'\tmm_cpumask({", ".join(map(str, range(ncpu)))});'] + [f'\ttlb({c}, {va});' for c, va in tlbs] + ['}']
    for c, body in enumerate(cpus_c):
        lines += [f'cpu {c} "c{c}" {{'] + ['\t' + x for x in body] + ['}']
    text = '\n'.join(lines) + '\n'
    model = C.Model(f'fuzz-dirty-{seed}', {}, cpus_p,
                    mm=C.MMSetup(flush=flush, ram=(0x200, 3),
                                 maps=[(DIRTY_VAS[va], DIRTY_PFN[va], True) + (('dirty',) if dirty[va] else ())
                                       for va in DIRTY_VAS],
                                 compound=[(0x200, 2)] if compound else [], mask=set(range(ncpu)),
                                 tlbs=[(c, DIRTY_VAS[va]) for c, va in tlbs]))
    return text, model


def huge_case(seed):
    r = random.Random(seed)
    ncpu = r.randint(2, 3)
    flush = r.choice(['ipi', 'ipi', 'broadcast'])
    g = HugeGen(r)
    cpus_c, cpus_p = [], []
    for c in range(ncpu):
        bc, bp = g.block(0, r.randint(2, 3))
        cpus_c.append(bc)
        cpus_p.append(bp)
    lines = [f'scenario fuzz-huge-{seed}', f'const HVA = {HVA:#x}', f'const SVA = {SVA:#x}', f'const MVA = {MVA:#x}',
             'machine {', f'	flush({flush});', '	ram(0x200, 3);', '	map(SVA, 0x200, write);',
             '	map(HVA, 0x202, write, huge);', '	pte_table(MVA);', f'	mm_cpumask({", ".join(map(str, range(ncpu)))});', '}']
    for c, body in enumerate(cpus_c):
        lines += [f'cpu {c} "c{c}" {{'] + ['	' + x for x in body] + ['}']
    text = '\n'.join(lines) + '\n'
    huge_tlb = any(w in text for w in ('pmdp_invalidate', 'pmdp_establish', 'pmd_mkinvalid'))
    model = C.Model(f'fuzz-huge-{seed}', {}, cpus_p, locks={C.PMD_LOCK: 'spin', 'ptl1': 'spin', 'ptl2': 'spin',
                                                          'ptl3': 'spin'},
                    mm=C.MMSetup(flush=flush, ram=(0x200, 3), maps=[(SVA, 0x200, True)], huge_maps=[(HVA, 0x202, True)],
                                 pte_tables=[MVA], mask=set(range(ncpu)), huge_tlb=huge_tlb))
    return text, model


class DaxGen:
    """Random device-dax races (--dax): one pgmap page mapped at DVA, the unbind's steps in a random
    order with some left out, gup-fast with or without the pgmap check and IRQs off, loads, faults."""

    def __init__(self, rnd):
        self.r = rnd

    def unbind(self):
        r, do = self.r, C.do
        pm = C.K(('pgmap', 'dax0'))
        steps = [('kill_dax(dax0);', do(lambda g, l, c: C.kill_dax(pm(g, l, c)))),
                 ('unmap_mapping_range(dax0);', C.UnmapMappingRange(pm)),
                 ('flush_tlb_mm_range();', C.Flush(C.ALL)),
                 ('percpu_ref_kill(dax0);', do(lambda g, l, c: C.percpu_ref_kill(pm(g, l, c)))),
                 r.choice([('memunmap_put_pages(dax0);', do(lambda g, l, c: C.memunmap_put_pages(pm(g, l, c)))),
                           ('percpu_ref_put_many(dax0);', do(lambda g, l, c: C.percpu_ref_put_many(pm(g, l, c))))]),
                 ('wait_for_completion(dax0);', C.WaitForCompletion(pm)),
                 ('percpu_ref_exit(dax0);', do(lambda g, l, c: C.percpu_ref_exit(pm(g, l, c)))),
                 ('arch_remove_memory(dax0);', do(lambda g, l, c: C.arch_remove_memory(pm(g, l, c)))),
                 ('pgmap_array_delete(dax0);', do(lambda g, l, c: C.pgmap_array_delete(pm(g, l, c))))]
        steps = [s for s in steps if r.random() < 0.85]
        for _ in range(r.randint(0, 2)):
            if len(steps) > 1:
                i = r.randrange(len(steps) - 1)
                steps[i], steps[i + 1] = steps[i + 1], steps[i]
        return [x for x, _ in steps], [y for _, y in steps]

    def user(self):
        r, do = self.r, C.do
        k = r.choice(['gup', 'gup', 'load'])
        if k == 'load':
            return ['if (!access(DVA))', '	r = handle_mm_fault(DVA);'], \
                [C.If(lambda g, l, c: not C.access(DVA), [C.S(C.setl('r', lambda g, l, c: C.handle_mm_fault(DVA)))])]
        irqs, check, recheck = r.random() < 0.7, r.random() < 0.5, r.random() < 0.7
        c_ = (['local_irq_save();'] if irqs else []) + ['held = 0;', 'pm = pmdp_get_lockless(DVA);',
                                                       'g = ptep_get_lockless(pm, DVA);', 'if (pte_present(g)) {']
        inner_c = ['if (try_grab_page(pte_page(g))) {']
        grab_p = []
        if recheck:
            inner_c += ['	if (pte_val(g) != pte_val(ptep_get_lockless(pm, DVA)))', '		put_page(pte_page(g));',
                        '	else', '		held = 1;']
            grab_p = [C.If(lambda g, l, c: C.pte_val(l['g']) != C.pte_val(C.ptep_get_lockless(l['pm'], DVA)),
                           [do(lambda g, l, c: C.put_page(C.pte_page(l['g'])))], [C.S(C.setl('held', C.K(1)))])]
        else:
            inner_c += ['	held = 1;']
            grab_p = [C.S(C.setl('held', C.K(1)))]
        inner_c += ['}']
        inner_p = [C.If(lambda g, l, c: C.try_grab_page(C.pte_page(l['g'])), grab_p)]
        if check:
            body_c = ['	gp = get_dev_pagemap(pte_pfn(g));', '	if (gp) {'] + ['		' + x for x in inner_c] + \
                ['		put_dev_pagemap(gp);', '	}']
            body_p = [C.S(C.setl('gp', lambda g, l, c: C.get_dev_pagemap(C.pte_pfn(l['g'])))),
                      C.If(lambda g, l, c: l['gp'], inner_p + [do(lambda g, l, c: C.put_dev_pagemap(l['gp']))])]
        else:
            body_c, body_p = ['	' + x for x in inner_c], inner_p
        c_ += body_c + ['}'] + (['local_irq_restore();'] if irqs else []) + ['if (held)', '	put_page(pfn_to_page(0x100));']
        p_ = ([do(lambda g, l, c: C.irq_save())] if irqs else []) + [
            C.S(C.setl('held', C.K(0))), C.S(C.setl('pm', lambda g, l, c: C.pmdp_get_lockless(DVA))),
            C.S(C.setl('g', lambda g, l, c: C.ptep_get_lockless(l['pm'], DVA))),
            C.If(lambda g, l, c: C.pte_present(l['g']), body_p)] + \
            ([do(lambda g, l, c: C.irq_restore())] if irqs else []) + \
            [C.If(lambda g, l, c: l['held'], [do(lambda g, l, c: C.put_page(C.pfn_to_page(0x100)))])]
        return c_, p_


def dax_case(seed):
    r = random.Random(seed)
    ncpu = r.randint(2, 3)
    flush = r.choice(['ipi', 'ipi', 'broadcast'])
    refcount = r.choice(['e21', 'v5_18'])
    atomic = r.random() < 0.3
    g = DaxGen(r)
    cpus_c, cpus_p = [], []
    bc, bp = g.unbind()
    cpus_c.append(bc)
    cpus_p.append(bp)
    for c in range(1, ncpu):
        bc, bp = g.user()
        cpus_c.append(bc)
        cpus_p.append(bp)
    lines = [f'scenario fuzz-dax-{seed}', f'const DVA = {DVA:#x}', 'machine {', f'	flush({flush});',
             f'	refcount({refcount});', f'	pgmap(dax0, devdax, 0x100, 1{", atomic_ref" if atomic else ""});',
             '	map(DVA, 0x100, write, special, devmap);', f'	mm_cpumask({", ".join(map(str, range(ncpu)))});', '}']
    for c, body in enumerate(cpus_c):
        lines += [f'cpu {c} "c{c}" {{'] + ['	' + x for x in body] + ['}']
    text = '\n'.join(lines) + '\n'
    model = C.Model(f'fuzz-dax-{seed}', {}, cpus_p,
                    mm=C.MMSetup(flush=flush, refcount=refcount,
                                 pgmaps=[('dax0', 'devdax', 0x100, 1, 'atomic' if atomic else 'percpu')],
                                 dax_maps=[(DVA, 0x100, 1, True, 'D')], mask=set(range(ncpu))))
    return text, model


def mm_case(seed):
    r = random.Random(seed)
    ncpu = r.randint(2, 3)
    flush = r.choice(['ipi', 'ipi', 'broadcast'])
    table_free = r.choice(['ipi', 'rcu'])
    g = MMGen(r, ncpu)
    cpus_c, cpus_p = [], []
    for c in range(ncpu):
        g.assigned = set()
        bc, bp = g.block(0, r.randint(2, 3))
        cpus_c.append(bc)
        cpus_p.append(bp)
    lines = [f'scenario fuzz-mm-{seed}', 'const VA = 0x7f000000', 'const VA2 = 0x7f001000', 'spinlock_t a;',
             'machine {', f'\tflush({flush});', f'\ttable_free({table_free});', '\tram(0x200, 3);',
             '\tmap(VA, 0x200, write);', '\tmap(VA2, 0x201, write);',
             f'\tmm_cpumask({", ".join(map(str, range(ncpu)))});', '}']
    for c, body in enumerate(cpus_c):
        lines += [f'cpu {c} "c{c}" {{'] + ['\t' + x for x in body] + ['}']
    text = '\n'.join(lines) + '\n'
    walk = 'pte_free_defer' in text      # racewalk's walk cache is on where a table can be freed
    model = C.Model(f'fuzz-mm-{seed}', {}, cpus_p, locks={'a': 'spin'},
                    mm=C.MMSetup(flush=flush, table_free=table_free, ram=(0x200, 3),
                                 maps=[(VAS['VA'], 0x200, True), (VAS['VA2'], 0x201, True)],
                                 mask=set(range(ncpu)), walk_cache=walk))
    return text, model


def case(seed, sym=False):
    """sym: always two CPUs, the second replicated (a symmetry group), and more spins."""
    r = random.Random(seed)
    locks = {'a': r.choice(['spin', 'mutex']), 'b': r.choice(['spin', 'mutex'])}
    irq = r.random() < 0.3
    g = Gen(r, locks, irq)
    if sym:
        g.spin = 0.35
    ncpu = 2 if sym else r.randint(2, 3)
    cpus_c, cpus_p, reps = [], [], []
    for c in range(ncpu):
        bc, bp = g.block(0, frozenset(), r.randint(2, 4))
        cpus_c.append(['t = 0;'] + bc)
        cpus_p.append([C.S(C.setl('t', lambda g_, l, c_: 0))] + bp)
        reps.append(2 if c == ncpu - 1 and ncpu == 2 and (sym or r.random() < 0.4) else 1)
    lines = [f'scenario fuzz-{seed}']
    lines += [('spinlock_t' if k == 'spin' else 'struct mutex') + f' {n};' for n, k in locks.items()]
    lines += ['int x = 0;', 'int y = 0;', 'invariant "not both 2" !(x == 2 && y == 2)']
    hnd_p = None
    if irq:
        hc, hp = [], []
        for _ in range(r.randint(1, 2)):
            s = r.choice(SHARED)
            hc.append(f'{s} = ({s} + 1) % 3;')
            hp.append(C.S(lambda g_, l, c, s=s: g_.__setitem__(s, (g_[s] + 1) % 3)))
        lines += ['irq dev on cpu 0 "h" {'] + ['\t' + x for x in hc] + ['}']
        hnd_p = hp
    for c, body in enumerate(cpus_c):
        rep = f' * {reps[c]}' if reps[c] > 1 else ''
        lines += [f'cpu {c} "c{c}"{rep} {{'] + ['\t' + x for x in body] + ['}']
    progs = list(cpus_p) + [cpus_p[c] for c in range(ncpu) for _ in range(reps[c] - 1)]
    model = C.Model(f'fuzz-{seed}', {'x': 0, 'y': 0}, progs, locks=locks,
                    invariants=[lambda g_: not (g_['x'] == 2 and g_['y'] == 2)],
                    irqs={'dev': (0, hnd_p)} if irq else None)
    if irq and not any('raise_irq' in ln for ln in lines):
        return None   # a handler nobody raises: racewalk may warn; skip
    return '\n'.join(lines) + '\n', model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=50)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--modes', default='default,--no-reduce')
    ap.add_argument('--out', default='/tmp/racewalk-fuzz')
    ap.add_argument('--max-states', type=int, default=60000)
    ap.add_argument('--sym', action='store_true', help='every case with a replicated CPU, more spins')
    ap.add_argument('--mm', action='store_true', help='races over the memory-management core')
    ap.add_argument('--huge', action='store_true', help='races over huge PMDs, the THP split, PROT_NONE, move_ptes')
    ap.add_argument('--dax', action='store_true', help='device-dax unbind races (pgmaps, percpu_ref, memmap removal)')
    ap.add_argument('--dirty', action='store_true', help='dirty bits, store(), writeback and compound pages')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    bad = done = 0
    for seed in range(a.seed, a.seed + a.runs):
        built = huge_case(seed) if a.huge else dax_case(seed) if a.dax else dirty_case(seed) if a.dirty else \
            mm_case(seed) if a.mm else case(seed, a.sym)
        if built is None:
            continue
        text, model = built
        path = os.path.join(a.out, f'fuzz-{seed}.race')
        with open(path, 'w') as f:
            f.write(text)
        found, states, livelocks = C.run(model)
        if states > a.max_states:
            continue
        want = dict(found)
        want_ll = sorted(','.join(map(str, l['moving'])) for l in livelocks)
        for mode in a.modes.split(','):
            args = [] if mode == 'default' else mode.split()
            p = subprocess.run(['node', os.path.join(root, 'dist/cli.js'), 'explore', path, '--json', *args],
                               capture_output=True, text=True, timeout=600)
            try:
                out = json.loads(p.stdout)
            except json.JSONDecodeError:
                print(f'seed {seed} {mode}: no JSON: {p.stderr.strip()[:300]}')
                bad += 1
                continue
            got = {k['kind']: k['length'] for k in out['kinds'] if k['kind'] != 'livelock'}
            got_ll = sorted(','.join(map(str, l['moving'])) for l in out['livelocks'])
            # racewalk lists at most 8 lassos, one per component, and its states keep who
            # raised a pending interrupt (two states here can be two there): compare the
            # sets of moving CPUs, not the number of components
            ll_ok = sorted(set(got_ll)) == sorted(set(want_ll))
            if got != want or not ll_ok or not out['complete']:
                bad += 1
                print(f'seed {seed} {mode}: racewalk {got} {got_ll} | checker {want} {want_ll}  ({path})')
        done += 1
    print(f'{done} cases, {bad} disagreements')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
