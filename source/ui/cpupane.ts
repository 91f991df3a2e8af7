// A CPU's pane: its status (runnable, blocked and why, finished), IRQs / RCU /
// IPIs, a window of its source around the line it is at, its locals, its TLB
// and what its last step said (a user load's TLB hit or walk). Zoomed (`z`)
// the same pane takes the whole body and nothing in it is cut: long source
// lines, the reason and the locals wrap.

import type {Model} from '../lang/interpreter.js';
import {splitLines} from '../lang/visible.js';
import {formatValue, hex} from '../machine/values.js';
import {cpuLabel} from '../render/trace.js';
import {type Block, box, CHANGED, flow, type Line, seg, type Style, wrap} from './text.js';
import type {View} from './view.js';

/** The breakpoint glyph: not `●` (runnable), readable without colour. */
export const BREAK_MARK = '⊗';

const hi = (changed: Set<string>, path: string, base: Style = {}): Style => (changed.has(path) ? {...base, ...CHANGED} : base);

type CpuOpts = {width: number; height: number; zoom?: boolean};

/** `text` wrapped under a glyph: the continuation lines indented past it, so a wrapped reason reads as one item. */
function hang(glyph: string, text: string, width: number): string[] {
	const pad = ' '.repeat(glyph.length);
	return wrap(text, Math.max(1, width - glyph.length)).map((l, i) => (i ? pad : glyph) + l);
}

/** Lines of the CPU's block in the scenario source: [first statement, closing brace] (an inlined helper's statements count at their call site). */
function cpuRange(model: Model, cpu: number): [number, number] {
	const c = model.program.cpus[cpu]!;
	let first = c.endLine;
	for (const i of c.instrs) first = Math.min(first, i.via?.[0]?.line ?? i.line);
	// a statement a param folded away (`if (locked) spin_lock(&l);` with locked=false) has no instruction: the block still starts after its `cpu` line
	if (c.startLine !== undefined) first = Math.min(first, c.startLine + 1);
	return [first, c.endLine];
}

const SOURCE = new WeakMap<object, string[]>();
/** The scenario's source lines (split once per program). */
export function sourceLines(model: Model): string[] {
	let lines = SOURCE.get(model.program);
	if (!lines) SOURCE.set(model.program, (lines = splitLines(model.program.source)));
	return lines;
}

