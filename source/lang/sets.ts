// `--set name=value` lists (the CLI's flags, the TUI's `:set`): parsed into a
// record without a prototype, so `__proto__=1` is a name like any other (and
// then an unknown param) instead of silently changing the record's prototype.

import {ParamError} from './compiler.js';

export function parseSetList(items: readonly string[] | undefined, flag = '--set'): Record<string, string> {
	return mergeSetList(Object.create(null) as Record<string, string>, items, flag);
}

/** `base` with `items` applied: a name given twice in `items` is a mistake, not an override. */
export function mergeSetList(base: Record<string, string>, items: readonly string[] | undefined, flag = '--set'): Record<string, string> {
	const out = Object.assign(Object.create(null) as Record<string, string>, base);
	const given = new Set<string>();
	for (const item of items ?? []) {
		const eq = item.indexOf('=');
		if (eq <= 0) throw new ParamError(`${flag} ${item}: expected name=value`);
		const name = item.slice(0, eq);
		if (given.has(name)) throw new ParamError(`${flag} ${item}: ${name} is already set to ${out[name]} by an earlier ${flag}; give each param once`);
		given.add(name);
		out[name] = item.slice(eq + 1);
	}
	return out;
}
