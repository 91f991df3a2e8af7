// The compiler: syntax tree + parameter values -> Program, the last of three
// layers (names and expressions: resolver.ts; calls: calls.ts). Here: params,
// variants, consts, the initial machine, and each CPU's code, lowered by
// lower.ts. It folds conditions that depend only on params
// (a mutation switch removes the code it turns off, so the trace shows only
// what the modelled kernel runs), and lowers control flow to instruction
// indices. Jumps cost no step: they are folded into the statement before.

import {KIND_NAMES} from '../machine/checks.js';
import type {Ctx} from '../machine/context.js';
import {hashMachine} from '../machine/hash.js';
import {permuteMachine} from '../machine/permute.js';
import {lookupPrimitive} from '../machine/primitives/index.js';
import {FREES_TABLES} from '../machine/primitives/table-free.js';
import {emptyMachine, enableHugeTlb, SETUP_BY_NAME, SETUP_CALLS, SetupError} from '../machine/setup.js';
import {SPLITS_HUGE_PMD} from '../machine/primitives/thp-split.js';
import type {LockKind, Machine, Value} from '../machine/types.js';
import {formatValue, truthy, typeName} from '../machine/values.js';
import {exprText} from './operators.js';
import type {CpuDecl, Expect, FunctionDecl, IrqDecl, MachineItem, Pos, Scenario, Stmt} from './ast.js';
import {CallCompiler} from './calls.js';
import {suggestion} from './diagnostics.js';
import {Lowering} from './lower.js';
import type {CpuProgram, ParamValue, Program} from './program.js';
import {elementName, isLockDecl, NO_LOCALS} from './resolver.js';

export type {Scope} from './resolver.js';

/** A bad `--set` or variant name: a usage error without a source position. */
export class ParamError extends Error {}

export type CompileOptions = {
	file: string;
	source: string;
	/** Raw `--set name=value` overrides. */
	set?: Record<string, string>;
	variant?: string | null;
};

export class Compiler extends CallCompiler {
	readonly machineItems: {name: string; args: Value[]; argPos: Pos[]; pos: Pos}[] = [];

	// ---- params, consts, machine ----

	/** Every variant must name real params with values of their type, selected or not. */
	checkVariants(): void {
		for (const p of this.ast.params) this.params[p.name] = p.value;
		for (const v of this.ast.variants) {
			for (const s of v.settings) {
				const decl = this.ast.params.find(p => p.name === s.name);
				if (!decl) this.fail(s.pos, `variant ${v.name} sets unknown param '${s.name}'${suggestion(s.name, this.ast.params.map(p => p.name))}`);
				const value = this.expr(s.value, NO_LOCALS);
				if (value.constant === undefined) this.fail(s.pos, 'a variant setting must be a constant');
				checkParam(decl, value.constant, msg => this.fail(s.pos, msg));
			}
		}
	}

	/** Params the variant sets that a `--set` then changed: the variant no longer holds as declared. */
	readonly overVariant: string[] = [];

	setupParams(variant: string | null, set: Record<string, string>): {variantName: string | null; expects: Expect[]} {
		this.checkVariants();
		for (const p of this.ast.params) this.params[p.name] = p.value;
		let expects = this.ast.expects;
		let variantName: string | null = null;
		if (variant) {
			const v = this.ast.variants.find(x => x.name === variant);
			if (!v) throw new ParamError(`unknown variant '${variant}'${this.ast.variants.length ? `${suggestion(variant, this.ast.variants.map(x => x.name))}; this scenario has: ${this.ast.variants.map(x => x.name).join(', ')}` : ': this scenario has no variants (variant NAME "title" (param = value) { expect ... } declares one)'}`);
			variantName = v.name;
			for (const s of v.settings) {
				const decl = this.ast.params.find(p => p.name === s.name);
				if (!decl) this.fail(s.pos, `variant ${v.name} sets unknown param '${s.name}'${suggestion(s.name, this.ast.params.map(p => p.name))}`);
				const value = this.expr(s.value, NO_LOCALS);
				if (value.constant === undefined) this.fail(s.pos, 'a variant setting must be a constant');
				this.params[s.name] = checkParam(decl, value.constant, msg => this.fail(s.pos, msg));
			}
			expects = mergeExpects(this.ast.expects, v.expects);
		}
		for (const [name, raw] of Object.entries(set)) {
			const decl = this.ast.params.find(p => p.name === name);
			if (!decl) {
				const have = this.ast.params.map(p => p.name);
				throw new ParamError(`--set ${name}=${raw}: unknown param '${name}'${suggestion(name, have)}; params: ${have.join(', ') || 'none'}`);
			}
			this.params[name] = parseParamText(decl, raw);
			if (variantName && this.ast.variants.find(x => x.name === variantName)!.settings.some(s => s.name === name)) this.overVariant.push(name);
		}
		return {variantName, expects};
	}

