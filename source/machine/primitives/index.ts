// The registry of primitives a scenario's CPU code may call.

import {daxPrimitives} from './dax.js';
import {irqPrimitives} from './irq.js';
import {pagePrimitives} from './page.js';
import {pgmapPrimitives} from './pgmap.js';
import {pgtablePrimitives} from './pgtable.js';
import type {Primitive} from './spec.js';
import {tlbPrimitives} from './tlb.js';
import {ramPrimitives} from './ram.js';
import {pgtableLifePrimitives} from './pgtable-life.js';
import {tableFreePrimitives} from './table-free.js';
import {mmuGatherPrimitives} from './mmu-gather.js';

export type {Primitive, PrimResult, ArgKind, ReturnKind} from './spec.js';
export {Oops} from './spec.js';

export const PRIMITIVES: ReadonlyMap<string, Primitive> = new Map(
	[
		...irqPrimitives,
		...pgtablePrimitives,
		...pgtableLifePrimitives,
		...tableFreePrimitives,
		...mmuGatherPrimitives,
		...tlbPrimitives,
		...pagePrimitives,
		...ramPrimitives,
		...pgmapPrimitives,
		...daxPrimitives,
	].map(p => [p.name, p]),
);

/** Kernel names that mean the same primitive (older and newer spellings). */
export const ALIASES: ReadonlyMap<string, string> = new Map([
	['try_grab_compound_head', 'try_grab_page'],
	['try_grab_folio', 'try_grab_page'],
	['try_grab_folio_fast', 'try_grab_page'],
	['READ_ONCE', 'ptep_get'],
	['follow_pte', 'ptep_get'],
	['load', 'access'],
	['zap_pte', 'ptep_get_and_clear'],
	['ptep_clear', 'ptep_get_and_clear'],
	['folio_put', 'put_page'],
	['folio_get', 'get_page'],
	['__tlb_remove_page', 'tlb_remove_page'],
]);

export function lookupPrimitive(name: string): Primitive | undefined {
	return PRIMITIVES.get(ALIASES.get(name) ?? name);
}
