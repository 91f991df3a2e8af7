// What a kernel developer writes without thinking (issue 10): shared
// variables, helper functions, for / break / continue, ++ and +=, ?:, &x,
// and the messages for C habits the language does not share.

import {describe, expect, it} from 'vitest';
import {compile, ParamError} from '../source/lang/compiler.js';
import {Diagnostic} from '../source/lang/diagnostics.js';
import {Model} from '../source/lang/interpreter.js';
import {parseScenario} from '../source/lang/parser.js';
import {explore} from '../source/explore/index.js';
import {kinds, run} from './helpers/mini.js';

const M = 'machine { pgmap(pmem0, fsdax, 0x100, 1); map(0x7f000000, 0x100, write); mm_cpumask(0); }';
const src = (top: string, cpu: string) => `scenario t\nparam on = true\n${top}\n${M}\ncpu 0 "a" {\n${cpu}\n}\n`;

function message(text: string): string {
	try {
		compile(parseScenario(text, 't.race'), {file: 't.race', source: text});
	} catch (err) {
		if (err instanceof Diagnostic || err instanceof ParamError) return err.message;
		throw err;
	}
	return 'compiled';
}

function model(top: string, cpu: string): Model {
	const text = src(top, cpu);
	return new Model(compile(parseScenario(text, 't.race'), {file: 't.race', source: text}));
}

/** Run CPU0 to the end; returns its locals, the globals and the lines it stepped on. */
function runAll(m: Model): {locals: Record<string, unknown>; globals: Record<string, unknown>; lines: number[]; steps: number} {
	let s = m.initial;
	const lines: number[] = [];
	for (let i = 0; i < 1000 && s.cpus[0]!.pc >= 0; i++) {
		const r = m.step(s, {cpu: 0, irq: false});
		lines.push(r.line!);
		s = r.state;
	}
	return {locals: {...s.cpus[0]!.locals}, globals: {...s.globals}, lines, steps: lines.length};
}

describe('statements and expressions', () => {
	it('for loops with ++, +=, break and continue; each clause is a step', () => {
		const m = model('', 'sum = 0;\nfor (i = 0; i < 10; i++) {\n\tif (i == 2) continue;\n\tif (i == 5) break;\n\tsum += i;\n}\nj = 3;\nj--;\n--j;\nk = on ? 7 : 8;');
		const r = runAll(m);
		expect(r.locals).toMatchObject({sum: 0 + 1 + 3 + 4, i: 5, j: 1, k: 7});
	});
	it('a for loop with an empty clause list loops until a break', () => {
		const r = runAll(model('', 'n = 0;\nfor (;;) {\n\tn++;\n\tif (n == 3) break;\n}'));
		expect(r.locals.n).toBe(3);
	});
	it('a param on the left of && or || folds: the code it turns off takes no step, the rest keeps its own', () => {
		const steps = (cpu: string) => runAll(model('int x = 1;', cpu)).lines;
		expect(steps('if (!on && x) y = 1;\nz = 2;')).toEqual([7]);
		expect(steps('if (on || x) y = 1;\nz = 2;')).toEqual([6, 7]);
		expect(steps('if (on && x) y = 1;\nz = 2;')).toEqual([6, 6, 7]);
		expect(runAll(model('int x = 0;', 'if (on && x) y = 1;')).locals).toEqual({});
	});
	it('code a param folds away still names only calls that exist (a typo does not wait for the variant that turns it on)', () => {
		expect(message(src('spinlock_t l;', 'if (!on) spin_lokc(&l);'))).toBe("t.race:6:10: unknown primitive 'spin_lokc' (did you mean 'spin_lock'?)");
		expect(message(src('', 'while (!on) {\n\tx = pte_presnt(ptep_get(0x7f000000));\n}'))).toBe("t.race:7:6: unknown primitive 'pte_presnt' (did you mean 'pte_present'?)");
		expect(message(src('', 'if (on) x = 1;\nelse WARN_ON(frob(x));'))).toMatch(/^t\.race:7:14: unknown primitive 'frob'/);
	});
	it('?: evaluates only the branch taken', () => {
		const r = runAll(model('', 'p = NULL;\nx = p ? p.pfn : 0;'));
		expect(r.locals.x).toBe(0);
	});
	it('`return value;` in a cpu block finishes the CPU (the value is documentation)', () => {
		const r = runAll(model('', 'x = 1;\nreturn -EFAULT;\nx = 2;'));
		expect(r.locals.x).toBe(1);
	});
});

