// Slot codecs: how one piece of machine state is laid out in int32 slots of a
// state vector (machine/layout.ts), encoded into them and decoded back. The
// layout of a whole machine is built from these, so the slots, their names
// and kinds, and the encoder and decoder cannot disagree: each codec lists
// exactly `width` slots and reads and writes exactly those.
//
// Every codec decodes to the object today's code builds, key for key: an
// optional field (`huge?: true`) has a presence slot and is left out when
// absent, so `decode(encode(m))` is `m`, not merely equal under a looser
// comparison (test/layout.property.test.ts).

import type {Value} from './types.js';

/** What a slot holds: for symmetry (cpu, cpuset), for the UI's decoding, and for the bounds' report. */
export type SlotKind = 'int' | 'bool' | 'cpu' | 'cpuset' | 'value' | 'va' | 'pfn' | 'table' | 'name' | 'tag' | 'count';

export type Slot = {name: string; kind: SlotKind};

/** A state that does not fit its layout: a bound of the layout was too small for a reachable state. */
export class LayoutBoundError extends Error {}

export interface Codec<T> {
	readonly width: number;
	/** Push exactly `width` slots, named under `prefix`. */
	slots(prefix: string, out: Slot[]): void;
	enc(x: T, v: Int32Array, at: number): void;
	dec(v: Int32Array, at: number): T;
}

const fail = (what: string): never => {
	throw new LayoutBoundError(what);
};

function int32(x: number, what: string): number {
	if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff) fail(`${what}: ${x} does not fit a 32-bit slot`);
	return x;
}

/** An int32 (a pc, a count, a pfn, a table id). */
export const int = (kind: SlotKind = 'int'): Codec<number> => ({
	width: 1,
	slots: (p, out) => void out.push({name: p, kind}),
	enc: (x, v, at) => void (v[at] = int32(x, 'int')),
	dec: (v, at) => v[at]!,
});

const TWO32 = 2 ** 32;

/** A safe integer in two slots (low word, then the rest): vas and the scenario's exact integers. */
export const wide = (kind: SlotKind = 'int'): Codec<number> => ({
	width: 2,
	slots: (p, out) => void out.push({name: `${p}.lo`, kind}, {name: `${p}.hi`, kind: 'int'}),
	enc(x, v, at) {
		if (!Number.isSafeInteger(x)) fail(`wide: ${x} is not a safe integer`);
		const hi = Math.floor(x / TWO32);
		v[at] = x - hi * TWO32;
		v[at + 1] = int32(hi, 'wide');
	},
	dec: (v, at) => v[at + 1]! * TWO32 + (v[at]! >>> 0),
});

export const bool: Codec<boolean> = {
	width: 1,
	slots: (p, out) => void out.push({name: p, kind: 'bool'}),
	enc: (x, v, at) => void (v[at] = x ? 1 : 0),
	dec: (v, at) => v[at] === 1,
};

/** A CPU id, or null as -1. */
export const cpuOrNull: Codec<number | null> = {
	width: 1,
	slots: (p, out) => void out.push({name: p, kind: 'cpu'}),
	enc: (x, v, at) => void (v[at] = x === null ? -1 : int32(x, 'cpu')),
	dec: (v, at) => (v[at] === -1 ? null : v[at]!),
};

export const cpu: Codec<number> = {
	width: 1,
	slots: (p, out) => void out.push({name: p, kind: 'cpu'}),
	enc: (x, v, at) => void (v[at] = int32(x, 'cpu')),
	dec: (v, at) => v[at]!,
};

/** A set of CPU ids, kept ascending in the machine: a bitmask here (31 CPUs at most). */
export const cpuset: Codec<number[]> = {
	width: 1,
	slots: (p, out) => void out.push({name: p, kind: 'cpuset'}),
	enc(x, v, at) {
		let bits = 0;
		let last = -1;
		for (const c of x) {
			if (c <= last) fail(`cpuset: [${x.join(',')}] is not ascending`);
			if (c < 0 || c > 30) fail(`cpuset: CPU${c} beyond the 31 a mask holds`);
			bits |= 1 << c;
			last = c;
		}
		v[at] = bits;
	},
	dec(v, at) {
		const out: number[] = [];
		for (let bits = v[at]!, c = 0; bits !== 0; bits >>>= 1, c++) if (bits & 1) out.push(c);
		return out;
	},
};

