// Atomic, no-clobber file writes: the text goes to a temporary file in the
// same directory, is fsynced, then takes the final name in one step. Without
// `force` an existing file is never replaced (link(2) fails with EEXIST, so
// even a file that appears meanwhile is safe).

import {accessSync, closeSync, constants, existsSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {randomBytes} from 'node:crypto';

/** Refused: the file exists and `force` was not given. The file is untouched. */
export class OverwriteError extends Error {
	constructor(readonly path: string) {
		super(`${path}: already exists; not overwriting it (use --force to replace it)`);
	}
}

/** Writing failed (no such directory, permissions...): one line; `reason` alone, for messages that name the file first. */
export class WriteError extends Error {
	constructor(
		message: string,
		readonly reason?: string,
	) {
		super(message);
	}
}

const cannotWrite = (path: string, why: string): WriteError => new WriteError(`cannot write ${path}: ${why}`, why);

/**
 * The refusals of `writeFileAtomic` that can be known before the text is
 * (a directory, an existing file without `force`, a folder that is missing or
 * not writable): a command checks them before a long search, whose result
 * would otherwise be lost to a typo in the file name.
 */
export function checkWritable(path: string, opts: {force?: boolean} = {}): void {
	const full = resolve(path);
	if (existing(path, full) && !opts.force) throw new OverwriteError(path);
	try {
		accessSync(dirname(full), constants.W_OK);
	} catch (err) {
		throw cannotWrite(path, reason(err));
	}
}

/** What is at `full` now (undefined: nothing); a directory is never written over, with or without force. */
function existing(path: string, full: string): Stats | undefined {
	let st: Stats;
	try {
		st = statSync(full);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw cannotWrite(path, reason(err));
	}
	if (st.isDirectory()) throw cannotWrite(path, 'is a directory');
	return st;
}

/** Whether two paths name one file (the same inode: by any path or hard link); false when either does not exist. */
export function sameFile(a: string, b: string): boolean {
	try {
		const x = statSync(a);
		const y = statSync(b);
		return x.isFile() && x.dev === y.dev && x.ino === y.ino;
	} catch {
		return false;
	}
}

export function writeFileAtomic(path: string, text: string, opts: {force?: boolean} = {}): void {
	const full = resolve(path);
	const dir = dirname(full);
	if (existing(path, full) && !opts.force) throw new OverwriteError(path);
	// the temporary name stays within NAME_MAX (255 bytes) when the final one is near it
	const tmp = join(dir, `.${Buffer.from(basename(full)).subarray(0, 200).toString('utf8').replace(/\uFFFD+$/, '')}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	let fd: number;
	try {
		fd = openSync(tmp, 'wx', 0o644);
	} catch (err) {
		throw cannotWrite(path, reason(err));
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
		throw cannotWrite(path, reason(err));
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

const REASONS: Record<string, string> = {
	ENOENT: 'no such directory',
	EACCES: 'permission denied',
	EPERM: 'permission denied',
	EISDIR: 'is a directory',
	ENOTDIR: 'a part of the path is not a directory',
	EROFS: 'read-only file system',
	ENOSPC: 'no space left on the device',
	EDQUOT: 'disk quota exceeded',
	ENAMETOOLONG: 'file name too long',
	ELOOP: 'too many levels of symbolic links',
	EIO: 'input/output error',
	// only mkdir meets it (a file is written by the no-clobber link): a file where the folder should be
	EEXIST: 'a file of that name is in the way',
};

/** The reason a write failed, in words (not ENOTDIR). */
export function reason(err: unknown): string {
	const code = (err as NodeJS.ErrnoException)?.code;
	return (code && REASONS[code]) ?? code ?? (err instanceof Error ? err.message : String(err));
}
