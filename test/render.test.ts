// The race diagram (golden text in test/golden/*.diagram.txt; refresh with
// UPDATE_GOLDEN=1 after a deliberate change of the model or the renderer),
// the state tables and the Markdown report.

import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {builtinNames, loadModel, modelFromSource} from '../source/lang/load.js';
import {parseSchedule} from '../source/lang/schedule.js';
import {abbreviate, pointsToSteps, renderDiagram, shortenCalls} from '../source/render/diagram.js';
import {wrap} from '../source/render/wrap.js';
import {editedBuiltinNote, renderMarkdown, runCommandLine} from '../source/render/markdown.js';
import {objectTables, renderState, stateTables, tableMarkdown} from '../source/render/state.js';
import {blockedWithHistory, callSites, renderTrace, replaySteps} from '../source/render/trace.js';
import {createSession} from '../source/session/session.js';

const GOLDEN = [
	{file: 'fsdax-unbind-2021.stale-access', scenario: 'fsdax-unbind-2021', variant: null, schedule: '1 1 1 1 1 1 1 2', kind: 'stale-access'},
	{file: 'fsdax-unbind-2021.noref.use-after-free', scenario: 'fsdax-unbind-2021', variant: 'noref', schedule: '1 1 1 1 1 1 1 0 0 0 0 0 0 0 0', kind: 'use-after-free'},
	{file: 'fsdax-unbind-2021.noref.interleaved', scenario: 'fsdax-unbind-2021', variant: 'noref', schedule: '1 1 1 0 0 0 0 0 0 0 1 1 1 1 0', kind: 'use-after-free'},
	{file: 'fsdax-unbind-2021.three-cpus', scenario: 'fsdax-unbind-2021', variant: null, schedule: '0 0 0 0 0 0 1 1 1 2 0 0 0 0 0 0 0 0 0 1 1 1 1 2', kind: 'stale-access'},
	{file: 'devdax-unbind.ipi', scenario: 'devdax-unbind', variant: null, schedule: '0 0 0 0 0 0 1 1 1 0 0 0 0 0 0 0 0 i0 i2 1 1', kind: null},
] as const;

const golden = (name: string, text: string) => {
	const url = new URL(`golden/${name}.diagram.txt`, import.meta.url);
	if (process.env.UPDATE_GOLDEN || !existsSync(url)) writeFileSync(url, text + '\n');
	expect(text + '\n').toBe(readFileSync(url, 'utf8'));
};

