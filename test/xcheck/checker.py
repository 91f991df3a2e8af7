#!/usr/bin/env python3
"""An independent explicit-state checker for the xcheck scenarios.

Written from docs/scenario-language.md, docs/grammar.md, docs/model.md,
docs/search.md and docs/primitives.md alone, never from racewalk's source, so
that agreement means something (test/xcheck.test.ts compares the two). Each
scenario is hand-translated below into structured statements (S, If, IfWarn,
While, DoWhile, For, Break, Continue, Return, Await, AtomicAwait, Lock, Unlock,
TryLock, Assert, BugOn, WarnOn, Call/HReturn for helpers, Label/Goto) that
compile to flat instructions; one instruction is one statement, one atomic
step. Jumps, labels, break and closing braces cost no step (but the closing
brace of a helper does: it hands back). Breadth-first search over (per CPU:
the process context and an interrupt handler's, each a pc, a stack of helper
frames and the lock it waits for; BUG stop, IRQ flag and its save stack,
preempt count; shared memory; lock owners and rwsem readers; pending IRQs)
without any reduction gives, for every violation kind reachable, the length in
statements of the shortest schedule. Every edge is kept too, for the
livelocks: the strongly connected components of the steps that neither finish
a CPU nor pass a `progress*` label (violating steps included), with some CPU
moving inside, and weakly fair (every CPU's statement and every CPU's
interrupt that never fires inside is disabled in one of its states).

The semantics taken from the docs:
- a CPU at a false await cannot be stepped; the step that passes it is one
  statement (scenario-language.md, "await c;");
- locks (docs/model.md "Locks"): an uncontended acquire is one step; a
  contended one is a step that leaves the CPU waiting on the lock, and its next
  step, once the lock is free, takes it (any waiter, or a newcomer, may win);
  spin_lock raises the preempt count before it spins, spin_lock_irq(save)
  turns IRQs off first; an rwsem held by readers admits no new reader while a
  writer waits, a free one a new reader may take with a writer queued (reader
  lock stealing); a spinlock or rwsem trylock fails while another CPU is
  queued on it, even a free one, and spin_is_locked says locked then (model.md
  since main's 35a3644: the checker follows); mutexes and rwsems are L3
  (sleep-in-atomic) at the call with preemption or IRQs off;
- assert: a violation if false, the CPU goes on; WARN_ON: a violation if true,
  the CPU goes on; BUG_ON: a violation if true, the CPU stops there; an index
  out of bounds at run time is an oops, and the CPU stops (as after an oops);
- invariants are checked after every step;
- deadlock: the step that starts a lock wait closing a wait-for cycle (a
  waiter waits for the holders, a reader also for the writers queued before
  it); otherwise, after a step with nothing enabled and some CPU unfinished:
  hung-task for one, deadlock for several;
- lock-held: a CPU finished holding a lock, with preemption or IRQs off;
  bad-unlock: an unlock by a CPU that does not hold the lock;
- interrupts: raise_irq makes the handler pending on its CPU (one pending
  interrupt per line: raised again before it is taken, the raises merge); the transition
  `iN`, enabled while N's IRQs are on and it is in no handler (also while it
  waits for a lock, or after it finished), enters the handler with IRQs off
  and runs none of it; the handler's statements are then N's steps; its
  `return` or closing brace is a step that resumes what it interrupted, with
  IRQs on again (racewalk's traces show the brace as a step: the docs said
  only that it resumes, and of CPU blocks that braces cost no step);
- helpers are inlined: the call is a step binding the arguments (none without
  parameters), each body statement a step, `return` or the closing brace a
  step handing back the value and dropping the helper's locals; a call in a
  condition runs first, into a temporary the condition's step reads;
- search goes on past a violating step (every kind is collected);
- `if (c) return;` is two steps (only `if (c) goto L;` is one); break and
  continue none; `for (;;)` has no test step; `atomic { await c; ... }` is one
  step, enabled when c holds.

The memory-management core (RAM pages, page tables, TLBs and walk caches,
flushes and their IPIs, gup-fast's window, mmu_gather, RCU) is its own
section below, "the memory-management core", with huge PMDs, the THP split,
khugepaged's collapse, move_ptes, PROT_NONE, dev_pagemaps and DAX after it;
the built-in scenarios and worked examples that use them are translated at
the end. test/xcheck/README.md lists what it covers and what the docs left
open.

Prints a JSON object {scenario: {kind: length}} (livelock: a list of
{moving, prefix: BFS distance of the nearest state, states}); `checker.py
NAME` one scenario (a variant is NAME:VARIANT); `--replay NAME "0 i1 1"` or
`--replay-stdin` replays racewalk's schedules here, step by step.
"""
import json
import sys
from collections import deque

# ---- structured statements -------------------------------------------------

def S(fn):            return ('S', fn)            # fn(g, l, c) -> None: a step
def If(c, t, e=(), warn=None): return ('If', c, list(t), list(e), warn)
def While(c, b):      return ('While', c, list(b))
def DoWhile(b, c):    return ('DoWhile', list(b), c)
def For(init, c, nxt, b): return ('For', init, c, nxt, list(b))
def Await(c):         return ('Await', c)
def Lock(n, mode='x', flavor=None): return ('Lock', n, mode, flavor)   # n: a name or fn(g, l, c)
def Unlock(n, mode='x', flavor=None): return ('Unlock', n, mode, flavor)
def TryLock(n, var, mode='x'):                    # var = trylock(n), a local: one step
    def s(g, l, c):
        l[var] = trylock(n, mode)
    return ('S', s)
def Return():         return ('Return',)          # a step; the CPU finishes (a handler returns)
def Break():          return ('Break',)           # no step: a jump out of the innermost loop
def Continue():       return ('Continue',)        # no step: a jump to its next test (for: its next)
def IfWarn(c, t):     return ('If', c, list(t), [], 'warn')   # if (WARN_ON(c)) t: one step that may warn
def AtomicAwait(c, fn): return ('AtomicAwait', c, fn)  # atomic { await c; ... }: one guarded step
def Assert(c):        return ('Assert', c)
def BugOn(c):         return ('BugOn', c)
def WarnOn(c):        return ('WarnOn', c)
def Label(name):      return ('Label', name)      # no step; `progress*` marks progress
def Goto(name):       return ('Goto', name)       # no step (folded into the statement before)
def Call(args, body, dest=None):
    """A helper inlined: args(g, l, c) -> the callee's frame (None: no parameters, no step);
    dest(g, l, c, v) stores the value in the caller's frame (or a shared variable)."""
    return ('Call', args, list(body), dest)
def HReturn(val=None): return ('HReturn', val)    # return [val]; inside a helper: a step


def compile_block(stmts):
    """Flat instructions; ('J', target) jumps cost no step and are resolved away.
    Each instruction also has the depth of its helper frame (0: the CPU's own locals)."""
    code, depths = [], []
    depth = [0]
    returns, loops, calls, labels, gotos = [], [], [], {}, []

    def emit(ins):
        code.append(ins)
        depths.append(depth[0])
        return len(code) - 1

    def block(ss):
        for s in ss:
            one(s)

    def one(s):
        op = s[0]
        if op == 'If':
            br = emit(['B', s[1], None, None, s[4]])
            code[br][2] = len(code)
            block(s[2])
            if s[3]:
                j = emit(['J', None])
                code[br][3] = len(code)
                block(s[3])
                code[j][1] = len(code)
            else:
                code[br][3] = len(code)
        elif op == 'While':
            top = len(code)
            br = emit(['B', s[1], None, None, None])
            code[br][2] = len(code)
            loops.append(([], []))
            block(s[2])
            emit(['J', top])
            code[br][3] = len(code)
            close(top, len(code))
        elif op == 'DoWhile':
            top = len(code)
            loops.append(([], []))
            block(s[1])
            test = len(code)
            br = emit(['B', s[2], top, None, None])
            code[br][3] = len(code)
            close(test, len(code))
        elif op == 'For':
            if s[1] is not None:
                emit(['S', s[1]])
            top = len(code)
            br = None
            if s[2] is not None:   # for (;;): no test, no step for it
                br = emit(['B', s[2], None, None, None])
                code[br][2] = len(code)
            loops.append(([], []))
            block(s[4])
            nxt_at = len(code)
            if s[3] is not None:
                emit(['S', s[3]])
            emit(['J', top])
            if br is not None:
                code[br][3] = len(code)
            close(nxt_at, len(code))
        elif op == 'Break':
            loops[-1][0].append(emit(['J', None]))
        elif op == 'Continue':
            loops[-1][1].append(emit(['J', None]))
        elif op == 'Return':
            returns.append(emit(['R', None]))
        elif op == 'Label':
            labels[s[1]] = len(code)
        elif op == 'Goto':
            gotos.append((emit(['J', None]), s[1]))
        elif op == 'Call':
            if s[1] is not None:
                emit(['Call', s[1]])
            depth[0] += 1
            calls.append((s[3], []))
            block(s[2])
            dest, rets = calls[-1]
            rets.append(emit(['RetH', None, dest, None]))    # the closing brace
            calls.pop()
            depth[0] -= 1
            for r in rets:
                code[r][3] = len(code)
        elif op == 'HReturn':
            dest, rets = calls[-1]
            rets.append(emit(['RetH', s[1], dest, None]))
        else:
            emit(list(s))

    def close(cont, exit_):
        brks, conts = loops.pop()
        for b in brks:
            code[b][1] = exit_
        for c in conts:
            code[c][1] = cont

    block(stmts)
    end = len(code)
    for r in returns:
        code[r][1] = end
    for j, name in gotos:
        code[j][1] = labels[name]

    def resolve(t):
        seen = 0
        while t < end and code[t][0] == 'J':
            t = code[t][1]
            seen += 1
            assert seen <= end, 'a loop of jumps'
        return t

    for ins in code:
        if ins[0] == 'B':
            ins[2], ins[3] = resolve(ins[2]), resolve(ins[3])
        if ins[0] == 'RetH':
            ins[3] = resolve(ins[3])
    nxt = [end if code[i][0] == 'R' else code[i][3] if code[i][0] == 'RetH' else resolve(i + 1)
           for i in range(end)]
    progress = {resolve(p) for name, p in labels.items() if name.startswith('progress')}
    return code, nxt, resolve(0), end, depths, progress


# ---- the model and its primitives ------------------------------------------

class Model:
    def __init__(self, name, shared, cpus, locks=(), invariants=(), irqs=None, mm=None, lock_order=False):
        """locks: names (a plain lock) or {name: 'spin' | 'mutex' | 'rwsem'};
        irqs: {irq name: (cpu, statements)}, at most one per CPU; lock_order: lockdep's check (L4),
        the recorded orders kept in the shared variable '$order'."""
        self.name = name
        self.mm = mm            # an MMSetup, or None: no memory-management core
        self.init_shared = dict(shared)
        self.lock_order = lock_order
        if lock_order:
            self.init_shared['$order'] = ()
        self.progs = [compile_block(c) for c in cpus]
        self.locks = list(locks)
        self.kind = dict(locks) if isinstance(locks, dict) else {n: 'plain' for n in locks}
        self.invariants = list(invariants)
        self.irq_cpu = {}
        self.hprogs = [None] * len(cpus)
        for irq, (cpu, body) in (irqs or {}).items():
            assert self.hprogs[cpu] is None, 'one irq per CPU'
            self.irq_cpu[irq] = cpu
            # the handler's closing brace is a step of its own: the return from the interrupt
            self.hprogs[cpu] = compile_block(list(body) + [Return()])


class Oops(Exception):
    pass


class Stop(Exception):
    """The CPU stops here as after an oops, with the violation already reported (unstable-pmd)."""


class Cur:
    """What the primitives called from a statement's functions see: the step's CPU
    and the parts of the state it may change (set by step(), read by enabled())."""
    model = None
    c = None
    me = None        # the CPU's mutable slice (a dict)
    locks = None     # {name: owner | (writer, readers: a sorted tuple, a CPU once per read hold)}
    pending = None
    kinds = None
    waits = None     # {cpu: [(lock, mode), ...]} the other CPUs' lock waits


CUR = Cur()


def lock_free_for(name, mode, c):
    v = CUR.locks[name]
    if CUR.model.kind[name] != 'rwsem':
        return v is None
    writer, readers = v
    if mode == 'w':
        return writer is None and not readers
    # held by readers, the rwsem admits no new reader while a writer waits; a free
    # one a new reader may take even with a writer queued (reader lock stealing)
    return writer is None and not (readers and any((name, 'w') in w for d, w in CUR.waits.items() if d != c))


def queued(name, c):
    """Whether a CPU other than c is queued on the lock."""
    return any(w[0] == name for d, ws in CUR.waits.items() if d != c for w in ws)


def take(name, mode, c):
    if CUR.model.kind[name] != 'rwsem':
        CUR.locks[name] = c
    elif mode == 'w':
        CUR.locks[name] = (c, ())
    else:
        writer, readers = CUR.locks[name]
        CUR.locks[name] = (writer, tuple(sorted(readers + (c,))))   # a recursive read counts twice


def trylock(name, mode='x'):
    """spin_trylock, mutex_trylock, down_read_trylock ('r'), down_write_trylock ('w').
    A spinlock or rwsem trylock fails while another CPU is queued on it, even a free one."""
    if CUR.model.kind[name] in ('spin', 'rwsem') and queued(name, CUR.c):
        return False
    if lock_free_for(name, mode, CUR.c):
        take(name, mode, CUR.c)
        if CUR.model.kind[name] == 'spin':
            CUR.me['preempt'] += 1
        return True
    return False


def is_locked(name):
    """spin_is_locked, rwsem_is_locked: held, or a CPU queued on it (the lock word is nonzero)."""
    if CUR.model.kind[name] in ('spin', 'rwsem') and queued(name, None):
        return True
    v = CUR.locks[name]
    if CUR.model.kind[name] == 'rwsem':
        return v[0] is not None or bool(v[1])
    return v is not None


def record_order(g, lk, c):
    """lock_order(on): a blocking acquisition of lk records held -> lk for every lock c holds;
    whether one of them closes a cycle of recorded orders (lk already leads to a held lock)."""
    held = [h for h, v in CUR.locks.items() if h != lk and
            (v == c if CUR.model.kind[h] != 'rwsem' else (v[0] == c or c in v[1]))]
    order = set(g['$order'])
    cycle = False
    for h in held:
        seen, todo = set(), [lk]
        while todo:
            a = todo.pop()
            if a == h:
                cycle = True
                break
            for x, y in order:
                if x == a and y not in seen:
                    seen.add(y)
                    todo.append(y)
        order.add((h, lk))
    g['$order'] = tuple(sorted(order))
    return cycle


def raise_irq(irq):
    CUR.pending[CUR.model.irq_cpu[irq]] = 1      # one pending interrupt per line: a second raise merges


def irq_save():
    CUR.me['irq_stack'] = CUR.me['irq_stack'] + (CUR.me['irq_on'],)
    CUR.me['irq_on'] = False


def irq_restore():
    st = CUR.me['irq_stack']
    CUR.me['irq_on'] = st[-1] if st else True
    CUR.me['irq_stack'] = st[:-1]


def irq_set(on):
    CUR.me['irq_on'] = on


def warn(cond):
    """WARN_ON(c) as a value: a warn violation when c holds."""
    if cond:
        CUR.kinds.add('warn')
    return bool(cond)


def elem(name, i, n):
    """The element name[i] of a shared array of n: an out-of-bounds index is an oops."""
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
        raise Oops()
    return f'{name}{i}'


def freeze(d):
    return tuple(sorted(d.items()))