	evalConsts(): void {
		for (const c of this.ast.consts) {
			const v = this.expr(c.value, NO_LOCALS);
			if (v.constant === undefined) this.fail(c.pos, `const ${c.name} must be computable from params and numbers`);
			this.consts.set(c.name, v.constant);
		}
	}

	collectMachine(items: MachineItem[]): void {
		for (const item of items) {
			if (item.kind === 'if') {
				const c = this.expr(item.cond, NO_LOCALS);
				if (c.constant === undefined) this.fail(item.pos, 'a machine { } condition must depend only on params and consts');
				this.collectMachine(truthy(c.constant) ? item.then : item.else);
				continue;
			}
			if (!SETUP_BY_NAME.has(item.call)) {
				if (lookupPrimitive(item.call)) this.fail(item.pos, `'${item.call}' is a CPU primitive; machine { } takes set-up calls: ${SETUP_CALLS.map(s => s.name).join(', ')}`);
				this.fail(item.pos, `unknown set-up call '${item.call}'${suggestion(item.call, SETUP_BY_NAME.keys())}; machine { } takes: ${SETUP_CALLS.map(s => s.name).join(', ')}`);
			}
			const words = SETUP_BY_NAME.get(item.call)!.words ?? [];
			const args = item.args.map(a => {
				if (a.kind === 'name' && words.includes(a.name)) this.refuseAmbiguousWord(`${item.call}(${item.args.map(exprText).join(', ')})`, item.call, a.name, a.pos);
				if (a.kind === 'name' && this.constName(a.name) === undefined) return {t: 'sym', name: a.name} as Value;
				const v = this.expr(a, NO_LOCALS);
				if (v.constant === undefined) this.fail(a.pos, 'set-up arguments must be constants');
				return v.constant;
			});
			if (item.call === 'pgmap') {
				const n = args[0];
				if (n !== null && typeof n === 'object' && n.t === 'sym') this.pgmapNames.add(n.name);
			}
			this.machineItems.push({name: item.call, args, argPos: item.args.map(a => a.pos), pos: item.pos});
		}
	}

	buildMachine(cpuCount: number, replicaOf: Map<number, number>): Machine {
		const m = emptyMachine(cpuCount);
		m.mmCpumask = m.cpus.map(c => c.id);
		for (const item of this.machineItems) {
			try {
				SETUP_BY_NAME.get(item.name)!.apply(m, item.args);
			} catch (err) {
				if (err instanceof SetupError) this.failSetup(item, err);
				throw err;
			}
		}
		// A copy of a CPU block runs the same task, so it runs the mm if the original does.
		for (const [copy, origin] of replicaOf) if (m.mmCpumask.includes(origin) && !m.mmCpumask.includes(copy)) m.mmCpumask.push(copy);
		return m;
	}

	/**
	 * `param dirty = true;` then `map(VA, PFN, dirty)`: the word would be read as
	 * the param's value (and fail as "expected a PTE flag", or pass the value of an
	 * int param to a flag), which is never what was meant; the flag itself is not
	 * reachable either. Refused, with the way to write either meaning.
	 */
	private refuseAmbiguousWord(text: string, call: string, name: string, pos: Pos): void {
		const what = name in this.params ? 'param' : this.consts.has(name) ? 'const' : null;
		if (what === null) return;
		this.fail(pos, `'${name}' is both a ${what} and a word ${call}() takes, so ${text} is ambiguous: rename the ${what} (say ${name}_on) and write the word under a condition, as in \`if (${name}_on) ${text};\``);
	}

