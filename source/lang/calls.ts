// Calls: primitives (their arity, argument kinds, where blocking ones may
// stand, the kernel's leading arguments), marked accesses of shared variables
// (READ_ONCE, rcu_dereference...) and the language's own assertion macros
// (BUG_ON, WARN_ON) and branch hints.

import {violate} from '../machine/context.js';
import {KernelFault, lookupPrimitive, Oops, PRIMITIVES, type Primitive} from '../machine/primitives/index.js';
import {kernelSignature} from '../machine/primitives/spec.js';
import {readGlobal, writeGlobal} from '../machine/primitives/shared.js';
import {SETUP_BY_NAME} from '../machine/setup.js';
import type {Value} from '../machine/types.js';
import {truthy} from '../machine/values.js';
import type {Expr, Stmt} from './ast.js';
import {suggestion} from './diagnostics.js';
import {type Compiled, exprText, fold} from './operators.js';
import type {Env, Eval} from './program.js';
import {Resolver, type Scope} from './resolver.js';

export abstract class CallCompiler extends Resolver {
	/** The primitive a call names, or undefined for the language's own (READ_ONCE of a variable, helpers). */
	primitive(e: Extract<Expr, {kind: 'call'}>): Primitive | undefined {
		if (this.functions.has(e.callee) || this.onceCall(e)) return undefined;
		return lookupPrimitive(e.callee);
	}

	/** READ_ONCE(x) / WRITE_ONCE(x, v) of a shared variable (READ_ONCE of anything else is the PTE read). */
	private onceCall(e: Extract<Expr, {kind: 'call'}>): boolean {
		if (!ONCE_CALLS.has(e.callee)) return false;
		const a = e.args[0];
		const inner = a?.kind === 'addr' ? a.arg : a;
		return e.callee !== 'READ_ONCE' || (inner?.kind === 'name' && this.globals.has(inner.name)) || (inner?.kind === 'index' && this.globals.has(inner.array));
	}

	private once(e: Extract<Expr, {kind: 'call'}>, scope: Scope): Compiled {
		const write = ONCE_WRITES.has(e.callee);
		const want = write ? 2 : 1;
		if (e.args.length !== want) this.fail(e.pos, `${e.callee}(${write ? 'x, value' : 'x'}) takes ${want} argument${want === 1 ? '' : 's'}, got ${e.args.length}`);
		const ref = this.referenceEval(e.args[0]!, scope, {name: 'x', kind: 'var', varKind: 'plain'}, e.callee);
		const text = exprText(e);
		if (ref.constant !== undefined) {
			const name = (ref.constant as {name: string}).name;
			if (!write) return {ev: env => readGlobal(env.ctx, name), pure: false, text};
			const value = this.expr(e.args[1]!, scope);
			return {ev: env => (writeGlobal(env.ctx, name, value.ev(env)), null), pure: false, text};
		}
		const at = (env: Env): string => (ref.ev(env) as {name: string}).name;
		if (!write) return {ev: env => readGlobal(env.ctx, at(env)), pure: false, text};
		const value = this.expr(e.args[1]!, scope);
		return {ev: env => (writeGlobal(env.ctx, at(env), value.ev(env)), null), pure: false, text};
	}

	/** likely/unlikely, WARN_ON and BUG_ON and their kin: the language's own, with the kernel's meaning. */
	private checkCall(e: Extract<Expr, {kind: 'call'}>, scope: Scope, statementLevel: boolean): Compiled {
		const what = CHECK_CALLS[e.callee]!;
		const want = e.callee === 'BUG' ? 0 : 1;
		if (e.args.length !== want) this.fail(e.pos, `${e.callee}(${want ? 'condition' : ''}) takes ${want} argument${want === 1 ? '' : 's'}, got ${e.args.length}`);
		const lookedAt = scope.locals === null ? 'an invariant or a constant' : scope.lookedAt;
		if (what !== 'hint' && lookedAt) this.fail(e.pos, `${e.callee}() cannot stand in ${lookedAt}: it reports when a step runs it, and this is only tested; test it in a statement (if (WARN_ON(c)) ...)`);
		if (what === 'bug' && !statementLevel) this.fail(e.pos, `${e.callee}() returns nothing: write it as a statement of its own (${e.callee}(...);)`);
		const text = exprText(e);
		const arg = want ? this.expr(e.args[0]!, scope) : {ev: () => true, pure: true, constant: true, text: ''};
		const callee = e.callee;
		if (what === 'hint') return fold({ev: env => truthy(arg.ev(env)), pure: arg.pure, text}, arg.constant !== undefined);
		if (what === 'bug') {
			return {
				ev: env => {
					if (truthy(arg.ev(env))) throw new KernelFault('bug', 'BUG', `kernel BUG: ${text}${want ? ' holds' : ''}`, [`CPU${env.ctx.cpu}`]);
					return null;
				},
				pure: false,
				text,
			};
		}
		return {
			ev: env => {
				const v = truthy(arg.ev(env));
				if (v) violate(env.ctx, 'warn', 'WARN', `WARNING: ${callee}(${arg.text}) holds`, [`CPU${env.ctx.cpu}`]);
				return v;
			},
			pure: false,
			text,
		};
	}

