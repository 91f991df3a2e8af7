// Renaming CPUs (machine/permute.ts), the ground of the symmetry reduction:
// every field of the machine is classified (a field another change adds and
// forgets to classify fails here), and on every state reachable in a
// scenario that puts replica CPU ids into every CPU-id field, renaming
// interchangeable CPUs commutes with step(): a CPU-id field left unrenamed
// makes the renamed state behave differently.

import {readdirSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {builtinNames, loadModel, loadScenario, modelFromSource} from '../source/lang/load.js';
import type {Model} from '../source/lang/interpreter.js';
import {hashMachine} from '../source/machine/hash.js';
import {invert, permuteMachine, SHAPE} from '../source/machine/permute.js';
import type {Machine, Transition} from '../source/machine/types.js';

/** Every path of v SHAPE does not classify (arrays as [], record entries as {}). */
function unclassified(v: unknown, path: string, out: Set<string>): void {
	const cls = SHAPE[path];
	if (path !== '' && cls === undefined) {
		out.add(path);
		return;
	}
	if (cls === 'data' || cls === 'cpu' || cls === 'cpus') return;
	if (v === null || typeof v !== 'object') return;
	if (cls === 'list') for (const x of v as unknown[]) unclassified(x, `${path}[]`, out);
	else if (cls === 'record') for (const x of Object.values(v)) unclassified(x, `${path}{}`, out);
	else for (const [k, x] of Object.entries(v)) unclassified(x, path ? `${path}.${k}` : k, out);
}

/** Up to `limit` states reachable by step() (breadth-first), with the enabled transitions of each. */
function reachable(model: Model, limit: number): Machine[] {
	const seen = new Set<string>([hashMachine(model.initial)]);
	const out: Machine[] = [model.initial];
	for (let i = 0; i < out.length && out.length < limit; i++) {
		for (const t of model.enabled(out[i]!)) {
			const next = model.step(out[i]!, t).state;
			const h = hashMachine(next);
			if (seen.has(h)) continue;
			seen.add(h);
			out.push(next);
		}
	}
	return out;
}

// Replica CPUs that send flush IPIs (ipis[].from, wait.pending), are RCU readers
// when a grace period starts (wait.readers, rcu[].readers) and run the mm (mmCpumask).
const SYMMETRIC = `scenario perm
const VA = 0x7f000000
const PFN = 0x100
machine {
	pgmap(pmem0, fsdax, PFN, 1);
	map(VA, PFN, write, special, devmap);
	mm_cpumask(0, 1);
}
cpu 0 "walker" * 3 {
	rcu_read_lock();
	access(VA);
	rcu_read_unlock();
	flush_tlb_mm_range(VA);
}
cpu 1 "killer" {
	percpu_ref_kill(pmem0);
	synchronize_rcu();
	ptep_get_and_clear(VA);
}
`;

// Replica CPUs that hold locks (locks{}.owner), read an rwsem together
// (locks{}.readers) and wait for them (wait kind 'lock'), with a shared counter.
const LOCKING = `scenario perm-locks
spinlock_t l;
struct rw_semaphore sem;
int n = 0;
cpu 0 "reader" * 3 {
	down_read(&sem);
	spin_lock(&l);
	n = n + 1;
	spin_unlock(&l);
	up_read(&sem);
}
cpu 1 "writer" {
	down_write(&sem);
	n = 0;
	up_write(&sem);
}
`;

// Replica CPUs that allocate RAM pages (memmap{}.ram.owner).
const ALLOCATING = `scenario perm-ram
machine {
	ram(0x200, 2);
}
cpu 0 "alloc" * 2 {
	p = alloc_page();
	if (p) put_page(p);
}
cpu 1 "other" {
	q = alloc_page();
}
`;

function permutations(xs: number[]): number[][] {
	if (xs.length <= 1) return [xs];
	return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]));
}

