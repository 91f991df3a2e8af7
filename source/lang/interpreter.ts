// The one semantics: step(state, transition) -> state. Interactive stepping,
// replay, search and recordings all go through `Model.step`; the search fast
// path (`stepInPlace`) runs the very same code on a private copy instead of an
// immer draft.

import {produce, setAutoFreeze} from 'immer';
import {type Ctx, type Footprint, newCtx, peek, violate, wr} from '../machine/context.js';
import {hashMachine} from '../machine/hash.js';
import {canTakeInterrupt, enterHandler, iret, takeInterrupt} from '../machine/interrupts.js';
import {KernelFault, Oops, type PrimResult} from '../machine/primitives/index.js';
import {available, heldBy, holdersInTheWay, lockLabel, lockWaitReason} from '../machine/locks.js';
import {finishFlush} from '../machine/primitives/flush.js';
import type {CpuState, Machine, Transition, Violation, Value, Wait} from '../machine/types.js';
import {formatValue, truthy} from '../machine/values.js';
import {CowNode, type CowTree, cowProduce, type Obj} from './cow.js';
import type {Env, Instr, Program} from './program.js';

export type StepResult = {
	state: Machine;
	transition: Transition;
	/** Line of the statement executed (null for an interrupt). */
	line: number | null;
	notes: string[];
	violations: Violation[];
	/** The step passed a progress label, or finished a CPU (for S8). */
	progress: boolean;
	footprint: Footprint | null;
};

export class NotEnabled extends Error {}

export const transitionName = (t: Transition): string => (t.irq ? `i${t.cpu}` : String(t.cpu));

const ATOMIC_LIMIT = 100_000;

/** What the kept context of pure peeks holds between them (no machine). */
const EMPTY = {} as Machine;
const NO_LOCALS: Record<string, Value> = {};

/** The footprint keys of a CPU's pc and wait, made once (every step writes one). */
const PC_KEY: string[] = [];
const WAIT_KEY: string[] = [];

export class Model {
	/** stepMerged's statements run so far (reused: it is not reentrant) and each CPU's step transition. */
	private readonly ran: number[] = [];
	private readonly stepOf: Transition[] = [];
	/** blocked()'s guard arguments, by arity. */
	private readonly guardArgs: Value[][] = [];

	constructor(readonly program: Program) {}

	get initial(): Machine {
		return this.program.initial;
	}

	get cpuCount(): number {
		return this.program.cpus.length;
	}

	instrAt(m: Machine, cpu: number): Instr | undefined {
		const pc = m.cpus[cpu]!.pc;
		return pc < 0 ? undefined : this.program.cpus[cpu]!.instrs[pc];
	}

	/** The source line a CPU's cursor is on (its closing brace once finished). */
	lineOf(m: Machine, cpu: number): number {
		return this.instrAt(m, cpu)?.line ?? this.program.cpus[cpu]!.endLine;
	}

	/** Null if the CPU can take its next step; otherwise why not. */
	blockedReason(m: Machine, cpu: number): string | null {
		return this.blocked(m, cpu, true);
	}

	/** blockedReason, with the sentence left out (`''`) unless `explain`: no string building in the search. */
	private blocked(m: Machine, cpu: number, explain: boolean): string | null {
		const c = m.cpus[cpu]!;
		if (c.pc < 0) return 'finished';
		if (c.wait) {
			if (c.wait.kind === 'acks') {
				if (c.wait.pending.length === 0) return null;
				if (!explain) return '';
				const who = c.wait.pending.map(p => `CPU${p}${m.cpus[p]!.irqsOn ? '' : ' (IRQs off)'}`).join(', ');
				return `blocked in ${c.wait.prim}: waiting for ack from ${who}`;
			}
			if (c.wait.kind === 'phase') return null;
			if (c.wait.kind === 'lock') {
				if (available(m, c.wait.lock, c.wait.mode)) return null;
				return !explain ? '' : lockWaitReason(m, cpu, c.wait.prim, c.wait.lock, c.wait.mode);
			}
			if (c.wait.readers.length === 0) return null;
			if (!explain) return '';
			const who = c.wait.readers.map(p => `CPU${p}${m.cpus[p]!.irqsOn ? '' : ' (IRQs off)'}`).join(', ');
			return `blocked in ${c.wait.prim}: waiting for a grace period (readers: ${who})`;
		}
		const instr = this.instrAt(m, cpu)!;
		if (instr.kind === 'await' || (instr.kind === 'atomic' && instr.cond)) {
			const v = this.peek(m, cpu, instr.cond!, instr.peekPure);
			if (truthy(v)) return null;
			return !explain ? '' : `blocked at line ${instr.line}: await ${instr.condText} is false`;
		}
		const b = instr.blocking;
		if (b?.prim.guard) {
			// one argument array per arity, refilled: a guard reads its arguments and keeps none
			const n = b.args.length;
			const args = (this.guardArgs[n] ??= new Array<Value>(n));
			for (let i = 0; i < n; i++) args[i] = this.peek(m, cpu, b.args[i]!, b.pure);
			const why = b.prim.guard(m, cpu, args);
			if (!why) return null;
			return !explain ? '' : `blocked in ${b.prim.name}: ${why}`;
		}
		return null;
	}