/** One of a fixed list (strings, or numbers such as vas), as its index: the list is the layout's, fixed when the scenario compiles. */
export function oneOf<T extends string | number>(list: readonly T[], kind: SlotKind, what: string): Codec<T> {
	const at = new Map<T, number>(list.map((x, i) => [x, i]));
	return {
		width: 1,
		slots: (p, out) => void out.push({name: p, kind}),
		enc(x, v, i) {
			const k = at.get(x);
			if (k === undefined) fail(`${what}: ${String(x)} is not among the ${list.length} the layout holds`);
			v[i] = k!;
		},
		dec: (v, i) => list[v[i]!]!,
	};
}

/** null, or the inner codec's value: a presence slot first. */
export function nullable<T>(c: Codec<T>): Codec<T | null> {
	return {
		width: 1 + c.width,
		slots(p, out) {
			out.push({name: `${p}?`, kind: 'bool'});
			c.slots(p, out);
		},
		enc(x, v, at) {
			v[at] = x === null ? 0 : 1;
			if (x !== null) c.enc(x, v, at + 1);
		},
		dec: (v, at) => (v[at] === 0 ? null : c.dec(v, at + 1)),
	};
}

/** A list of at most `cap` elements, in order: a length slot, then the elements. */
export function list<T>(c: Codec<T>, cap: number, what: string): Codec<T[]> {
	return {
		width: 1 + cap * c.width,
		slots(p, out) {
			out.push({name: `${p}.length`, kind: 'count'});
			for (let i = 0; i < cap; i++) c.slots(`${p}[${i}]`, out);
		},
		enc(x, v, at) {
			if (x.length > cap) fail(`${what}: ${x.length} entries, the layout holds ${cap}`);
			v[at] = x.length;
			for (let i = 0; i < x.length; i++) c.enc(x[i]!, v, at + 1 + i * c.width);
		},
		dec(v, at) {
			const n = v[at]!;
			const out = new Array<T>(n);
			for (let i = 0; i < n; i++) out[i] = c.dec(v, at + 1 + i * c.width);
			return out;
		},
	};
}

/** A field of a struct; `optional`: the key may be absent (a presence slot says whether). */
export type Field = {key: string; codec: Codec<unknown>; optional?: boolean};

export const field = <T>(key: string, codec: Codec<T>, optional = false): Field => ({key, codec: codec as Codec<unknown>, optional});

/**
 * A plain object with these fields (a union of shapes is one struct of all their fields, the ones not in every shape optional).
 * `beside`: keys the object may have that the struct does not hold (its owner encodes them otherwise).
 */
export function struct<T>(fields: readonly Field[], beside: readonly string[] = []): Codec<T> {
	const offsets: number[] = [];
	const keys = new Set([...fields.map(f => f.key), ...beside]);
	let width = 0;
	for (const f of fields) {
		offsets.push(width);
		width += (f.optional ? 1 : 0) + f.codec.width;
	}
	return {
		width,
		slots(p, out) {
			for (const f of fields) {
				const name = p ? `${p}.${f.key}` : f.key;
				if (f.optional) out.push({name: `${name}?`, kind: 'bool'});
				f.codec.slots(name, out);
			}
		},
		enc(x, v, at) {
			const o = x as Record<string, unknown>;
			for (const k in o) if (!keys.has(k)) fail(`struct: a field '${k}' the layout does not have`);
			for (let i = 0; i < fields.length; i++) {
				const f = fields[i]!;
				let a = at + offsets[i]!;
				if (f.optional) {
					if (!(f.key in o)) {
						v[a] = 0;
						continue;
					}
					v[a++] = 1;
				} else if (!(f.key in o)) fail(`struct: field '${f.key}' missing`);
				f.codec.enc(o[f.key], v, a);
			}
		},
		dec(v, at) {
			const o: Record<string, unknown> = {};
			fields.forEach((f, i) => {
				let a = at + offsets[i]!;
				if (f.optional && v[a++] === 0) return;
				o[f.key] = f.codec.dec(v, a);
			});
			return o as T;
		},
	};
}

