// Copy-on-write drafts for the search's steps (Model.stepShared, stepMerged,
// and the peeks that may write), and the tree of what a step changed.

import {PEEK, UNWRITTEN} from '../machine/context.js';
import {copyObject} from '../machine/stamp.js';

/**
 * The search's copy-on-write drafts: what immer does for step(), minus what
 * the search does not need (freezing, patches, Maps and Sets, revocation), and
 * with one difference that matters for speed: reading through a draft copies
 * nothing (immer shallow-copies a parent as soon as a child is read, and the
 * machine's int-keyed records are slow to copy in V8). An object is copied
 * on its first write, its ancestors with it; the result shares every subtree
 * the step did not write with the base, which is left untouched, so those
 * subtrees keep their identity (and their cached hashes, explore/fasthash.ts).
 * Model.step keeps immer; test/explore.test.ts checks the two agree.
 */
const NODE = Symbol('cow-node');

export type Obj = Record<PropertyKey, unknown>;

/**
 * What a copy-on-write step changed (stepShared, stepMerged), for hashing it
 * incrementally (explore/fasthash.ts stampTree): a node per object the step reached; one
 * with a `copy` was copied, and differs from its `base` at most at its
 * `written` and `removed` keys and at the keys of its copied `kid`s (a list
 * through `next`). `done` is what the object became in the result.
 */
export type CowTree = {
	readonly base: object;
	readonly copy: object | null;
	readonly done: unknown;
	readonly kid: CowTree | null;
	readonly next: CowTree | null;
	readonly key: PropertyKey;
	readonly written: readonly PropertyKey[] | null;
	readonly removed: readonly PropertyKey[] | null;
};

export class CowNode {
	copy: Obj | null = null;
	/**
	 * Drafts handed out for the object-valued properties (valid while copy[key]/base[key] is
	 * their base): a list through `next`, each under its `key`. A node has few (a step reads a
	 * path or two through the machine), so a list costs less than a Map per node.
	 */
	kid: CowNode | null = null;
	next: CowNode | null = null;
	key: PropertyKey = '';
	/** Keys written since the copy was made (their values may hold drafts), each once. */
	written: PropertyKey[] | null = null;
	/** Keys deleted since the copy was made. */
	removed: PropertyKey[] | null = null;
	done: unknown = undefined;
	/** The proxy's target's link to its node (for objects the target is the node itself). */
	readonly n: CowNode;
	readonly proxy: Obj;
	constructor(
		readonly base: Obj,
		readonly parent: CowNode | null,
	) {
		this.n = this;
		let target: Target = this;
		if (Array.isArray(base)) {
			// An array target, so that Array.isArray and the array methods see an array.
			target = [] as unknown as Target;
			target.n = this;
		}
		this.proxy = new Proxy(target, cowHandler) as unknown as Obj;
	}

	ensureCopy(): Obj {
		if (this.copy === null) {
			this.copy = Array.isArray(this.base) ? (this.base.slice() as unknown as Obj) : copyObject(this.base);
			this.parent?.ensureCopy();
		}
		return this.copy;
	}

	/** machine/context.ts peek: the value at `key` as it is now; a draft only if the step wrote under it. */
	peek(key: string): unknown {
		const copy = this.copy;
		if (copy === null) return this.base[key];
		const v = copy[key];
		// a primitive, or a value the step wrote (a draft, or a new object) is returned as the get trap does
		if (v === null || typeof v !== 'object' || v !== this.base[key]) return v;
		for (let kid = this.kid; kid !== null; kid = kid.next) if (kid.key === key && kid.base === v) return kid.copy === null ? v : kid.proxy;
		return v;
	}

	finalize(): unknown {
		if (this.done !== undefined) return this.done;
		const copy = this.copy;
		if (copy === null) return (this.done = this.base);
		this.done = copy;
		for (let kid = this.kid; kid !== null; kid = kid.next) if (copy[kid.key as string] === kid.base) copy[kid.key as string] = kid.finalize();
		if (this.written) for (const k of this.written) copy[k as string] = resolve(copy[k as string]);
		return copy;
	}
}

