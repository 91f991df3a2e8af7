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

    python3 test/xcheck/fuzz.py --runs 100 --seed 1 [--modes default,--no-reduce] [--sym] [--mm] [--out DIR]

--mm draws from the memory-management core instead (MMGen): two RAM pages
mapped at VA and VA2 in one PTE page, every CPU running the mm, a random
FLUSH and TABLE_FREE; loads, zaps, flushes (with IPIs), put_page and
alloc_page + set_pte_at, gup-fast-like lockless reads and grabs, IRQs-off
and rcu_read_lock sections, synchronize_rcu, a PTE page unhooked and freed
through RCU, syscall_exit.

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


class MMGen:
    """Random statements over the mm core, each as (C lines, checker statements)."""

    def __init__(self, rnd, ncpu):
        self.r = rnd
        self.ncpu = ncpu
        self.assigned = set()   # the locals assigned so far in this CPU's text (racewalk refuses others)

    def block(self, depth, n):
        out_c, out_p = [], []
        for _ in range(n):
            c, p = self.stmt(depth)
            out_c += c
            out_p += p
        return out_c, out_p

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
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    bad = done = 0
    for seed in range(a.seed, a.seed + a.runs):
        built = mm_case(seed) if a.mm else case(seed, a.sym)
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
