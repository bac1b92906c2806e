/**
 * Quotas and reservations (ZFS dsl_dir.c, dsl_dataset.c; zfs-dsl-semantics.md §8):
 * - `quota` (dir) caps used(X): head, snapshots, children, child reservations, refreservation;
 * - `refquota` (head) caps referenced(head);
 * - `reservation` (dir): the parent is charged max(used(X), reservation), the unused part in its
 *   usedbychildren (the `childRsrv` part of `used`);
 * - `refreservation` (head): the dir is charged max(unique(head), refreservation), the unused
 *   part as usedbyrefreservation (the `refrsrv` part of `used`).
 * The four live in the dir's props as byte counts, 0 (or absent) meaning none.
 */
import { EngineError, outOfSpace } from '../errno.js';
import type { DatasetRecord, DirRecord, HeadRecord, Id } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import type { DslView } from './view.js';
import { limitOf, parentDelta, usedOf, type SpaceLimit } from './dir-usage.js';

export { isSpaceLimit, limitOf, parentDelta, usedOf, type SpaceLimit } from './dir-usage.js';

/** A head's refreservation that its unique bytes do not fill yet (usedbyrefreservation). */
export function unusedRefreservation(dir: DirRecord, head: DatasetRecord): number {
  return Math.max(0, limitOf(dir, 'refreservation') - head.unique);
}

/** Set a head's unique bytes; its dir's usedbyrefreservation follows (born/kill, snapshot,
 *  snapshot destroy and rollback all change `unique`). */
export function setHeadUnique(dsl: DslTxn, head: HeadRecord, unique: number): void {
  const dir = dsl.dir(head.dir);
  const before = unusedRefreservation(dir, head);
  head.unique = unique;
  dsl.addUsed(head.dir, 'refrsrv', unusedRefreservation(dir, head) - before);
}

/**
 * dsl_dir_space_available: what dir X may still add to its used within its own and every
 * ancestor's quota and the pool's `usable` bytes, counting its own unused reservation. With
 * `ancestor`, as if `delta` (≤ 0) were taken off that ancestor first (a transfer's check).
 */
export function dirAvailable(view: DslView, dirId: Id, usable: number, ancestor: Id | null = null, delta = 0): number {
  const dir = view.dir(dirId);
  let parentSpace = dir.parent === null ? Infinity : dirAvailable(view, dir.parent, usable, ancestor, delta);
  let quota = limitOf(dir, 'quota') || Infinity;
  if (dir.parent === null) quota = Math.min(quota, usable);
  let used = usedOf(dir);
  const reserved = limitOf(dir, 'reservation');
  if (reserved > used && parentSpace !== Infinity) parentSpace += reserved - used;
  if (dirId === ancestor) {
    used += delta;
    if (parentSpace !== Infinity) parentSpace -= delta;
  }
  return used > quota ? 0 : Math.min(parentSpace, quota - used);
}

/** dsl_get_available: a head adds its unused refreservation and is capped by its refquota; a
 *  snapshot has what its filesystem's dir has. */
export function datasetAvailable(view: DslView, ds: DatasetRecord, usable: number): number {
  const avail = dirAvailable(view, ds.dir, usable);
  if (ds.kind === 'snapshot') return avail;
  const dir = view.dir(ds.dir);
  const withRefres = avail + unusedRefreservation(dir, ds);
  const refquota = limitOf(dir, 'refquota');
  if (refquota === 0) return withRefres;
  return ds.referenced < refquota ? Math.min(withRefres, refquota - ds.referenced) : 0;
}

/**
 * The deterministic write rule (zfs-dsl-semantics.md §8), checked after each block a head gains:
 * refused when the head's referenced now exceeds its refquota, or the used of its dir or of an
 * ancestor exceeds that dir's quota (EDQUOT), or the pool root's used exceeds the pool's usable
 * bytes (ENOSPC, as OpenZFS's root check when the pool is smaller than the root's quota).
 * Space a head's refreservation or a dir's reservation already holds is charged upwards only
 * beyond it, so writes inside a reservation never fail. Frees never come here.
 */
export function checkWriteLimits(dsl: DslTxn, head: HeadRecord, usable: number): void {
  let dir = dsl.dir(head.dir);
  const refquota = limitOf(dir, 'refquota');
  if (refquota !== 0 && head.referenced > refquota) throw new EngineError('EDQUOT');
  for (;;) {
    const used = usedOf(dir);
    const quota = limitOf(dir, 'quota') || Infinity;
    if (dir.parent === null && used > usable && usable < quota) throw outOfSpace();
    if (used > quota) throw new EngineError('EDQUOT');
    if (dir.parent === null) return;
    dir = dsl.dir(dir.parent);
  }
}

