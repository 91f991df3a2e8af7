// The page-table tree of the one mm: x86-64 4-level layout (PGD, PUD, PMD,
// PTE page, 9 bits each above the 12-bit page offset). Helpers here do not
// record footprints; the primitives that call them do.

import {unwritten} from './context.js';
import type {LeafEntry, PageTables, PtEntry, PtTable} from './types.js';

export const PAGE_SHIFT = 12;
export const LEVELS = {pgd: 4, pud: 3, pmd: 2, pte: 1} as const;
export const LEVEL_NAME: Record<number, string> = {4: 'PGD', 3: 'PUD', 2: 'PMD', 1: 'PTE'};

/** The bytes one entry of each level maps (2 ** 12, 2 ** 21, ...), computed once: index() is on every walk. */
const SPAN = [0, 1, 2, 3, 4].map(level => 2 ** (PAGE_SHIFT + 9 * (level - 1)));

export function index(va: number, level: number): number {
	return Math.floor(va / (SPAN[level] ?? 2 ** (PAGE_SHIFT + 9 * (level - 1)))) % 512;
}

export const PMD_SIZE = 0x200000;
/** The base va of the 2 MiB region (one PMD entry, one PTE page) holding va. */
export const pmdBase = (va: number): number => va - (va % PMD_SIZE);

export const isLeaf = (e: PtEntry | undefined): e is LeafEntry => e !== undefined && 'pfn' in e;

/**
 * The page a leaf maps at va: a PTE's pfn; for a huge PMD the subpage
 * (pmd_page(orig) + ((addr & ~PMD_MASK) >> PAGE_SHIFT), as gup_fast_pmd_leaf
 * and the hardware walker compute it).
 */
export const leafPfnAt = (e: LeafEntry, level: number, va: number): number => (level === 2 ? e.pfn + Math.floor((va % PMD_SIZE) / 4096) : e.pfn);

export function emptyTables(): PageTables {
	return {root: 0, tables: {'0': {level: 4, entries: {}, freed: false}}, nextTable: 1, deposited: {}};
}

/** The path of tables from the PGD down to `level` for va, as far as it exists. */
export function tablePath(pt: PageTables, va: number): {table: number; level: number}[] {
	const path: {table: number; level: number}[] = [];
	// a walk only reads: no drafts of the tables it passes
	const tables = unwritten(pt).tables;
	let id = pt.root;
	for (let level = 4; level >= 1; level--) {
		path.push({table: id, level});
		const e = tables[id]?.entries[index(va, level)];
		if (e === undefined || isLeaf(e)) break;
		id = e.table;
	}
	return path;
}

/** The table at `level` covering va, or undefined if the walk stops above it. */
export function tableAt(pt: PageTables, va: number, level: number): number | undefined {
	return tablePath(pt, va).find(p => p.level === level)?.table;
}

/** The leaf mapping va (a PTE, or a huge PMD), with the table holding it: to read, not to write. */
export function findLeaf(pt: PageTables, va: number): {entry: Readonly<LeafEntry>; table: number; level: number} | undefined {
	const tables = unwritten(pt).tables;
	for (const {table, level} of tablePath(pt, va)) {
		const e = tables[table]!.entries[index(va, level)];
		if (isLeaf(e)) return {entry: e, table, level};
	}
	return undefined;
}

/** Install a leaf, allocating intermediate tables (used by set-up and faults). */
export function installLeaf(pt: PageTables, va: number, leaf: LeafEntry, huge: boolean): {table: number; level: number} {
	const stop = huge ? 2 : 1;
	let id = pt.root;
	for (let level = 4; level > stop; level--) {
		const t = pt.tables[id]!;
		const i = index(va, level);
		const e = t.entries[i];
		if (e === undefined) {
			const fresh = pt.nextTable++;
			pt.tables[fresh] = {level: level - 1, entries: {}, freed: false} satisfies PtTable;
			t.entries[i] = {table: fresh};
			id = fresh;
		} else if (isLeaf(e)) {
			throw new Error(`va ${va} is already covered by a huge mapping`);
		} else {
			id = e.table;
		}
	}
	pt.tables[id]!.entries[index(va, stop)] = leaf;
	return {table: id, level: stop};
}

/** A step of a depth-first walk of the tree: a table page, or a leaf under one. */
export type TreeStep =
	| {kind: 'table'; id: number; table: PtTable; depth: number; index: number | null}
	| {kind: 'leaf'; va: number; entry: LeafEntry; table: number; level: number; depth: number; index: number};

/**
 * Walk the tree from the PGD, tables before their entries, entries in index
 * order. A freed table is visited but not entered. Shared by everything that
 * lists the page tables, so they agree on order and vas.
 */
export function walkTree(pt: PageTables, visit: (step: TreeStep) => void): void {
	const go = (id: number, base: number, depth: number, index: number | null): void => {
		const t = pt.tables[id];
		if (!t) return;
		visit({kind: 'table', id, table: t, depth, index});
		if (t.freed) return;
		const span = 2 ** (PAGE_SHIFT + 9 * (t.level - 1));
		for (const key of Object.keys(t.entries).sort((x, y) => Number(x) - Number(y))) {
			const e = t.entries[key]!;
			const va = base + Number(key) * span;
			if (isLeaf(e)) visit({kind: 'leaf', va, entry: e, table: id, level: t.level, depth, index: Number(key)});
			else go(e.table, va, depth + 1, Number(key));
		}
	};
	go(pt.root, 0, 0, null);
}

/** Every leaf in the tree (live tables only), with its va. */
export function allLeaves(pt: PageTables): {va: number; entry: LeafEntry; table: number; level: number}[] {
	const out: {va: number; entry: LeafEntry; table: number; level: number}[] = [];
	// read as the tables are (entries are replaced whole, never changed in place): no draft per table
	walkTree(unwritten(pt), s => {
		if (s.kind === 'leaf') out.push({va: s.va, entry: s.entry, table: s.table, level: s.level});
	});
	return out;
}