	/** Evaluate a condition without changing anything (reads only). */
	private peek(m: Machine, cpu: number, f: (env: Env) => Value, pure = false): Value {
		try {
			if (pure) return this.peekPure(m, cpu, f);
			// A condition that calls primitives may write (`await unpin_user_page(p)`): it runs on a
			// throwaway draft, so a frozen snapshot is not written (a TypeError) nor a search's copy changed.
			let v: Value = null;
			cowProduce(m, d => {
				v = f({ctx: newCtx(d, cpu, null, false), locals: d.cpus[cpu]!.locals, cpu: null});
			});
			return v;
		} catch (err) {
			if (err instanceof Oops) return true; // let the step run and report the oops
			throw err;
		}
	}

	/**
	 * A condition that only reads, on one context and environment kept for it (the
	 * enabledness checks peek at every waiting CPU of every state): nothing of
	 * the machine stays in them, and what a read left in its lists is dropped.
	 */
	private peekPure(m: Machine, cpu: number, f: (env: Env) => Value): Value {
		const env = this.pureEnv;
		const ctx = env.ctx;
		ctx.m = m;
		ctx.cpu = cpu;
		env.locals = m.cpus[cpu]!.locals;
		try {
			return f(env);
		} finally {
			ctx.m = EMPTY;
			env.locals = NO_LOCALS;
			if (ctx.notes.length > 0) ctx.notes = [];
			if (ctx.violations.length > 0) ctx.violations = [];
		}
	}

	private readonly pureEnv: Env = {ctx: newCtx(EMPTY, 0, null, false), locals: NO_LOCALS, cpu: null};

	isEnabled(m: Machine, t: Transition): boolean {
		const c = m.cpus[t.cpu];
		if (!c) return false;
		return t.irq ? canTakeInterrupt(c) : this.blocked(m, t.cpu, false) === null;
	}

	/** Every enabled transition, CPU order, each CPU's step before its interrupt. */
	enabled(m: Machine): Transition[] {
		const out: Transition[] = [];
		for (const c of m.cpus) {
			if (this.blocked(m, c.id, false) === null) out.push({cpu: c.id, irq: false});
			if (canTakeInterrupt(c)) out.push({cpu: c.id, irq: true});
		}
		return out;
	}

	/** Cheaper than enabled().length > 0: most states have a CPU that can obviously move. */
	anyEnabled(m: Machine): boolean {
		for (const c of m.cpus) {
			if (canTakeInterrupt(c)) return true;
			if (c.pc < 0) continue;
			const instr = this.program.cpus[c.id]!.instrs[c.pc]!;
			if (!c.wait && instr.kind !== 'await' && !instr.cond && !instr.blocking?.prim.guard) return true;
			if (this.blocked(m, c.id, false) === null) return true;
		}
		return false;
	}

	/** enabled() as a bit mask (bit 2·cpu: the CPU's step, bit 2·cpu+1: its interrupt), without allocating. */
	enabledMask(m: Machine): number {
		let mask = 0;
		for (const c of m.cpus) {
			if (this.blocked(m, c.id, false) === null) mask |= 1 << (2 * c.id);
			if (canTakeInterrupt(c)) mask |= 1 << (2 * c.id + 1);
		}
		return mask;
	}

