/**
 * `zpool split` (ZFS spa_vdev_split_mirror): the new pool starts as a copy of the old pool's
 * metadata at the instant of the split (its MOS, in ZFS), made inside the old pool's transaction
 * so that no change slips between the copy and the devices leaving. What is the old pool's own
 * alone stays behind: live readers, device counters, the last scan and injected faults.
 */
import * as fs from 'node:fs';
import { Store, type Tables } from '../store/environment.js';
import type { Pool } from './pool.js';

const NOT_COPIED: ReadonlyArray<keyof Tables> = ['readers', 'health'];

/** Copy every table of `pool` (read inside the open transaction) into a new environment at
 *  `path`, committed durably. A file already at `path` (a split killed before) is replaced. */
export function copyMetadata(pool: Pool, path: string): void {
  for (const stale of [path, `${path}-lock`]) fs.rmSync(stale, { force: true });
  const to = Store.open(path);
  try {
    to.write(() => {
      for (const name of Object.keys(pool.t) as Array<keyof Tables>) {
        if (NOT_COPIED.includes(name)) continue;
        const into = to.t[name] as unknown as { putSync(k: unknown, v: unknown): void };
        for (const { key, value } of (pool.t[name] as unknown as { getRange(o: object): Iterable<{ key: unknown; value: unknown }> }).getRange({})) {
          into.putSync(key, value);
        }
      }
    });
    to.requireValueChecksums();
  } finally {
    to.close();
  }
}
