#!/usr/bin/env python3
"""An independent explicit-state checker for the xcheck scenarios.

Written from docs/scenario-language.md, docs/grammar.md and docs/model.md
alone, never from racewalk's source, so that agreement means something
(test/xcheck.test.ts compares the two). Each scenario is
hand-translated below into structured statements (S, If, IfWarn, While,
DoWhile, For, Break, Continue, Return, Await, AtomicAwait, Lock, Unlock,
TryLock, Assert, BugOn, WarnOn) that compile to flat
instructions; one instruction is one statement, one atomic step. Jumps, labels,
break and closing braces cost no step. Breadth-first search over (pcs, stopped,
locals, shared memory, lock owners) without any reduction gives, for every
violation kind reachable, the length in statements of the shortest schedule.
Every edge is kept too, for the livelocks: the strongly connected components
of the steps that neither finish a CPU nor report a violation (these scenarios
have no progress labels), with some CPU moving inside, and weakly fair (every
CPU that never moves inside is disabled in one of its states).

The semantics taken from the docs:
- a CPU at a false await cannot be stepped; the step that passes it is one
  statement (scenario-language.md, "await c;");
- locks (docs/model.md "Locks"): an uncontended acquire is one step; a
  contended one is a step that leaves the CPU waiting on the lock, and its next
  step, once the lock is free, takes it (any waiter, or a newcomer, may win);
- assert: a violation if false, the CPU goes on; WARN_ON: a violation if true,
  the CPU goes on; BUG_ON: a violation if true, the CPU stops there;
- invariants are checked after every step;
- deadlock: the step that closes a wait-for cycle of lock waiters, or several blocked
  CPUs and none can move; hung-task: one CPU blocked while every other is done;
  both reported on the step that reaches the state;
- lock-held: a CPU finished holding a lock; bad-unlock: an unlock by a CPU
  that does not hold the lock;
- search goes on past a violating step (every kind is collected);
- `if (c) return;` is two steps (only `if (c) goto L;` is one); break and
  continue none; `for (;;)` has no test step; `atomic { await c; ... }` is one
  step, enabled when c holds.

Prints a JSON object {scenario: {kind: length}} (livelock: a list of
{moving, prefix: BFS distance of the nearest state, states}); `checker.py
NAME` one scenario; `--replay NAME "0 1 1"` or `--replay-stdin` replays
racewalk's schedules here, step by step.
"""
import json
import sys
from collections import deque

# ---- structured statements -------------------------------------------------

def S(fn):            return ('S', fn)            # fn(g, l) -> None: a step
def If(c, t, e=()):   return ('If', c, list(t), list(e))
def While(c, b):      return ('While', c, list(b))
def DoWhile(b, c):    return ('DoWhile', list(b), c)
def For(init, c, nxt, b): return ('For', init, c, nxt, list(b))
def Await(c):         return ('Await', c)
def Lock(n):          return ('Lock', n)
def Unlock(n):        return ('Unlock', n)
def TryLock(n, var):  return ('TryLock', n, var)  # var = trylock(n), a local
def Return():         return ('Return',)          # a step; the CPU finishes (only goto folds into its if)
def Break():          return ('Break',)           # no step: a jump out of the innermost loop
def Continue():       return ('Continue',)        # no step: a jump to its next test (for: its next)
def IfWarn(c, t):     return ('If', c, list(t), [], 'warn')   # if (WARN_ON(c)) t: one step that may warn
def AtomicAwait(c, fn): return ('AtomicAwait', c, fn)  # atomic { await c; ... }: one guarded step
def Assert(c):        return ('Assert', c)
def BugOn(c):         return ('BugOn', c)
def WarnOn(c):        return ('WarnOn', c)


