// Compile-time diagnostics: every message names file:line:col, what was found
// and what was expected, with a suggestion for typos.

import {describe, expect, it} from 'vitest';
import {compile, ParamError} from '../source/lang/compiler.js';
import {Diagnostic} from '../source/lang/diagnostics.js';
import {parseScenario} from '../source/lang/parser.js';

const M = 'machine { pgmap(pmem0, fsdax, 0x100, 1); map(0x7f000000, 0x100, write); mm_cpumask(0); }';
const wrap = (cpu: string, extra = '') => `scenario t\nparam check = true\nparam mode = ipi | broadcast\n${extra}\n${M}\ncpu 0 "a" {\n${cpu}\n}\n`;

function message(src: string, opts: {set?: Record<string, string>; variant?: string} = {}): string {
	try {
		compile(parseScenario(src, 't.race'), {file: 't.race', source: src, ...opts});
	} catch (err) {
		if (err instanceof Diagnostic || err instanceof ParamError) return err.message;
		throw err;
	}
	return 'compiled';
}

describe('compile errors', () => {
	it.each([
		[wrap('ptep_get_lockles(0);'), "t.race:7:1: unknown primitive 'ptep_get_lockles' (did you mean 'ptep_get_lockless'?)"],
		// two letters swapped is one edit: 'wirte' is nearer write than dirty, 'spni_lock' nearer spin_lock than any other
		[wrap('x = 1;').replace('map(0x7f000000, 0x100, write)', 'map(0x7f000000, 0x100, wirte)'), "t.race:5:65: map(): 'wirte' is not a PTE flag; one of: write | special | devmap | huge | protnone | dirty (did you mean 'write'?)"],
		// a va mapped twice counted the page's reference twice, so the put that frees it did not
		[wrap('x = 1;').replace('map(0x7f000000, 0x100, write);', 'map(0x7f000000, 0x100, write); map(0x7f000000, 0x100);'), "t.race:5:73: map(): va 0x7f000000 is already mapped (to pfn 0x100, by an earlier map): one map() per va"],
		[wrap('x = 1;').replace('pgmap(pmem0, fsdax, 0x100, 1); map(0x7f000000, 0x100, write);', 'pgmap(pmem0, fsdax, 0x100, 2); map(0x7f001000, 0x101); map(0x7f000000, 0x100, huge);'), "t.race:5:66: map(): va 0x7f000000: its 2 MiB already have a PTE page (an earlier map() or pte_table() there): a huge PMD would replace it"],
		[wrap('spni_lock(&l);', 'spinlock_t l;'), "t.race:7:1: unknown primitive 'spni_lock' (did you mean 'spin_lock'?)"],
		[wrap('x = pte_pfn();'), 't.race:7:5: pte_pfn(pte) takes 1 argument, got 0'],
		[wrap('x = ptep_get_lockless(1, 2, 3);'), 't.race:7:5: ptep_get_lockless(pmd, va) takes 2 arguments, got 3'],
		[wrap('x = access(VAA);'), "t.race:7:12: unknown name 'VAA': access(va) takes va here (docs/primitives.md)"],
		[wrap('x = pte_present(ptee);\npte = 1;'), "t.race:7:17: unknown name 'ptee' (did you mean 'pte'?)"],
		[wrap('x = 1 + flush_tlb_mm_range();'), 't.race:7:9: flush_tlb_mm_range can block; call it as a statement of its own (x = flush_tlb_mm_range(...); or flush_tlb_mm_range(...);)'],
		[wrap('atomic { flush_tlb_mm_range(); }'), 't.race:7:10: flush_tlb_mm_range can block and cannot be used inside atomic { }'],
		[wrap('atomic { x = 1; await x == 1; }'), 't.race:7:17: await inside atomic { } may only be its first statement (the guard of the block)'],
		[wrap('atomic { atomic { x = 1; } }'), 't.race:7:10: atomic { } blocks do not nest'],
		[wrap('goto ot;\nout: x = 1;'), "t.race:7:1: goto to unknown label 'ot' (did you mean 'out'?)"],
		[wrap('a: x = 1;\na: x = 2;'), "t.race:8:1: duplicate label 'a'"],
		[wrap('atomic { goto out; }\nout: x = 1;'), "t.race:7:10: goto to unknown label 'out' (a goto cannot leave an atomic block)"],
		[wrap('map(1, 2);'), "t.race:7:1: 'map' is a machine set-up call; use it inside machine { }"],
		[wrap('x = pte.pfm;\npte = 1;'), "t.race:7:5: unknown field '.pfm' (did you mean 'pfn'?); PTE values have .pfn .present .write .special .devmap .huge"],
		[wrap('check = 1;'), "t.race:6:1: local 'check' in cpu 0 shadows a param, const or built-in name; rename one of them"],
		[wrap('broadcast = 1;'), "t.race:6:1: local 'broadcast' in cpu 0 shadows the value 'broadcast' of param mode; rename one of them"],
		[wrap('x = 1;', 'expect violation use-after-fre'), "t.race:4:1: unknown violation kind 'use-after-fre' (did you mean 'use-after-free'?); kinds: use-after-free, stale-mapping, stale-access, freed-page-use, pin-across-removal, hung-task, deadlock, tlb-incoherent, freed-table-read, unstable-pmd, pwc-freed-table, gup-unmapped-page, collapse-lost-pin, stale-tlb-return, tlb-size-conflict, lost-write, livelock, bad-unlock, lock-held, sleep-in-atomic, lock-order, refcount, assert, bug, warn, invariant, oops"],
		[wrap('x = 1;', 'variant v (chek = false) { expect safe }'), "t.race:4:12: variant v sets unknown param 'chek' (did you mean 'check'?)"],
		[wrap('x = 1;', 'variant v (check = 3) { expect safe }'), 't.race:4:12: param check is a boolean (true or false)'],
		[wrap('x = 1;', 'variant v (mode = rcu) { expect safe }'), 't.race:4:12: param mode is one of ipi | broadcast'],
		[wrap('x = 1;', 'const C = access(1)'), 't.race:4:1: const C must be computable from params and numbers'],
		[wrap('x = 1;', 'invariant "i" x == 1'), "t.race:4:15: unknown name 'x' here (outside a CPU's code there are no locals: params, consts, pgmaps and shared variables)"],
		['scenario t\nmachine { ram(0x200, 1); map_range(0x7f000000, 0x200, 1000000000, write); }\ncpu 0 { x = 1; }', 't.race:2:26: map_range(): npages must be between 1 and 4096'],
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); mapp(1, 1); }\ncpu 0 { x = 1; }', "t.race:2:34: unknown set-up call 'mapp' (did you mean 'map'?); machine { } takes: flush, table_free, arch, walk_cache, huge_tlb, lock_order, ram, pte_offset_map, refcount, pgmap, fs, map, map_range, compound, page_ref, vma, mm_cpumask, tlb, pte_table, pwc, lazy"],
		['scenario t\nmachine { kill_dax(p); }\ncpu 0 { x = 1; }', "t.race:2:11: 'kill_dax' is a CPU primitive; machine { } takes set-up calls: flush, table_free, arch, walk_cache, huge_tlb, lock_order, ram, pte_offset_map, refcount, pgmap, fs, map, map_range, compound, page_ref, vma, mm_cpumask, tlb, pte_table, pwc, lazy"],
		['scenario t\nmachine { flush(ipii); }\ncpu 0 { x = 1; }', "t.race:2:17: flush(): 'ipii' is not a flush mode; one of: ipi | broadcast (did you mean 'ipi'?)"],
		// the argument at fault is pointed at; a misspelt flag gets the nearest one, an undeclared name the nearest const
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); map(0x1000, 1, writ); }\ncpu 0 { x = 1; }', "t.race:2:49: map(): 'writ' is not a PTE flag; one of: write | special | devmap | huge | protnone | dirty (did you mean 'write'?)"],
		['scenario t\nconst PFN = 0x200\nmachine { ram(PFN0, 1); }\ncpu 0 { x = 1; }', "t.race:3:15: ram(): expected the first pfn (a non-negative integer), found 'PFN0', which is not a const or param (did you mean 'PFN'?)"],
		['scenario t\nmachine { ram(0x200, 1); map(0x1000, 0x200, 1); }\ncpu 0 { x = 1; }', 't.race:2:26: map(): expected a PTE flag (write | special | devmap | huge | protnone | dirty)'],
		[wrap('if (pte_young(ptep_get(1))) x = 1;'), "t.race:7:5: 'pte_young': the accessed bits are not modelled (docs/model.md, Not modelled): a load or store leaves no trace in the PTE but the dirty bit (store)"],
		[wrap('page_mkclean(pfn_to_page(0x100));'), "t.race:7:1: 'page_mkclean': it is the rmap walk of page_mkclean, several steps: write them (for each PTE mapping the page, under its PTE lock: ptep_clear_flush, set_page_dirty if pte_dirty, set_pte_at(va, pte_mkclean(pte_wrprotect(pte)))), then TestClearPageDirty (scenarios/examples/zap-dirty-flush.race)"],
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); map(0x1000, 5, write); }\ncpu 0 { x = 1; }', 't.race:2:34: map(): pfn 0x5..0x5 is neither inside a pgmap nor RAM declared (ram()) before this map()'],
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); map(0x1000, 1, huge); }\ncpu 0 { x = 1; }', 't.race:2:34: map(): va 0x1000 is not 2 MiB aligned, as a huge (PMD) mapping must be'],
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); pgmap(p, devdax, 9, 1); }\ncpu 0 { x = 1; }', "t.race:2:34: pgmap(): pgmap 'p' is declared twice"],
		['scenario t\nmachine { pgmap(p, fsdax, 1, 1); refcount(e21); }\ncpu 0 { x = 1; }', 't.race:2:34: refcount(): refcount() must come before the first pgmap()'],
		['scenario t\nmachine { mm_cpumask(0, 3); }\ncpu 0 { x = 1; }', 't.race:2:11: mm_cpumask(): mm_cpumask names CPU3, which has no cpu block'],
		['scenario t\ncpu 0 { x = 1; }\ncpu 2 { x = 1; }', 't.race:3:1: CPU ids must be 0, 1, 2... in order: expected cpu 1, found cpu 2'],
		['scenario t\nparam n = 1\nmachine { }\ncpu 0 "a" * n + 20 { x = 1; }', 't.race:4:1: at most 10 CPUs (0-9), this scenario has 21'],
		['scenario t\nparam m = ipi | broadcast\nmachine { if (m == ipi) flush(broadcast); else flush(ipi); }\ncpu 0 { x = access(1); }', 'compiled'],
	])('%#: %s', (src, want) => {
		expect(message(src)).toBe(want);
	});
});