	/** Why a transition cannot be taken, in one sentence. */
	whyNot(m: Machine, t: Transition): string {
		const c = m.cpus[t.cpu];
		if (!c) return `there is no CPU${t.cpu} (this scenario has CPU0-CPU${m.cpus.length - 1})`;
		if (t.irq) {
			if (c.ipis.length === 0) return `CPU${t.cpu} has no pending interrupt`;
			return `CPU${t.cpu} has IRQs off; its pending IPI from CPU${c.ipis[0]!.from} waits`;
		}
		const why = this.blockedReason(m, t.cpu) ?? 'able to move';
		return `CPU${t.cpu} ${/^(spins|sleeps)/.test(why) ? why : 'is ' + why}`;
	}

	/** The pure step: a new snapshot (immer), the old one untouched. */
	step(m: Machine, t: Transition, opts: {footprint?: boolean} = {}): StepResult {
		if (!this.isEnabled(m, t)) throw new NotEnabled(this.whyNot(m, t));
		let out!: Omit<StepResult, 'state'>;
		let state = produce(m, draft => {
			out = this.apply(draft as Machine, t, opts.footprint ?? false);
		});
		// The liveness check reads every CPU: on the finished snapshot it costs no drafts.
		const stuck = this.stuckViolation(state, t.cpu);
		if (stuck) {
			out.violations.push(stuck);
			state = produce(state, draft => void draft.violations.push(stuck));
		}
		return {...out, state};
	}

	/** The same step, mutating `m` (a private copy): the search fast path. */
	stepInPlace(m: Machine, t: Transition, footprint: boolean): Omit<StepResult, 'state'> {
		const out = this.apply(m, t, footprint);
		const stuck = this.stuckViolation(m, t.cpu);
		if (stuck) {
			out.violations.push(stuck);
			m.violations.push(stuck);
		}
		return out;
	}

	/**
	 * The search fast path: the same step as step() (no enabledness check), on
	 * a copy-on-write draft (cowProduce) instead of immer's. The result shares every subtree the step did not
	 * change with `m`, which is left untouched; its violation log holds this
	 * step's violations only.
	 */
	stepShared(m: Machine, t: Transition, footprint: boolean): StepResult & {tree: CowTree} {
		const root = new CowNode(m as unknown as Obj, null);
		const draft = root.proxy as unknown as Machine;
		if (m.violations.length > 0) draft.violations = [];
		const out = this.apply(draft, t, footprint);
		root.finalize();
		let state = root.done as Machine;
		const stuck = this.stuckViolation(state, t.cpu);
		if (stuck) {
			out.violations.push(stuck);
			state = {...state, violations: [...state.violations, stuck]};
		}
		return {transition: t, line: out.line, notes: out.notes, violations: out.violations, progress: out.progress, footprint: out.footprint, state, tree: root};
	}

	/**
	 * stepShared, then the same CPU's following `local` statements in the same
	 * transition (merged local steps, docs/search.md): they touch no machine
	 * state, so no other CPU can tell them apart from the step before. The run
	 * stops at a non-local statement, a wait, a violation, or a statement it
	 * already ran (so a loop of local statements still leaves a state on its
	 * cycle). `count` is the number of statements (and interrupts) taken: a
	 * schedule repeats the CPU that many times. The statements share one
	 * context: the transition's notes, violations and footprint are theirs in order.
	 */
	stepMerged(m: Machine, t: Transition, footprint: boolean): StepResult & {count: number; tree: CowTree} {
		let count = 1;
		const instrs = this.program.cpus[t.cpu]!.instrs;
		const root = new CowNode(m as unknown as Obj, null);
		const draft = root.proxy as unknown as Machine;
		if (m.violations.length > 0) draft.violations = [];
		const ctx = newCtx(draft, t.cpu, null, footprint);
		let progress = this.run(ctx, t);
		const line = ctx.line;
		if (ctx.violations.length === 0) {
			const cpu = draft.cpus[t.cpu]!;
			// filled up to `n` (emptying it would drop its store)
			const ran = this.ran;
			let n = 0;
			if (!t.irq) ran[n++] = m.cpus[t.cpu]!.pc;
			const next = (this.stepOf[t.cpu] ??= {cpu: t.cpu, irq: false});
			for (;;) {
				const pc = cpu.pc;
				if (pc < 0 || cpu.wait || !instrs[pc]!.local || ranBefore(ran, n, pc)) break;
				ran[n++] = pc;
				if (this.run(ctx, next)) progress = true;
				count++;
				if (ctx.violations.length) break;
			}
		}
		root.finalize();
		let state = root.done as Machine;
		const stuck = this.stuckViolation(state, t.cpu);
		if (stuck) {
			ctx.violations.push(stuck);
			state = {...state, violations: [...state.violations, stuck]};
		}
		return {transition: t, line, notes: ctx.notes, violations: ctx.violations, progress, footprint: ctx.fp, state, count, tree: root};
	}