/** A record over a fixed list of keys (pfns, vas, names): a presence slot per key, then its entry. */
export function record<T>(keys: readonly string[], c: Codec<T>, what: string, label: (k: string) => string = k => k): Codec<Record<string, T>> {
	const index = new Map(keys.map((k, i) => [k, i]));
	const w = 1 + c.width;
	return {
		width: keys.length * w,
		slots(p, out) {
			for (const k of keys) {
				out.push({name: `${p}[${label(k)}]?`, kind: 'bool'});
				c.slots(`${p}[${label(k)}]`, out);
			}
		},
		enc(x, v, at) {
			for (let i = 0; i < keys.length; i++) v[at + i * w] = 0;
			for (const k in x) {
				const i = index.get(k);
				if (i === undefined) fail(`${what}: key ${label(k)} is not among the ${keys.length} the layout holds`);
				v[at + i! * w] = 1;
				c.enc(x[k]!, v, at + i! * w + 1);
			}
		},
		dec(v, at) {
			const o: Record<string, T> = {};
			for (let i = 0; i < keys.length; i++) if (v[at + i * w] === 1) o[keys[i]!] = c.dec(v, at + i * w + 1);
			return o;
		},
	};
}

/** A value's tags (slot 0's low byte; its flag bits above). 0: no value (an unassigned local). */
const TAG = {absent: 0, null: 1, bool: 2, int: 3, pte: 4, pmd: 5, table: 6, page: 7, pgmap: 8, lock: 9, var: 10, sym: 11, irq: 12} as const;

/** What a value's index fields refer to: the layout's va and name tables. */
export type ValueTables = {vas: readonly number[]; names: readonly string[]};

/**
 * A Value in three slots, without interning, so equal values are equal slots
 * whatever the search order: a tag (with a pte's or pmd's bits above it) and
 * two payload words. `undefined` (a key with no value) is tag 0.
 */
