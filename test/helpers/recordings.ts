// Shared by the recording tests: a good recording with two branches, a note
// and a cursor, and the corpus of bad recordings with their exact messages.

import {Diagnostic} from '../../source/lang/diagnostics.js';
import {ParamError} from '../../source/lang/compiler.js';
import {loadModel, modelFromSource} from '../../source/lang/load.js';
import {parseSchedule} from '../../source/lang/schedule.js';
import {recordingOf, type Recording, serializeRecording, sha256} from '../../source/session/recording.js';
import {createSession} from '../../source/session/session.js';

export function goodSession() {
	const model = loadModel('fsdax-unbind-2021');
	const s = createSession(model);
	for (const t of parseSchedule('1 1 1 1 1 1 1 2')) s.step(t);
	s.goto(3);
	s.setNote('pgmap ref killed');
	for (const t of parseSchedule('0 0')) s.step(t);
	return s;
}

export function goodRecording(): Recording {
	return recordingOf(goodSession());
}

export const goodText = (): string => serializeRecording(goodRecording());

type Json = Record<string, any>;
const edit = (f: (r: Json) => void): string => {
	const r = JSON.parse(goodText()) as Json;
	f(r);
	return JSON.stringify(r, null, 2);
};

export type BadCase = {name: string; content: string | Uint8Array; message: (file: string) => string};

function diagOf(f: () => unknown): string {
	try {
		f();
	} catch (err) {
		if (err instanceof Diagnostic || err instanceof ParamError) return err.message;
		throw err;
	}
	throw new Error('expected an error');
}

