/**
 * `zpool resilver POOL` (spa_scan with POOL_SCAN_RESILVER) and `zpool wait POOL`. A device here
 * is resilvered before the command that brings it back (online, attach, replace) returns, so no
 * device ever needs one later (vdev_resilver_needed is false) and no activity is ever in progress.
 */
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { isFeatureEnabled } from './pool-features.js';
import { withPool } from './session.js';

/** spa_scan: ENOTSUP without resilver_defer; nothing to do when no device missed writes. */
export function restartResilver(home: Home, name: string): void {
  withPool(home, name, (h) => {
    if (!isFeatureEnabled(h.pool.meta(), 'resilver_defer')) {
      throw ZfsError.action(`cannot restart resilver on ${name}`, 'operation not supported on this type of pool');
    }
  });
}

/** The activities `zpool wait -t` names (zpool_wait_activity_t). */
export const WAIT_ACTIVITIES = ['discard', 'free', 'initialize', 'replace', 'remove', 'resilver', 'scrub', 'trim', 'raidz_expand'];

/** lzc_wait: returns at once, nothing being in progress; the pool must open. */
export function waitPool(home: Home, name: string): void {
  withPool(home, name, () => undefined);
}