describe('do { } while (c);', () => {
	it('runs the body once before the first test; the test is a step at the while line', () => {
		const r = runAll(model('', 'n = 0;\ndo {\n\tn++;\n} while (n < 0);\nm = n;'));
		expect(r.locals).toMatchObject({n: 1, m: 1});
		expect(r.lines).toEqual([6, 8, 9, 10]);
	});
	it('loops while the test holds; continue goes to the test, break leaves', () => {
		const r = runAll(model('', 'n = 0;\nk = 0;\ndo {\n\tn++;\n\tif (n == 2) continue;\n\tif (n == 5) break;\n\tk += n;\n} while (n < 10);'));
		expect(r.locals).toMatchObject({n: 5, k: 1 + 3 + 4});
	});
	it('a constant test folds: while (0) runs the body once with no test step, while (1) loops until a break', () => {
		const once = runAll(model('', 'do {\n\tx = 1;\n} while (0);\ny = 2;'));
		expect(once.lines).toEqual([7, 9]);
		const loop = runAll(model('', 'n = 0;\ndo {\n\tn++;\n\tif (n == 3) break;\n} while (1);'));
		expect(loop.locals).toMatchObject({n: 3});
	});
	it('a helper call in the test runs first, each pass', () => {
		const r = runAll(model('int n;\nbool more(void)\n{\n\tn++;\n\treturn n < 3;\n}\n', 'do\n\tx = n;\nwhile (more());'));
		expect(r.globals.n).toBe(3);
		expect(r.locals).toEqual({x: 2});
	});
	it('a seqcount-style retry loop against a writer is found by search when the retry check is missing', () => {
		const top = 'int seq = 0;\nint a = 0;\nint b = 0;\nparam retry = true';
		const reader = 'do {\n\ts = READ_ONCE(seq);\n\tif (s & 1) continue;\n\tx = READ_ONCE(a);\n\ty = READ_ONCE(b);\n} while (retry && (s & 1 || READ_ONCE(seq) != s));\nassert x == y "torn read";';
		const text = (r: boolean) => `scenario t\n${top}\ncpu 0 "reader" {\n${reader}\n}\ncpu 1 "writer" {\nseq++;\na = 1;\nb = 1;\nseq++;\n}\n`;
		const kindsOf = (r: boolean) => {
			const t = text(r);
			const m = new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t, set: {retry: String(r)}}));
			return [...explore(m).kinds.keys()];
		};
		expect(kindsOf(true)).toEqual([]);
		expect(kindsOf(false)).toEqual(['assert']);
	});
	it.each([
		['do x = 1;', "t.race:7:1: expected 'while (...)' after the body of the 'do' at 6:1, found '}'"],
		['do { x = 1; } until (x);', "t.race:6:15: expected 'while (...)' after the body of the 'do' at 6:1, found 'until'"],
		['do { x = 1; } while (x)', "t.race:6:24: expected ';' after the statement, found '}'"],
	])('%s', (cpu, want) => {
		expect(message(src('', cpu))).toBe(want);
	});
});

describe('BUG_ON, WARN_ON and likely/unlikely', () => {
	it('WARN_ON returns its condition and reports a warn violation when it holds; the CPU goes on', () => {
		const r = run({cpus: ['x = 0;\nif (WARN_ON_ONCE(x == 0)) x = 5;\nif (WARN_ON(x == 0)) x = 6;']}, '0 0 0 0');
		expect(r.violations.map(v => [v.kind, v.check, v.line, v.message])).toEqual([['warn', 'WARN', 15, 'WARNING: WARN_ON_ONCE(x == 0) holds']]);
		expect(r.final.cpus[0]!.locals.x).toBe(5);
	});
	it('BUG_ON and VM_BUG_ON report a bug violation and stop the CPU; a false condition is a plain step', () => {
		const r = run({cpus: ['x = 1;\nBUG_ON(x == 0);\nVM_BUG_ON(x == 1);\nx = 2;']}, '0 0 0');
		expect(r.violations.map(v => [v.kind, v.check, v.line, v.message])).toEqual([['bug', 'BUG', 16, 'kernel BUG: VM_BUG_ON(x == 1) holds']]);
		expect(r.final.cpus[0]!.pc).toBe(-1);
		expect(r.final.cpus[0]!.locals.x).toBe(1);
	});
	it('likely and unlikely are their condition as a boolean, with no step of their own', () => {
		const r = runAll(model('', 'x = 3;\nif (unlikely(x)) y = likely(x == 4);'));
		expect(r.locals).toMatchObject({x: 3, y: false});
		expect(r.steps).toBe(3);
	});
	it('WARN_ON in an invariant is refused: an invariant is only tested', () => {
		expect(message('scenario t\nint x;\ninvariant "i" WARN_ON(x == 1) || true\ncpu 0 { x = 1; }\n')).toBe('t.race:3:15: WARN_ON() cannot stand in an invariant or a constant: it reports when a step runs it, and this is only tested; test it in a statement (if (WARN_ON(c)) ...)');
	});
	it('search finds a warn and a bug by kind', () => {
		const r = run({header: 'atomic_t refs = ATOMIC_INIT(2);', cpus: ['atomic_dec(&refs);\nWARN_ON(atomic_read(&refs) < 0);', 'atomic_dec(&refs);\nBUG_ON(atomic_read(&refs) < 0);']}, '');
		expect([...explore(r.model).kinds.keys()].sort()).toEqual([]);
		const lost = run({header: 'int refs = 2;', cpus: ['r = READ_ONCE(refs);\nWRITE_ONCE(refs, r - 1);\nWARN_ON(READ_ONCE(refs) != 1);', 'r = READ_ONCE(refs);\nWRITE_ONCE(refs, r - 1);\nBUG_ON(READ_ONCE(refs) == 1);']}, '');
		expect([...explore(lost.model).kinds.keys()].sort()).toEqual(['bug', 'warn']);
	});
	it.each([
		['if (BUG_ON(1)) x = 1;', 't.race:6:5: BUG_ON() returns nothing: write it as a statement of its own (BUG_ON(...);)'],
		['WARN_ON(1, 2);', 't.race:6:1: WARN_ON(condition) takes 1 argument, got 2'],
		['BUG(1);', 't.race:6:1: BUG() takes 0 arguments, got 1'],
		['WARN_ONN(1);', "t.race:6:1: unknown primitive 'WARN_ONN' (did you mean 'WARN_ON'?)"],
		['r = BUG_ON(1);', 't.race:6:5: BUG_ON() returns nothing: write it as a statement of its own (BUG_ON(...);)'],
		['await WARN_ON(on);', 't.race:6:7: WARN_ON() cannot stand in an await condition: it reports when a step runs it, and this is only tested; test it in a statement (if (WARN_ON(c)) ...)'],
		['atomic {\n\tawait WARN_ON_ONCE(on);\n\tx = 1;\n}', 't.race:7:8: WARN_ON_ONCE() cannot stand in the guard of an atomic block: it reports when a step runs it, and this is only tested; test it in a statement (if (WARN_ON(c)) ...)'],
	])('%s', (cpu, want) => {
		expect(message(src('', cpu))).toBe(want);
	});
});

