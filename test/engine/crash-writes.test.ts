/**
 * Kill -9 in the middle of commands that write block data (crash-scenarios.ts says how each
 * trial runs and what it asserts); crash.test.ts has the commands that change only metadata.
 */
import { crashTests } from './crash-scenarios.js';

crashTests('crash safety: commands that write data', (scenario) => Boolean(scenario.writesData));
