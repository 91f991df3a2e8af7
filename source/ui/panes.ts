// The panes, as pure functions of the view: each returns lines or a block of
// an exact size. Highlights mark what the last step changed (CHANGED style).

import {violationLine} from '../render/verdict.js';
import {footerHints} from './keymap.js';
import {flow, type Line, lineWidth, seg, type Style, wrap} from './text.js';
import type {BranchInfo, View} from './view.js';


// ---------------------------------------------------------------- header

export function headerLines(v: View, width: number): Line[] {
	const sc = v.model.program.scenario;
	const p = v.model.program;
	const title: Line = [
		seg(' racewalk ', {bg: 'blue', color: 'white', bold: true}),
		seg(' '),
		seg(sc.name, {bold: true}),
		// a param :set over the variant's own value is named with it: [fixed + locked=false], not a header that contradicts its params
		seg(p.variant ? ` [${p.variant}${p.overVariant?.length ? ` + ${p.overVariant.map(k => `${k}=${p.params[k]}`).join(' ')}` : ''}]` : '', {color: 'magenta'}),
		seg(sc.title ? `  ${sc.title}` : ''),
		seg(sc.era ? `  (${sc.era})` : '', {dim: true}),
	];
	const first = v.violations[0];
	// the banner below says what and where; the header keeps the kind, the step and the count
	const verdict: Line = first
		? [seg(` VIOLATION ${first.v.kind} @${first.step}${v.violations.length > 1 ? ` +${v.violations.length - 1}` : ''} `, {bg: 'red', color: 'white', bold: true})]
		: [seg(v.model.enabled(v.state).length === 0 && v.step > 0 ? 'finished, no violation' : 'no violation so far', {color: 'green'})];
	const status: Line = [
		seg(' branch ', {dim: true}),
		seg(v.branch, {bold: true, color: 'cyan'}),
		seg(v.branches.length > 1 ? ` (${v.branchIndex + 1}/${v.branches.length})` : '', {dim: true}),
		seg('  step ', {dim: true}),
		seg(`${v.step}`, {bold: true}),
		seg(` of ${v.total}`),
		seg('  '),
		...verdict,
	];
	// params are values: never cut; on a line of their own when they do not fit beside the status
	const params = Object.entries(p.params).map(([k, val]) => seg(`${k}=${val}`));
	const label = seg(' params', {dim: true});
	// a scenario without params shows no "params" label with nothing after it
	if (!params.length) return [title, status];
	const beside = lineWidth(status) + 2 + lineWidth([label, ...params]) + params.length;
	if (beside <= width) return [title, [...status, seg(' '), label, ...params.flatMap(x => [seg(' '), x])]];
	// continuation lines start under the first param, as the header's other lines start one cell in
	const line1 = flow([label, ...params], width)[0]!;
	const rest = params.slice(line1.filter(x => params.includes(x)).length);
	return [title, status, line1, ...flow(rest, width - 8).map(l => [seg('        '), ...l])];
}

// ---------------------------------------------------------------- banner

/** The latest violation at or before the cursor, wrapped to at most `maxLines` lines of `width`. */
export function bannerLines(v: View, width: number, maxLines: number): Line[] {
	if (!v.violations.length) return [];
	const last = v.violations[v.violations.length - 1]!;
	const now = last.step === v.step;
	const more = v.violations.length > 1 ? `  (${v.violations.length} violations on this path)` : '';
	const style: Style = now ? {bg: 'red', color: 'white', bold: true} : {color: 'red', bold: true};
	// the count is in the header too: it goes before the violation's words are cut
	const full = wrap(`!! ${violationLine(last.v, last.step)}${more}`, Math.max(10, width - 2));
	const lines = full.length > maxLines ? wrap(`!! ${violationLine(last.v, last.step)}`, Math.max(10, width - 2)) : full;
	const shown = lines.slice(0, maxLines);
	if (lines.length > maxLines) shown[maxLines - 1] = shown[maxLines - 1]!.slice(0, Math.max(0, width - 3)) + '…';
	return shown.map((l, i) => [seg(` ${i ? '   ' : ''}${l} `.padEnd(width), style)]);
}