def sccs(edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter; counter += 1
        stack.append(root); on.add(root)
        while work:
            v, i = work[-1]
            succ = edges[v]
            if i < len(succ):
                work[-1] = (v, i + 1)
                w = succ[i][1]
                if w not in index:
                    index[w] = low[w] = counter; counter += 1
                    stack.append(w); on.add(w)
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop(); on.discard(w); comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


# ---- the memory-management core ------------------------------------------------
#
# Written from docs/model.md ("State", "Steps", "Checks"), docs/primitives.md and
# docs/scenario-language.md alone. One mm, x86-64: a PMD entry per 2 MiB region
# (the levels above always exist), PTE pages with ids, ordinary RAM pages
# (refcount, free, allocation generation, mapcount), a TLB and a
# paging-structure cache per CPU, flush IPIs and their acks, RCU readers,
# grace periods and call_rcu callbacks. What a docs reading left open is
# marked DOC? where it is decided.
#
# The mutable form (CUR.mm, a dict) during a step:
#   pages  {pfn: [ref, free, gen, mapcount]}
#   pmd    {region: table id}           (absent: pmd_none)
#   tables {tid: [freed, {va: pte}]}    pte = (pfn, gen, write): the allocation it maps
#   ntid   the next table id
#   tlb    [{va: (pfn, gen, write)}]    per CPU
#   pwc    [{region: tid}]              per CPU, only with the walk cache on
#   ipi    [((sender, range), ...)]     pending flush IPIs per CPU
#   fw     [None | [targets, range, snapshot]]  a CPU waiting for its flush acks
#   gp     [None | readers]             a CPU in synchronize_rcu: the readers it still waits for
#   rcu    [nesting]                    rcu_read_lock depth per CPU
#   cbs    [(readers, ('free', tid))]   pending RCU callbacks
#   zapped {va}                         cleared PTEs not installed again
#   mask   {cpu}                        mm_cpumask
#   lazy   {cpu}
#   vma    {va: write}                  the anonymous vmas (a fault allocates)
#   gup    [None | [vas, seen, held]]   gup-fast's IRQs-off window (S7): the vas it read, every
#                                       (pfn, gen) mapped at one of them since, what it grabbed
#   gather [None | [range, pages, tables, freed_tables]]  the CPU's mmu_gather
#   pending mm->tlb_flush_pending
# A range is None (the whole mm) or (va, npages).

PAGE = 4096
REGION = 1 << 21
FOLL_PIN = 'pin'
GUP_PIN_COUNTING_BIAS = 1024


class MMSetup:
    """The machine { } block of an mm scenario."""
    def __init__(self, flush='ipi', table_free='ipi', arch='x86', walk_cache=False, ram=(), maps=(),
                 mask=(), tlbs=(), lazy=(), pte_tables=(), vmas=(), huge_maps=(), pwcs=(), huge_tlb=False,
                 protnone=(), pgmaps=(), dax_maps=(), refcount='e21', fs=None, compound=()):
        self.flush, self.table_free, self.arch, self.walk_cache = flush, table_free, arch, walk_cache
        self.ram, self.maps, self.mask, self.tlbs = ram, maps, mask, tlbs
        self.lazy, self.pte_tables, self.vmas = lazy, pte_tables, vmas
        self.huge_maps, self.pwcs, self.huge_tlb, self.protnone = huge_maps, pwcs, huge_tlb, set(protnone)
        self.pgmaps, self.dax_maps, self.refcount = pgmaps, dax_maps, refcount   # dev_pagemaps, DAX PTEs
        self.fs = fs        # {'type': xfs | ext4, 'pgmap', 'frozen', 'shutdown'}
        self.compound = compound    # (head pfn, npages): one folio, after the maps

    def initial(self, n):
        mm = {'pages': {}, 'pmd': {}, 'tables': {}, 'ntid': 1, 'tlb': [{} for _ in range(n)],
              'pwc': [{} for _ in range(n)], 'ipi': [() for _ in range(n)], 'fw': [None] * n,
              'gp': [None] * n, 'rcu': [0] * n, 'cbs': [], 'zapped': set(), 'mask': set(self.mask),
              'lazy': set(self.lazy), 'vma': {}, 'gup': [None] * n, 'gather': [None] * n, 'pending': 0,
              'deposit': {}, 'pin': {}, 'dev': {}, 'pgmaps': {}, 'dvma': {}, 'fs': dict(self.fs or {}),
              'sigkill': False, 'head': {}, 'pgdirty': {}}
        for name, typ, first, npages, mode in self.pgmaps:
            # memremap_pages: memmap present, memory backed, the ref live with 1 + npages references
            mm['pgmaps'][name] = {'type': typ, 'first': first, 'n': npages, 'ref': 1 + npages, 'state': 'live',
                                  'mode': mode, 'indexed': True, 'alive': True, 'done': False}
            for pfn in range(first, first + npages):
                mm['dev'][pfn] = {'ref': 1, 'exists': True, 'backed': True, 'idle': 1, 'pgmap': name}
        for va, pfn, npages, write, kind in self.dax_maps:
            if kind == 'huge':       # a huge DAX PMD: no PTE page deposited (x86 arch_needs_pgtable_deposit)
                mm['pmd'][va // REGION] = ('huge', pfn, 0, write, False, True)
                continue
            for i in range(npages):
                table_under(mm, va + i * PAGE, create=True)[1][va + i * PAGE] = (pfn + i, 0, write, kind)
                mm['dvma'][va + i * PAGE] = (pfn + i, write, kind)
        first, npages = self.ram or (0, 0)
        for pfn in range(first, first + npages):
            mm['pages'][pfn] = [0, True, 0, 0]
        for va in self.pte_tables:
            table_under(mm, va, create=True)
        for va, pfn, write, *dirty in self.maps:
            pg = mm['pages'][pfn]
            if pg[1]:
                pg[0], pg[1], pg[2], pg[3] = 1, False, pg[2] + 1, 1
            else:       # mapped a second time (another vma, another process): one more mapping
                pg[0], pg[3] = pg[0] + 1, pg[3] + 1
            table_under(mm, va, create=True)[1][va] = (pfn, pg[2], write, 'N') if va in self.protnone \
                else (pfn, pg[2], write, 'W') if dirty else (pfn, pg[2], write)
            mm['vma'][va] = write
        for head, npages in self.compound:
            # compound(): the tails' references move to the head (the folio's count)
            for pfn in range(head + 1, head + npages):
                mm['pages'][head][0] += mm['pages'][pfn][0]
                mm['pages'][pfn][0] = 0
                mm['head'][pfn] = head
        for va, pfn, write in self.huge_maps:
            # an anonymous THP over RAM: a huge leaf, with an empty PTE page deposited
            pg = mm['pages'][pfn]
            pg[0], pg[1], pg[2], pg[3] = 1, False, pg[2] + 1, 1
            mm['pmd'][va // REGION] = ('huge', pfn, pg[2], write, False)
            mm['deposit'][va // REGION] = [new_table(mm)]
            mm['vma'][va] = write
        for va, write in self.vmas:
            mm['vma'][va] = write
        for cpu, va in self.tlbs:
            pte = pte_at(mm, va)
            if pte:
                mm['tlb'][cpu][va] = tlb_entry(pte)
        for cpu, va in self.pwcs:
            mm['pwc'][cpu][va // REGION] = mm['pmd'][va // REGION]
        return mm


def tid_of(entry):
    """A PMD entry: a table id (int), a huge leaf ('huge', pfn, gen, write, invalid), or None."""
    return entry if isinstance(entry, int) else None


def table_under(mm, va, create=False):
    tid = tid_of(mm['pmd'].get(va // REGION))
    if tid is None and create:
        tid = new_table(mm)
        mm['pmd'][va // REGION] = tid
    return mm['tables'][tid] if tid is not None else None


def new_table(mm):
    tid = mm['ntid']
    mm['ntid'] += 1
    mm['tables'][tid] = [False, {}]
    return tid


def pte_at(mm, va):
    e = mm['pmd'].get(va // REGION)
    if isinstance(e, tuple):
        return huge_leaf(e, va)
    t = table_under(mm, va)
    return t[1].get(va) if t and not t[0] else None


def huge_leaf(e, va):
    """A huge PMD leaf seen as the PTE for va: its subpage there (kind 'H', or 'I' once invalidated;
    a DAX one carries a fifth field, devmap and special)."""
    return (e[1] + (va % REGION) // PAGE, e[2], e[3], 'I' if e[4] else 'H') + (('dax',) if len(e) > 5 and e[5] else ())


def pkind(pte):
    return pte[3] if pte is not None and len(pte) > 3 else None


def mmfreeze(x):
    """A canonical, hashable form of the mm dict (dicts and sets sorted)."""
    if isinstance(x, dict):
        return ('d', tuple(sorted((k, mmfreeze(v)) for k, v in x.items())))
    if isinstance(x, set):
        return ('s', tuple(sorted(x, key=repr)))
    if isinstance(x, list):
        return ('l', tuple(mmfreeze(v) for v in x))
    if isinstance(x, tuple):
        return ('t', tuple(mmfreeze(v) for v in x))
    return ('v', x)


def mmthaw(x):
    tag, v = x
    if tag == 'd':
        return {k: mmthaw(e) for k, e in v}
    if tag == 's':
        return set(v)
    if tag == 'l':
        return [mmthaw(e) for e in v]
    if tag == 't':
        return tuple(mmthaw(e) for e in v)
    return v


def in_range(va, rng):
    return rng is None or rng[0] <= va < rng[0] + rng[1] * PAGE


def drop_tlb(mm, d, rng, tables=False):
    """A flush of rng on CPU d: its TLB entries there and, on x86, the walk cache of those regions;
    on arm64 only a flush that is not leaf-only (tables: flush_tlb_range, flush_tlb_mm, or one with
    freed_tables) drops the walk cache (primitives.md, arch())."""
    mm['tlb'][d] = {va: e for va, e in mm['tlb'][d].items()
                    if not (in_range(va, rng) or (pkind(e) == '2M' and region_touched(va, rng)))}
    if CUR.model.mm.arch == 'x86' or tables:
        if rng is None:
            mm['pwc'][d] = {}
        else:
            lo, hi = rng[0] // REGION, (rng[0] + rng[1] * PAGE - 1) // REGION
            mm['pwc'][d] = {r: t for r, t in mm['pwc'][d].items() if not lo <= r <= hi}


def region_touched(va, rng):
    """Whether a flush of rng touches va's 2 MiB region (INVLPG inside a large page drops it)."""
    if rng is None:
        return True
    lo, hi = rng[0] // REGION, (rng[0] + rng[1] * PAGE - 1) // REGION
    return lo <= va // REGION <= hi


def violation(kind):
    CUR.kinds.add(kind)


def page_obj(pfn):
    return ('page', pfn)


def pfn_of(page):
    if not (isinstance(page, tuple) and page and page[0] == 'page'):
        raise Oops()      # a NULL (or not a page) dereferenced
    return page[1]


def mapped_anywhere(mm, pfn, gen, lazy_too=False):
    """A present PTE reachable from the PMDs (a detached table's entries map nothing), or a TLB
    entry of a CPU running the mm (not lazy), of that allocation."""
    for ent in mm['pmd'].values():
        if isinstance(ent, tuple):
            if ent[1] == pfn and ent[2] == gen:
                return True
            continue
        freed, ptes = mm['tables'][ent]
        if not freed and any(e[0] == pfn and e[1] == gen for e in ptes.values()):
            return True
    return any(e[0] == pfn and e[1] == gen for d in range(len(mm['tlb']))
               if lazy_too or d not in mm['lazy'] for e in mm['tlb'][d].values())


def free_page(mm, pfn):
    """Back to the allocator: a folio's head with its tails (model.md, memmap)."""
    for q in [pfn] + sorted(t for t, h in mm['head'].items() if h == pfn):
        mm['head'].pop(q, None)         # the folio is gone: its pages are allocated anew one by one
        pg = mm['pages'][q]
        pg[1] = True
        if mapped_anywhere(mm, q, pg[2]):
            violation('freed-page-use')


def folio_of(page):
    """The folio a page's references go to: the head of its compound page, or itself."""
    pfn = pfn_of(page)
    return page_obj(CUR.mm['head'].get(pfn, pfn))


# -- struct page and the page allocator

def get_page(page):
    dp = dev_page(page)
    if dp is not None:
        if dp.get('gone'):
            return
        if dp['ref'] <= 0:
            violation('refcount')
        else:
            dp['ref'] += 1
        return
    page = folio_of(page)
    pg = CUR.mm['pages'][pfn_of(page)]
    if pg[0] <= 0:
        violation('refcount')   # folio_get's VM_BUG_ON: no reference taken, the CPU goes on (racewalk)
        return
    pg[0] += 1


def put_page(page):
    dp = dev_page(page)
    if dp is not None:
        dev_put(dp, 1)
        return
    pfn = pfn_of(folio_of(page))
    pg = CUR.mm['pages'][pfn]
    if pg[0] <= 0:
        violation('refcount')
        return
    gup_hold(page, -1)      # S7 knows the page gup returned, not its folio
    pg[0] -= 1
    if pg[0] == 0:
        free_page(CUR.mm, pfn)


def try_get_page(page):
    page = folio_of(page)
    pg = CUR.mm['pages'][pfn_of(page)]
    if pg[0] <= 0:
        violation('warn')   # its WARN_ON_ONCE is the kernel's splat (racewalk: a warn violation)
        return False
    pg[0] += 1
    return True


def folio_try_get(page):
    pg = CUR.mm['pages'][pfn_of(folio_of(page))]
    if pg[0] == 0:
        return False
    pg[0] += 1
    gup_hold(page, 1)
    return True


def try_grab_page(page, flags='get'):
    dp = dev_page(page)
    if dp is not None:
        if dp.get('gone') or dp['ref'] == 0:
            return False        # DOC?: a grab reading a removed memmap (S1, reported) takes nothing
        dp['ref'] += GUP_PIN_COUNTING_BIAS if flags == FOLL_PIN else 1
        return True
    pg = CUR.mm['pages'][pfn_of(folio_of(page))]
    if pg[0] == 0:
        return False
    pg[0] += GUP_PIN_COUNTING_BIAS if flags == FOLL_PIN else 1
    gup_hold(page, 1)
    return True


def page_count(page):
    return CUR.mm['pages'][pfn_of(folio_of(page))][0]


def page_refcount(mm, pfn):
    return mm['pages'][pfn][0] if pfn in mm['pages'] else -1


def alloc_page(pfn=None):
    pages = CUR.mm['pages']
    free = sorted(p for p, pg in pages.items() if pg[1])
    if pfn is not None:
        free = [p for p in free if p == pfn]
    if not free:
        return None
    pg = pages[free[0]]
    pg[0], pg[1], pg[2], pg[3] = 1, False, pg[2] + 1, 0
    return page_obj(free[0])


def rmap(page, by):
    pg = CUR.mm['pages'][pfn_of(page)]
    if pg[3] + by < 0:
        violation('refcount')
        return
    pg[3] += by


# -- page tables

def gup_window():
    """The CPU's gup-fast window: opened by a lockless read with IRQs off."""
    mm, c = CUR.mm, CUR.c
    if CUR.me is None or CUR.me['irq_on']:
        return None
    if mm['gup'][c] is None:
        mm['gup'][c] = [set(), set(), [], []]    # vas read, pages seen, held, held since a pin check
    return mm['gup'][c]


def gup_saw(mm, va, pte):
    """A PTE present at va now: every window that read va saw its page."""
    if pte is None:
        return
    for w in mm['gup']:
        if w is not None and va in w[0]:
            w[1].add((pte[0], pte[1]))


def gup_hold(page, by):
    w = CUR.mm['gup'][CUR.c]
    if w is None:
        return
    pfn = pfn_of(page)
    key = (pfn, CUR.mm['pages'][pfn][2])
    if by > 0:
        w[2].append(key)
        if CUR.mm['pin'].get(pfn, [False])[0]:
            w[3].append(key)        # taken after khugepaged's pin check passed (S9)
    elif key in w[2]:
        w[2].remove(key)
        if key in w[3]:
            w[3].remove(key)


def gup_close(mm, c):
    """IRQs back on: S7 for a page held that no PTE read by the window mapped (in that allocation)."""
    w = mm['gup'][c]
    mm['gup'][c] = None
    if w is not None and any(k not in w[1] for k in w[2]):
        violation('gup-unmapped-page')
    for pfn, gen in (w[3] if w is not None else ()):
        mark = mm['pin'][pfn]
        if mark[2]:
            violation('collapse-lost-pin')     # returns with a page the collapse already discarded
        mark[1] += 1                            # returned with a reference the pin check never saw


def pmdp_get_lockless(va):
    w = gup_window()
    e = CUR.mm['pmd'].get(va // REGION)
    if isinstance(e, tuple) and w is not None:
        # a huge leaf read: the window read va, and saw the page it maps there
        w[0].add(va)
        w[1].add(huge_leaf(e, va)[:2])
    return ('pmd', e, va)


def read_table(tid):
    """The PTE page tid, read by a walker or written: S6 if it was freed."""
    t = CUR.mm['tables'][tid]
    if t[0]:
        violation('freed-table-read')
    return t


def ptep_get_lockless(pmd, va):
    w = gup_window()
    if pmd[1] is None:
        raise Oops()      # racewalk: "the PMD is not present (test pmd_present first)"
    if isinstance(pmd[1], tuple):
        return huge_leaf(pmd[1], va)    # through a huge PMD: the leaf itself (no memory read)
    pte = tget(read_table(pmd[1]), va)
    if w is not None:
        w[0].add(va)
        if pte is not None:
            w[1].add((pte[0], pte[1]))
    return pte


def ptep_get(va):
    e = CUR.mm['pmd'].get(va // REGION)
    if isinstance(e, tuple):
        return huge_leaf(e, va)
    return None if e is None else read_table(e)[1].get(va)


def pmd_present(pmd):
    return pmd[1] is not None


def pte_present(pte):
    return pte is not None and pkind(pte) != 'I'     # PROT_NONE is present to Linux


def pte_write(pte):
    return bool(pte and pte[2] and pkind(pte) != 'I')


def pte_page(pte):
    if pte is None:
        return page_obj(0)      # DOC?: pte_page of a none PTE is pfn 0's page
    return page_obj(pte[0])


def mk_pte(page, write=False):
    return ('mk', pfn_of(page), write)


def zap(va):
    """va's leaf was cleared: zapped for ever (S5 at a flush's return asks whether it is still
    unmapped). A flush another CPU waits on began before this zap: it is that flush's late va,
    left to this zapper's own flush (model.md S5)."""
    mm = CUR.mm
    mm['zapped'].add(va)
    for d, w in enumerate(mm['fw']):
        if d != CUR.c and w is not None and w[1] != 'sync' and in_range(va, w[1]):
            w[2].add(va)


def table_id(table):
    """A table argument: a PTE page ('table', tid), or the PTE lock of one (its name 'ptlN')."""
    if isinstance(table, str) and table.startswith('ptl'):
        return int(table[3:])
    return table[1]


def ptep_get_and_clear(va, table=None):
    mm = CUR.mm
    tid = table_id(table) if table is not None else tid_of(mm['pmd'].get(va // REGION))
    if tid is None:
        return None
    t = read_table(tid)
    old = t[1].pop(tkey(t, va), None)
    if old is not None:
        zap(va)         # clearing a none PTE zaps nothing: no va left to another CPU's flush (racewalk)
    return old


def set_pte_at(va, pte, table=None):
    mm = CUR.mm
    tid = table_id(table) if table is not None else tid_of(mm['pmd'].get(va // REGION))
    if tid is None:
        raise Oops()            # DOC?: set_pte_at with no PTE page under the PMD
    t = read_table(tid)
    va = tkey(t, va)
    if pte is None:
        t[1].pop(va, None)
        zap(va)
        return
    if pte[0] == 'mk':
        pg = mm['pages'].get(pte[1])
        val = (pte[1], pg[2] if pg else 0, pte[2]) + (('N',) if len(pte) > 3 and pte[3] == 'N' else ())
        if pg and pg[1]:
            violation('freed-page-use')
    else:
        val = pte[:3] + ((pkind(pte),) if pkind(pte) in ('N', 'D', 'S', 'W') else ())
    t[1][va] = val
    if mm['pmd'].get(va // REGION) == tid:
        gup_saw(mm, va, val)


def pte_alloc(va):
    table_under(CUR.mm, va, create=True)


def pte_alloc_one():
    return ('table', new_table(CUR.mm))


def tkey(t, va):
    """The key of va's entry in PTE page t: entries are keyed by the va they map where the page
    is hooked now (or was last), and found by their index in the page."""
    k = next((k for k in t[1] if k % REGION == va % REGION), None)
    if k is not None:
        return k
    hooked = next((r for r, e in CUR.mm['pmd'].items() if isinstance(e, int) and CUR.mm['tables'][e] is t), None)
    return va if hooked is None else hooked * REGION + va % REGION


def tget(t, va):
    return t[1].get(tkey(t, va))


def pmd_populate(va, table):
    mm = CUR.mm
    t = mm['tables'][table[1]]
    base = va - va % REGION
    t[1] = {base + k % REGION: e for k, e in t[1].items()}    # hooked under another PMD: its vas move
    mm['pmd'][va // REGION] = table[1]
    for v, pte in mm['tables'][table[1]][1].items():
        gup_saw(mm, v, pte)      # its PTEs are live again: installed at the vas they map


def pmd_clear(va):
    CUR.mm['pmd'].pop(va // REGION, None)


def pmd_pgtable(pmd):
    if not isinstance(pmd[1], int):
        # x86 pmd_page of a none PMD (page 0) or a huge leaf, taken for a page table
        violation('unstable-pmd')
        raise Stop()
    return ('table', pmd[1])


def pte_val(pte):
    if pte is None:
        return 0
    k = pkind(pte)
    flags = {None: 1, 'W': 0x41, 'N': 0x100, 'H': 0x81, 'I': 0x80, 'S': 0x201, 'D': 0x201 | 1 << 58}[k]  # present, dirty, PROT_NONE, PSE, special, devmap
    return pte[0] << 12 | flags | (2 if pte[2] else 0) | (0x201 | 1 << 58 if len(pte) > 4 else 0)


def page_remove_rmap(page):
    rmap(page, -1)


def pte_offset_map_lock(pmd, va):
    """v6.4 (the default): one step; reads the PMD at va again and takes the PTE lock of the table
    it points to now; none since the caller read it is unstable-pmd (the CPU stops: an oops).
    Returns the lock's name, for Lock/Unlock."""
    tid = CUR.mm['pmd'].get(va // REGION)
    if tid is None or isinstance(tid, tuple):
        if pmd[1] is not None:
            violation('unstable-pmd')       # none or huge since the caller read it (v6.4)
            raise Stop()
        raise Oops()
    read_table(tid)
    return f'ptl{tid}'


def pte_free(table):
    CUR.mm['tables'][table[1]][0] = True


def pte_free_defer(table):
    call_rcu(('free', table[1]))


# -- huge PMDs, the THP split, khugepaged's collapse, move_ptes, PROT_NONE
#
# From model.md ("A huge PMD being split", the pt row, S9, S11) and primitives.md. A PMD entry
# is a table id or a huge leaf ('huge', pfn, gen, write, invalid); a PMD value read is
# ('pmd', entry, va): pmd_page gives the subpage at the va it was read for.

def pmd_leaf(pmd):
    return isinstance(pmd[1], tuple)


def pmd_val(pmd):
    e = pmd[1]
    if e is None:
        return 0
    if isinstance(e, int):
        return (1 << 40) + e * PAGE | 0x67          # a table pointer
    if e[0] == 'mkh':
        raise Oops()
    return e[1] << 12 | 0x80 | (0 if e[4] else 1) | (2 if e[3] else 0)   # PSE, present unless invalid


def pmd_same(a, b):
    return pmd_val(a) == pmd_val(b)


def pmd_access_permitted(pmd, write=False):
    e = pmd[1]
    return isinstance(e, tuple) and not e[4] and (e[3] or not write)


def pmd_page(pmd):
    e = pmd[1]
    if not isinstance(e, tuple):
        raise Oops()
    return page_obj(e[1] + ((pmd[2] or 0) % REGION) // PAGE)


def pmd_write(pmd):
    e = pmd[1]
    return isinstance(e, tuple) and bool(e[3])


def mk_huge_pmd(page, write=False):
    return ('pmd', ('mkh', pfn_of(page), write, False), None)


def pmd_mkinvalid(pmd):
    e = pmd[1]
    if not isinstance(e, tuple):
        raise Oops()
    return ('pmd', e[:4] + (True,), pmd[2])


def store_pmd(va, pmd):
    """A PMD value stored at va's PMD (mk_huge_pmd's allocation resolved now)."""
    mm = CUR.mm
    e = pmd[1]
    if isinstance(e, tuple) and e[0] == 'mkh':
        pg = mm['pages'].get(e[1])
        e = ('huge', e[1], pg[2] if pg else 0, e[2], e[3])
    if e is None:
        mm['pmd'].pop(va // REGION, None)
    else:
        mm['pmd'][va // REGION] = e
    if isinstance(e, tuple):
        for w in mm['gup']:
            if w is not None:
                for v in w[0]:
                    if v // REGION == va // REGION:
                        w[1].add(huge_leaf(e, v)[:2])
    elif isinstance(e, int):
        for v, pte in mm['tables'][e][1].items():
            gup_saw(mm, v, pte)


def set_pmd_at(va, pmd):
    store_pmd(va, pmd)


def pmdp_establish(va, pmd):
    old = CUR.mm['pmd'].get(va // REGION)
    if not isinstance(old, tuple):
        raise Oops()
    store_pmd(va, pmd)
    return ('pmd', old, va)


def pmdp_huge_get_and_clear(va):
    old = CUR.mm['pmd'].pop(va // REGION, None)
    return ('pmd', old, va)


def pgtable_trans_huge_deposit(va, table):
    dep = CUR.mm['deposit']
    dep[va // REGION] = dep.get(va // REGION, []) + [table[1]]


def pgtable_trans_huge_withdraw(va):
    dep = CUR.mm['deposit'].get(va // REGION)
    if not dep:
        return None
    tid = dep.pop()
    if not dep:
        del CUR.mm['deposit'][va // REGION]
    return ('table', tid)


def zap_deposited_table(va):
    t = pgtable_trans_huge_withdraw(va)
    if t is not None:
        pte_free(t)


def set_ptes(va, pte, nr, table=None):
    """nr PTEs from va, the pfn advancing a page each; one step."""
    for i in range(nr):
        set_pte_at(va + i * PAGE, None if pte is None else (pte[0], pte[1] + i) + pte[2:], table)


def flush_region(va):
    return (va - va % REGION, REGION // PAGE)


def pmdp_invalidate_start(va, var, freed_tables=False):
    """pmdp_invalidate: pmdp_establish(pmd_mkinvalid(*pmdp)), then flush the 2 MiB."""
    old = CUR.mm['pmd'].get(va // REGION)
    if not isinstance(old, tuple):
        raise Oops()
    CUR.locals[var] = pmdp_establish(va, ('pmd', old[:4] + (True,), va))
    return flush_start(flush_region(va), freed_tables, True)


def collapse_flush_start(va, var, freed_tables=False):
    """pmdp_collapse_flush: pmdp_huge_get_and_clear, then flush_tlb_range of the 2 MiB."""
    CUR.locals[var] = pmdp_huge_get_and_clear(va)
    return flush_start(flush_region(va), freed_tables, True)


def PmdInvalidate(va, var, freed_tables=False):
    return ('Blk', lambda g, l, c: pmdp_invalidate_start(va, var, freed_tables), lambda g, l, c: flush_end())


def CollapseFlush(va, var, freed_tables=False):
    at = va if callable(va) else K(va)
    return ('Blk', lambda g, l, c: collapse_flush_start(at(g, l, c), var, freed_tables), lambda g, l, c: flush_end())


def unpin_user_page(page):
    dp = dev_page(page)
    if dp is not None:
        dev_put(dp, GUP_PIN_COUNTING_BIAS)
        return
    pfn = pfn_of(folio_of(page))
    pg = CUR.mm['pages'][pfn]
    if pg[0] < GUP_PIN_COUNTING_BIAS:
        violation('refcount')
        return
    gup_hold(page, -1)
    pg[0] -= GUP_PIN_COUNTING_BIAS
    if pg[0] == 0:
        free_page(CUR.mm, pfn)


def is_refcount_suitable(page):
    """K8: nobody but the mappings holds a reference; a pass marks the page (S9)."""
    pfn = pfn_of(page)
    pg = CUR.mm['pages'][pfn]
    ok = pg[0] == pg[3]
    if ok:
        CUR.mm['pin'][pfn] = [True, 0, False]     # checked, late references returned, discarded
    return ok


def free_page_and_swap_cache(page):
    pfn = pfn_of(page)
    mark = CUR.mm['pin'].get(pfn)
    if mark is not None and mark[0]:
        mark[2] = True
        if mark[1] > 0:
            violation('collapse-lost-pin')
    put_page(page)


def pte_lockptr(pmd):
    if not isinstance(pmd[1], int):
        raise Oops()
    return f'ptl{pmd[1]}'


PMD_LOCK = 'pmdl'       # pmd_lock: the split lock of the one PMD table


PAGE_NONE, PAGE_READONLY, PAGE_COPY, PAGE_SHARED = 'none', 'readonly', 'copy', 'shared'


def pte_protnone(pte):
    return pkind(pte) == 'N'


def pte_accessible(pte):
    """A TLB may hold it: present to the hardware, or PROT_NONE while a flush is pending (20841405940e)."""
    if pte is None or pkind(pte) == 'I':
        return False
    return pkind(pte) != 'N' or CUR.mm['pending'] > 0


def pte_access_permitted(pte, write=False):
    return pte is not None and pkind(pte) in (None, 'H', 'W') and (pte[2] or not write)


def pte_modify(pte, prot):
    if pte is None:
        raise Oops()        # a none PTE is a mistake of the scenario
    if pte[0] == 'mk':
        return ('mk', pte[1], prot == PAGE_SHARED) + (('N',) if prot == PAGE_NONE else ())
    return (pte[0], pte[1], prot == PAGE_SHARED) + (('N',) if prot == PAGE_NONE else ())


def pte_mkwrite(pte):
    if pte is None:
        raise Oops()
    return (pte[0], pte[1], True) + pte[3:]


def ptep_modify_prot_start(va):
    """The PTE read and left none until the commit; not a zap."""
    mm = CUR.mm
    tid = tid_of(mm['pmd'].get(va // REGION))
    if tid is None:
        return None
    return read_table(tid)[1].pop(va, None)


def ptep_modify_prot_commit(va, old, pte):
    set_pte_at(va, pte)


def set_tlb_flush_pending():
    CUR.mm['pending'] = 1


def clear_tlb_flush_pending():
    CUR.mm['pending'] = 0


def ptl_touch(lk):
    """A PTE lock lives in its table's ptdesc: taking, spinning on or releasing it reads the table."""
    if CUR.mm is not None and lk.startswith('ptl') and lk[3:].isdigit():
        t = CUR.mm['tables'].get(int(lk[3:]))
        if t is not None and t[0]:
            violation('freed-table-read')


def move_pte(old, new):
    """One PTE of move_ptes: ptep_get_and_clear(old) (zapped), set_pte_at(new)."""
    pte = ptep_get_and_clear(old)
    if pte is not None:
        set_pte_at(new, pte)


# -- compound pages (model.md, memmap; primitives.md "Ordinary RAM pages")
#
# mm['head'][tail pfn] = head pfn while the tail is in the head's folio; the tail's own refcount
# stays 0, get/put/grabs/page_count act on the head's.

def page_folio(page):
    return folio_of(page)


def folio_ref_try_add_rcu(folio, count):
    """Adds to the page's own refcount unless it is 0 (free, frozen, or a tail page)."""
    pg = CUR.mm['pages'][pfn_of(folio)]
    if pg[0] == 0:
        return False
    pg[0] += count
    return True


def page_ref_freeze(page, count):
    pg = CUR.mm['pages'][pfn_of(page)]
    if pg[0] != count:
        return False
    pg[0] = 0
    return True


def page_ref_unfreeze(page, count):
    CUR.mm['pages'][pfn_of(page)][0] = count


def set_page_count(page, v):
    CUR.mm['pages'][pfn_of(page)][0] = v


def clear_compound_head(page):
    if pfn_of(page) not in CUR.mm['head']:
        raise Oops()        # no tail page (racewalk: "is not a tail page"; primitives.md did not say)
    CUR.mm['head'].pop(pfn_of(page))


def page_mapcount(page):
    return CUR.mm['pages'][pfn_of(page)][3]


# -- dirty bits and writeback (model.md "Steps", S12; primitives.md "Dirty bits and writeback")
#
# A dirty PTE or TLB entry has kind 'W'; mm['pgdirty'][folio pfn] = [PG_dirty, cleaned by
# writeback and not dirtied since].

def tlb_entry(pte):
    """What a TLB fill caches of a PTE: pfn, allocation, write, and the dirty bit."""
    return pte[:3] + (('W',) if pkind(pte) == 'W' else ())


def pte_dirty(pte):
    return pkind(pte) == 'W'


def pte_mkdirty(pte):
    if pte is None:
        return None
    if pte[0] == 'mk':
        raise Oops()        # not needed by the scenarios translated here
    return pte[:3] + ('W',) if pkind(pte) in (None, 'W') else pte


def pte_mkclean(pte):
    if pte is None:
        return None
    return pte[:3] if pkind(pte) == 'W' else pte


def pte_wrprotect(pte):
    if pte is None:
        return None
    return (pte[0], pte[1], False) + pte[3:]


def pte_same(a, b):
    return pte_val(a) == pte_val(b)


def page_dirt(page):
    pfn = pfn_of(folio_of(page))
    return CUR.mm['pgdirty'].setdefault(pfn, [False, False])


def set_page_dirty(page):
    st = page_dirt(page)
    was = st[0]
    st[0], st[1] = True, False
    return not was


def TestClearPageDirty(page):
    st = page_dirt(page)
    was = st[0]
    st[0], st[1] = False, True      # written to disk as it is now
    return was


def PageDirty(page):
    return page_dirt(page)[0]


def store(va):
    """A user store: through a writable entry caching the dirty bit, no PTE is touched (S12 if
    writeback cleaned the page and the PTE does not map it writable and dirty); a clean entry or
    a miss sets the dirty bit in the PTE it walks to, or faults (dropping the entry)."""
    mm, d = CUR.mm, CUR.c
    if d not in mm['mask']:
        raise Oops()
    e = mm['tlb'][d].get(va)
    if e is not None and e[2] and pkind(e) == 'W':
        touch(e[0], e[1])
        pte = pte_at(mm, va)
        st = mm['pgdirty'].get(CUR.mm['head'].get(e[0], e[0]))
        if st is not None and st[1] and not (pte is not None and pkind(pte) == 'W' and pte[2]
                                             and pte[0] == e[0] and pte[1] == e[1]):
            violation('lost-write')
        return True
    pte = None if e is not None and not e[2] else walk(va, d)
    ok = pte is not None and pkind(pte) in (None, 'W', 'H') and pte[2] and \
        (e is None or (pte[0], pte[1]) == (e[0], e[1]))
    if not ok:
        mm['tlb'][d].pop(va, None)
        if CUR.model.mm.arch == 'x86':
            mm['pwc'][d].pop(va // REGION, None)
        return False
    if pkind(pte) != 'H':
        t = table_under(mm, va)
        t[1][va] = pte[:3] + ('W',)
        mm['tlb'][d][va] = pte[:3] + ('W',)
    else:
        fill(mm, d, va, pte)
    touch(pte[0], pte[1])
    return True


# -- vmas, mmap_lock

def remove_vma(va):
    CUR.mm['vma'].pop(va, None)


def mmap_write_downgrade():
    """downgrade_write: this CPU's write hold becomes a read hold in one step."""
    c = CUR.c
    w, readers = CUR.locks['mmap_lock']
    if w != c:
        violation('bad-unlock')
        return
    CUR.locks['mmap_lock'] = (None, tuple(sorted(readers + (c,))))


def mm_tlb_flush_nested():
    return CUR.mm['pending'] > 1


# -- dev_pagemaps, their percpu_refs, memunmap_pages, device-dax (model.md "Refcount eras", S1-S3)
#
# mm['dev'][pfn]: the struct page of a ZONE_DEVICE pfn (ref, exists, backed, idle: the count
# an idle page has, 1 under e21 / v5_18 until memunmap_put_pages drops it); mm['pgmaps'][name]:
# the percpu_ref (ref, state live | dead | exited, mode percpu | atomic, done), indexed in
# pgmap_array, DAXDEV_ALIVE; mm['dvma'][va]: the DAX vma a fault installs from.

VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, FAULT_FLAG_WRITE = 2, 0x40, 'write'


def dev_page(page):
    """The struct page of a ZONE_DEVICE pfn, or None for RAM; S1 if its memmap was removed."""
    dp = CUR.mm['dev'].get(pfn_of(page))
    if dp is not None and not dp['exists']:
        violation('use-after-free')
        return {'gone': True, 'ref': 0}         # a scratch page: nothing is changed
    return dp


def dev_put(dp, k):
    if dp.get('gone'):
        return
    if dp['ref'] < k:
        violation('refcount')
        return
    dp['ref'] -= k
    if dp['ref'] == 0 and CUR.model.mm.refcount == 'e21':
        pgmap_put(dp['pgmap'], 1)       # E21: 1 -> 0 drops a pgmap reference


def pgmap_put(name, k):
    pm = CUR.mm['pgmaps'][name]
    if pm['state'] == 'exited' or pm['ref'] < k:
        violation('refcount')
        return
    pm['ref'] -= k
    if pm['ref'] == 0 and pm['mode'] == 'atomic':
        pm['done'] = True               # dev_pagemap_percpu_release: complete(&pgmap->done)


def pgmap_name(pgmap):
    if not (isinstance(pgmap, tuple) and pgmap[0] == 'pgmap'):
        raise Oops()
    return pgmap[1]


def get_dev_pagemap(pfn):
    for name, pm in sorted(CUR.mm['pgmaps'].items()):
        if pm['indexed'] and pm['first'] <= pfn < pm['first'] + pm['n']:
            # a dead or exited ref: percpu_ref_exit leaves __PERCPU_REF_ATOMIC_DEAD, so tryget_live
            # fails on the flag without touching the count (racewalk agrees; 1e57ffb6e3fd's race
            # lies inside percpu_ref_exit's one step)
            if pm['state'] != 'live':
                return None
            pm['ref'] += 1
            return ('pgmap', name)
    return None


def put_dev_pagemap(pgmap):
    if pgmap is None:
        return
    pgmap_put(pgmap_name(pgmap), 1)


def percpu_ref_kill(pgmap):
    name = pgmap_name(pgmap)
    pm = CUR.mm['pgmaps'][name]
    if pm['state'] != 'live':
        violation('refcount')
        return
    pm['state'] = 'dead'
    if pm['mode'] == 'atomic':
        pgmap_put(name, 1)
    else:
        # percpu mode: the base reference goes with the switch to atomic mode, after a grace period
        # (the counts carry PERCPU_COUNT_BIAS until percpu_ref_switch_to_atomic_rcu sums them; its
        # confirm callback puts the switch's own reference): a percpu_ref_exit before it is a put
        # after exit (racewalk; primitives.md said the base reference went at the kill)
        call_rcu(('atomic', name))


def memunmap_put_pages(pgmap):
    name = pgmap_name(pgmap)
    pm = CUR.mm['pgmaps'][name]
    for pfn in range(pm['first'], pm['first'] + pm['n']):
        dp = dev_page(page_obj(pfn))
        if dp.get('gone'):
            continue
        dp['idle'] = 0
        dev_put(dp, 1)


def percpu_ref_put_many(pgmap):
    name = pgmap_name(pgmap)
    pgmap_put(name, CUR.mm['pgmaps'][name]['n'])


def WaitForCompletion(pgmap_fn):
    """MU3: the CPU cannot be stepped until pgmap->done, then one step (as an await; racewalk's
    hung-task in devdax-unbind:longterm comes at the step before it, with nothing enabled)."""
    return Await(lambda g, l, c: CUR.mm['pgmaps'][pgmap_name(pgmap_fn(g, l, c))]['done'])


def arch_remove_memory(pgmap):
    """MU4: S2 for a PTE or TLB entry still mapping the range, S3 for a page still referenced."""
    mm = CUR.mm
    pm = mm['pgmaps'][pgmap_name(pgmap)]
    rng = range(pm['first'], pm['first'] + pm['n'])
    ptes = [e for ent in mm['pmd'].values() if isinstance(ent, int) and not mm['tables'][ent][0]
            for e in mm['tables'][ent][1].values()]
    huge = any(isinstance(ent, tuple) and ent[1] < rng.stop and rng.start < ent[1] + REGION // PAGE
               for ent in mm['pmd'].values())
    if huge or any(e[0] in rng for e in ptes) or any(e[0] in rng for t in mm['tlb'] for e in t.values()):
        violation('stale-mapping')
    for pfn in rng:
        dp = mm['dev'][pfn]
        if dp['exists'] and dp['ref'] > dp['idle']:
            violation('pin-across-removal')
        dp['exists'] = dp['backed'] = False


def pgmap_array_delete(pgmap):
    CUR.mm['pgmaps'][pgmap_name(pgmap)]['indexed'] = False


def percpu_ref_exit(pgmap):
    CUR.mm['pgmaps'][pgmap_name(pgmap)]['state'] = 'exited'


def kill_dax(pgmap):
    CUR.mm['pgmaps'][pgmap_name(pgmap)]['alive'] = False


def dax_alive(pgmap):
    return CUR.mm['pgmaps'][pgmap_name(pgmap)]['alive']


def unmap_one(pgmap):
    """unmap_mapping_range: zaps the lowest va mapping a pfn of the pgmap; True while more remain."""
    mm = CUR.mm
    pm = mm['pgmaps'][pgmap_name(pgmap)]
    rng = range(pm['first'], pm['first'] + pm['n'])

    def left():
        return sorted(va for ent in mm['pmd'].values() if isinstance(ent, int) and not mm['tables'][ent][0]
                      for va, e in mm['tables'][ent][1].items() if e[0] in rng)
    vas = left()
    if vas:
        ptep_get_and_clear(vas[0])
    return bool(left())


def UnmapMappingRange(pgmap_fn):
    return ('Rep', lambda g, l, c: unmap_one(pgmap_fn(g, l, c)))


def pte_devmap(pte):
    return pkind(pte) == 'D' or (pte is not None and len(pte) > 4)


def pte_special(pte):
    return pkind(pte) in ('D', 'S') or (pte is not None and len(pte) > 4)


def pte_pfn(pte):
    return 0 if pte is None else pte[0]


def dax_holder(pgmap):
    return CUR.mm['fs'].get('pgmap') == pgmap_name(pgmap) and CUR.mm['fs']['type'] == 'xfs'


def freeze_super(pgmap):
    CUR.mm['fs']['frozen'] = True


def thaw_super(pgmap):
    CUR.mm['fs']['frozen'] = False


def xfs_force_shutdown(pgmap):
    CUR.mm['fs']['shutdown'] = True


def mf_dax_kill_procs(pgmap):
    pass            # SIGBUS: not a fatal signal (fatal_signal_pending stays false); the unmap is separate


def Fault(var, va_fn, flags=None):
    """var = handle_mm_fault(va, [flags]): a write fault on a frozen fs-dax vma waits for the thaw
    (sb_start_pagefault), as an await, then faults in one step."""
    def ok(g, l, c):
        mm = CUR.mm
        return not (flags == FAULT_FLAG_WRITE and va_fn(g, l, c) in mm['dvma'] and mm['fs'].get('frozen'))

    def fault(g, l, c):
        l[var] = handle_mm_fault(va_fn(g, l, c), flags)
    return AtomicAwait(ok, fault)


def del_gendisk(pgmap):
    pass            # E21: syncs and invalidates the bdev; the fs is not shut down, nothing is zapped


def fatal_signal_pending():
    return CUR.mm['sigkill']


def send_sigkill():
    CUR.mm['sigkill'] = True


def pfn_to_page(pfn):
    return page_obj(pfn)


def handle_mm_fault(va, flags=None):
    """A read fault (a write one with FAULT_FLAG_WRITE), for device-dax and anonymous vmas."""
    mm = CUR.mm
    pte = pte_at(mm, va)
    if pkind(pte) == 'I':
        return 0
    if pte is not None:
        if pkind(pte) == 'N':       # the NUMA hinting fault: present again with the vma's protection
            set_pte_at(va, (pte[0], pte[1], mm['vma'].get(va, pte[2])))
        elif flags == FAULT_FLAG_WRITE and not pte[2] and va in mm['dvma'] and mm['dvma'][va][1] and mm['fs']:
            # do_wp_page -> pfn_mkwrite on a read-only fs-dax PTE
            name = mm['dev'][pte[0]]['pgmap']
            if not mm['pgmaps'][name]['alive'] or mm['fs']['shutdown']:
                return VM_FAULT_SIGBUS
            set_pte_at(va, (pte[0], pte[1], True) + pte[3:])
        return 0
    if va in mm['dvma']:
        pfn, write, kind = mm['dvma'][va]
        name = mm['dev'][pfn]['pgmap']
        fs = mm['fs'] if mm['fs'].get('pgmap') == name else None
        if not mm['pgmaps'][name]['alive'] or (fs and fs['shutdown']):
            return VM_FAULT_SIGBUS
        # fs-dax: a read fault maps read-only (->pfn_mkwrite write-notifies); device-dax as the vma allows
        set_pte_at(va, (pfn, 0, write and (fs is None or flags == FAULT_FLAG_WRITE), kind))
        return 0
    if va in mm['vma']:
        page = alloc_page()
        if page is None:
            return VM_FAULT_SIGBUS      # DOC?: no free RAM page
        rmap(page, 1)
        set_pte_at(va, mk_pte(page, mm['vma'][va]))
        return 0
    return VM_FAULT_SIGSEGV


# -- mmu_gather

def tlb_gather_mmu():
    CUR.mm['gather'][CUR.c] = [None, [], [], False]
    CUR.mm['pending'] += 1


def grow(rng, va, npages=1):
    lo, hi = va, va + npages * PAGE
    if rng is not None:
        lo, hi = min(lo, rng[0]), max(hi, rng[0] + rng[1] * PAGE)
    return (lo, (hi - lo) // PAGE)


def tlb_remove_tlb_entry(va):
    g = CUR.mm['gather'][CUR.c]
    g[0] = grow(g[0], va)


def tlb_remove_page(page):
    CUR.mm['gather'][CUR.c][1].append(pfn_of(page))
    return False


def tlb_remove_table(table):
    mm = CUR.mm
    if CUR.model.mm.table_free == 'none':
        mm['tables'][table[1]][0] = True
    else:
        mm['gather'][CUR.c][2].append(table[1])


def free_pte_range(va):
    """pmd_clear, then the PTE page to the gather with freed_tables, the range widened by the page
    at va (pte_free_tlb: tlb_flush_pmd_range; racewalk does it, primitives.md did not say so)."""
    mm = CUR.mm
    tid = mm['pmd'].pop(va // REGION, None)
    if tid is None:
        raise Oops()
    g = mm['gather'][CUR.c]
    g[3] = True
    g[0] = grow(g[0], va)
    tlb_remove_table(('table', tid))


def tlb_adjust_range(va, npages):
    g = CUR.mm['gather'][CUR.c]
    g[0] = grow(g[0], va, npages)


def tlb_reset_range():
    g = CUR.mm['gather'][CUR.c]
    g[0], g[3] = None, False


def gather_free():
    """tlb_flush_mmu_free: the tables (call_rcu under TABLE_FREE=rcu, else now), then each page's reference."""
    mm = CUR.mm
    g = mm['gather'][CUR.c]
    for tid in g[2]:
        if CUR.model.mm.table_free == 'rcu':
            call_rcu(('free', tid))
        else:
            mm['tables'][tid][0] = True
    g[2] = []
    pages, g[1] = g[1], []
    for pfn in pages:
        put_page(page_obj(pfn))


def gather_flush_start(finish):
    """tlb_flush_mmu_tlbonly / tlb_flush_mmu / tlb_finish_mmu, step 1. finish: also free (and, for
    tlb_finish_mmu, end the gather) once the flush returned."""
    mm, c = CUR.mm, CUR.c
    g = mm['gather'][c]
    if finish == 'finish' and mm['pending'] > 1:
        g[0], g[3] = None, True      # nested: fullmm, freed_tables: the whole mm
        rng, anything = None, True
    else:
        rng, anything = g[0], g[0] is not None or g[3]
    CUR.gather_after = finish
    if not anything:
        gather_flush_end(finish, flushed=False)
        return False
    freed = g[3]
    g[0], g[3] = None, False     # the range is reset after its flush
    if flush_start(rng, freed):
        mm['fw'][c].append(finish)
        return True
    gather_flush_end(finish, flushed=False)
    return False


def gather_flush_end(finish, flushed=True):
    if flushed:
        flush_end()
    if finish in ('free', 'finish'):
        gather_free()
    if finish == 'finish':
        CUR.mm['gather'][CUR.c] = None
        CUR.mm['pending'] -= 1


def GatherFlush(finish):
    """tlb_flush_mmu_tlbonly ('tlbonly'), tlb_flush_mmu ('free'), tlb_finish_mmu ('finish')."""
    return ('Blk', lambda g, l, c: gather_flush_start(finish), lambda g, l, c: gather_flush_end(finish))


def tlb_flush_mmu_free():
    gather_free()


def dec_tlb_flush_pending():
    CUR.mm['pending'] -= 1
    CUR.mm['gather'][CUR.c] = None


# -- RCU

def is_reader(mm, d, cpu_irq_on, cpu_preempt):
    return not cpu_irq_on or cpu_preempt > 0 or mm['rcu'][d] > 0 or mm['fw'][d] is not None


def call_rcu(cb):
    CUR.mm['cbs'].append((frozenset(CUR.readers), cb))


def run_cb(mm, cb):
    if cb[0] == 'free':
        mm['tables'][cb[1]][0] = True
    elif cb[0] == 'atomic':       # percpu_ref_kill's switch to atomic mode, after its grace period
        mm['pgmaps'][cb[1]]['mode'] = 'atomic'
        pgmap_put(cb[1], 1)     # the base reference


def rcu_read_lock():
    CUR.mm['rcu'][CUR.c] += 1


def rcu_read_unlock():
    if CUR.mm['rcu'][CUR.c] == 0:
        raise Oops()
    CUR.mm['rcu'][CUR.c] -= 1


def synchronize_rcu_start():
    """synchronize_rcu: L3 with preemption or IRQs off; waits for the readers at the call."""
    me = CUR.me
    if me['preempt'] > 0 or not me['irq_on'] or CUR.mm['rcu'][CUR.c] > 0:
        violation('sleep-in-atomic')
    rs = set(CUR.readers)
    if not rs:
        return False  # "a grace period begun with no reader ends at once": one step
    CUR.mm['gp'][CUR.c] = rs
    return True


def synchronize_rcu_end():
    CUR.mm['gp'][CUR.c] = None


# -- TLBs, the walker, flushes

def walk(va, d):
    """A hardware walk of CPU d: the walk cache first, else from the PMD. The PTE or None
    (a huge leaf: its subpage at va, kind 'H', or 'I' once invalidated)."""
    mm = CUR.mm
    region = va // REGION
    tid = mm['pwc'][d].get(region) if CUR.model.mm.walk_cache else None
    if tid is not None:
        if mm['tables'][tid][0]:
            violation('pwc-freed-table')
            return None
    else:
        tid = mm['pmd'].get(region)
        if tid is None:
            return None
        if isinstance(tid, tuple):
            return huge_leaf(tid, va)       # no PTE page to cache
        if mm['tables'][tid][0]:
            violation('freed-table-read')
            return None
    if CUR.model.mm.walk_cache:
        mm['pwc'][d][region] = tid
    return tget(mm['tables'][tid], va)


def touch(pfn, gen):
    dp = CUR.mm['dev'].get(pfn)
    if dp is not None and not dp['backed']:
        violation('stale-access')       # S2: a load reaches removed device memory
    pg = CUR.mm['pages'].get(pfn)
    if pg is not None and (pg[1] or pg[2] != gen):
        violation('freed-page-use')


def access(va):
    mm, d = CUR.mm, CUR.c
    if d not in mm['mask']:
        raise Oops()        # only the CPUs running the mm load user memory
    e = mm['tlb'][d].get(va)
    if e is not None:
        touch(e[0], e[1])
        return True
    pte = walk(va, d)
    if pte is None or pkind(pte) in ('N', 'I'):
        # not present to the hardware (none, PROT_NONE, an invalidated huge PMD): a fault
        if CUR.model.mm.arch == 'x86':
            # the page fault drops the walk cache entries for the address (Intel SDM 4.10.4.1)
            mm['pwc'][d].pop(va // REGION, None)
        return False
    fill(mm, d, va, pte)
    touch(pte[0], pte[1])
    return True


def fill(mm, d, va, pte):
    """A TLB fill; under huge_tlb an entry from a huge leaf is a 2 MiB one, and a small and a huge
    entry for one region on a non-lazy CPU is S11."""
    if CUR.model.mm.huge_tlb:
        size = '2M' if pkind(pte) == 'H' else None
        if d not in mm['lazy'] and any(v // REGION == va // REGION and v != va and pkind(e) != size
                                       for v, e in mm['tlb'][d].items()):
            violation('tlb-size-conflict')
        mm['tlb'][d][va] = pte[:3] + ('2M',) if size else tlb_entry(pte)
    else:
        mm['tlb'][d][va] = tlb_entry(pte)


def speculative_walk(va):
    """A walk without a load, lazy CPUs too; nothing on a CPU that does not run the mm."""
    mm, d = CUR.mm, CUR.c
    if d not in mm['mask']:
        return False
    pte = walk(va, d)
    if pte is None or pkind(pte) in ('N', 'I'):
        return False
    fill(mm, d, va, pte)
    return True


def enter_lazy_tlb():
    CUR.mm['lazy'].add(CUR.c)


def tlb_has(mm, d, va):
    return va in mm['tlb'][d]


def flush_start(rng, freed_tables=False, tables=False):
    """flush_tlb_mm_range step 1: the local flush; FLUSH=ipi: an IPI to every other CPU of the
    mask (lazy ones only with freed_tables), and a wait for their acks."""
    mm, c = CUR.mm, CUR.c
    tables = tables or freed_tables
    drop_tlb(mm, c, rng, tables)
    if CUR.model.mm.flush == 'broadcast':
        for d in sorted(mm['mask']):
            drop_tlb(mm, d, rng, tables)
        check_flushed(rng, set())
        return False
    targets = {d for d in mm['mask'] if d != c and (d not in mm['lazy'] or freed_tables)}
    if not targets:
        # one step: no IPI to wait for (racewalk; model.md said "two steps under FLUSH=ipi")
        check_flushed(rng, set())
        return False
    for d in targets:
        mm['ipi'][d] = mm['ipi'][d] + ((c, rng, tables),)
    mm['fw'][c] = [targets, rng, set()]
    return True


def flush_end():
    mm, c = CUR.mm, CUR.c
    _, rng, late = mm['fw'][c][:3]
    mm['fw'][c] = None
    check_flushed(rng, late)


def check_flushed(rng, late):
    """S5: a CPU running the mm still caches a va of the range that was zapped and still has
    no PTE (a va installed again and cached anew is a valid entry), unless it was zapped late."""
    mm = CUR.mm
    for d in mm['mask']:
        if d not in mm['lazy'] and any(in_range(va, rng) and va in mm['zapped'] and va not in late
                                       and pte_at(mm, va) is None for va in mm['tlb'][d]):
            violation('tlb-incoherent')


def ptep_set_wrprotect(va):
    t = table_under(CUR.mm, va)
    if t is not None and va in t[1]:
        t[1][va] = pte_wrprotect(t[1][va])      # the dirty bit stays


def clear_flush_start(va, var, table=None):
    """ptep_clear_flush: the old PTE into local var; a flush of the page if it was present."""
    l = CUR.locals
    l[var] = ptep_get_and_clear(va, table)
    return pte_accessible(l[var]) and flush_start((va, 1))


def sync_one_start():
    """tlb_remove_table_sync_one: TABLE_FREE=rcu, an empty IPI to every other CPU, waited for
    (preemption off meanwhile: a reader); otherwise the empty stub."""
    mm, c = CUR.mm, CUR.c
    if CUR.model.mm.table_free != 'rcu':
        return False
    targets = {d for d in range(len(mm['tlb'])) if d != c}
    if not targets:
        return False
    for d in targets:
        mm['ipi'][d] = mm['ipi'][d] + ((c, 'sync'),)
    mm['fw'][c] = [targets, 'sync', set()]
    return True


def sync_one_end():
    CUR.mm['fw'][CUR.c] = None


def take_ipis(mm, d):
    """CPU d's interrupt transition with flush IPIs pending: flush_tlb_func for the oldest, and
    its ack (one IPI per transition: racewalk's traces take two queued IPIs in two steps)."""
    for sender, rng, *tables in mm['ipi'][d][:1]:
        if rng == 'sync':
            pass                # the empty IPI: nothing but the ack
        elif d in mm['lazy']:
            # a lazy CPU switches to init_mm: TLB and walk cache gone, out of mm_cpumask
            mm['tlb'][d], mm['pwc'][d] = {}, {}
            mm['mask'].discard(d)
        else:
            drop_tlb(mm, d, rng, bool(tables and tables[0]))
        if mm['fw'][sender] is not None:
            mm['fw'][sender][0].discard(d)
    mm['ipi'][d] = mm['ipi'][d][1:]


def switch_mm_irqs_off(catch_up=True):
    mm, d = CUR.mm, CUR.c
    mm['lazy'].discard(d)
    mm['mask'].add(d)
    if catch_up:
        mm['tlb'][d], mm['pwc'][d] = {}, {}
    else:
        for va, e in mm['tlb'][d].items():
            pg = mm['pages'].get(e[0])
            if pg is not None and (pg[1] or pg[2] != e[1]):
                violation('freed-page-use')


def syscall_exit(va, npages):
    mm = CUR.mm
    for d in mm['mask']:
        if d in mm['lazy']:
            continue
        for v, e in mm['tlb'][d].items():
            if not in_range(v, (va, npages)):
                continue
            pte = pte_at(mm, v)
            if pte is None or pkind(pte) in ('N', 'I') or pte[0] != e[0] or (e[2] and not pte[2]):
                violation('stale-tlb-return')


def ClearFlush(va, var, table=None):
    """var = ptep_clear_flush(va[, table]); va and table may be fn(g, l, c)."""
    f = lambda x, g, l, c: x(g, l, c) if callable(x) else x
    return ('Blk', lambda g, l, c: clear_flush_start(f(va, g, l, c), var, f(table, g, l, c)), lambda g, l, c: flush_end())


def SyncOne():
    return ('Blk', lambda g, l, c: sync_one_start(), lambda g, l, c: sync_one_end())


def Flush(rng_fn, freed_tables=False, tables=False):
    """A flush statement: flush_tlb_mm_range / flush_tlb_page (tables: flush_tlb_range, flush_tlb_mm)."""
    return ('Blk', lambda g, l, c: flush_start(rng_fn(g, l, c), freed_tables, tables), lambda g, l, c: flush_end())


def SyncRcu():
    return ('Blk', lambda g, l, c: synchronize_rcu_start(), lambda g, l, c: synchronize_rcu_end())


# ---- the search --------------------------------------------------------------
#
# A state is (cpus, shared, locks, pending): cpus[c] = (proc, hnd, stopped,
# irq_on, irq_stack, preempt) with proc and hnd (None outside a handler) each
# (pc, frames, wait): frames a tuple of frozen local dicts, one per helper
# depth, wait the (lock, mode) it waits for or None.

def run(model, schedule=None):
    """BFS; with a schedule (a list of transitions (cpu, 'step' | 'irq')), also replay it:
    the kinds each step reports and the BFS distance of each state it passes."""
    n = len(model.progs)
    lock_names = list(model.kind)
    init_locks = tuple((None, ()) if model.kind[nm] == 'rwsem' else None for nm in lock_names)
    init = (tuple(((p[2], (), None), None, False, True, (), 0) for p in model.progs),
            freeze(model.init_shared), init_locks, (0,) * n,
            mmfreeze(model.mm.initial(n)) if model.mm else None)

    def prog_of(cpu, c):
        return model.hprogs[c] if cpu[1] is not None else model.progs[c]

    def ctx_of(cpu):
        return cpu[1] if cpu[1] is not None else cpu[0]

    def unfinished(cpu, c):
        return cpu[1] is not None or (not cpu[2] and cpu[0][0] < model.progs[c][3])

    def frame(frames, depth):
        return dict(frames[depth]) if depth < len(frames) else {}

    def setup(st):
        CUR.model = model
        CUR.locks = dict(zip(lock_names, st[2]))
        CUR.waits = {d: [x for x in (cpu[0][2], cpu[1][2] if cpu[1] else None) if x]
                     for d, cpu in enumerate(st[0])}
        # what each CPU waits for now: the wait of its current context (a handler's, if in one)
        CUR.blocked_on = {d: ctx_of(cpu)[2] for d, cpu in enumerate(st[0]) if ctx_of(cpu)[2]}
        CUR.mm = mmthaw(st[4]) if model.mm else None
        CUR.cpu_irq = [cpu[3] for cpu in st[0]]
        CUR.readers = readers_of(st[0], CUR.mm)

    def readers_of(cpus, mm):
        if mm is None:
            return set()
        return {d for d, cpu in enumerate(cpus) if is_reader(mm, d, cpu[3], cpu[5])}

    def blk_done(mm, c):
        if mm['fw'][c] is not None:
            return not mm['fw'][c][0]
        if mm['gp'][c] is not None:
            return not mm['gp'][c]
        return True

    def enabled_step(st, c):
        cpu = st[0][c]
        if not unfinished(cpu, c):
            return False
        code, _, _, end, depths, _ = prog_of(cpu, c)
        pc, frames, wait = ctx_of(cpu)
        ins = code[pc]
        if wait is not None:
            setup(st)
            if wait[0] == '$blk':
                return blk_done(CUR.mm, c)
            return lock_free_for(wait[0], wait[1], c)
        if ins[0] in ('Await', 'AtomicAwait'):
            setup(st)
            CUR.c, CUR.me, CUR.kinds, CUR.pending = c, None, set(), list(st[3])
            return bool(ins[1](dict(st[1]), frame(frames, depths[pc]), c))
        return True

    def enabled_irq(st, c):
        cpu = st[0][c]
        if not cpu[3] or cpu[1] is not None:
            return False
        if st[3][c] > 0 and model.hprogs[c] is not None:
            return True
        # a pending flush IPI
        return model.mm is not None and bool(mmthaw(st[4])['ipi'][c])

    def transitions(st):
        out = []
        for c in range(n):
            if enabled_step(st, c):
                out.append((c, 'step'))
            if enabled_irq(st, c):
                out.append((c, 'irq'))
        return out

    def step(st, c, kind):
        setup(st)
        cpus, g, pending = list(st[0]), dict(st[1]), list(st[3])
        proc, hnd, stopped, irq_on, irq_stack, preempt = cpus[c]
        me = {'irq_on': irq_on, 'irq_stack': irq_stack, 'preempt': preempt}
        kinds = set()
        CUR.c, CUR.me, CUR.pending, CUR.kinds = c, me, pending, kinds
        progress = closed = False
        if kind == 'irq' and CUR.mm is not None and CUR.mm['ipi'][c]:
            take_ipis(CUR.mm, c)      # DOC?: flush IPIs before a pending device interrupt
        elif kind == 'irq':
            pending[c] -= 1
            hnd = (model.hprogs[c][2], (), None)
            me['irq_on'] = False
        else:
            in_hnd = hnd is not None
            code, nxt, _, end, depths, prog_pcs = prog_of(cpus[c], c)
            pc, frames, wait = hnd if in_hnd else proc
            frames = list(frames)
            depth = depths[pc]
            while len(frames) <= depth:
                frames.append(())
            frames = frames[:depth + 1]
            l = dict(frames[depth])
            ins = code[pc]
            op = ins[0]
            npc = nxt[pc]
            try:
                if op == 'S':
                    ins[1](g, l, c)
                elif op == 'B':
                    v = ins[1](g, l, c)
                    npc = ins[2] if v else ins[3]
                    if v and ins[4]:
                        kinds.add(ins[4])
                    for k in [k for k in l if k.startswith('$')]:
                        del l[k]        # a helper's value, read by this condition
                elif op == 'AtomicAwait':
                    ins[2](g, l, c)
                elif op in ('Await', 'R'):
                    pass
                elif op == 'Call':
                    frames.append(freeze(ins[1](g, l, c)))
                elif op == 'RetH':
                    v = ins[1](g, l, c) if ins[1] else None
                    frames.pop()
                    l = dict(frames[-1])
                    if ins[2]:
                        ins[2](g, l, c, v)
                elif op == 'Rep':     # a primitive that stays on its statement while fn says more is left
                    if ins[1](g, l, c):
                        npc = pc
                elif op == 'Blk':     # a blocking mm primitive: act, wait, then a step that returns
                    CUR.locals = l
                    if wait is None:
                        if ins[1](g, l, c):
                            wait = ('$blk', None)
                            npc = pc
                            CUR.waits[c] = CUR.waits[c] + [wait]
                            CUR.blocked_on[c] = wait
                            closed = in_cycle(c)
                    else:
                        ins[2](g, l, c)
                        wait = None
                elif op == 'Lock':
                    lk = wait[0] if wait else (ins[1] if isinstance(ins[1], str) else ins[1](g, l, c))
                    mode, flavor, lkind = ins[2], ins[3], model.kind[lk]
                    ptl_touch(lk)
                    if wait is None and model.lock_order and record_order(g, lk, c):
                        kinds.add('lock-order')
                    if wait is None:        # the call: IRQs and preemption first, then take or spin
                        if flavor == 'irq':
                            me['irq_on'] = False
                        elif flavor == 'irqsave':
                            irq_save()
                        if lkind == 'spin':
                            me['preempt'] += 1
                        if lkind in ('mutex', 'rwsem') and (me['preempt'] > 0 or not me['irq_on'] or
                                                            (CUR.mm is not None and CUR.mm['rcu'][c] > 0)):
                            kinds.add('sleep-in-atomic')
                    if lock_free_for(lk, mode, c):
                        take(lk, mode, c)
                        wait = None
                    else:
                        started = wait is None
                        wait = (lk, mode)
                        npc = pc
                        CUR.waits[c] = [w for w in CUR.waits[c] if w != wait] + [wait]
                        CUR.blocked_on[c] = wait
                        closed = started and in_cycle(c)
                elif op == 'Unlock':
                    lk = ins[1] if isinstance(ins[1], str) else ins[1](g, l, c)
                    mode, flavor, lkind = ins[2], ins[3], model.kind[lk]
                    ptl_touch(lk)
                    v = CUR.locks[lk]
                    if lkind != 'rwsem':
                        if v != c:
                            kinds.add('bad-unlock')
                        CUR.locks[lk] = None
                    elif mode == 'r':
                        if c not in v[1]:
                            kinds.add('bad-unlock')
                        rs = list(v[1])
                        rs.remove(c)
                        CUR.locks[lk] = (v[0], tuple(rs))
                    else:
                        if v[0] != c:
                            kinds.add('bad-unlock')
                        CUR.locks[lk] = (None, v[1])
                    if lkind == 'spin':
                        me['preempt'] = max(0, me['preempt'] - 1)
                    if flavor == 'irq':
                        me['irq_on'] = True
                    elif flavor == 'irqsave':
                        irq_restore()
                elif op == 'Assert':
                    if not ins[1](g, l, c):
                        kinds.add('assert')
                elif op == 'WarnOn':
                    if ins[1](g, l, c):
                        kinds.add('warn')
                elif op == 'BugOn':
                    if ins[1](g, l, c):
                        kinds.add('bug')
                        stopped = True
                else:
                    raise ValueError(op)
            except Oops:
                kinds.add('oops')
                stopped = True
                npc = pc
            except Stop:
                stopped = True
                npc = pc
            if op == 'RetH':
                frames[-1] = freeze(l)
            else:
                frames[depth] = freeze(l)
            while frames and frames[-1] == ():
                frames.pop()
            if npc in prog_pcs or pc in prog_pcs:
                progress = True
            ctx = (npc, tuple(frames), wait)
            if in_hnd:
                hnd = ctx
                if npc >= end:          # the handler returns: back to what it interrupted
                    hnd = None
                    me['irq_on'] = True
            else:
                proc = ctx
                if npc >= end and not stopped:
                    progress = True     # the CPU finishes
                    owns = any(v == c if model.kind[k] != 'rwsem' else (v[0] == c or c in v[1])
                               for k, v in CUR.locks.items())
                    if owns or me['preempt'] > 0 or not me['irq_on'] or (CUR.mm and CUR.mm['rcu'][c] > 0):
                        kinds.add('lock-held')
        cpus[c] = (proc, hnd, stopped, me['irq_on'], me['irq_stack'], me['preempt'])
        mmf = None
        if CUR.mm is not None and me['irq_on'] and not irq_on:
            gup_close(CUR.mm, c)        # G11: IRQs back on
        if CUR.mm is not None:
            end_grace_periods(CUR.mm, readers_of(cpus, CUR.mm))
            mmf = mmfreeze(CUR.mm)
        ns = (tuple(cpus), freeze(g), tuple(CUR.locks[k] for k in lock_names), tuple(pending), mmf)
        for inv in model.invariants:
            if not inv(g):
                kinds.add('invariant')
        if closed:
            kinds.add('deadlock')
        else:
            stuck = [d for d in range(n) if unfinished(ns[0][d], d)]
            if stuck and not transitions(ns):
                kinds.add('hung-task' if len(stuck) == 1 else 'deadlock')
        return ns, kinds, progress

    def end_grace_periods(mm, readers):
        """After every step: a reader that is no longer one has left its section; a callback
        whose readers all left runs in this step."""
        for d in range(n):
            if mm['gp'][d] is not None:
                mm['gp'][d] &= readers
        left = []
        for rs, cb in mm['cbs']:
            rs = rs & readers
            if rs:
                left.append((rs, cb))
            else:
                run_cb(mm, cb)
        mm['cbs'] = left

    def irqs_on_now(d):
        return CUR.me['irq_on'] if d == CUR.c else CUR.cpu_irq[d]

    def in_cycle(c):
        """Whether c, which just started to wait, now waits for itself (CUR is the new state)."""
        def waits_for(d):
            out = set()
            if d in CUR.blocked_on and CUR.blocked_on[d][0] == '$blk':
                mm = CUR.mm
                if mm['fw'][d] is not None:   # the acks of CPUs that cannot take the IPI
                    out |= {t for t in mm['fw'][d][0] if not irqs_on_now(t)}
                if mm['gp'][d] is not None:
                    out |= set(mm['gp'][d])
            elif d in CUR.blocked_on:
                lk, mode = CUR.blocked_on[d]
                v = CUR.locks[lk]
                if model.kind[lk] != 'rwsem':
                    out |= {v} - {None}
                else:
                    out |= ({v[0]} - {None}) | set(v[1])
                    if mode == 'r':
                        out |= {e for e, w in CUR.waits.items() if e != d and (lk, 'w') in w}
            return out
        seen, todo = set(), [c]
        while todo:
            d = todo.pop()
            for e in waits_for(d):
                if e == c:
                    return True
                if e not in seen:
                    seen.add(e)
                    todo.append(e)
        return False

    found = {}
    dist = {init: 0}
    edges = {}   # state -> [(cpu, successor)] of the steps that may lie on a livelock
    q = deque([init])
    while q:
        st = q.popleft()
        d = dist[st]
        out = edges[st] = []
        for c, kind in transitions(st):
            ns, kinds, progress = step(st, c, kind)
            for k in kinds:
                if k not in found or found[k] > d + 1:
                    found[k] = d + 1
            # progress is finishing a CPU or passing a progress label. A violating step
            # may lie on a livelock (a WARN_ON in a retry loop, any step after an
            # invariant broke): racewalk keeps them, docs/search.md said it did not
            if not progress:
                out.append(((c, kind), ns))
            if ns not in dist:
                dist[ns] = d + 1
                q.append(ns)

    def disabled(st, unit):
        c, kind = unit
        return not (enabled_step(st, c) if kind == 'step' else enabled_irq(st, c))

    livelocks, comps = [], []
    for comp in sccs(edges):
        inside = set(comp)
        moving = {u for st in comp for u, ns in edges[st] if ns in inside}
        if not moving:
            continue  # a single state without a self-loop: no cycle
        # weak fairness per CPU and per CPU's interrupt (racewalk since the mm-retry race: a
        # pending interrupt a CPU with IRQs on never takes is unfair, as its own statements
        # are while only its interrupts run): every (cpu, step | irq) that never fires in the
        # component is disabled somewhere in it
        idle = {(c, k) for c in range(n) for k in ('step', 'irq')} - moving
        if all(any(disabled(st, u) for st in comp) for u in idle):
            livelocks.append({'moving': sorted({c for c, _ in moving}), 'states': len(comp),
                              'prefix': min(dist[st] for st in comp)})
            comps.append(inside)
    livelocks.sort(key=lambda x: (x['prefix'], x['moving']))
    if schedule is None:
        return found, len(dist), livelocks
    trace, st = [], init
    ids = {s: i for i, s in enumerate(dist)}
    for c, kind in schedule:
        if (c, kind) not in transitions(st):
            trace.append({'cpu': c, 'error': 'not enabled'})
            break
        st, kinds, _ = step(st, c, kind)
        trace.append({'cpu': c, 'kinds': sorted(kinds), 'dist': dist[st], 'id': ids[st],
                      'component': next((i for i, x in enumerate(comps) if st in x), None)})
    return found, len(dist), livelocks, trace


def parse_schedule(text):
    return [(int(t[1:]), 'irq') if t.startswith('i') else (int(t), 'step') for t in text.split()]

# ---- the scenarios, hand-translated from the .race files next to this one -------

def setv(name, fn):
    """A statement assigning fn(g, l, c) to a shared variable."""
    def s(g, l, c):
        g[name] = fn(g, l, c)
    return s

def setl(name, fn):
    def s(g, l, c):
        l[name] = fn(g, l, c)
    return s

def inc(name, by=1):
    def s(g, l, c):
        g[name] = g[name] + by
    return s

L = lambda l, k: l.get(k)  # locals start as NULL


def lost_update():
    cpu = [S(setl('t', lambda g, l, c: g['cnt'])), S(setv('cnt', lambda g, l, c: l['t'] + 1)), S(inc('fin'))]
    return Model('lost-update', {'cnt': 0, 'fin': 0}, [cpu, cpu],
                 invariants=[lambda g: not (g['fin'] == 2 and g['cnt'] != 2)])


def mp_broken():
    p = [S(setv('flag', lambda g, l, c: 1)), S(setv('data', lambda g, l, c: 42))]
    q = [S(setl('r', lambda g, l, c: g['flag'])),
         If(lambda g, l, c: l['r'] == 1, [S(setl('d', lambda g, l, c: g['data'])),
                                          Assert(lambda g, l, c: l['d'] == 42)])]
    return Model('mp-broken', {'data': 0, 'flag': 0}, [p, q])


def mp_await():
    p = [S(setv('data', lambda g, l, c: 42)), S(setv('flag', lambda g, l, c: 1))]
    q = [Await(lambda g, l, c: g['flag'] == 1), S(setl('d', lambda g, l, c: g['data'])),
         Assert(lambda g, l, c: l['d'] == 42)]
    return Model('mp-await', {'data': 0, 'flag': 0}, [p, q])


MUTEX = [lambda g: g['in_cs'] <= 1]


def peterson():
    def proc(me, other):
        return [For(setl('i', lambda g, l, c: 0), lambda g, l, c: l['i'] < 2,
                    setl('i', lambda g, l, c: l['i'] + 1), [
            S(setv(f'flag{me}', lambda g, l, c: 1)),
            S(setv('turn', lambda g, l, c: other)),
            While(lambda g, l, c: g[f'flag{other}'] == 1 and g['turn'] == other, []),
            S(inc('in_cs')), S(inc('in_cs', -1)),
            S(setv(f'flag{me}', lambda g, l, c: 0))])]
    return Model('peterson', {'flag0': 0, 'flag1': 0, 'turn': 0, 'in_cs': 0},
                 [proc(0, 1), proc(1, 0)], invariants=MUTEX)


def peterson_broken():
    def proc(me, other):
        return [S(setv('turn', lambda g, l, c: other)),
                S(setv(f'flag{me}', lambda g, l, c: 1)),
                Await(lambda g, l, c: not (g[f'flag{other}'] == 1 and g['turn'] == other)),
                S(inc('in_cs')), S(inc('in_cs', -1)),
                S(setv(f'flag{me}', lambda g, l, c: 0))]
    return Model('peterson-broken', {'flag0': 0, 'flag1': 0, 'turn': 0, 'in_cs': 0},
                 [proc(0, 1), proc(1, 0)], invariants=MUTEX)


def dekker_naive():
    def proc(me, other):
        return [S(setv(f'flag{me}', lambda g, l, c: 1)),
                Await(lambda g, l, c: g[f'flag{other}'] == 0),
                S(inc('in_cs')), S(inc('in_cs', -1)),
                S(setv(f'flag{me}', lambda g, l, c: 0))]
    return Model('dekker-naive', {'flag0': 0, 'flag1': 0, 'in_cs': 0},
                 [proc(0, 1), proc(1, 0)], invariants=MUTEX)


def ticket_lock():
    def take(g, l, c):  # my = atomic_inc_return(&next) - 1
        g['next'] += 1
        l['my'] = g['next'] - 1
    cpu = [S(take), While(lambda g, l, c: g['serving'] != l['my'], []),
           S(inc('in_cs')), S(inc('in_cs', -1)), S(setv('serving', lambda g, l, c: l['my'] + 1))]
    return Model('ticket-lock', {'next': 0, 'serving': 0, 'in_cs': 0}, [cpu] * 3, invariants=MUTEX)


def ticket_racy():
    cpu = [S(setl('my', lambda g, l, c: g['next'])), S(inc('next')),
           Await(lambda g, l, c: g['serving'] == l['my']),
           S(inc('in_cs')), S(inc('in_cs', -1)), S(setv('serving', lambda g, l, c: l['my'] + 1))]
    return Model('ticket-racy', {'next': 0, 'serving': 0, 'in_cs': 0}, [cpu] * 2, invariants=MUTEX)


def abba3():
    ab = [Lock('a'), Lock('b'), S(inc('x')), Unlock('b'), Unlock('a')]
    ba = [Lock('b'), Lock('a'), S(inc('x')), Unlock('a'), Unlock('b')]
    busy = [S(setv('y', lambda g, l, c: v)) for v in (1, 2, 3)]
    return Model('abba3', {'x': 0, 'y': 0}, [ab, ba, busy], locks=['a', 'b'])


def lost_wakeup():
    w = [If(lambda g, l, c: not g['done'], [S(setv('sleeping', lambda g, l, c: 1)),
                                            Await(lambda g, l, c: g['woken'] == 1)])]
    k = [S(setv('done', lambda g, l, c: 1)),
         If(lambda g, l, c: g['sleeping'] == 1, [S(setv('woken', lambda g, l, c: 1))])]
    return Model('lost-wakeup', {'done': 0, 'sleeping': 0, 'woken': 0}, [w, k])


def seqcount(broken):
    w = [S(inc('seq')), S(setv('a', lambda g, l, c: 1)), S(setv('b', lambda g, l, c: 1)), S(inc('seq'))]
    if broken:
        retry = lambda g, l, c: g['seq'] != l['s']
    else:
        retry = lambda g, l, c: (l['s'] & 1) != 0 or g['seq'] != l['s']
    r = [DoWhile([S(setl('s', lambda g, l, c: g['seq'])), S(setl('x', lambda g, l, c: g['a'])),
                  S(setl('y', lambda g, l, c: g['b']))], retry),
         Assert(lambda g, l, c: l['x'] == l['y'])]
    return Model('seqcount-broken' if broken else 'seqcount', {'seq': 0, 'a': 0, 'b': 0}, [w, r])


def refcount_plain_get():
    def dec_and_test(var):
        def s(g, l, c):
            g['refs'] -= 1
            l[var] = g['refs'] == 0
        return s
    look = [S(inc('refs')), WarnOn(lambda g, l, c: g['refs'] == 1),
            Assert(lambda g, l, c: not g['freed']),
            # if (atomic_dec_and_test(&refs)) is one step: the decrement and the branch
            If(None, [BugOn(lambda g, l, c: g['freed']), S(setv('freed', lambda g, l, c: True))])]
    owner = [If(None, [S(setv('freed', lambda g, l, c: True))])]

    def dec_branch(g, l, c):
        g['refs'] -= 1
        return g['refs'] == 0
    look[3] = If(dec_branch, look[3][2], look[3][3])
    owner[0] = If(dec_branch, owner[0][2], owner[0][3])
    return Model('refcount-plain-get', {'refs': 1, 'freed': False}, [look, owner])


def slots():
    def claim(g, l, c):
        l['t'] = g['slot%d' % l['i']]
    def store(g, l, c):
        g['slot%d' % l['i']] = l['t'] + 1
    cpu = [S(setl('i', lambda g, l, c: g['next'])), S(setv('next', lambda g, l, c: l['i'] + 1)),
           S(claim), S(store), S(inc('fin'))]
    return Model('slots', {'slot0': 0, 'slot1': 0, 'slot2': 0, 'next': 0, 'fin': 0}, [cpu] * 3,
                 invariants=[lambda g: not (g['fin'] == 3 and (g['slot0'] != 1 or g['slot1'] != 1 or g['slot2'] != 1))])


def mutex_trylock():
    a = [Lock('m1'), Lock('m2'), S(inc('cnt')), Unlock('m2'), Unlock('m1')]
    # if (mutex_trylock(&m1)) is one step: the attempt and the branch
    b = [Lock('m2'), If(lambda g, l, c: trylock('m1'), [S(inc('cnt')), Unlock('m1')]), Unlock('m2')]
    return Model('mutex-trylock', {'cnt': 0}, [a, b], locks=['m1', 'm2'])


def polite():
    def proc(me, other):
        return [DoWhile([S(setv(f'want{me}', lambda g, l, c: 1)), S(setl('r', lambda g, l, c: g[f'want{other}'])),
                         If(lambda g, l, c: l['r'], [S(setv(f'want{me}', lambda g, l, c: 0))])],
                        lambda g, l, c: l['r']),
                S(setv('owner', lambda g, l, c: me)), S(setv(f'want{me}', lambda g, l, c: 0))]
    return Model('polite', {'want0': 0, 'want1': 0, 'owner': 0}, [proc(0, 1), proc(1, 0)])


def forgotten_flag():
    spin = [While(lambda g, l, c: g['flag'] == 0, []), Assert(lambda g, l, c: g['err'] == 0)]
    setter = [S(setl('e', lambda g, l, c: g['err'])), If(lambda g, l, c: l['e'] == 0, [S(setv('flag', lambda g, l, c: 1))])]
    breaker = [S(setv('err', lambda g, l, c: 1))]
    return Model('forgotten-flag', {'flag': 0, 'err': 0}, [spin, setter, breaker])


def early_return():
    w = [Lock('m'), If(lambda g, l, c: g['err'] == 1, [Return()]), S(setv('x', lambda g, l, c: 1)), Unlock('m')]
    k = [S(setv('err', lambda g, l, c: 1)), Unlock('m')]
    return Model('early-return', {'err': 0, 'x': 0}, [w, k], locks=['m'])


def aa_self():
    aa = [Lock('l'), S(setv('x', lambda g, l, c: 1)), Lock('l'), Unlock('l'), Unlock('l')]
    other = [S(setv('x', lambda g, l, c: 2)), S(setv('x', lambda g, l, c: 3))]
    return Model('aa-self', {'x': 0}, [aa, other], locks=['l'])


def abc_mutex():
    def ring(r):
        a, b = f'm{r}', f'm{(r + 1) % 3}'
        return [Lock(a), Lock(b), S(inc('c')), Unlock(b), Unlock(a)]
    # the copies of `cpu 0 * 3` are CPUs 0, 1, 2 with REPLICA 0, 1, 2
    return Model('abc-mutex', {'c': 0}, [ring(0), ring(1), ring(2)], locks=['m0', 'm1', 'm2'])


def cas_lock():
    def cas_fails(g, l, c):  # atomic_cmpxchg(&l, 0, 1) != 0, one step
        old = g['l']
        if old == 0:
            g['l'] = 1
        return old != 0
    cpu = [While(cas_fails, []), S(inc('in_cs')), S(inc('in_cs', -1)), S(setv('l', lambda g, l, c: 0))]
    return Model('cas-lock', {'l': 0, 'in_cs': 0}, [cpu] * 3, invariants=MUTEX)


def tas_broken():
    cpu = [While(lambda g, l, c: g['l'] != 0, []), S(setv('l', lambda g, l, c: 1)),
           S(inc('in_cs')), S(inc('in_cs', -1)), S(setv('l', lambda g, l, c: 0))]
    return Model('tas-broken', {'l': 0, 'in_cs': 0}, [cpu] * 2, invariants=MUTEX)


def atomic_guard():
    prod = [For(setl('i', lambda g, l, c: 0), lambda g, l, c: l['i'] < 3, setl('i', lambda g, l, c: l['i'] + 1), [
        If(lambda g, l, c: l['i'] == 1, [Continue()]), S(inc('tokens'))])]

    def take(g, l, c):
        g['tokens'] -= 1
        g['used'] += 1
    cons = [For(None, None, None, [AtomicAwait(lambda g, l, c: g['tokens'] > 0, take),
                                   IfWarn(lambda g, l, c: g['used'] == 2, [Break()])]),
            Assert(lambda g, l, c: g['used'] == 2)]
    return Model('atomic-guard', {'tokens': 0, 'used': 0, 'skipped': 0}, [prod, cons])


def await_lock_mix():
    holder = [Lock('m'), Await(lambda g, l, c: g['flag'] == 1), Unlock('m')]
    waiter = [Lock('m'), Unlock('m')]
    setter = [S(setl('r', lambda g, l, c: g['x'])), If(lambda g, l, c: l['r'] == 0, [S(setv('flag', lambda g, l, c: 1))])]
    spoiler = [S(setv('x', lambda g, l, c: 1))]
    return Model('await-lock-mix', {'flag': 0, 'x': 0}, [holder, waiter, setter, spoiler], locks=['m'])



# ---- the second set: interrupts, helpers, rwsems, trylocks, atomics, replicas, variants ----

K = lambda v: (lambda g, l, c: v)


def atomic_dec_and_test(g, name):
    g[name] -= 1
    return g[name] == 0


def cmpxchg(g, name, old, new):
    prev = g[name]
    if prev == old:
        g[name] = new
    return prev


def irq_lock(variant=None):
    fl = 'irqsave' if variant == 'irqsave' else None
    hnd = [Lock('l'), S(setv('x', K(5))), Unlock('l')]
    p = [Lock('l', flavor=fl), S(setv('x', K(1))), Unlock('l', flavor=fl)]
    dev = [S(lambda g, l, c: raise_irq('dev'))]
    return Model('irq-lock', {'x': 0}, [p, dev], locks={'l': 'spin'}, irqs={'dev': (0, hnd)})


def irq_counter(variant=None):
    off = variant == 'irqoff'
    hnd = [S(inc('cnt')), S(inc('fin'))]
    p = ([S(lambda g, l, c: irq_save())] if off else []) + \
        [S(setl('t', lambda g, l, c: g['cnt'])), S(setv('cnt', lambda g, l, c: l['t'] + 1))] + \
        ([S(lambda g, l, c: irq_restore())] if off else []) + [S(inc('fin'))]
    timer = [S(lambda g, l, c: raise_irq('tick'))]
    return Model('irq-counter', {'cnt': 0, 'fin': 0}, [p, timer], irqs={'tick': (0, hnd)},
                 invariants=[lambda g: not (g['fin'] == 2 and g['cnt'] != 2)])


def abba_irq():
    hnd = [Lock('b'), S(setv('x', K(2))), Unlock('b')]
    a = [Lock('a'), S(setv('x', K(1))), Unlock('a')]
    ba = [Lock('b'), Lock('a'), S(setv('x', K(3))), Unlock('a'), Unlock('b')]
    dev = [S(lambda g, l, c: raise_irq('dev'))]
    return Model('abba-irq', {'x': 0}, [a, ba, dev], locks={'a': 'spin', 'b': 'spin'},
                 irqs={'dev': (0, hnd)})


def irq_spin(variant=None):
    fl = 'irq' if variant == 'irq-off' else None
    spinner = [Lock('a', flavor=fl), Unlock('a', flavor=fl)]
    holder = [Lock('a'), S(lambda g, l, c: raise_irq('kick')), Await(lambda g, l, c: g['flag'] == 1), Unlock('a')]
    return Model('irq-spin', {'flag': 0}, [spinner, holder], locks={'a': 'spin'},
                 irqs={'kick': (0, [S(setv('flag', K(1)))])})


def rwsem_recursive():
    r = [Lock('sem', 'r'), Lock('sem', 'r'), S(setv('x', K(1))), Unlock('sem', 'r'), Unlock('sem', 'r')]
    w = [Lock('sem', 'w'), S(setv('x', K(2))), Unlock('sem', 'w')]
    busy = [S(setv('y', K(1))), S(setv('y', K(2)))]
    return Model('rwsem-recursive', {'x': 0, 'y': 0}, [r, w, busy], locks={'sem': 'rwsem'})


def rwsem_excl(variant=None):
    wm = 'r' if variant == 'broken' else 'w'
    reader = [If(lambda g, l, c: trylock('sem', 'r'), [S(inc('readers')), S(inc('readers', -1)), Unlock('sem', 'r')]),
              Lock('sem', 'r'), S(inc('readers')), S(inc('readers', -1)), Unlock('sem', 'r')]
    writer = [Lock('sem', wm), S(inc('writers')), S(inc('writers', -1)), Unlock('sem', wm)]
    # the copy of CPU0 is CPU2, after the declared CPU1
    return Model('rwsem-excl', {'readers': 0, 'writers': 0}, [reader, writer, reader], locks={'sem': 'rwsem'},
                 invariants=[lambda g: g['writers'] == 0 or (g['writers'] == 1 and g['readers'] == 0)])


def rw_starve(variant=None):
    if variant == 'rwsem':
        reader = [While(lambda g, l, c: not g['wdone'], [Lock('sem', 'r'), Unlock('sem', 'r')])]
        writer = [Lock('sem', 'w'), S(setv('wdone', K(True))), Unlock('sem', 'w')]
    else:
        reader = [While(lambda g, l, c: not g['wdone'], [
            Lock('lock'), S(inc('nr_readers')), Unlock('lock'),
            Lock('lock'), S(inc('nr_readers', -1)), Unlock('lock')])]
        writer = [For(None, None, None, [Lock('lock'), If(lambda g, l, c: g['nr_readers'] == 0, [Break()]),
                                         Unlock('lock')]),
                  S(setv('wdone', K(True))), Unlock('lock')]
    return Model('rw-starve', {'nr_readers': 0, 'wdone': False}, [reader, writer, reader, reader],
                 locks={'lock': 'spin', 'sem': 'rwsem'})


def ring4(variant=None):
    def phil(r):
        code = [S(setl('first', K(r))), S(setl('second', K((r + 1) % 4)))]
        if variant == 'ordered':
            code.append(If(lambda g, l, c: l['second'] < l['first'],
                           [S(setl('first', lambda g, l, c: l['second'])), S(setl('second', K(r)))]))
        return code + [Lock(lambda g, l, c: elem('locks', l['first'], 4)),
                       Lock(lambda g, l, c: elem('locks', l['second'], 4)), S(inc('done')),
                       Unlock(lambda g, l, c: elem('locks', l['second'], 4)),
                       Unlock(lambda g, l, c: elem('locks', l['first'], 4))]
    return Model('ring4', {'done': 0}, [phil(r) for r in range(4)],
                 locks={f'locks{i}': 'spin' for i in range(4)})


def ring3_backoff():
    def diner(r):
        own, nxt = f'm{r}', f'm{(r + 1) % 3}'
        return [DoWhile([Lock(own), S(setl('ok', lambda g, l, c: trylock(nxt))),
                         If(lambda g, l, c: not l['ok'], [Unlock(own)])], lambda g, l, c: not l['ok']),
                S(inc('eaten')), Unlock(nxt), Unlock(own)]
    return Model('ring3-backoff', {'eaten': 0}, [diner(r) for r in range(3)],
                 locks={f'm{i}': 'mutex' for i in range(3)})


def chain3_backoff():
    ab = [Lock('a'), Lock('b'), S(inc('n')), Unlock('b'), Unlock('a')]
    bc = [Lock('b'), Lock('c'), S(inc('n')), Unlock('c'), Unlock('b')]
    ca = [Label('retry'), Lock('c'), If(lambda g, l, c: not trylock('a'), [Unlock('c'), Goto('retry')]),
          S(inc('n')), Unlock('a'), Unlock('c')]
    return Model('chain3-backoff', {'n': 0}, [ab, bc, ca], locks={'a': 'mutex', 'b': 'mutex', 'c': 'mutex'})


def lost_update4():
    cpu = [S(setl('t', lambda g, l, c: g['cnt'])), S(setv('cnt', lambda g, l, c: l['t'] + 1)), S(inc('fin'))]
    return Model('lost-update4', {'cnt': 0, 'fin': 0}, [cpu] * 4,
                 invariants=[lambda g: not (g['fin'] == 4 and g['cnt'] != 4)])


def percpu_oops():
    def bump(g, l, c):
        g[elem('cnt', c, 2)] = l['t'] + 1
    counter = [S(setl('t', lambda g, l, c: g[elem('cnt', c, 2)])), S(bump)]
    summer = [S(setl('s', lambda g, l, c: g['cnt0'])), S(setl('s', lambda g, l, c: l['s'] + g['cnt1'])),
              Assert(lambda g, l, c: l['s'] <= 1)]
    return Model('percpu-oops', {'cnt0': 0, 'cnt1': 0}, [counter, summer, counter, counter])


def kref_helpers(variant=None):
    def inc_not_zero(g, l, c):
        if g['refs'] == 0:
            return False
        g['refs'] += 1
        return True
    if variant == 'plain-get':
        get_body = [S(inc('refs')), HReturn(K(True))]
    else:
        get_body = [HReturn(inc_not_zero)]
    put_body = [If(lambda g, l, c: not atomic_dec_and_test(g, 'refs'), [HReturn()]),
                Lock('table_lock'), S(setv('linked', K(False))), Unlock('table_lock'),
                Assert(lambda g, l, c: not g['freed']), S(setv('freed', K(True)))]

    def put(who):
        return Call(lambda g, l, c: {'who': who}, put_body)

    def got(g, l, c, v):
        l['got'] = v
    lookup = [Lock('table_lock'), S(setl('got', K(False))),
              If(lambda g, l, c: g['linked'], [Call(None, get_body, got)]), Unlock('table_lock'),
              If(lambda g, l, c: l['got'], [Assert(lambda g, l, c: not g['freed']), put(1)])]
    owner = [put(0)]
    return Model('kref-helpers', {'refs': 1, 'linked': True, 'freed': False}, [lookup, owner, lookup],
                 locks={'table_lock': 'spin'}, invariants=[lambda g: not (g['freed'] and g['linked'])])


def sleep_atomic():
    a = [Lock('lock'), Lock('m'), S(setv('x', K(1))), Unlock('m'), Unlock('lock')]
    b = [S(lambda g, l, c: irq_save()), S(lambda g, l, c: irq_save()), S(setv('x', K(2))),
         S(lambda g, l, c: irq_restore())]
    return Model('sleep-atomic', {'x': 0}, [a, b], locks={'lock': 'spin', 'm': 'mutex'})


def aba_stack(variant=None):
    TAG = 4 if variant == 'tagged' else 0

    def cas_fails(new):
        def f(g, l, c):
            return cmpxchg(g, 'top', l['old'], new(l)) != l['old']
        return f
    pop = [DoWhile([S(setl('old', lambda g, l, c: g['top'])), S(setl('node', lambda g, l, c: l['old'] & 3)),
                    If(lambda g, l, c: l['node'] == 0, [HReturn(K(0))]),
                    S(setl('nx', lambda g, l, c: g[elem('next', l['node'], 3)]))],
                   cas_fails(lambda l: l['nx'] + ((l['old'] >> 2) + 1) * TAG)),
           HReturn(lambda g, l, c: l['node'])]

    def link(g, l, c):
        g[elem('next', l['n'], 3)] = l['old'] & 3
    push = [DoWhile([S(setl('old', lambda g, l, c: g['top'])), S(link)],
                    cas_fails(lambda l: l['n'] + ((l['old'] >> 2) + 1) * TAG))]

    def into(var):
        def d(g, l, c, v):
            l[var] = v
        return d

    def own(var, v):
        def s(g, l, c):
            g[elem('owned', l[var], 3)] = v
        return s
    popper = [Await(lambda g, l, c: g['ready'] == 1), Call(None, pop, into('p')),
              If(lambda g, l, c: l['p'] != 0, [S(own('p', 1))])]
    owner = [S(setv('next1', K(2))), S(setv('top', K(1))), S(setv('ready', K(1))),
             Call(None, pop, into('a')), S(own('a', 1)), Call(None, pop, into('b')), S(own('b', 1)),
             S(own('a', 0)), Call(lambda g, l, c: {'n': l['a']}, push)]
    shared = {'top': 0, 'ready': 0, **{f'next{i}': 0 for i in range(3)}, **{f'owned{i}': 0 for i in range(3)}}
    return Model('aba-stack', shared, [popper, owner],
                 invariants=[lambda g: g['owned%d' % (g['top'] & 3)] == 0 or (g['top'] & 3) == 0])


def seqcount_writers(variant=None):
    ser = variant == 'serialised'
    w = ([Lock('wlock')] if ser else []) + [S(inc('seq')), S(inc('a')), S(inc('b')), S(inc('seq'))] + \
        ([Unlock('wlock')] if ser else [])
    # s = read_seqcount_begin(&seq): waits while the count is odd, then reads it, one step
    r = [DoWhile([AtomicAwait(lambda g, l, c: g['seq'] % 2 == 0, setl('s', lambda g, l, c: g['seq'])),
                  S(setl('x', lambda g, l, c: g['a'])), S(setl('y', lambda g, l, c: g['b']))],
                 lambda g, l, c: g['seq'] != l['s']),
         Assert(lambda g, l, c: l['x'] == l['y'])]
    return Model('seqcount-writers', {'seq': 0, 'a': 0, 'b': 0}, [w, r, w], locks={'wlock': 'spin'})


def bitlock(variant=None):
    def tas(g, l, c):
        old = g['word'] & 1
        g['word'] |= 1
        return old != 0
    if variant == 'broken':
        take = [While(lambda g, l, c: g['word'] & 1, []), S(setv('word', lambda g, l, c: g['word'] | 1))]
    else:
        take = [While(tas, [S(lambda g, l, c: None)])]   # cpu_relax(): a statement, no memory
    cpu = take + [S(inc('in_cs')), S(inc('in_cs', -1)), S(setv('word', lambda g, l, c: g['word'] & ~1))]
    return Model('bitlock', {'word': 0, 'in_cs': 0}, [cpu] * 3, invariants=MUTEX)


def add_unless(variant=None):
    def add_unless_(g, l, c):
        if g['users'] == 2:
            return False
        g['users'] += 1
        return True
    if variant == 'racy':
        take = [S(setl('got', lambda g, l, c: g['users'] < 2)), If(lambda g, l, c: l['got'], [S(inc('users'))])]
    else:
        take = [S(setl('got', add_unless_))]
    cpu = take + [If(lambda g, l, c: l['got'], [S(inc('users', -1))])]
    return Model('add-unless', {'users': 0}, [cpu] * 3, invariants=[lambda g: g['users'] <= 2])


def put_racy(variant=None):
    if variant == 'split':
        last = [S(inc('refs', -1)), S(setl('last', lambda g, l, c: g['refs'] == 0))]
    else:
        last = [S(setl('last', lambda g, l, c: atomic_dec_and_test(g, 'refs')))]
    put = last + [If(lambda g, l, c: l['last'], [BugOn(lambda g, l, c: g['frees'] != 0), S(inc('frees'))])]
    cpu = [Call(None, put)]
    return Model('put-racy', {'refs': 3, 'frees': 0}, [cpu] * 3)


def bug_held():
    a = [Lock('m'), BugOn(lambda g, l, c: g['x'] == 1), Unlock('m')]
    b = [S(setv('x', K(1)))]
    w = [Lock('m'), Unlock('m')]
    return Model('bug-held', {'x': 0}, [a, b, w], locks={'m': 'mutex'})


def barrier_reuse(variant=None):
    sense = variant == 'sense'

    def arrive(g, l, c):
        g['arrived'] += 1
        return g['arrived'] == 3
    last = [S(setv('arrived', K(0)))] + ([S(setv('gen', lambda g, l, c: l['i'] + 1))] if sense else [])
    wait = [Await(lambda g, l, c: g['gen'] > l['i'])] if sense else [Await(lambda g, l, c: g['arrived'] == 0)]
    cpu = [For(setl('i', K(0)), lambda g, l, c: l['i'] < 2, setl('i', lambda g, l, c: l['i'] + 1),
               [If(arrive, last, wait)])]
    return Model('barrier-reuse', {'arrived': 0, 'gen': 0}, [cpu] * 3)


def cmpxchg_owner():
    def release(g, l, c):
        prev = g['owner']
        g['owner'] = -1
        return prev == l['me']
    cpu = [S(setl('me', lambda g, l, c: c)),
           DoWhile([S(setl('prev', lambda g, l, c: cmpxchg(g, 'owner', -1, l['me'])))],
                   lambda g, l, c: l['prev'] != -1),
           S(inc('in_cs')), S(inc('in_cs', -1)), Assert(release)]
    return Model('cmpxchg-owner', {'owner': -1, 'in_cs': 0}, [cpu] * 3, invariants=MUTEX)


def lost_update_check():
    inc_ = [S(setl('t', lambda g, l, c: g['cnt'])), S(setv('cnt', lambda g, l, c: l['t'] + 1)), S(inc('fin'))]
    check = [Await(lambda g, l, c: g['fin'] == 3), Assert(lambda g, l, c: g['cnt'] == 3)]
    return Model('lost-update-check', {'cnt': 0, 'fin': 0}, [inc_, check, inc_, inc_])


def double_lock(variant=None):
    ordered = variant != 'unordered'
    swap = [If(lambda g, l, c: l['a'] > l['b'], [S(setl('t', lambda g, l, c: l['a'])),
                                                 S(setl('a', lambda g, l, c: l['b'])),
                                                 S(setl('b', lambda g, l, c: l['t']))])] if ordered else []
    rq = lambda v: (lambda g, l, c: elem('rq', l[v], 3))
    dl = swap + [Lock(rq('a')), Lock(rq('b'))]
    du = [Unlock(rq('a')), Unlock(rq('b'))]

    def cpu(r):
        args = lambda g, l, c: {'a': r, 'b': (r + 1) % 3}
        return [Call(args, dl), S(inc('moved')), Call(args, du)]
    return Model('double-lock', {'moved': 0}, [cpu(r) for r in range(3)], locks={f'rq{i}': 'spin' for i in range(3)})


def sym_irq():
    hnd = [Lock('l'), S(setv('x', K(5))), Unlock('l')]
    w = [Lock('l'), S(inc('x')), Unlock('l')]
    dev = [S(lambda g, l, c: raise_irq('dev'))]
    return Model('sym-irq', {'x': 0}, [w, dev, w], locks={'l': 'spin'}, irqs={'dev': (2, hnd)})


def progress(variant=None):
    tick = [Label('progress_tick')] if variant != 'nolabel' else []
    ticker = [For(None, None, None, tick + [S(setv('ticks', K(1))), S(setv('ticks', K(0)))])]
    spinner = [While(lambda g, l, c: g['flag'] == 0, [])]
    return Model('progress', {'ticks': 0, 'flag': 0}, [ticker, spinner])


def irq_await(variant=None):
    off = variant == 'irqs-off'
    w = ([S(lambda g, l, c: irq_set(False))] if off else []) + \
        [Await(lambda g, l, c: g['flag'] == 1), S(setv('x', K(1)))] + \
        ([S(lambda g, l, c: irq_set(True))] if off else [])
    dev = [S(lambda g, l, c: raise_irq('dev'))]
    return Model('irq-await', {'flag': 0, 'x': 0}, [w, dev], irqs={'dev': (0, [S(setv('flag', K(1)))])})


def bug_irq():
    b = [BugOn(lambda g, l, c: g['x'] == 0), Await(lambda g, l, c: g['flag'] == 1)]
    dev = [S(lambda g, l, c: raise_irq('dev')), Await(lambda g, l, c: g['y'] == 1), S(setv('flag', K(1)))]
    return Model('bug-irq', {'x': 0, 'y': 0, 'flag': 0}, [b, dev], irqs={'dev': (0, [S(setv('y', K(1)))])})


def misc_prims():
    def preempt_disable(g, l, c):
        CUR.me['preempt'] += 1
    trier = [DoWhile([S(inc('tries')), If(lambda g, l, c: not trylock('l'), [Continue()]),
                      S(setv('x', K(1))), S(setv('x', K(0))), Unlock('l')],
                     lambda g, l, c: g['tries'] < 2)]
    # lockdep_assert_held: include/linux/lockdep.h lockdep_assert(c) = WARN_ON(debug_locks && !(c))
    checker = [WarnOn(lambda g, l, c: CUR.locks['l'] != c), S(preempt_disable),
               S(setv('x', K(2))), S(setv('x', K(0)))]
    holder = [Lock('l'), Unlock('l')]
    return Model('misc-prims', {'x': 0, 'tries': 0}, [trier, checker, holder], locks={'l': 'spin'},
                 invariants=[lambda g: g['x'] == 0 or is_locked('l')])


def rwsem_groups(variant=None):
    reader = [Lock('sem', 'r'), S(inc('readers')), Assert(lambda g, l, c: g['writers'] == 0),
              S(inc('readers', -1)), Unlock('sem', 'r')]
    take = [S(lambda g, l, c: trylock('sem', 'w'))] if variant == 'ignore-trylock' else [Lock('sem', 'w')]
    writer = take + [S(inc('writers')), Assert(lambda g, l, c: g['readers'] == 0 and g['writers'] == 1),
                     S(inc('writers', -1)), Unlock('sem', 'w')]
    # CPU0 and CPU1 are declared; their copies are CPU2 (a reader) and CPU3 (a writer)
    return Model('rwsem-groups', {'readers': 0, 'writers': 0}, [reader, writer, reader, writer],
                 locks={'sem': 'rwsem'})


def irq_fair(variant=None):
    def again(g, l, c):
        raise_irq('dev')
    hnd = [S(inc('n')), If(lambda g, l, c: g['n'] < 2, [S(again)], [S(setv('flag', K(1)))])]
    if variant == 'irqs-off':
        raiser = [Lock('l', flavor='irqsave'), S(again), Await(lambda g, l, c: g['flag'] == 1),
                  Unlock('l', flavor='irqsave')]
    else:
        raiser = [Lock('l', flavor='irqsave'), Lock('l2', flavor='irqsave'), S(again),
                  Unlock('l2', flavor='irqsave'), Unlock('l', flavor='irqsave')]
    spinner = [While(lambda g, l, c: g['flag'] == 0, [])]
    return Model('irq-fair', {'n': 0, 'flag': 0}, [raiser, spinner], locks={'l': 'spin', 'l2': 'spin'},
                 irqs={'dev': (0, hnd)})


def irq_twice():
    dev = [S(lambda g, l, c: raise_irq('dev')), S(lambda g, l, c: raise_irq('dev'))]
    return Model('irq-twice', {'n': 0}, [[Await(lambda g, l, c: g['n'] == 2)], dev],
                 irqs={'dev': (0, [S(inc('n'))])})


def consumers(variant=None):
    if variant == 'check-outside':
        take = [S(inc('items', -1))]
    else:
        take = [If(lambda g, l, c: g['items'] > 0, [S(inc('items', -1))])]
    consumer = [Await(lambda g, l, c: g['items'] > 0), Lock('m')] + take + [Unlock('m')]
    producer = [For(setl('i', K(0)), lambda g, l, c: l['i'] < 2, setl('i', lambda g, l, c: l['i'] + 1),
                    [Lock('m'), S(inc('items')), Unlock('m')])]
    return Model('consumers', {'items': 0}, [consumer, producer, consumer, consumer], locks={'m': 'mutex'},
                 invariants=[lambda g: g['items'] >= 0])


def local_loop():
    spin = [S(setl('i', K(0))), For(None, None, None, [S(setl('i', lambda g, l, c: (l['i'] + 1) % 3))])]
    worker = [S(setv('x', K(1))), S(setv('x', K(2)))]
    return Model('local-loop', {'x': 0}, [spin, worker])


def wakeup_helpers(variant=None):
    def state(v):
        def s(g, l, c):
            g[elem('task_state', c, 3)] = v
        return s
    done = lambda g, l, c: g['done']
    if variant == 'test-first':
        body = [If(done, [Break()]), S(state(2))]
    else:
        body = [S(state(2)), If(done, [Break()])]
    schedule_out = [Await(lambda g, l, c: g[elem('task_state', c, 3)] == 0)]
    waiter = [For(None, None, None, body + [Call(None, schedule_out)]), S(state(0))]

    def wake(t):
        return Call(lambda g, l, c: {'t': t}, [
            If(lambda g, l, c: g[elem('task_state', l['t'], 3)] != 0,
               [S(lambda g, l, c: g.__setitem__(elem('task_state', l['t'], 3), 0))])])
    waker = [S(setv('done', K(1))), wake(0), wake(2)]
    return Model('wakeup-helpers', {'done': 0, **{f'task_state{i}': 0 for i in range(3)}},
                 [waiter, waker, waiter])


def warn_loop():
    retry = [While(lambda g, l, c: g['flag'] == 0, [WarnOn(lambda g, l, c: g['y'] == 1)])]
    return Model('warn-loop', {'flag': 0, 'y': 0}, [retry, [S(setv('y', K(1)))]],
                 invariants=[lambda g: g['y'] == 0])


SCENARIOS = {
    'aa-self': aa_self, 'abc-mutex': abc_mutex, 'cas-lock': cas_lock, 'tas-broken': tas_broken,
    'atomic-guard': atomic_guard, 'await-lock-mix': await_lock_mix,
    'early-return': early_return, 'polite': polite, 'forgotten-flag': forgotten_flag,
    'lost-update': lost_update, 'mp-broken': mp_broken, 'mp-await': mp_await,
    'peterson': peterson, 'peterson-broken': peterson_broken, 'dekker-naive': dekker_naive,
    'ticket-lock': ticket_lock, 'ticket-racy': ticket_racy, 'abba3': abba3,
    'lost-wakeup': lost_wakeup, 'seqcount': lambda: seqcount(False),
    'seqcount-broken': lambda: seqcount(True), 'refcount-plain-get': refcount_plain_get,
    'slots': slots, 'mutex-trylock': mutex_trylock,
    'irq-lock': irq_lock, 'irq-counter': irq_counter, 'abba-irq': abba_irq, 'irq-spin': irq_spin,
    'rwsem-recursive': rwsem_recursive, 'rwsem-excl': rwsem_excl, 'rw-starve': rw_starve,
    'ring4': ring4, 'ring3-backoff': ring3_backoff, 'chain3-backoff': chain3_backoff,
    'lost-update4': lost_update4, 'percpu-oops': percpu_oops, 'kref-helpers': kref_helpers,
    'sleep-atomic': sleep_atomic, 'aba-stack': aba_stack, 'seqcount-writers': seqcount_writers,
    'bitlock': bitlock, 'add-unless': add_unless, 'put-racy': put_racy, 'bug-held': bug_held,
    'barrier-reuse': barrier_reuse, 'cmpxchg-owner': cmpxchg_owner,
    'lost-update-check': lost_update_check, 'double-lock': double_lock,
    'sym-irq': sym_irq, 'progress': progress, 'irq-await': irq_await, 'bug-irq': bug_irq,
    'misc-prims': misc_prims, 'rwsem-groups': rwsem_groups, 'irq-fair': irq_fair,
    'irq-twice': irq_twice, 'consumers': consumers, 'local-loop': local_loop,
    'wakeup-helpers': wakeup_helpers, 'warn-loop': warn_loop,
}
# the variants of the scenarios above (NAME:VARIANT), as the .race files name them
VARIANTS = {
    'irq-lock': ['irqsave'], 'irq-counter': ['irqoff'], 'irq-spin': ['irq-off'], 'rwsem-excl': ['broken'],
    'rw-starve': ['rwsem'], 'ring4': ['ordered'], 'kref-helpers': ['plain-get'], 'aba-stack': ['tagged'],
    'seqcount-writers': ['serialised'], 'bitlock': ['broken'], 'add-unless': ['racy'], 'put-racy': ['split'],
    'barrier-reuse': ['sense'], 'double-lock': ['unordered'], 'progress': ['nolabel'],
    'irq-await': ['irqs-off'], 'rwsem-groups': ['ignore-trylock'], 'irq-fair': ['irqs-off'],
    'consumers': ['check-outside'], 'wakeup-helpers': ['test-first'],
}


# ---- the third set: the memory-management core (mm-*.race) ----------------------

VA = 0x7f000000
P = 0x200
VA2 = 0x7f001000
ONE = K((VA, 1))        # flush_tlb_mm_range(VA): the page at VA
ALL = K(None)           # flush_tlb_mm_range(): the whole mm


def do(fn):
    """A statement calling fn(g, l, c) for its effect."""
    return S(lambda g, l, c: (fn(g, l, c), None)[1])


def mm_zap_free(variant=None):
    flush_first, off = variant != 'no-flush', variant == 'irqs-off'
    user = ([do(lambda g, l, c: irq_set(False))] if off else []) + \
        [S(setl('r', lambda g, l, c: access(VA))), S(setl('r', lambda g, l, c: access(VA)))] + \
        ([do(lambda g, l, c: irq_set(True))] if off else [])
    zap = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA)))] + ([Flush(ONE)] if flush_first else []) + \
        [do(lambda g, l, c: put_page(pte_page(l['pte'])))]
    return Model('mm-zap-free', {}, [user, zap], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


def mm_refs(variant=None):
    page = lambda g, l, c: l['page']
    if variant == 'plain-get':
        get = [do(lambda g, l, c: get_page(l['page']))]
    else:
        get = [If(lambda g, l, c: not folio_try_get(l['page']), [Return()])]
    lookup = [S(setl('pte', lambda g, l, c: ptep_get(VA))), If(lambda g, l, c: not pte_present(l['pte']), [Return()]),
              S(setl('page', lambda g, l, c: pte_page(l['pte'])))] + get + \
             [S(setl('n', lambda g, l, c: page_count(l['page']))), do(lambda g, l, c: put_page(page(g, l, c)))]
    put = do(lambda g, l, c: put_page(pte_page(l['pte'])))
    owner = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), put] + ([put] if variant == 'double-put' else []) + \
            [S(setl('q', lambda g, l, c: alloc_page(P))), If(lambda g, l, c: l['q'], [do(lambda g, l, c: put_page(l['q']))])]
    return Model('mm-refs', {}, [lookup, owner], mm=MMSetup(ram=(P, 2), maps=[(VA, P, True)]))


def mm_table_free(variant=None):
    walker = [do(lambda g, l, c: rcu_read_lock()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
              If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('out')]),
              S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
              Label('out'), do(lambda g, l, c: rcu_read_unlock())]
    if variant == 'defer':
        free = [do(lambda g, l, c: pte_free_defer(pmd_pgtable(l['pmd'])))]
    else:
        free = ([SyncRcu()] if variant == 'sync' else []) + [do(lambda g, l, c: pte_free(pmd_pgtable(l['pmd'])))]
    unmap = [Lock('mmap_lock', 'w'), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
             do(lambda g, l, c: pmd_clear(VA))] + free + [Unlock('mmap_lock', 'w')]
    return Model('mm-table-free', {}, [walker, unmap], locks={'mmap_lock': 'rwsem'},
                 mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}, walk_cache=True))


def mm_pwc(variant=None):
    # a load at VA2 fills the walk cache without a fault (x86's fault would drop it again)
    user = [S(setl('r', lambda g, l, c: access(VA2))), S(setl('r', lambda g, l, c: access(VA)))]
    free = [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), do(lambda g, l, c: pmd_clear(VA))] + \
        ([Flush(ONE)] if variant != 'no-flush' else []) + [do(lambda g, l, c: pte_free(pmd_pgtable(l['pmd'])))]
    return Model('mm-pwc', {}, [user, free], mm=MMSetup(arch='arm64' if variant == 'arm64' else 'x86',
                                                         ram=(P, 1), maps=[(VA2, P, True)], mask={0, 1}, walk_cache=True))


def mm_ipi_lock(variant=None):
    if variant == 'flushers':
        both = [do(lambda g, l, c: irq_set(False)), Flush(ALL), do(lambda g, l, c: irq_set(True))]
        cpus = [both, both]
    else:
        fl = None if variant == 'plain' else 'irq'
        spinner = [Lock('l', flavor=fl), S(setv('x', K(1))), Unlock('l', flavor=fl)]
        flusher = [Lock('l'), S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), Flush(ONE), Unlock('l')]
        cpus = [spinner, flusher]
    return Model('mm-ipi-lock', {'x': 0}, cpus, locks={'l': 'spin'},
                 mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


def mm_sync_rcu(variant=None):
    in_lock = variant == 'in-lock'
    reader = [do(lambda g, l, c: rcu_read_lock()), S(setl('r', lambda g, l, c: g['ptr'])),
              If(lambda g, l, c: l['r'], [Assert(lambda g, l, c: not g['freed'])]), do(lambda g, l, c: rcu_read_unlock())]
    updater = ([Lock('l')] if in_lock else []) + [S(setv('ptr', K(0)))] + \
        ([SyncRcu()] if variant != 'nosync' else []) + [S(setv('freed', K(True)))] + ([Unlock('l')] if in_lock else [])
    return Model('mm-sync-rcu', {'ptr': 1, 'freed': False}, [reader, updater], locks={'l': 'spin'}, mm=MMSetup())


def mm_syscall_exit(variant=None):
    user = [S(setl('r', lambda g, l, c: access(VA)))]
    madv = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA)))] + ([Flush(ONE)] if variant != 'no-flush' else []) + \
        [do(lambda g, l, c: put_page(pte_page(l['pte']))), do(lambda g, l, c: syscall_exit(VA, 1))]
    return Model('mm-syscall-exit', {}, [user, madv], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


def mm_lazy(variant=None):
    catch = variant != 'no-catch-up'
    lazy = [do(lambda g, l, c: switch_mm_irqs_off(catch)), S(setl('r', lambda g, l, c: access(VA)))]
    zap = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), Flush(ONE), do(lambda g, l, c: put_page(pte_page(l['pte'])))]
    user = [do(lambda g, l, c: irq_set(False)), S(setl('r', lambda g, l, c: access(VA))), do(lambda g, l, c: irq_set(True))]
    return Model('mm-lazy', {}, [lazy, zap, user], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1, 2},
                                                        tlbs=[(0, VA)], lazy={0}))


def mm_refill():
    user = [S(setl('r', lambda g, l, c: access(VA)))]
    zap = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), Flush(ONE)]
    fault = [Await(lambda g, l, c: not pte_present(ptep_get(VA))),
             do(lambda g, l, c: set_pte_at(VA, mk_pte(page_obj(P), True)))]
    return Model('mm-refill', {}, [user, zap, fault], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1, 2}))


def mm_irq_ipi(variant=None):
    lock = variant == 'lock'
    hnd = ([Lock('l')] if lock else []) + [S(setv('y', K(1)))] + ([Unlock('l')] if lock else [])
    user = [do(lambda g, l, c: irq_set(False)), S(setl('r', lambda g, l, c: access(VA))), do(lambda g, l, c: irq_set(True))]
    flusher = ([Lock('l')] if lock else []) + [do(lambda g, l, c: raise_irq('dev')), Flush(ONE)] + \
        ([Unlock('l')] if lock else [Assert(lambda g, l, c: g['y'] == 1)])
    return Model('mm-irq-ipi', {'y': 0}, [user, flusher], locks={'l': 'spin'}, irqs={'dev': (0, hnd)},
                 mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


def mm_gather(variant=None):
    flush, table_free = {'broadcast-rcu': ('broadcast', 'rcu'), 'broadcast-no-rcu': ('broadcast', 'ipi'),
                         'free-at-once': ('ipi', 'none')}.get(variant, ('ipi', 'ipi'))
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
           If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('out')]),
           S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
           If(lambda g, l, c: not pte_present(l['pte']), [Goto('out')]),
           S(setl('page', lambda g, l, c: pte_page(l['pte']))),
           If(lambda g, l, c: try_grab_page(l['page']), [do(lambda g, l, c: put_page(l['page']))]),
           Label('out'), do(lambda g, l, c: irq_restore())]

    def zap(g, l, c):       # atomic { ... } under the PTL: one step
        l['pte'] = ptep_get_and_clear(VA)
        tlb_remove_tlb_entry(VA)
        page_remove_rmap(pte_page(l['pte']))
        tlb_remove_page(pte_page(l['pte']))

    def ptl(g, l, c):
        l['ptl'] = pte_offset_map_lock(l['pmd'], VA)
        return l['ptl']
    if variant == 'free-first':
        finish = [do(lambda g, l, c: tlb_flush_mmu_free()), GatherFlush('tlbonly'), do(lambda g, l, c: dec_tlb_flush_pending())]
    else:
        finish = [GatherFlush('finish')]
    munmap = [Lock('mmap_lock', 'w'), do(lambda g, l, c: tlb_gather_mmu()),
              S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), Lock(ptl), S(zap), Unlock(lambda g, l, c: l['ptl']),
              do(lambda g, l, c: free_pte_range(VA))] + finish + [Unlock('mmap_lock', 'w')]
    return Model('mm-gather', {}, [gup, munmap], locks={'mmap_lock': 'rwsem', 'ptl1': 'spin'},
                 mm=MMSetup(flush=flush, table_free=table_free, ram=(P, 1), maps=[(VA, P, True)], mask={0, 1},
                            tlbs=[(0, VA)], walk_cache=True))


def mm_gup_reuse(variant=None):
    recheck = [If(lambda g, l, c: pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], VA)),
                  [do(lambda g, l, c: put_page(l['page']))])] if variant == 'recheck' else []
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
           S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
           If(lambda g, l, c: not pte_present(l['pte']), [Goto('out')]),
           S(setl('page', lambda g, l, c: pte_page(l['pte']))),
           If(lambda g, l, c: not try_grab_page(l['page']), [Goto('out')])] + recheck + \
          [Label('out'), do(lambda g, l, c: irq_restore())]
    unmap = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), do(lambda g, l, c: put_page(pte_page(l['pte'])))]
    alloc = [S(setl('q', lambda g, l, c: alloc_page(P)))]
    return Model('mm-gup-reuse', {}, [gup, unmap, alloc], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)]))


def mm_nested(variant=None):
    if variant == 'no-nested':
        finish = [GatherFlush('free'), do(lambda g, l, c: dec_tlb_flush_pending())]
    else:
        finish = [GatherFlush('finish')]
    body = [do(lambda g, l, c: tlb_gather_mmu()), S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))),
            If(lambda g, l, c: pte_present(l['pte']), [do(lambda g, l, c: tlb_remove_tlb_entry(VA)),
                                                       do(lambda g, l, c: tlb_remove_page(pte_page(l['pte'])))])] + \
        finish + [do(lambda g, l, c: syscall_exit(VA, 1))]
    zapper = [Call(None, body)]
    user = [S(setl('r', lambda g, l, c: access(VA)))]
    return Model('mm-nested', {}, [zapper, zapper, user],
                 mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1, 2}, tlbs=[(2, VA)]))