def compile_block(stmts):
    """Flat instructions; ('J', target) jumps cost no step and are resolved away."""
    code = []

    def emit(ins):
        code.append(ins)
        return len(code) - 1

    def block(ss):
        for s in ss:
            one(s)

    def one(s):
        op = s[0]
        if op == 'If':
            br = emit(['B', s[1], None, None, s[4] if len(s) > 4 else None])
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
            br = emit(['B', s[1], None, None])
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
            br = emit(['B', s[2], top, None])
            code[br][3] = len(code)
            close(test, len(code))
        elif op == 'For':
            if s[1] is not None:
                emit(['S', s[1]])
            top = len(code)
            br = None
            if s[2] is not None:   # for (;;): no test, no step for it
                br = emit(['B', s[2], None, None])
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
        else:
            emit(list(s))

    def close(cont, exit_):
        brks, conts = loops.pop()
        for b in brks:
            code[b][1] = exit_
        for c in conts:
            code[c][1] = cont

    returns, loops = [], []
    block(stmts)
    end = len(code)
    for r in returns:
        code[r][1] = end

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
    nxt = [end if code[i][0] == 'R' else resolve(i + 1) for i in range(end)]
    return code, nxt, resolve(0), end


# ---- the search --------------------------------------------------------------

class Model:
    def __init__(self, name, shared, cpus, locks=(), invariants=()):
        self.name = name
        self.init_shared = dict(shared)
        self.progs = [compile_block(c) for c in cpus]
        self.locks = list(locks)
        self.invariants = list(invariants)


def freeze(d):
    return tuple(sorted(d.items()))


