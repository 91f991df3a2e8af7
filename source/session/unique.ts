// Files under names nobody else holds: two TUIs quitting in the same second
// in one folder both keep their session. The name is taken by the atomic
// no-clobber write itself (link(2) refuses an existing name), never checked
// first and written later. When a folder cannot be written (permissions, a
// read-only mount, a full disk) the next one is tried: the auto-save falls
// back to the XDG state directory.

import {mkdirSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {OverwriteError, reason, WriteError, writeFileAtomic} from './atomic.js';

/** `$XDG_STATE_HOME/racewalk`, else `~/.local/state/racewalk` (the XDG Base Directory default); null without a home. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string | null {
	const xdg = env.XDG_STATE_HOME;
	// the spec: a relative path in an XDG variable is invalid and must be ignored
	if (xdg && xdg.startsWith('/')) return join(xdg, 'racewalk');
	const home = env.HOME || safeHome();
	return home ? join(home, '.local', 'state', 'racewalk') : null;
}

function safeHome(): string {
	try {
		return homedir();
	} catch {
		return '';
	}
}

const MAX_TRIES = 1000;

/**
 * Write `text` to `base` + ext, or `base-2` + ext, `base-3`... in the first of
 * `dirs` that can be written (created if need be). Returns the path written.
 * Throws WriteError naming every folder tried and why it failed.
 */
export function writeUnique(dirs: readonly string[], base: string, ext: string, text: string): string {
	const failures: string[] = [];
	for (const dir of dirs) {
		try {
			mkdirSync(dir, {recursive: true});
		} catch (err) {
			failures.push(`${dir}: ${reason(err)}`);
			continue;
		}
		let failed: string | null = null;
		for (let i = 1; i <= MAX_TRIES && failed === null; i++) {
			const path = join(dir, i === 1 ? base + ext : `${base}-${i}${ext}`);
			try {
				writeFileAtomic(path, text);
				return path;
			} catch (err) {
				if (err instanceof OverwriteError) continue;
				failed = err instanceof WriteError ? (err.reason ?? err.message) : String(err);
			}
		}
		failures.push(`${dir}: ${failed ?? `${MAX_TRIES} files named ${base}* already`}`);
	}
	throw new WriteError(`cannot write ${base}${ext} (${failures.join('; ') || 'nowhere to write'})`);
}
