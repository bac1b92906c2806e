/**
 * Renames (ZFS dsl_dir_rename_sync, dsl_dataset_rename_snapshot_sync; zfs-dsl-semantics.md §6):
 * a filesystem moves one name-space row and carries its `used` from the old parent to the new; a
 * snapshot moves one name row. No block is read or written.
 */
import { dirChildKey, snapNameKey } from '../store/keys.js';
import type { Id } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import { limitOf, usedOf } from './space.js';

export function renameFilesystem(dsl: DslTxn, dirId: Id, newParent: Id, newName: string): void {
  const dir = dsl.dir(dirId);
  const oldParent = dir.parent as Id;
  const used = usedOf(dir);
  // What the dir's reservation holds beyond its used moves with it (dsl_dir_rename_sync).
  const unusedReservation = Math.max(0, limitOf(dir, 'reservation') - used);
  dsl.t.dirChildren.removeSync(dirChildKey(oldParent, dir.name));
  dsl.addUsed(oldParent, 'child', -used);
  dsl.addUsed(oldParent, 'childRsrv', -unusedReservation);
  dsl.addLogical(oldParent, -dir.compressed, -dir.uncompressed);
  dir.parent = newParent;
  dir.name = newName;
  dsl.t.dirChildren.putSync(dirChildKey(newParent, newName), dirId);
  dsl.addUsed(newParent, 'child', used);
  dsl.addUsed(newParent, 'childRsrv', unusedReservation);
  dsl.addLogical(newParent, dir.compressed, dir.uncompressed);
}

export function renameSnapshot(dsl: DslTxn, snapId: Id, newName: string): void {
  const snap = dsl.snapshot(snapId);
  dsl.t.snapNames.removeSync(snapNameKey(snap.dir, snap.name));
  snap.name = newName;
  dsl.t.snapNames.putSync(snapNameKey(snap.dir, newName), snapId);
}
