// The subcommands, in the order `racewalk --help` lists them.

import type {Command} from './common.js';
import {listCommand} from './list.js';
import {runCommand} from './run.js';

export const COMMANDS: Command[] = [listCommand, runCommand];