describe('shared arrays', () => {
	it('int a[N]: elements start zeroed, are read, written, incremented and compound-assigned by index', () => {
		const m = model('const N = 3\nint a[N];\nbool seen[2];\nstruct page *saved[2];', 'i = 2;\na[i] = 5;\na[0]++;\na[i] += a[0];\nseen[1] = a[2] == 6;\nx = saved[0];');
		expect(m.initial.globals).toMatchObject({'a[0]': 0, 'a[1]': 0, 'a[2]': 0, 'seen[0]': false, 'seen[1]': false, 'saved[0]': null});
		const r = runAll(m);
		expect(r.globals).toMatchObject({'a[0]': 1, 'a[1]': 0, 'a[2]': 6, 'seen[1]': true});
		expect(r.locals).toMatchObject({x: null});
	});
	it('arrays of atomics and locks pass an element by address; READ_ONCE/WRITE_ONCE take elements', () => {
		const m = model('atomic_t refs[2];\nspinlock_t locks[2];\nint flag[2];', 'i = 1;\nspin_lock(&locks[i]);\natomic_inc(&refs[i]);\nWRITE_ONCE(flag[i], atomic_read(&refs[1]));\ny = READ_ONCE(flag[1]);\nspin_unlock(&locks[1]);');
		expect(Object.keys(m.initial.locks)).toEqual(expect.arrayContaining(['locks[0]', 'locks[1]']));
		const r = runAll(m);
		expect(r.globals).toMatchObject({'refs[1]': 1, 'flag[1]': 1});
		expect(r.locals).toMatchObject({y: 1});
	});
	it('smp_processor_id() is the running CPU: per-CPU slots in an array; the copies of a block lose their symmetry', () => {
		const text = 'scenario t\nint hits[3];\ncpu 0 "x" * 2 {\n\thits[smp_processor_id()]++;\n}\ncpu 1 "y" {\n\tme = raw_smp_processor_id();\n\thits[me] += 5;\n}\n';
		const m = new Model(compile(parseScenario(text, 't.race'), {file: 't.race', source: text}));
		const r = run(m, '0 2 1 1');
		expect(r.final.globals).toMatchObject({'hits[0]': 1, 'hits[1]': 5, 'hits[2]': 1});
		expect(m.program.symmetry).toEqual([]);
	});
	it('++a[i] and --a[i] are statements on the element', () => {
		const r = runAll(model('int a[2];', '++a[1];\n--a[0];'));
		expect(r.globals).toMatchObject({'a[0]': -1, 'a[1]': 1});
	});
	it('an element chosen by a shared index is a shared read: the search finds the race through it (partial-order reduction and merging do not skip it)', () => {
		const t = 'scenario t\nexpect violation assert\nint x = 0;\nint a[2];\ncpu 0 "w" { x = 1; }\ncpu 1 "r" { p = &a[x]; assert p == &a[0] "CPU1 saw x == 1"; }\n';
		const m = new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t}));
		expect([...explore(m, {liveness: false}).kinds.keys()]).toEqual(['assert']);
		const r = m.program.cpus[1]!.instrs[0]!;
		expect(r.local).toBe(false);
	});
	it('an await whose element index calls a primitive that writes is peeked on a throwaway draft', () => {
		const t = 'scenario t\natomic_t v;\nint a[4];\ncpu 0 { await &a[atomic_inc_return(&v)] == &a[3]; }\ncpu 1 { x = 1; }\n';
		const r = run(new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t})), '1');
		expect(r.violations.map(v => v.kind)).toEqual(['hung-task']);
		expect(r.final.globals['v']).toBe(0);
	});
	it('an index out of bounds at run time is an oops of that step', () => {
		const r = run(model('int a[2];', 'i = 2;\na[i] = 1;'), '0 0');
		expect(r.violations.map(v => [v.kind, v.message])).toEqual([['oops', 'CPU0 oops at line 7: a[2]: index out of bounds (0..1)']]);
	});
	it('an operator on a NULL names the operand, not only its type: a local is NULL until it is assigned', () => {
		const r = run(model('int a[2];', 'n = n + 1;'), '0');
		expect(r.violations.map(v => v.message)).toEqual(["CPU0 oops at line 6: operator + needs integers, but n is NULL (a local reads NULL until it is assigned)"]);
		const p = run(model('int a[2];', 'p = pfn_to_page(1);\nx = 2 * p;'), '0 0');
		expect(p.violations.map(v => v.message)).toEqual(['CPU0 oops at line 7: operator * needs integers, but p is page page(0x1)']);
		const u = run(model('int a[2];', 'x = -q;\nq = 1;'), '0');
		expect(u.violations.map(v => v.message)).toEqual(['CPU0 oops at line 6: operator - needs integers, but q is NULL (a local reads NULL until it is assigned)']);
	});
	it('two lock references compare by a fixed total order, as double_pt_lock compares spinlock_t pointers', () => {
		const r = runAll(model('spinlock_t a;\nspinlock_t b;', 'p = &b;\nq = &a;\nlt = p < q;\ngt = p > q;\nle = p <= p;\nge = q >= p;'));
		expect(r.locals).toMatchObject({lt: false, gt: true, le: true, ge: false});
		// Two CPUs taking the same two locks in that order cannot deadlock, whichever they name first.
		const ordered = (x: string, y: string) => `p = ${x}; q = ${y};\n\tif (p > q) { t = p; p = q; q = t; }\n\tspin_lock(p); spin_lock(q); spin_unlock(q); spin_unlock(p);`;
		const t = `scenario t\nspinlock_t a;\nspinlock_t b;\ncpu 0 {\n\t${ordered('&a', '&b')}\n}\ncpu 1 {\n\t${ordered('&b', '&a')}\n}\n`;
		const m = new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t}));
		expect([...explore(m).kinds.keys()]).toEqual([]);
		// The unordered pair does.
		const u = t.replaceAll('if (p > q) { t = p; p = q; q = t; }', '');
		expect([...explore(new Model(compile(parseScenario(u, 't.race'), {file: 't.race', source: u}))).kinds.keys()]).toContain('deadlock');
		// A lock and an integer still do not compare.
		const bad = run(model('spinlock_t a;', 'p = &a;\nx = p < 1;'), '0 0');
		expect(bad.violations.map(v => v.message)).toEqual(['CPU0 oops at line 7: operator < needs integers, but p is lock &a']);
	});
	it('each element is its own variable for the search: CPUs on different elements do not race', () => {
		const top = 'int a[2];\nparam same = false';
		const lost = (same: boolean) => {
			const t = `scenario t\n${top}\nint fin;\ncpu 0 "x" * 2 {\n\ti = same ? 0 : REPLICA;\n\tt = a[i];\n\ta[i] = t + 1;\n\tfin++;\n}\ninvariant "no lost update" fin != 2 || a[0] + a[1] == 2\n`;
			const m = new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t, set: {same: String(same)}}));
			return [...explore(m).kinds.keys()];
		};
		expect(lost(false)).toEqual([]);
		expect(lost(true)).toEqual(['invariant']);
	});
	it.each([
		['int a[2];', 'x = a;', "t.race:6:5: 'a' is an array: read an element, a[i]"],
		['int a[2];', 'x = a[2];', 't.race:6:7: index 2 is out of bounds of a[2] (0..1)'],
		['int a[2];', 'x = a[true];', 't.race:6:7: the index of a[] must be an integer, got bool true'],
		['int b;', 'x = b[0];', "t.race:6:5: 'b' is not an array (int b); use it without an index"],
		['', 'x = q[0];', "t.race:6:5: 'q' is not a shared array; declare one at the top level (int q[N];)"],
		['int a[0];', 'x = 1;', 't.race:3:7: the length of a[] is 0; an array has 1 to 512 elements'],
		['int a[];', 'x = 1;', 't.race:3:7: give the length of a[] (a number, const or param)'],
		['int a[2] = 1;', 'x = 1;', 't.race:3:10: an array starts zeroed (NULL, false, unlocked): set its elements in the code, not with an initialiser'],
		['atomic_t r[2];', 'r[0] = 1;', "t.race:6:1: 'r[0]' is an atomic_t: write it with atomic_set(&r[0], v)"],
		['atomic_t r[2];', 'atomic_inc(&r);', "t.race:6:12: 'r' is an array: pass an element, &r[i]"],
		['spinlock_t l[2];', 'l[0] = 1;', "t.race:6:1: 'l[0]' is a lock (spinlock_t); take it with a lock call, do not assign it"],
		['struct mutex l[2];', 'spin_lock(&l[0]);', 't.race:6:11: spin_lock() takes a spinlock_t, and \'l\' is a struct mutex: use mutex_lock'],
		['int a[2];', 'f(a)[0] = 1;', 't.race:6:5: only a shared array can be indexed, like cnt[i]'],
		['int a[a[0]];', 'x = 1;', 't.race:3:7: the length of a[] depends on a itself'],
		['int a[2];', 'a = 1;', "t.race:6:1: 'a' is an array: assign an element, a[i] = ..."],
		['int a[2];', 'a++;', "t.race:6:1: 'a' is an array: assign an element, a[i] = ..."],
		['atomic_t r[2];', 'atomic_set(&r, 1);', "t.race:6:12: 'r' is an array: pass an element, &r[i]"],
	])('%s %s', (top, cpu, want) => {
		expect(message(src(top, cpu))).toBe(want);
	});
});

