// Formatting and comparison of the values scenario programs compute with.

import type {PteValue, Value} from './types.js';

export const hex = (n: number): string => (n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16));

export function formatValue(v: Value): string {
	if (v === null) return 'NULL';
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	if (typeof v === 'number') return Math.abs(v) >= 256 ? hex(v) : String(v);
	switch (v.t) {
		case 'pte': {
			// a huge leaf read while pmdp_invalidate left it not present keeps its pfn
			if (!v.present) return v.huge ? `pte(pfn ${hex(v.pfn)} H invalid)` : `pte(none @${hex(v.va)})`;
			const bits = [v.write && 'W', v.special && 'S', v.devmap && 'D', v.huge && 'H'].filter(Boolean).join('');
			return `pte(pfn ${hex(v.pfn)}${bits ? ' ' + bits : ''}${v.protnone ? ' PROT_NONE' : ''}${v.dirty ? ' dirty' : ''})`;
		}
		case 'pmd':
			return v.present ? (v.leaf ? `pmd(huge pfn ${hex(v.pfn)}${v.write ? ' W' : ''}${v.invalid ? ' invalid' : ''}${v.dirty ? ' dirty' : ''})` : `pmd(table T${v.table})`) : 'pmd(none)';
		case 'table':
			return `T${v.id}`;
		case 'page':
			return `page(${hex(v.pfn)})`;
		case 'pgmap':
			return `&${v.name}`;
		case 'sym':
			return v.name;
		case 'lock':
			return `&${v.name}`;
		case 'var':
			return `&${v.name}`;
		case 'irq':
			return `irq ${v.name}`;
	}
}

/**
 * pte_val: pfn << 12 | _PAGE_PRESENT (or _PAGE_PROTNONE, 0x100, for a PROT_NONE PTE) | _PAGE_RW |
 * _PAGE_SPECIAL (0x200) | _PAGE_DEVMAP (0x400) | _PAGE_PSE (0x80) | _PAGE_DIRTY (0x40); a none PTE is 0.
 */
export function pteWord(p: PteValue): number {
	if (!p.present) return 0;
	return p.pfn * 4096 + (p.protnone ? 0x100 : 1) + (p.write ? 2 : 0) + (p.special ? 0x200 : 0) + (p.devmap ? 0x400 : 0) + (p.huge ? 0x80 : 0) + (p.dirty ? 0x40 : 0);
}

/**
 * Structural equality: two PTE values read at different times compare by content. PTEs compare
 * as pte_same does, by their word: the va a value was read at (or 0, for one mk_pte made) is
 * bookkeeping, so replace_page's `pte_same(ptep_get(ptep), orig_pte)` holds for the PTE
 * write_protect_page stored.
 */
export function valuesEqual(a: Value, b: Value): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (a.t !== b.t) return false;
	if (a.t === 'pte') return pteWord(a) === pteWord(b as PteValue);
	const ak = Object.keys(a) as (keyof typeof a)[];
	// an optional field (a PTE's protnone) present on one side only makes them differ
	if (Object.keys(b).length !== ak.length) return false;
	for (const k of ak) if ((a as any)[k] !== (b as any)[k]) return false;
	return true;
}

/** C truthiness: NULL, false, 0 and a none PTE/PMD are false. */
export function truthy(v: Value): boolean {
	if (v === null) return false;
	if (typeof v === 'boolean') return v;
	if (typeof v === 'number') return v !== 0;
	if (v.t === 'pte' || v.t === 'pmd') return v.present;
	return true;
}

export function typeName(v: Value): string {
	if (v === null) return 'NULL';
	if (typeof v === 'boolean') return 'bool';
	if (typeof v === 'number') return 'int';
	return v.t;
}