def mm_gather_range(variant=None):
    VB = VA + REGION
    idle = [S(setl('x', K(1)))]
    unmap = [do(lambda g, l, c: tlb_gather_mmu()), do(lambda g, l, c: free_pte_range(VA))] + \
        ([do(lambda g, l, c: tlb_adjust_range(VB, 1))] if variant == 'wide' else []) + \
        ([do(lambda g, l, c: tlb_reset_range())] if variant == 'reset' else []) + \
        [GatherFlush('finish'), S(setl('a', lambda g, l, c: tlb_has(CUR.mm, 0, VA))),
         S(setl('b', lambda g, l, c: tlb_has(CUR.mm, 0, VB))),
         Assert(lambda g, l, c: not l['a']), Assert(lambda g, l, c: l['b'])]
    return Model('mm-gather-range', {}, [idle, unmap],
                 mm=MMSetup(ram=(P, 2), maps=[(VA, P, True), (VB, P + 1, True)], mask={0, 1},
                            tlbs=[(0, VA), (0, VB)], walk_cache=True))


def mm_sync_one(variant=None):
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
           If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('out')]),
           S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))), Label('out'), do(lambda g, l, c: irq_restore())]
    collapse = [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), do(lambda g, l, c: pmd_clear(VA)), Flush(ONE)] + \
        ([SyncOne()] if variant != 'no-sync' else []) + [do(lambda g, l, c: pte_free(pmd_pgtable(l['pmd'])))]
    return Model('mm-sync-one', {}, [gup, collapse],
                 mm=MMSetup(flush='broadcast', table_free='ipi' if variant == 'stub' else 'rcu', ram=(P, 1),
                            maps=[(VA, P, True)], mask={0, 1}, walk_cache=True))