const untab = (s: string): string =>
	s
		.replace(/^\t/, '')
		.replace(/\t/g, '  ')
		.replace(/(\S)\s{2,}\/\//, '$1  //')
		.replace(/\s+$/, '');

/** Cut a line to `w` cells (…), or with `whole` wrap it into continuation lines. */
function fitOrWrap(text: string, w: number, whole: boolean): string[] {
	if (text.length <= w) return [text];
	if (!whole) return [text.slice(0, Math.max(0, w - 1)) + '…'];
	const out: string[] = [];
	for (let i = 0; i < text.length; i += w) out.push(text.slice(i, i + w));
	return out;
}

export function cpuPane(v: View, cpu: number, o: CpuOpts): Block {
	const {model, state, changed} = v;
	const c = state.cpus[cpu]!;
	const zoom = o.zoom ?? false;
	const inner = Math.max(1, o.width - 2);
	const rows = Math.max(0, o.height - 2);
	const reason = v.blocked ? (v.blocked[cpu] ?? null) : model.blockedReason(state, cpu);
	const isLast = v.last?.cpu === cpu;
	const lastStep = v.lastSteps?.[cpu] ?? null;
	const lines = sourceLines(model);
	const src = (n: number): string => lines[n - 1] ?? '';

	// status
	const status: Line[] = [];
	if (c.pc < 0) status.push([seg('✓ finished', {color: 'gray'})]);
	else if (reason === null) status.push([seg('● runnable', {color: 'green'}), seg(c.wait ? ` (${c.wait.prim} can return)` : '', {dim: true})]);
	else {
		const text = reason.replace(/^blocked (in )?/, '');
		const lines = hang('■ ', text, inner);
		// the reason names the call and what it waits for: two lines even in a small pane
		const keep = zoom ? lines.length : Math.min(lines.length, rows >= 12 ? 4 : rows >= 5 ? 2 : 1);
		const style = hi(changed, `CPU${cpu}.wait`, {color: 'yellow'});
		for (const l of lines.slice(0, keep)) status.push([seg(l, style)]);
		if (lines.length > keep) status[keep - 1]![0]!.text = status[keep - 1]![0]!.text.slice(0, inner - 1) + '…';
	}

	// in an interrupt handler: which, and where it will return to
	if (c.irqFrames.length && c.pc >= 0) {
		const handler = Object.entries(model.program.irqs)
			.filter(([, h]) => h.cpu === cpu && h.entry <= c.pc)
			.sort((a, b) => b[1].entry - a[1].entry)[0];
		const back = c.irqFrames[c.irqFrames.length - 1]!;
		const at = back.pc >= 0 ? model.program.cpus[cpu]!.instrs[back.pc]?.line : undefined;
		const text = `↯ in irq ${handler ? `${handler[0]} "${handler[1].label}"` : 'handler'}${at !== undefined ? `, interrupted at L${at}` : ''}${c.irqFrames.length > 1 ? ` (${c.irqFrames.length} deep)` : ''}`;
		for (const l of wrap(text, inner).slice(0, zoom ? undefined : 1)) status.push([seg(l, hi(changed, `CPU${cpu}.in_irq`, {color: 'magenta', bold: true}))]);
	}

	// IRQs, RCU, IPIs
	const since = v.irqsOffSince?.[cpu];
	const narrow = inner < 34;
	const offText = since === null || since === undefined ? 'IRQs OFF' : since === 0 ? (narrow ? 'IRQs OFF since 0' : 'IRQs OFF from the start') : narrow ? `IRQs OFF since ${since}` : `IRQs OFF since step ${since}`;
	const irq: Line = [seg(c.irqsOn ? 'IRQs on' : offText, hi(changed, `CPU${cpu}.irqs`, c.irqsOn ? {dim: true} : {color: 'yellow', bold: true}))];
	if (c.rcuDepth > 0) irq.push(seg('  '), seg(`rcu_read_lock ${c.rcuDepth}`, hi(changed, `CPU${cpu}.rcu_read_lock`, {color: 'cyan'})));
	irq.push(seg('  '));
	if (c.ipis.length) irq.push(seg(`IPI ${c.ipis.map(i => `${i.kind}←${narrow ? '' : 'CPU'}${i.from}`).join(',')}`, hi(changed, `CPU${cpu}.ipis`, {color: 'magenta', bold: true})), seg(c.irqsOn ? ` (i${cpu})` : ' waits', {dim: true}));
	else if (changed.has(`CPU${cpu}.ipis`)) irq.push(seg('IPI acked', CHANGED));
	else irq.push(seg('no IPI', {dim: true}));

	// TLB: each entry whole, flowing onto more lines when zoomed
	const tlbEntries = Object.entries(c.tlb);
	const tlbChanged = [...changed].some(p => p.startsWith(`CPU${cpu}.tlb[`));
	const tlbSegs = [seg('TLB', {dim: true})];
	if (tlbEntries.length === 0) tlbSegs.push(seg(tlbChanged ? 'flushed' : 'empty', tlbChanged ? CHANGED : {dim: true}));
	for (const [va, e] of tlbEntries) tlbSegs.push(seg(`${hex(Number(va))}→${hex(e.pfn)}${e.write ? ' W' : ''}${e.dirty ? ' dirty' : ''}${e.huge ? ' 2M' : ''}`, hi(changed, `CPU${cpu}.tlb[${hex(Number(va))}]`)));
	const tlbAll = flow(tlbSegs, inner);
	const tlb = zoom ? tlbAll : tlbAll.slice(0, 1);
	if (!zoom && tlbAll.length > 1) tlb[0] = [...tlb[0]!, seg(` +${tlbEntries.length - tlb[0]!.filter(x => x.text.includes('→')).length}`, {color: 'magenta'})];

	// what its last step said: the hardware walk of a user load, a refcount reaching zero...
	const said: Line[] = [];
	if (lastStep?.notes.length) {
		const now = lastStep.depth === v.step;
		for (const l of hang('↳ ', lastStep.notes.join('; '), inner)) said.push([seg(l, now ? {color: 'yellow'} : {dim: true})]);
	}

	// locals, in declaration order
	const order = model.program.cpus[cpu]!.locals;
	const names = [...order.filter(n => n in c.locals), ...Object.keys(c.locals).filter(n => !order.includes(n))];
	const localSegs = names.map(n => seg(`${n}=${formatValue(c.locals[n]!)}`, hi(changed, `CPU${cpu}.${n}`)));
	const locals = localSegs.length ? flow(localSegs, inner) : [[seg(c.pc < 0 ? 'no locals' : 'no locals yet', {dim: true})]];

	// budget: status + irq + tlb fixed, then what it said, locals up to 2-3, the rest is source
	const fixed = status.length + 1 + tlb.length;
	const localRows = zoom ? locals.length : Math.min(locals.length, rows >= 14 ? 3 : rows >= 10 ? 2 : 1);
	// what the last step said: whole in a tall pane, its first line in a short one (z shows the rest)
	const saidRows = zoom ? said.length : Math.min(said.length, rows >= 12 ? 2 : rows - fixed - localRows >= 3 ? 1 : 0);
	const srcRows = Math.max(1, rows - fixed - localRows - saidRows);
	const localShown = locals.slice(0, localRows);
	if (locals.length > localRows && localShown.length) localShown[localShown.length - 1] = [...localShown[localShown.length - 1]!, seg(` +${locals.length - localRows}`, {color: 'magenta'})];

	// source window around the CPU's line; a finished CPU's marker on the statement that ended it
	const finished = c.pc < 0;
	// inside an inlined helper the pane stays in the CPU's block: the cursor on the call site, the helper's statement under it
	const instr = finished ? undefined : model.instrAt(state, cpu);
	const via = instr?.via?.length ? instr.via : null;
	const here = finished ? (lastStep && !lastStep.irq && lastStep.line !== null ? lastStep.line : model.lineOf(state, cpu)) : (via?.[0]!.line ?? model.lineOf(state, cpu));
	const inHelper: Line[] = via ? wrap(`↳ in ${via.map(x => `${x.fn}()`).join(' → ')} L${instr!.line}: ${untab(src(instr!.line)).trim()}`, Math.max(10, inner - 2)).map(t => [seg(`  ${t}`, reason ? {color: 'yellow'} : {color: 'cyan'})]) : [];
	const [first, last] = cpuRange(model, cpu);
	const numW = String(last).length;
	const bps = new Set(v.breakpoints.filter(b => b.cpu === null || b.cpu === cpu).map(b => b.line));
	const markW = bps.size ? 2 : 1;
	const textW = Math.max(1, inner - markW - numW - 1);
	const sourceRow = (n: number): Line[] => {
		const cur = n === here;
		const mark = (cur ? (finished ? '✓' : '▶') : ' ') + (bps.size ? (bps.has(n) ? BREAK_MARK : ' ') : '');
		const body: Style = cur ? (finished ? {dim: true} : reason ? {color: 'yellow', bold: true} : {color: 'cyan', bold: true}) : {dim: n === last};
		return fitOrWrap(untab(src(n)), textW, zoom).map((t, i) =>
			i === 0 ? [seg(mark[0]!, {color: 'cyan', bold: true}), ...(markW > 1 ? [seg(mark[1]!, {color: 'red', bold: true})] : []), seg(String(n).padStart(numW) + ' ', {dim: !cur, bold: cur}), seg(t, body)] : [seg(' '.repeat(markW + numW + 1)), seg(t, body)],
		);
	};
	const source: Line[] = [];
	let from = Math.max(first, here - Math.floor((srcRows - 1) / 3));
	let to = Math.min(last, from + srcRows - 1);
	from = Math.max(first, Math.min(from, to - srcRows + 1));
	for (let n = from; n <= to && source.length < srcRows; n++) {
		source.push(...sourceRow(n).slice(0, srcRows - source.length));
		if (n === here && inHelper.length && source.length < srcRows) source.push(...inHelper.slice(0, zoom ? inHelper.length : 1).slice(0, srcRows - source.length));
	}

	const saidShown = said.slice(0, saidRows);
	if (said.length > saidRows && saidShown.length) saidShown[saidShown.length - 1] = [...saidShown[saidShown.length - 1]!, seg(' …', {color: 'magenta'})];
	const body: Line[] = [...status, irq, ...source, ...saidShown, ...localShown, ...tlb];
	const title: Line = [seg(cpuLabel(model, cpu), {bold: true, color: isLast ? 'cyan' : undefined}), seg(isLast ? (v.last!.irq ? ' ◂ irq' : ' ◂ last') : '', {color: 'cyan'}), seg(zoom ? '  zoomed: z next pane, Esc closes' : '', {dim: true})];
	return box(o.width, o.height, body, {title, color: isLast ? 'cyan' : reason && c.pc >= 0 ? 'yellow' : 'gray'});
}
