// How long the TUI's `e` takes to answer (issue 9: < 1 s on every built-in
// from any point): the search the `e` key runs (ui/services.ts
// searchService: breadth-first, first violation, then the livelock search),
// in this process as the TUI runs it, from the start and from points along a
// seeded random walk of every built-in scenario and variant.

import {performance} from 'node:perf_hooks';
import {mulberry32} from '../source/explore/index.js';
import {builtinNames, loadModel, loadScenario} from '../source/lang/load.js';
import {searchService} from '../source/ui/services.js';
import {createSession} from '../source/session/session.js';
import type {Transition} from '../source/machine/types.js';

export type AnswerRow = {scenario: string; points: number; worstMs: number; worstFrom: number; medianMs: number};

/** Steps into the walk the searches start from (the walk ends sooner where the run does). */
const POINTS = [0, 3, 6, 10, 15, 25, 40];

export async function benchAnswer(): Promise<AnswerRow[]> {
	const search = searchService();
	const rows: AnswerRow[] = [];
	for (const name of builtinNames()) {
		for (const variant of [null, ...loadScenario(name).ast.variants.map(v => v.name)]) {
			const model = loadModel(name, {variant});
			const random = mulberry32(7);
			const walk: Transition[] = [];
			let m = model.initial;
			while (walk.length < POINTS.at(-1)!) {
				const enabled = model.enabled(m);
				if (enabled.length === 0) break;
				const t = enabled[Math.floor(random() * enabled.length)]!;
				walk.push(t);
				m = model.step(m, t).state;
			}
			const times: {ms: number; from: number}[] = [];
			for (const at of POINTS.filter(p => p <= walk.length)) {
				const session = createSession(model);
				for (const t of walk.slice(0, at)) session.step(t);
				const t0 = performance.now();
				await search(session, session.cursor.id, () => {}, new AbortController().signal);
				times.push({ms: performance.now() - t0, from: at});
			}
			const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
			const sorted = times.map(t => t.ms).sort((a, b) => a - b);
			rows.push({scenario: `${name}${variant ? ` --variant ${variant}` : ''}`, points: times.length, worstMs: worst.ms, worstFrom: worst.from, medianMs: sorted[Math.floor(sorted.length / 2)]!});
		}
	}
	return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchAnswer());
