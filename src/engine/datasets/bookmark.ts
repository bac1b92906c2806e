/**
 * Bookmarks (ZFS dsl_bookmark.c): a head's named points in time. A bookmark keeps what an
 * incremental send needs of a snapshot (its guid, txg and creation time) and the sizes it had,
 * but none of its data, so it outlives the snapshot and costs no space. They live in the dir of
 * the head they belong to, move with it (rename), go with it (destroy), and follow the snapshots
 * they predate when a clone is promoted.
 */
import type { BookmarkRecord, DatasetRecord, Id, SnapshotRecord, Txg } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import type { DslView } from './view.js';

/** A dir's bookmarks, by name. */
export const bookmarksOf = (view: DslView, dirId: Id): BookmarkRecord[] => view.dir(dirId).bookmarks ?? [];

export const bookmarkOf = (view: DslView, dirId: Id, name: string): BookmarkRecord | undefined =>
  bookmarksOf(view, dirId).find((b) => b.name === name);

/** A bookmark of `snap` (dsl_bookmark_set_phys). */
export const bookmarkFromSnapshot = (snap: SnapshotRecord, name: string): BookmarkRecord => ({
  name,
  guid: snap.guid,
  createTxg: snap.createTxg,
  creation: snap.creation,
  referenced: snap.referenced,
  compressed: snap.compressed,
  uncompressed: snap.uncompressed,
});

/** dsl_bookmark_node_add: the dir's bookmarks stay sorted by name. */
export function addBookmark(dsl: DslTxn, dirId: Id, bookmark: BookmarkRecord): void {
  const dir = dsl.dir(dirId);
  const all = [...(dir.bookmarks ?? []), bookmark];
  all.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  dir.bookmarks = all;
}

export function removeBookmark(dsl: DslTxn, dirId: Id, name: string): void {
  const dir = dsl.dir(dirId);
  const left = (dir.bookmarks ?? []).filter((b) => b.name !== name);
  if (left.length > 0) dir.bookmarks = left;
  else delete dir.bookmarks;
}

/** dsl_bookmark_latest_txg: the txg of the dir's newest bookmark, 0 with none. */
export const latestBookmarkTxg = (view: DslView, dirId: Id): Txg => Math.max(0, ...bookmarksOf(view, dirId).map((b) => b.createTxg));

/**
 * dsl_dataset_is_before: whether the point at `txg` in dir `earlierDir` is in `later`'s history:
 * an earlier point of its own dir, or of the origin it was cloned from, or of that one's origin.
 */
export function isBefore(view: DslView, later: DatasetRecord, earlierDir: Id, txg: Txg): boolean {
  if (later.kind === 'snapshot' && txg >= later.createTxg) return false;
  if (later.dir === earlierDir) return true;
  const origin = view.dir(later.dir).origin;
  if (origin === null) return false;
  const o = view.ds(origin);
  if (o.createTxg === txg && o.dir === earlierDir) return true;
  return isBefore(view, o, earlierDir, txg);
}

/** Promote (dsl_dataset_promote_sync): the origin's bookmarks up to the origin snapshot's txg
 *  move to the promoted clone's dir, with the snapshots they predate. */
export function moveBookmarks(dsl: DslTxn, fromDir: Id, toDir: Id, upToTxg: Txg): void {
  for (const b of bookmarksOf(dsl, fromDir).filter((x) => x.createTxg <= upToTxg)) {
    removeBookmark(dsl, fromDir, b.name);
    addBookmark(dsl, toDir, b);
  }
}