	hash(m: Machine): string {
		return hashMachine(m);
	}

	private apply(m: Machine, t: Transition, footprint: boolean): Omit<StepResult, 'state'> {
		const ctx = newCtx(m, t.cpu, null, footprint);
		const progress = this.run(ctx, t);
		return {transition: t, line: ctx.line, notes: ctx.notes, violations: ctx.violations, progress, footprint: ctx.fp};
	}

	/**
	 * One statement (or the interrupt) of t.cpu on ctx.m, its notes, violations
	 * and footprint added to ctx's, ctx.line set to its line. Returns whether it
	 * passed a progress label or finished the CPU.
	 */
	private run(ctx: Ctx, t: Transition): boolean {
		const m = ctx.m;
		const cpu = m.cpus[t.cpu]!;
		const instrs = this.program.cpus[t.cpu]!.instrs;
		// read through the CPU's draft once (instrAt would walk the machine's draft again)
		const pc0 = t.irq ? -1 : cpu.pc;
		const instr = pc0 < 0 ? undefined : instrs[pc0];
		const line = t.irq ? null : (instr?.line ?? null);
		ctx.line = line;
		if (ctx.fp) wr(ctx, (PC_KEY[t.cpu] ??= `pc:${t.cpu}`));
		let progress = false;
		let oops = false;
		try {
			if (t.irq) this.interrupt(ctx, cpu);
			else progress = this.exec(ctx, cpu, instr!);
		} catch (err) {
			if (!(err instanceof Oops)) throw err;
			if (err instanceof KernelFault) violate(ctx, err.kind, err.check, err.message, err.objects);
			else violate(ctx, 'oops', 'oops', `CPU${t.cpu} oops at line ${line}: ${err.message}`, [`CPU${t.cpu}`]);
			cpu.pc = -1;
			oops = true;
		}
		let pc = cpu.pc;
		if (pc >= instrs.length) cpu.pc = pc = -1;
		if (!t.irq && pc < 0) {
			progress = true;
			// An iret back to a CPU that had finished is not a second finish.
			if (!oops && instr?.kind !== 'iret') finishChecks(ctx, cpu);
		}
		for (const inv of this.program.invariants) {
			const ictx = newCtx(m, t.cpu, line, false);
			let ok: boolean;
			try {
				ok = inv.check(ictx);
			} catch (err) {
				if (!(err instanceof Oops)) throw err;
				ok = false;
			}
			if (!ok) violate(ctx, 'invariant', 'invariant', `invariant "${inv.name}" (line ${inv.line}) is false after this step`, []);
		}
		return progress;
	}

	/**
	 * The CPUs a blocked CPU waits for, when that is known: the holders of the
	 * lock it waits on, the IRQs-off CPUs whose flush ack it needs, the readers
	 * its grace period needs. Null for a CPU that is not blocked or whose wait
	 * (an await, a completion) anyone might end.
	 */
	waitsFor(m: Machine, cpu: number): number[] | null {
		const c = m.cpus[cpu]!;
		const w = c.wait;
		if (c.pc < 0 || !w || this.blocked(m, cpu, false) === null) return null;
		if (w.kind === 'lock') return holdersInTheWay(m, w.lock, w.mode);
		if (w.kind === 'acks') return w.pending.filter(p => !m.cpus[p]!.irqsOn);
		if (w.kind === 'gp') return [...w.readers];
		return null;
	}

	/** A wait-for cycle through `cpu` (a lock deadlock, or a spin on a lock whose holder waits for this CPU's ack). */
	private waitCycle(m: Machine, cpu: number): number[] | null {
		const path: number[] = [];
		const seen = new Set<number>();
		const visit = (x: number): boolean => {
			const next = this.waitsFor(m, x);
			if (next === null) return false;
			path.push(x);
			seen.add(x);
			for (const y of next) {
				if (y === cpu) return true;
				if (!seen.has(y) && visit(y)) return true;
			}
			path.pop();
			return false;
		};
		return visit(cpu) ? path : null;
	}