describe('race diagram', () => {
	for (const g of GOLDEN) {
		it(`golden: ${g.file}`, () => {
			const model = loadModel(g.scenario, {variant: g.variant});
			const r = replaySteps(model, parseSchedule(g.schedule));
			expect(r.error).toBeUndefined();
			if (g.kind) expect(r.steps.at(-1)!.violations.map(v => v.kind)).toContain(g.kind);
			const d = renderDiagram(model, r.steps);
			for (const line of d.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
			if (g.kind) expect(d).toContain(`^^^ ${g.kind}:`);
			golden(g.file, d);
		});
	}

	it('the thread race reads like the SPEC example: columns, statements, effects, marker', () => {
		const model = loadModel('fsdax-unbind-2021');
		const d = renderDiagram(model, replaySteps(model, parseSchedule('1 1 1 1 1 1 1 2')).steps);
		const lines = d.split('\n');
		expect(lines[0]).toMatch(/^CPU1 unbind {2,}CPU2 user load$/);
		const col2 = lines[0]!.indexOf('CPU2');
		expect(lines).toContain('kill_dax(pmem0)');
		expect(lines).toContain('arch_remove_memory(pmem0)');
		const access = lines.findIndex(l => l.trim() === 'access(VA)');
		expect(lines[access]!.indexOf('access')).toBe(col2);
		expect(access).toBeGreaterThan(lines.indexOf('arch_remove_memory(pmem0)'));
		expect(lines.slice(access).join('\n')).toMatch(/-> TLB miss: walk va 0x7f000000 -> pte\s+present, pfn 0x100/);
		expect(lines.slice(access).some(l => l.trim().startsWith('^^^ stale-access: CPU2 loads'))).toBe(true);
	});

	it('fits 80 columns for three CPUs on random schedules of every built-in scenario', () => {
		for (const name of builtinNames()) {
			const model = loadModel(name);
			fc.assert(
				fc.property(fc.array(fc.nat(), {maxLength: 40}), picks => {
					let m = model.initial;
					const sched = [];
					for (const k of picks) {
						const en = model.enabled(m);
						if (!en.length) break;
						const t = en[k % en.length]!;
						sched.push(t);
						m = model.step(m, t).state;
					}
					const d = renderDiagram(model, replaySteps(model, sched).steps);
					for (const line of d.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
				}),
				{numRuns: 25},
			);
		}
	});

	it('groups consecutive interrupt steps of a CPU into one <IPI: ...> entry', () => {
		const model = loadModel('devdax-unbind');
		const d = renderDiagram(model, replaySteps(model, parseSchedule('0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 1 i0')).steps);
		expect(d).toMatch(/<IPI: flush_tlb_func, ack>/);
	});

	it('abbreviates statements without garbling them', () => {
		expect(abbreviate('\tput_page(page);                      // G13: the direct I/O completes')).toBe('put_page(page)');
		expect(abbreviate('if (pte_devmap(pte)) {')).toBe('if (pte_devmap(pte))');
		expect(abbreviate('} else if (pte_special(pte)) goto slow;')).toBe('else if (pte_special(pte)) goto slow');
		expect(abbreviate('x = f(a); /* c */')).toBe('x = f(a)');
		expect(shortenCalls('if (pte_val(pte) != pte_val(ptep_get_lockless(pmd, VA)))')).toBe('if (pte_val(pte) != pte_val(ptep_get_lockless(...)))');
		expect(wrap('if (!pte_present(pte) || !pte_write(pte)) goto slow', 25)).toEqual(['if (!pte_present(pte) ||', '  !pte_write(pte)) goto', '  slow']);
		expect(wrap('wait_for_completion(pmem0)', 20)).toEqual(['wait_for_completion(', '  pmem0)']);
		// a kernel name is not broken at its underscores while a break after "(" will do (was put_dev_ / pagemap(pmem0))
		expect(wrap('-> page 0x100 refcount 1 -> 0: put_dev_pagemap(pmem0)', 23, 3)).toEqual(['-> page 0x100 refcount', '   1 -> 0:', '   put_dev_pagemap(', '   pmem0)']);
		expect(wrap('pgmap = get_dev_pagemap(pte_pfn(pte))', 28)).toEqual(['pgmap = get_dev_pagemap(', '  pte_pfn(pte))']);
		// a name longer than a line still breaks at an underscore before anywhere else
		expect(wrap('dev_pagemap_percpu_release_completes', 20)).toEqual(['dev_pagemap_percpu_', '  release_completes']);
		fc.assert(
			fc.property(fc.string({maxLength: 120}), fc.integer({min: 10, max: 60}), (s, w) => {
				const lines = wrap(s, w);
				for (const l of lines) expect(l.length).toBeLessThanOrEqual(w);
				// nothing dropped but spaces
				expect(lines.join('').replace(/ /g, '')).toBe(s.replace(/ /g, ''));
			}),
		);
	});
});

describe('state tables', () => {
	const model = loadModel('fsdax-unbind-2021');
	const final = replaySteps(model, parseSchedule('1 1 1 1 1 1 1 2')).final;

	it('have the five tables with the state of every object', () => {
		expect(stateTables(model, final).map(t => t.title)).toEqual(['CPUs', 'Page tables', 'TLBs', 'memmap (struct page)', 'dev_pagemap tree (pgmap_array)']);
		const text = renderState(model, final);
		expect(text).toMatch(/0x100\s+REMOVED\s+0\s+0\s+pmem0\s+UNBACKED/);
		expect(text).toMatch(/CPU2\s+0x7f000000\s+pfn 0x100\s+write/);
		expect(text).toMatch(/pmem0\s+fsdax\s+0x100-0x100\s+exited 0/);
	});

	it('objectTables keeps only the rows of the named objects', () => {
		const t = objectTables(model, final, ['pfn 0x100', 'tlb CPU2']);
		expect(t.map(x => x.title)).toEqual(['Page tables', 'TLBs', 'memmap (struct page)', 'dev_pagemap tree (pgmap_array)']);
		expect(t[1]!.rows).toEqual([['CPU2', '0x7f000000', 'pfn 0x100', 'write']]);
		expect(tableMarkdown(t[2]!)).toEqual(['| pfn | memmap | refcount | pins | pgmap | memory |', '| --- | --- | --- | --- | --- | --- |', '| 0x100 | REMOVED | 0 | 0 | pmem0 | UNBACKED |']);
	});
});

describe('markdown report', () => {
	it('has title, era, provenance, params, diagram, violations, objects and the reproduction commands', () => {
		const model = loadModel('fsdax-unbind-2021', {variant: 'noref'});
		const s = createSession(model);
		s.addSchedule(parseSchedule('1 1 1 1 1 1 1 0 0 0 0 0 0 0 0'), {name: 'uaf'});
		s.goto(7);
		s.setNote('memmap gone, gup-fast has not started');
		const md = renderMarkdown({model, points: s.pathOf('uaf'), branch: 'uaf', set: {}, recording: 'race.json', branchFlag: true});
		expect(md.split('\n')[0]).toBe('# use-after-free: fs-dax: unbind pmem while O_DIRECT runs gup-fast (v5.11)');
		expect(md).toContain('- **Kernel era modelled:** E21: v5.11-v5.15');
		expect(md).toContain('  - linux-nvdimm, 2021-02-23, Re: [PATCH RFC 0/9] mm, sparse-vmemmap: Introduce compound pagemaps');
		expect(md).toContain('- **Params:** `gup_pgmap_check=false`, `gup_irqs_off=true`, `mapping=pte_mapped` (variant `noref`');
		expect(md).toContain('- **Branch:** `uaf`, 15 steps: `1 1 1 1 1 1 1 0 0 0 0 0 0 0 0`');
		expect(md).toContain('## The race\n\n```\n' + renderDiagram(model, pointsToSteps(s.pathOf('uaf'))) + '\n```');
		expect(md).toMatch(/- \*\*use-after-free\*\* \(S1\) at step 15, CPU0, line \d+: try_grab_page touches struct page of pfn 0x100/);
		expect(md).toMatch(/- \*\*stale-mapping\*\* \(S2\) at step 7, CPU1/);
		expect(md).toContain('- step 7: memmap gone, gup-fast has not started');
		expect(md).toContain('| 0x100 | REMOVED | 0 | 0 | pmem0 | UNBACKED |');
		expect(md).toContain('```sh\nracewalk run fsdax-unbind-2021 --variant noref --schedule "1 1 1 1 1 1 1 0 0 0 0 0 0 0 0"\nracewalk replay race.json --branch uaf\n```');
	});

	it('the reproduction command carries --set overrides and quotes what needs it', () => {
		const model = loadModel('fsdax-unbind-2021', {set: {gup_irqs_off: 'false'}});
		expect(runCommandLine(model, parseSchedule('1 2'), {gup_irqs_off: 'false'})).toBe('racewalk run fsdax-unbind-2021 --set gup_irqs_off=false --schedule "1 2"');
	});
});

describe('diagrams and reports of livelocks, atomic blocks, initial TLBs', () => {
	// `racewalk explore fsdax-unbind-2021`: the livelock's prefix, then CPU0's 7-step loop
	const LASSO = {prefix: '0 0 0 0 0 0 1 1 1 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 2 2', loop: '0 0 0 0 0 0 0'};

	it('never breaks a name mid-word: a column widens to its longest name, the others give way', () => {
		// three CPUs at 80 columns leave 25 per column; this name is 34 long (as tlb_remove_table_sync_one() in a
		// 3-CPU scenario at 80 columns once was cut into `tlb_remove_table_sync_` / `one()`)
		const name = 'tlb_remove_table_sync_one_counter';
		const source = ['scenario long', 'machine {', '\tpgmap(pmem0, fsdax, 0x100, 1);', '}', `cpu 0 "a" {\n\t${name} = 1;\n}`, 'cpu 1 "b" {\n\tkill_dax(pmem0);\n}', 'cpu 2 "c" {\n\tdel_gendisk(pmem0);\n}'].join('\n');
		const model = modelFromSource('long.race', source);
		const steps = replaySteps(model, parseSchedule('0 1 2')).steps;
		for (const width of [80, 100]) {
			const d = renderDiagram(model, steps, {width});
			expect(d, `width ${width}`).toContain(name);
			for (const line of d.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
		}
		for (const g of GOLDEN) {
			const m = loadModel(g.scenario, {variant: g.variant});
			for (const line of renderDiagram(m, replaySteps(m, parseSchedule(g.schedule)).steps).split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		}
	});

	it('a livelock diagram marks where the loop starts and says it repeats for ever', () => {
		const model = loadModel('fsdax-unbind-2021');
		const prefix = parseSchedule(LASSO.prefix);
		const steps = replaySteps(model, [...prefix, ...parseSchedule(LASSO.loop)]).steps;
		const d = renderDiagram(model, steps, {loopFrom: prefix.length}).split('\n');
		const start = d.findIndex(l => l.startsWith('---- loop: from here the steps repeat for ever'));
		expect(start).toBeGreaterThan(0);
		// the rule sits right before the loop's first step (CPU0: if (r != 0) return), after the prefix's last (CPU2's access)
		expect(d.slice(0, start).some(l => l.includes('access(VA)'))).toBe(true);
		expect(d[start + 1]).toContain('if (r != 0) return');
		expect(d[d.length - 1]).toMatch(/^---- back to the start of the loop: it repeats for ever/);
	});

	it('the Markdown report of a livelock branch is titled as a livelock', () => {
		const model = loadModel('fsdax-unbind-2021');
		const s = createSession(model);
		for (const t of parseSchedule(`${LASSO.prefix} ${LASSO.loop}`)) s.step(t);
		s.goto(26);
		s.setNote('livelock: from here the loop 0 0 0 0 0 0 0 repeats for ever without progress');
		const md = renderMarkdown({model, points: s.pathOf(), branch: 'main'});
		expect(md.split('\n')[0]).toMatch(/^# livelock: /);
		expect(md).toContain('- **livelock** (S8): after step 26, steps 27-33 repeat for ever without progress');
		expect(md).toContain('---- loop: from here the steps repeat for ever');
		// a branch without the note keeps its violation as the title
		const plain = createSession(model);
		for (const t of parseSchedule('1 1 1 1 1 1 1 2')) plain.step(t);
		expect(renderMarkdown({model, points: plain.pathOf(), branch: 'main'}).split('\n')[0]).toMatch(/^# stale-(mapping|access): /);
	});

	it('shows the statements inside an atomic { } and the initial TLB entries', () => {
		const source = [
			'scenario at',
			'const VA = 0x7f000000',
			'machine {',
			'\tpgmap(pmem0, fsdax, 0x100, 1);',
			'\tmap(VA, 0x100, write, special, devmap);',
			'\ttlb(1, VA);',
			'}',
			'cpu 0 "a" {',
			'\tatomic {',
			'\t\tx = 1;',
			'\t\tkill_dax(pmem0);',
			'\t}',
			'}',
			'cpu 1 "b" {',
			'\taccess(VA);',
			'}',
		].join('\n');
		const model = modelFromSource('at.race', source);
		const steps = replaySteps(model, parseSchedule('0 1')).steps;
		const d = renderDiagram(model, steps);
		expect(d).toContain('atomic { x = 1; kill_dax(pmem0); }');
		expect(d).toContain('(TLB: 0x7f000000 -> pfn 0x100 W)');
		expect(d.split('\n')[1]).toContain('(TLB: 0x7f000000 -> pfn 0x100 W)');
	});
});

describe('the trace with locks and helpers', () => {
	const model = loadModel('scenarios/examples/kref-lookup.race', {variant: 'abba'});
	it('a CPU waiting on a lock says since which step its holder has it', () => {
		const r = replaySteps(model, parseSchedule('1 1 0 0 0 0'));
		expect(blockedWithHistory(model, r.steps, r.final, 1)).toBe(null);
		const w = replaySteps(model, parseSchedule('1 1 0 0 0 0 0 1'));
		expect(blockedWithHistory(model, w.steps, w.final, 0)).toBe('spins on table_lock in spin_lock, held by CPU1 since step 2');
	});
	it('a step of an inlined helper names its call site', () => {
		const r = replaySteps(model, parseSchedule('0 0 0 0'));
		const at = r.steps.map(s => callSites(model, s.before, s.transition));
		expect(at).toEqual(['', '', '', '  ← obj_get() at L60']);
		// The trace heads each step with its statement, the branch it took and the call site.
		const text = renderTrace(model, r.steps, {width: 100});
		expect(text).toMatch(/L59 {3}if \(linked\) → true\n/);
		expect(text).toMatch(/L39 {3}return atomic_inc_not_zero\(&refs\); ← obj_get\(\) at L60\n/);
	});
});

describe('pending interrupts', () => {
	it('a device IRQ is named by its line in the trace and the state tables, a flush IPI by its kind', () => {
		const model = loadModel('scenarios/examples/irq-lock.race');
		const r = replaySteps(model, parseSchedule('0 1'));
		const text = renderTrace(model, r.steps, {width: 100});
		expect(text).toContain('CPU0.ipis = dev_irq<-CPU1');
		expect(renderState(model, r.final)).toMatch(/dev_irq<-CPU1/);
		const flush = loadModel('devdax-unbind');
		const f = replaySteps(flush, parseSchedule('1 1 1 1'));
		expect(renderTrace(flush, f.steps, {width: 100})).toMatch(/CPU\d\.ipis = flush<-CPU1/);
	});
});

describe('worked examples in reports', () => {
	it('a recording of a worked example reproduces by its short name, as a built-in does; an edited copy by its file', () => {
		const model = loadModel('irq-lock');
		expect(model.program.file).toBe('scenarios/examples/irq-lock.race');
		const steps = parseSchedule('0 1 i0');
		expect(runCommandLine(model, steps)).toBe('racewalk run irq-lock --schedule "0 1 i0"');
		const edited = modelFromSource('scenarios/examples/irq-lock.race', model.program.source + '\n// edited\n');
		expect(editedBuiltinNote(edited)).toContain("differs from the worked example 'irq-lock'");
		expect(runCommandLine(edited, steps)).toBe('racewalk run scenarios/examples/irq-lock.race --schedule "0 1 i0"');
	});
});

describe('what a newcomer reads in a diagram and a trace (the fourth trial)', () => {
	const counter = readFileSync(new URL('scenarios/counter-lock.race', import.meta.url), 'utf8');
	// the lost update: CPU1's `counter = tmp + 1` writes 1 over 1
	const LOST = '0 1 0 1';

	it('a store of the value already there is shown as unchanged, in the trace and the diagram', () => {
		const model = modelFromSource('counter-lock.race', counter);
		const {steps} = replaySteps(model, parseSchedule(LOST));
		const trace = renderTrace(model, steps).split('\n');
		const at4 = trace.findIndex(l => /^ {3}4 {2}CPU1 /.test(l));
		expect(trace[at4]).toContain('counter = tmp + 1;');
		expect(trace[at4 + 1]!.trim()).toBe('global.counter = 1 (unchanged)');
		const d = renderDiagram(model, steps).split('\n');
		const second = d.map((l, i) => [l, i] as const).filter(([l]) => l.trim() === 'counter = tmp + 1')[1]![1];
		expect(d[second + 1]!.trim()).toBe('-> global.counter = 1 (unchanged)');
		// a store that changes the value is a change, not "unchanged"
		expect(trace.join('\n')).toContain('global.counter: 0 -> 1');
		expect(trace.filter(l => l.includes('(unchanged)'))).toHaveLength(1);
	});

	it('a failed atomic is not a store: atomic_inc_not_zero on 0 shows no "unchanged" line', () => {
		const src = 'scenario z\natomic_t refs = ATOMIC_INIT(0);\ncpu 0 "get" {\n\tok = atomic_inc_not_zero(&refs);\n}\n';
		const model = modelFromSource('z.race', src);
		const {steps} = replaySteps(model, parseSchedule('0'));
		expect(renderTrace(model, steps)).not.toContain('unchanged');
	});

	it("a test's outcome is a sub-line of the diagram, as a value is", () => {
		const model = loadModel('fsdax-unbind-2021', {variant: 'noref'});
		const d = renderDiagram(model, replaySteps(model, parseSchedule('1 1 1 1 1 1 1 0 0 0 0 0 0 0 0')).steps).split('\n');
		const devmap = d.findIndex(l => l.trim() === 'if (pte_devmap(pte))');
		expect(d[devmap + 1]!.trim()).toBe('-> true');
		const pmd = d.findIndex(l => l.trim() === 'if (!pmd_present(pmd)) goto slow');
		expect(d[pmd + 1]!.trim()).toBe('-> false');
	});

	it('a lock step shows its new holder, not the preempt count it raises; preempt_disable() alone shows the count, 0 when it drops', () => {
		const model = loadModel('kref-lookup', {variant: 'plain-get'});
		const d = renderDiagram(model, replaySteps(model, parseSchedule('1*6 0*17 1*4')).steps);
		expect(d).toContain('-> lock[table_lock]: free -> CPU1');
		expect(d).not.toContain('preempt');
		const p = modelFromSource('p.race', 'scenario p\ncpu 0 "a" {\n\tpreempt_disable();\n\tpreempt_enable();\n}\n');
		expect(renderDiagram(p, replaySteps(p, parseSchedule('0 0')).steps).split('\n').map(l => l.trim())).toEqual(['CPU0 a', 'preempt_disable()', '-> preempt = 1', 'preempt_enable()', '-> preempt = 0']);
	});

	it('the trace shows a count dropping to 0 as 1 -> 0 and a waiter queued on a held lock without a move of its holder', () => {
		const src = 'scenario ab\nspinlock_t a;\nspinlock_t b;\ncpu 0 "x" {\n\tspin_lock(a);\n\tspin_lock(b);\n\tspin_unlock(b);\n\tspin_unlock(a);\n}\ncpu 1 "y" {\n\tspin_lock(b);\n\tspin_lock(a);\n}\n';
		const model = modelFromSource('ab.race', src);
		const trace = renderTrace(model, replaySteps(model, parseSchedule('0 1 0 1')).steps).split('\n').map(l => l.trim());
		expect(trace).toContain('CPU0.preempt: 0 -> 1');
		expect(trace).toContain('lock[b]: CPU1 (waiters: CPU0)');
		expect(trace.join('\n')).not.toMatch(/preempt gone|CPU1 -> CPU1/);
		const done = renderTrace(model, replaySteps(model, parseSchedule('0 0 0 0')).steps);
		expect(done).toContain('CPU0.preempt: 1 -> 0');
	});

	it('a page-table lock, which exists only while held, reads free -> CPU0 and CPU0 -> free', () => {
		const src = 'scenario p\nconst VA = 0x7f000000\nmachine {\n\tram(0x300, 1);\n\tmap(VA, 0x300, write);\n}\ncpu 0 "a" {\n\tpmd = pmdp_get_lockless(VA);\n\tptl = pte_offset_map_lock(pmd, VA);\n\tpte_unmap_unlock(ptl);\n}\n';
		const model = modelFromSource('p.race', src);
		const steps = replaySteps(model, parseSchedule('0 0 0')).steps;
		const trace = renderTrace(model, steps).split('\n').map(l => l.trim());
		expect(trace).toContain('lock[ptl:T3]: free -> CPU0');
		expect(trace).toContain('lock[ptl:T3]: CPU0 -> free');
		expect(trace.join('\n')).not.toMatch(/lock\[ptl:T3\] (gone|=)/);
		expect(renderDiagram(model, steps)).toContain('-> lock[ptl:T3]: CPU0 -> free');
	});

	it('a test on a line with braces shows its head, not the statements after it (one-line if/else, a loop body in braces)', () => {
		const src = 'scenario t\nint cnt = 0;\nbool done;\ncpu 0 "a" {\n\tif (cnt == 0) { cnt = 1; } else { cnt = 2; }\n\twhile (1) { if (done) break; }\n\tif (cnt) return;\n}\ncpu 1 "b" {\n\tdone = true;\n}\n';
		const model = modelFromSource('t.race', src);
		const trace = renderTrace(model, replaySteps(model, parseSchedule('0 0 1 0 0')).steps).split('\n');
		expect(trace[0]).toMatch(/L5 {4}if \(cnt == 0\) \{ +→ true$/);
		expect(trace.find(l => / {2}CPU0 {2}L6 /.test(l))).toMatch(/if \(done\) break; +→ true$/);
		// a single statement after the test stays: it says what the test guards
		expect(trace.at(-1)).toMatch(/L7 {4}if \(cnt\) return; +→ true$/);
	});

	it("a helper's statements stand under its name, indented as the call nests", () => {
		const model = loadModel('kref-lookup', {variant: 'plain-get'});
		const d = renderDiagram(model, replaySteps(model, parseSchedule('1*6 0*17 1*4')).steps).split('\n');
		const put = d.indexOf('obj_put()');
		expect(put).toBeGreaterThan(0);
		expect(d[put + 1]).toBe('  if (!atomic_dec_and_test(&refs))');
		// CPU0's column (at 41): obj_get() with its body two cells in, then back out for the lookup's own if (got)
		const get = d.findIndex(l => l.trim() === 'obj_get()');
		const col = d[get]!.indexOf('obj_get()');
		expect(d[get + 1]!.indexOf('atomic_inc(&refs)')).toBe(col + 2);
		const after = d.slice(get).findIndex(l => l.trim() === 'if (got)');
		expect(d[get + after]!.indexOf('if (got)')).toBe(col);
		for (const line of d) expect(line.length).toBeLessThanOrEqual(80);
	});

	it('a CPU that starts to wait on a held lock reads as the lock with its waiter, not "CPU1 -> CPU1 (waiters: CPU0)"', () => {
		const src = 'scenario abba\nspinlock_t a;\nspinlock_t b;\ncpu 0 "ab" {\n\tspin_lock(&a);\n\tspin_lock(&b);\n}\ncpu 1 "ba" {\n\tspin_lock(&b);\n\tspin_lock(&a);\n}\n';
		const model = modelFromSource('abba.race', src);
		const d = renderDiagram(model, replaySteps(model, parseSchedule('0 1 0 1')).steps);
		expect(d).toContain('-> lock[b]: CPU1 (waiters: CPU0)');
		expect(d).toContain('-> lock[a]: CPU0 (waiters: CPU1)');
		expect(d).not.toMatch(/CPU\d -> CPU\d \(waiters/);
	});

	it("a step's :note is a C comment after its statement in the diagram (the livelock's own note is not)", () => {
		const model = loadModel('fsdax-unbind-2021');
		const s = createSession(model);
		s.addSchedule(parseSchedule('1 1 1 1 1 1 1 2'), {name: 'race'});
		s.goto(1);
		s.setNote('no zap */ here');
		s.goto(2);
		s.setNote('livelock: steps 3-8 repeat');
		const d = renderDiagram(model, pointsToSteps(s.pathOf('race')));
		expect(d).toContain('kill_dax(pmem0) /* no zap * / here */');
		expect(d).not.toContain('livelock: steps');
		expect(renderMarkdown({model, points: s.pathOf('race'), branch: 'race'})).toContain('kill_dax(pmem0) /* no zap * / here */');
	});
});
