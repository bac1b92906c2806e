/**
 * Promote (ZFS dsl_dataset_promote_sync; zfs-dsl-semantics.md §4): the origin snapshot and every
 * older snapshot of the origin filesystem move to the clone, the two swap origins, and space is
 * re-assigned with deadlist sums. No block is read or written.
 */
import { nextCloneKey, snapNameKey, snapTxgKey } from '../store/keys.js';
import type { DatasetRecord, Id, SnapshotRecord } from '../store/records.js';
import { bookmarkNextChanged, bookmarkOf, bookmarksOf, moveBookmarks } from './bookmark.js';
import type { DslTxn } from './dsl-txn.js';
import type { DslView } from './view.js';

export interface PromotePlan {
  cloneDir: Id;
  originDir: Id;
  origin: SnapshotRecord;
  /** the origin and the origin filesystem's older snapshots, newest first */
  shared: SnapshotRecord[];
}

export function planPromote(view: DslView, cloneDir: Id): PromotePlan | null {
  const dir = view.dir(cloneDir);
  if (dir.origin === null) return null;
  const origin = view.ds(dir.origin) as SnapshotRecord;
  const shared = view
    .snapshotIds(origin.dir)
    .map((id) => view.ds(id) as SnapshotRecord)
    .filter((s) => s.createTxg <= origin.createTxg)
    .reverse();
  return { cloneDir, originDir: origin.dir, origin, shared };
}

/** Names of moved snapshots the clone already has, newest first (the first is reported), then
 *  of moved bookmarks it already has (dsl_dataset_promote_check). */
export function promoteConflicts(view: DslView, plan: PromotePlan): string[] {
  const snapshots = plan.shared.filter((s) => view.snapshotByName(plan.cloneDir, s.name) !== undefined).map((s) => s.name);
  const bookmarks = bookmarksOf(view, plan.originDir)
    .filter((b) => b.createTxg <= plan.origin.createTxg && bookmarkOf(view, plan.cloneDir, b.name) !== undefined)
    .map((b) => b.name);
  return [...snapshots, ...bookmarks];
}

/** The dataset right after `snapId` in a dir's chain: its next snapshot, or the head. */
function firstAfter(view: DslView, dirId: Id, txg: number): DatasetRecord {
  const later = view.snapshotIds(dirId).map((id) => view.ds(id)).find((s) => s.createTxg > txg);
  return later ?? view.head(dirId);
}

/** used_mv: every block ever born in the shared snapshots, live in the origin snapshot or killed
 *  between them; it moves from the origin's dir to the clone's. */
export function promotedSpace(view: DslView, plan: PromotePlan): number {
  const xo = view.dir(plan.originDir);
  const originOrigin = xo.origin === null ? null : view.ds(xo.origin);
  let moved = plan.origin.referenced - (originOrigin ? originOrigin.referenced : 0);
  for (const s of plan.shared) moved += s.deadBytes;
  return moved;
}

export function promote(dsl: DslTxn, plan: PromotePlan): void {
  const xc = dsl.dir(plan.cloneDir);
  const xo = dsl.dir(plan.originDir);
  const os = dsl.snapshot(plan.origin.id);
  const shared = plan.shared.map((s) => dsl.snapshot(s.id));
  const cloneChain = [...dsl.snapshotIds(xc.id).map((id) => dsl.ds(id)), dsl.head(xc.id)];
  const cloneFirst = cloneChain[0];
  const originFirst = firstAfter(dsl, xo.id, os.createTxg);
  const originChain = [
    ...dsl.snapshotIds(xo.id).map((id) => dsl.ds(id)).filter((s) => s.createTxg > os.createTxg),
    dsl.head(xo.id),
  ];
  const usedMoved = promotedSpace(dsl, plan);
  let cloneUsedSnap = 0;
  for (const s of [...shared, ...cloneChain]) cloneUsedSnap += dsl.deadRange(s.deadlist, xo.originTxg, Infinity);
  let originUsedSnap = 0;
  for (const s of originChain) originUsedSnap += dsl.deadRange(s.deadlist, os.createTxg, Infinity);

  const originOrigin = xo.origin === null ? null : dsl.ds(xo.origin);
  const moved = { compressed: os.compressed - (originOrigin?.compressed ?? 0), uncompressed: os.uncompressed - (originOrigin?.uncompressed ?? 0) };
  for (const s of shared) {
    const dead = dsl.deadRangeLogical(s.deadlist, 0, Infinity);
    moved.compressed += dead.compressed;
    moved.uncompressed += dead.uncompressed;
  }
  dsl.addLogical(xc.id, moved.compressed, moved.uncompressed);
  dsl.addLogical(xo.id, -moved.compressed, -moved.uncompressed);

  dsl.addUsed(xc.id, 'head', usedMoved - (cloneUsedSnap - xc.used.snap));
  dsl.addUsed(xc.id, 'snap', cloneUsedSnap - xc.used.snap);
  dsl.addUsed(xo.id, 'head', -(usedMoved + (originUsedSnap - xo.used.snap)));
  dsl.addUsed(xo.id, 'snap', originUsedSnap - xo.used.snap);

  for (const s of shared) {
    dsl.t.snapNames.removeSync(snapNameKey(xo.id, s.name));
    dsl.t.snapTxgs.removeSync(snapTxgKey(xo.id, s.createTxg));
    s.dir = xc.id;
    dsl.t.snapNames.putSync(snapNameKey(xc.id, s.name), s.id);
    dsl.t.snapTxgs.putSync(snapTxgKey(xc.id, s.createTxg), s.id);
  }

  moveBookmarks(dsl, xo.id, xc.id, os.createTxg);

  // The clone's chain now continues the origin's; the old origin filesystem branches off it.
  os.next = cloneFirst.id;
  dsl.t.nextClones.removeSync(nextCloneKey(os.id, cloneFirst.id));
  dsl.t.nextClones.putSync(nextCloneKey(os.id, originFirst.id), true);
  os.unique = dsl.deadRange(cloneFirst.deadlist, os.prevTxg, Infinity);
  bookmarkNextChanged(dsl, xc.id, os);

  const clonesOriginTxg = xc.originTxg;
  xc.origin = xo.origin;
  xc.originTxg = xo.originTxg;
  xo.origin = os.id;
  xo.originTxg = clonesOriginTxg;
}