/**
 * Why setting a limit to `value` (0 = none) on filesystem `dirId` is refused, as the kernel's
 * checks (dsl_dir_set_quota_check, dsl_dataset_set_refquota_check,
 * dsl_dir_set_reservation_check, dsl_dataset_set_refreservation_check): ENOSPC, or null.
 */
export function limitRefusal(view: DslView, dirId: Id, name: SpaceLimit, value: number, usable: number): 'ENOSPC' | null {
  const dir = view.dir(dirId);
  const head = view.head(dirId);
  const used = usedOf(dir);
  let refused: boolean;
  switch (name) {
    case 'quota':
      refused = value !== 0 && (value < limitOf(dir, 'reservation') || value < used);
      break;
    case 'refquota':
      refused = value !== 0 && (value < head.referenced || value < limitOf(dir, 'refreservation'));
      break;
    case 'reservation': {
      const grows = Math.max(used, value) - Math.max(used, limitOf(dir, 'reservation'));
      const avail = dir.parent === null ? usable - used : dirAvailable(view, dir.parent, usable);
      const quota = limitOf(dir, 'quota');
      refused = grows > 0 && (grows > avail || (quota !== 0 && value > quota));
      break;
    }
    case 'refreservation': {
      const grows = Math.max(head.unique, value) - Math.max(head.unique, limitOf(dir, 'refreservation'));
      const refquota = limitOf(dir, 'refquota');
      refused = grows > 0 && (grows > dirAvailable(view, dirId, usable) || (refquota !== 0 && value > refquota));
      break;
    }
  }
  return refused ? 'ENOSPC' : null;
}

/** Store a limit and move the space it reserves (dsl_dir_set_reservation_sync_impl,
 *  dsl_dataset_set_refreservation_sync_impl); quotas reserve nothing. */
export function setLimit(dsl: DslTxn, dirId: Id, name: SpaceLimit, value: number): void {
  const dir = dsl.dir(dirId);
  const old = limitOf(dir, name);
  dir.props[name] = String(value);
  if (name === 'reservation' && dir.parent !== null) {
    const used = usedOf(dir);
    dsl.addUsed(dir.parent, 'childRsrv', Math.max(used, value) - Math.max(used, old));
  } else if (name === 'refreservation') {
    const unique = dsl.ds(dir.head).unique;
    dsl.addUsed(dirId, 'refrsrv', Math.max(0, value - unique) - Math.max(0, old - unique));
  }
}

/** dsl_dataset_snapshot_reserve_space: a snapshot takes the head's unique bytes, so the head's
 *  refreservation must be held anew: min(unique, refreservation) must be available. */
export function snapshotFits(view: DslView, head: HeadRecord, usable: number): boolean {
  const need = Math.min(head.unique, limitOf(view.dir(head.dir), 'refreservation'));
  return need <= dirAvailable(view, head.dir, usable);
}

/** dsl_dataset_rollback_check: EDQUOT when the snapshot refers more than the refquota, ENOSPC
 *  when the refreservation the head's unique bytes held cannot be held anew; else null. */
export function rollbackRefusal(view: DslView, head: HeadRecord, usable: number): 'EDQUOT' | 'ENOSPC' | null {
  const dir = view.dir(head.dir);
  const refquota = limitOf(dir, 'refquota');
  if (refquota !== 0 && view.ds(head.prev as Id).referenced > refquota) return 'EDQUOT';
  const need = Math.min(limitOf(dir, 'refreservation'), head.unique);
  return need > 0 && need > dirAvailable(view, head.dir, usable) ? 'ENOSPC' : null;
}

/**
 * dsl_dir_transfer_possible: whether `space` bytes charged below dir `from` fit below dir `to`
 * (a rename to another parent, a promote): what `to` has available once `from`'s branch has let
 * go of them up to the closest common ancestor.
 */
export function transferFits(view: DslView, from: Id, to: Id, space: number, usable: number): boolean {
  const ancestorsOfTo = new Set<Id>();
  for (let d: Id | null = to; d !== null; d = view.dir(d).parent) ancestorsOfTo.add(d);
  let ancestor: Id | null = from;
  let delta = -space;
  while (ancestor !== null && !ancestorsOfTo.has(ancestor)) {
    const dir = view.dir(ancestor);
    delta = parentDelta(dir, delta);
    ancestor = dir.parent;
  }
  return dirAvailable(view, to, usable, ancestor, delta) >= space;
}
