/**
 * Snapshot and clone: each copies a root pointer and a few counters, O(1) whatever the data size
 * (ZFS dsl_dataset_snapshot_sync_impl, dsl_dataset_clone_sync; zfs-dsl-semantics.md §2).
 */
import { nowSeconds } from '../pool/clock.js';
import { dirChildKey, nextCloneKey, snapNameKey, snapTxgKey } from '../store/keys.js';
import type { HeadRecord, Id, SnapshotRecord } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import { setHeadUnique } from './space.js';

export function createSnapshot(dsl: DslTxn, headId: Id, name: string, props: Record<string, string>): SnapshotRecord {
  const head = dsl.ds(headId) as HeadRecord;
  const id = dsl.tx.newId();
  const snap: SnapshotRecord = {
    kind: 'snapshot',
    id,
    dir: head.dir,
    name,
    prev: head.prev,
    prevTxg: head.prevTxg,
    next: head.id,
    numClones: 0,
    userrefs: 0,
    deferDestroy: false,
    createTxg: dsl.txg,
    creation: nowSeconds(),
    guid: dsl.tx.guidFor(id),
    root: head.root,
    referenced: head.referenced,
    unique: 0,
    // The snapshot takes over the head's deadlist; the head starts an empty one.
    deadlist: head.deadlist,
    deadBytes: head.deadBytes,
    compressed: head.compressed,
    uncompressed: head.uncompressed,
    props,
    ...(head.features && { features: [...head.features] }),
  };
  if (head.prev !== null) {
    const prev = dsl.ds(head.prev);
    if (prev.kind === 'snapshot' && prev.next === head.id) prev.next = snap.id;
    else replaceClone(dsl, head.prev, head.id, snap.id);
  }
  head.deadlist = dsl.tx.newId();
  head.deadBytes = 0;
  head.prev = snap.id;
  head.prevTxg = dsl.txg;
  // The head's unique bytes now belong to the snapshot: its refreservation is unused again.
  setHeadUnique(dsl, head, 0);
  dsl.addDataset(snap);
  dsl.t.snapNames.putSync(snapNameKey(snap.dir, name), snap.id);
  dsl.t.snapTxgs.putSync(snapTxgKey(snap.dir, snap.createTxg), snap.id);
  return snap;
}

export function createClone(
  dsl: DslTxn,
  originId: Id,
  parent: Id,
  name: string,
  props: Record<string, string>,
): HeadRecord {
  const origin = dsl.snapshot(originId);
  const dirId = dsl.tx.newId();
  const headId = dsl.tx.newId();
  const head: HeadRecord = {
    kind: 'head',
    id: headId,
    dir: dirId,
    prev: origin.id,
    prevTxg: origin.createTxg,
    createTxg: dsl.txg,
    creation: nowSeconds(),
    guid: dsl.tx.guidFor(headId),
    root: origin.root,
    referenced: origin.referenced,
    unique: 0,
    deadlist: dsl.tx.newId(),
    deadBytes: 0,
    compressed: origin.compressed,
    uncompressed: origin.uncompressed,
    ...(origin.features && { features: [...origin.features] }),
  };
  dsl.addDir({
    id: dirId,
    parent,
    name,
    head: head.id,
    origin: origin.id,
    originTxg: origin.createTxg,
    used: { head: 0, snap: 0, child: 0, childRsrv: 0, refrsrv: 0 },
    compressed: 0,
    uncompressed: 0,
    props,
    // A clone holds what its origin holds: a volume's clone is a volume.
    ...(dsl.dir(origin.dir).type && { type: dsl.dir(origin.dir).type }),
  });
  dsl.addDataset(head);
  dsl.t.dirChildren.putSync(dirChildKey(parent, name), dirId);
  origin.numClones++;
  dsl.t.nextClones.putSync(nextCloneKey(origin.id, head.id), true);
  return head;
}

/** In `origin`'s clone list, the first dataset of a clone's chain changes from `from` to `to`. */
export function replaceClone(dsl: DslTxn, originId: Id, from: Id, to: Id): void {
  dsl.t.nextClones.removeSync(nextCloneKey(originId, from));
  dsl.t.nextClones.putSync(nextCloneKey(originId, to), true);
}