def run(model, schedule=None):
    """BFS; with a schedule (a list of CPU ids, one per statement), also replay it:
    the kinds each step reports and the BFS distance of each state it passes."""
    n = len(model.progs)
    ends = [p[3] for p in model.progs]
    init = (tuple(p[2] for p in model.progs), (False,) * n,
            tuple(freeze({'REPLICA': 0}) for _ in range(n)) if False else tuple(() for _ in range(n)),
            freeze(model.init_shared), tuple(None for _ in model.locks), (False,) * n)
    lock_ix = {name: i for i, name in enumerate(model.locks)}

    def done(st, c):
        return st[1][c] or st[0][c] >= ends[c]

    def enabled(st, c):
        if done(st, c):
            return False
        ins = model.progs[c][0][st[0][c]]
        if ins[0] == 'Lock' and st[5][c]:
            return st[4][lock_ix[ins[1]]] is None
        if ins[0] in ('Await', 'AtomicAwait'):
            return bool(ins[1](dict(st[3]), dict(st[2][c]), c))
        return True

    def step(st, c):
        code, nxt, _, end = model.progs[c]
        pcs, stopped, locs, g, owners = list(st[0]), list(st[1]), list(st[2]), dict(st[3]), list(st[4])
        waiting = list(st[5])
        l = dict(locs[c])
        pc = pcs[c]
        ins = code[pc]
        op = ins[0]
        kinds = set()
        npc = nxt[pc]
        if op == 'S':
            ins[1](g, l, c)
        elif op == 'B':
            v = ins[1](g, l, c)
            npc = ins[2] if v else ins[3]
            if v and len(ins) > 4 and ins[4]:
                kinds.add(ins[4])
        elif op == 'AtomicAwait':
            ins[2](g, l, c)
        elif op in ('Await', 'R'):
            pass
        elif op == 'Lock':
            i = lock_ix[ins[1]]
            if owners[i] is None:
                owners[i] = c
                waiting[c] = False
            else:
                waiting[c] = True       # contended: wait, take it on a later step
                npc = pc
        elif op == 'Unlock':
            i = lock_ix[ins[1]]
            if owners[i] != c:
                kinds.add('bad-unlock')
            owners[i] = None
        elif op == 'TryLock':
            i = lock_ix[ins[1]]
            ok = owners[i] is None
            if ok:
                owners[i] = c
            l[ins[2]] = ok
        elif op == 'Assert':
            if not ins[1](g, l, c):
                kinds.add('assert')
        elif op == 'WarnOn':
            if ins[1](g, l, c):
                kinds.add('warn')
        elif op == 'BugOn':
            if ins[1](g, l, c):
                kinds.add('bug')
                stopped[c] = True
        else:
            raise ValueError(op)
        pcs[c] = npc
        locs[c] = freeze(l)
        ns = (tuple(pcs), tuple(stopped), tuple(locs), freeze(g), tuple(owners), tuple(waiting))
        for inv in model.invariants:
            if not inv(g):
                kinds.add('invariant')
        if npc >= end and not stopped[c] and c in owners:
            kinds.add('lock-held')
        # liveness, on the step that reaches the state
        blocked = [d for d in range(n) if not done(ns, d) and not enabled(ns, d)]
        if blocked and not any(enabled(ns, d) for d in range(n)):
            kinds.add('hung-task' if len(blocked) == 1 else 'deadlock')
        else:
            waits = {}
            for d in blocked:
                i2 = code_of(ns, d)
                if i2[0] == 'Lock' and ns[5][d]:
                    waits[d] = ns[4][lock_ix[i2[1]]]
            for d in waits:
                seen, e = set(), d
                while e in waits and e not in seen:
                    seen.add(e)
                    e = waits[e]
                if e == d:
                    kinds.add('deadlock')
        return ns, kinds

    def code_of(st, c):
        return model.progs[c][0][st[0][c]]

    found = {}
    dist = {init: 0}
    edges = {}   # state -> [(cpu, successor)] of the steps that may lie on a livelock
    q = deque([init])
    while q:
        st = q.popleft()
        d = dist[st]
        out = edges[st] = []
        for c in range(n):
            if not enabled(st, c):
                continue
            ns, kinds = step(st, c)
            for k in kinds:
                if k not in found or found[k] > d + 1:
                    found[k] = d + 1
            # progress is finishing a CPU (these scenarios have no progress labels);
            # violating steps are not on a livelock either (docs/search.md)
            if not kinds and not done(ns, c):
                out.append((c, ns))
            if ns not in dist:
                dist[ns] = d + 1
                q.append(ns)
    livelocks, comps = [], []
    for comp in sccs(edges):
        inside = set(comp)
        moving = {c for st in comp for c, ns in edges[st] if ns in inside}
        if not moving:
            continue  # a single state without a self-loop: no cycle
        # weak fairness: every CPU that never moves in the component is disabled somewhere in it
        idle = set(range(n)) - moving
        if all(any(not enabled(st, c) for st in comp) for c in idle):
            livelocks.append({'moving': sorted(moving), 'states': len(comp),
                              'prefix': min(dist[st] for st in comp)})
            comps.append(inside)
    livelocks.sort(key=lambda x: (x['prefix'], x['moving']))
    if schedule is None:
        return found, len(dist), livelocks
    trace, st = [], init
    ids = {s: i for i, s in enumerate(dist)}
    for c in schedule:
        if not enabled(st, c):
            trace.append({'cpu': c, 'error': 'not enabled'})
            break
        st, kinds = step(st, c)
        trace.append({'cpu': c, 'kinds': sorted(kinds), 'dist': dist[st], 'id': ids[st],
                      'component': next((i for i, x in enumerate(comps) if st in x), None)})
    return found, len(dist), livelocks, trace


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
    look[3] = ('If', dec_branch, look[3][2], look[3][3])
    owner[0] = ('If', dec_branch, owner[0][2], owner[0][3])
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
    b = [Lock('m2'), TryLock('m1', 'ok'), If(lambda g, l, c: l['ok'], [S(inc('cnt')), Unlock('m1')]), Unlock('m2')]
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
}

if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--replay':
        # checker.py --replay NAME "0 1 1": what each step of racewalk's schedule reports here
        *_, trace = run(SCENARIOS[sys.argv[2]](), [int(t) for t in sys.argv[3].split()])
        print(json.dumps(trace))
        sys.exit(0)
    if sys.argv[1:] == ['--replay-stdin']:
        # stdin: {"NAME": ["0 1 1", ...]}; stdout: {"NAME": [trace, ...]}, one search per scenario
        want = json.load(sys.stdin)
        out = {}
        for name, schedules in want.items():
            model = SCENARIOS[name]()
            out[name] = [run(model, [int(t) for t in sch.split()])[3] for sch in schedules]
        print(json.dumps(out))
        sys.exit(0)
    names = sys.argv[1:] or list(SCENARIOS)
    out = {}
    for name in names:
        found, states, livelocks = run(SCENARIOS[name]())
        if livelocks:
            found['livelock'] = livelocks
        out[name] = dict(sorted(found.items()))
        print(f'{name}: {states} states {out[name]}', file=sys.stderr)
    print(json.dumps(out, sort_keys=True))
