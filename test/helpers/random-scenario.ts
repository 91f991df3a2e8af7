// Small random scenarios for the search's soundness properties
// (test/explore.property.test.ts, test/jobs.test.ts): one pgmap, one
// mapping, shared variables and an array, 2-3 CPUs with a few statements each; with loops and copies of
// cpu 0 (interchangeable, for the symmetry reduction) in symmetricScenario.

import fc from 'fast-check';

const STATEMENTS = [
	'local_irq_save();',
	'local_irq_restore();',
	'access(VA);',
	'pgmap = get_dev_pagemap(PFN);',
	'put_dev_pagemap(pgmap);',
	'if (pgmap) put_dev_pagemap(pgmap);',
	'percpu_ref_kill(pmem0);',
	'memunmap_put_pages(pmem0);',
	'wait_for_completion(pmem0);',
	'arch_remove_memory(pmem0);',
	'flush_tlb_mm_range(VA);',
	'ptep_get_and_clear(VA);',
	'ok = try_grab_page(pfn_to_page(PFN));',
	'put_page(pfn_to_page(PFN));',
	'kill_dax(pmem0);',
	'await !dax_alive(pmem0);',
	'await dax_alive(pmem0);',
	'x = 1;',
	'x = x + 1;',
	'if (x == 1) y = 2;',
	// shared variables and arrays, with indices read from memory: footprints and merging must see them
	'g = 1;',
	'WRITE_ONCE(g, READ_ONCE(g) + 1);',
	'arr[g & 1] = x;',
	'p = &arr[g & 1];',
	'if (p == &arr[0]) y = 3;',
	'assert p != &arr[1] "an element chosen by a shared index";',
	'x = arr[READ_ONCE(g) & 1];',
	'WARN_ON(READ_ONCE(g) == 2);',
	'do { x = x + 1; } while (x < 2);',
] as const;

/** Loops, for livelocks (the new property below). */
const LOOPS = [
	'while (x == 1) x = 1;',
	'while (!dax_alive(pmem0)) y = 1;',
	'spin_lock(&a);',
	'spin_unlock(&a);',
	// spinning on shared state, toggling it: cycles that other CPUs' steps enter and leave
	'while (READ_ONCE(g) == 1) WRITE_ONCE(arr[0], 1 - READ_ONCE(arr[0]));',
] as const;

const cpuBody = fc.array(fc.constantFrom(...STATEMENTS), {minLength: 1, maxLength: 4});

export const scenario = fc.record({
	cpus: fc.array(cpuBody, {minLength: 2, maxLength: 3}),
	irqsOffAround: fc.boolean(),
});

/** With loops, and cpu 0 on one to three CPUs (copies: interchangeable, for the symmetry reduction). */
const loopyBody = fc.array(fc.constantFrom(...STATEMENTS, ...LOOPS), {minLength: 1, maxLength: 3});
export const symmetricScenario = fc.oneof(
	fc.record({cpus: fc.array(loopyBody, {minLength: 2, maxLength: 3}), irqsOffAround: fc.boolean(), copies: fc.constant(1)}),
	fc.record({cpus: fc.array(loopyBody, {minLength: 2, maxLength: 2}), irqsOffAround: fc.boolean(), copies: fc.constantFrom(2, 3)}),
	// copies that end in a loop, and a CPU that may set what they spin on: livelocks among copies
	fc.record({
		cpus: fc.tuple(fc.tuple(loopyBody, fc.constantFrom(...LOOPS)).map(([b, l]) => [...b, l]), fc.array(fc.constantFrom('g = 1;', 'x = 1;', 'WRITE_ONCE(g, 0);', ...STATEMENTS), {minLength: 1, maxLength: 3})).map(([a, b]) => [a, b]),
		irqsOffAround: fc.boolean(),
		copies: fc.constantFrom(2, 3),
	}),
);

export type Shape = {cpus: string[][]; irqsOffAround: boolean; copies?: number};

export function source(s: Shape): string {
	const lines = [
		'scenario rnd',
		'title "random"',
		'const VA = 0x7f0000',
		'const PFN = 0x100',
		'expect safe',
		'spinlock_t a;',
		'int g = 0;',
		'int arr[2];',
		'machine {',
		'\trefcount(e21);',
		'\tpgmap(pmem0, fsdax, PFN, 1);',
		'\tmap(VA, PFN, write, special, devmap);',
		`\tmm_cpumask(${s.cpus.map((_, i) => i).join(', ')});`,
		'}',
	];
	s.cpus.forEach((body, i) => {
		lines.push(`cpu ${i} "c${i}"${i === 0 && (s.copies ?? 1) > 1 ? ` * ${s.copies}` : ''} {`);
		const inner = i === 0 && s.irqsOffAround ? ['local_irq_save();', ...body, 'local_irq_restore();'] : body;
		const stmts = ['pgmap = NULL;', 'x = 0;', 'p = NULL;', ...inner];
		for (const st of stmts) lines.push(`\t${st}`);
		lines.push('}');
	});
	return lines.join('\n') + '\n';
}