describe('RCU-protected pointers', () => {
	it('rcu_assign_pointer / rcu_dereference are the writes and reads of a shared variable; a free after synchronize_rcu is safe, before it is not', () => {
		const kindsOf = (early: boolean) => {
			const t = `scenario t\nparam early = ${early}\nstruct page *gp;\nbool freed = false;\ncpu 0 "reader" {\n\trcu_read_lock();\n\tp = rcu_dereference(gp);\n\tif (p) assert !READ_ONCE(freed) "use after free";\n\trcu_read_unlock();\n}\ncpu 1 "updater" {\n\trcu_assign_pointer(gp, pfn_to_page(0x100));\n\tRCU_INIT_POINTER(gp, NULL);\n\tif (early) WRITE_ONCE(freed, true);\n\tsynchronize_rcu();\n\tWRITE_ONCE(freed, true);\n}\n`;
			return [...explore(new Model(compile(parseScenario(t, 't.race'), {file: 't.race', source: t}))).kinds.keys()];
		};
		expect(kindsOf(false)).toEqual([]);
		expect(kindsOf(true)).toEqual(['assert']);
	});
	it('rcu_dereference of something that is no shared variable says so', () => {
		expect(message(src('', 'p = rcu_dereference(q);'))).toBe("t.race:6:21: unknown shared variable or lock 'q'; declare it at the top level (int q = 0; or spinlock_t q;)");
	});
});

