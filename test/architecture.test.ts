// Imports flow one way (docs/architecture.md): machine <- lang <- explore,
// session <- render <- ui <- commands/cli. A layer may import only from the
// layers its row allows.

import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {expect, it} from 'vitest';

const ALLOWED: Record<string, string[]> = {
	machine: [],
	lang: ['machine'],
	explore: ['lang', 'machine'],
	session: ['lang', 'machine'],
	render: ['session', 'lang', 'machine'],
	ui: ['session', 'render', 'explore', 'lang', 'machine'],
	commands: ['ui', 'session', 'render', 'explore', 'lang', 'machine'],
};

function files(dir: string): string[] {
	return readdirSync(dir).flatMap(f => {
		const p = join(dir, f);
		return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
	});
}

const layerOf = (path: string): string => {
	const rel = relative('source', path).split('/');
	return rel.length === 1 ? 'commands' : rel[0]!;
};

it('every import of source/ respects the layering', () => {
	const bad: string[] = [];
	for (const file of files('source')) {
		const layer = layerOf(file);
		for (const m of readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"](\.[^'"]+)['"]/gm)) {
			const target = join(file, '..', m[1]!);
			const to = layerOf(target);
			if (to !== layer && !ALLOWED[layer]!.includes(to)) bad.push(`${file} imports ${m[1]} (${layer} -> ${to})`);
		}
	}
	expect(bad).toEqual([]);
});

it('the machine knows nothing of the UI, React or Ink', () => {
	for (const file of files('source/machine')) expect(readFileSync(file, 'utf8')).not.toMatch(/from ['"](ink|react|meow)/);
});
