/**
 * `zpool offline [-t] POOL DEVICE...` and `zpool online POOL DEVICE...` for a pool of several
 * devices. An offline device is neither read nor written (its top-level vdev runs DEGRADED); it
 * may be taken offline only while its vdev keeps enough replicas. Brought back online, what it
 * missed meanwhile is resilvered before the command returns (as replace does, lib/pool-replace.ts).
 * `-t` holds until the pool is imported again.
 */
import * as path from 'node:path';
import { finishScrub } from '../engine/pool/health.js';
import { nowSeconds } from '../engine/pool/clock.js';
import { topIndexOf, type VdevTree } from '../engine/pool/vdevs/config.js';
import { scrub } from '../engine/scrub.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';
import { namesDevice } from './vdev-tree.js';

/** Where `device` (a path, a file name, or a guid as strtoull(3) reads it) is in the tree. */
function locate(tree: VdevTree, device: string): { t: number; c: number } | 'spare' | null {
  const matches = namesDevice(device);
  // zpool_find_vdev: the tree first, so a spare in use is a device like the others.
  for (const [t, top] of tree.tops.entries()) {
    const c = top.children.findIndex(matches);
    if (c >= 0) return { t, c };
  }
  return tree.spares.some(matches) ? 'spare' : null;
}

export function offlineDevices(home: Home, pool: string, devices: string[], temporary: boolean, history: string): void {
  for (const device of devices) {
    const action = `cannot offline ${device}`;
    withPool(home, pool, (h) => {
      const tree = h.pool.meta().vdevs;
      const where = tree ? locate(tree, device) : null;
      if (!tree || where === null) throw ZfsError.action(action, 'no such device in pool');
      if (where === 'spare') throw ZfsError.action(action, 'device is reserved as a hot spare');
      const top = tree.tops[where.t];
      const leaf = top.children[where.c];
      if (!leaf.offline) {
        // vdev_offline: refused when the vdev would be left without a full copy of its data.
        const down = top.children.filter((ch) => ch.offline || h.pool.image.tree?.leafState(ch.guid) !== 'ONLINE').length;
        const tolerated = top.type === 'mirror' ? top.children.length - 1 : top.nparity;
        if (down + 1 > tolerated) throw ZfsError.action(action, 'no valid replicas');
      }
      const next: VdevTree = structuredClone(tree);
      next.tops[where.t].children[where.c].offline = temporary ? 'temporary' : 'persistent';
      h.change(history, (c) => {
        c.tx.meta.vdevs = next;
      });
    });
  }
}

export function onlineDevices(home: Home, pool: string, devices: string[], history: string): void {
  for (const device of devices) {
    const action = `cannot online ${device}`;
    const where = withPool(home, pool, (h) => {
      const tree = h.pool.meta().vdevs;
      const found = tree ? locate(tree, device) : null;
      if (!tree || found === null) throw ZfsError.action(action, 'no such device in pool');
      if (found === 'spare') throw ZfsError.action(action, 'device is reserved as a hot spare');
      const leaf = tree.tops[found.t].children[found.c];
      if (!leaf.offline) return null;
      const next: VdevTree = structuredClone(tree);
      delete next.tops[found.t].children[found.c].offline;
      h.change(history, (c) => {
        c.tx.meta.vdevs = next;
      });
      return { ...found, guid: leaf.guid };
    });
    if (where) resilverTop(home, pool, where.t, where.guid);
  }
}

/** Rebuild what device `guid` of top-level vdev `t` lacks from the others (only allocated blocks,
 *  born after `minBirth`), recorded as a resilver. */
export function resilverTop(home: Home, pool: string, t: number, guid: string, minBirth = 0): void {
  withPool(home, pool, (h) => {
    const start = nowSeconds();
    const root = h.pool.image.tree!;
    root.resilvering.add(guid);
    const result = h.pool.readingData(() => scrub(h.pool, minBirth, (bp) => root.locate(bp.offset, bp.asize).some((p) => topIndexOf(p.position) === t)));
    const end = nowSeconds();
    h.change(null, (ch) => {
      finishScrub(ch.tx.t, { func: 'resilver', state: 'finished', start, end, examined: result.examined, errors: result.damaged, repaired: root.repaired }, result.found);
    });
  });
}