	/** A set-up call's mistake, at the argument at fault when it is known, with the nearest name for a misspelt one. */
	private failSetup(item: {name: string; args: Value[]; argPos: Pos[]; pos: Pos}, err: SetupError): never {
		const v = err.value;
		const i = v !== null && typeof v === 'object' ? item.args.indexOf(v) : -1;
		let hint = '';
		if (v !== null && typeof v === 'object' && v.t === 'sym') {
			hint = suggestion(v.name, err.allowed ?? [...Object.keys(this.params), ...this.consts.keys()]);
		}
		return this.fail(i >= 0 ? item.argPos[i]! : item.pos, `${item.name}(): ${err.message}${hint}`);
	}

	// ---- CPU code ----

	/** The locals of a block of code: assigned names that are not shared variables, checked against params and consts. */
	private localsOf(body: Stmt[], where: string, pos: Pos, params: string[] = []): Set<string> {
		const assigned = new Set<string>(params);
		collectLocals(body, assigned);
		const locals = new Set<string>();
		for (const name of assigned) {
			if (this.functions.has(name)) this.fail(pos, `'${name}' in ${where} is assigned, but it is a helper function; rename the variable`);
			if (this.globals.has(name) && !params.includes(name)) continue; // an assignment to a shared variable
			if (this.constName(name) !== undefined) {
				const choiceOf = this.ast.params.find(p => p.choices?.includes(name));
				const what = choiceOf ? `the value '${name}' of param ${choiceOf.name}` : `a param, const or built-in name`;
				this.fail(pos, `local '${name}' in ${where} shadows ${what}; rename one of them`);
			}
			locals.add(name);
		}
		return locals;
	}

	helperLocals(fn: FunctionDecl): Set<string> {
		return this.localsOf(fn.body, `${fn.name}()`, fn.pos, fn.params);
	}

	cpu(decl: CpuDecl, id: number, replica: number): CpuProgram {
		const locals = this.localsOf(decl.body, `cpu ${decl.id}`, decl.pos);
		const lowering = new Lowering(this, {...NO_LOCALS, locals, replica});
		lowering.block(decl.body);
		const instrs = lowering.finish(decl);
		const label = replica > 0 ? `${decl.label} #${replica + 1}` : decl.label;
		return {id, label, instrs, endLine: decl.endLine, startLine: decl.pos.line, locals: [...locals, ...lowering.helperLocals]};
	}

	/**
	 * An interrupt handler, appended to its CPU's instructions: a `return` or
	 * the closing brace is the iret that resumes what it interrupted.
	 */
	irq(decl: IrqDecl, cpu: CpuProgram): number {
		const locals = this.localsOf(decl.body, `irq ${decl.name}`, decl.pos);
		const lowering = new Lowering(this, {...NO_LOCALS, locals, prefix: `${decl.name}.`, labelPrefix: `${decl.name}:`});
		lowering.block(decl.body);
		const body = lowering.finish({id: decl.cpu, label: decl.label, body: decl.body, pos: decl.pos, endLine: decl.endLine});
		const base = cpu.instrs.length;
		const iret = base + body.length;
		const shift = (to: number): number => (to < 0 ? iret : to + base);
		for (const i of body) {
			if (i.kind === 'return') Object.assign(i, {kind: 'iret', local: false});
			else i.next = shift(i.next);
			if (i.alt !== undefined) i.alt = shift(i.alt);
		}
		cpu.instrs.push(...body, {kind: 'iret', line: decl.endLine, col: 1, next: -1, local: false, progress: false});
		cpu.locals.push(...[...locals].map(l => `${decl.name}.${l}`), ...lowering.helperLocals);
		return base;
	}