def mm_wrprotect(variant=None):
    user = [S(setl('r', lambda g, l, c: access(VA)))]
    if variant == 'unmap':
        fork = [ClearFlush(VA, 'old'), If(lambda g, l, c: pte_present(l['old']), [do(lambda g, l, c: put_page(pte_page(l['old'])))])]
    else:
        fork = [do(lambda g, l, c: ptep_set_wrprotect(VA))] + ([Flush(ONE)] if variant != 'no-flush' else [])
    fork.append(do(lambda g, l, c: syscall_exit(VA, 1)))
    return Model('mm-wrprotect', {}, [user, fork], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


def pmd_none(pmd):
    return pmd[1] is None


def mm_pmd_install(variant=None):
    locked = variant != 'unlocked'
    body = [S(setl('t', lambda g, l, c: pte_alloc_one()))] + ([Lock('pmd_lock')] if locked else []) + [
        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(l['va']))),
        If(lambda g, l, c: pmd_none(l['pmd']), [do(lambda g, l, c: pmd_populate(l['va'], l['t']))],
           [do(lambda g, l, c: pte_free(l['t'])), S(setl('t', lambda g, l, c: pmd_pgtable(l['pmd'])))])] + \
        ([Unlock('pmd_lock')] if locked else []) + [
        S(setl('q', lambda g, l, c: alloc_page())),
        do(lambda g, l, c: set_pte_at(l['va'], mk_pte(l['q'], True), l['t'])),
        S(setl('r', lambda g, l, c: access(l['va']))), Assert(lambda g, l, c: l['r'])]
    cpus = [[Call(lambda g, l, c, va=va: {'va': va}, body)] for va in (VA, VA + PAGE)]
    return Model('mm-pmd-install', {}, cpus, locks={'pmd_lock': 'spin'},
                 mm=MMSetup(ram=(P, 2), mask={0, 1}, walk_cache=True))


