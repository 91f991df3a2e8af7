// Lazy TLB mode (arch/x86/mm/tlb.c, KERNEL.md §6.A5): a CPU that switches to a
// kernel thread keeps the user mm loaded and stays in mm_cpumask; flushes that
// free no tables skip it, so it must catch up when it returns to the mm
// (switch_mm_irqs_off compares the mm's tlb_gen with its own ✱). A CPU that
// goes back without catching up, while a flush that skipped it is still in
// flight, is the shape of fea4e317f9e7's window: S5 when that flush returns.

import {note, rd, wr} from '../context.js';
import {flushLocal} from './flush.js';
import {staleRamEntries} from './ram.js';
import {argBool, Oops, type Primitive} from './spec.js';

export const lazyTlbPrimitives: Primitive[] = [
	{
		name: 'enter_lazy_tlb',
		kernel: 'arch/x86/mm/tlb.c:enter_lazy_tlb (cpu_tlbstate_shared.is_lazy = true)',
		effect: 'this CPU switches to a kernel thread and keeps the mm loaded lazily: it stays in mm_cpumask, runs no user code, and flushes that free no tables skip it',
		args: [],
		returns: 'void',
		run(ctx) {
			rd(ctx, 'mm_cpumask');
			if (!ctx.m.mmCpumask.includes(ctx.cpu)) throw new Oops(`enter_lazy_tlb: CPU${ctx.cpu} does not run the mm`);
			wr(ctx, `lazy:${ctx.cpu}`);
			ctx.m.cpus[ctx.cpu]!.lazy = true;
			return null;
		},
	},
	{
		name: 'switch_mm_irqs_off',
		kernel: 'arch/x86/mm/tlb.c:switch_mm_irqs_off (a lazy CPU back to the same mm: is_lazy = false, flush if its tlb_gen is behind ✱)',
		effect: 'a lazy CPU runs the mm\'s user code again. It catches up first (drops its TLB and paging-structure caches, as when its tlb_gen is behind); with catch_up false it keeps them: the mutation for a flush that skipped it while it was lazy',
		args: [{name: 'catch_up', kind: 'bool', optional: true}],
		returns: 'void',
		run(ctx, [cu]) {
			const c = ctx.m.cpus[ctx.cpu]!;
			rd(ctx, `lazy:${ctx.cpu}`);
			if (!c.lazy) throw new Oops(`switch_mm_irqs_off: CPU${ctx.cpu} is not in lazy TLB mode`);
			const catchUp = cu === undefined || argBool(cu, 'switch_mm_irqs_off');
			if (catchUp) flushLocal(ctx, ctx.cpu, null, true);
			else {
				note(ctx, `CPU${ctx.cpu} leaves lazy mode without catching up: its TLB keeps what a skipped flush removed`);
				staleRamEntries(ctx, ctx.cpu, 'switch_mm_irqs_off');
			}
			wr(ctx, `lazy:${ctx.cpu}`);
			c.lazy = false;
			return null;
		},
	},
];