describe('shared variables', () => {
	it('declared with C types; plain and atomic, read and written as in C', () => {
		const m = model('static int count = 2;\nbool done;\natomic_t refs = ATOMIC_INIT(1);\nstruct page *saved;\nunsigned long addr = 0x1000;', 'count = count + 1;\ndone = true;\natomic_inc(&refs);\nsaved = pfn_to_page(0x100);');
		expect(m.initial.globals).toEqual({count: 2, done: false, refs: 1, saved: null, addr: 0x1000});
		expect(runAll(m).globals).toEqual({count: 3, done: true, refs: 2, saved: {t: 'page', pfn: 0x100}, addr: 0x1000});
	});
	it('DEFINE_SPINLOCK, DEFINE_MUTEX and DECLARE_RWSEM declare locks', () => {
		const m = model('DEFINE_SPINLOCK(a);\nDEFINE_MUTEX(b);\nDECLARE_RWSEM(c);', 'spin_lock(&a);\nspin_unlock(&a);');
		expect(m.initial.locks).toEqual({a: {kind: 'spinlock', owner: null, readers: []}, b: {kind: 'mutex', owner: null, readers: []}, c: {kind: 'rwsem', owner: null, readers: []}});
	});
	it.each([
		['atomic_t n;', 'n = 1;', "t.race:6:1: 'n' is an atomic_t: write it with atomic_set(&n, v)"],
		['atomic_t n;', 'x = n;', "t.race:6:5: 'n' is an atomic_t: read it with atomic_read(&n)"],
		['int x;', 'atomic_inc(&x);', 't.race:6:12: atomic_inc() takes an atomic_t, and \'x\' is a int; declare it atomic_t x;'],
		['struct mutex m;', 'spin_lock(&m);', "t.race:6:11: spin_lock() takes a spinlock_t, and 'm' is a struct mutex: use mutex_lock"],
		['spinlock_t l;', 'l = 1;', "t.race:6:1: 'l' is a lock (spinlock_t); take it with a lock call, do not assign it"],
		['', 'spin_lock(&l);', "t.race:6:12: unknown shared variable or lock 'l'; declare it at the top level (int l = 0; or spinlock_t l;)"],
		['', 'x = 1;\nspin_lock(&x);', "t.race:7:11: 'x' is a local: locals have no address; pass x itself"],
		['', 'x = 1;\natomic_inc(x);', "t.race:7:12: atomic_inc() needs a shared variable and 'x' is a local of this CPU; declare it at the top level (int x = 0;)"],
		['spinlock_t l = 0;', 'x = 1;', "t.race:3:14: a lock needs no initialiser: write 'spinlock_t l;' (it starts unlocked)"],
		['int x = z;', 'x = 1;', "t.race:3:9: unknown name 'z' here (outside a CPU's code there are no locals: params, consts, pgmaps and shared variables) (did you mean 'x'?)"],
		['int a, b;', 'x = 1;', 't.race:3:6: declare one variable per declaration'],
		['int on = 1;', 'x = 1;', "t.race:3:1: 'on' is already declared as a param at 2:1"],
		['int x = 1;', 'WRITE_ONCE(y, 1);', "t.race:6:12: unknown shared variable or lock 'y' (did you mean 'x'?); declare it at the top level (int y = 0; or spinlock_t y;)"],
	])('%s / %s', (top, cpu, want) => {
		expect(message(src(top, cpu))).toBe(want);
	});
});

