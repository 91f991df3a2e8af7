// The instruction list of one CPU (or one atomic block) while it is lowered:
// emitting, the hoisted helper results an instruction consumes, jumps, and
// the last pass, which resolves gotos and folds every jump into the statement
// before it (a jump costs no step).

import type {CpuDecl, Pos} from './ast.js';
import type {Compiler, Scope} from './compiler.js';
import {suggestion} from './diagnostics.js';
import type {Env, Instr} from './program.js';
import {deleteLocal} from './locals.js';

export type Raw = Instr & {jump?: boolean; gotoLabel?: string; gotoShown?: string; gotoPos?: Pos};

export class Emitter {
	readonly out: Raw[] = [];
	readonly labels = new Map<string, number>();
	progressNext = false;
	/** Hoisted helper results the next instruction consumes (and forgets). */
	protected pendingTemps: string[] = [];

	constructor(
		readonly c: Compiler,
		public scope: Scope,
	) {}

	emit(i: Omit<Raw, 'progress'>): number {
		const instr: Raw = {...i, progress: this.progressNext};
		if (this.scope.via.length > 0) instr.via = this.scope.via;
		if (this.pendingTemps.length > 0) this.consumeTemps(instr);
		this.out.push(instr);
		this.progressNext = false;
		return this.out.length - 1;
	}

	/** The instruction that reads hoisted helper results deletes them after (they are dead from then on). */
	private consumeTemps(instr: Raw): void {
		const temps = this.pendingTemps;
		this.pendingTemps = [];
		const forget = (env: Env): void => {
			for (const t of temps) deleteLocal(env, t);
		};
		if (instr.exec) {
			const exec = instr.exec;
			instr.exec = env => {
				exec(env);
				forget(env);
			};
		} else if (instr.cond && instr.kind === 'branch') {
			const cond = instr.cond;
			instr.cond = env => {
				const v = cond(env);
				forget(env);
				return v;
			};
		}
	}

	jump(pos: Pos, to?: number): number {
		return this.emit({kind: 'stmt', line: pos.line, col: pos.col, next: to ?? -2, local: true, jump: true});
	}

	protected label(name: string): string {
		return this.scope.labelPrefix + name;
	}

	/** Resolve gotos, fold jumps away, and renumber. */
	finish(decl: CpuDecl | null): Instr[] {
		const end = this.out.length;
		for (const i of this.out) {
			if (i.gotoLabel !== undefined) {
				const target = this.labels.get(i.gotoLabel);
				if (target === undefined) {
					const prefix = i.gotoLabel.slice(0, i.gotoLabel.length - i.gotoShown!.length);
					const known = [...this.labels.keys()].filter(k => k.startsWith(prefix) && !k.slice(prefix.length).includes(':')).map(k => k.slice(prefix.length));
					const where = decl ? (prefix ? ' (a goto cannot leave its helper function)' : '') : ' (a goto cannot leave an atomic block)';
					this.c.fail(i.gotoPos!, `goto to unknown label '${i.gotoShown}'${suggestion(i.gotoShown!, known)}${where}`);
				}
				i.next = target;
			}
		}
		// A jump is folded into the statement before it, unless it carries a
		// progress label (passing it must stay a step) or loops to itself.
		// The first instruction is where the CPU starts (pc 0): it is never folded away.
		const foldable = (i: Raw): boolean => Boolean(i.jump) && !i.progress && i !== this.out[0];
		const resolve = (to: number): number => {
			const seen = new Set<number>();
			while (to >= 0 && to < end && foldable(this.out[to]!)) {
				if (seen.has(to)) return to; // an empty infinite loop: leave the jump as a step
				seen.add(to);
				to = this.out[to]!.next;
			}
			return to >= end ? -1 : to;
		};
		const keep: number[] = [];
		const newIndex = new Map<number, number>();
		this.out.forEach((i, idx) => {
			if (!foldable(i) || resolve(idx) === idx) {
				newIndex.set(idx, keep.length);
				keep.push(idx);
			}
		});
		const map = (to: number): number => {
			const r = resolve(to);
			return r < 0 ? -1 : newIndex.get(r)!;
		};
		return keep.map(idx => {
			const {jump, gotoLabel: _g, gotoShown: _s, gotoPos: _p, ...rest} = this.out[idx]!;
			const instr: Instr = {...rest, next: rest.kind === 'return' ? -1 : map(rest.next)};
			if (jump) instr.exec = () => {}; // a kept jump is a step that only moves the cursor
			if (rest.alt !== undefined) instr.alt = map(rest.alt);
			return instr;
		});
	}
}
