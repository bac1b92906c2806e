/**
 * `zfs bookmark SNAP|BOOKMARK NEWBOOKMARK` and `zfs destroy FS#BOOKMARK` (zfs_do_bookmark,
 * dsl_bookmark_create_check/_sync, dsl_bookmark_destroy): each is one sync task, its checks
 * made inside it.
 */
import { isFeatureEnabled } from '../pool-features.js';
import {
  addBookmark,
  bookmarkFromSnapshot,
  bookmarkOf,
  isBefore,
  removeBookmark,
} from '../../engine/datasets/bookmark.js';
import type { BookmarkRecord, Id } from '../../engine/model.js';
import type { DslView } from '../../engine/datasets/view.js';
import { ZfsError, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { poolNameOf, type PoolHandle } from '../pool-handle.js';
import { withPoolOf } from '../session.js';

/** A bookmark found by its full name `fs#name`, with its dir. */
export interface FoundBookmark {
  dir: Id;
  bookmark: BookmarkRecord;
}

/** The bookmark `fs#name` of an open pool, or undefined. */
export function findBookmark(h: PoolHandle, view: DslView, fullName: string): FoundBookmark | undefined {
  const hash = fullName.indexOf('#');
  const dir = h.findDir(view, fullName.slice(0, hash));
  if (dir === undefined) return undefined;
  const bookmark = bookmarkOf(view, dir, fullName.slice(hash + 1));
  return bookmark && { dir, bookmark };
}

/** zfs_open's refusal of `name` as a snapshot or bookmark, which zfs_do_bookmark follows with
 *  its usage (exit 2). */
const openFailure = (name: string, description: string) => new ZfsError([`cannot open '${name}': ${description}`], 2);

/** The point a new bookmark copies: a snapshot's or another bookmark's (its dir and txg say
 *  where it lies in the history of the new bookmark's filesystem). */
interface Source {
  dir: Id;
  record: BookmarkRecord;
}

/**
 * Create `target` (a full `fs#name`) from `source` (`fs@snap` or `fs#name`), both already
 * expanded by the CLI. The source is opened first, as zfs_open does in zfs_do_bookmark.
 */
export function createBookmark(home: Home, source: string, target: string, history: string): void {
  const isSnapshot = source.includes('@');
  const bad = checkDatasetName(source, [isSnapshot ? 'snapshot' : 'bookmark'], false);
  if (bad) throw openFailure(source, bad);
  // zfs_open: the source must exist (in its own pool) before the kernel is asked.
  withPoolOf(
    home,
    source,
    (h) => {
      const view = h.view();
      if (isSnapshot ? h.resolve(view, source) === undefined : findBookmark(h, view, source) === undefined) {
        const parentExists = !isSnapshot && h.findDir(view, source.slice(0, source.indexOf('#'))) !== undefined;
        throw openFailure(source, parentExists ? 'no such pool or dataset' : 'dataset does not exist');
      }
    },
    () => {
      throw openFailure(source, 'dataset does not exist');
    },
  );
  const action = `cannot create bookmark '${target}'`;
  // bookmark_namecheck() in dsl_bookmark_create_nvl_validate: a bad name is EINVAL.
  if (checkDatasetName(target, ['bookmark'], false) !== null) throw ZfsError.action(action, 'invalid argument');
  const hash = target.indexOf('#');
  const fsName = target.slice(0, hash);
  const name = target.slice(hash + 1);
  const samePool = poolNameOf(source) === poolNameOf(target);
  withPoolOf(
    home,
    target,
    (h) =>
      h.syncTask(history, {
        check: (c): { dir: Id; from: Source } => {
          // dsl_bookmark_create_check: ENOTSUP before anything else.
          if (!isFeatureEnabled(c.tx.meta, 'bookmarks')) throw ZfsError.action(action, 'bookmark feature not enabled');
          const dir = h.findDir(c.dsl, fsName);
          if (dir === undefined) throw datasetError(action, 'ENOENT');
          if (bookmarkOf(c.dsl, dir, name) !== undefined) throw ZfsError.action(action, 'bookmark exists');
          // dsl_dataset_hold of a name in another pool is EXDEV; for a bookmark source,
          // dsl_bookmark_create_check_impl takes any EXDEV for "not an ancestor".
          if (!samePool) throw ZfsError.action(action, isSnapshot ? 'bookmark is in a different pool' : notAncestor);
          const from = sourceOf(h, c.dsl, source, isSnapshot);
          if (!from) throw ZfsError.action(action, 'dataset does not exist');
          if (!isBefore(c.dsl, c.dsl.head(dir), from.dir, from.record.createTxg)) throw ZfsError.action(action, notAncestor);
          return { dir, from };
        },
        sync: (c, { dir, from }) => addBookmark(c.dsl, dir, { ...from.record, name }),
      }),
    () => {
      throw datasetError(action, 'ENOENT');
    },
  );
}

const notAncestor = "source is not an ancestor of the new bookmark's dataset";

function sourceOf(h: PoolHandle, view: DslView, source: string, isSnapshot: boolean): Source | undefined {
  if (!isSnapshot) {
    const found = findBookmark(h, view, source);
    return found && { dir: found.dir, record: found.bookmark };
  }
  const r = h.resolve(view, source);
  if (!r || r.kind !== 'snapshot') return undefined;
  return { dir: r.dir, record: bookmarkFromSnapshot(view, r.ds, r.ds.name) };
}

/**
 * `zfs destroy FS#BOOKMARK`: zfs_do_destroy's bookmark branch. A bookmark that is not there is
 * `bookmark 'x' does not exist.` (zfs_bookmark_exists), whatever is missing.
 */
export function destroyBookmark(home: Home, fullName: string, history: string): void {
  const missing = (): never => {
    throw new ZfsError([`bookmark '${fullName}' does not exist.`]);
  };
  withPoolOf(
    home,
    fullName,
    (h) =>
      h.syncTask(history, {
        check: (c) => findBookmark(h, c.dsl, fullName) ?? missing(),
        sync: (c, found) => removeBookmark(c.dsl, found.dir, found.bookmark.name),
      }),
    missing,
  );
}