	/** The deadlock a step closed: the acting CPU now waits in a cycle. Names each holder and waiter. */
	private deadlockViolation(m: Machine, cpu: number): Violation | null {
		if (m.cpus[cpu]!.wait === null) return null;
		const found = this.waitCycle(m, cpu);
		if (!found) return null;
		// Start the cycle at its lowest CPU: the same deadlock reads the same whichever CPU closed it.
		const start = found.indexOf(Math.min(...found));
		const cycle = [...found.slice(start), ...found.slice(0, start)];
		const parts = cycle.map(x => {
			const held = heldBy(m, x).map(lockLabel);
			// The lock's owner is the CPU, not the context: what an irq handler waits for may be held by the code it interrupted.
			const where = m.cpus[x]!.irqFrames.length > 0 ? ' in an irq handler' : '';
			const waits = this.blockedReason(m, x)!.replace(/^blocked in /, 'waits in ');
			if (!held.length) return `CPU${x}${where} ${waits}`;
			return `CPU${x} holds ${held.join(', ')} and${where ? `,${where},` : ''} ${waits}`;
		});
		const locks = cycle.flatMap(x => heldBy(m, x).map(lockLabel));
		return {kind: 'deadlock', check: 'S4', message: `deadlock: ${parts.join('; ')}`, cpu, line: this.lineOf(m, cpu), objects: [...cycle.map(x => `CPU${x}`), ...locks]};
	}

	/** S4: a wait-for cycle closed by this step, or nothing can move but some CPU is unfinished. */
	stuckViolation(m: Machine, actor?: number): Violation | null {
		if (actor !== undefined) {
			const cycle = this.deadlockViolation(m, actor);
			if (cycle) return cycle;
		}
		if (m.cpus.every(c => c.pc < 0)) return null;
		if (this.anyEnabled(m)) return null;
		const stuck = m.cpus.filter(c => c.pc >= 0);
		const reasons = stuck.map(c => `CPU${c.id} ${this.blockedReason(m, c.id)}`).join('; ');
		const kind = stuck.length === 1 ? 'hung-task' : 'deadlock';
		return {kind, check: 'S4', message: `${kind === 'hung-task' ? 'hung task' : 'deadlock'}: ${reasons}`, cpu: stuck[0]!.id, line: this.lineOf(m, stuck[0]!.id), objects: stuck.map(c => `CPU${c.id}`)};
	}

	/** The interrupt transition: an IPI's handler runs at once; a device IRQ enters the scenario's handler. */
	private interrupt(ctx: Ctx, cpu: CpuState): void {
		const first = peek(cpu, 'ipis')[0];
		if (first?.kind !== 'device') {
			takeInterrupt(ctx);
			return;
		}
		enterHandler(ctx, this.program.irqs[first.irq]!.entry, first);
	}

	/** A handler's iret (its closing brace, or a return, also inside an atomic block). */
	private iret(ctx: Ctx, cpu: CpuState): void {
		const pc = iret(ctx);
		ctx.notes.push(`irq handler returns: CPU${cpu.id} resumes ${pc < 0 ? 'idle' : `at line ${this.program.cpus[cpu.id]!.instrs[pc]!.line}`}`);
	}

	/** The next step of a primitive waiting on a lock or between its phases. */
	private resume(ctx: Ctx, cpu: CpuState, instr: Instr, w: Extract<Wait, {kind: 'lock' | 'phase'}>, env: Env): boolean {
		const b = instr.blocking!;
		if (ctx.fp) wr(ctx, (WAIT_KEY[cpu.id] ??= `wait:${cpu.id}`));
		const r = b.prim.resume!(ctx, w, b.args.map(a => a(env)));
		return this.finishCall(cpu, instr, r);
	}

	/** Where a blocking call goes after a step: wait, repeat, or return its value and move on. */
	private finishCall(cpu: CpuState, instr: Instr, r: PrimResult): boolean {
		if (r !== null && typeof r === 'object' && 'wait' in r) {
			cpu.wait = r.wait;
			return false;
		}
		if (r !== null && typeof r === 'object' && 'repeat' in r) return false;
		if (instr.blocking!.target) cpu.locals[instr.blocking!.target] = r as Value;
		cpu.pc = instr.next;
		return instr.progress;
	}

