// What the search keeps on the objects of its states (which are never changed
// once stepped): one private field holding a record, read by property load
// instead of a WeakMap lookup (~0.3 against ~1.2 us per new object). The
// record holds the object's hash (explore/fasthash.ts fills it), its shape
// (the list of its keys, with a copier for it) and, for a memmap, what CPU
// renaming learnt of it (machine/permute.ts).
//
// Why a copier: V8 copies `{...o}` of a plain object by cloning its hidden
// class (~20 ns for a CPU slice), but not of an object carrying a private
// field, which it copies key by key (~200 ns); the search's copy-on-write
// steps copy three or four stamped objects a transition. A copier is an
// object literal of the shape's keys made once per shape (~11 ns). Shapes are
// made only for objects whose keys are all names (the machine's structs and
// a CPU's locals), never for records keyed by pfns or vas, whose key sets are
// many: those are copied by spread.

/** The base-class constructor returning its argument adds the subclass's private fields to any object. */
export class Stamped {
	constructor(o: object) {
		return o;
	}
}

type Obj = Record<string, unknown>;

/** What copies an object. */
export type Copier = {copy(o: Obj): Obj};

/** A list of keys in enumeration order; `next` the shapes one key longer. */
export class Shape implements Copier {
	private copier: ((o: Obj) => Obj) | null = null;
	private readonly next = new Map<string, Shape>();
	constructor(readonly keys: readonly string[]) {}

	child(k: string): Shape {
		let s = this.next.get(k);
		if (s === undefined) {
			s = new Shape([...this.keys, k]);
			this.next.set(k, s);
			shapes++;
		}
		return s;
	}

	/** A shallow copy of `o` (whose keys are this shape's, in this order): what `{...o}` gives. */
	copy(o: Obj): Obj {
		if (this.copier === null) {
			// The keys as JSON string literals: data, never code (and no `__proto__`, which a
			// literal would take for the prototype: such an object has no shape).
			const fields = this.keys.map(k => `${JSON.stringify(k)}: o[${JSON.stringify(k)}]`).join(', ');
			this.copier = new Function('o', `return {${fields}};`) as (o: Obj) => Obj;
		}
		return this.copier(o);
	}
}

/** What an object without a shape is copied by. */
const SPREAD: Copier = {copy: (o: Obj): Obj => ({...o})};

const ROOT = new Shape([]);
let shapes = 0;
/** Beyond this many shapes (a scenario whose locals come and go in many combinations), new ones are spread. */
const MAX_SHAPES = 4096;

/** A name-like key (a field, a local: `x`, `fn.x`); not an array index, not a pfn. */
const NAME = /^[A-Za-z_$][\w$.]*$/;

/** The shape of `o`'s keys, or SPREAD when it has none (a key that is a number, `__proto__`, too many shapes). */
function shapeOf(o: Obj): Copier {
	let s = ROOT;
	for (const k in o) {
		if (!NAME.test(k) || k === '__proto__' || shapes >= MAX_SHAPES) return SPREAD;
		s = s.child(k);
	}
	return s;
}

/**
 * The hash of an object met before, with its accumulators (an object that
 * differs from it in a few fields is hashed from them, fasthash.ts derive),
 * and its shape once asked for (null: not known yet).
 */
export class Stamp {
	constructor(
		readonly a: number,
		readonly b: number,
		readonly c1: number,
		readonly c2: number,
		readonly n: number,
		public shape: Copier | null,
	) {}
	/** Of a memmap: whether a page of it records the CPU that allocated it (machine/permute.ts; null: not asked yet). */
	owners: boolean | null = null;
}

class ObjectStamp extends Stamped {
	#s: Stamp | null = null;
	static put(o: object, s: Stamp): void {
		new ObjectStamp(o);
		(o as ObjectStamp).#s = s;
	}
	static get(o: object): Stamp | undefined {
		return #s in o ? (o as ObjectStamp).#s! : undefined;
	}
}

/** Stamp `o` (never stamped before) with `s`. */
export function putStamp(o: object, s: Stamp): void {
	ObjectStamp.put(o, s);
}

/** `o`'s stamp, if it has one. */
export function stampOf(o: object): Stamp | undefined {
	return ObjectStamp.get(o);
}

/** A shallow copy of a plain object, as `{...o}`: by its shape's copier when it is stamped. */
export function copyObject<T extends object>(o: T): T {
	const s = ObjectStamp.get(o);
	if (s === undefined) return {...o};
	const shape = (s.shape ??= shapeOf(o as Obj));
	return shape.copy(o as Obj) as T;
}