	/** Shared variables and locks as the machine starts. */
	initGlobals(m: Machine): void {
		for (const g of this.globals.values()) {
			const n = this.lengthOf(g);
			if (n !== undefined) {
				// An array is its elements, each a shared variable (or lock) of its own: `cnt[0]`, `cnt[1]`...
				for (let i = 0; i < n; i++) {
					if (isLockDecl(g)) m.locks[elementName(g.name, i)] = {kind: g.kind as LockKind, owner: null, readers: []};
					else m.globals[elementName(g.name, i)] = g.kind === 'int' || g.kind === 'atomic' ? 0 : g.kind === 'bool' ? false : null;
				}
				continue;
			}
			if (isLockDecl(g)) {
				m.locks[g.name] = {kind: g.kind as LockKind, owner: null, readers: []};
				continue;
			}
			let v: Value = g.kind === 'int' || g.kind === 'atomic' ? 0 : g.kind === 'bool' ? false : null;
			if (g.init) {
				const c = this.expr(g.init, NO_LOCALS);
				if (c.constant === undefined) this.fail(g.init.pos, `the initial value of ${g.name} must be a constant (params, consts, numbers)`);
				v = c.constant;
				if ((g.kind === 'int' || g.kind === 'atomic') && typeof v !== 'number') this.fail(g.init.pos, `${g.name} is ${g.type}: its initial value must be an integer, got ${typeName(v)} ${formatValue(v)}`);
				if (g.kind === 'bool') {
					if (typeof v === 'number') v = v !== 0;
					if (typeof v !== 'boolean') this.fail(g.init.pos, `${g.name} is a bool: its initial value must be true or false`);
				}
			}
			m.globals[g.name] = v;
		}
		for (const [name, kind] of this.usedLocks) m.locks[name] ??= {kind, owner: null, readers: []};
	}
}

function collectLocals(stmts: Stmt[], out: Set<string>): void {
	for (const s of stmts) {
		if (s.kind === 'assign' && !s.index) out.add(s.target);
		else if (s.kind === 'if') {
			collectLocals([s.then], out);
			if (s.else) collectLocals([s.else], out);
		} else if (s.kind === 'while' || s.kind === 'do') collectLocals([s.body], out);
		else if (s.kind === 'for') collectLocals([s.init, s.step, s.body].filter((x): x is Stmt => x !== undefined), out);
		else if (s.kind === 'block' || s.kind === 'atomic') collectLocals(s.body, out);
	}
}
function checkParam(decl: Scenario['params'][number], v: Value, fail: (msg: string) => never): ParamValue {
	if (typeof decl.value === 'boolean') {
		if (typeof v !== 'boolean') fail(`param ${decl.name} is a boolean (true or false)`);
		return v;
	}
	if (typeof decl.value === 'number') {
		if (typeof v !== 'number') fail(`param ${decl.name} is an integer`);
		if (decl.range && (v < decl.range[0] || v > decl.range[1])) fail(`param ${decl.name} must be in ${decl.range[0]}..${decl.range[1]}, got ${v}`);
		return v;
	}
	const word = v !== null && typeof v === 'object' && v.t === 'sym' ? v.name : undefined;
	if (!word || !decl.choices!.includes(word)) fail(`param ${decl.name} is one of ${decl.choices!.join(' | ')}`);
	return word;
}

/** `--set name=value`: typed by the param's declaration. */
export function parseParamText(decl: Scenario['params'][number], raw: string): ParamValue {
	const at = `--set ${decl.name}=${raw}`;
	if (typeof decl.value === 'boolean') {
		if (raw === 'true') return true;
		if (raw === 'false') return false;
		throw new ParamError(`${at}: ${decl.name} is a boolean; use true or false`);
	}
	if (typeof decl.value === 'number') {
		const range = decl.range ? ` in ${decl.range[0]}..${decl.range[1]}` : '';
		if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(raw)) throw new ParamError(`${at}: ${decl.name} is an integer${range}`);
		const n = raw.startsWith('-') ? -Number(raw.slice(1)) : Number(raw);
		if (!Number.isSafeInteger(n)) throw new ParamError(`${at}: number too large (the largest is 2^53 - 1, 0x1fffffffffffff)`);
		if (decl.range && (n < decl.range[0] || n > decl.range[1])) throw new ParamError(`${at}: ${decl.name} must be${range}`);
		return n;
	}
	if (!decl.choices!.includes(raw)) throw new ParamError(`${at}: ${decl.name} is one of ${decl.choices!.join(' | ')}${suggestion(raw, decl.choices!)}`);
	return raw;
}