def mm_lazy_walk(variant=None):
    ft = variant != 'no-freed-tables'
    munmap = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
              do(lambda g, l, c: pmd_clear(VA)), Flush(ONE, freed_tables=ft),
              do(lambda g, l, c: pte_free(pmd_pgtable(l['pmd']))), do(lambda g, l, c: put_page(pte_page(l['pte'])))]
    kthread = [S(setl('r', lambda g, l, c: speculative_walk(VA))), S(setl('r', lambda g, l, c: speculative_walk(VA)))]
    return Model('mm-lazy-walk', {}, [munmap, kthread],
                 mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}, lazy={1}, walk_cache=True))


def mm_retry(variant=None):
    retry = [For(None, None, None, [S(setl('r', lambda g, l, c: access(VA))), If(lambda g, l, c: l['r'], [Break()])])]
    zap = S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA)))
    head = [Label('progress_churn'), zap] if variant != 'nolabel' else [zap]
    churn = [For(None, None, None, head + [Flush(ONE), do(lambda g, l, c: set_pte_at(VA, l['pte']))])]
    return Model('mm-retry', {}, [retry, churn], mm=MMSetup(ram=(P, 1), maps=[(VA, P, True)], mask={0, 1}))


# ---- the built-in scenarios and worked examples over huge PMDs, move_ptes, PROT_NONE -----
# Hand-translated from scenarios/*.race and scenarios/examples/*.race (the test finds them
# there): params become Python conditions, folded as the compiler folds them.

