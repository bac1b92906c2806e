/**
 * Kill -9 in the middle of commands that change only metadata (crash-scenarios.ts says how each
 * trial runs and what it asserts); crash-writes.test.ts has the commands that write block data.
 */
import { crashTests } from './crash-scenarios.js';

crashTests('crash safety: metadata commands', (scenario) => !scenario.writesData);
