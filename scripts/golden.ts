// npm run golden: regenerate test/golden/traces.json after an intended change
// of the model (and say why in the commit). For every built-in scenario and
// variant: the shortest schedule of each reachable violation kind (plain BFS;
// violations do not stop the search) and a safe schedule (lowest CPU first,
// stopping before the first violation), each with its final state hash.
import {writeFileSync} from 'node:fs';
import {builtinNames, exampleNames, loadModel} from '../source/lang/load.js';
import {formatSchedule} from '../source/lang/schedule.js';
import type {Machine, Transition} from '../source/machine/types.js';
type Golden = {scenario: string; variant: string | null; safe: {schedule: string; hash: string}; violating: {kind: string; schedule: string; length: number; hash: string}[]};
const out: Golden[] = [];
for (const name of [...builtinNames(), ...exampleNames()]) {
  const base = loadModel(name);
  for (const variant of [null, ...base.program.scenario.variants.map(v => v.name)]) {
    const model = loadModel(name, {variant});
    // shortest schedule per kind (plain BFS, violations do not stop expansion)
    const seen = new Set<string>([model.hash(model.initial)]);
    let frontier: {m: Machine; path: Transition[]}[] = [{m: model.initial, path: []}];
    const kinds = new Map<string, Transition[]>();
    while (frontier.length) {
      const next: typeof frontier = [];
      for (const {m, path} of frontier) for (const t of model.enabled(m)) {
        const r = model.step(m, t);
        for (const v of r.violations) if (!kinds.has(v.kind)) kinds.set(v.kind, [...path, t]);
        const h = model.hash(r.state);
        if (!seen.has(h)) { seen.add(h); next.push({m: r.state, path: [...path, t]}); }
      }
      frontier = next;
    }
    // safe: lowest enabled CPU first, stop before the first violating step
    let m = model.initial; const safe: Transition[] = [];
    for (let i = 0; i < 200; i++) {
      const en = model.enabled(m); if (!en.length) break;
      const r = model.step(m, en[0]!); if (r.violations.length) break;
      safe.push(en[0]!); m = r.state;
    }
    const replayHash = (s: Transition[]) => { let x = model.initial; for (const t of s) x = model.step(x, t).state; return model.hash(x); };
    out.push({scenario: name, variant, safe: {schedule: formatSchedule(safe), hash: replayHash(safe)},
      violating: [...kinds].map(([kind, s]) => ({kind, schedule: formatSchedule(s), length: s.length, hash: replayHash(s)}))});
  }
}
writeFileSync(new URL('../test/golden/traces.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(out.map(o => `${o.scenario}${o.variant ? ':' + o.variant : ''} safe=${o.safe.schedule.split(' ').length} ${o.violating.map(v => v.kind + '/' + v.length).join(' ')}`).join('\n'));
