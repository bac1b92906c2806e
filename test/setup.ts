/**
 * Runs before every test file. Property tests (fast-check) replay the same cases on every run, so
 * a failure in CI is one anybody can replay; FC_SEED=<n> picks other cases, TSZFS_SOAK=1 new
 * random ones each run.
 */
import fc from 'fast-check';

if (process.env.TSZFS_SOAK !== '1') fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261207) });
