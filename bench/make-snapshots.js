/**
 * Puts many snapshots on one filesystem in a single process, through the library (dist/lib), so
 * that the bench can measure `list -t all` with 10,000 snapshots without 10,000 process start-ups.
 * One transaction group per snapshot, as `tszfs snapshot` does (the engine keys a filesystem's
 * snapshots by their txg), but one open pool for all of them.
 */
import { createSnapshot } from '../dist/engine/datasets/snapshot.js';
import { Home } from '../dist/lib/home.js';
import { PoolHandle } from '../dist/lib/pool-handle.js';

/** Snapshots `${fsName}@${prefix}${first}` .. `${prefix}${first + count - 1}`. */
export function makeSnapshots(homeDir, fsName, count, { prefix = 's', first = 0 } = {}) {
  const handle = PoolHandle.open(new Home(homeDir), fsName.split('/')[0]);
  if (!handle) throw new Error(`no pool for ${fsName}`);
  try {
    for (let i = 0; i < count; i++) {
      handle.change(null, (c) => {
        const dir = handle.findDir(c.dsl, fsName);
        if (dir === undefined) throw new Error(`no filesystem ${fsName}`);
        createSnapshot(c.dsl, c.dsl.dir(dir).head, `${prefix}${first + i}`, {});
      });
    }
  } finally {
    handle.close();
  }
}