def LockAs(var, fn, mode='x', flavor=None):
    """var = pmd_lock(pmd) / pte_offset_map_lock(pmd, va): the lock taken, its name kept in var."""
    def name(g, l, c):
        l[var] = fn(g, l, c)
        return l[var]
    return Lock(name, mode, flavor)


def lk(var):
    return lambda g, l, c: l[var]


def zap_one(va):
    """zap_pte_range of one present PTE, under the PTL: one atomic { } step."""
    def s(g, l, c):
        l['pte'] = ptep_get_and_clear(va)
        tlb_remove_tlb_entry(va)
        page_remove_rmap(pte_page(l['pte']))
        tlb_remove_page(pte_page(l['pte']))
    return S(s)


def mremap_move(variant=None):
    flush = {'dirty': 'after_new_ptl', 'fixed': 'before_new_ptl'}.get(variant, 'after_ptls')
    OLD, NEW = 0x7f000000, 0x7f400000
    fl = lambda at: [Flush(K((OLD, 1)))] if flush == at else []
    mremap = [Lock('mmap_lock', 'w'), S(setl('opmd', lambda g, l, c: pmdp_get_lockless(OLD))),
              S(setl('npmd', lambda g, l, c: pmdp_get_lockless(NEW))),
              LockAs('old_ptl', lambda g, l, c: pte_offset_map_lock(l['opmd'], OLD)),
              S(setl('new_ptl', lambda g, l, c: pte_lockptr(l['npmd']))), Lock(lk('new_ptl')),
              do(lambda g, l, c: move_pte(OLD, NEW))] + fl('before_new_ptl') + [Unlock(lk('new_ptl'))] + \
        fl('after_new_ptl') + [Unlock(lk('old_ptl'))] + fl('after_ptls') + [Unlock('mmap_lock', 'w')]

    def zap(g, l, c):
        l['pte'] = ptep_get_and_clear(NEW)
        if pte_present(l['pte']):
            tlb_remove_tlb_entry(NEW)
            page_remove_rmap(pte_page(l['pte']))
            tlb_remove_page(pte_page(l['pte']))
    truncate = [Lock('i_mmap_rwsem', 'r'), do(lambda g, l, c: tlb_gather_mmu()),
                S(setl('pmd', lambda g, l, c: pmdp_get_lockless(NEW))),
                LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], NEW)), S(zap), Unlock(lk('ptl')),
                GatherFlush('finish'), Unlock('i_mmap_rwsem', 'r')]
    thread = [S(setl('r', lambda g, l, c: access(OLD)))]
    return Model('mremap-move', {}, [mremap, truncate, thread],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', 'ptl1': 'spin', 'ptl2': 'spin'},
                 mm=MMSetup(ram=(P, 1), maps=[(OLD, P, True)], pte_tables=[NEW], mask={0, 2}, tlbs=[(2, OLD)]))


def khugepaged_collapse(variant=None):
    o = {'path': 'anon', 'flush': 'ipi', 'pmd_recheck': False, 'sync_ipi': False, 'retract': 'v5_17',
         'later_zap': False, 'lazy_pwc': False, 'freed_tables': False}
    o.update({
        'broadcast': {'flush': 'broadcast'},
        'broadcast-recheck': {'flush': 'broadcast', 'pmd_recheck': True},
        'broadcast-sync': {'flush': 'broadcast', 'sync_ipi': True},
        'file': {'path': 'file'},
        'file-broadcast': {'path': 'file', 'flush': 'broadcast'},
        'file-broadcast-recheck': {'path': 'file', 'flush': 'broadcast', 'pmd_recheck': True},
        'file-broadcast-sync': {'path': 'file', 'flush': 'broadcast', 'sync_ipi': True},
        'file-v6_6': {'path': 'file', 'flush': 'broadcast', 'retract': 'v6_6'},
        'file-v6_6-free-now': {'path': 'file', 'flush': 'broadcast', 'retract': 'v6_6_free_now'},
        'file-v6_6-free-now-ipi': {'path': 'file', 'retract': 'v6_6_free_now'},
        'anon-zap': {'flush': 'broadcast', 'pmd_recheck': True, 'later_zap': True},
        'anon-zap-sync': {'flush': 'broadcast', 'pmd_recheck': True, 'later_zap': True, 'sync_ipi': True},
        'anon-zap-ipi': {'pmd_recheck': True, 'later_zap': True},
        'lazy-pwc': {'path': 'file', 'lazy_pwc': True},
        'lazy-pwc-fixed': {'path': 'file', 'lazy_pwc': True, 'freed_tables': True},
    }.get(variant, {}))
    VA, P_, H = 0x40000000, 0x200, 0x201
    ft = o['freed_tables']

    def recheck(g, l, c):
        return (o['pmd_recheck'] and pmd_val(l['pmd']) != pmd_val(pmdp_get_lockless(VA))) or \
            pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], VA))
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
           If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('bail')]),
           S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
           If(lambda g, l, c: not pte_present(l['pte']) or not pte_write(l['pte']), [Goto('bail')]),
           S(setl('page', lambda g, l, c: pte_page(l['pte']))),
           If(lambda g, l, c: not try_grab_page(l['page'], FOLL_PIN), [Goto('bail')]),
           If(recheck, [do(lambda g, l, c: unpin_user_page(l['page'])), Goto('bail')]),
           do(lambda g, l, c: irq_restore()), Return(), Label('bail'), do(lambda g, l, c: irq_restore())]
    sync = [SyncOne()] if o['sync_ipi'] else []
    hp = [S(setl('hpage', lambda g, l, c: alloc_page(H)))]
    if o['path'] == 'anon':
        page_p = lambda: page_obj(P_)

        def clear(g, l, c):
            ptep_get_and_clear(VA, pmd_pgtable(l['_pmd']))
        khd = hp + [Lock('mmap_lock', 'w'), Lock('anon_vma', 'w'), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
                    LockAs('pmd_ptl', K(PMD_LOCK)), CollapseFlush(VA, '_pmd', ft), Unlock(lk('pmd_ptl'))] + sync + [
            S(setl('pte_ptl', lambda g, l, c: pte_lockptr(l['_pmd']))), Lock(lk('pte_ptl')),
            If(lambda g, l, c: not is_refcount_suitable(page_p()), [
                Unlock(lk('pte_ptl')), LockAs('pmd_ptl', K(PMD_LOCK)),
                do(lambda g, l, c: pmd_populate(VA, pmd_pgtable(l['_pmd']))), Unlock(lk('pmd_ptl')),
                Unlock('anon_vma', 'w'), Unlock('mmap_lock', 'w'), do(lambda g, l, c: put_page(l['hpage'])), Return()]),
            Unlock(lk('pte_ptl')), Unlock('anon_vma', 'w'),
            Lock(lk('pte_ptl')), do(clear), do(lambda g, l, c: page_remove_rmap(page_p())), Unlock(lk('pte_ptl')),
            do(lambda g, l, c: free_page_and_swap_cache(page_p())),
            LockAs('pmd_ptl', K(PMD_LOCK)), do(lambda g, l, c: rmap(l['hpage'], 1)),
            do(lambda g, l, c: pgtable_trans_huge_deposit(VA, pmd_pgtable(l['_pmd']))),
            do(lambda g, l, c: set_pmd_at(VA, mk_huge_pmd(l['hpage'], True))), Unlock(lk('pmd_ptl')),
            Unlock('mmap_lock', 'w')]
        if o['later_zap']:
            khd += [Lock('mmap_lock', 'r'), LockAs('pmd_ptl', K(PMD_LOCK)),
                    S(setl('old', lambda g, l, c: pmdp_huge_get_and_clear(VA))),
                    do(lambda g, l, c: zap_deposited_table(VA)), Unlock(lk('pmd_ptl')), Unlock('mmap_lock', 'r'), Return()]
        else:
            khd += [Return()]
    else:
        v517 = o['retract'] == 'v5_17'
        khd = hp + ([Lock('i_mmap_rwsem', 'w'), Lock('mmap_lock', 'w')] if v517 else [Lock('i_mmap_rwsem', 'r')]) + [
            S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), LockAs('pmd_ptl', K(PMD_LOCK))] + \
            ([] if v517 else [S(setl('ptl', lambda g, l, c: pte_lockptr(l['pmd']))), Lock(lk('ptl'))]) + \
            [CollapseFlush(VA, '_pmd', ft)] + ([] if v517 else [Unlock(lk('ptl'))]) + [Unlock(lk('pmd_ptl'))] + sync + \
            [do(lambda g, l, c: (pte_free_defer if o['retract'] == 'v6_6' else pte_free)(pmd_pgtable(l['_pmd'])))] + \
            ([Unlock('mmap_lock', 'w'), Unlock('i_mmap_rwsem', 'w')] if v517 else [Unlock('i_mmap_rwsem', 'r')])
    kthread = [S(lambda g, l, c: speculative_walk(VA))]
    broadcast = o['flush'] == 'broadcast'
    return Model('khugepaged-collapse', {}, [gup, khd, kthread],
                 locks={'mmap_lock': 'rwsem', 'anon_vma': 'rwsem', 'i_mmap_rwsem': 'rwsem', PMD_LOCK: 'spin',
                        'ptl1': 'spin'},
                 mm=MMSetup(flush=o['flush'], table_free='rcu' if broadcast else 'ipi', ram=(P_, 2),
                            maps=[(VA, P_, True)] if o['path'] == 'anon' else [],
                            pte_tables=[VA] if o['path'] == 'file' else [],
                            mask={0, 1, 2} if o['lazy_pwc'] else {0, 1}, lazy={2} if o['lazy_pwc'] else (),
                            pwcs=[(2, VA)] if o['lazy_pwc'] else [], walk_cache=True))


def thp_split_gup(variant=None):
    o = {'flush': 'ipi', 'pmd_recheck': True, 'split': 'invalidate'}
    o.update({'no-recheck': {'pmd_recheck': False}, 'broadcast-no-recheck': {'flush': 'broadcast', 'pmd_recheck': False},
              'broadcast': {'flush': 'broadcast'}, 'populate-first': {'split': 'populate_first'},
              'no-flush': {'split': 'no_flush'}}.get(variant, {}))
    VA, H = 0x40000000, 0x200
    unpin_bail = [do(lambda g, l, c: unpin_user_page(l['page'])), Goto('bail')]
    leaf = [If(lambda g, l, c: not pmd_access_permitted(l['pmd'], True), [Goto('bail')]),
            S(setl('page', lambda g, l, c: pmd_page(l['pmd']))),
            If(lambda g, l, c: not try_grab_page(l['page'], FOLL_PIN), [Goto('bail')])] + \
        ([If(lambda g, l, c: pmd_val(l['pmd']) != pmd_val(pmdp_get_lockless(VA)), unpin_bail)] if o['pmd_recheck'] else [])
    table = [S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
             If(lambda g, l, c: not pte_present(l['pte']) or not pte_write(l['pte']), [Goto('bail')]),
             S(setl('page', lambda g, l, c: pte_page(l['pte']))),
             If(lambda g, l, c: not try_grab_page(l['page'], FOLL_PIN), [Goto('bail')]),
             If(lambda g, l, c: pmd_val(l['pmd']) != pmd_val(pmdp_get_lockless(VA)) or
                pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], VA)), unpin_bail)]
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
           If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('bail')]),
           If(lambda g, l, c: pmd_leaf(l['pmd']), leaf, table),
           do(lambda g, l, c: irq_restore()), Return(), Label('bail'), do(lambda g, l, c: irq_restore())]
    ptes = [S(setl('pgtable', lambda g, l, c: pgtable_trans_huge_withdraw(VA))),
            do(lambda g, l, c: set_ptes(VA, mk_pte(pmd_page(l['old']), pmd_write(l['old'])), 2, l['pgtable']))]
    populate = do(lambda g, l, c: pmd_populate(VA, l['pgtable']))
    if o['split'] == 'populate_first':
        split = [S(setl('old', lambda g, l, c: pmdp_get_lockless(VA)))] + ptes + [populate, Flush(K((VA, 512)))]
    elif o['split'] == 'invalidate':
        split = [PmdInvalidate(VA, 'old')] + ptes + [populate]
    else:
        split = [S(setl('old', lambda g, l, c: pmdp_establish(VA, pmd_mkinvalid(pmdp_get_lockless(VA)))))] + ptes + [populate]
    madv = [Lock('mmap_lock', 'r'), do(lambda g, l, c: tlb_gather_mmu()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
            LockAs('ptl', K(PMD_LOCK))] + split + [Unlock(lk('ptl')),
            LockAs('pte_ptl', lambda g, l, c: pte_offset_map_lock(pmdp_get_lockless(VA), VA)), zap_one(VA),
            Unlock(lk('pte_ptl')), GatherFlush('finish'), Unlock('mmap_lock', 'r'), do(lambda g, l, c: alloc_page(H))]
    thread = [S(lambda g, l, c: access(VA)), S(lambda g, l, c: access(VA + 0x1000))]
    return Model('thp-split-gup', {}, [gup, madv, thread],
                 locks={'mmap_lock': 'rwsem', PMD_LOCK: 'spin', 'ptl1': 'spin'},
                 mm=MMSetup(flush=o['flush'], ram=(H, 1), huge_maps=[(VA, H, True)], mask={0, 1, 2}, huge_tlb=True))


def numa_migrate_flush(variant=None):
    fp, second = {'fixed': ('set_clear', False), 'lost-pending': ('set_clear', True),
                  'counted': ('inc_dec', True)}.get(variant, ('none', False))
    VA, VA2, P_, Q = 0x7f000000, 0x7f001000, 0x200, 0x202

    def pending_on():
        return [do(lambda g, l, c: set_tlb_flush_pending())] if fp == 'set_clear' else \
            [do(lambda g, l, c: CUR.mm.__setitem__('pending', CUR.mm['pending'] + 1))] if fp == 'inc_dec' else []

    def pending_off():
        return [do(lambda g, l, c: clear_tlb_flush_pending())] if fp == 'set_clear' else \
            [do(lambda g, l, c: dec_tlb_flush_pending())] if fp == 'inc_dec' else []

    def protnone(va, old):
        return [S(setl(old, lambda g, l, c: ptep_modify_prot_start(va))),
                do(lambda g, l, c: ptep_modify_prot_commit(va, l[old], pte_modify(l[old], PAGE_NONE)))]
    scan = pending_on() + [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
                           LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA)),
                           S(setl('pages', K(0))), S(setl('pte', lambda g, l, c: ptep_get(VA))),
                           If(lambda g, l, c: pte_present(l['pte']) and not pte_protnone(l['pte']),
                              protnone(VA, 'old') + [S(setl('pages', K(1)))]),
                           Unlock(lk('ptl')), If(lambda g, l, c: l['pages'], [Flush(K((VA, 1)))])] + pending_off()
    ptl = lambda: LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA))
    if fp == 'none':
        clear = [S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA))),
                 If(lambda g, l, c: pte_present(l['pte']) and not pte_protnone(l['pte']), [Flush(K((VA, 1)))])]
    else:
        clear = [ClearFlush(VA, 'pte')]
    fault = [If(lambda g, l, c: access(VA), [Return()]), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl(),
             S(setl('pte', lambda g, l, c: ptep_get(VA))),
             If(lambda g, l, c: not pte_protnone(l['pte']), [Unlock(lk('ptl')), Return()]),
             S(setl('folio', lambda g, l, c: pte_page(l['pte']))), do(lambda g, l, c: get_page(l['folio'])),
             Unlock(lk('ptl')), S(setl('new', lambda g, l, c: alloc_page(Q))), ptl()] + clear + [
             do(lambda g, l, c: page_remove_rmap(l['folio'])), Unlock(lk('ptl')), do(lambda g, l, c: put_page(l['folio'])),
             ptl(), do(lambda g, l, c: set_pte_at(VA, mk_pte(l['new']))), do(lambda g, l, c: rmap(l['new'], 1)),
             Unlock(lk('ptl')), do(lambda g, l, c: put_page(l['folio']))]
    other = []
    if second:
        other = pending_on() + [S(setl('pmd2', lambda g, l, c: pmdp_get_lockless(VA2))),
                                LockAs('ptl2', lambda g, l, c: pte_offset_map_lock(l['pmd2'], VA2))] + \
            protnone(VA2, 'old2') + [Unlock(lk('ptl2')), Flush(K((VA2, 1)))] + pending_off()
    return Model('numa-migrate-flush', {}, [scan, fault, other], locks={'ptl1': 'spin'},
                 mm=MMSetup(ram=(P_, 3), maps=[(VA, P_, True), (VA2, P_ + 1, True)], mask={0, 1, 2}, tlbs=[(2, VA)]))


def devdax_gup(o, VA, PFN, pages):
    """cpu 0 "gup-fast" of devdax-unbind(-irqs-on): params folded as the compiler folds them."""
    irqs, check, longterm = o['gup_irqs_off'], o['gup_pgmap_check'], o.get('longterm', False)
    va = lambda g, l, c: l['va']
    put_pgmap = do(lambda g, l, c: put_dev_pagemap(l.get('pgmap')))
    if longterm:
        devmap = [Goto('slow')]
    elif check:
        devmap = [S(setl('pgmap', lambda g, l, c: get_dev_pagemap(pte_pfn(l['pte'])))),
                  If(lambda g, l, c: not l['pgmap'], [Goto('slow')])]
    else:
        devmap = []
    code = [S(setl('n', K(0)))] + ([do(lambda g, l, c: irq_save())] if irqs else []) + [
        Label('next'), S(setl('va', lambda g, l, c: VA + l['n'] * PAGE)),
        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(l['va']))),
        If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('slow')]),
        S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], l['va']))),
        If(lambda g, l, c: not pte_present(l['pte']) or not pte_write(l['pte']), [Goto('slow')]),
        If(lambda g, l, c: pte_devmap(l['pte']), devmap, [If(lambda g, l, c: pte_special(l['pte']), [Goto('slow')])]),
        S(setl('page', lambda g, l, c: pte_page(l['pte']))),
        If(lambda g, l, c: not try_grab_page(l['page']), [Goto('slow')]),
        If(lambda g, l, c: pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], l['va'])),
           [do(lambda g, l, c: put_page(l['page'])), Goto('slow')]),
        put_pgmap, S(setl('pgmap', K(None))), S(setl('n', lambda g, l, c: l['n'] + 1)),
        If(lambda g, l, c: l['n'] < pages, [Goto('next')])] + \
        ([do(lambda g, l, c: irq_restore())] if irqs else []) + [Goto('io'),
        Label('slow'), put_pgmap] + ([do(lambda g, l, c: irq_restore())] if irqs else []) + \
        ([Goto('pin')] if longterm else [S(setl('r', lambda g, l, c: handle_mm_fault(l['va'])))]) + [
        Label('io')] + ([Return()] if o.get('io_never_completes') else []) + [
        While(lambda g, l, c: l['n'] > 0, [S(setl('n', lambda g, l, c: l['n'] - 1)),
                                            do(lambda g, l, c: put_page(pfn_to_page(PFN + l['n'])))])]
    if longterm:
        code += [Label('pin'), S(setl('va', lambda g, l, c: VA + l['n'] * PAGE)),
                 S(setl('pte', lambda g, l, c: ptep_get(l['va']))),
                 If(lambda g, l, c: not pte_present(l['pte']), [
                     S(setl('r', lambda g, l, c: handle_mm_fault(l['va'], FAULT_FLAG_WRITE))),
                     If(lambda g, l, c: l['r'] != 0, [Return()]), Goto('pin')]),
                 S(setl('pgmap', lambda g, l, c: get_dev_pagemap(pte_pfn(l['pte'])))),
                 If(lambda g, l, c: not l['pgmap'], [Return()]),
                 If(lambda g, l, c: try_grab_page(pte_page(l['pte']), FOLL_PIN), [S(setl('n', lambda g, l, c: l['n'] + 1))]),
                 put_pgmap, S(setl('pgmap', K(None))), If(lambda g, l, c: l['n'] < pages, [Goto('pin')])]
    return code