export function badCorpus(): BadCase[] {
	const good = goodRecording();
	const b1Hash = good.branches[1]!.hash;
	const tampered = good.scenario.source.replace('kill_dax(pmem0);', 'kill_dax(pmem0); ');
	const broken = 'scenario x\nthis is not a scenario\n';
	const file = good.scenario.file;
	return [
		{name: 'empty file', content: '', message: f => `${f}: empty file, not a recording`},
		{name: 'only whitespace', content: '  \n\t\n', message: f => `${f}: empty file, not a recording`},
		{name: 'truncated', content: goodText().slice(0, 300), message: f => `${f}: truncated: the JSON ends in the middle of a value`},
		{name: 'truncated mid-string', content: goodText().slice(0, 20), message: f => `${f}: truncated: the JSON ends in the middle of a value`},
		{name: 'not JSON', content: 'hello, world\n', message: f => `${f}: not JSON: a recording starts with '{', this file starts with "hello, world"`},
		{name: 'JSON syntax error', content: '{"format": racewalk}', message: f => `${f}: not valid JSON (syntax error)`},
		{name: 'binary garbage', content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff]), message: f => `${f}: binary data, not a JSON recording`},
		{name: 'not UTF-8', content: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), message: f => `${f}: binary data, not a JSON recording (not UTF-8 text)`},
		{name: 'JSON array', content: '[{"format": "racewalk-recording/1"}]', message: f => `${f}: expected a JSON object at the top level, found an array`},
		{name: 'no format field', content: edit(r => delete r.format), message: f => `${f}: not a racewalk recording (no "format" field)`},
		{name: 'a search report', content: JSON.stringify({scenario: 'x', stats: {}, kinds: []}), message: f => `${f}: not a racewalk recording: a search report (explore --json); 'racewalk explore ... --record FILE' writes a recording of its counterexamples`},
		{name: 'a trace', content: JSON.stringify({scenario: 'x', steps: [], hash: '0'}), message: f => `${f}: not a racewalk recording: a trace (run --json or export --format json); 'racewalk run ... --record FILE' writes a recording`},
		{name: 'wrong format tag', content: edit(r => (r.format = 'racewalk-session/1')), message: f => `${f}: not a racewalk recording (format "racewalk-session/1", expected "racewalk-recording/1")`},
		{name: 'format not a string', content: edit(r => (r.format = 1)), message: f => `${f}: not a racewalk recording (format 1, expected "racewalk-recording/1")`},
		{name: 'future version', content: edit(r => (r.format = 'racewalk-recording/2')), message: f => `${f}: written by a newer racewalk (format racewalk-recording/2); this racewalk reads racewalk-recording/1`},
		{name: 'old version', content: edit(r => (r.format = 'racewalk-recording/0')), message: f => `${f}: unsupported recording format racewalk-recording/0; this racewalk reads racewalk-recording/1`},
		{
			name: 'edited source without updated hash',
			content: edit(r => (r.scenario.source = tampered)),
			message: f => `${f}: the scenario source was changed after recording (its sha256 is ${sha256(tampered).slice(0, 12)}..., the recording says ${good.scenario.sha256.slice(0, 12)}...)`,
		},
		{
			name: 'source that does not compile (hash updated)',
			content: edit(r => {
				r.scenario.source = broken;
				r.scenario.sha256 = sha256(broken);
			}),
			message: f => `${f}: the recorded scenario does not compile: ${diagOf(() => modelFromSource(file, broken))}`,
		},
		{
			name: 'unknown param',
			content: edit(r => (r.params.set = {no_such_param: '1'})),
			message: f => `${f}: the recorded params do not apply: ${diagOf(() => modelFromSource(file, good.scenario.source, {set: {no_such_param: '1'}}))}`,
		},
		{name: 'schedule edited to an impossible step', content: edit(r => (r.branches[0].schedule += ' i1')), message: f => `${f}: branch 'main', step 9 (i1): CPU1 has no pending interrupt`},
		{name: 'unknown CPU in a schedule', content: edit(r => (r.branches[0].schedule = '1 7')), message: f => `${f}: branch 'main', step 2 (7): there is no CPU7 (this scenario has CPU0-CPU2)`},
		{name: 'bad schedule token', content: edit(r => (r.branches[1].schedule = '0 x')), message: f => `${f}: branches[1] 'b1': schedule: schedule token 2 'x': expected a CPU digit (0-9), i + digit (take that CPU's pending interrupt), or either with *count (1*7: seven steps of CPU1)`},
		{name: 'missing field (nested)', content: edit(r => delete r.branches[1].schedule), message: f => `${f}: missing field branches[1].schedule`},
		{name: 'missing field (top level)', content: edit(r => delete r.cursor), message: f => `${f}: missing field cursor`},
		{name: 'wrong type: schedule', content: edit(r => (r.branches[0].schedule = 5)), message: f => `${f}: branches[0].schedule: expected a string, got a number`},
		{name: 'wrong type: notes', content: edit(r => (r.notes = {})), message: f => `${f}: notes: expected an array, got an object`},
		{name: 'wrong type: parent', content: edit(r => (r.branches[1].parent = 'main')), message: f => `${f}: branches[1].parent: expected an object, got a string`},
		{name: 'huge number', content: edit(r => (r.cursor.step = 1e300)), message: f => `${f}: cursor.step: 1e+300 is out of range (at most 1000000)`},
		{name: 'number beyond double range', content: goodText().replace(/"cursor": \{\n\s*"branch": "b1",\n\s*"step": 5/, '"cursor": {"branch": "b1", "step": 1e999'), message: f => `${f}: cursor.step: number out of range`},
		{name: 'fractional step', content: edit(r => (r.notes[0].step = 1.5)), message: f => `${f}: notes[0].step: expected an integer, got 1.5`},
		{name: 'negative step', content: edit(r => (r.cursor.step = -1)), message: f => `${f}: cursor.step: -1 is out of range (at least 0)`},
		{name: 'deep nesting', content: '{"format": "racewalk-recording/1", "x": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', message: f => `${f}: nested too deeply (over 32 levels), not a recording`},
		{name: 'unknown field', content: edit(r => (r.extra = true)), message: f => `${f}: the recording: unknown field "extra"`},
		{name: 'unknown nested field', content: edit(r => (r.branches[0].color = 'red')), message: f => `${f}: branches[0]: unknown field "color"`},
		{name: 'no branches', content: edit(r => (r.branches = [])), message: f => `${f}: branches: must have at least 1 entry`},
		{name: 'branch with unknown parent', content: edit(r => (r.branches[1].parent.branch = 'ghost')), message: f => `${f}: branches[1] 'b1': parent branch 'ghost' is not defined before it`},
		{name: 'fork past the end of the parent', content: edit(r => (r.branches[1].parent.step = 50)), message: f => `${f}: branch 'b1' forks at step 50 of 'main', which has only 8 steps`},
		{name: 'second root branch', content: edit(r => (r.branches[1].parent = null)), message: f => `${f}: branches[1] 'b1': parent is null, but only the first branch starts at the root`},
		{name: 'duplicate branch names', content: edit(r => (r.branches[1].name = 'main')), message: f => `${f}: duplicate branch name 'main' (branches[0] and branches[1])`},
		{name: 'invalid branch name', content: edit(r => (r.branches[1].name = 'has space')), message: f => `${f}: branches[1].name: "has space" is not a valid branch name`},
		{name: 'branch name too long', content: edit(r => (r.branches[1].name = 'x'.repeat(65))), message: f => `${f}: branches[1].name: too long (at most 64 characters)`},
		{name: 'cursor past the end', content: edit(r => (r.cursor = {branch: 'main', step: 99})), message: f => `${f}: cursor: step 99 is past the end of branch 'main' (8 steps)`},
		{name: 'cursor on an unknown branch', content: edit(r => (r.cursor.branch = 'zz')), message: f => `${f}: cursor: no branch named 'zz'`},
		{name: 'note past the end', content: edit(r => (r.notes[0].step = 40)), message: f => `${f}: notes[0]: step 40 is past the end of branch 'main' (8 steps)`},
		{name: 'final hash mismatch', content: edit(r => (r.branches[1].hash = '0000000000000000')), message: f => `${f}: branch 'b1' diverged: its state after step 5 hashes to ${b1Hash}, the recording says 0000000000000000`},
		{name: 'malformed hash', content: edit(r => (r.branches[0].hash = 'xyz')), message: f => `${f}: branches[0].hash: expected 16 hex digits`},
		{name: 'scenario name does not match the source', content: edit(r => (r.scenario.name = 'other')), message: f => `${f}: scenario.name is 'other' but the recorded source declares scenario 'fsdax-unbind-2021'`},
		{name: 'malformed sha256', content: edit(r => (r.scenario.sha256 = 'abc')), message: f => `${f}: scenario.sha256: expected 64 hex digits`},
	];
}
