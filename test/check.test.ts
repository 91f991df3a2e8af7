// `racewalk check` and `racewalk explore` through the built binary (the test
// script builds first): tables, exit codes, one-line usage errors.

import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 300_000});
	return {code: r.status, out: r.stdout, err: r.stderr};
};

const tmp = mkdtempSync(join(tmpdir(), 'racewalk-check-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

const failRows = (out: string) => out.split('\n').filter(l => / {2}FAIL$/.test(l));

describe('racewalk check', () => {
	it('verifies every built-in scenario, worked example and variant: every expectation holds (exit 0)', () => {
		const r = cli('check');
		expect(r.err).toBe('');
		expect(r.out).toMatch(/^scenario\s+variant\/params\s+expected\s+found\s+states\s+time\s+result/);
		for (const name of ['fsdax-unbind-2021', 'devdax-unbind', 'xfs-pre-remove', 'lost-wakeup', 'pt-free-walker']) expect(r.out).toMatch(new RegExp(`^${name} `, 'm'));
		expect(failRows(r.out)).toEqual([]);
		expect(r.code).toBe(0);
		expect(r.out).toMatch(/all \d+ expectations hold/);
	});

	it('verifies the worked examples of the language guide; the ABBA variant is found as a deadlock naming holders and waiters', () => {
		const r = cli('check', 'scenarios/examples/kref-lookup.race', 'scenarios/examples/retract-lock-order.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/kref-lookup\s+abba\s+violation deadlock\s+reachable \(8 steps\).*OK/);
		expect(r.code).toBe(0);
		const e = cli('explore', 'scenarios/examples/kref-lookup.race', '--variant', 'abba');
		expect(e.code).toBe(3);
		expect(e.out.replace(/\s+/g, ' ')).toContain('deadlock: CPU0 holds table_lock and spins on obj_lock in spin_lock, held by CPU1; CPU1 holds obj_lock and spins on table_lock in spin_lock, held by CPU0');
	});

	it('verifies the page-table-freeing example: safe on x86 and with RCU table free under a broadcast flush; the historic bug reads a freed table', () => {
		const r = cli('check', 'scenarios/examples/pt-free-walker.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/pt-free-walker\s+broadcast-rcu\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/pt-free-walker\s+broadcast-no-rcu\s+violation freed-table-read\s+reachable \(\d+ steps\).*OK/);
		expect(r.code).toBe(0);
		const e = cli('run', 'scenarios/examples/pt-free-walker.race', '--variant', 'broadcast-no-rcu', '-s', '0 0 0 1 1 1 1 1 1 1 1 1 0');
		expect(e.out).toMatch(/verdict: VIOLATION freed-table-read \(S6\) at step 13, CPU0/);
	});

	it('verifies the worked examples from a kernel developer\'s trial: fork vs gup-fast, the per-VMA lock, migration\'s refcount freeze, a lazy CPU\'s mm reference', () => {
		const r = cli('check', 'scenarios/examples/fork-gup-cow.race', 'scenarios/examples/vma-lock-seq.race', 'scenarios/examples/migrate-freeze.race', 'scenarios/examples/lazy-mm-drop.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/fork-gup-cow\s+\(base\) seqcount=true\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/fork-gup-cow\s+no-seqcount\s+violation assert\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/vma-lock-seq\s+\(base\) recheck=true\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/vma-lock-seq\s+no-recheck\s+violation invariant\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/migrate-freeze\s+\(base\) lookup=try_reload\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/migrate-freeze\s+no-reload\s+violation assert\s+reachable.*OK/);
		expect(r.out).toMatch(/migrate-freeze\s+plain-get\s+violation refcount\s+reachable.*OK/);
		expect(r.out).toMatch(/lazy-mm-drop\s+\(base\) lazy_ref=true\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/lazy-mm-drop\s+no-lazy-ref\s+violation freed-table-read\s+reachable \(\d+ steps\).*OK/);
		expect(r.code).toBe(0);
		const e = cli('explore', 'scenarios/examples/fork-gup-cow.race', '--variant', 'no-seqcount');
		expect(e.code).toBe(1);
		expect(e.out.replace(/\s+/g, ' ')).toContain('assertion failed: a DMA-pinned page is COW-shared with the child');
	});

	it('verifies the PROT_NONE example: migration\'s pte_accessible against change_prot_numa\'s deferred flush (20841405940e, 16af97dc5a89)', () => {
		const r = cli('check', 'scenarios/examples/numa-migrate-flush.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/numa-migrate-flush\s+\(base\) flush_pending=none.*violation freed-page-use\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/numa-migrate-flush\s+fixed\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/numa-migrate-flush\s+lost-pending\s+violation freed-page-use\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/numa-migrate-flush\s+counted\s+safe\s+safe.*OK/);
		expect(r.code).toBe(0);
		// The counterexample is the commit's diagram: the old page freed while thread C's TLB still maps it.
		const e = cli('explore', 'scenarios/examples/numa-migrate-flush.race', '--variant', 'lost-pending');
		expect(e.code).toBe(1);
		expect(e.out.replace(/\s+/g, ' ')).toContain("put_page frees page 0x200 while CPU2's TLB still maps va 0x7f000000 to it");
		expect(e.out).toContain('clear_tlb_flush_pending(mm);');
	});

	it('verifies the worked examples from a fourth trial: zap_pte_range\'s dirty shared PTE vs page_mkclean, split_huge_page vs gup-fast\'s grab of a tail, oom_reaper vs exit_mmap', () => {
		const r = cli('check', 'scenarios/examples/zap-dirty-flush.race', 'scenarios/examples/thp-split-grab.race', 'scenarios/examples/oom-reap-exit.race');
		expect(failRows(r.out)).toEqual([]);
		// 1cf35d47712d closed the race while the page stays mapped elsewhere; only 5df397dec7c4 closed it for the last mapping
		expect(r.out).toMatch(/zap-dirty-flush\s+\(base\).*violation lost-write\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/zap-dirty-flush\s+force-flush\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/zap-dirty-flush\s+force-flush-last\s+violation lost-write\s+reachable.*OK/);
		expect(r.out).toMatch(/zap-dirty-flush\s+delay-rmap\s+safe\s+safe.*OK/);
		// a clean PTE's stale entry faults on its next store: no flush under the lock is owed
		expect(r.out).toMatch(/zap-dirty-flush\s+clean\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/thp-split-grab\s+no-head-recheck\s+violation freed-page-use\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/thp-split-grab\s+broadcast\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/oom-reap-exit\s+no-lock-cycle\s+violation freed-table-read\s+reachable.*OK/);
		expect(r.out).toMatch(/oom-reap-exit\s+v6-0\s+safe\s+safe.*OK/);
		expect(r.code).toBe(0);
		// c24d37322548's race: the reference lands on the old head, the PTE re-check passes, the tail is freed mapped
		const e = cli('explore', 'scenarios/examples/thp-split-grab.race', '--variant', 'no-head-recheck');
		expect(e.code).toBe(1);
		const flat = e.out.replace(/\s+/g, ' ');
		expect(flat).toContain('clear_compound_head(tail);');
		expect(flat).toContain('put_page frees page 0x201 while the PTE for va 0x7f001000 still maps it');
	});

	it('every checked scenario of test/scenarios holds its expectations', () => {
		const files = readdirSync('test/scenarios').filter(f => f.endsWith('.race')).map(f => `test/scenarios/${f}`);
		expect(files.length).toBeGreaterThan(10);
		const r = cli('check', ...files);
		expect(failRows(r.out)).toEqual([]);
		expect(r.code).toBe(0);
	});

	it('verifies three races of the fifth trial: an mmap_lock/i_mmap_rwsem inversion, three concurrent MADV_DONTNEEDs (99baac21e458), page-table freeing under each FLUSH/TABLE_FREE/arch setting', () => {
		const r = cli('check', 'test/scenarios/lock-abba.race', 'test/scenarios/madv-three.race', 'test/scenarios/pt-free-arch.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/lock-abba\s+\(base\).*violation deadlock\s+reachable \(4 steps\).*OK/);
		expect(r.out).toMatch(/madv-three\s+\(base\).*violation stale-tlb-return\s+reachable.*OK/);
		expect(r.out).toMatch(/pt-free-arch\s+arm64-leaf\s+violation pwc-freed-table\s+reachable.*OK/);
		expect(r.out).toMatch(/pt-free-arch\s+x86-leaf\s+safe\s+safe.*OK/);
		expect(r.code).toBe(0);
	});

	it('verifies two more races of that trial: KSM\'s write_protect_page vs O_DIRECT, change_huge_pmd(prot_numa) vs MADV_DONTNEED (ced108037c2a)', () => {
		const r = cli('check', 'test/scenarios/ksm-wrprotect.race', 'test/scenarios/numa-pmd-dontneed.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/ksm-wrprotect\s+\(base\).*safe\s+safe.*OK/);
		expect(r.out).toMatch(/ksm-wrprotect\s+before-flush\s+violation assert\s+reachable.*OK/);
		expect(r.out).toMatch(/ksm-wrprotect\s+broadcast-no-recheck\s+violation assert\s+reachable.*OK/);
		expect(r.out).toMatch(/numa-pmd-dontneed\s+clear\s+violation assert\s+reachable.*OK/);
		expect(r.code).toBe(0);
	});

	it('verifies the worked examples from a fifth trial: move_normal_pmd against reclaim (97113eb39fa7) and against retract_page_tables, munmap beside MADV_DONTNEED (7a30df49f63a)', () => {
		const r = cli('check', 'scenarios/examples/mremap-pmd.race', 'scenarios/examples/mremap-retract.race', 'scenarios/examples/munmap-madv-walkcache.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/mremap-pmd\s+\(base\).*violation freed-page-use\s+reachable \(22 steps\).*OK/);
		expect(r.out).toMatch(/mremap-pmd\s+fixed\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/mremap-pmd\s+late-flush\s+violation freed-page-use\s+reachable.*OK/);
		expect(r.out).toMatch(/mremap-retract\s+\(base\).*violation unstable-pmd\s+reachable \(25 steps\).*OK/);
		expect(r.out).toMatch(/mremap-retract\s+fixed\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/munmap-madv-walkcache\s+\(base\).*violation pwc-freed-table ✱\s+reachable \(16 steps\).*OK/);
		expect(r.out).toMatch(/munmap-madv-walkcache\s+x86\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/munmap-madv-walkcache\s+x86-lazy\s+violation pwc-freed-table ✱ hypothesis\s+reachable.*OK/);
		expect(r.code).toBe(0);
		// The commit's diagram: the thread caches NEW after the move, the walker flushes OLD and frees the page.
		const e = cli('explore', 'scenarios/examples/mremap-pmd.race');
		expect(e.code).toBe(1);
		expect(e.out.replace(/\s+/g, ' ')).toContain("put_page frees page 0x200 while CPU2's TLB still maps va 0x7f400000 to it");
		// The kernel's bug, not the scenario's: pmd_pgtable of the PMD the collapse cleared.
		const x = cli('explore', 'scenarios/examples/mremap-retract.race');
		expect(x.code).toBe(1);
		expect(x.out.replace(/\s+/g, ' ')).toContain('pmd_pgtable on CPU0 of a PMD that is none: the kernel would take physical page 0 for a page table');
		expect(x.out).toContain('i_mmap_unlock_read(mapping);');
		const w = cli('explore', 'scenarios/examples/munmap-madv-walkcache.race');
		expect(w.out.replace(/\s+/g, ' ')).toContain('__tlb_reset_range(&tlb);');
		expect(w.out.replace(/\s+/g, ' ')).toMatch(/hardware walk on CPU2 uses its paging-structure cache entry for va 0x7f000000 to PTE page T\d+, which was freed/);
	});

	it('verifies the worked examples from a sixth trial: reclaim\'s freeze and batched flush vs gup-fast, UFFDIO_MOVE (adef440691ba), anonymous migration vs gup-fast', () => {
		const r = cli('check', 'scenarios/examples/reclaim-gup-freeze.race', 'scenarios/examples/uffd-move-pte.race', 'scenarios/examples/migrate-anon-gup.race');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/reclaim-gup-freeze\s+\(base\) .*safe\s+safe.*OK/);
		expect(r.out).toMatch(/reclaim-gup-freeze\s+v4_2\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/reclaim-gup-freeze\s+v4_3\s+violation refcount ✱\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/reclaim-gup-freeze\s+broadcast-no-recheck\s+violation gup-unmapped-page\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/uffd-move-pte\s+no-recheck\s+violation freed-page-use\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/uffd-move-pte\s+two-moves\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/uffd-move-pte\s+unordered\s+violation deadlock\s+reachable \(\d+ steps\).*OK/);
		expect(r.out).toMatch(/migrate-anon-gup\s+x86-no-recheck\s+safe\s+safe.*OK/);
		expect(r.out).toMatch(/migrate-anon-gup\s+broadcast-no-recheck\s+violation assert\s+reachable \(\d+ steps\).*OK/);
		expect(r.code).toBe(0);
		// x86 v4.3-v4.12: the get_page lands on the count __remove_mapping froze while the batched flush waits.
		const v43 = cli('explore', 'scenarios/examples/reclaim-gup-freeze.race', '--variant', 'v4_3');
		expect(v43.code).toBe(1);
		expect(v43.out.replace(/\s+/g, ' ')).toContain('get_page on page 0x200 with refcount 0');
		// The page reused at VA + 4096 is not the page of VA: S7 by the va gup-fast read.
		const reuse = cli('explore', 'scenarios/examples/reclaim-gup-freeze.race', '--variant', 'broadcast-no-recheck');
		expect(reuse.out.replace(/\s+/g, ' ')).toContain('fault at 0x7f001000: anonymous page 0x200 allocated and mapped');
		expect(reuse.out.replace(/\s+/g, ' ')).toContain('gup-fast on CPU0 returns page 0x200 (allocation 2)');
		// The opposite moves: each holds one PTE lock and spins on the other.
		const dl = cli('explore', 'scenarios/examples/uffd-move-pte.race', '--variant', 'unordered');
		expect(dl.code).toBe(3);
		expect(dl.out.replace(/\s+/g, ' ')).toMatch(/deadlock: CPU0 holds mmap_lock, ptl of (T\d+) and spins on ptl of (T\d+) in spin_lock_nested, held by CPU1; CPU1 holds mmap_lock, ptl of \2 and spins on ptl of \1 in spin_lock_nested, held by CPU0/);
	});

	it('verifies the new built-ins against KERNEL.md §6.B1 and §6.B2', () => {
		const r = cli('check', 'khugepaged-collapse', 'madv-dontneed-flush');
		expect(failRows(r.out)).toEqual([]);
		expect(r.out).toMatch(/khugepaged-collapse\s+broadcast\s+violation collapse-lost-pin\s+reachable/);
		expect(r.out).toMatch(/khugepaged-collapse\s+broadcast-recheck\s+safe\s+safe/);
		expect(r.out).toMatch(/khugepaged-collapse\s+lazy-pwc\s+violation pwc-freed-table ✱\s+reachable/);
		expect(r.out).toMatch(/madv-dontneed-flush\s+\(base\).*violation stale-tlb-return\s+reachable/);
		expect(r.out).toMatch(/madv-dontneed-flush\s+free-before-flush\s+violation freed-page-use\s+reachable/);
		expect(r.code).toBe(0);
	});

	it("a base 'expect safe' still holds in a variant for the kinds the variant does not name", () => {
		const file = join(tmp, 'inherit.race');
		writeFileSync(file, 'scenario inherit\nparam bug = false\nexpect safe\nvariant v "" (bug = true) {\n\texpect violation deadlock\n}\nspinlock_t a;\ncpu 0 "x" {\n\tassert !bug "asserted";\n\tif (bug) spin_lock(&a);\n\tif (bug) spin_lock(&a);\n}\n');
		const r = cli('check', file);
		expect(r.out).toMatch(/inherit\s+v\s+violation deadlock\s+reachable/);
		expect(failRows(r.out)).toEqual([expect.stringMatching(/^inherit\s+v\s+nothing else\s+assert\s+/)]);
		expect(r.code).toBe(1);
	});

	it('passes (exit 0) on built-ins whose expectations all hold', () => {
		const r = cli('check', 'devdax-unbind', 'fsdax-unbind-2021-noref', '--max-states', '1000000');
		const fails = failRows(r.out).filter(l => !l.includes('pmd'));
		expect(fails).toEqual([]);
		const d = cli('check', 'devdax-unbind');
		expect(d.code).toBe(0);
		expect(d.out).toMatch(/devdax-unbind\s+longterm\s+violation hung-task\s+reachable \(\d+ steps\)\s+\d+\s+[\d.]+s\s+OK/);
		expect(d.out).toMatch(/all \d+ expectations hold/);
	});

	it('fails with exit 1 and a FAIL row when an expect clause is wrong', () => {
		const src = readFileSync('scenarios/devdax-unbind.race', 'utf8').replace(/^expect safe.*$/m, 'expect violation use-after-free');
		const file = join(tmp, 'wrong.race');
		writeFileSync(file, src);
		const r = cli('check', file);
		expect(r.code).toBe(1);
		expect(r.out).toMatch(/devdax-unbind\s+\(base\).*violation use-after-free\s+unreachable\s+\d+\s+[\d.]+s\s+FAIL/);
		expect(r.out).toMatch(/[12] of \d+ expectations FAIL/);
	});

	it('a `no K` clause that is reachable fails too; an incomplete search cannot prove `safe`', () => {
		const src = readFileSync('scenarios/devdax-unbind.race', 'utf8').replace(/^expect safe.*$/m, 'expect no hung-task');
		const file = join(tmp, 'no.race');
		writeFileSync(file, src.replace(/variant longterm[^{]*\{[^}]*\}/, 'variant longterm "x" (longterm = true) {\n\texpect no hung-task\n}'));
		const r = cli('check', file);
		expect(r.code).toBe(1);
		expect(r.out).toMatch(/longterm\s+no hung-task\s+reachable \(\d+ steps\).*FAIL/);
		// the FAIL says how to see it: the schedule and the command that replays it
		const m = /FAIL \S+ \(longterm\): no hung-task: reachable \(\d+ steps\)\n {2}schedule: ([\d i]+)\n {2}\$ racewalk run (\S+) --variant longterm -s "([\d i]+)"/.exec(r.out);
		expect(m, r.out).not.toBeNull();
		expect(m![3]).toBe(m![1]);
		const replay = cli('run', m![2]!, '--variant', 'longterm', '-s', m![3]!);
		expect(replay.code).toBe(3);
		expect(replay.out).toContain('hung-task');
		const b = cli('check', 'devdax-unbind', '--max-states', '20');
		expect(b.code).toBe(1);
		expect(b.out).toMatch(/safe\s+nothing found \(incomplete: max-states\).*FAIL/);
	});

	it('bad flags and bad input exit 2 with one line', () => {
		for (const args of [['check', '--bogus'], ['check', '--max-states', 'abc'], ['check', '--timeout', '-1'], ['check', 'no-such-scenario']]) {
			const r = cli(...args);
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.out).toBe('');
			expect(r.err.trim().split('\n')).toHaveLength(1);
			expect(r.err).toMatch(/^racewalk: /);
		}
	});

	it('a broken scenario shows its source line and caret, as every command does', () => {
		const file = join(tmp, 'broken.race');
		writeFileSync(file, 'scenario x\nexpect bogus-kind\n');
		const r = cli('check', file);
		expect(r.code).toBe(2);
		expect(r.err).toContain(`${file}:2:8: expected 'safe', 'violation' or 'no' after 'expect'`);
		expect(r.err).toContain('  2 | expect bogus-kind\n    |        ^');
	});

	it('with a good and a broken file, the summary line counts the one not checked (it said "all 2 expectations hold" above an exit of 2)', () => {
		const broken = join(tmp, 'broken2.race');
		writeFileSync(broken, readFileSync('test/scenarios/counter-lock.race', 'utf8').replace('tmp = counter;', 'tmp = counter'));
		const r = cli('check', 'test/scenarios/counter-lock.race', broken);
		expect(r.code).toBe(2);
		expect(r.out).toMatch(/^all 2 expectations hold; 1 scenario not checked \(below\)$/m);
		expect(r.err).toContain(`${broken}:`);
	});

	it('a livelock is reported as a lasso: the shortest prefix with the fewest switches, and its loop', () => {
		const r = cli('check', 'fsdax-unbind-2021');
		expect(r.code).toBe(0);
		const row = r.out.split('\n').find(l => /\(base\).*violation livelock/.test(l))!;
		expect(row).toMatch(/lasso: 26 steps \+ a loop of 7, 3 switches/);
	});

	it("a violation row's length is the shortest, as explore prints it; a 'nothing else' row carries no other row's schedule", () => {
		const rows = (JSON.parse(cli('check', 'kref-lookup', '--json').out) as {rows: {variant: string | null; expected: string; found: string; schedule?: string}[]}).rows;
		const explored = JSON.parse(cli('explore', 'kref-lookup', '--variant', 'plain-get', '--json').out) as {kinds: {kind: string; length: number}[]};
		const plain = rows.filter(r => r.variant === 'plain-get');
		const assertRow = plain.find(r => r.expected === 'violation assert')!;
		expect(assertRow.found).toBe(`reachable (${explored.kinds.find(k => k.kind === 'assert')!.length} steps)`);
		const nothingElse = plain.find(r => r.expected === 'nothing else')!;
		expect(nothingElse.found).toBe('safe');
		expect(nothingElse.schedule).toBeUndefined();
	});

	it('--json gives the rows', () => {
		const r = cli('check', 'devdax-unbind-irqs-on', '--json');
		expect(r.code).toBe(0);
		const j = JSON.parse(r.out) as {rows: {scenario: string; ok: boolean}[]; failed: number};
		expect(j.failed).toBe(0);
		expect(j.rows.length).toBeGreaterThan(0);
		expect(j.rows.every(x => x.ok)).toBe(true);
	});
});

describe('racewalk explore', () => {
	it('says why symmetry is off when a group of copies could not be reduced', () => {
		const file = join(tmp, 'apart.race');
		writeFileSync(file, 'scenario apart\nconst VA = 0x7f000000\nmachine { ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1, 2); tlb(1, VA); }\ncpu 0 "reader" * 3 { access(VA); }\n');
		const r = cli('explore', file);
		expect(r.out).toContain('symmetry off (CPU0=CPU1=CPU2 start unlike: machine { } gives one a TLB or walk-cache entry, lazy mode or an mm_cpumask bit the others lack)');
		writeFileSync(file, 'scenario apart\nconst VA = 0x7f000000\nmachine { ram(0x200, 1); map(VA, 0x200, write); mm_cpumask(0, 1, 2); }\ncpu 0 "reader" * 3 { access(VA); }\n');
		expect(cli('explore', file).out).toContain('symmetry on (CPU0=CPU1=CPU2)');
	});

	it('finds the stale mapping and the livelock of the default scenario (exit 1), with traces', () => {
		const r = cli('explore', 'fsdax-unbind-2021', '--width', '100');
		expect(r.code).toBe(1);
		expect(r.out).toMatch(/search: bfs, partial-order reduction on, merged local steps on, symmetry off; exhaustive/);
		expect(r.out).toMatch(/visited set: 64-bit fingerprints; chance that a state was omitted <= \d\.\de-\d+/);
		expect(r.out).toMatch(/states: \d+ {2}transitions: \d+ {2}pruned by reduction: \d+ {2}depth: \d+ {2}time: [\d.]+ s {2}states\/s: \d+/);
		expect(r.out).toMatch(/verdict: VIOLATION: stale-mapping, stale-access, livelock/);
		expect(r.out).toContain('== stale-mapping (S2): 7 steps, 0 switches (shortest, fewest switches) ==');
		// The thread's own race, the user load reaching removed memory, is a counterexample of its own.
		expect(r.out).toContain('== stale-access (S2): 8 steps, 1 switch (shortest, fewest switches) ==');
		expect(r.out).toContain('schedule: 1 1 1 1 1 1 1');
		expect(r.out).toMatch(/ {3}7 {2}CPU1 {2}L\d+\s+arch_remove_memory\(pmem0\);/);
		expect(r.out).toMatch(/== livelock \(S8\): lasso, prefix \d+ steps, loop \d+ steps ==/);
		expect(r.out).toContain('---- loop: from here the schedule repeats for ever ----');
		expect(r.err).toBe(''); // no progress line: stderr is not a terminal
	});

	it('exit codes: 0 nothing reachable, 3 liveness only, 4 bound hit', () => {
		expect(cli('explore', 'devdax-unbind').code).toBe(0);
		const live = cli('explore', 'devdax-unbind', '--variant', 'longterm');
		expect(live.code).toBe(3);
		expect(live.out).toMatch(/verdict: LIVENESS VIOLATION: hung-task/);
		const bound = cli('explore', 'devdax-unbind', '--max-states', '10');
		expect(bound.code).toBe(4);
		expect(bound.out).toMatch(/incomplete: stopped by max-states/);
		expect(cli('explore', 'devdax-unbind', '--strategy', 'random', '--runs', '5', '--max-depth', '50').code).toBe(4);
	});

	it('--json: kinds with schedules, statistics, livelocks', () => {
		const r = cli('explore', 'fsdax-unbind-2021', '--variant', 'noref', '--json');
		expect(r.code).toBe(1);
		const j = JSON.parse(r.out) as {complete: boolean; kinds: {kind: string; schedule: string; length: number; switches: number}[]; livelocks: unknown[]; stats: {states: number}};
		expect(j.complete).toBe(true);
		const uaf = j.kinds.find(k => k.kind === 'use-after-free')!;
		expect(uaf).toMatchObject({schedule: '1 1 1 1 1 1 1 0 0 0 0 0 0 0 0', length: 15, switches: 1});
		expect(j.livelocks.length).toBeGreaterThan(0);
		expect(j.stats.states).toBeGreaterThan(0);
	});

	it('the same seed gives the same sampled result', () => {
		const a = cli('explore', 'fsdax-unbind-2021', '--strategy', 'pct', '--seed', '11', '--runs', '20', '--max-depth', '100', '--json');
		const b = cli('explore', 'fsdax-unbind-2021', '--strategy', 'pct', '--seed', '11', '--runs', '20', '--max-depth', '100', '--json');
		const strip = (s: string) => {
			const j = JSON.parse(s) as {kinds: unknown; stats: {states: number; transitions: number}};
			return {kinds: j.kinds, states: j.stats.states, transitions: j.stats.transitions};
		};
		expect(strip(a.out)).toEqual(strip(b.out));
	});

	it('bad flags exit 2 with one line', () => {
		for (const args of [
			['explore', 'fsdax-unbind-2021', '--strategy', 'foo'],
			['explore', 'fsdax-unbind-2021', '--max-states', 'abc'],
			['explore', 'fsdax-unbind-2021', '--max-states', '0'],
			['explore', 'fsdax-unbind-2021', '--seed', '3'],
			['explore', 'fsdax-unbind-2021', '--bogus'],
			['explore'],
			['explore', 'fsdax-unbind-2021', '--timeout', '0'],
		]) {
			const r = cli(...args);
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.out).toBe('');
			expect(r.err.trim().split('\n')).toHaveLength(1);
		}
	});
});
