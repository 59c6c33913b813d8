import { argvCommandPlugin } from './execute.js';

/** Runs a test command (one binary, literal arguments, no shell); fails the step on a non-zero exit. */
export default argvCommandPlugin(
  'test',
  'Runs a test command: one binary with literal arguments (no shell), e.g. `npm test`; fails on a non-zero exit.',
  // Running the tests again changes nothing but the answer.
  'idempotent',
);