	/**
	 * Code a param folded away (`if (locked) spin_lokc(&l);` with locked=false)
	 * still names only calls that exist: else the typo would wait for the variant
	 * that turns the code on.
	 */
	checkCallees(s: Stmt): void {
		for (const e of callsOf(s)) {
			const known = this.functions.has(e.callee) || ONCE_CALLS.has(e.callee) || Object.hasOwn(CHECK_CALLS, e.callee) || LANGUAGE_CALLS.has(e.callee) || lookupPrimitive(e.callee);
			if (!known) this.unknownCall(e);
		}
	}

	/** An unknown call: by spelling, else by family (`pmd_zap` lists the pmd_* primitives). */
	private unknownCall(e: Extract<Expr, {kind: 'call'}>): never {
		if (SETUP_BY_NAME.has(e.callee)) this.fail(e.pos, `'${e.callee}' is a machine set-up call; use it inside machine { }`);
		const left = Object.hasOwn(LEFT_OUT, e.callee) ? LEFT_OUT[e.callee] : undefined;
		if (left) this.fail(e.pos, `'${e.callee}': ${left}`);
		const near = suggestion(e.callee, [...PRIMITIVES.keys(), ...this.functions.keys(), ...Object.keys(CHECK_CALLS), 'smp_processor_id']);
		if (near) this.fail(e.pos, `unknown primitive '${e.callee}'${near}`);
		this.fail(e.pos, `unknown primitive '${e.callee}'${familyHint(e.callee)}`);
	}

	/** Compile a primitive's arguments by their kinds (references for locks and shared variables). */
	primArgs(prim: Primitive, e: Extract<Expr, {kind: 'call'}>, scope: Scope): Compiled[] {
		return ownArgs(this, prim, e).map((a, i) => {
			const spec = prim.args[i]!;
			if (spec.kind === 'context') {
				if (a.kind !== 'name' && a.kind !== 'field' && a.kind !== 'addr') this.fail(a.pos, `${prim.name}(): write '${spec.name}' as the kernel does, a name like ${spec.name} (the model has one and keeps it itself)`);
				return {ev: () => null, pure: true, constant: null, text: exprText(a)};
			}
			if (spec.kind === 'irq') {
				const irq = a.kind === 'name' ? this.ast.irqs.find(i => i.name === a.name) : undefined;
				if (!irq) this.fail(a.pos, `${prim.name}() takes the name of an irq block${a.kind === 'name' ? suggestion(a.name, this.ast.irqs.map(i => i.name)) : ''}; declare one: irq NAME on cpu N { ... }`);
				const v: Value = {t: 'irq', name: irq.name, cpu: irq.cpu};
				return {ev: () => v, pure: true, constant: v, text: irq.name};
			}
			const named = a.kind === 'addr' || (a.kind === 'name' && this.globals.has(a.name) && !scope.locals?.has(a.name)) || (a.kind === 'index' && this.globals.has(a.array) && !scope.locals?.has(a.array));
			if ((spec.kind === 'var' || spec.kind === 'lock') && named) return this.referenceEval(a, scope, spec, prim.name);
			if (spec.kind === 'var') this.reference(a, scope, spec, prim.name);
			if (a.kind === 'name' && !this.knows(a.name, scope) && !suggestion(a.name, this.knownNames(scope.locals ?? []))) {
				// Not a typo: a kernel spelling (flush_tlb_range(vma, start, end)) meets the model's arguments; say which they are.
				const sig = prim.args.map(x => (x.optional ? `[${x.name}]` : x.name)).join(', ');
				this.fail(a.pos, `unknown name '${a.name}': ${prim.name}(${sig}) takes ${spec.name} here (docs/primitives.md)`);
			}
			return this.expr(a, scope);
		});
	}

