/**
 * `zpool split [-n] [-o prop=val]... [-R root] POOL NEWPOOL [DEVICE...]` (zpool_vdev.c
 * split_mirror_vdev, libzfs zpool_vdev_split, spa.c spa_vdev_split_mirror): every mirror of the
 * pool gives one child (the one named, else its last) to a new pool, which holds the same data
 * under a new pool guid and is left exported (imported with -R).
 *
 * The new pool's metadata is a copy of the old pool's, made inside the old pool's transaction
 * that takes the devices out of its tree (engine/pool/split.ts), under a temporary name beside
 * the new pool's first device. That commit is the split. After it, the new devices are labelled
 * for the new pool and only then is the copy renamed into place: the rename is what makes the
 * new pool importable. A kill before the commit leaves the old pool as it was and no new pool;
 * after it, the old pool split and either no new pool (its devices free to use again) or a
 * complete one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeLabelTo } from '../engine/pool/image.js';
import { newGuid, Pool } from '../engine/pool/pool.js';
import { crashPoint } from '../engine/pool/crash.js';
import { copyMetadata } from '../engine/pool/split.js';
import { holeTop, type LeafConfig, type TopConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import { engineFailure, ZfsError, poolError } from './errors.js';
import type { Home } from './home.js';
import { checkPoolName } from './names.js';
import { metadataPathOf, PoolHandle } from './pool-handle.js';
import { PoolPropertyError, validatePoolAssignment } from './pool-props.js';
import { followDevice } from './pool-replace.js';
import { withPool } from './session.js';
import { dryRunLayout, type VdevSpec } from './vdev-spec.js';
import { importPool } from './pool-import.js';

export interface SplitOptions {
  dryRun: boolean;
  /** -o property=value: pool properties of the new pool, checked as an import checks them */
  props: Array<[string, string]>;
  /** -R: import the new pool under this alternate root */
  altroot?: string;
  /** -g: -n names devices by guid (VDEV_NAME_GUID) */
  guids?: boolean;
}

const GROUPING = /^(mirror|raidz[1-3]?|draid.*|spare|log|cache|special|dedup)$/;

/** construct_spec over the devices named: full paths of existing files. */
function namedDevices(devices: string[]): string[] {
  const unable = (...lines: string[]) => new ZfsError([...lines, 'Unable to build a pool from the specified devices']);
  return devices.map((d) => {
    const word = GROUPING.exec(d)?.[1];
    if (word) throw new ZfsError([`Cannot use '${word.replace(/[0-9].*$/, '')}' as a device for splitting`]);
    if (!d.startsWith('/')) throw unable(`cannot open '${d}': no such device in /dev`, 'must be a full path or shorthand device name');
    const stat = fs.statSync(d, { throwIfNoEntry: false });
    if (!stat) throw unable(`cannot resolve path '${d}'`);
    if (!stat.isFile()) throw unable(`cannot use '${d}': must be a block device or regular file`);
    return path.resolve(d);
  });
}

interface Plan {
  /** the child each top-level data vdev gives, by top index (logs: null) */
  chosen: Array<LeafConfig | null>;
  newTree: VdevTree;
  oldTree: VdevTree;
}

/** The device of the first top-level vdev that has one: the new pool's metadata lies beside it. */
const firstDevice = (tree: VdevTree): string => tree.tops.find((t) => t.children.length > 0)!.children[0].path;

/** zpool_vdev_split's walk of the tree, then spa_vdev_split_mirror's checks of each child. */
function planSplit(action: string, h: PoolHandle, named: string[]): Plan {
  const meta = h.pool.meta();
  const tree = meta.vdevs;
  const notMirrors = () => ZfsError.action(action, 'Source pool must be composed only of mirrors\n');
  if (!tree) throw notMirrors();
  // Logs and holes become holes in the new pool, and those after the last data vdev are left
  // off (lastlog); removed (indirect) vdevs come as they are, their mappings with the metadata.
  const hole = (t: TopConfig) => t.class === 'log' || t.type === 'hole';
  const lastData = tree.tops.reduce((last, t, i) => (!hole(t) ? i : last), -1);
  let found = 0;
  const chosen = tree.tops.map((top, i) => {
    if (i > lastData || hole(top) || top.type === 'indirect') return null;
    if (top.type !== 'mirror') throw notMirrors();
    const match = top.children.find((c) => named.includes(c.path));
    if (match) found++;
    return match ?? top.children[top.children.length - 1];
  });
  if (found !== named.length) throw ZfsError.action(action, 'Device list must include at most one disk from each mirror');
  const tops = tree.tops.slice(0, lastData + 1).map((top, i): TopConfig => {
    const leaf = chosen[i];
    if (!leaf) return hole(top) ? holeTop() : structuredClone(top);
    return { type: 'file', guid: leaf.guid, nparity: 0, children: [{ path: leaf.path, guid: leaf.guid, size: leaf.size }], space: top.space, ...(top.class ? { class: top.class } : {}) };
  });
  const newTree: VdevTree = { ashift: tree.ashift, tops, spares: [], cache: [] };
  const oldTree: VdevTree = structuredClone(tree);
  oldTree.tops.forEach((top, i) => {
    const leaf = chosen[i];
    if (!leaf) return;
    top.children = top.children.filter((c) => c.guid !== leaf.guid);
    // A mirror left with one side is a plain file vdev again (vdev_remove_parent).
    if (top.children.length === 1) {
      top.type = 'file';
      top.guid = top.children[0].guid;
    }
  });
  return { chosen, newTree, oldTree };
}

