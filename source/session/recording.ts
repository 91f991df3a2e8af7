// Recordings: a session saved as versioned JSON that another developer can
// open to see the exact race. The file carries the scenario's full source
// (and its sha256), the params, every branch (parent point + schedule + the
// hash of its final state), the notes and the cursor. Loading checks all of it
// and replays every branch: a recording that loads reproduces its states.
//
// Every problem is a RecordingError whose message is one line naming the file.

import {createHash} from 'node:crypto';
import {z} from 'zod';
import {ParamError} from '../lang/compiler.js';
import {Diagnostic} from '../lang/diagnostics.js';
import type {Model} from '../lang/interpreter.js';
import {modelFromSource} from '../lang/load.js';
import {FileError, readRegularFile} from '../lang/readfile.js';
import {formatSchedule, parseSchedule, ScheduleError} from '../lang/schedule.js';
import type {Machine, Transition} from '../machine/types.js';
import {OverwriteError, WriteError, writeFileAtomic} from './atomic.js';
import {BRANCH_NAME, SessionError, SessionImpl} from './session.js';

export const RECORDING_FORMAT = 'racewalk-recording/1';
export const RECORDING_VERSION = 1;

export const LIMITS = {
	fileBytes: 64 * 1024 * 1024,
	sourceBytes: 1024 * 1024,
	scheduleSteps: 1_000_000,
	totalSteps: 1_000_000,
	branches: 10_000,
	nameChars: 64,
	noteChars: 10_000,
	notes: 100_000,
	params: 256,
	depth: 32,
} as const;

export class RecordingError extends Error {
	constructor(
		readonly file: string,
		readonly problem: string,
	) {
		super(`${file}: ${problem}`);
		this.name = 'RecordingError';
	}
}

const Name = z.string().min(1).max(LIMITS.nameChars).regex(BRANCH_NAME);
const Step = z.number().int().min(0).max(LIMITS.scheduleSteps);
const Hash = z.string().regex(/^[0-9a-f]{16}$/);

const BranchSchema = z.strictObject({
	name: Name,
	parent: z.strictObject({branch: Name, step: Step}).nullable(),
	schedule: z.string().max(LIMITS.scheduleSteps * 3),
	hash: Hash,
});

export const RecordingSchema = z.strictObject({
	format: z.literal(RECORDING_FORMAT),
	racewalk: z.string().max(64).optional(),
	created: z.string().max(64).optional(),
	scenario: z.strictObject({
		name: z.string().max(256),
		file: z.string().min(1).max(4096),
		sha256: z.string().regex(/^[0-9a-f]{64}$/),
		source: z.string().max(LIMITS.sourceBytes),
	}),
	params: z.strictObject({
		set: z.record(z.string().min(1).max(64), z.string().max(256)),
		variant: z.string().min(1).max(64).nullable(),
	}),
	branches: z.array(BranchSchema).min(1).max(LIMITS.branches),
	notes: z.array(z.strictObject({branch: Name, step: Step, text: z.string().max(LIMITS.noteChars)})).max(LIMITS.notes),
	cursor: z.strictObject({branch: Name, step: Step}),
});

export type Recording = z.infer<typeof RecordingSchema>;
export type RecordingParams = {set: Record<string, string>; variant: string | null};

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// ---------------------------------------------------------------- saving

/** The `--set` overrides of a model: params that differ from the scenario (+ variant) defaults. */
export function paramOverrides(model: Model): Record<string, string> {
	const p = model.program;
	let base: Record<string, unknown>;
	try {
		base = modelFromSource(p.file, p.source, {variant: p.variant}).program.params;
	} catch {
		base = {};
	}
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(p.params)) if (base[k] !== v) out[k] = String(v);
	return out;
}