describe('--set and variants', () => {
	const src = wrap('x = 1;', 'param n = 2 in 1..4\nvariant v (check = false) { expect safe }');
	it.each([
		[{set: {chek: 'true'}}, "--set chek=true: unknown param 'chek' (did you mean 'check'?); params: check, mode, n"],
		[{set: {check: 'maybe'}}, '--set check=maybe: check is a boolean; use true or false'],
		[{set: {n: 'x'}}, '--set n=x: n is an integer in 1..4'],
		[{set: {n: '9'}}, '--set n=9: n must be in 1..4'],
		[{set: {n: '99999999999999999999'}}, '--set n=99999999999999999999: number too large (the largest is 2^53 - 1, 0x1fffffffffffff)'],
		[{set: {mode: 'broadcst'}}, "--set mode=broadcst: mode is one of ipi | broadcast (did you mean 'broadcast'?)"],
		[{variant: 'w'}, "unknown variant 'w' (did you mean 'v'?); this scenario has: v"],
	])('%#', (opts, want) => {
		expect(message(src, opts)).toBe(want);
	});

	it('a scenario without variants says so, and how to declare one', () => {
		expect(message(wrap('x = 1;'), {variant: 'v'})).toBe('unknown variant \'v\': this scenario has no variants (variant NAME "title" (param = value) { expect ... } declares one)');
	});

	it('overrides apply: variant, then --set', () => {
		const p = compile(parseScenario(src, 't.race'), {file: 't.race', source: src, variant: 'v', set: {n: '3', mode: 'broadcast'}});
		expect(p.params).toEqual({check: false, mode: 'broadcast', n: 3});
		expect(p.variant).toBe('v');
		expect(p.expects.map(e => e.form)).toEqual(['safe']);
	});
});