def devdax_unbind_cpu(o):
    dax0 = K(('pgmap', 'dax0'))
    e21 = o['refcount'] == 'e21'
    return [do(lambda g, l, c: kill_dax(dax0(g, l, c))), UnmapMappingRange(dax0), Flush(ALL),
            do(lambda g, l, c: percpu_ref_kill(dax0(g, l, c))),
            do(lambda g, l, c: (memunmap_put_pages if e21 else percpu_ref_put_many)(dax0(g, l, c))),
            WaitForCompletion(dax0)] + ([do(lambda g, l, c: percpu_ref_exit(dax0(g, l, c)))] if e21 else []) + \
        [do(lambda g, l, c: arch_remove_memory(dax0(g, l, c))), do(lambda g, l, c: pgmap_array_delete(dax0(g, l, c)))] + \
        ([] if e21 else [do(lambda g, l, c: percpu_ref_exit(dax0(g, l, c)))])


def free_pgtables_start(va):
    """free_pgtables without a gather: unhook the PTE page, then free it per TABLE_FREE (rcu: call_rcu,
    one step; ipi: an empty IPI to every other CPU, freed once all acked; none: at once)."""
    mm, c = CUR.mm, CUR.c
    tid = tid_of(mm['pmd'].pop(va // REGION, None))
    if tid is None:
        raise Oops()
    how = CUR.model.mm.table_free
    if how == 'rcu':
        call_rcu(('free', tid))
        return False
    targets = {d for d in range(len(mm['tlb'])) if d != c}
    if how == 'none' or not targets:
        mm['tables'][tid][0] = True
        return False
    for d in targets:
        mm['ipi'][d] = mm['ipi'][d] + ((c, 'sync'),)
    mm['fw'][c] = [targets, 'sync', set(), tid]
    return True


def free_pgtables_end():
    mm = CUR.mm
    tid = mm['fw'][CUR.c][3]
    mm['fw'][CUR.c] = None
    mm['tables'][tid][0] = True


def FreePgtables(va):
    return ('Blk', lambda g, l, c: free_pgtables_start(va), lambda g, l, c: free_pgtables_end())


def broadcast_flush_rcu(variant=None):
    VA_, PFN, pages = 0x7f000000, 0x100, 1
    o = {'gup_pgmap_check': False, 'gup_irqs_off': True, 'refcount': 'e21', 'ref_atomic': False,
         'io_never_completes': False, 'free_tables': False}
    o.update({'ref-atomic': {'ref_atomic': True}, 'free-tables': {'free_tables': True},
              'v5_18': {'refcount': 'v5_18'}}.get(variant, {}))
    unbind = devdax_unbind_cpu(o)
    if o['free_tables']:
        unbind = unbind[:3] + [FreePgtables(VA_)] + unbind[3:]
    walker = [If(lambda g, l, c: not access(VA_), [S(setl('r', lambda g, l, c: handle_mm_fault(VA_)))])]
    return Model('broadcast-flush-rcu', {}, [devdax_gup(o, VA_, PFN, pages), unbind, walker],
                 mm=MMSetup(flush='broadcast', table_free='rcu', refcount=o['refcount'],
                            pgmaps=[('dax0', 'devdax', PFN, pages, 'atomic' if o['ref_atomic'] else 'percpu')],
                            dax_maps=[(VA_, PFN, pages, True, 'D')], mask={0, 2}, walk_cache=True))


def sizes(variant, **defaults):
    """NAME:VARIANT where VARIANT may also set the size params (--set): 'v5_18', 'pages=2', 'v5_18,gups=2'."""
    name, out = None, dict(defaults)
    for part in (variant or '').split(','):
        if '=' in part:
            k, v = part.split('=')
            assert k in out, k
            out[k] = int(v)
        elif part:
            name = part
    return name, out


def devdax_unbind(variant=None, irqs_on=False):
    VA, PFN = 0x7f000000, 0x100
    variant, n = sizes(variant, gups=1, pages=1, **({} if irqs_on else {'walkers': 1}))
    pages = n['pages']
    o = {'gup_pgmap_check': False, 'gup_irqs_off': not irqs_on, 'refcount': 'e21', 'ref_atomic': False,
         'longterm': False, 'io_never_completes': False}
    o.update({'longterm': {'longterm': True}, 'real-gup': {'gup_pgmap_check': True},
              'ref-atomic': {'ref_atomic': True}, 'v5_18': {'refcount': 'v5_18', 'gup_pgmap_check': True},
              'ref': {'gup_pgmap_check': True}}.get(variant, {}))

    def walker(rep):
        va = VA if irqs_on else VA + rep % pages * PAGE       # walker w loads page w (mod pages)
        return [If(lambda g, l, c: not access(va), [S(setl('r', lambda g, l, c: handle_mm_fault(va)))])]
    gup = devdax_gup(o, VA, PFN, pages)
    # the copies of a `* n` block take the ids after the declared CPUs, block by block
    cpus = [gup, devdax_unbind_cpu(o), walker(0)] + [gup] * (n['gups'] - 1) + \
        [walker(w) for w in range(1, n.get('walkers', 1))]
    first_walker_copy = 3 + n['gups'] - 1
    mask = {0, 2} | set(range(3, 3 + n['gups'] - 1)) | set(range(first_walker_copy, len(cpus)))
    return Model('devdax-unbind-irqs-on' if irqs_on else 'devdax-unbind', {}, cpus,
                 mm=MMSetup(refcount=o['refcount'], pgmaps=[('dax0', 'devdax', PFN, pages,
                                                            'atomic' if o['ref_atomic'] else 'percpu')],
                            dax_maps=[(VA, PFN, pages, True, 'D')], mask=mask))


def madv_dontneed_flush(variant=None):
    o = {'fix': 'pre', 'second_zapper': True, 'free_before_flush': False}
    o.update({'fixed': {'fix': 'v4_13'}, 'today': {'fix': 'v5_2'},
              'free-before-flush': {'free_before_flush': True, 'second_zapper': False}}.get(variant, {}))
    VA_ = 0x7f000000

    def zap(g, l, c):
        l['pte'] = ptep_get_and_clear(VA_)
        if pte_present(l['pte']):
            tlb_remove_tlb_entry(VA_)
            page_remove_rmap(pte_page(l['pte']))
            tlb_remove_page(pte_page(l['pte']))
    if o['free_before_flush']:
        finish = [do(lambda g, l, c: tlb_flush_mmu_free()), GatherFlush('tlbonly'), do(lambda g, l, c: dec_tlb_flush_pending())]
    elif o['fix'] == 'v5_2':
        finish = [GatherFlush('finish')]
    else:
        finish = ([If(lambda g, l, c: CUR.mm['pending'] > 1, [do(lambda g, l, c: tlb_adjust_range(VA_, 1))])]
                  if o['fix'] == 'v4_13' else []) + [GatherFlush('free'), do(lambda g, l, c: dec_tlb_flush_pending())]
    body = [do(lambda g, l, c: tlb_gather_mmu()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA_))),
            LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA_)), S(zap), Unlock(lk('ptl'))] + finish
    madvise = [Lock('mmap_lock', 'r'), Call(None, body), Unlock('mmap_lock', 'r'), do(lambda g, l, c: syscall_exit(VA_, 1))]
    b = madvise if o['second_zapper'] else [Return()]
    return Model('madv-dontneed-flush', {}, [madvise, b, [S(lambda g, l, c: access(VA_))]],
                 locks={'mmap_lock': 'rwsem', 'ptl1': 'spin'},
                 mm=MMSetup(ram=(P, 1), maps=[(VA_, P, True)], mask={0, 1, 2}, tlbs=[(2, VA_)]))


def fsdax_unbind_2021(variant=None, noref=False):
    o = {'gup_pgmap_check': not noref, 'gup_irqs_off': True, 'mapping': 'pte'}
    o.update({'noref': {'gup_pgmap_check': False}, 'ref': {'gup_pgmap_check': True},
              'pmd': {'mapping': 'pmd'}}.get(variant, {}))
    VA_, PFN = 0x7f000000, 0x100
    irqs = o['gup_irqs_off']
    devmap = [S(setl('pgmap', lambda g, l, c: get_dev_pagemap(pte_pfn(l['pte'])))),
              If(lambda g, l, c: not l['pgmap'], [Goto('slow')])] if o['gup_pgmap_check'] else []
    put_pgmap = do(lambda g, l, c: put_dev_pagemap(l.get('pgmap')))
    restore = [do(lambda g, l, c: irq_restore())] if irqs else []
    gup = ([do(lambda g, l, c: irq_save())] if irqs else []) + [
        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA_))), If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('slow')]),
        S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA_))),
        If(lambda g, l, c: not pte_present(l['pte']) or not pte_write(l['pte']), [Goto('slow')]),
        If(lambda g, l, c: pte_devmap(l['pte']), devmap, [If(lambda g, l, c: pte_special(l['pte']), [Goto('slow')])]),
        S(setl('page', lambda g, l, c: pte_page(l['pte']))), If(lambda g, l, c: not try_grab_page(l['page']), [Goto('slow')]),
        If(lambda g, l, c: pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], VA_)),
           [do(lambda g, l, c: put_page(l['page'])), Goto('slow')]),
        put_pgmap] + restore + [do(lambda g, l, c: put_page(l['page'])), Return(),
        Label('slow'), put_pgmap] + restore + [
        Label('retry'), If(lambda g, l, c: fatal_signal_pending(), [Return()]),
        S(setl('pte', lambda g, l, c: ptep_get(VA_))),
        If(lambda g, l, c: pte_present(l['pte']) and pte_devmap(l['pte']), [
            S(setl('pgmap', lambda g, l, c: get_dev_pagemap(pte_pfn(l['pte'])))),
            If(lambda g, l, c: l['pgmap'], [
                S(setl('page', lambda g, l, c: pte_page(l['pte']))),
                If(lambda g, l, c: try_grab_page(l['page']), [put_pgmap, do(lambda g, l, c: put_page(l['page'])), Return()])])] +
            ([Return()] if o['mapping'] == 'pmd' else [])),
        S(setl('r', lambda g, l, c: handle_mm_fault(VA_))), If(lambda g, l, c: l['r'] != 0, [Return()]), Goto('retry')]
    pm = K(('pgmap', 'pmem0'))
    unbind = [do(lambda g, l, c: kill_dax(pm(g, l, c))), do(lambda g, l, c: del_gendisk(pm(g, l, c))),
              do(lambda g, l, c: percpu_ref_kill(pm(g, l, c))), do(lambda g, l, c: memunmap_put_pages(pm(g, l, c))),
              WaitForCompletion(pm), do(lambda g, l, c: percpu_ref_exit(pm(g, l, c))),
              do(lambda g, l, c: arch_remove_memory(pm(g, l, c))), do(lambda g, l, c: pgmap_array_delete(pm(g, l, c)))]
    user = [S(lambda g, l, c: access(VA_)), S(lambda g, l, c: access(VA_))]
    return Model('fsdax-unbind-2021-noref' if noref else 'fsdax-unbind-2021', {}, [gup, unbind, user],
                 mm=MMSetup(pgmaps=[('pmem0', 'fsdax', PFN, 1, 'percpu')],
                            dax_maps=[(VA_, PFN, 1, True, 'huge' if o['mapping'] == 'pmd' else 'D')], mask={0, 2},
                            fs={'type': 'xfs', 'pgmap': 'pmem0', 'frozen': False, 'shutdown': False}))


def dax_gup_now(o, VA_):
    """gup-fast of ext4-dax-unbind-now and xfs-pre-remove: FOLL_PIN, the PMD and PTE re-checked."""
    devmap = [S(setl('pgmap', lambda g, l, c: get_dev_pagemap(pte_pfn(l['pte'])))),
              If(lambda g, l, c: not l['pgmap'], [Goto('slow')])] if o.get('gup_pgmap_check') else []
    put_pgmap = [do(lambda g, l, c: put_dev_pagemap(l.get('pgmap')))] if o['devmap_branch'] else []
    special = If(lambda g, l, c: pte_special(l['pte']), [Goto('slow')])
    return [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA_))),
            If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('slow')]),
            S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA_))),
            If(lambda g, l, c: not pte_present(l['pte']) or not pte_write(l['pte']), [Goto('slow')]),
            If(lambda g, l, c: pte_devmap(l['pte']), devmap, [special]) if o['devmap_branch'] else special,
            S(setl('page', lambda g, l, c: pte_page(l['pte']))),
            If(lambda g, l, c: not try_grab_page(l['page'], FOLL_PIN), [Goto('slow')]),
            If(lambda g, l, c: l['pmd'] != pmdp_get_lockless(VA_) or pte_val(l['pte']) != pte_val(ptep_get_lockless(l['pmd'], VA_)),
               [do(lambda g, l, c: unpin_user_page(l['page'])), Goto('slow')])] + put_pgmap + [
            do(lambda g, l, c: irq_restore()), do(lambda g, l, c: unpin_user_page(l['page'])), Return(),
            Label('slow')] + put_pgmap + [do(lambda g, l, c: irq_restore())] + \
        ([Fault('r', K(VA_), FAULT_FLAG_WRITE)] if o['devmap_branch'] else [])


def pre_remove_unbind(pm, xfs):
    call = lambda f: do(lambda g, l, c: f(pm(g, l, c)))
    holder = [call(freeze_super), UnmapMappingRange(pm), Flush(ALL)] + ([call(mf_dax_kill_procs)] if xfs else []) + \
        [call(xfs_force_shutdown), call(thaw_super)]
    return [If(lambda g, l, c: dax_holder(pm(g, l, c)), holder), call(kill_dax), call(del_gendisk), call(percpu_ref_kill),
            call(percpu_ref_put_many), WaitForCompletion(pm), call(arch_remove_memory), call(pgmap_array_delete),
            call(percpu_ref_exit)]


def ext4_dax_unbind_now(variant=None):
    VA_, PFN = 0x7f000000, 0x100
    pm = K(('pgmap', 'pmem0'))
    return Model('ext4-dax-unbind-now', {}, [dax_gup_now({'devmap_branch': False}, VA_), pre_remove_unbind(pm, False),
                                             [S(lambda g, l, c: access(VA_))]],
                 mm=MMSetup(refcount='v6_15', pgmaps=[('pmem0', 'fsdax', PFN, 1, 'percpu')],
                            dax_maps=[(VA_, PFN, 1, True, None)], mask={0, 2},
                            fs={'type': 'ext4', 'pgmap': 'pmem0', 'frozen': False, 'shutdown': False}))


def xfs_pre_remove(variant=None):
    VA_, PFN = 0x7f000000, 0x100
    o = {'devmap_branch': True, 'gup_pgmap_check': True, 'user_faults': variant != 'without-refault'}
    pm = K(('pgmap', 'pmem0'))
    uf = o['user_faults']
    user = [If(lambda g, l, c: not access(VA_) and uf, [Fault('r', K(VA_)), If(lambda g, l, c: l['r'] == 0, [
        S(lambda g, l, c: access(VA_))])])]
    return Model('xfs-pre-remove', {}, [dax_gup_now(o, VA_), pre_remove_unbind(pm, True), user],
                 mm=MMSetup(refcount='v5_18', pgmaps=[('pmem0', 'fsdax', PFN, 1, 'percpu')],
                            dax_maps=[(VA_, PFN, 1, True, 'D')], mask={0, 2},
                            fs={'type': 'xfs', 'pgmap': 'pmem0', 'frozen': False, 'shutdown': False}))


# ---- the worked examples over compound pages, dirty bits, PMD-level moves and exit_mmap -----

def present_zap(va, table=None):
    """if (pte_present(pte)) { tlb_remove_tlb_entry; page_remove_rmap; tlb_remove_page; }
    after pte = ptep_get_and_clear(va, ptl): the test and three statements."""
    return [S(setl('pte', lambda g, l, c: ptep_get_and_clear(va, table(g, l, c) if table else None))),
            If(lambda g, l, c: pte_present(l['pte']), [
                do(lambda g, l, c: tlb_remove_tlb_entry(va)), do(lambda g, l, c: page_remove_rmap(pte_page(l['pte']))),
                do(lambda g, l, c: tlb_remove_page(pte_page(l['pte'])))])]


def thp_split_grab(variant=None):
    o = {'flush': 'ipi', 'head_recheck': True, 'pte_recheck': True, 'freeze': True}
    o.update({'x86-no-head-recheck': {'head_recheck': False}, 'broadcast': {'flush': 'broadcast'},
              'no-head-recheck': {'flush': 'broadcast', 'head_recheck': False},
              'no-pte-recheck': {'flush': 'broadcast', 'pte_recheck': False},
              'no-freeze': {'flush': 'broadcast', 'freeze': False}}.get(variant, {}))
    VA, H, T = 0x7f000000, 0x200, 0x201
    V2 = VA + PAGE
    put_bail = lambda: [do(lambda g, l, c: put_page(l['folio'])), Goto('bail')]
    gup = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(V2))),
           S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], V2))),
           If(lambda g, l, c: not pte_present(l['pte']), [Goto('bail')]),
           S(setl('page', lambda g, l, c: pte_page(l['pte']))),
           S(setl('folio', lambda g, l, c: page_folio(l['page']))),
           If(lambda g, l, c: not folio_ref_try_add_rcu(l['folio'], 1), [Goto('bail')])] + \
        ([If(lambda g, l, c: page_folio(l['page']) != l['folio'], put_bail())] if o['head_recheck'] else []) + \
        ([If(lambda g, l, c: not pte_same(l['pte'], ptep_get_lockless(l['pmd'], V2)), put_bail())]
         if o['pte_recheck'] else []) + \
        [do(lambda g, l, c: irq_restore()), do(lambda g, l, c: put_page(l['page'])), Return(),
         Label('bail'), do(lambda g, l, c: irq_restore())]
    head, tail = (lambda g, l, c: l['head']), (lambda g, l, c: l['tail'])
    ptl = LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA))

    def remap():
        return [ptl, do(lambda g, l, c: get_page(l['head'])), do(lambda g, l, c: rmap(l['head'], 1)),
                do(lambda g, l, c: set_pte_at(VA, mk_pte(l['head'], True))), do(lambda g, l, c: get_page(l['tail'])),
                do(lambda g, l, c: rmap(l['tail'], 1)), do(lambda g, l, c: set_pte_at(V2, mk_pte(l['tail'], True))),
                Unlock(lk('ptl'))]
    split = [S(setl('head', K(page_obj(H)))), S(setl('tail', K(page_obj(T)))), do(lambda g, l, c: get_page(l['head'])),
             Lock('anon_vma', 'w'), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl,
             ClearFlush(VA, '_old'), do(lambda g, l, c: page_remove_rmap(l['head'])), do(lambda g, l, c: put_page(l['head'])),
             ClearFlush(V2, '_old'), do(lambda g, l, c: page_remove_rmap(l['tail'])), do(lambda g, l, c: put_page(l['tail'])),
             Unlock(lk('ptl')),
             S(setl('ok', lambda g, l, c: page_ref_freeze(l['head'], 1) if o['freeze'] else page_count(l['head']) == 1)),
             If(lambda g, l, c: not l['ok'], [Goto('remap')]),
             do(lambda g, l, c: clear_compound_head(l['tail'])), do(lambda g, l, c: page_ref_unfreeze(l['tail'], 1)),
             do(lambda g, l, c: (page_ref_unfreeze if o['freeze'] else set_page_count)(l['head'], 1))] + remap() + [
             do(lambda g, l, c: put_page(l['tail'])), Unlock('anon_vma', 'w'), do(lambda g, l, c: put_page(l['head'])),
             Return(), Label('remap')] + remap() + [Unlock('anon_vma', 'w'), do(lambda g, l, c: put_page(l['head']))]
    return Model('thp-split-grab', {}, [gup, split], locks={'anon_vma': 'rwsem', 'ptl1': 'spin'},
                 mm=MMSetup(flush=o['flush'], ram=(H, 2), maps=[(VA, H, True), (V2, T, True)], compound=[(H, 2)],
                            mask={0, 1}))


def zap_dirty_flush(variant=None):
    o = {'zap': 'finish', 'elsewhere': True, 'wrote': True}
    o.update({'finish-last': {'elsewhere': False}, 'force-flush': {'zap': 'force_flush'},
              'force-flush-last': {'zap': 'force_flush', 'elsewhere': False},
              'delay-rmap': {'zap': 'delay_rmap', 'elsewhere': False}, 'delay-rmap-shared': {'zap': 'delay_rmap'},
              'clean': {'wrote': False, 'elsewhere': False}}.get(variant, {}))
    VA, VA2, P_ = 0x7f000000, 0x7f200000, 0x200
    zap, delay = o['zap'], o['zap'] == 'delay_rmap'

    def zap_atomic(g, l, c):
        l['pte'] = ptep_get_and_clear(VA)
        tlb_remove_tlb_entry(VA)
        l['page'] = pte_page(l['pte'])
        l['flush_now'] = zap != 'finish' and pte_dirty(l['pte'])
        if pte_dirty(l['pte']):
            set_page_dirty(l['page'])
        if not delay or not pte_dirty(l['pte']):
            page_remove_rmap(l['page'])
        tlb_remove_page(l['page'])
    munmap = [Await(lambda g, l, c: g['cache_ref']), Lock('mmap_lock', 'r'), do(lambda g, l, c: tlb_gather_mmu()),
              S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
              LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA)), S(zap_atomic),
              If(lambda g, l, c: l['flush_now'], [GatherFlush('tlbonly')])] + \
        ([If(lambda g, l, c: pte_dirty(l['pte']), [do(lambda g, l, c: page_remove_rmap(l['page']))])] if delay else []) + \
        [Unlock(lk('ptl')), If(lambda g, l, c: l['flush_now'], [do(lambda g, l, c: tlb_flush_mmu_free())]),
         GatherFlush('finish'), Unlock('mmap_lock', 'r')]
    mkclean = [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(l['va']))),
               LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], l['va'])),
               S(setl('pte', lambda g, l, c: ptep_get(l['va']))),
               If(lambda g, l, c: pte_present(l['pte']) and pte_pfn(l['pte']) == P_ and
                  (pte_write(l['pte']) or pte_dirty(l['pte'])), [
                   ClearFlush(lambda g, l, c: l['va'], 'entry'),
                   If(lambda g, l, c: pte_dirty(l['entry']), [do(lambda g, l, c: set_page_dirty(pfn_to_page(P_)))]),
                   do(lambda g, l, c: set_pte_at(l['va'], pte_mkclean(pte_wrprotect(l['entry']))))]),
               Unlock(lk('ptl'))]

    def take_ref(g, l, c):
        l['page'] = pfn_to_page(P_)
        get_page(l['page'])
        g['cache_ref'] = True
    writeback = [S(take_ref), If(lambda g, l, c: page_mapcount(l['page']) == 0, [Goto('clean')]),
                 Lock('i_mmap_rwsem', 'r'), Call(lambda g, l, c: {'va': VA}, mkclean)] + \
        ([Call(lambda g, l, c: {'va': VA2}, mkclean)] if o['elsewhere'] else []) + \
        [Unlock('i_mmap_rwsem', 'r'), Label('clean'), do(lambda g, l, c: TestClearPageDirty(l['page'])),
         do(lambda g, l, c: put_page(l['page']))]
    thread = [do(lambda g, l, c: store(VA))]
    return Model('zap-dirty-flush', {'cache_ref': False}, [munmap, writeback, thread],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', 'ptl1': 'spin', 'ptl2': 'spin'},
                 mm=MMSetup(ram=(P_, 1), maps=[(VA, P_, True) + (('dirty',) if o['wrote'] else ())] +
                            ([(VA2, P_, True)] if o['elsewhere'] else []), mask={0, 1, 2}, tlbs=[(2, VA)]))


def oom_reap_exit(variant=None):
    o = {'version': 'v4_14', 'lock_cycle': True, 'skip_check': 'locked'}
    o.update({'v6-0': {'version': 'v6_0'}, 'no-lock-cycle': {'lock_cycle': False},
              'skip-check-unlocked': {'skip_check': 'unlocked'}}.get(variant, {}))
    VA, P_, SKIP, UNSTABLE = 0x7f000000, 0x200, 21, 22
    v6 = o['version'] == 'v6_0'
    skip = lambda g, l, c: g['mm_flags'] >> SKIP & 1
    set_bit = lambda nr: (lambda g, l, c: g.__setitem__('mm_flags', g['mm_flags'] | 1 << nr))
    ptl = LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA))
    reaper = ([If(skip, [Return()])] if o['skip_check'] == 'unlocked' else []) + [
        If(lambda g, l, c: not trylock('mmap_lock', 'r'), [Goto('out')])] + \
        ([If(skip, [Goto('unlock')])] if o['skip_check'] == 'locked' else []) + [
        do(set_bit(UNSTABLE)), do(lambda g, l, c: tlb_gather_mmu()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
        If(lambda g, l, c: pmd_none(l['pmd']), [Goto('finish')]), ptl] + present_zap(VA, lk('ptl')) + [
        Unlock(lk('ptl')), Label('finish'), GatherFlush('finish'), Label('unlock'), Unlock('mmap_lock', 'r'),
        Label('out'), do(set_bit(SKIP))]
    exit_mmap = ([Lock('mmap_lock', 'r')] if v6 else []) + [
        do(lambda g, l, c: tlb_gather_mmu()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl] + \
        present_zap(VA, lk('ptl')) + [Unlock(lk('ptl'))] + ([Unlock('mmap_lock', 'r')] if v6 else []) + \
        [do(set_bit(SKIP))] + \
        ([Lock('mmap_lock', 'w')] + ([] if v6 else [Unlock('mmap_lock', 'w')]) if o['lock_cycle'] else []) + \
        [do(lambda g, l, c: free_pte_range(VA)), GatherFlush('finish'), do(lambda g, l, c: remove_vma(VA))] + \
        ([Unlock('mmap_lock', 'w')] if v6 and o['lock_cycle'] else [])
    return Model('oom-reap-exit', {'mm_flags': 0}, [reaper, exit_mmap], locks={'mmap_lock': 'rwsem', 'ptl1': 'spin'},
                 mm=MMSetup(ram=(P_, 1), maps=[(VA, P_, True)], mask={1}, walk_cache=True))


def mremap_pmd(variant=None):
    o = {'rmap_locks': 'need', 'flush': 'under_ptl'}
    o.update({'fixed': {'rmap_locks': 'always'},
              'late-flush': {'rmap_locks': 'always', 'flush': 'after_rmap_unlock'}}.get(variant, {}))
    OLD, NEW, P_ = 0x7f000000, 0x7f400000, 0x200
    always = o['rmap_locks'] == 'always'
    fl = lambda at: [Flush(K((OLD, 512)), tables=True)] if o['flush'] == at else []
    mremap = [Lock('mmap_lock', 'w')] + ([Lock('anon_vma', 'w')] if always else []) + [
        S(setl('opmd', lambda g, l, c: pmdp_get_lockless(OLD))), LockAs('old_ptl', K(PMD_LOCK)),
        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(OLD))), do(lambda g, l, c: pmd_clear(OLD)),
        do(lambda g, l, c: pmd_populate(NEW, pmd_pgtable(l['pmd'])))] + fl('under_ptl') + [Unlock(lk('old_ptl'))] + \
        ([Unlock('anon_vma', 'w')] if always else []) + fl('after_rmap_unlock') + [Unlock('mmap_lock', 'w')]
    reclaim = [Lock('anon_vma', 'r'), S(setl('va', K(OLD))), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(OLD))),
               If(lambda g, l, c: pmd_none(l['pmd']), [S(setl('va', K(NEW))),
                                                        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(NEW)))]),
               If(lambda g, l, c: pmd_none(l['pmd']), [Goto('out')]),
               LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], l['va'])),
               S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], l['va']))),
               If(lambda g, l, c: not pte_present(l['pte']), [Goto('unlock')]),
               ClearFlush(lambda g, l, c: l['va'], 'pte', lambda g, l, c: pmd_pgtable(l['pmd'])),
               do(lambda g, l, c: page_remove_rmap(pte_page(l['pte']))), Unlock(lk('ptl')),
               do(lambda g, l, c: put_page(pte_page(l['pte']))), Goto('out'),
               Label('unlock'), Unlock(lk('ptl')), Label('out'), Unlock('anon_vma', 'r')]
    thread = [do(lambda g, l, c: access(NEW))]
    return Model('mremap-pmd', {}, [mremap, reclaim, thread],
                 locks={'mmap_lock': 'rwsem', 'anon_vma': 'rwsem', PMD_LOCK: 'spin', 'ptl1': 'spin'},
                 mm=MMSetup(ram=(P_, 1), maps=[(OLD, P_, True)], mask={0, 2}, tlbs=[(2, OLD)]))