export function recordingOf(session: SessionImpl, opts: {set?: Record<string, string>} = {}): Recording {
	const model = session.model;
	const p = model.program;
	const branches = session.branches.map((b, i) => {
		let parent: Recording['branches'][number]['parent'] = null;
		let from = 0;
		if (i > 0) {
			const fork = b.forkedFrom ?? 0;
			const owner = session.branchOf(fork);
			from = fork;
			parent = {branch: owner.name, step: session.point(fork).depth};
		}
		const schedule = session.scheduleTo(b.head).slice(session.point(from).depth);
		return {name: b.name, parent, schedule: formatSchedule(schedule), hash: model.hash(session.point(b.head).state)};
	});
	return {
		format: RECORDING_FORMAT,
		racewalk: '0.1.0',
		created: new Date().toISOString(),
		scenario: {name: p.scenario.name, file: p.file, sha256: sha256(p.source), source: p.source},
		params: {set: opts.set ?? paramOverrides(model), variant: p.variant},
		branches,
		notes: session.notesList().map(n => ({branch: session.branchOf(n.point.id).name, step: n.point.depth, text: n.text})),
		cursor: {branch: session.branch.name, step: session.cursor.depth},
	};
}

export function serializeRecording(rec: Recording): string {
	return JSON.stringify(rec, null, 2) + '\n';
}

/** The recording of a session as the text of its file, checked as loading will check it. */
export function recordingText(session: SessionImpl, path: string, opts: {set?: Record<string, string>} = {}): {rec: Recording; text: string} {
	const rec = recordingOf(session, {set: opts.set});
	const checked = RecordingSchema.safeParse(rec);
	if (!checked.success) throw new RecordingError(path, `cannot save this session: ${describeIssue(checked.error.issues[0]!, rec)}`);
	const total = rec.branches.reduce((n, b) => n + (b.schedule ? b.schedule.split(' ').length : 0), 0);
	if (total > LIMITS.totalSteps) throw new RecordingError(path, `cannot save this session: ${total} steps in all, over the limit of ${LIMITS.totalSteps} a recording may hold`);
	return {rec, text: serializeRecording(rec)};
}

/** Save atomically. Throws RecordingError (one line) if the file exists and !force, or on write errors. */
export function saveRecording(session: SessionImpl, path: string, opts: {force?: boolean; set?: Record<string, string>} = {}): Recording {
	const {rec, text} = recordingText(session, path, opts);
	try {
		writeFileAtomic(path, text, {force: opts.force});
	} catch (err) {
		if (err instanceof OverwriteError) throw new RecordingError(path, 'already exists; not overwriting it (use --force to replace it)');
		if (err instanceof WriteError) throw new RecordingError(path, err.message.replace(/^cannot write [^:]*: /, 'cannot write: '));
		throw err;
	}
	return rec;
}

// ---------------------------------------------------------------- loading

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : typeof v === 'number' ? (Number.isFinite(v) ? 'a number' : 'a number out of range') : typeof v === 'boolean' ? 'a boolean' : typeof v);

function jsonPath(path: readonly PropertyKey[]): string {
	let out = '';
	for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
	return out;
}

const EXPECTED: Record<string, string> = {string: 'a string', number: 'a number', int: 'an integer', object: 'an object', array: 'an array', boolean: 'a boolean', null: 'null', record: 'an object'};

