/**
 * `zpool remove POOL DEVICE` (libzfs zpool_vdev_remove, spa.c spa_vdev_remove,
 * vdev_removal.c spa_vdev_remove_top_check): a hot spare or a cache device leaves the tree; a
 * leaf inside a mirror or raidz is refused (ENOTSUP); a pool with a raidz top-level vdev refuses
 * top-level removal (EINVAL). Moving a top-level vdev's data off (device evacuation) is not done
 * yet and is refused.
 */
import * as path from 'node:path';
import type { LeafConfig, VdevTree } from '../engine/pool/vdevs/config.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';

const matches = (device: string) => (l: LeafConfig) =>
  l.path === path.resolve(device) || path.basename(l.path) === device || BigInt(l.guid).toString(16) === device.toLowerCase();

type Target = { kind: 'spare' | 'cache'; index: number } | { kind: 'leaf' } | { kind: 'top'; t: number };

/** zpool_find_vdev: a leaf path or name, a guid, or a top-level name such as mirror-1. */
function find(tree: VdevTree, device: string): Target | null {
  const spare = tree.spares.findIndex(matches(device));
  if (spare >= 0) return { kind: 'spare', index: spare };
  const cache = tree.cache.findIndex(matches(device));
  if (cache >= 0) return { kind: 'cache', index: cache };
  for (const [t, top] of tree.tops.entries()) {
    const name = top.type === 'file' ? null : `${top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror'}-${t}`;
    if (name === device || BigInt(top.guid).toString(16) === device.toLowerCase()) return { kind: 'top', t };
    if (top.children.some(matches(device))) return top.type === 'file' ? { kind: 'top', t } : { kind: 'leaf' };
  }
  return null;
}

/** What `-n` prints: the memory the indirect mapping would take (none for a spare or cache). */
export function removalSize(home: Home, pool: string, device: string): number {
  return withPool(home, pool, (h) => {
    const tree = h.pool.meta().vdevs;
    const target = tree ? find(tree, device) : null;
    if (!tree || !target) throw ZfsError.action(`cannot remove ${device}`, 'no such device in pool');
    return 0;
  });
}

export function removeDevice(home: Home, pool: string, device: string, history: string | null): void {
  const action = `cannot remove ${device}`;
  withPool(home, pool, (h) => {
    h.change(history, (c) => {
      const tree = c.tx.meta.vdevs;
      const target = tree ? find(tree, device) : null;
      if (!tree || !target) throw ZfsError.action(action, 'no such device in pool');
      if (target.kind === 'leaf') throw ZfsError.action(action, 'operation not supported on this type of pool');
      // spa_vdev_remove: a spare in use (standing in for a device) is EBUSY.
      const inUse = target.kind === 'spare' && tree.tops.some((t) => t.children.some((ch) => ch.guid === tree.spares[target.index].guid));
      if (inUse) throw ZfsError.action(action, 'Pool busy; removal may already be in progress');
      if (target.kind === 'spare' || target.kind === 'cache') {
        const next: VdevTree = structuredClone(tree);
        (target.kind === 'spare' ? next.spares : next.cache).splice(target.index, 1);
        c.tx.meta.vdevs = next;
        return;
      }
      // spa_vdev_remove_top_check: no raidz top-level vdev anywhere in the pool (logs aside)
      if (tree.tops.some((t) => t.class !== 'log' && t.type === 'raidz')) {
        throw ZfsError.action(action, 'invalid config; all top-level vdevs must have the same sector size and not be raidz.');
      }
      throw ZfsError.action(action, 'removing a top-level vdev (moving its data off) is not supported yet');
    });
  });
}