describe('lowering', () => {
	it('folds param-only conditions away: a mutation removes the code it turns off', () => {
		const src = wrap('if (check) x = access(1);\nelse x = 2;\ny = 3;');
		const on = compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
		const off = compile(parseScenario(src, 't.race'), {file: 't.race', source: src, set: {check: 'false'}});
		expect(on.cpus[0]!.instrs.map(i => i.line)).toEqual([7, 9]);
		expect(off.cpus[0]!.instrs.map(i => i.line)).toEqual([8, 9]);
	});
	it('gotos and closing braces cost no step; `if (c) goto L;` is one step', () => {
		const src = wrap('x = 1;\nif (x == 1) goto out;\ny = 2;\nout:\nz = 3;');
		const p = compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
		const instrs = p.cpus[0]!.instrs;
		expect(instrs.map(i => [i.line, i.kind])).toEqual([[7, 'stmt'], [8, 'branch'], [9, 'stmt'], [11, 'stmt']]);
		expect(instrs[1]!.next).toBe(3);
		expect(instrs[1]!.alt).toBe(2);
	});
	it('labels named progress* mark progress for the livelock check', () => {
		const src = wrap('again:\nprogress_io: x = access(1);\ngoto again;');
		const p = compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
		expect(p.cpus[0]!.instrs[0]!.progress).toBe(true);
		expect(p.cpus[0]!.instrs[0]!.next).toBe(0);
	});
	it('`cpu N "label" * n` makes copies with the next CPU ids, in the mm if the original is', () => {
		const src = 'scenario t\nparam n = 3 in 1..4\nmachine { pgmap(p, fsdax, 1, 1); mm_cpumask(0); }\ncpu 0 "gup" * n { x = REPLICA; }\ncpu 1 "unbind" { y = 1; }';
		const p = compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
		expect(p.cpus.map(c => `${c.id}:${c.label}`)).toEqual(['0:gup', '1:unbind', '2:gup #2', '3:gup #3']);
		expect(p.initial.mmCpumask).toEqual([0, 2, 3]);
	});
});

