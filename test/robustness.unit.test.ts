// The small pieces issue 13 added, in-process: control characters spelled out,
// bounded reads of regular files, unique names taken atomically with a
// fallback folder.

import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {FileError, readRegularFile} from '../source/lang/readfile.js';
import {parseSetList} from '../source/lang/sets.js';
import {splitLines, visible} from '../source/lang/visible.js';
import {WriteError} from '../source/session/atomic.js';
import {stateDir, writeUnique} from '../source/session/unique.js';

const dir = mkdtempSync(join(tmpdir(), 'racewalk-13-unit-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('visible', () => {
	it('spells out C0 controls, DEL, C1 controls and the bidi controls; keeps text and tabs', () => {
		expect(visible('a\u001b]2;t\u0007b')).toBe('a^[]2;t^Gb');
		expect(visible('\u0000\r\n\u007f')).toBe('^@^M^J\\u007f');
		expect(visible('\u009b31m')).toBe('\\u009b31m');
		expect(visible('abc\u202edef')).toBe('abc\\u202edef');
		expect(visible('tab\there ✱ é 🙂')).toBe('tab\there ✱ é 🙂');
	});

	it('keeps newlines for text meant to be several lines, and only those', () => {
		expect(visible('one\ntwo\r\n\u001b', {lines: true})).toBe('one\ntwo^M\n^[');
	});

	it('splitLines ends a line at LF, CRLF and a lone CR', () => {
		expect(splitLines('a\nb\r\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
	});
});

describe('readRegularFile', () => {
	it('reads a regular file and refuses one over the bound, and what is not a file', () => {
		const p = join(dir, 'f.txt');
		writeFileSync(p, 'x'.repeat(100));
		expect(readRegularFile(p, 100, 'a scenario').toString()).toBe('x'.repeat(100));
		expect(() => readRegularFile(p, 99, 'a scenario')).toThrow(new FileError('file too large for a scenario (0.0 MiB; the limit is 99 bytes)'));
		expect(() => readRegularFile(dir, 99, 'a scenario')).toThrow('is a directory, not a scenario');
		expect(() => readRegularFile(join(dir, 'none'), 99, 'a scenario')).toThrow('no such file');
		expect(() => readRegularFile('/dev/null', 99, 'a scenario')).toThrow('a character device, not a scenario file');
	});

	it('a file whose stat size is 0 is still bounded by what is read', () => {
		// /proc/self/status: size 0 in stat, about a kilobyte of text
		expect(readRegularFile('/proc/self/status', 1 << 20, 'x').length).toBeGreaterThan(100);
		expect(() => readRegularFile('/proc/self/status', 10, 'a scenario')).toThrow('file too large for a scenario (over 10 bytes)');
	});
});

describe('writeUnique', () => {
	it('never reuses a name: base, base-2, base-3', () => {
		const d = join(dir, 'u');
		const paths = [1, 2, 3].map(i => writeUnique([d], 'autosave-x', '.json', `${i}\n`));
		expect(paths).toEqual([join(d, 'autosave-x.json'), join(d, 'autosave-x-2.json'), join(d, 'autosave-x-3.json')]);
		expect(paths.map(p => readFileSync(p, 'utf8'))).toEqual(['1\n', '2\n', '3\n']);
	});

	it('falls back to the next folder when one cannot be written, and names every failure when none can', () => {
		const blocked = join(dir, 'blocked');
		writeFileSync(blocked, 'a file, not a folder\n');
		const fallback = join(dir, 'state');
		expect(writeUnique([join(blocked, 'sub'), fallback], 'a', '.json', 'x')).toBe(join(fallback, 'a.json'));
		expect(() => writeUnique([join(blocked, 'one'), join(blocked, 'two')], 'a', '.json', 'x')).toThrow(WriteError);
		expect(() => writeUnique([join(blocked, 'one')], 'a', '.json', 'x')).toThrow(`cannot write a.json (${join(blocked, 'one')}: a part of the path is not a directory)`);
	});

	it('stateDir: $XDG_STATE_HOME/racewalk, ~/.local/state/racewalk by default, a relative XDG path ignored', () => {
		expect(stateDir({XDG_STATE_HOME: '/x/state', HOME: '/home/u'})).toBe('/x/state/racewalk');
		expect(stateDir({HOME: '/home/u'})).toBe('/home/u/.local/state/racewalk');
		expect(stateDir({XDG_STATE_HOME: 'rel', HOME: '/home/u'})).toBe('/home/u/.local/state/racewalk');
	});
});

describe('parseSetList', () => {
	it('keeps __proto__ a name, refuses a param given twice', () => {
		const s = parseSetList(['__proto__=1', 'a=2']);
		expect(Object.keys(s)).toEqual(['__proto__', 'a']);
		expect(Object.getPrototypeOf(s)).toBeNull();
		expect(() => parseSetList(['a=1', 'a=2'])).toThrow('--set a=2: a is already set to 1 by an earlier --set; give each param once');
	});
});
