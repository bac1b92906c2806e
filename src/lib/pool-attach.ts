/**
 * `zpool attach [-f] POOL DEVICE NEW-DEVICE` and `zpool detach POOL DEVICE` for a pool of several
 * devices: attaching to a plain file top-level vdev makes it a mirror, attaching to a mirror adds
 * a side; the new device is resilvered before the command returns (lib/pool-offline.ts). A side
 * of a mirror detaches while another full copy remains; a mirror left with one side is a plain
 * file vdev again. raidz expansion is not done here.
 */
import * as path from 'node:path';
import { newGuid } from '../engine/pool/pool.js';
import { LEAF_LABEL_BYTES, type TopConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';
import { newLeafDevice } from './vdev-spec.js';
import { resilverTop } from './pool-offline.js';
import { copyTop, followDevice } from './pool-replace.js';
import type { PoolHandle } from './pool-handle.js';
import { moveTopVdevProps } from './pool-vdevs.js';
import { wipeLeafLabel } from './pool-labelclear.js';

const matcher = (device: string) => (l: { path: string }) => l.path === path.resolve(device) || path.basename(l.path) === device;

export function attachDevice(home: Home, pool: string, device: string, newDevice: string, force: boolean, history: string): void {
  const action = `cannot attach ${newDevice} to ${device}`;
  const done = withPool(home, pool, (h) => {
    const meta = h.pool.meta();
    const tree = meta.vdevs;
    if (!tree) throw ZfsError.action(action, 'operation not supported on this type of pool');
    const t = tree.tops.findIndex((top) => top.children.some(matcher(device)));
    if (t < 0) throw ZfsError.action(action, 'no such device in pool');
    const top = tree.tops[t];
    if (top.type === 'raidz') throw ZfsError.action(action, 'can only attach to mirrors and top-level disks');
    const stat = newLeafDevice(home, newDevice, force);
    if (stat.size < LEAF_LABEL_BYTES + top.space) throw ZfsError.action(action, 'device is too small');
    const leaf = { path: path.resolve(newDevice), guid: newGuid(`vdev:${pool}:attach:${t}:${meta.txg}`), size: stat.size };
    const next: VdevTree = structuredClone(tree);
    const nt = next.tops[t];
    if (nt.type === 'file') {
      nt.type = 'mirror';
      nt.guid = newGuid(`vdev:${pool}:mirror:${t}:${meta.txg}`);
    }
    nt.children.push(leaf);
    h.change(history, (c) => {
      c.tx.meta.vdevs = next;
      moveTopVdevProps(c.tx.meta, top.guid, nt.guid);
    });
    h.pool.writeLabels();
    return { t, guid: leaf.guid };
  });
  resilverTop(home, pool, done.t, done.guid);
}

export function detachDevice(home: Home, pool: string, device: string, history: string): void {
  const action = `cannot detach ${device}`;
  const gone = withPool(home, pool, (h) => {
    const tree = h.pool.meta().vdevs;
    if (!tree) throw ZfsError.action(action, 'no such device in pool');
    const spared = detachSpared(h, action, tree, device, history);
    if (spared) return spared;
    const t = tree.tops.findIndex((top) => top.children.some(matcher(device)));
    if (t < 0) throw ZfsError.action(action, 'no such device in pool');
    const top = tree.tops[t];
    if (top.type !== 'mirror') throw ZfsError.action(action, 'only applicable to mirror and replacing vdevs');
    const c = top.children.findIndex(matcher(device));
    const root = h.pool.image.tree;
    const othersUp = top.children.filter((ch, i) => i !== c && !ch.offline && root?.leafState(ch.guid) === 'ONLINE').length;
    if (othersUp === 0) throw ZfsError.action(action, 'no valid replicas');
    const next: VdevTree = structuredClone(tree);
    const nt = next.tops[t];
    const [removed] = nt.children.splice(c, 1);
    if (nt.children.length === 1) {
      // A mirror of one is a plain file vdev again, named by its device's guid.
      nt.type = 'file';
      nt.guid = nt.children[0].guid;
    }
    h.change(history, (ch) => {
      ch.tx.meta.vdevs = next;
      moveTopVdevProps(ch.tx.meta, top.guid, nt.guid);
    });
    h.pool.writeLabels();
    return { path: removed.path, first: next.tops[0].children[0].path, resilver: undefined };
  });
  if (gone.resilver) {
    // The device the spare stood in for missed what was written meanwhile.
    const { t, guid, type, from, since } = gone.resilver;
    if (type !== 'file') resilverTop(home, pool, t, guid, since);
    else copyTop(home, pool, t, from, since);
    return;
  }
  followDevice(home, pool, gone.path, gone.first);
  // The detached device is free to use again (vdev_detach clears its label).
  wipeLeafLabel(gone.path);
}

interface Detached {
  path: string;
  first: string;
  /** the spare went: its device is resilvered (top index, guid, type, the spare's path) */
  resilver: { t: number; guid: string; type: TopConfig['type']; from: string; since: number } | undefined;
}

/**
 * spa_vdev_detach of a child of a spare-N: detaching the device the spare stands in for makes the
 * spare a permanent member (it leaves the spares list); detaching the spare puts it back in the
 * list (AVAIL) and the device in its place, which is then resilvered. Null when `device` is in no
 * spare-N.
 */
function detachSpared(h: PoolHandle, action: string, tree: VdevTree, device: string, history: string): Detached | null {
  const is = matcher(device);
  for (const [t, top] of tree.tops.entries()) {
    const c = top.children.findIndex((ch) => ch.replaced && (is(ch) || is(ch.replaced)));
    if (c < 0) continue;
    const slot = top.children[c];
    const original = slot.replaced!;
    const next: VdevTree = structuredClone(tree);
    let gone: string;
    let resilver: Detached['resilver'];
    if (is(original)) {
      // The spare has every block (it was resilvered when it went in use).
      const { replaced: _, since: _since, ...spare } = slot;
      next.tops[t].children[c] = spare;
      next.spares = next.spares.filter((s) => s.guid !== slot.guid);
      gone = original.path;
    } else {
      if (h.pool.image.tree?.leafState(original.guid) !== 'ONLINE' || original.offline) throw ZfsError.action(action, 'no valid replicas');
      next.tops[t].children[c] = original;
      gone = slot.path;
      // Only what was written while the spare stood in (the device has everything older).
      resilver = { t, guid: original.guid, type: top.type, from: slot.path, since: slot.since ?? 0 };
    }
    h.change(history, (ch) => {
      ch.tx.meta.vdevs = next;
    });
    h.pool.writeLabels();
    return { path: gone, first: next.tops[0].children[0].path, resilver };
  }
  return null;
}