describe('helper functions', () => {
	const helper = 'static inline bool pte_ok(pte_t pte, int want)\n{\n\tok = pte_present(pte) && pte_pfn(pte) == want;\n\treturn ok;\n}\n';
	it('are inlined: the call binds the arguments (a step at the call), each body statement is a step with the call site, the return forgets the locals', () => {
		const m = model(helper, 'p = ptep_get(0x7f000000);\nr = pte_ok(p, 0x100);\ns = pte_ok(p, 0x200);');
		const cpu = m.program.cpus[0]!;
		const body = cpu.instrs.filter(i => i.via);
		expect(body.map(i => [i.line, i.via])).toEqual([
			[5, [{fn: 'pte_ok', line: 12}]],
			[6, [{fn: 'pte_ok', line: 12}]],
			[7, [{fn: 'pte_ok', line: 12}]],
			[5, [{fn: 'pte_ok', line: 13}]],
			[6, [{fn: 'pte_ok', line: 13}]],
			[7, [{fn: 'pte_ok', line: 13}]],
		]);
		const r = runAll(m);
		expect(r.lines).toEqual([11, 12, 5, 6, 13, 5, 6]);
		expect(r.locals).toEqual({p: expect.objectContaining({t: 'pte'}), r: true, s: false});
	});
	it('a helper returning -EAGAIN hands back a negative errno, as the kernel does', () => {
		const m = model('static int try_it(void)\n{\n\treturn -EAGAIN;\n}\n', 'r = try_it();\nif (r < 0) failed = true;\nbusy = -EBUSY;\nf = EFAULT;');
		expect(runAll(m).locals).toMatchObject({r: -11, failed: true, busy: -16, f: 14});
	});
	it('falling off the end of a void helper returns at its closing brace', () => {
		const m = model('int hits;\nvoid bump(void)\n{\n\thits++;\n}\n', 'bump();\nbump();');
		const r = runAll(m);
		expect(r.globals.hits).toBe(2);
		expect(r.lines).toEqual([6, 7, 6, 7]);
	});
	it('a helper call in a condition runs first, into a temporary the branch consumes', () => {
		const m = model('int n;\nbool more(void)\n{\n\tn++;\n\treturn n < 3;\n}\n', 'while (more())\n\tx = n;');
		const r = runAll(m);
		expect(r.globals.n).toBe(3);
		expect(r.locals).toEqual({x: 2});
	});
	it('a helper call in an array index runs first too (x = slot[pick()])', () => {
		const m = model('int slot[2];\nint pick(void)\n{\n\treturn 1;\n}\n', 'slot[1] = 7;\nx = slot[pick()];');
		expect(runAll(m).locals).toEqual({x: 7});
	});
	it('locks and blocking calls inside helpers block the CPU at the helper line', () => {
		const top = 'spinlock_t l;\nvoid take(void)\n{\n\tspin_lock(&l);\n}\n';
		const text = `scenario t\n${top}\n${M}\ncpu 0 "a" {\ntake();\n}\ncpu 1 "b" {\ntake();\n}\n`;
		const m = new Model(compile(parseScenario(text, 't.race'), {file: 't.race', source: text}));
		let s = m.initial;
		s = m.step(s, {cpu: 0, irq: false}).state;
		s = m.step(s, {cpu: 1, irq: false}).state;
		expect(m.lineOf(s, 1)).toBe(5);
		expect(m.blockedReason(s, 1)).toBe('spins on l in spin_lock, held by CPU0');
	});
	it.each([
		['void f(void)\n{\n\tg();\n}\nvoid g(void)\n{\n\tf();\n}\n', 'f();', "t.race:9:2: recursive call f() -> g() -> f(): helpers are inlined at each call and may not recurse"],
		['int f(int a)\n{\n\treturn a;\n}\n', 'x = f();', 't.race:10:5: f(a) takes 1 argument, got 0'],
		['void f(void)\n{\n\tx = 1;\n}\n', 'y = f();', 't.race:10:5: f() is declared void and returns no value'],
		['void f(void)\n{\n\treturn 1;\n}\n', 'f();', 't.race:5:2: f() is declared void; return without a value'],
		['int f(void)\n{\n\treturn 1;\n}\n', 'x = 1 + (on && f());', "t.race:10:16: f() is a helper and cannot be called in the right side of '&&' (it may not run); call it first: r = f(...);"],
		['void f(void)\n{\n\tgoto out;\n}\n', 'out: x = 1;\nf();', "t.race:5:2: goto to unknown label 'out' (a goto cannot leave its helper function)"],
		['void f(void)\n{\n\tbreak;\n}\n', 'while (on) f();', "t.race:5:2: 'break' outside a loop (in helper f)"],
		['int f(void)\n{\n\treturn 1;\n}\n', 'await f();', 't.race:10:7: f() is a helper and cannot be called in an await condition (it is re-evaluated while the CPU waits); call it first: r = f(...);'],
		['int a[2];\nint f(void)\n{\n\treturn 1;\n}\n', 'await a[f()] == 0;', 't.race:11:9: f() is a helper and cannot be called in an await condition (it is re-evaluated while the CPU waits); call it first: r = f(...);'],
	])('%s', (top, cpu, want) => {
		expect(message(src(top, cpu))).toBe(want);
	});
});