// ---------------------------------------------------------------- overlays

type TreeRow = {b: BranchInfo; prefix: string; last: boolean; root: boolean};

/** The branches in the order the tree shows them: each under the branch it left. */
function treeRows(branches: readonly BranchInfo[]): TreeRow[] {
	const out: TreeRow[] = [];
	const names = new Set(branches.map(b => b.name));
	const kids = (parent: string | null): BranchInfo[] => branches.filter(b => (b.parent && names.has(b.parent) ? b.parent : null) === parent && !(parent === null && b.parent && names.has(b.parent)));
	const seen = new Set<string>();
	const visit = (b: BranchInfo, prefix: string, last: boolean, root: boolean): void => {
		if (seen.has(b.name)) return;
		seen.add(b.name);
		out.push({b, prefix, last, root});
		const cs = kids(b.name);
		cs.forEach((c, j) => visit(c, root ? '' : prefix + (last ? '   ' : '│  '), j === cs.length - 1, false));
	};
	for (const r of kids(null)) visit(r, '', true, true);
	for (const b of branches) visit(b, '', true, true); // anything not reached (defensive)
	return out;
}

/** The tree overlay's order (its cursor moves through it). */
export const treeOrder = (branches: readonly BranchInfo[]): BranchInfo[] => treeRows(branches).map(r => r.b);

export function treeLines(v: View, width = 200): Line[] {
	const out: Line[] = wrap('Branches: each under the branch it left, with the step it forks at and its schedule from step 0 (↑↓ move, Enter switches, Esc closes)', Math.max(20, width)).map(t => [seg(t, {bold: true, color: 'blue'})]);
	const cursor = v.treeCursor ?? v.branch;
	for (const {b, prefix, last, root} of treeRows(v.branches)) {
		const i = v.branches.indexOf(b);
		const here = b.name === cursor;
		const hl = (st: Style): Style => (here ? {...st, inverse: true} : st);
		out.push([
			seg(here ? '› ' : b.current ? '▶ ' : '  ', {color: 'cyan', bold: true}),
			seg(root ? '' : `${prefix}${last ? '└─ ' : '├─ '}`, {dim: true}),
			seg(b.name, hl(b.current ? {bold: true, color: 'cyan'} : {bold: true})),
			seg(`  #${i + 1}`, hl({dim: true})),
			seg(b.forkedAt === null ? '  from the start' : `  forks at step ${b.forkedAt}`, hl({dim: true})),
			seg(`, ${b.head} step${b.head === 1 ? '' : 's'}`, hl({dim: true})),
			seg(b.headViolation ? `  !! ${b.headViolation}` : '', {color: 'red'}),
			seg(b.current && here ? '  (current)' : b.current ? '  ◂ current' : '', {dim: true}),
		]);
		// the schedule, as racewalk run -s and :play take it: the way to reproduce the branch elsewhere
		if (b.schedule) {
			const pad = ' '.repeat(2 + (root ? 0 : prefix.length + 3) + 2);
			for (const t of wrap(`schedule ${b.schedule}`, Math.max(10, width - pad.length))) out.push([seg(pad), seg(t, {dim: true})]);
		}
	}
	if (v.roots?.length) {
		out.push([seg('')], [seg('Roots: one tree per param set (:set k=v opens or returns to one)', {bold: true, color: 'blue'})]);
		for (const r of v.roots) out.push([seg(r.current ? '▶ ' : '  ', {color: 'cyan', bold: true}), seg(r.params, r.current ? {bold: true, color: 'cyan'} : {}), seg(`  ${r.branches} branch${r.branches === 1 ? '' : 'es'}${r.current ? '  ◂ current' : ''}`, {dim: true})]);
	}
	return out;
}

