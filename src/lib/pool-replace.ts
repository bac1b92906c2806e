/**
 * `zpool replace POOL DEVICE [NEW-DEVICE]` of a pool of several devices: the new device takes
 * the old one's place in the tree (a label of its own), then a resilver writes what it should
 * hold: for a mirror or raidz child, every block of its top-level vdev is read and the new
 * device's copy or columns rebuilt from the others (vdevs/root.ts), for a plain file top-level
 * vdev its blocks are copied from the old device. Only allocated blocks are read and written, so
 * a resilver costs what is stored, not the device size. It runs to completion before the command
 * returns; `zpool status` then shows `resilvered ... with N errors`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newGuid } from '../engine/pool/pool.js';
import { finishScrub } from '../engine/pool/health.js';
import { nowSeconds } from '../engine/pool/clock.js';
import { LEAF_LABEL_BYTES, topIndexOf, type LeafConfig, type TopConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import { scrub } from '../engine/scrub.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';
import { newLeafDevice } from './vdev-spec.js';
import { resilverTop } from './pool-offline.js';
import { metadataPathOf } from './pool-handle.js';
import { wipeLeafLabel } from './pool-labelclear.js';

export function replaceDevice(home: Home, pool: string, oldArg: string, newArg: string | undefined, force: boolean, history: string): void {
  const action = `cannot replace ${oldArg} with ${newArg ?? oldArg}`;
  const matches = (p: string) => p === path.resolve(oldArg) || path.basename(p) === oldArg;
  const found = withPool(home, pool, (h) => {
    const tree = h.pool.meta().vdevs;
    if (!tree) {
      if (matches(path.resolve(h.image))) throw ZfsError.action(action, 'operation not supported on this type of pool');
      throw ZfsError.action(action, 'no such device in pool');
    }
    const inTree = (l: LeafConfig) => matches(l.path) || (l.replaced !== undefined && matches(l.replaced.path));
    const t = tree.tops.findIndex((top) => top.children.some(inTree));
    if (t < 0 && tree.spares.some((l) => matches(l.path))) throw ZfsError.action(action, 'device is reserved as a hot spare');
    if (tree.cache.some((l) => matches(l.path))) throw ZfsError.action(action, 'device is in use as a cache');
    if (t < 0) throw ZfsError.action(action, 'no such device in pool');
    const c = tree.tops[t].children.findIndex(inTree);
    return { tree, t, c };
  });
  const { tree, t, c } = found;
  const old = tree.tops[t].children[c];
  const spare = newArg === undefined ? undefined : tree.spares.find((l) => l.path === path.resolve(newArg));
  if (old.replaced) {
    // A spare in use is replaced only by another spare; its device, by nothing until a detach.
    if (matches(old.path) && !spare) throw ZfsError.action(action, 'can only be replaced by another hot spare');
    throw ZfsError.action(action, "already in replacing/spare config; wait for completion or use 'zpool detach'");
  }
  if (spare) return replaceWithSpare(home, pool, action, newArg!, tree, t, c, spare, history);
  const newPath = newArg ?? old.path;
  const stat = newLeafDevice(home, newPath, force);
  const top = tree.tops[t];
  if (tooSmall(tree, top, stat.size)) throw ZfsError.action(action, 'device is too small');

  withPool(home, pool, (h) => {
    const leaf = { path: path.resolve(newPath), guid: newGuid(`vdev:${pool}:replace:${old.guid}:${h.pool.meta().txg}`), size: stat.size };
    const next: VdevTree = structuredClone(tree);
    next.tops[t].children[c] = leaf;
    h.change(history, (ch) => {
      ch.tx.meta.vdevs = next;
    });
    h.pool.writeLabels();
  });
  // Open again over the new device, and resilver the blocks of its top-level vdev.
  const guid = withPool(home, pool, (h) => h.pool.meta().vdevs!.tops[t].children[c].guid);
  if (top.type !== 'file') resilverTop(home, pool, t, guid);
  else copyTop(home, pool, t, old.path);
  const newPath2 = path.resolve(newPath);
  if (newPath2 === old.path) return;
  // The old device leaves the pool with its label cleared (vdev_detach), so it is free to use.
  wipeLeafLabel(old.path);
  followDevice(home, pool, old.path, newPath2);
}

/** A device of `size` bytes cannot take the place of a child of `top` (its share of the vdev's
 *  space, a raidz child's one sector more, and the label). */
function tooSmall(tree: VdevTree, top: TopConfig, size: number): boolean {
  const perChild = top.type === 'raidz' ? top.space / top.children.length + 2 ** tree.ashift : top.space;
  return size < LEAF_LABEL_BYTES + perChild;
}

/**
 * `zpool replace POOL DEVICE SPARE` (spa_vdev_attach with a hot spare): the spare stands in for
 * the device (a `spare-N` vdev of the two, the spare INUSE) and is resilvered; the device stays
 * in the tree until one of them is detached (lib/pool-attach.ts).
 */
function replaceWithSpare(home: Home, pool: string, action: string, arg: string, tree: VdevTree, t: number, c: number, spare: LeafConfig, history: string): void {
  const top = tree.tops[t];
  const old = top.children[c];
  if (tree.tops.some((tp) => tp.children.some((ch) => ch.replaced && ch.guid === spare.guid))) throw ZfsError.action(action, `${arg} is busy`);
  if (top.class === 'log') throw ZfsError.action(action, 'cannot replace a log with a spare');
  if (tooSmall(tree, top, spare.size)) throw ZfsError.action(action, 'device is too small');
  withPool(home, pool, (h) => {
    const next: VdevTree = structuredClone(tree);
    next.tops[t].children[c] = { path: spare.path, guid: spare.guid, size: spare.size, replaced: old, since: h.pool.meta().txg };
    h.change(history, (ch) => {
      ch.tx.meta.vdevs = next;
    });
    h.pool.writeLabels();
  });
  if (top.type !== 'file') resilverTop(home, pool, t, spare.guid);
  else copyTop(home, pool, t, old.path);
}

/** The metadata lies beside the pool's registered device: when `from` leaves the pool, it goes
 *  beside `to`, which the registry names from then on. */
export function followDevice(home: Home, pool: string, from: string, to: string): void {
  const entry = home.find(pool);
  if (!entry || path.resolve(entry.image) !== from) return;
  for (const suffix of ['', '-lock']) {
    const file = metadataPathOf(from) + suffix;
    if (fs.existsSync(file)) fs.renameSync(file, metadataPathOf(to) + suffix);
  }
  home.move(pool, to);
}

/** A plain file top-level vdev has no other copy: its blocks come from the old device. */
export function copyTop(home: Home, pool: string, t: number, from: string, minBirth = 0): void {
  withPool(home, pool, (h) => {
    const start = nowSeconds();
    const root = h.pool.image.tree!;
    let damaged = 0;
    h.pool.readingData(() =>
      scrub(h.pool, minBirth, (bp) => {
        // through removed vdevs' mappings: the pieces of the block that live on `t`
        for (const p of root.locate(bp.offset, bp.asize)) if (topIndexOf(p.position) === t && !root.copyFrom(from, p.position, p.length)) damaged++;
        return false;
      }),
    );
    const end = nowSeconds();
    h.change(null, (ch) => {
      finishScrub(ch.tx.t, { func: 'resilver', state: 'finished', start, end, examined: root.repaired, errors: damaged, repaired: root.repaired }, []);
    });
  });
}
