// The head of every printed trace (run, replay, explore): apart from the
// recordings' module so that explore's report does not load zod.

import type {Model} from '../lang/interpreter.js';
import {cpuLabel} from '../render/trace.js';
import type {Io} from './common.js';

/** The scenario, its params and CPUs: the head of every printed trace. */
export function printHeader(io: Io, model: Model): void {
	const p = model.program;
	io.out(p.scenario.title ? `${p.scenario.name}: ${p.scenario.title}` : p.scenario.name);
	io.out(`params: ${Object.entries(p.params).map(([k, val]) => `${k}=${val}`).join(' ') || '(none)'}${p.variant ? `   variant: ${p.variant}${p.overVariant ? ` (with ${p.overVariant.map(k => `${k}=${p.params[k]}`).join(' ')} set over it)` : ''}` : ''}`);
	io.out(`cpus: ${p.cpus.map(c => cpuLabel(model, c.id)).join(', ')}`);
}
