/**
 * A pool's vdevs for `zpool get PROP POOL VDEV...` and `zpool set PROP=VALUE POOL VDEV` (libzfs
 * zpool_get_vdev_prop, zpool_set_vdev_prop; module/zfs/vdev.c vdev_prop_set and
 * vdev_removal.c spa_vdev_noalloc). The table and values are in vdev-props.ts.
 */
import { keptDeviceErrors, keptDeviceIo, type DeviceErrors } from '../engine/pool/health.js';
import type { PoolMeta } from '../engine/model.js';
import { ZfsError } from './errors.js';
import { poolHealth } from './health.js';
import type { Home } from './home.js';
import type { PoolHandle } from './pool-handle.js';
import { withPool } from './session.js';
import { parseSize, SizeError } from './sizes.js';
import { validateVdevAssignment, VdevPropertyError } from './vdev-props.js';
import { findVdev, vdevNodes, type VdevNode } from './vdev-tree.js';

/** The vdevs of the open pool `h`, in for_each_vdev's order (the root first). */
export function poolVdevs(h: PoolHandle, meta: PoolMeta = h.pool.meta()): VdevNode[] {
  const health = poolHealth(h);
  const states = new Map<string, string>();
  // a spare in use shows twice: in the tree first, then INUSE among the spares
  for (const r of health.vdevs?.rows ?? []) if (r.info && r.state && !states.has(r.info.guid)) states.set(r.info.guid, r.state);
  const errors: Record<string, DeviceErrors> = keptDeviceErrors(h.pool.t);
  return vdevNodes(h.name, meta, {
    stateOf: (guid) => states.get(guid) ?? 'ONLINE',
    poolState: health.vdevs?.state ?? 'ONLINE',
    errors,
    poolErrors: health.errors,
    io: keptDeviceIo(h.pool.t),
    image: h.image,
  });
}

/** Where a name that is not a vdev of `pool` is (error_list_unresolved_vdevs). */
export function placeOf(home: Home, pool: string, name: string): 'pool' | 'vdev in this pool' | 'vdev in another pool' | 'unknown' {
  if (home.find(name)) return 'pool';
  const inPool = (p: string) => {
    try {
      return withPool(home, p, (h) => findVdev(poolVdevs(h), name) !== null, { onMissing: () => false });
    } catch (err) {
      // a pool that cannot be opened (faulted) holds no vdev for this listing
      if (err instanceof ZfsError) return false;
      throw err;
    }
  };
  if (inPool(pool)) return 'vdev in this pool';
  return home.pools().some((e) => e.name !== pool && inPool(e.name)) ? 'vdev in another pool' : 'unknown';
}

/** Whether every one of `names` is a vdev of `pool` (are_vdevs_in_pool). */
export function areVdevsInPool(home: Home, pool: string, names: readonly string[]): boolean {
  return withPool(home, pool, (h) => {
    const nodes = poolVdevs(h);
    return names.every((n) => findVdev(nodes, n) !== null);
  }, { onMissing: () => false });
}

const parseNumber = (v: string): bigint => {
  try {
    return parseSize(v);
  } catch (err) {
    if (err instanceof SizeError) throw new VdevPropertyError(err.aux);
    throw err;
  }
};

/**
 * `zpool set PROP=VALUE POOL VDEV`: one transaction. `allocating=off` stops new blocks on a
 * top-level vdev (refused for the last normal one that allocates, as vdev_passivate does).
 */
export function setVdevProperty(home: Home, pool: string, vdev: string, prop: string, value: string, history: string): void {
  // zpool_do_set names `root` root-0 before it looks it up, and words its errors with that name
  const name = vdev === 'root' ? 'root-0' : vdev;
  const action = `cannot set property ${prop} for ${name} on ${pool}`;
  withPool(home, pool, (h) => {
    const relabel = h.change(history, (c): boolean => {
      const meta = c.tx.meta;
      const nodes = poolVdevs(h, meta);
      const node = findVdev(nodes, name);
      if (!node) throw new ZfsError([`cannot find '${name}' in '${pool}': device not in pool`], 22);
      let canonical: string;
      let stored: string | null;
      try {
        [canonical, stored] = validateVdevAssignment(node, prop, value, parseNumber);
        if (canonical === 'allocating') return setAllocating(meta, nodes, node, stored === 'on');
      } catch (err) {
        if (err instanceof VdevPropertyError) throw ZfsError.action(action, err.message);
        throw err;
      }
      const all = structuredClone(meta.vdevProps ?? {});
      const own = (all[node.guid] ??= {});
      if (stored === null) delete own[canonical];
      else own[canonical] = stored;
      // what a vdev no longer in the tree (replaced, removed) had goes, as its ZAP does
      for (const guid of Object.keys(all)) if (Object.keys(all[guid]).length === 0 || !nodes.some((n) => n.guid === guid)) delete all[guid];
      meta.vdevProps = all;
      return false;
    });
    // the labels carry the tree, and with it which vdevs allocate (ZPOOL_CONFIG_NONALLOCATING)
    if (relabel) h.pool.writeLabels();
  });
}

/** spa_vdev_noalloc / spa_vdev_alloc on the top-level vdev `node`; whether the tree changed. */
function setAllocating(meta: PoolMeta, nodes: readonly VdevNode[], node: VdevNode, on: boolean): boolean {
  const allocating = !node.noalloc;
  if (allocating === on) return false; // already so
  const tree = meta.vdevs;
  if (!tree) {
    // A pool of one image has one top-level vdev: the last that allocates.
    if (!on) throw new VdevPropertyError('invalid argument for this pool operation');
    return false;
  }
  const i = node.topIndex!;
  if (!on && node.class === 'normal') {
    // vdev_passivate: some other normal vdev, not dead, must still take blocks
    const others = nodes.filter((n) => n.isTop && n !== node && n.class === 'normal' && !n.noalloc && n.state !== 'UNAVAIL');
    if (others.length === 0) throw new VdevPropertyError('invalid argument for this pool operation');
  }
  const next = structuredClone(tree);
  if (on) delete next.tops[i].noalloc;
  else next.tops[i].noalloc = true;
  meta.vdevs = next;
  return true;
}

/**
 * A top-level vdev whose guid changes (a file vdev made a mirror by attach, a mirror of one left
 * by detach) keeps its vdev properties, as vdev_top_transfer moves its ZAP: those of a file
 * top-level vdev become the mirror's, a mirror's join those of the device left.
 */
export function moveTopVdevProps(meta: PoolMeta, from: string, to: string): void {
  const own = meta.vdevProps?.[from];
  if (from === to || !own) return;
  const all = structuredClone(meta.vdevProps!);
  all[to] = { ...all[to], ...all[from] };
  delete all[from];
  meta.vdevProps = all;
}
