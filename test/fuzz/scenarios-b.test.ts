// Fuzzing, part 2 of 2 of the scenario texts.
import {describe} from 'vitest';
import {SCALE, scenarioFuzz} from '../helpers/fuzz/suite.js';

describe('fuzz: scenario texts through lexer, parser, compiler and steps', () => scenarioFuzz(50_000 * SCALE, 1));
