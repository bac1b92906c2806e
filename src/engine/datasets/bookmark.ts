/**
 * Bookmarks (ZFS dsl_bookmark.c): a head's named points in time. A bookmark keeps what an
 * incremental send needs of a snapshot (its guid, txg and creation time) and the sizes it had,
 * but none of its data, so it outlives the snapshot and costs no space. They live in the dir of
 * the head they belong to, move with it (rename), go with it (destroy), and follow the snapshots
 * they predate when a clone is promoted.
 */
import type { BookmarkRecord, DatasetRecord, HeadRecord, Id, SnapshotRecord, Txg } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import type { DslView } from './view.js';

/** A dir's bookmarks, by name. */
export const bookmarksOf = (view: DslView, dirId: Id): BookmarkRecord[] => view.dir(dirId).bookmarks ?? [];

export const bookmarkOf = (view: DslView, dirId: Id, name: string): BookmarkRecord | undefined =>
  bookmarksOf(view, dirId).find((b) => b.name === name);

/** A bookmark of `snap` (dsl_bookmark_set_phys): what died since it is what its next dataset's
 *  deadlist holds. */
export const bookmarkFromSnapshot = (view: DslView, snap: SnapshotRecord, name: string): BookmarkRecord => ({
  name,
  guid: snap.guid,
  createTxg: snap.createTxg,
  creation: snap.creation,
  referenced: snap.referenced,
  compressed: snap.compressed,
  uncompressed: snap.uncompressed,
  freedBeforeNext: view.ds(snap.next).deadBytes,
});

/**
 * dsl_bookmark_block_killed: a block of the head died (freed or put on its deadlist); the
 * bookmarks at or after its latest snapshot, whose next dataset is the head, count it when it
 * was born by their time.
 */
export function bookmarkBlockKilled(dsl: DslTxn, head: HeadRecord, birth: Txg, asize: number): void {
  if (asize === 0) return;
  const dir = dsl.dir(head.dir);
  if (!dir.bookmarks) return;
  for (const b of dir.bookmarks) if (b.createTxg >= head.prevTxg && birth <= b.createTxg) b.freedBeforeNext += asize;
}

/**
 * dsl_bookmark_ds_destroyed, before `snap` goes: the bookmarks from its predecessor's txg up to
 * its own now have the dataset after it as their next, and count what that one's deadlist holds
 * of their time.
 */
export function bookmarkSnapshotDestroyed(dsl: DslTxn, snap: SnapshotRecord): void {
  const dir = dsl.dir(snap.dir);
  if (!dir.bookmarks) return;
  const next = dsl.ds(snap.next);
  for (const b of dir.bookmarks) {
    if (b.createTxg >= snap.prevTxg && b.createTxg < snap.createTxg) b.freedBeforeNext += dsl.deadRange(next.deadlist, 0, b.createTxg);
  }
}

/** dsl_bookmark_next_changed (promote, rollback): the bookmarks of `dirId` at `origin`'s txg
 *  count again from the deadlist of the dataset now after it. */
export function bookmarkNextChanged(dsl: DslTxn, dirId: Id, origin: SnapshotRecord): void {
  const dir = dsl.dir(dirId);
  if (!dir.bookmarks) return;
  const next = dsl.ds(origin.next);
  for (const b of dir.bookmarks) if (b.createTxg === origin.createTxg) b.freedBeforeNext = next.deadBytes;
}

/**
 * written#bookmark (dsl_dataset_space_written_impl): what `ds` references that was not referenced
 * at the bookmark's time: the difference in referenced, plus what was born by then and died
 * since, on the deadlists of the datasets after it and in its own count.
 */
export function writtenSinceBookmark(view: DslView, ds: DatasetRecord, bookmark: BookmarkRecord): number {
  let written = ds.referenced - bookmark.referenced;
  for (let s: DatasetRecord = ds; s.prevTxg > bookmark.createTxg && s.prev !== null; s = view.ds(s.prev)) {
    written += view.deadRange(s.deadlist, 0, bookmark.createTxg);
  }
  return written + bookmark.freedBeforeNext;
}

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