export function value(t: ValueTables): Codec<Value | undefined> {
	const num = wide();
	const va = oneOf(t.vas, 'va', 'a value\'s va');
	// A value's va: its index + 1, or 0 for va 0 (what mk_pte's value carries: no va read it).
	const vaOrZero = (x: number, v: Int32Array, at: number): void => {
		if (x === 0) v[at] = 0;
		else {
			va.enc(x, v, at);
			v[at] = v[at]! + 1;
		}
	};
	const vaOf = (i: number): number => (i === 0 ? 0 : t.vas[i - 1]!);
	const name = oneOf(t.names, 'name', 'a value\'s name');
	return {
		width: 3,
		slots(p, out) {
			out.push({name: p, kind: 'value'}, {name: `${p}.1`, kind: 'int'}, {name: `${p}.2`, kind: 'int'});
		},
		enc(x, v, at) {
			v[at + 1] = 0;
			v[at + 2] = 0;
			if (x === undefined) v[at] = TAG.absent;
			else if (x === null) v[at] = TAG.null;
			else if (typeof x === 'boolean') {
				v[at] = TAG.bool;
				v[at + 1] = x ? 1 : 0;
			} else if (typeof x === 'number') {
				v[at] = TAG.int;
				num.enc(x, v, at + 1);
			} else
				switch (x.t) {
					case 'pte': {
						const bits = (x.present ? 1 : 0) | (x.write ? 2 : 0) | (x.special ? 4 : 0) | (x.devmap ? 8 : 0) | (x.huge ? 16 : 0) | (x.protnone ? 32 : 0) | (x.dirty ? 64 : 0);
						for (const k in x) if (!PTE_KEYS.has(k)) fail(`value: a pte field '${k}' the layout does not have`);
						v[at] = TAG.pte | (bits << 8);
						vaOrZero(x.va, v, at + 1);
						v[at + 2] = int32(x.pfn, 'pte pfn');
						break;
					}
					case 'pmd': {
						const bits = (x.present ? 1 : 0) | (x.leaf ? 2 : 0) | (x.write ? 4 : 0) | (x.invalid ? 8 : 0) | (x.dirty ? 16 : 0);
						for (const k in x) if (!PMD_KEYS.has(k)) fail(`value: a pmd field '${k}' the layout does not have`);
						if (x.table < -1 || x.table > 0xfffe) fail(`value: pmd table T${x.table} beyond 16 bits`);
						v[at] = TAG.pmd | (bits << 8);
						vaOrZero(x.va, v, at + 1);
						if (v[at + 1]! > 0xffff) fail('value: more than 65535 vas');
						v[at + 1] = v[at + 1]! | ((x.table + 1) << 16);
						v[at + 2] = int32(x.pfn, 'pmd pfn');
						break;
					}
					case 'table':
						v[at] = TAG.table;
						v[at + 1] = int32(x.id, 'table id');
						break;
					case 'page':
						v[at] = TAG.page;
						v[at + 1] = int32(x.pfn, 'page pfn');
						break;
					case 'irq':
						v[at] = TAG.irq;
						name.enc(x.name, v, at + 1);
						v[at + 2] = int32(x.cpu, 'irq cpu');
						break;
					default:
						v[at] = TAG[x.t];
						name.enc(x.name, v, at + 1);
				}
		},
		dec(v, at): Value | undefined {
			const tag = v[at]! & 0xff;
			const bits = v[at]! >>> 8;
			switch (tag) {
				case TAG.absent:
					return undefined;
				case TAG.null:
					return null;
				case TAG.bool:
					return v[at + 1] === 1;
				case TAG.int:
					return num.dec(v, at + 1);
				case TAG.pte: {
					const x: Value = {t: 'pte', va: vaOf(v[at + 1]!), present: (bits & 1) !== 0, write: (bits & 2) !== 0, special: (bits & 4) !== 0, devmap: (bits & 8) !== 0, pfn: v[at + 2]!, huge: (bits & 16) !== 0};
					if (bits & 32) x.protnone = true;
					if (bits & 64) x.dirty = true;
					return x;
				}
				case TAG.pmd: {
					const w = v[at + 1]!;
					const x: Value = {t: 'pmd', va: vaOf(w & 0xffff), present: (bits & 1) !== 0, leaf: (bits & 2) !== 0, table: (w >>> 16) - 1, pfn: v[at + 2]!, write: (bits & 4) !== 0};
					if (bits & 8) x.invalid = true;
					if (bits & 16) x.dirty = true;
					return x;
				}
				case TAG.table:
					return {t: 'table', id: v[at + 1]!};
				case TAG.page:
					return {t: 'page', pfn: v[at + 1]!};
				case TAG.irq:
					return {t: 'irq', name: name.dec(v, at + 1), cpu: v[at + 2]!};
				case TAG.pgmap:
					return {t: 'pgmap', name: name.dec(v, at + 1)};
				case TAG.lock:
					return {t: 'lock', name: name.dec(v, at + 1)};
				case TAG.var:
					return {t: 'var', name: name.dec(v, at + 1)};
				case TAG.sym:
					return {t: 'sym', name: name.dec(v, at + 1)};
			}
			throw new LayoutBoundError(`value: tag ${tag} unknown`);
		},
	};
}

const PTE_KEYS = new Set(['t', 'va', 'present', 'write', 'special', 'devmap', 'pfn', 'huge', 'protnone', 'dirty']);
const PMD_KEYS = new Set(['t', 'va', 'present', 'leaf', 'table', 'pfn', 'write', 'invalid', 'dirty']);

/** A field `?: true` (absent, never false, so states without it hash as before): an optional field's presence slot is all it needs. */
export const flag: Codec<true> = {
	width: 0,
	slots: () => {},
	enc: x => void (x !== true && fail(`flag: ${String(x)} where only true is kept`)),
	dec: () => true,
};

/** A codec over another representation (a "pfn:gen" key as two ints). */
export function mapped<A, B>(c: Codec<B>, to: (a: A) => B, from: (b: B) => A): Codec<A> {
	return {width: c.width, slots: c.slots, enc: (x, v, at) => c.enc(to(x), v, at), dec: (v, at) => from(c.dec(v, at))};
}