	call(e: Extract<Expr, {kind: 'call'}>, scope: Scope, statementLevel: boolean): Compiled {
		if (this.functions.has(e.callee)) {
			this.fail(e.pos, `${e.callee}() is a helper: call it as a statement (${e.callee}(...); or r = ${e.callee}(...);) or inside a condition, not here`);
		}
		if (e.callee === 'ATOMIC_INIT') {
			if (e.args.length !== 1) this.fail(e.pos, 'ATOMIC_INIT(n) takes 1 argument');
			return this.expr(e.args[0]!, scope);
		}
		if (this.onceCall(e)) return this.once(e, scope);
		if (Object.hasOwn(CHECK_CALLS, e.callee)) return this.checkCall(e, scope, statementLevel);
		if (e.callee === 'smp_processor_id' || e.callee === 'raw_smp_processor_id') {
			if (e.args.length !== 0) this.fail(e.pos, `${e.callee}() takes 0 arguments, got ${e.args.length}`);
			if (scope.locals === null) this.fail(e.pos, `${e.callee}() names the CPU running the code: no CPU runs an invariant, a const or an array length`);
			this.namesCpu = true; // the copies of a CPU block are no longer interchangeable
			return {ev: env => env.ctx.cpu, pure: true, text: exprText(e)};
		}
		const prim = lookupPrimitive(e.callee);
		if (!prim) this.unknownCall(e);
		if (prim.fixedLock) this.usedLocks.set(prim.fixedLock.name, prim.fixedLock.kind);
		checkArity(this, prim, e);
		if (prim.args.some(a => a.name === 'cpu')) this.namesCpu = true;
		if ((prim.blocks || prim.guard) && !statementLevel) {
			this.fail(e.pos, `${prim.name} can block; call it as a statement of its own (x = ${prim.name}(...); or ${prim.name}(...);)`);
		}
		if ((prim.blocks || prim.guard) && scope.inAtomic) this.fail(e.pos, `${prim.name} can block and cannot be used inside atomic { }`);
		const args = this.primArgs(prim, e, scope);
		const evs = args.map(a => a.ev);
		const ev: Eval = env => {
			const vals = evs.map(f => f(env));
			const r = prim.run(env.ctx, vals);
			if (r !== null && typeof r === 'object' && ('wait' in r || 'repeat' in r)) {
				throw new Oops(`${prim.name} blocked where it cannot`);
			}
			return r as Value;
		};
		return {ev, pure: Boolean(prim.pure) && args.every(a => a.pure), text: exprText(e)};
	}
}

function checkArity(c: CallCompiler, prim: Primitive, e: Extract<Expr, {kind: 'call'}>): void {
	const min = prim.args.filter(a => !a.optional).length;
	const max = prim.args.length;
	const n = ownArgs(c, prim, e).length;
	if (n < min || n > max) {
		const sig = prim.args.map(a => (a.optional ? `[${a.name}]` : a.name)).join(', ');
		const want = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
		const kernel = prim.kernelArgs ? ` (or with the kernel's leading ${prim.kernelArgs.join(', ')}: ${kernelSignature(prim)})` : '';
		c.fail(e.pos, `${prim.name}(${sig}) takes ${want}, got ${e.args.length}${kernel}`);
	}
}

/**
 * The arguments the model takes: a call written with every one of the
 * kernel's leading arguments (tlb_gather_mmu(&tlb, mm), tlb_remove_page(tlb,
 * page)) leaves them out, once each is a name, as context arguments are.
 */
function ownArgs(c: CallCompiler, prim: Primitive, e: Extract<Expr, {kind: 'call'}>): Expr[] {
	const lead = prim.kernelArgs ?? [];
	const min = prim.args.filter(a => !a.optional).length;
	const rest = e.args.length - lead.length;
	if (lead.length === 0 || e.args.length <= prim.args.length || rest < min || rest > prim.args.length) return e.args;
	e.args.slice(0, lead.length).forEach((a, i) => {
		if (a.kind !== 'name' && a.kind !== 'field' && a.kind !== 'addr') c.fail(a.pos, `${prim.name}(): write '${lead[i]}' as the kernel does, a name like ${lead[i]} (the model has one and keeps it itself)`);
	});
	return e.args.slice(lead.length);
}
/** The language's own calls of the kernel's assertion macros and branch hints. */
const CHECK_CALLS: Record<string, 'hint' | 'warn' | 'bug'> = {
	likely: 'hint',
	unlikely: 'hint',
	WARN_ON: 'warn',
	WARN_ON_ONCE: 'warn',
	VM_WARN_ON: 'warn',
	VM_WARN_ON_ONCE: 'warn',
	BUG_ON: 'bug',
	VM_BUG_ON: 'bug',
	BUG: 'bug',
};

/** Calls the language answers itself, beside the tables above. */
const LANGUAGE_CALLS = new Set(['ATOMIC_INIT', 'smp_processor_id', 'raw_smp_processor_id']);

type Call = Extract<Expr, {kind: 'call'}>;

/** Every call in an expression, nested ones too, each before its arguments. */
export function callsIn(e: Expr): Call[] {
	return callsOf(undefined, e);
}

