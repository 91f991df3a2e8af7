// Atomic, no-clobber file writes: the text goes to a temporary file in the
// same directory, is fsynced, then takes the final name in one step. Without
// `force` an existing file is never replaced (link(2) fails with EEXIST, so
// even a file that appears meanwhile is safe).

import {closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync, existsSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {randomBytes} from 'node:crypto';

/** Refused: the file exists and `force` was not given. The file is untouched. */
export class OverwriteError extends Error {
	constructor(readonly path: string) {
		super(`${path}: already exists; not overwriting it (use --force to replace it)`);
	}
}

/** Writing failed (no such directory, permissions...): one line. */
export class WriteError extends Error {}

export function writeFileAtomic(path: string, text: string, opts: {force?: boolean} = {}): void {
	const full = resolve(path);
	const dir = dirname(full);
	if (!opts.force && existsSync(full)) throw new OverwriteError(path);
	const tmp = join(dir, `.${basename(full)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	let fd: number;
	try {
		fd = openSync(tmp, 'wx', 0o644);
	} catch (err) {
		throw new WriteError(`cannot write ${path}: ${reason(err)}`);
	}
	try {
		try {
			const buf = Buffer.from(text, 'utf8');
			let off = 0;
			while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		if (opts.force) {
			renameSync(tmp, full);
		} else {
			try {
				linkSync(tmp, full);
			} catch (err) {
				if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OverwriteError(path);
				// File systems without hard links: check, then rename.
				if (existsSync(full)) throw new OverwriteError(path);
				renameSync(tmp, full);
			}
		}
	} catch (err) {
		try {
			unlinkSync(tmp);
		} catch {
			// already renamed or gone
		}
		if (err instanceof OverwriteError) throw err;
		throw new WriteError(`cannot write ${path}: ${reason(err)}`);
	}
	try {
		unlinkSync(tmp);
	} catch {
		// renamed: nothing left behind
	}
	try {
		const dfd = openSync(dir, 'r');
		try {
			fsyncSync(dfd);
		} finally {
			closeSync(dfd);
		}
	} catch {
		// some platforms cannot fsync a directory
	}
}

function reason(err: unknown): string {
	const e = err as NodeJS.ErrnoException;
	if (e?.code === 'ENOENT') return 'no such directory';
	if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
	if (e?.code === 'EISDIR') return 'is a directory';
	return e?.code ?? (err instanceof Error ? err.message : String(err));
}
