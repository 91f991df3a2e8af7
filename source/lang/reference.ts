// The reference of everything a scenario can call, generated from the
// registries themselves so the documentation cannot drift from the code
// (docs/primitives.md is this output; a test compares them).

import {KINDS} from '../machine/checks.js';
import {ALIASES, PRIMITIVE_GROUPS} from '../machine/primitives/index.js';
import {kernelSignature} from '../machine/primitives/spec.js';
import {SETUP_CALLS} from '../machine/setup.js';
import {ERRNO} from './errno.js';

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
	for (const {title, primitives} of PRIMITIVE_GROUPS) {
		out.push(`## ${title}`, '');
		for (const p of primitives) {
			const sig = `${p.name}(${p.args.map(a => (a.optional ? `[${a.name}]` : a.name)).join(', ')})`;
			const tags = [p.returns !== 'void' && `returns ${p.returns}`, p.pure && 'pure', (p.blocks || p.guard) && 'blocks'].filter(Boolean).join(', ');
			const spelled = p.kernelArgs ? ['', `Also written as the kernel does, \`${kernelSignature(p)}\`: the leading ${p.kernelArgs.map(a => `\`${a}\``).join(', ')} ${p.kernelArgs.length === 1 ? 'is' : 'are'} not evaluated.`] : [];
			out.push(`### \`${sig}\`${tags ? ` — ${tags}` : ''}`, '', `Kernel: \`${p.kernel}\``, '', p.effect.charAt(0).toUpperCase() + p.effect.slice(1) + '.', ...spelled, '');
		}
	}
	out.push(
		'## Shared variables in the language itself',
		'',
		'- A plain read (`x`) or write (`x = v;`) of a shared variable is part of its statement\'s step.',
		'- `READ_ONCE(x)`, `smp_load_acquire(&x)`, `rcu_dereference(x)`, `rcu_dereference_raw(x)`, `rcu_access_pointer(x)`: read a shared variable; `WRITE_ONCE(x, v)`, `smp_store_release(&x, v)`, `rcu_assign_pointer(x, v)`, `RCU_INIT_POINTER(x, v)`: write one (the model is sequentially consistent, so these are plain reads and writes). `READ_ONCE` of anything that is not a shared variable is the PTE read `ptep_get`.',
		'- `ATOMIC_INIT(n)` initialises an `atomic_t`.',
		'',
		'## Assertions and branch hints',
		'',
		'- `BUG_ON(c)`, `VM_BUG_ON(c)`, `BUG()`: statements; when `c` holds, a `bug` violation at that step and the CPU stops there, as the kernel kills the task.',
		'- `WARN_ON(c)`, `WARN_ON_ONCE(c)`, `VM_WARN_ON(c)`, `VM_WARN_ON_ONCE(c)`: return whether `c` holds (`if (WARN_ON_ONCE(!page)) goto out;`); when it does, a `warn` violation at that step and the CPU goes on (the model reports every hit, `_ONCE` too).',
		'- `likely(c)`, `unlikely(c)`: `c` as a boolean, no step of their own.',
		'- `smp_processor_id()`, `raw_smp_processor_id()`: the id of the CPU running the code (for per-CPU slots: `cnt[smp_processor_id()]++;`); a scenario that uses it gets no symmetry reduction.',
		'- `assert c "message";` is the language\'s own statement (kind `assert`); `lockdep_assert_held(&l)` is a primitive, a WARN_ON in the kernel (kind `warn`).',
		'',
	);
	out.push('## Aliases', '', 'Other kernel spellings of the same primitive:', '');
	for (const [alias, name] of ALIASES) out.push(`- \`${alias}\` = \`${name}\``);
	out.push('', '## Set-up calls (inside `machine { }`)', '');
	for (const s of SETUP_CALLS) out.push(`- \`${s.usage}\` — ${s.effect}.`);
	out.push('', '## Violation kinds (for `expect`)', '', '| kind | check | what |', '| --- | --- | --- |');
	for (const k of KINDS) out.push(`| \`${k.name}\` | ${k.check} | ${k.what} |`);
	out.push('', '## Built-in names', '', `- Constants: \`VM_FAULT_SIGBUS\` (2), \`VM_FAULT_SIGSEGV\` (0x40), \`PAGE_SIZE\` (4096), \`HPAGE_PMD_NR\` (512), \`SINGLE_DEPTH_NESTING\` (1), \`NULL\`, \`true\`, \`false\`, \`REPLICA\` (0 for a CPU block, 1.. for its copies).`, `- Error numbers, positive as in the kernel (\`EFAULT\` is 14, so \`return -EFAULT;\` is negative and a caller's \`if (ret < 0)\` sees the error): ${Object.keys(ERRNO).map(e => `\`${e}\``).join(', ')}.`, '- Flags: `FOLL_GET`, `FOLL_PIN` (for `try_grab_page`), `FAULT_FLAG_WRITE` (for `handle_mm_fault`); protections `PAGE_NONE`, `PAGE_READONLY`, `PAGE_COPY`, `PAGE_SHARED` (for `pte_modify`).', '- Every pgmap declared in `machine { }` is a name usable as a `dev_pagemap` argument.', '');
	return out.join('\n');
}
