// Fuzzing, part 1 of 2 of the scenario texts (two files: vitest runs them on two cores).
import {describe} from 'vitest';
import {SCALE, scenarioFuzz} from '../helpers/fuzz/suite.js';

describe('fuzz: scenario texts through lexer, parser, compiler and steps', () => scenarioFuzz(50_000 * SCALE, 0));