describe('jumps that stay steps', () => {
	const progSrc = (body: string) => wrap(body);
	it('an empty infinite loop is a step that spins, not a crash', async () => {
		const {Model} = await import('../source/lang/interpreter.js');
		for (const body of ['spin: goto spin;', 'while (true) { }']) {
			const src = progSrc(body);
			const model = new Model(compile(parseScenario(src, 't.race'), {file: 't.race', source: src}));
			const a = model.step(model.initial, {cpu: 0, irq: false});
			const b = model.step(a.state, {cpu: 0, irq: false});
			expect(b.violations).toEqual([]);
			expect(model.hash(b.state)).toBe(model.hash(a.state));
		}
	});
	it('a progress label on a goto or at the end of a loop body keeps that step a progress step', () => {
		for (const body of ['top: x = access(1);\nprogress_a: goto top;', 'while (true) { x = access(1);\nprogress_b: }']) {
			const src = progSrc(body);
			const p = compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
			expect(p.cpus[0]!.instrs.some(i => i.progress)).toBe(true);
		}
	});
});

describe('arithmetic and long lines', () => {
	it('integers are exact: overflow is an oops, not a rounding', async () => {
		const {Model} = await import('../source/lang/interpreter.js');
		const src = wrap('x = 0x1fffffffffffff;\ny = x + 1;');
		const model = new Model(compile(parseScenario(src, 't.race'), {file: 't.race', source: src}));
		const a = model.step(model.initial, {cpu: 0, irq: false});
		const b = model.step(a.state, {cpu: 0, irq: false});
		expect(b.violations[0]!.message).toBe('CPU0 oops at line 8: integer overflow in +');
	});
	it('a diagnostic on a very long line shows a window around the caret', () => {
		const src = `scenario t\nconst C = ${'(1) + '.repeat(150)}${'1'.padStart(20000, ' ')} + nope\n`;
		let text = '';
		try {
			compile(parseScenario(src, 't.race'), {file: 't.race', source: src});
		} catch (err) {
			text = (err as Diagnostic).render();
		}
		const [, line, caret] = text.split('\n');
		expect(line!.length).toBeLessThan(140);
		expect(line![caret!.indexOf('^')]).toBe('n');
	});
});
