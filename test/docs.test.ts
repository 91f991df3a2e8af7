// The documentation that is generated from the code must be current.

import {readFileSync} from 'node:fs';
import {expect, it} from 'vitest';
import {primitivesReference} from '../source/lang/reference.js';

it('docs/primitives.md is up to date (npm run docs)', () => {
	expect(readFileSync(new URL('../docs/primitives.md', import.meta.url), 'utf8')).toBe(primitivesReference());
});

it('docs/scenario-language.md documents every statement form of the grammar', () => {
	const doc = readFileSync(new URL('../docs/scenario-language.md', import.meta.url), 'utf8');
	for (const word of ['atomic', 'await', 'assert', 'goto', 'while', 'return', 'invariant', 'variant', 'expect', 'param', 'const', 'progress', '--set']) {
		expect(doc).toContain(word);
	}
});

it('the example scenario of docs/scenario-language.md compiles and behaves as described', async () => {
	const {modelFromSource} = await import('../source/lang/load.js');
	const {replaySteps} = await import('../source/render/trace.js');
	const {parseSchedule} = await import('../source/lang/schedule.js');
	const doc = readFileSync(new URL('../docs/scenario-language.md', import.meta.url), 'utf8');
	const source = /```c\n([\s\S]*?)```/.exec(doc)![1]!;
	const model = modelFromSource('my-race.race', source);
	// gup-fast reads the PTE, the unbind runs to the end, then try_grab_page reads the removed memmap.
	const r = replaySteps(model, parseSchedule('0 0 0 0 1 1 1 i0 1 1 1 1 1 0'));
	expect(r.error).toBeUndefined();
	expect(r.steps.at(-1)!.violations.map(v => v.kind)).toEqual(['use-after-free']);
});

it('the expectations of the example scenario hold, as the doc says check will find', async () => {
	const {modelFromSource} = await import('../source/lang/load.js');
	const {explore} = await import('../source/explore/index.js');
	const doc = readFileSync(new URL('../docs/scenario-language.md', import.meta.url), 'utf8');
	const source = /```c\n([\s\S]*?)```/.exec(doc)![1]!;
	expect([...explore(modelFromSource('my-race.race', source), {minimise: false}).kinds.keys()]).toContain('use-after-free');
	expect([...explore(modelFromSource('my-race.race', source, {variant: 'irqs'}), {minimise: false}).kinds.keys()]).not.toContain('use-after-free');
	expect(doc).toContain('--schedule "0 0 0 0 1 1 1 i0 1 1 1 1 1 0"');
});