describe('C habits get a message that says what to write', () => {
	it.each([
		['pte_t pte = ptep_get(0x7f000000);', 't.race:6:1: locals need no type: declare a local by assigning it: pte = ...;'],
		['int i;', 't.race:6:1: locals need no declaration: assign it where it gets its value (i = ...;); shared variables are declared at the top level'],
		['for (int i = 0; i < 2; i++) x++;', 't.race:6:6: locals need no type: declare a local by assigning it: i = ...;'],
		['struct page *page = NULL;', 't.race:6:1: locals need no type: declare a local by assigning it: page = ...;'],
		['x = *p;', "t.race:6:5: values have no pointers here: drop the '*' (READ_ONCE(x) reads a shared variable, ptep_get(va) reads a PTE again)"],
		['x = y++;', "t.race:6:6: '++' is a statement of its own here, not part of an expression: x = y; y++;"],
		['f(i--);', "t.race:6:4: '--' is a statement of its own here, not part of an expression: x = i; i--;"],
		['mutex_lock_killable(&m);', "t.race:6:1: unknown primitive 'mutex_lock_killable'; the mutex_lock* primitives are: mutex_lock, mutex_lock_nested (docs/primitives.md lists them all)"],
		['switch (x) {\ncase 1: y = 2;\n}', "t.race:6:1: the language has no 'switch': write if (x == A) ... else if (x == B) ... else ..."],
		['flush_tlb_range(vma, 0x7f000000, 0x7f001000);', "t.race:6:17: unknown name 'vma': flush_tlb_range(va, npages, [freed_tables]) takes va here (docs/primitives.md)"],
		['down_read_killable(&s);', "t.race:6:1: unknown primitive 'down_read_killable'; the down_read* primitives are: down_read, down_read_nested, down_read_trylock (docs/primitives.md lists them all)"],
	])('%s', (cpu, want) => {
		expect(message(src('', cpu))).toBe(want);
	});
});