describe('CPU renaming (machine/permute.ts)', () => {
	it('classifies every field of every machine the built-ins reach', () => {
		const missing = new Set<string>();
		const models = builtinNames().flatMap(name => [null, ...loadScenario(name).ast.variants.map(v => v.name)].map(variant => loadModel(name, {variant})));
		models.push(modelFromSource('perm.race', SYMMETRIC), modelFromSource('perm-locks.race', LOCKING));
		models.push(modelFromSource('perm-ram.race', ALLOCATING));
		for (const file of readdirSync('scenarios/examples')) models.push(loadModel(`scenarios/examples/${file}`));
		for (const model of models) for (const m of reachable(model, 400)) unclassified(m, '', missing);
		expect([...missing].sort(), 'add these paths to SHAPE in machine/permute.ts (and rename them if they hold CPU ids)').toEqual([]);
	});

	it('an unclassified field is reported (the check above can fail)', () => {
		const missing = new Set<string>();
		const m = {...loadModel('devdax-unbind').initial, newThing: {owner: 1}};
		unclassified(m, '', missing);
		expect([...missing]).toEqual(['newThing']);
	});

	it('the replica CPUs of the test scenario are one symmetry group; REPLICA or a CPU named by number breaks it', () => {
		expect(modelFromSource('perm.race', SYMMETRIC).program.symmetry).toEqual([[0, 2, 3]]);
		expect(modelFromSource('perm.race', SYMMETRIC.replace('access(VA);', 'access(VA + REPLICA * 0);')).program.symmetry).toEqual([]);
		expect(modelFromSource('perm.race', SYMMETRIC.replace('ptep_get_and_clear(VA);', 'x = tlb_has(0, VA);')).program.symmetry).toEqual([]);
		expect(loadModel('devdax-unbind', {set: {gups: '2', walkers: '2'}}).program.symmetry).toEqual([[0, 3]]);
	});

	it('a group of copies left without symmetry says why', () => {
		expect(modelFromSource('perm.race', SYMMETRIC).program.symmetryOff).toBeUndefined();
		expect(modelFromSource('perm.race', SYMMETRIC.replace('access(VA);', 'access(VA + REPLICA * 0);')).program.symmetryOff).toEqual(['CPU0=CPU2=CPU3: the block reads REPLICA']);
		expect(modelFromSource('perm.race', SYMMETRIC.replace('ptep_get_and_clear(VA);', 'x = tlb_has(0, VA);')).program.symmetryOff).toEqual(['CPU0=CPU2=CPU3: a call names a CPU by number (smp_processor_id, tlb_has...)']);
		// an initial TLB entry on one copy (the trial's madv-three: tlb() of a zapper meant for the thread)
		const apart = modelFromSource('perm.race', SYMMETRIC.replace('mm_cpumask(0, 1);', 'mm_cpumask(0, 1); tlb(2, VA);'));
		expect(apart.program.symmetry).toEqual([]);
		expect(apart.program.symmetryOff).toEqual(['CPU0=CPU2=CPU3 start unlike: machine { } gives one a TLB or walk-cache entry, lazy mode or an mm_cpumask bit the others lack']);
	});

	const commutes = (model: Model, group: number[], limit: number): number => {
		const n = model.cpuCount;
		const perms = permutations(group).map(p => {
			const perm = Array.from({length: n}, (_, i) => i);
			group.forEach((c, k) => (perm[c] = p[k]!));
			return perm;
		});
		let checked = 0;
		for (const s of reachable(model, limit)) {
			for (const perm of perms) {
				const ps = permuteMachine(s, perm);
				const renamed = (t: Transition): Transition => ({cpu: perm[t.cpu]!, irq: t.irq});
				expect(model.enabled(ps).map(t => `${t.cpu}${t.irq}`).sort()).toEqual(model.enabled(s).map(t => `${renamed(t).cpu}${t.irq}`).sort());
				for (const t of model.enabled(s)) {
					const a = model.step(s, t);
					const b = model.step(ps, renamed(t));
					expect(hashMachine(b.state)).toBe(hashMachine(permuteMachine(a.state, perm)));
					expect(b.violations.map(v => v.kind)).toEqual(a.violations.map(v => v.kind));
					checked++;
				}
			}
		}
		return checked;
	};

	it('renaming interchangeable CPUs commutes with step() on every reachable state (IPIs, acks, RCU readers)', () => {
		const model = modelFromSource('perm.race', SYMMETRIC);
		const states = reachable(model, 1000);
		// The walk reaches the CPU-id fields with replica ids in them.
		expect(states.some(m => m.cpus.some(c => c.ipis.some(i => i.from !== 1)))).toBe(true);
		expect(states.some(m => m.cpus.some(c => c.wait?.kind === 'gp' && c.wait.readers.length > 1))).toBe(true);
		expect(states.some(m => m.cpus.some(c => c.wait?.kind === 'acks' && c.wait.pending.some(p => p !== 1)))).toBe(true);
		expect(states.some(m => m.rcu.some(cb => cb.readers.length > 0))).toBe(true);
		expect(commutes(model, [0, 2, 3], 1000)).toBeGreaterThan(2000);
	});

	it('... and on locks (owners, rwsem readers, CPUs waiting for a lock)', () => {
		const model = modelFromSource('perm-locks.race', LOCKING);
		expect(model.program.symmetry).toEqual([[0, 2, 3]]);
		const states = reachable(model, 1000);
		expect(states.some(m => m.locks.l?.owner !== null && m.locks.l?.owner !== undefined && m.locks.l.owner !== 0)).toBe(true);
		expect(states.some(m => (m.locks.sem?.readers.length ?? 0) > 1)).toBe(true);
		expect(states.some(m => m.cpus.filter(c => c.wait?.kind === 'lock' || model.blockedReason(m, c.id) !== null).length > 1)).toBe(true);
		expect(commutes(model, [0, 2, 3], 1000)).toBeGreaterThan(1000);
	});

	it('... and on RAM pages (the CPU that allocated a page)', () => {
		const model = modelFromSource('perm-ram.race', ALLOCATING);
		expect(model.program.symmetry).toEqual([[0, 2]]);
		const states = reachable(model, 1000);
		expect(states.some(m => Object.values(m.memmap).some(p => p.ram?.owner === 2))).toBe(true);
		expect(commutes(model, [0, 2], 1000)).toBeGreaterThan(50);
	});

	it('invert undoes a permutation; the identity returns the machine itself', () => {
		const m = modelFromSource('perm.race', SYMMETRIC).initial;
		const p = [2, 1, 3, 0];
		expect(hashMachine(permuteMachine(permuteMachine(m, p), invert(p)))).toBe(hashMachine(m));
		expect(permuteMachine(m, [0, 1, 2, 3])).toBe(m);
	});
});
