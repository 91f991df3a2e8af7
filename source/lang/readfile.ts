// Reading a file a user named, with a hard size bound: `stat` sizes lie
// (/dev/zero says 0 and never ends, /proc files say 0 and have text), a FIFO
// blocks an open() for ever, sockets and devices are not files. Only regular
// files are read, never more than `maxBytes` + 1 bytes, and every failure is a
// one-line FileError naming the reason.

import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs';

export class FileError extends Error {}

function kind(st: Stats): string {
	if (st.isDirectory()) return 'a directory';
	if (st.isFIFO()) return 'a FIFO (named pipe)';
	if (st.isSocket()) return 'a socket';
	if (st.isCharacterDevice()) return 'a character device';
	if (st.isBlockDevice()) return 'a block device';
	return 'not a regular file';
}

const REASONS: Record<string, string> = {
	ENOENT: 'no such file',
	EACCES: 'permission denied',
	EPERM: 'permission denied',
	EISDIR: 'is a directory',
	ENXIO: 'not a regular file (a socket or a device with nothing behind it)',
	ELOOP: 'too many levels of symbolic links',
	ENAMETOOLONG: 'file name too long',
	ENOTDIR: 'a part of the path is not a directory',
	EIO: 'input/output error while reading',
};

export const fileReason = (err: unknown): string => {
	const code = (err as NodeJS.ErrnoException)?.code;
	return (code && REASONS[code]) ?? (code ? `cannot read (${code})` : 'cannot read');
};

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them.
 * `what` names the thing expected ("a scenario", "a recording") in messages.
 */
export function readRegularFile(path: string, maxBytes: number, what: string): Buffer {
	let fd: number;
	try {
		// O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
		fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (err) {
		throw new FileError(fileReason(err));
	}
	try {
		let st: Stats;
		try {
			st = fstatSync(fd);
		} catch (err) {
			throw new FileError(fileReason(err));
		}
		if (st.isDirectory()) throw new FileError(`is a directory, not ${what}`);
		if (!st.isFile()) throw new FileError(`${kind(st)}, not ${what} file`);
		const limit = `file too large for ${what} (over ${formatBytes(maxBytes)})`;
		if (st.size > maxBytes) throw new FileError(`file too large for ${what} (${(st.size / 1048576).toFixed(1)} MiB; the limit is ${formatBytes(maxBytes)})`);
		// Read until the end, whatever stat said, but never past the bound.
		const chunks: Buffer[] = [];
		let total = 0;
		const chunk = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
		for (;;) {
			let n: number;
			try {
				n = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
			} catch (err) {
				throw new FileError(fileReason(err));
			}
			if (n === 0) break;
			chunks.push(Buffer.from(chunk.subarray(0, n)));
			total += n;
			if (total > maxBytes) throw new FileError(limit);
		}
		return Buffer.concat(chunks, total);
	} finally {
		closeSync(fd);
	}
}

const formatBytes = (n: number): string => (n % (1 << 20) === 0 ? `${n >> 20} MiB` : `${n} bytes`);