/** spa_vdev_split_mirror: each child healthy (EINVAL), and not the only good copy (EBUSY). */
function checkChildren(action: string, h: PoolHandle, tree: VdevTree, chosen: Array<LeafConfig | null>): void {
  const root = h.pool.image.tree!;
  const healthy = (c: LeafConfig) => !c.offline && root.leafState(c.guid) === 'ONLINE';
  chosen.forEach((leaf, i) => {
    if (!leaf) return;
    if (!healthy(leaf) || leaf.replaced) throw ZfsError.action(action, 'invalid argument for this pool operation');
    if (!tree.tops[i].children.some((c) => c.guid !== leaf.guid && healthy(c))) throw ZfsError.action(action, 'pool is busy');
  });
}

function splitProps(action: string, props: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of props) {
    try {
      const [canonical, stored] = validatePoolAssignment(name, value, 'import');
      if (canonical === 'readonly') throw new PoolPropertyError('property readonly can only be set at import time');
      if (canonical !== 'version') out[canonical] = stored;
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(action, err.message);
      throw err;
    }
  }
  return out;
}

/** Returns the layout `-n` prints, else null. */
export function splitPool(home: Home, pool: string, newName: string, devices: string[], o: SplitOptions, history: string): string | null {
  const action = `Unable to split ${pool}`;
  withPool(home, pool, () => undefined);
  const named = namedDevices(devices);
  const bad = checkPoolName(newName, true);
  if (bad) throw ZfsError.action(action, bad);
  const props = splitProps(action, o.props);
  const plan = withPool(home, pool, (h) => planSplit(action, h, named));
  if (o.dryRun) {
    const spec: VdevSpec = { tops: plan.newTree.tops.filter((t) => t.children.length > 0).map((t) => ({ type: 'file', nparity: 0, children: [o.guids ? t.children[0].guid : t.children[0].path], ...(t.class ? { class: t.class } : {}) })), spares: [], cache: [] };
    return dryRunLayout(newName, spec);
  }
  if (home.find(newName)) throw poolError(action, 'EEXIST');
  const newFirst = firstDevice(plan.newTree);
  // The old pool's metadata lies beside its registered device: a device that leaves takes none.
  const entry = home.find(pool)!;
  if (plan.chosen.some((c) => c?.path === path.resolve(entry.image))) {
    withPool(home, pool, (h) => checkChildren(action, h, h.pool.meta().vdevs!, plan.chosen));
    followDevice(home, pool, path.resolve(entry.image), firstDevice(plan.oldTree));
  }
  const target = metadataPathOf(newFirst);
  const building = `${target}.split`;
  const newGuidOf = newGuid(`pool:${newName}:split`);
  const { txg, newTree } = withPool(home, pool, (h) =>
    h.change(history, (c) => {
      const tree = c.tx.meta.vdevs!;
      // Decided inside the transaction: the tree may have changed since the plan.
      const now = planSplit(action, h, named);
      checkChildren(action, h, tree, now.chosen);
      // The tree changed under the plan so that the new metadata would go elsewhere: run again.
      if (firstDevice(now.newTree) !== newFirst) throw ZfsError.action(action, 'pool is busy');
      copyMetadata(h.pool, building);
      crashPoint('split-copied');
      renameCopy(action, building, newFirst, newName, newGuidOf, now.newTree, props, c.tx.meta);
      c.tx.meta.vdevs = now.oldTree;
      return { txg: c.tx.txg, newTree: now.newTree };
    }),
  );
  // The split is done: the old pool's labels lose the devices, the new devices are labelled for
  // the new pool, and the copy goes into place (the new pool's commit point).
  withPool(home, pool, (h) => h.pool.writeLabels());
  crashPoint('split-labels');
  for (const top of newTree.tops.filter((t) => t.children.length > 0)) {
    const leaf = top.children[0];
    const fd = fs.openSync(leaf.path, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
    try {
      writeLabelTo(fd, { pool: newName, guid: newGuidOf, vdevGuid: leaf.guid, txg, tree: newTree });
    } finally {
      fs.closeSync(fd);
    }
  }
  crashPoint('split-new-labels');
  fs.rmSync(`${building}-lock`, { force: true });
  fs.renameSync(building, target);
  crashPoint('split-renamed');
  if (o.altroot !== undefined) {
    importPool(home, [path.dirname(newFirst)], newName, undefined, history, { props: [['altroot', o.altroot], ['cachefile', 'none']] });
  }
  return null;
}

/** The copy becomes the new pool: its name (root dataset too), guid, tree and properties. */
function renameCopy(
  action: string,
  building: string,
  first: string,
  name: string,
  guid: string,
  tree: VdevTree,
  props: Record<string, string>,
  old: { guid: string; saltGuid?: string; vdevAlloc?: number[] },
): void {
  let pool: Pool;
  try {
    pool = Pool.open(first, building);
  } catch (err) {
    throw engineFailure(action, err);
  }
  try {
    PoolHandle.over(name, first, pool).change(null, (c) => {
      const meta = c.tx.meta;
      meta.name = name;
      meta.guid = guid;
      meta.saltGuid = old.saltGuid ?? old.guid;
      meta.vdevs = tree;
      meta.vdevAlloc = (old.vdevAlloc ?? []).slice(0, tree.tops.length);
      c.dsl.dir(meta.rootDir).name = name;
      delete meta.props.altroot;
      Object.assign(meta.props, props);
    });
  } finally {
    pool.close();
  }
}
