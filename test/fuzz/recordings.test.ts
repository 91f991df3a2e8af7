// Fuzzing the recording loader: good recordings of every built-in, mutated as bytes and as JSON.
import {describe} from 'vitest';
import {recordingFuzz, SCALE} from '../helpers/fuzz/suite.js';

describe('fuzz: mutated recordings through the loader', () => recordingFuzz(20_000 * SCALE));