def mremap_retract(variant=None):
    recheck = variant == 'fixed'
    OLD, NEW = 0x7f000000, 0x7f400000
    mremap = [Lock('mmap_lock', 'w'), S(setl('opmd', lambda g, l, c: pmdp_get_lockless(OLD))),
              If(lambda g, l, c: pmd_none(l['opmd']), [Goto('out')]), If(lambda g, l, c: pmd_leaf(l['opmd']), [Goto('out')]),
              Lock('i_mmap_rwsem', 'w'), LockAs('ptl', K(PMD_LOCK)), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(OLD)))] + \
        ([If(lambda g, l, c: not pmd_present(l['pmd']) or pmd_leaf(l['pmd']), [Goto('unlock')])] if recheck else []) + [
        do(lambda g, l, c: pmd_clear(OLD)), do(lambda g, l, c: pmd_populate(NEW, pmd_pgtable(l['pmd']))),
        Flush(K((OLD, 512)), tables=True), Label('unlock'), Unlock(lk('ptl')), Unlock('i_mmap_rwsem', 'w'),
        Label('out'), Unlock('mmap_lock', 'w')]
    retract = [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(l['addr']))),
               If(lambda g, l, c: pmd_none(l['pmd']) or pmd_leaf(l['pmd']), [HReturn()]),
               LockAs('pml', K(PMD_LOCK)), CollapseFlush(lambda g, l, c: l['addr'], 'pgt_pmd'), Unlock(lk('pml')),
               do(lambda g, l, c: pte_free_defer(pmd_pgtable(l['pgt_pmd'])))]
    collapse = [Lock('i_mmap_rwsem', 'r'), Call(lambda g, l, c: {'addr': OLD}, retract),
                Call(lambda g, l, c: {'addr': NEW}, retract), Unlock('i_mmap_rwsem', 'r')]
    return Model('mremap-retract', {}, [mremap, collapse],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', PMD_LOCK: 'spin'},
                 mm=MMSetup(ram=(0x200, 1), pte_tables=[OLD], mask={0}, walk_cache=True))


def munmap_madv_walkcache(variant=None):
    o = {'fix': 'reset_range', 'arch': 'arm64', 'lazy_walker': False}
    o.update({'fixed': {'fix': 'v5_2'}, 'x86': {'arch': 'x86'}, 'x86-lazy': {'arch': 'x86', 'lazy_walker': True},
              'x86-lazy-fixed': {'arch': 'x86', 'lazy_walker': True, 'fix': 'v5_2'}}.get(variant, {}))
    VA, VA2, P_, Q = 0x7f000000, 0x7f400000, 0x200, 0x201

    def finish(va):
        if o['fix'] == 'v5_2':
            return [GatherFlush('finish')]
        return [If(lambda g, l, c: mm_tlb_flush_nested(), [do(lambda g, l, c: tlb_reset_range()),
                                                          do(lambda g, l, c: tlb_adjust_range(va, 1))]),
                GatherFlush('free'), do(lambda g, l, c: dec_tlb_flush_pending())]

    def body(va):
        return [do(lambda g, l, c: tlb_gather_mmu()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(va))),
                LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], va)), zap_one(va), Unlock(lk('ptl'))]
    munmap = [Lock('mmap_lock', 'w'), do(lambda g, l, c: remove_vma(VA)), do(lambda g, l, c: mmap_write_downgrade())] + \
        body(VA) + [do(lambda g, l, c: free_pte_range(VA))] + finish(VA) + [Unlock('mmap_lock', 'r')]
    madv = [Lock('mmap_lock', 'r')] + body(VA2) + finish(VA2) + [Unlock('mmap_lock', 'r')]
    walker = [do(lambda g, l, c: speculative_walk(VA))] if o['lazy_walker'] else [do(lambda g, l, c: access(VA))]
    return Model('munmap-madv-walkcache', {}, [munmap, madv, walker],
                 locks={'mmap_lock': 'rwsem', 'ptl1': 'spin', 'ptl2': 'spin'},
                 mm=MMSetup(arch=o['arch'], flush='broadcast' if o['arch'] == 'arm64' else 'ipi', table_free='rcu',
                            ram=(P_, 2), maps=[(VA, P_, True), (VA2, Q, True)], mask={0, 1, 2}, pwcs=[(2, VA)],
                            lazy={2} if o['lazy_walker'] else (), walk_cache=True))


def zap_delay_rmap(variant=None):
    delay = variant == 'fixed'
    VA, P_ = 0x7f000000, 0x200

    def zap(g, l, c):
        l['pte'] = ptep_get_and_clear(VA)
        tlb_remove_tlb_entry(VA)
        tlb_remove_page(pte_page(l['pte']))
        if not delay:
            page_remove_rmap(pte_page(l['pte']))
    madv = [Await(lambda g, l, c: g['wb_ref']), Lock('mmap_lock', 'r'), do(lambda g, l, c: tlb_gather_mmu()),
            S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
            LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA)), S(zap)] + \
        ([GatherFlush('tlbonly'), do(lambda g, l, c: page_remove_rmap(pte_page(l['pte'])))] if delay else []) + \
        [Unlock(lk('ptl')), GatherFlush('finish'), Unlock('mmap_lock', 'r')]

    def take_ref(g, l, c):
        l['page'] = pfn_to_page(P_)
        get_page(l['page'])
        g['wb_ref'] = True
    wb = [S(take_ref), If(lambda g, l, c: page_mapcount(l['page']) == 0, [Goto('clean')]), Lock('i_mmap_rwsem', 'r'),
          S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), If(lambda g, l, c: not pmd_present(l['pmd']), [Goto('unlock')]),
          LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA)), S(setl('pte', lambda g, l, c: ptep_get(VA))),
          If(lambda g, l, c: pte_present(l['pte']) and pte_write(l['pte']), [
              ClearFlush(VA, '_old'), do(lambda g, l, c: set_pte_at(VA, mk_pte(l['page'], False)))]),
          Unlock(lk('ptl')), Label('unlock'), Unlock('i_mmap_rwsem', 'r'), Label('clean'),
          S(setv('cleaned', K(True))), do(lambda g, l, c: put_page(l['page']))]
    return Model('zap-delay-rmap', {'wb_ref': False, 'cleaned': False}, [madv, wb, []],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', 'ptl1': 'spin'},
                 invariants=[lambda g: not (g['cleaned'] and tlb_has(CUR.mm, 2, VA))],
                 mm=MMSetup(ram=(P_, 1), maps=[(VA, P_, True)], mask={0, 1, 2}, tlbs=[(2, VA)]))


def ksm_wrprotect(variant=None):
    o = {'check': 'after_flush', 'flush': 'ipi', 'gup_recheck': True}
    o.update({'before-flush': {'check': 'before_flush'}, 'x86-no-recheck': {'gup_recheck': False},
              'broadcast': {'flush': 'broadcast'},
              'broadcast-no-recheck': {'flush': 'broadcast', 'gup_recheck': False}}.get(variant, {}))
    VA, P_, KP = 0x7f000000, 0x200, 0x201
    ptl = lambda: LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA))
    # PTE values compare as words (primitives.md pte_same: "as == on PTE values")
    recheck = [If(lambda g, l, c: pte_val(ptep_get_lockless(l['pmd'], VA)) != pte_val(l['pte']),
                  [do(lambda g, l, c: unpin_user_page(l['page'])), Goto('slow')])] if o['gup_recheck'] else []

    def dma(g, l, c):
        g['data0'] = 1
    reader = [do(lambda g, l, c: irq_save()), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
              S(setl('pte', lambda g, l, c: ptep_get_lockless(l['pmd'], VA))),
              If(lambda g, l, c: not pte_access_permitted(l['pte'], True), [Goto('slow')]),
              S(setl('page', lambda g, l, c: pte_page(l['pte']))),
              If(lambda g, l, c: not try_grab_page(l['page'], FOLL_PIN), [Goto('slow')])] + recheck + [
              do(lambda g, l, c: irq_restore()), S(dma), do(lambda g, l, c: unpin_user_page(l['page'])),
              S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl(), S(setl('now', lambda g, l, c: ptep_get(VA))),
              Unlock(lk('ptl')),
              Assert(lambda g, l, c: pte_present(l['now']) and g[elem('data', pte_pfn(l['now']) - P_, 2)] == 1),
              Return(), Label('slow'), do(lambda g, l, c: irq_restore())]
    count_ok = S(setl('ok', lambda g, l, c: page_mapcount(l['page']) + 1 == page_count(l['page'])))
    check = [count_ok, ClearFlush(VA, 'entry')] if o['check'] == 'before_flush' else [ClearFlush(VA, 'entry'), count_ok]
    ksmd = [S(setl('kpage', lambda g, l, c: alloc_page(KP))), S(setl('page', lambda g, l, c: pfn_to_page(P_))),
            do(lambda g, l, c: get_page(l['page'])), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl(),
            S(setl('orig', lambda g, l, c: ptep_get(VA))),
            If(lambda g, l, c: not pte_write(l['orig']) and not pte_dirty(l['orig']), [Goto('unlock')])] + check + [
            If(lambda g, l, c: not l['ok'], [do(lambda g, l, c: set_pte_at(VA, l['entry'])), Goto('unlock')]),
            If(lambda g, l, c: pte_dirty(l['entry']), [do(lambda g, l, c: set_page_dirty(l['page']))]),
            do(lambda g, l, c: set_pte_at(VA, pte_mkclean(pte_wrprotect(l['entry'])))),
            S(setl('orig', lambda g, l, c: ptep_get(VA))), Unlock(lk('ptl')),
            If(lambda g, l, c: g['data0'] != g['data1'], [Goto('out')]), ptl(),
            If(lambda g, l, c: not pte_same(ptep_get(VA), l['orig']), [Goto('unlock')]),
            do(lambda g, l, c: get_page(l['kpage'])), do(lambda g, l, c: rmap(l['kpage'], 1)),
            do(lambda g, l, c: set_pte_at(VA, mk_pte(l['kpage'], False))), do(lambda g, l, c: page_remove_rmap(l['page'])),
            do(lambda g, l, c: put_page(l['page'])), Unlock(lk('ptl')), do(lambda g, l, c: put_page(l['page'])), Return(),
            Label('unlock'), Unlock(lk('ptl')), Label('out'), do(lambda g, l, c: put_page(l['page']))]
    return Model('ksm-wrprotect', {'data0': 0, 'data1': 0}, [reader, ksmd], locks={'ptl1': 'spin'},
                 mm=MMSetup(flush=o['flush'], ram=(P_, 2), maps=[(VA, P_, True, 'dirty')], mask={0, 1}))


def lock_abba_on(variant=None):
    ordered = variant == 'ordered'
    munmap = [Lock('mmap_lock', 'w'), Lock('i_mmap_rwsem', 'w'), Unlock('i_mmap_rwsem', 'w'), Unlock('mmap_lock', 'w')]
    if ordered:
        other = [Lock('mmap_lock', 'r'), Lock('i_mmap_rwsem', 'r'), Unlock('i_mmap_rwsem', 'r'), Unlock('mmap_lock', 'r')]
    else:
        other = [Lock('i_mmap_rwsem', 'r'), Lock('mmap_lock', 'r'), Unlock('mmap_lock', 'r'), Unlock('i_mmap_rwsem', 'r')]
    collapse = [Return()]       # if (shape != three) return;: the test folds, the return stays
    return Model('lock-abba-on', {}, [munmap, other, collapse],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', 'page_lock': 'mutex'}, lock_order=True)


def munmap_downgrade(variant=None):
    detach_first = variant != 'detach-late'
    VA, P_ = 0x7f000000, 0x200

    munmap = [Lock('mmap_lock', 'w')] + ([do(lambda g, l, c: remove_vma(VA))] if detach_first else []) + [
        do(lambda g, l, c: mmap_write_downgrade()), do(lambda g, l, c: tlb_gather_mmu()),
        S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))),
        LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA)),
        S(setl('pte', lambda g, l, c: ptep_get_and_clear(VA, l['ptl']))), do(lambda g, l, c: tlb_remove_tlb_entry(VA)),
        If(lambda g, l, c: pte_present(l['pte']), [do(lambda g, l, c: page_remove_rmap(pte_page(l['pte']))),
                                                   do(lambda g, l, c: tlb_remove_page(pte_page(l['pte'])))]),
        Unlock(lk('ptl'))] + ([] if detach_first else [do(lambda g, l, c: remove_vma(VA))]) + [
        do(lambda g, l, c: free_pte_range(VA)), GatherFlush('finish'), Unlock('mmap_lock', 'r'),
        S(setv('unmapped', K(True)))]
    thread = [Lock('mmap_lock', 'r'), Fault('r', K(VA), FAULT_FLAG_WRITE), Unlock('mmap_lock', 'r'),
              If(lambda g, l, c: l['r'] == 0, [do(lambda g, l, c: access(VA))]), S(setv('faulted', K(True)))]
    inv = lambda g: not (g['unmapped'] and g['faulted']) or page_refcount(CUR.mm, P_) + page_refcount(CUR.mm, P_ + 1) == 0
    return Model('munmap-downgrade', {'unmapped': False, 'faulted': False}, [munmap, thread],
                 locks={'mmap_lock': 'rwsem', 'ptl1': 'spin'}, invariants=[inv],
                 mm=MMSetup(flush='ipi', table_free='rcu', ram=(P_, 2), vmas=[(VA, True)], pte_tables=[VA],
                            mask={0, 1}, walk_cache=True))


def ack_irq(variant=None):
    return Model('ack-irq', {'x': 0}, [[Flush(ALL)], [do(lambda g, l, c: raise_irq('dev'))]],
                 irqs={'dev': (0, [S(inc('x'))])}, mm=MMSetup(mask={0, 1}))


def gp_irq(variant=None):
    reader = [do(lambda g, l, c: rcu_read_lock()), do(lambda g, l, c: raise_irq('dev')), do(lambda g, l, c: rcu_read_unlock())]
    return Model('gp-irq', {'x': 0}, [[SyncRcu()], reader], irqs={'dev': (0, [S(inc('x'))])}, mm=MMSetup(mask={0, 1}))


def rw_irq(variant=None):
    reader = [do(lambda g, l, c: raise_irq('dev')), Lock('sem', 'r'), Lock('sem', 'r'), Unlock('sem', 'r'), Unlock('sem', 'r')]
    return Model('rw-irq', {'y': 0}, [reader, [Lock('sem', 'w'), Unlock('sem', 'w')]], locks={'sem': 'rwsem'},
                 irqs={'dev': (1, [S(setv('y', K(1))), S(setv('y', K(0)))])})


def lock_abba(variant=None):
    m = lock_abba_on(variant)
    m.name, m.lock_order = 'lock-abba', False
    del m.init_shared['$order']
    return m


def retract_lock_order(variant=None):
    trylock_ = variant != 'blocking'
    fault = [Lock('mmap_lock', 'r'), Lock('page_lock'), S(setl('seen', lambda g, l, c: g['retracted'])), Unlock('page_lock'),
             Unlock('mmap_lock', 'r')]
    take = [S(setl('got', lambda g, l, c: trylock('mmap_lock', 'w')))] if trylock_ else \
        [Lock('mmap_lock', 'w'), S(setl('got', K(True)))]
    collapse = [Lock('page_lock'), Lock('i_mmap_rwsem', 'w')] + take + [
        If(lambda g, l, c: l['got'], [S(setv('retracted', K(True))), Unlock('mmap_lock', 'w')], [S(inc('left_pte_mapped'))]),
        Unlock('i_mmap_rwsem', 'w'), Unlock('page_lock')]
    return Model('retract-lock-order', {'retracted': False, 'left_pte_mapped': 0}, [fault, collapse],
                 locks={'mmap_lock': 'rwsem', 'i_mmap_rwsem': 'rwsem', 'page_lock': 'mutex'},
                 invariants=[lambda g: not (g['retracted'] and g['left_pte_mapped'] > 0)])


def counter_lock(variant=None):
    locked = variant == 'fixed'

    def bump(check):
        return ([Lock('lock')] if locked else []) + [S(setl('tmp', lambda g, l, c: g['counter'])),
                                                     S(setv('counter', lambda g, l, c: l['tmp'] + 1))] + \
            ([Unlock('lock')] if locked else []) + [S(inc('done'))] + \
            ([If(lambda g, l, c: g['done'] == 2, [Assert(lambda g, l, c: g['counter'] == 2)])] if check else [])
    return Model('counter-lock', {'counter': 0, 'done': 0}, [bump(False), bump(True)], locks={'lock': 'spin'})


def mprotect_batched_flush(variant=None):
    check = variant == 'fixed'
    VA, P_ = 0x7f000000, 0x200
    ptl = LockAs('ptl', lambda g, l, c: pte_offset_map_lock(l['pmd'], VA))
    mprotect = [Lock('mmap_lock', 'w'), S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl] + \
        ([If(lambda g, l, c: g['tlb_flush_batched'], [Flush(ALL, freed_tables=True, tables=True),
                                                      S(setv('tlb_flush_batched', K(False)))])] if check else []) + [
        S(setl('pages', K(0))), S(setl('pte', lambda g, l, c: ptep_get(VA))),
        If(lambda g, l, c: pte_present(l['pte']), [do(lambda g, l, c: ptep_set_wrprotect(VA)), S(setl('pages', K(1)))]),
        Unlock(lk('ptl')), If(lambda g, l, c: l['pages'], [Flush(K((VA, 1)), tables=True)]), Unlock('mmap_lock', 'w'),
        do(lambda g, l, c: syscall_exit(VA, 1))]

    def unmap(g, l, c):
        l['pte'] = ptep_get_and_clear(VA)
        g['tlb_flush_batched'] = True
    kswapd = [S(setl('pmd', lambda g, l, c: pmdp_get_lockless(VA))), ptl, S(unmap),
              do(lambda g, l, c: page_remove_rmap(pte_page(l['pte']))), Unlock(lk('ptl')), Flush(K((VA, 1))),
              do(lambda g, l, c: put_page(pte_page(l['pte'])))]
    return Model('mprotect-batched-flush', {'tlb_flush_batched': False}, [mprotect, kswapd, []],
                 locks={'mmap_lock': 'rwsem', 'ptl1': 'spin'},
                 mm=MMSetup(ram=(P_, 1), maps=[(VA, P_, True)], mask={0, 2}, tlbs=[(2, VA)]))


EXAMPLES = {'mprotect-batched-flush': mprotect_batched_flush, 'counter-lock': counter_lock, 'ack-irq': ack_irq, 'gp-irq': gp_irq, 'rw-irq': rw_irq, 'lock-abba': lock_abba,
            'retract-lock-order': retract_lock_order, 'zap-delay-rmap': zap_delay_rmap, 'ksm-wrprotect': ksm_wrprotect, 'lock-abba-on': lock_abba_on,
            'munmap-downgrade': munmap_downgrade, 'thp-split-grab': thp_split_grab, 'zap-dirty-flush': zap_dirty_flush, 'oom-reap-exit': oom_reap_exit,
            'mremap-pmd': mremap_pmd, 'mremap-retract': mremap_retract, 'munmap-madv-walkcache': munmap_madv_walkcache}
EXAMPLE_VARIANTS = {
    'zap-delay-rmap': ['fixed'], 'ksm-wrprotect': ['before-flush', 'x86-no-recheck', 'broadcast', 'broadcast-no-recheck'],
    'lock-abba-on': ['ordered'], 'munmap-downgrade': ['detach-late'], 'lock-abba': ['ordered'],
    'retract-lock-order': ['blocking'], 'counter-lock': ['fixed'], 'mprotect-batched-flush': ['fixed'],
    'thp-split-grab': ['x86-no-head-recheck', 'broadcast', 'no-head-recheck', 'no-pte-recheck', 'no-freeze'],
    'zap-dirty-flush': ['finish-last', 'force-flush', 'force-flush-last', 'delay-rmap', 'delay-rmap-shared', 'clean'],
    'oom-reap-exit': ['v6-0', 'no-lock-cycle', 'skip-check-unlocked'],
    'mremap-pmd': ['fixed', 'late-flush'], 'mremap-retract': ['fixed'],
    'munmap-madv-walkcache': ['fixed', 'x86', 'x86-lazy', 'x86-lazy-fixed'],
}


BUILTIN_SCENARIOS = {'ext4-dax-unbind-now': ext4_dax_unbind_now, 'xfs-pre-remove': xfs_pre_remove, 'fsdax-unbind-2021': fsdax_unbind_2021,
                     'fsdax-unbind-2021-noref': lambda v=None: fsdax_unbind_2021(v, True), 'broadcast-flush-rcu': broadcast_flush_rcu, 'madv-dontneed-flush': madv_dontneed_flush, 'devdax-unbind': devdax_unbind, 'devdax-unbind-irqs-on': lambda v=None: devdax_unbind(v, True),
                     'numa-migrate-flush': numa_migrate_flush, 'mremap-move': mremap_move, 'khugepaged-collapse': khugepaged_collapse,
                     'thp-split-gup': thp_split_gup}
BUILTIN_VARIANTS = {
    'xfs-pre-remove': ['without-refault'], 'fsdax-unbind-2021': ['noref', 'pmd'], 'fsdax-unbind-2021-noref': ['ref', 'pmd'],
    'broadcast-flush-rcu': ['ref-atomic', 'free-tables', 'v5_18'],
    'madv-dontneed-flush': ['fixed', 'today', 'free-before-flush'],
    'devdax-unbind': ['longterm', 'real-gup', 'ref-atomic', 'v5_18'], 'devdax-unbind-irqs-on': ['ref'],
    'mremap-move': ['dirty', 'fixed'], 'numa-migrate-flush': ['fixed', 'lost-pending', 'counted'],
    'khugepaged-collapse': ['broadcast', 'broadcast-recheck', 'broadcast-sync', 'file', 'file-broadcast',
                            'file-broadcast-recheck', 'file-broadcast-sync', 'file-v6_6', 'file-v6_6-free-now',
                            'file-v6_6-free-now-ipi', 'anon-zap', 'anon-zap-sync', 'anon-zap-ipi', 'lazy-pwc',
                            'lazy-pwc-fixed'],
    'thp-split-gup': ['no-recheck', 'broadcast-no-recheck', 'broadcast', 'populate-first', 'no-flush'],
}


MM_SCENARIOS = {
    'mm-zap-free': mm_zap_free, 'mm-refs': mm_refs, 'mm-table-free': mm_table_free, 'mm-pwc': mm_pwc,
    'mm-ipi-lock': mm_ipi_lock, 'mm-sync-rcu': mm_sync_rcu, 'mm-syscall-exit': mm_syscall_exit,
    'mm-lazy': mm_lazy, 'mm-refill': mm_refill, 'mm-irq-ipi': mm_irq_ipi,
    'mm-gather': mm_gather, 'mm-gup-reuse': mm_gup_reuse, 'mm-nested': mm_nested,
    'mm-gather-range': mm_gather_range, 'mm-sync-one': mm_sync_one, 'mm-wrprotect': mm_wrprotect,
    'mm-pmd-install': mm_pmd_install, 'mm-lazy-walk': mm_lazy_walk,
    'mm-retry': mm_retry,
}
MM_VARIANTS = {
    'mm-zap-free': ['no-flush', 'irqs-off'], 'mm-refs': ['plain-get', 'double-put'],
    'mm-table-free': ['sync', 'defer'], 'mm-pwc': ['no-flush', 'arm64'], 'mm-ipi-lock': ['plain', 'flushers'],
    'mm-sync-rcu': ['nosync', 'in-lock'], 'mm-syscall-exit': ['no-flush'], 'mm-lazy': ['no-catch-up'],
    'mm-irq-ipi': ['lock'], 'mm-gather': ['broadcast-rcu', 'broadcast-no-rcu', 'free-at-once', 'free-first'],
    'mm-gup-reuse': ['recheck'], 'mm-nested': ['no-nested'],
    'mm-gather-range': ['wide', 'reset'], 'mm-sync-one': ['no-sync', 'stub'], 'mm-wrprotect': ['no-flush', 'unmap'],
    'mm-pmd-install': ['unlocked'], 'mm-lazy-walk': ['no-freed-tables'],
    'mm-retry': ['nolabel'],
}

SCENARIOS.update(MM_SCENARIOS)
VARIANTS.update(MM_VARIANTS)
SCENARIOS.update(BUILTIN_SCENARIOS)
VARIANTS.update(BUILTIN_VARIANTS)
SCENARIOS.update(EXAMPLES)
VARIANTS.update(EXAMPLE_VARIANTS)

def model_of(name):
    """NAME or NAME:VARIANT."""
    base, _, variant = name.partition(':')
    return SCENARIOS[base](variant) if variant else SCENARIOS[base]()


def all_names():
    return list(SCENARIOS) + [f'{b}:{v}' for b, vs in VARIANTS.items() for v in vs]


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--replay':
        # checker.py --replay NAME "0 1 i1": what each step of racewalk's schedule reports here
        *_, trace = run(model_of(sys.argv[2]), parse_schedule(sys.argv[3]))
        print(json.dumps(trace))
        sys.exit(0)
    if sys.argv[1:] == ['--replay-stdin']:
        # stdin: {"NAME": ["0 1 1", ...]}; stdout: {"NAME": [trace, ...]}, one search per scenario
        want = json.load(sys.stdin)
        out = {}
        for name, schedules in want.items():
            model = model_of(name)
            out[name] = [run(model, parse_schedule(sch))[3] for sch in schedules]
        print(json.dumps(out))
        sys.exit(0)
    names = sys.argv[1:] or all_names()
    out = {}
    for name in names:
        found, states, livelocks = run(model_of(name))
        if livelocks:
            found['livelock'] = livelocks
        out[name] = dict(sorted(found.items()))
        print(f'{name}: {states} states {out[name]}', file=sys.stderr)
    print(json.dumps(out, sort_keys=True))