/** A zod issue as one line: the JSON path and what is wrong there (`what` names the whole document). */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown, what = 'the recording'): string {
	const at = jsonPath(issue.path);
	const where = at || what;
	const input = issue.path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), root);
	switch (issue.code) {
		case 'invalid_type':
			if (input === undefined) return `missing field ${at}`;
			if (issue.expected === 'int' && typeof input === 'number' && Number.isFinite(input)) {
				return `${where}: expected an integer, got ${input}`;
			}
			if (typeof input === 'number' && !Number.isFinite(input)) return `${where}: number out of range`;
			return `${where}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${typeOf(input)}`;
		case 'unrecognized_keys':
			return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => JSON.stringify(k.slice(0, 40))).join(', ')}`;
		case 'too_big':
			if (issue.origin === 'number' || issue.origin === 'int') return `${where}: ${String(input).slice(0, 24)} is out of range (at most ${Math.min(Number(issue.maximum), LIMITS.scheduleSteps)})`;
			if (issue.origin === 'array') return `${where}: too many entries (at most ${issue.maximum})`;
			return `${where}: too long (at most ${issue.maximum} characters)`;
		case 'too_small':
			if (issue.origin === 'number' || issue.origin === 'int') return `${where}: ${String(input)} is out of range (at least ${issue.minimum})`;
			if (issue.origin === 'array') return `${where}: must have at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
			return `${where}: must not be empty`;
		case 'invalid_format':
			if (at.endsWith('sha256')) return `${where}: expected 64 hex digits`;
			if (at.endsWith('hash')) return `${where}: expected 16 hex digits`;
			if (at.endsWith('name') || at.endsWith('branch')) return `${where}: ${JSON.stringify(String(input).slice(0, 70))} is not a valid branch name`;
			return `${where}: badly formatted`;
		case 'invalid_value':
			return `${where}: unexpected value ${JSON.stringify(input)?.slice(0, 40)}`;
		default:
			return `${where}: ${issue.message}`;
	}
}

/** Deepest nesting of arrays/objects (stopping early past `limit`), and whether the text ends inside a value. */
function scanJson(text: string, limit: number): {max: number; open: boolean} {
	let depth = 0;
	let max = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 92) i++;
			else if (c === 34) inString = false;
			continue;
		}
		if (c === 34) inString = true;
		else if (c === 123 || c === 91) {
			if (++depth > max) {
				max = depth;
				if (max > limit) return {max, open: true};
			}
		} else if (c === 125 || c === 93) depth--;
	}
	return {max, open: inString || depth > 0};
}

/** Bytes -> a schema-valid recording object, or RecordingError. */
export function parseRecording(data: Uint8Array | string, file: string): Recording {
	const fail = (problem: string): never => {
		throw new RecordingError(file, problem);
	};
	let text: string;
	if (typeof data === 'string') {
		if (data.length > LIMITS.fileBytes) fail(`file too large for a recording (over 64 MiB)`);
		text = data;
	} else {
		if (data.length > LIMITS.fileBytes) fail(`file too large for a recording (${(data.length / 1048576).toFixed(1)} MiB; the limit is 64 MiB)`);
		if (data.includes(0)) fail('binary data, not a JSON recording');
		try {
			text = new TextDecoder('utf-8', {fatal: true}).decode(data);
		} catch {
			return fail('binary data, not a JSON recording (not UTF-8 text)');
		}
	}
	if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
	if (text.trim() === '') fail('empty file, not a recording');
	const first = text.trimStart()[0]!;
	if (first !== '{' && first !== '[') fail(`not JSON: a recording starts with '{', this file starts with ${JSON.stringify(text.trimStart().slice(0, 12))}`);
	const scan = scanJson(text, LIMITS.depth);
	if (scan.max > LIMITS.depth) fail(`nested too deeply (over ${LIMITS.depth} levels), not a recording`);
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch {
		if (scan.open) fail('truncated: the JSON ends in the middle of a value');
		fail('not valid JSON (syntax error)');
	}
	if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`expected a JSON object at the top level, found ${typeOf(raw)}`);
	const obj = raw as Record<string, unknown>;
	if (!('format' in obj)) {
		// racewalk's other JSON outputs, which a user may well pass here
		if ('kinds' in obj && 'stats' in obj) fail("not a racewalk recording: a search report (explore --json); 'racewalk explore ... --record FILE' writes a recording of its counterexamples");
		if ('steps' in obj && 'hash' in obj) fail("not a racewalk recording: a trace (run --json or export --format json); 'racewalk run ... --record FILE' writes a recording");
		fail('not a racewalk recording (no "format" field)');
	}
	const fmt = obj.format;
	const m = typeof fmt === 'string' ? /^racewalk-recording\/(\d{1,9})$/.exec(fmt) : null;
	if (!m) fail(`not a racewalk recording (format ${JSON.stringify(fmt)?.slice(0, 60)}, expected "${RECORDING_FORMAT}")`);
	const version = Number(m![1]);
	if (version > RECORDING_VERSION) fail(`written by a newer racewalk (format racewalk-recording/${version}); this racewalk reads ${RECORDING_FORMAT}`);
	if (version !== RECORDING_VERSION) fail(`unsupported recording format racewalk-recording/${version}; this racewalk reads ${RECORDING_FORMAT}`);
	const r = RecordingSchema.safeParse(raw);
	if (!r.success) fail(describeIssue(r.error.issues[0]!, raw));
	return r.data!;
}

