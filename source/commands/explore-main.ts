// `racewalk explore` as one script of its own: the entry of dist/chunks/explore.cjs
// (scripts/build.mjs), which the bundled CLI runs with V8's code cache of it
// (cli.tsx), so that a small explore does not spend a fifth of its time
// parsing and compiling the code it runs. The same command as the one the
// command table loads: this module only gives it the process's io.

import {processIo, usageErrors} from './common.js';
import {exploreCommand} from './explore.js';

export function run(argv: string[]): Promise<number> {
	const io = processIo();
	return usageErrors(io, () => exploreCommand.run(argv, io));
}