describe('a param or const named like a word a set-up call takes', () => {
	const scenario = (decl: string, machine: string) => `scenario t\n${decl}\nmachine { ram(0x200, 1); ${machine} mm_cpumask(0); }\ncpu 0 "a" {\n\taccess(0x7f000000);\n}\n`;
	it.each([
		['param dirty = true', 'map(0x7f000000, 0x200, write, dirty);', "t.race:3:56: 'dirty' is both a param and a word map() takes, so map(0x7f000000, 0x200, write, dirty) is ambiguous: rename the param (say dirty_on) and write the word under a condition, as in `if (dirty_on) map(0x7f000000, 0x200, write, dirty);`"],
		['const huge = 1', 'walk_cache(on); map_range(0x7f000000, 0x200, 1, huge);', "t.race:3:74: 'huge' is both a const and a word map_range() takes, so map_range(0x7f000000, 0x200, 1, huge) is ambiguous: rename the const (say huge_on) and write the word under a condition, as in `if (huge_on) map_range(0x7f000000, 0x200, 1, huge);`"],
		['param rcu = false', 'table_free(rcu); map(0x7f000000, 0x200, write);', "t.race:3:37: 'rcu' is both a param and a word table_free() takes, so table_free(rcu) is ambiguous: rename the param (say rcu_on) and write the word under a condition, as in `if (rcu_on) table_free(rcu);`"],
	])('%s is refused where the call takes the word', (decl, machine, want) => {
		expect(message(scenario(decl, machine))).toBe(want);
	});
	it('is read as the param where the call takes no such word, and a param choice stays a word', () => {
		expect(message(scenario('param dirty = 0x7f000000', 'map(0x7f000000, 0x200, write); tlb(0, dirty);'))).toBe('compiled');
		expect(message(scenario('param mode = ipi | rcu', 'table_free(mode); map(0x7f000000, 0x200, write);'))).toBe('compiled');
		expect(message(scenario('param dirty_pte = true', 'if (dirty_pte) map(0x7f000000, 0x200, write, dirty); else map(0x7f000000, 0x200, write);'))).toBe('compiled');
	});
});

describe("the mmu_gather calls as the kernel spells them (tlb_gather_mmu(&tlb, mm))", () => {
	const RAMM = 'machine { ram(0x200, 1); map(0x7f000000, 0x200, write); mm_cpumask(0); }';
	const zap = (k: boolean) => [
		k ? 'tlb_gather_mmu(&tlb, mm);' : 'tlb_gather_mmu();',
		'pte = ptep_get_and_clear(0x7f000000);',
		k ? 'tlb_remove_tlb_entry(tlb, ptep, 0x7f000000);' : 'tlb_remove_tlb_entry(0x7f000000);',
		k ? 'tlb_remove_page(tlb, pte_page(pte));' : 'tlb_remove_page(pte_page(pte));',
		k ? 'free_pte_range(tlb, pmd, 0x7f000000);' : 'free_pte_range(0x7f000000);',
		k ? 'tlb_finish_mmu(&tlb);' : 'tlb_finish_mmu();',
		k ? 'n = mm_tlb_flush_pending(mm);' : 'n = mm_tlb_flush_pending();',
	].join('\n');
	const end = (k: boolean) => {
		const text = `scenario t\n${RAMM}\ncpu 0 "a" {\n${zap(k)}\n}\n`;
		const m = new Model(compile(parseScenario(text, 't.race'), {file: 't.race', source: text}));
		return runAll(m);
	};
	it('reach the same machine as the model\'s own forms, the leading arguments unevaluated', () => {
		const kernel = end(true);
		const model = end(false);
		expect(kernel.steps).toBe(model.steps);
		expect(kernel.locals).toEqual(model.locals);
		expect(kernel.locals.n).toBe(false);
	});
	it.each([
		['tlb_gather_mmu(&tlb);', "t.race:6:1: tlb_gather_mmu() takes 0 arguments, got 1 (or with the kernel's leading tlb, mm: tlb_gather_mmu(tlb, mm))"],
		['tlb_remove_page(1, pfn_to_page(0x100));', "t.race:6:17: tlb_remove_page(): write 'tlb' as the kernel does, a name like tlb (the model has one and keeps it itself)"],
	])('%s', (cpu, want) => {
		expect(message(src('', cpu))).toBe(want);
	});
});

it('an unknown primitive with no near spelling lists the primitives of its family', () => {
	expect(message(src('', 'pmd_frobnicate(0);'))).toMatch(/^t\.race:6:1: unknown primitive 'pmd_frobnicate'; the pmd_\* primitives are: .*pmd_lock.*pmd_present.* \(docs\/primitives\.md lists them all\)$/);
});

describe('expect clauses for the scenario checks', () => {
	it('`expect violation assert`, `expect violation invariant` and `expect no assert` parse', () => {
		const ast = parseScenario('scenario t\nexpect violation assert\nexpect violation invariant\nexpect no assert\ncpu 0 { x = 1; }', 't.race');
		expect(ast.expects.map(e => `${e.form} ${e.violation}`)).toEqual(['violation assert', 'violation invariant', 'no assert']);
	});
	it('a lock deadlock found by search is named', () => {
		const r = run({header: 'spinlock_t a;\nspinlock_t b;', cpus: ['spin_lock(&a); spin_lock(&b);', 'spin_lock(&b); spin_lock(&a);']}, '0 1 0 1');
		expect(kinds(r)).toEqual(['deadlock']);
	});
});