	/** Run one statement of the CPU. Returns whether it passed a progress label. */
	private exec(ctx: Ctx, cpu: CpuState, instr: Instr): boolean {
		const env: Env = {ctx, locals: peek(cpu, 'locals') as Record<string, Value>, cpu};
		if (cpu.wait) {
			// Phase two of a blocking primitive: the wait is over, the call returns.
			const w = cpu.wait;
			cpu.wait = null;
			if (ctx.fp) wr(ctx, (WAIT_KEY[cpu.id] ??= `wait:${cpu.id}`));
			if (w.kind === 'lock' || w.kind === 'phase') return this.resume(ctx, cpu, instr, w, env);
			let result: Value = null;
			if (w.kind === 'acks') {
				ctx.notes.push(`all CPUs acked: ${w.prim} returns`);
				result = finishFlush(ctx, w);
			}
			if (instr.blocking?.target) cpu.locals[instr.blocking.target] = result;
			cpu.pc = instr.next;
			return instr.progress;
		}
		switch (instr.kind) {
			case 'stmt': {
				if (instr.blocking) {
					const b = instr.blocking;
					const r = b.prim.run(ctx, b.args.map(a => a(env)));
					if (r !== null && typeof r === 'object' && 'wait' in r) if (ctx.fp) wr(ctx, (WAIT_KEY[cpu.id] ??= `wait:${cpu.id}`));
					return this.finishCall(cpu, instr, r);
				} else {
					instr.exec!(env);
				}
				cpu.pc = instr.next;
				return instr.progress;
			}
			case 'branch':
				cpu.pc = truthy(instr.cond!(env)) ? instr.next : instr.alt!;
				return instr.progress;
			case 'await':
				cpu.pc = instr.next;
				return instr.progress;
			case 'assert':
				if (!truthy(instr.cond!(env))) {
					violate(ctx, 'assert', 'assert', `assertion failed: ${instr.message ?? instr.condText}`, [`CPU${cpu.id}`]);
				}
				cpu.pc = instr.next;
				return instr.progress;
			case 'return':
				cpu.pc = -1;
				return true;
			case 'iret':
				this.iret(ctx, cpu);
				return false;
			case 'atomic': {
				let pc = 0;
				let n = 0;
				const body = instr.body!;
				while (pc >= 0 && pc < body.length) {
					if (++n > ATOMIC_LIMIT) throw new Oops('atomic block does not terminate');
					const inner = body[pc]!;
					if (inner.kind === 'return') {
						if (cpu.irqFrames.length > 0) {
							this.iret(ctx, cpu);
							return false;
						}
						cpu.pc = -1;
						return true;
					}
					if (inner.kind === 'branch') pc = truthy(inner.cond!(env)) ? inner.next : inner.alt!;
					else if (inner.kind === 'assert') {
						if (!truthy(inner.cond!(env))) violate(ctx, 'assert', 'assert', `assertion failed: ${inner.message ?? inner.condText}`, [`CPU${cpu.id}`]);
						pc = inner.next;
					} else {
						inner.exec!(env);
						pc = inner.next;
					}
				}
				cpu.pc = instr.next;
				return instr.progress;
			}
		}
	}
}

function ranBefore(ran: readonly number[], n: number, pc: number): boolean {
	for (let i = 0; i < n; i++) if (ran[i] === pc) return true;
	return false;
}

/**
 * L2: what a task may not carry back to user space: a lock (lockdep's "lock
 * held when returning to user space"), an RCU read-side section, IRQs off, a
 * raised preempt count (kernel/entry/common.c, "exited with preempt_count").
 */
function finishChecks(ctx: Ctx, cpu: CpuState): void {
	const names = heldBy(ctx.m, cpu.id);
	// spinlocksHeld from the same list: each spinlock held holds a preempt count
	let spins = 0;
	for (const n of names) if (ctx.m.locks[n]!.kind === 'spinlock') spins++;
	if (names.length === 0 && cpu.rcuDepth === 0 && cpu.irqsOn && cpu.preempt <= spins) return;
	const held = names.map(lockLabel);
	const left = [
		held.length > 0 && `holding ${held.join(', ')}`,
		cpu.rcuDepth > 0 && 'inside rcu_read_lock',
		!cpu.irqsOn && 'with IRQs off',
		cpu.preempt > spins && `with preempt count ${cpu.preempt}`,
	].filter((x): x is string => Boolean(x));
	if (left.length === 0) return;
	violate(ctx, 'lock-held', 'L2', `CPU${cpu.id} finished ${left.join(', ')}: nothing of this may be held on the return to user space`, [`CPU${cpu.id}`, ...held]);
}

/** Turn immer's freezing off (search does, for speed); stepping keeps it on. */
export function setFreezing(on: boolean): void {
	setAutoFreeze(on);
}

export function describeValue(v: Value): string {
	return formatValue(v);
}