/** A value written into a draft: drafts inside it are replaced by their results. */
function resolve(v: unknown): unknown {
	if (v === null || typeof v !== 'object') return v;
	const node = (v as Obj)[NODE] as CowNode | undefined;
	if (node !== undefined) return node.finalize();
	const o = v as Obj;
	for (const k in o) {
		const x = o[k];
		if (x !== null && typeof x === 'object') {
			const r = resolve(x);
			if (r !== x) o[k] = r;
		}
	}
	return v;
}

type Target = {n: CowNode};

const FIELD: PropertyDescriptor = {value: undefined, writable: true, enumerable: true, configurable: true};
const LENGTH: PropertyDescriptor = {value: 0, writable: true, enumerable: false, configurable: false};

/** One handler for every draft (no closures per draft): the node is found through the target. */
const cowHandler: ProxyHandler<Target> = {
	get(t, prop) {
		const node = t.n;
		const copy = node.copy;
		if (typeof prop === 'symbol') {
			if (prop === NODE) return node;
			// nothing under an uncopied node was written (a write copies its ancestors)
			if (prop === UNWRITTEN) return copy === null ? node.base : node.proxy;
			if (prop === PEEK) return node;
		}
		const v = copy === null ? node.base[prop as string] : copy[prop as string];
		if (v === null || typeof v !== 'object') return v;
		// A value written in this step (a draft, or a new object) is returned as it is, as immer does.
		if (copy !== null && v !== node.base[prop as string]) return v;
		let prev: CowNode | null = null;
		let kid = node.kid;
		while (kid !== null && kid.key !== prop) {
			prev = kid;
			kid = kid.next;
		}
		if (kid !== null && kid.base === v) return kid.proxy;
		const made = new CowNode(v as Obj, node);
		made.key = prop;
		if (kid !== null) {
			// the property holds another object now: its old draft is dropped
			made.next = kid.next;
			if (prev === null) node.kid = made;
			else prev.next = made;
		} else {
			made.next = node.kid;
			node.kid = made;
		}
		return made.proxy;
	},
	set(t, prop, value) {
		const node = t.n;
		const copy = node.ensureCopy();
		copy[prop as string] = value;
		const written = (node.written ??= []);
		if (!written.includes(prop)) written.push(prop);
		return true;
	},
	deleteProperty(t, prop) {
		const node = t.n;
		const copy = node.ensureCopy();
		delete copy[prop as string];
		let prev: CowNode | null = null;
		for (let kid = node.kid; kid !== null; prev = kid, kid = kid.next) {
			if (kid.key !== prop) continue;
			if (prev === null) node.kid = kid.next;
			else prev.next = kid.next;
			break;
		}
		const i = node.written?.indexOf(prop) ?? -1;
		if (i >= 0) node.written!.splice(i, 1);
		(node.removed ??= []).push(prop);
		return true;
	},
	has: (t, prop) => prop in (t.n.copy ?? t.n.base),
	ownKeys: t => Reflect.ownKeys(t.n.copy ?? t.n.base),
	getOwnPropertyDescriptor(t, prop) {
		const src = t.n.copy ?? t.n.base;
		if (!Object.prototype.hasOwnProperty.call(src, prop)) return undefined;
		// The value as stored, not a draft of it: Object.keys, Object.entries, spread and for-in
		// ask for the descriptor only to see it is enumerable (entries and spread then read the
		// value through the get trap), so making a draft here made one per key for nothing.
		// One descriptor object, refilled: the engine reads it into its own at once.
		const d = prop === 'length' && Array.isArray(src) ? LENGTH : FIELD;
		d.value = src[prop as string];
		return d;
	},
	defineProperty: (t, prop, desc) => cowHandler.set!(t, prop, desc.value, undefined),
	getPrototypeOf: t => Object.getPrototypeOf(t.n.base),
};

/** Run `recipe` on a copy-on-write draft of `base`; the result shares what was not written. */
export function cowProduce<T extends object>(base: T, recipe: (draft: T) => void): T {
	const root = new CowNode(base as unknown as Obj, null);
	recipe(root.proxy as unknown as T);
	return root.finalize() as T;
}