/** Read a regular file, never more than the size limit (whatever stat says). */
export function readRecordingFile(path: string): Uint8Array {
	try {
		return readRegularFile(path, LIMITS.fileBytes, 'a recording');
	} catch (err) {
		if (err instanceof FileError) throw new RecordingError(path, err.message);
		throw err;
	}
}

export type Loaded = {recording: Recording; model: Model; session: SessionImpl};

/** A schema-valid recording -> a session with every branch replayed and checked. */
export function sessionFromRecording(rec: Recording, file: string): Loaded {
	const fail = (problem: string): never => {
		throw new RecordingError(file, problem);
	};
	const sc = rec.scenario;
	if (Buffer.byteLength(sc.source, 'utf8') > LIMITS.sourceBytes) fail('scenario.source: too long (over 1 MiB)');
	const actual = sha256(sc.source);
	if (actual !== sc.sha256) fail(`the scenario source was changed after recording (its sha256 is ${actual.slice(0, 12)}..., the recording says ${sc.sha256.slice(0, 12)}...)`);
	if (Object.keys(rec.params.set).length > LIMITS.params) fail(`params.set: too many entries (at most ${LIMITS.params})`);
	let model!: Model;
	try {
		model = modelFromSource(sc.file, sc.source, {set: rec.params.set, variant: rec.params.variant});
	} catch (err) {
		if (err instanceof Diagnostic) fail(`the recorded scenario does not compile: ${err.message}`);
		if (err instanceof ParamError) fail(`the recorded params do not apply: ${err.message}`);
		throw err;
	}
	if (model.program.scenario.name !== sc.name) fail(`scenario.name is '${sc.name.slice(0, 64)}' but the recorded source declares scenario '${model.program.scenario.name}'`);
	// Structure: names, parents, schedules.
	const seen = new Map<string, number>();
	const schedules: Transition[][] = [];
	let total = 0;
	rec.branches.forEach((b, i) => {
		const label = `branches[${i}] '${b.name}'`;
		if (seen.has(b.name)) fail(`duplicate branch name '${b.name}' (branches[${seen.get(b.name)}] and branches[${i}])`);
		seen.set(b.name, i);
		if (i === 0 && b.parent !== null) fail(`${label}: the first branch starts at the root; its parent must be null`);
		if (i > 0 && b.parent === null) fail(`${label}: parent is null, but only the first branch starts at the root`);
		if (b.parent && !seen.has(b.parent.branch)) fail(`${label}: parent branch '${b.parent.branch}' is not defined before it`);
		if (b.parent && b.parent.branch === b.name) fail(`${label}: a branch cannot be its own parent`);
		try {
			schedules.push(parseSchedule(b.schedule));
		} catch (err) {
			if (err instanceof ScheduleError) fail(`${label}: schedule: ${err.message}`);
			throw err;
		}
		total += schedules[i]!.length;
		if (schedules[i]!.length > LIMITS.scheduleSteps) fail(`${label}: schedule longer than ${LIMITS.scheduleSteps} steps`);
		if (total > LIMITS.totalSteps) fail(`too many steps in all (over ${LIMITS.totalSteps})`);
	});
	verifyHashes(model, rec, schedules, fail);
	// Replay.
	const session = new SessionImpl(model, rec.branches[0]!.name);
	rec.branches.forEach((b, i) => {
		let from: number | null = null;
		if (b.parent) {
			const parent = session.findBranch(b.parent.branch)!;
			const depth = session.point(parent.head).depth;
			if (b.parent.step > depth) fail(`branch '${b.name}' forks at step ${b.parent.step} of '${b.parent.branch}', which has only ${depth} steps`);
			from = session.ancestorAt(parent.head, b.parent.step).id;
		}
		try {
			session.restoreBranch(b.name, from, schedules[i]!, i === 0);
		} catch (err) {
			if (err instanceof SessionError) fail(`branch '${b.name}', ${err.message}`);
			throw err;
		}
		const head = session.point(session.findBranch(b.name)!.head);
		const h = model.hash(head.state);
		if (h !== b.hash) fail(`branch '${b.name}' diverged: its state after step ${head.depth} hashes to ${h}, the recording says ${b.hash}`);
	});
	// Notes and cursor.
	const at = (where: string, ref: {branch: string; step: number}): number => {
		const b = session.findBranch(ref.branch);
		if (!b) fail(`${where}: no branch named '${ref.branch}'`);
		const depth = session.point(b!.head).depth;
		if (ref.step > depth) fail(`${where}: step ${ref.step} is past the end of branch '${ref.branch}' (${depth} steps)`);
		return session.ancestorAt(b!.head, ref.step).id;
	};
	rec.notes.forEach((n, i) => session.noteAt(at(`notes[${i}]`, n), n.text));
	const cur = at('cursor', rec.cursor);
	session.switchBranch(rec.cursor.branch);
	session.gotoPoint(cur);
	return {recording: rec, model, session};
}