/** The diff overlay's lines: each value that differs, `name  before -> after`, names in one column, long values wrapped under their side. */
export function diffLines(d: NonNullable<View['diff']>, width = 200): Line[] {
	const w = Math.max(20, width);
	const out: Line[] = wrap(`From ${d.from} to ${d.to}: ${d.rows.length} value${d.rows.length === 1 ? '' : 's'} differ (names as :last takes them)`, w).map(t => [seg(t, {bold: true, color: 'blue'})]);
	const nameW = Math.min(Math.max(...d.rows.map(r => r.path.length)), Math.floor(w * 0.4));
	const valueW = Math.max(10, w - nameW - 2);
	for (const r of d.rows) {
		const text = wrap(`${r.before} -> ${r.after}`, valueW);
		const name = r.path.length > nameW ? wrap(r.path, nameW) : [r.path];
		for (let i = 0; i < Math.max(text.length, name.length); i++) out.push([seg((name[i] ?? '').padEnd(nameW) + '  ', {bold: i < name.length, color: 'cyan'}), seg(text[i] ?? '')]);
	}
	return out;
}

// ---------------------------------------------------------------- footer

const OVERLAY_SCROLL: [string, string][] = [['↑↓', 'scroll'], ['PgUp PgDn', 'page'], ['Home End', 'ends'], ['Esc q', 'close'], ['^C', 'quit']];
const OVERLAY_TREE: [string, string][] = [['↑↓', 'move'], ['Enter', 'switch'], ['[]', 'branch'], ['Esc q', 'close'], ['^C', 'quit']];

export function footerLine(v: View, width = 200): Line {
	if (v.prompt !== null) {
		const hint = '   Enter runs, Esc cancels';
		// what is typed stays in sight: a line longer than the footer shows its end, where the cursor is
		if (v.prompt.length + 2 + hint.length <= width) return [seg(':', {bold: true, color: 'cyan'}), seg(v.prompt), seg(' ', {inverse: true}), seg(hint, {dim: true})];
		const room = Math.max(1, width - 3);
		const tail = v.prompt.length > room ? '…' + v.prompt.slice(v.prompt.length - room + 1) : v.prompt;
		return [seg(':', {bold: true, color: 'cyan'}), seg(tail), seg(' ', {inverse: true})];
	}
	if (v.pending) return [seg(`${v.pending} `, {bold: true, color: 'cyan'}), seg(`which CPU? (0-${v.model.cpuCount - 1}, Esc cancels)`, {color: 'cyan'})];
	// an overlay owns the keys: its footer names the ones that act there (q closes it, digits do nothing)
	const overlay = {help: OVERLAY_SCROLL, diff: OVERLAY_SCROLL, tree: OVERLAY_TREE}[v.overlay as 'help' | 'diff' | 'tree'];
	if (overlay) return overlay.flatMap(([k, what]) => [seg(k, {bold: true, color: 'cyan'}), seg(` ${what}  `, {dim: true})]);
	// drop the least needed hints until the rest fits; ? and q always stay
	const hints = footerHints();
	// e (search) and z (zoom) are what a newcomer needs most after the digits: they go last
	const drop = ['Tab', 'x', 't', 'c', 'b', 'i#', 'r#', '[]', ':', 's', 'z', 'e'];
	const len = (hs: typeof hints): number => hs.reduce((n, h) => n + h.keys.length + h.what.length + 3, 0);
	let shown = hints;
	for (const k of drop) {
		if (len(shown) <= width) break;
		shown = shown.filter(h => h.keys !== k);
	}
	const out: Line = [];
	for (const h of shown) out.push(seg(h.keys, {bold: true, color: 'cyan'}), seg(` ${h.what}  `, {dim: true}));
	return out;
}

/** The status message, wrapped to at most `maxLines` lines. */
export function messageLines(v: View, width: number, maxLines: number): Line[] {
	if (!v.message) return [[seg('')]];
	const color = {info: undefined, ok: 'green', warn: 'yellow', error: 'red'}[v.message.kind];
	const style: Style = {color, bold: v.message.kind !== 'info'};
	if (v.message.text.length <= width || maxLines <= 1) return [[seg(v.message.text, style)]];
	const lines = wrap(v.message.text, width);
	const shown = lines.slice(0, maxLines);
	if (lines.length > maxLines) shown[maxLines - 1] = shown[maxLines - 1]!.slice(0, width - 1) + '…';
	return shown.map(l => [seg(l, style)]);
}