/** Every call in a statement (or an expression), nested ones too. */
function callsOf(s: Stmt | undefined, top?: Expr): Call[] {
	const out: Call[] = [];
	const expr = (e: Expr | undefined): void => {
		if (!e) return;
		switch (e.kind) {
			case 'call':
				out.push(e);
				e.args.forEach(expr);
				return;
			case 'unary':
			case 'addr':
				return expr(e.arg);
			case 'binary':
				expr(e.left);
				return expr(e.right);
			case 'field':
				return expr(e.object);
			case 'cond':
				expr(e.cond);
				expr(e.then);
				return expr(e.else);
			case 'index':
				return expr(e.index);
			default:
				return;
		}
	};
	const stmt = (x: Stmt | undefined): void => {
		if (!x) return;
		switch (x.kind) {
			case 'assign':
				expr(x.index);
				return expr(x.value);
			case 'expr':
				return expr(x.expr);
			case 'if':
				expr(x.cond);
				stmt(x.then);
				return stmt(x.else);
			case 'while':
			case 'do':
				expr(x.cond);
				return stmt(x.body);
			case 'for':
				stmt(x.init);
				expr(x.cond);
				stmt(x.step);
				return stmt(x.body);
			case 'return':
				return expr(x.value);
			case 'await':
			case 'assert':
				return expr(x.cond);
			case 'atomic':
			case 'block':
				return x.body.forEach(stmt);
			default:
				return;
		}
	};
	stmt(s);
	expr(top);
	return out;
}

/** BUG_ON and its kin: statements, with no value to assign. */
export const returnsNothing = (callee: string): boolean => Object.hasOwn(CHECK_CALLS, callee) && CHECK_CALLS[callee] === 'bug';

/** Marked accesses of a shared variable: in a sequentially consistent model, plain reads and writes. */
const ONCE_WRITES = new Set(['WRITE_ONCE', 'smp_store_release', 'rcu_assign_pointer', 'RCU_INIT_POINTER']);
const ONCE_CALLS = new Set(['READ_ONCE', 'smp_load_acquire', 'rcu_dereference', 'rcu_dereference_raw', 'rcu_access_pointer', ...ONCE_WRITES]);

/** ` (the pmd primitives are: ...)`: the family an unknown name belongs to, by its leading words. */
/** Kernel calls the model knows it leaves out, or that are several steps a scenario writes itself: what to write instead. */
const ACCESSED = 'the accessed bits are not modelled (docs/model.md, Not modelled): a load or store leaves no trace in the PTE but the dirty bit (store)';
const MKCLEAN = 'it is the rmap walk of page_mkclean, several steps: write them (for each PTE mapping the page, under its PTE lock: ptep_clear_flush, set_page_dirty if pte_dirty, set_pte_at(va, pte_mkclean(pte_wrprotect(pte)))), then TestClearPageDirty (scenarios/examples/zap-dirty-flush.race)';
const PMD_DIRTY = 'a huge PMD\'s dirty bit is set by the hardware (store) but not read or changed by the kernel here: pte_dirty, pte_mkdirty and pte_mkclean are for PTE values';
const LEFT_OUT: Readonly<Record<string, string>> = {
	...Object.fromEntries(['pte_young', 'pte_mkyoung', 'pte_mkold', 'ptep_test_and_clear_young', 'ptep_clear_flush_young', 'pmd_young', 'pmd_mkyoung', 'pmd_mkold', 'mark_page_accessed', 'folio_mark_accessed'].map(n => [n, ACCESSED])),
	...Object.fromEntries(['page_mkclean', 'folio_mkclean', 'clear_page_dirty_for_io', 'folio_clear_dirty_for_io'].map(n => [n, MKCLEAN])),
	...Object.fromEntries(['pmd_dirty', 'pmd_mkdirty', 'pmd_mkclean'].map(n => [n, PMD_DIRTY])),
};

function familyHint(name: string): string {
	const parts = name.split('_').filter(Boolean);
	for (let n = parts.length - 1; n >= 1; n--) {
		const stem = parts.slice(0, n).join('_');
		// The stem itself belongs to its family (mutex_lock with mutex_lock_nested); one name is no family.
		const family = [...(PRIMITIVES.has(stem) ? [stem] : []), ...[...PRIMITIVES.keys()].filter(p => p.startsWith(stem + '_'))];
		if (family.length > 1 || (family.length === 1 && n === 1)) {
			const shown = family.slice(0, 8).join(', ') + (family.length > 8 ? ', ...' : '');
			return `; the ${stem}${PRIMITIVES.has(stem) ? '' : '_'}* primitives are: ${shown} (docs/primitives.md lists them all)`;
		}
	}
	return '; docs/primitives.md lists every primitive';
}
