/**
 * User holds and deferred destroy (ZFS dsl_userhold.c; zfs-dsl-semantics.md §6). A hold is a tag
 * on a snapshot; `userrefs` counts them, and a held snapshot cannot be destroyed. A snapshot marked
 * `deferDestroy` goes by itself once nothing holds it: no tag and no clone.
 */
import { prefixRange } from '../store/keys.js';
import type { Id, SnapshotRecord } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import type { DslView } from './view.js';
import { destroySnapshot } from './destroy.js';

const holdKey = (snap: Id, tag: string) => [snap, tag];

/** The tags on a snapshot with the time each was placed, by tag. */
export function holdsOf(view: DslView, snapId: Id): Array<{ tag: string; time: number }> {
  return [...view.t.holds.getRange(prefixRange(snapId))].map(({ key, value }) => ({
    tag: (key as [Id, string])[1],
    time: value,
  }));
}

export function hasHold(view: DslView, snapId: Id, tag: string): boolean {
  return view.t.holds.get(holdKey(snapId, tag)) !== undefined;
}

export function addHold(dsl: DslTxn, snapId: Id, tag: string, time: number): void {
  dsl.t.holds.putSync(holdKey(snapId, tag), time);
  dsl.snapshot(snapId).userrefs++;
}

/** Remove a tag; the snapshot goes too if it was waiting for its last hold. */
export function removeHold(dsl: DslTxn, snapId: Id, tag: string): void {
  dsl.t.holds.removeSync(holdKey(snapId, tag));
  const snap = dsl.snapshot(snapId);
  snap.userrefs--;
  destroyIfDeferredAndFree(dsl, snap);
}

/** `zfs destroy -d`: destroy now when nothing holds the snapshot, else mark it. */
export function destroyOrDefer(dsl: DslTxn, snapId: Id): void {
  const snap = dsl.snapshot(snapId);
  if (snap.userrefs > 0 || snap.numClones > 0) snap.deferDestroy = true;
  else destroySnapshot(dsl, snapId);
}

function destroyIfDeferredAndFree(dsl: DslTxn, snap: SnapshotRecord): void {
  if (snap.deferDestroy && snap.userrefs === 0 && snap.numClones === 0) destroySnapshot(dsl, snap.id);
}