/**
 * Every branch's final hash, checked on the search's fast path before any
 * snapshot is kept: a tampered 1 M-step recording is refused in seconds and
 * in constant memory, at its first wrong branch, instead of after building a
 * session of a million points. Only the states where later branches fork are
 * kept (stepShared leaves its input untouched). A step that cannot be taken
 * ends the check of that branch: the full replay then says why, in its words.
 */
function verifyHashes(model: Model, rec: Recording, schedules: readonly Transition[][], fail: (problem: string) => never): void {
	const forks = new Map<string, Set<number>>();
	for (const b of rec.branches) if (b.parent) (forks.get(b.parent.branch) ?? forks.set(b.parent.branch, new Set()).get(b.parent.branch)!).add(b.parent.step);
	const kept = new Map<string, Map<number, Machine>>();
	rec.branches.forEach((b, i) => {
		let m: Machine | undefined = b.parent ? kept.get(b.parent.branch)?.get(b.parent.step) : model.initial;
		if (m === undefined) return; // a fork past the parent's end: the replay names it
		const start = b.parent?.step ?? 0;
		const mine = new Map<number, Machine>();
		const want = forks.get(b.name);
		if (want?.has(start)) mine.set(start, m);
		const schedule = schedules[i]!;
		for (let k = 0; k < schedule.length; k++) {
			if (!model.isEnabled(m, schedule[k]!)) {
				kept.set(b.name, mine);
				return;
			}
			m = model.stepShared(m, schedule[k]!, false).state;
			if (want?.has(start + k + 1)) mine.set(start + k + 1, m);
		}
		kept.set(b.name, mine);
		const h = model.hash(m);
		if (h !== b.hash) fail(`branch '${b.name}' diverged: its state after step ${start + schedule.length} hashes to ${h}, the recording says ${b.hash}`);
	});
}

/** Read, validate and replay a recording file. Every problem is a one-line RecordingError. */
export function loadRecording(path: string): Loaded {
	const rec = parseRecording(readRecordingFile(path), path);
	return sessionFromRecording(rec, path);
}

/** Same as loadRecording, from text already in memory (tests, fuzzing). */
export function loadRecordingText(text: string | Uint8Array, file: string): Loaded {
	return sessionFromRecording(parseRecording(text, file), file);
}

export {OverwriteError, WriteError};