/** A variant's expects replace the base's for the same kind; `expect safe` replaces all. */
export function mergeExpects(base: Expect[], over: Expect[]): Expect[] {
	if (over.some(e => e.form === 'safe')) return over;
	const kinds = new Set(over.map(e => e.violation));
	const merged = [...base.filter(e => e.form !== 'safe' && !kinds.has(e.violation)), ...over];
	// The base's `expect safe` still says something of the kinds the variant does not name: none is reachable.
	const safe = base.find(e => e.form === 'safe');
	if (safe) merged.push({...safe, except: merged.filter(e => e.form === 'violation').map(e => e.violation!)});
	return merged;
}

/** Does any CPU block or helper call one of these primitives (by any of its spellings)? */
function callsAny(ast: Scenario, names: ReadonlySet<string>): boolean {
	let found = false;
	const visit = (x: unknown): void => {
		if (found || x === null || typeof x !== 'object') return;
		if (Array.isArray(x)) return x.forEach(visit);
		const o = x as Record<string, unknown>;
		if (o.kind === 'call' && typeof o.callee === 'string' && names.has(lookupPrimitive(o.callee)?.name ?? o.callee)) found = true;
		for (const k in o) visit(o[k]);
	};
	visit(ast.cpus);
	visit(ast.functions);
	return found;
}

