// The real services behind the TUI's save / export / search keys, and the
// file names they write. Kept apart from the controller so tests can inject
// fakes.

import {join, resolve} from 'node:path';
import {exploreAsync, LIVENESS_KINDS} from '../explore/index.js';
import {visible} from '../lang/visible.js';
import {loopStart, pointsToSteps, renderDiagram} from '../render/diagram.js';
import {renderMarkdown} from '../render/markdown.js';
import {violationName} from '../render/verdict.js';
import {sameFile} from '../session/atomic.js';
import {RecordingError, recordingText, saveRecording} from '../session/recording.js';
import {stateDir, writeUnique} from '../session/unique.js';
import {createSession, SessionImpl} from '../session/session.js';
import type {Session} from '../session/types.js';
import type {Services} from './controller.js';

export const stamp = (d = new Date()): string => d.toISOString().replace(/\..*$/, '').replace(/:/g, '-');

const asImpl = (s: Session): SessionImpl => {
	if (!(s instanceof SessionImpl)) throw new Error('this session cannot be saved');
	return s;
};

export function saveTo(session: Session, path: string, sets: Record<string, string> | undefined, force = false): void {
	saveRecording(asImpl(session), path, {...(sets ? {set: sets} : {}), force});
}

/** Save with a default name in .racewalk/ (as auto-saves and reports: one place), or to the path given (relative to the cwd, or absolute; not overwriting unless `force`). Returns the absolute path. */
export function saveService(cwd: string, sets: () => Record<string, string> | undefined): NonNullable<Services['save']> {
	return (session, path, force = false) => {
		// recordings, reports and auto-saves in one place: .racewalk/ (else the state directory)
		if (!path) return writeUnique(autosaveDirs(cwd), `racewalk-${session.model.program.scenario.name}-${stamp()}`, '.json', recordingText(asImpl(session), join(cwd, '.racewalk'), {set: sets()}).text);
		const target = resolve(cwd, path);
		// :save! onto the .race file the session runs would replace the scenario with a recording
		if (sameFile(target, resolve(cwd, session.model.program.file))) throw new RecordingError(target, 'that is the scenario file of this session; saving there would replace it (:save another file)');
		saveTo(session, target, sets(), force);
		return target;
	};
}

/** Where auto-saves go: `.racewalk/` in the cwd, else (not writable) the XDG state directory. */
export const autosaveDirs = (cwd: string): string[] => [join(cwd, '.racewalk'), ...[stateDir()].filter((d): d is string => d !== null)];

/**
 * `.racewalk/autosave-<scenario>-<timestamp>[-N].json` in the cwd (or the
 * state directory); returns its absolute path. The name is taken atomically.
 */
export function autosave(session: Session, cwd: string, sets?: Record<string, string>): string {
	const {text} = recordingText(asImpl(session), join(cwd, '.racewalk'), sets ? {set: sets} : {});
	return writeUnique(autosaveDirs(cwd), `autosave-${session.model.program.scenario.name}-${stamp()}`, '.json', text);
}

export {prefill} from './prefill.js';

export {createSession};

/** Write the Markdown report (or the race diagram alone, as `racewalk export --format diagram` prints it) of the current branch to .racewalk/. */
export function exportService(cwd: string, sets: () => Record<string, string> | undefined): NonNullable<Services['exportReport']> {
	return (session, format = 'markdown') => {
		const points = session.pathOf();
		const text = format === 'diagram' ? visible(renderDiagram(session.model, pointsToSteps(points), {loopFrom: loopStart(points)}), {lines: true}) + '\n' : visible(renderMarkdown({model: session.model, points, branch: session.branch.name, set: sets() ?? {}}), {lines: true});
		return writeUnique(autosaveDirs(cwd), `racewalk-${session.model.program.scenario.name}-${session.branch.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp()}`, format === 'diagram' ? '.txt' : '.md', text);
	};
}

/**
 * Breadth-first search from a point for the shortest counterexample, in the
 * background; when no safety violation is reachable, the liveness search of
 * `racewalk explore` (hung task, deadlock, livelock) on the same states.
 */
export function searchService(opts: {timeoutMs?: number; maxStates?: number} = {}): NonNullable<Services['search']> {
	return async (session, from, progress, signal) => {
		const start = session.point(from);
		const r = await exploreAsync(session.model, {
			strategy: 'bfs',
			from: start.state,
			stopAtFirst: true,
			liveness: true,
			timeoutMs: opts.timeoutMs ?? 20_000,
			maxStates: opts.maxStates,
			signal,
			progressIntervalMs: 200,
			onProgress: p => progress(`${p.phase}, ${p.states.toLocaleString('en')} states, depth ${p.depth}, ${Math.round(p.statesPerSec).toLocaleString('en')} states/s`),
		});
		const found = [...r.kinds.values()];
		const best = found.find(f => !LIVENESS_KINDS.has(f.kind)) ?? found[0];
		const stats = `${r.stats.states.toLocaleString('en')} ${r.stats.states === 1 ? 'state' : 'states'} in ${(r.stats.timeMs / 1000).toFixed(1)} s`;
		if (!best && r.stoppedBy === 'aborted') return {schedule: null, summary: `search cancelled after ${stats}`};
		const complete = r.complete && r.livenessComplete;
		if (!best) return {schedule: null, summary: complete ? `no violation or livelock reachable from step ${start.depth} (${stats}, complete)` : `nothing found from step ${start.depth} (${stats}, stopped: ${r.stoppedBy ?? 'bound'})`};
		const lasso = best.kind === 'livelock' ? r.livelocks[0] : undefined;
		if (lasso) return {schedule: best.schedule, loop: lasso.loop.length, summary: `found livelock (${best.violation.check}): ${lasso.prefix.length} steps, then a loop of ${lasso.loop.length} that repeats for ever, from step ${start.depth} (${stats})`};
		return {schedule: best.schedule, summary: `found ${violationName({kind: best.kind, check: best.violation.check})} in ${best.schedule.length} step${best.schedule.length === 1 ? '' : 's'} from step ${start.depth} (${stats})`};
	};
}
