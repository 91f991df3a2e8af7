// The subcommands, in the order `racewalk --help` lists them.

import type {Command} from './common.js';
import {listCommand} from './list.js';
import {runCommand} from './run.js';
import {replayCommand} from './replay.js';
import {exportCommand} from './export.js';
import {tuiCommand} from './tui.js';
import {exploreCommand} from './explore.js';
import {checkCommand} from './check.js';
import {mergeCommand} from './merge.js';

export const COMMANDS: Command[] = [listCommand, runCommand, replayCommand, exportCommand, tuiCommand, exploreCommand, mergeCommand, checkCommand];