export function compile(ast: Scenario, opts: CompileOptions): Program {
	const c = new Compiler(ast, opts.file, opts.source);
	for (const e of [...ast.expects, ...ast.variants.flatMap(v => v.expects)]) {
		if (e.violation !== undefined && !KIND_NAMES.includes(e.violation)) {
			c.fail(e.pos, `unknown violation kind '${e.violation}'${suggestion(e.violation, KIND_NAMES)}; kinds: ${KIND_NAMES.join(', ')}`);
		}
	}
	const {variantName, expects} = c.setupParams(opts.variant ?? null, opts.set ?? {});
	c.evalConsts();
	c.collectMachine(ast.machine);
	const cpus: CpuProgram[] = [];
	const decls = [...ast.cpus].sort((a, b) => a.id - b.id);
	decls.forEach((d, i) => {
		if (d.id !== i) c.fail(d.pos, `CPU ids must be 0, 1, 2... in order: expected cpu ${i}, found cpu ${d.id}`);
	});
	if (decls.length === 0) c.fail(ast.pos, 'a scenario needs at least one cpu block');
	// Sizes first: `cpu 0 "x" * 1000000000` must be refused before any copy is built.
	const counts = decls.map(d => replicaCount(c, d));
	const total = counts.reduce((a, b) => a + b, 0);
	if (total > 10) c.fail((decls.find((d, i) => counts[i]! > 1) ?? decls[0]!).pos, `at most 10 CPUs (0-9), this scenario has ${total}`);
	const usesReplica = new Set<number>();
	for (const d of decls) {
		const before = c.replicaUses;
		cpus.push(c.cpu(d, d.id, 0));
		if (c.replicaUses > before) usesReplica.add(d.id);
	}
	const replicaOf = new Map<number, number>();
	const groups: number[][] = [];
	// why a group of copies is not reduced by symmetry: a search that is slower than it need be should say so
	const symmetryOff: string[] = [];
	decls.forEach((d, i) => {
		const group = [d.id];
		for (let r = 1; r < counts[i]!; r++) {
			replicaOf.set(cpus.length, d.id);
			group.push(cpus.length);
			cpus.push(c.cpu(d, cpus.length, r));
		}
		if (group.length > 1 && !usesReplica.has(d.id)) groups.push(group);
		else if (group.length > 1) symmetryOff.push(`${cpuList(group)}: the block reads REPLICA`);
	});
	// A body with no steps (empty, or folded away by a param) is finished from the start.
	const empty = cpus.filter(cpu => cpu.instrs.length === 0);
	const irqs: Program['irqs'] = {};
	for (const d of ast.irqs) {
		const cpu = cpus[d.cpu];
		if (!cpu) c.fail(d.pos, `irq ${d.name} runs on cpu ${d.cpu}, but this scenario has CPU0-CPU${cpus.length - 1}`);
		irqs[d.name] = {cpu: d.cpu, entry: c.irq(d, cpu), label: d.label};
	}
	const invariants = ast.invariants.map(inv => {
		const ev = c.expr(inv.expr, NO_LOCALS).ev;
		return {name: inv.name, line: inv.pos.line, check: (ctx: Ctx) => truthy(ev({ctx, locals: {}, cpu: null}))};
	});
	const initial = c.buildMachine(cpus.length, replicaOf);
	// an expectation of a check that is off could only ever hold or fail by default
	const order = expects.find(e => e.form === 'violation' && e.violation === 'lock-order');
	if (order && initial.lockOrder === undefined) c.fail(order.pos, "expect violation lock-order: the lock-order check is off; write lock_order(on) in machine { } (it is off by default: the orders become part of the state)");
	if (!c.machineItems.some(i => i.name === 'walk_cache') && callsAny(ast, FREES_TABLES)) initial.settings.walkCache = true;
	// arm64 has no IPI shootdown: every flush_tlb_* is a broadcast TLBI (arch/arm64/include/asm/tlbflush.h)
	if (initial.settings.arch === 'arm64' && !c.machineItems.some(i => i.name === 'flush')) initial.settings.flush = 'broadcast';
	if (!c.machineItems.some(i => i.name === 'huge_tlb') && callsAny(ast, SPLITS_HUGE_PMD)) enableHugeTlb(initial);
	c.initGlobals(initial);
	for (const cpu of empty) initial.cpus[cpu.id]!.pc = -1;
	// An interrupt line bound to one CPU of a group sets that CPU apart from its copies.
	const bound = new Set(ast.irqs.map(d => d.cpu));
	const symmetry = c.namesCpu ? [] : groups.filter(g => !g.some(id => bound.has(id)) && symmetricStart(initial, g, cpus.length));
	for (const g of groups) {
		if (symmetry.includes(g)) continue;
		const irq = g.find(id => bound.has(id));
		symmetryOff.push(
			c.namesCpu
				? `${cpuList(g)}: a call names a CPU by number (smp_processor_id, tlb_has...)`
				: irq !== undefined
					? `${cpuList(g)}: an irq block is bound to CPU${irq}`
					: `${cpuList(g)} start unlike: machine { } gives one a TLB or walk-cache entry, lazy mode or an mm_cpumask bit the others lack`,
		);
	}
	return {
		file: opts.file,
		source: opts.source,
		scenario: ast,
		params: {...c.params},
		variant: variantName,
		...(c.overVariant.length ? {overVariant: c.overVariant} : {}),
		expects,
		cpus,
		invariants,
		irqs,
		initial,
		symmetry,
		...(symmetryOff.length ? {symmetryOff} : {}),
	};
}

const cpuList = (g: number[]): string => g.map(id => `CPU${id}`).join('=');

/** The copies start alike: swapping any two of them gives the same machine (else they are not interchangeable). */
function symmetricStart(m: Machine, group: number[], n: number): boolean {
	const h = hashMachine(m);
	for (let i = 1; i < group.length; i++) {
		const perm = Array.from({length: n}, (_, k) => k);
		perm[group[0]!] = group[i]!;
		perm[group[i]!] = group[0]!;
		if (hashMachine(permuteMachine(m, perm)) !== h) return false;
	}
	return true;
}

function replicaCount(c: Compiler, d: CpuDecl): number {
	const r = d.replicas;
	if (!r) return 1;
	const v = c.expr(r, NO_LOCALS);
	if (typeof v.constant !== 'number' || !Number.isInteger(v.constant) || v.constant < 1) c.fail(r.pos, 'the replica count must be a positive integer from params or consts');
	return v.constant;
}
