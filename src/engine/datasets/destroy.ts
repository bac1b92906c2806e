/**
 * Destroying snapshots and heads (ZFS dsl_destroy.c; zfs-dsl-semantics.md §3 and §6).
 * A snapshot's destroy touches only the deadlists around it: never the rest of the dataset.
 */
import type { BlockPtr, HeadRecord, Id, NodePtr, SnapshotRecord, Txg } from '../store/records.js';
import { DEAD_DATA, DEAD_NODE } from '../store/records.js';
import { dirChildKey, nextCloneKey, prefixRange, snapNameKey, snapTxgKey } from '../store/keys.js';
import { bookmarkSnapshotDestroyed } from './bookmark.js';
import type { DslTxn } from './dsl-txn.js';
import { setHeadUnique, setLimit, usedOf } from './space.js';
import type { DslView } from './view.js';
import { replaceClone } from './snapshot.js';

/** Walks the part of a dataset's tree born after `minBirth` (supplied by the file layer). */
export type TreeWalker = (
  root: NodePtr,
  minBirth: Txg,
  onNode: (ptr: NodePtr) => void,
  onBlock: (bp: BlockPtr) => void,
) => void;

export function destroySnapshot(dsl: DslTxn, snapId: Id): void {
  const snap = dsl.snapshot(snapId);
  bookmarkSnapshotDestroyed(dsl, snap);
  const prev = snap.prev === null ? null : dsl.ds(snap.prev);
  const next = dsl.ds(snap.next);
  const afterBranchPoint = prev !== null && !(prev.kind === 'snapshot' && prev.next === snap.id);

  if (prev) {
    if (afterBranchPoint) replaceClone(dsl, prev.id, snap.id, next.id);
    else if (prev.kind === 'snapshot') {
      prev.next = next.id;
      // Blocks born after prev's own predecessor and killed between snap and next were shared
      // only by prev and snap: now prev alone holds them.
      prev.unique += dsl.deadRange(next.deadlist, prev.prevTxg, snap.prevTxg);
    }
  }

  // Blocks born after prev and killed before next: only snap held them.
  let freed = 0;
  const freedLogical = { compressed: 0, uncompressed: 0 };
  for (const entry of dsl.deadTake(next, snap.prevTxg)) {
    dsl.freeDead(entry);
    freed += entry.kind === DEAD_DATA ? dsl.tx.dsize(entry.ref, entry.asize) : entry.asize;
    freedLogical.compressed += entry.psize ?? entry.asize;
    freedLogical.uncompressed += entry.lsize ?? entry.asize;
  }
  dsl.addUsed(snap.dir, 'snap', -freed);
  dsl.addLogical(snap.dir, -freedLogical.compressed, -freedLogical.uncompressed);

  // What prev had and snap did not is now what prev has and next does not.
  for (const entry of dsl.deadTake(snap, 0)) dsl.deadInsert(next, entry);

  if (next.kind === 'snapshot') {
    const afterNext = dsl.ds(next.next);
    next.unique += dsl.deadRange(afterNext.deadlist, snap.prevTxg, snap.createTxg);
  } else {
    setHeadUnique(dsl, next, next.referenced - ((prev ? prev.referenced : 0) - next.deadBytes));
  }
  next.prev = snap.prev;
  next.prevTxg = snap.prevTxg;

  for (const key of [...dsl.t.holds.getKeys(prefixRange(snap.id))]) dsl.t.holds.removeSync(key);
  dsl.t.snapNames.removeSync(snapNameKey(snap.dir, snap.name));
  dsl.t.snapTxgs.removeSync(snapTxgKey(snap.dir, snap.createTxg));
  dsl.removeDataset(snap.id);
}

/** Destroy a filesystem without snapshots or children: free what only it references. */
export function destroyHead(dsl: DslTxn, dirId: Id, walk: TreeWalker): void {
  const dir = dsl.dir(dirId);
  const head = dsl.ds(dir.head) as HeadRecord;
  walk(
    head.root,
    head.prevTxg,
    (ptr) => dsl.freeDead({ birth: ptr.birth, kind: DEAD_NODE, ref: ptr.id, asize: 0 }),
    (bp) => {
      if (bp.birth > head.prevTxg) dsl.freeDead({ birth: bp.birth, kind: DEAD_DATA, ref: bp.offset, asize: bp.asize });
    },
  );
  // A clone's deadlist lists only blocks its origin still owns.
  dsl.deadDrop(head);
  if (dir.origin !== null) {
    const origin = dsl.snapshot(dir.origin);
    origin.numClones--;
    dsl.t.nextClones.removeSync(nextCloneKey(origin.id, head.id));
    // `zfs destroy -d` on the origin waited for its last clone.
    if (origin.deferDestroy && origin.numClones === 0 && origin.userrefs === 0) destroySnapshot(dsl, origin.id);
  }
  // The parent is no longer charged the dir's reservations (dsl_destroy_head_sync_impl).
  setLimit(dsl, dirId, 'refreservation', 0);
  setLimit(dsl, dirId, 'reservation', 0);
  if (dir.parent !== null) {
    dsl.addUsed(dir.parent, 'child', -usedOf(dir));
    dsl.addLogical(dir.parent, -dir.compressed, -dir.uncompressed);
    dsl.t.dirChildren.removeSync(dirChildKey(dir.parent, dir.name));
  }
  dsl.removeDataset(head.id);
  dsl.removeDir(dirId);
}

/**
 * What destroying the run of consecutive snapshots `first`..`last` of one chain would free
 * (dsl_dataset_space_wouldfree): the blocks born after first's predecessor that died before the
 * dataset after `last`. Deadlist sums only, no block is visited.
 */
export function wouldFree(view: DslView, first: SnapshotRecord, last: SnapshotRecord): number {
  let total = 0;
  let s = view.ds(last.next);
  for (;;) {
    total += view.deadRange(s.deadlist, first.prevTxg, Infinity);
    if (s.prev === first.id || s.prev === null) break;
    s = view.ds(s.prev);
  }
  return total;
}
