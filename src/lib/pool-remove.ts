/**
 * `zpool remove POOL DEVICE` (libzfs zpool_vdev_remove, spa.c spa_vdev_remove, vdev_removal.c
 * spa_vdev_remove_top_check): a hot spare or a cache device leaves the tree; a log device leaves
 * it too (its place kept as a hole); a plain file or mirror top-level vdev of the normal, special
 * or dedup class has its data copied to the rest of the normal class and stays as an indirect
 * vdev with a mapping (engine/pool/vdevs/indirect.ts), all in one transaction group, so the
 * command returns when the removal is complete. A leaf inside a mirror or raidz is refused
 * (ENOTSUP); so is a top-level vdev of a pool with a raidz top-level vdev, or the last one of the
 * normal class (EINVAL).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../engine/errno.js';
import { firstLeafPath, type LeafConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import { isConcrete, MAPPING_ENTRY_BYTES, removalEstimate } from '../engine/pool/vdevs/indirect.js';
import { evacuateTop, removeLogTop } from '../engine/pool/removal.js';
import { ZfsError } from './errors.js';
import { isFeatureEnabled } from './pool-features.js';
import type { Home } from './home.js';
import { withPool } from './session.js';
import { followDevice } from './pool-replace.js';
import { wipeLeafLabel } from './pool-labelclear.js';
import { guidOf, namesDevice } from './vdev-tree.js';

/** zpool_find_vdev takes a guid as strtoull(3) reads it: decimal, hex after 0x, octal after 0. */
const isGuid = (guid: string, device: string) => guidOf(device) === BigInt(guid);

type Target = { kind: 'spare' | 'cache'; index: number } | { kind: 'leaf' } | { kind: 'top'; t: number };

/** zpool_find_vdev: a leaf path or name, a guid, or a top-level name such as mirror-1. */
function find(tree: VdevTree, device: string): Target | null {
  const named = namesDevice(device);
  const spare = tree.spares.findIndex(named);
  if (spare >= 0) return { kind: 'spare', index: spare };
  const cache = tree.cache.findIndex(named);
  if (cache >= 0) return { kind: 'cache', index: cache };
  for (const [t, top] of tree.tops.entries()) {
    if (!isConcrete(top)) continue;
    const name = top.type === 'file' ? null : `${top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror'}-${t}`;
    if (name === device || isGuid(top.guid, device)) return { kind: 'top', t };
    if (top.children.some(named)) return top.type === 'file' ? { kind: 'top', t } : { kind: 'leaf' };
  }
  return null;
}

const isImage = (image: string, device: string) => path.resolve(image) === path.resolve(device) || path.basename(image) === device;

/** What `-n` prints (zpool_vdev_indirect_size): the memory the mapping of a top-level vdev
 *  would take, an entry per segment it would copy; none for a spare, cache or log device. */
export function removalSize(home: Home, pool: string, device: string): number {
  return withPool(home, pool, (h) => {
    const tree = h.pool.meta().vdevs;
    // A pool of one image: its one vdev would need no mapping, as it cannot go.
    if (!tree && isImage(h.image, device)) return 0;
    const target = tree ? find(tree, device) : null;
    if (!tree || !target) throw ZfsError.action(`cannot determine indirect size of ${device}`, 'no such device in pool');
    if (target.kind !== 'top' || tree.tops[target.t].class === 'log') return 0;
    return removalEstimate(h.pool.t, target.t, tree.tops[target.t]).entries * MAPPING_ENTRY_BYTES;
  });
}

const EINVAL_TEXT = 'invalid config; all top-level vdevs must have the same sector size and not be raidz.';

export function removeDevice(home: Home, pool: string, device: string, history: string | null): void {
  const action = `cannot remove ${device}`;
  const gone = withPool(home, pool, (h) => {
    const root = h.pool.image.tree;
    const removed = h.change(history, (c): LeafConfig[] => {
      const tree = c.tx.meta.vdevs;
      // A pool of one image: that is its last top-level vdev (vdev_passivate's EINVAL).
      if (!tree && isImage(h.image, device)) throw ZfsError.action(action, EINVAL_TEXT);
      const target = tree ? find(tree, device) : null;
      if (!tree || !target) throw ZfsError.action(action, 'no such device in pool');
      if (target.kind === 'leaf') throw ZfsError.action(action, 'operation not supported on this type of pool');
      // spa_vdev_remove: a spare in use (standing in for a device) is EBUSY.
      const inUse = target.kind === 'spare' && tree.tops.some((t) => t.children.some((ch) => ch.guid === tree.spares[target.index].guid));
      if (inUse) throw ZfsError.action(action, 'Pool busy; removal may already be in progress');
      if (target.kind !== 'top') {
        const next: VdevTree = structuredClone(tree);
        (target.kind === 'spare' ? next.spares : next.cache).splice(target.index, 1);
        c.tx.meta.vdevs = next;
        return [];
      }
      const index = target.t;
      const top = tree.tops[index];
      if (top.class === 'log') {
        removeLogTop(c.tx, index);
        return top.children;
      }
      // spa_vdev_remove_top_check: the feature enabled (a pool made with -d, or of an old version)
      if (!isFeatureEnabled(c.tx.meta, 'device_removal')) throw ZfsError.action(action, 'operation not supported on this type of pool');
      // no raidz top-level vdev anywhere in the pool (logs aside);
      // one ashift for the whole pool here, so the sector size always agrees.
      if (tree.tops.some((t) => t.class !== 'log' && t.type === 'raidz')) throw ZfsError.action(action, EINVAL_TEXT);
      // vdev_passivate: the last allocating vdev of the normal class cannot go.
      const others = tree.tops.filter((t, i) => i !== index && t.class === undefined && isConcrete(t));
      if (top.class === undefined && others.length === 0) throw ZfsError.action(action, EINVAL_TEXT);
      // The device must have all its data (no child missing or offline), and be readable.
      const down = top.children.filter((ch) => root?.leafState(ch.guid) !== 'ONLINE').length;
      if (down === top.children.length) throw ZfsError.action(action, 'I/O error');
      if (down > 0) throw ZfsError.action(action, 'Pool busy; removal may already be in progress');
      try {
        evacuateTop(c.tx, index);
      } catch (err) {
        if (err instanceof EngineError && err.errno === 'ENOSPC') throw ZfsError.action(action, 'out of space');
        if (err instanceof EngineError && err.errno === 'EIO') throw ZfsError.action(action, 'I/O error');
        throw err;
      }
      return top.children;
    });
    if (removed.length === 0) return null;
    h.pool.writeLabels();
    return { removed, first: firstLeafPath(h.pool.meta().vdevs!) };
  });
  if (!gone) return;
  // The metadata lies beside the registered device: it follows the pool when that one left.
  for (const leaf of gone.removed) followDevice(home, pool, leaf.path, gone.first);
  // The removed devices are free to use again (vdev_remove_complete wipes their labels).
  for (const leaf of gone.removed) wipeLeafLabel(leaf.path);
}

