/**
 * `zfs rollback [-rRf] SNAP`: only the latest snapshot is a target; `-r` destroys the newer
 * snapshots first, `-R` their clones too. The checks print as zfs_main's rollback_check does, and
 * everything happens in one transaction group.
 */
import { bookmarksOf, latestBookmarkTxg, removeBookmark } from '../../engine/datasets/bookmark.js';
import { rollbackHead } from '../../engine/datasets/rollback.js';
import { rollbackRefusal } from '../../engine/datasets/space.js';
import type { DslView } from '../../engine/datasets/view.js';
import type { HeadRecord, SnapshotRecord } from '../../engine/model.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { withPoolOf } from '../session.js';
import { dependents, execute, refuseHeld, type Step } from './destroy.js';
import { walkTree } from '../../engine/sync-task.js';

export interface RollbackOptions {
  /** -r: destroy newer snapshots */
  recursive: boolean;
  /** -R: and their clones */
  clones: boolean;
}

/** zfs_main stops listing newer snapshots after this many. */
const MAX_YOUNGER = 32;

export function rollback(home: Home, name: string, opts: RollbackOptions, history: string): void {
  const bad = checkDatasetName(name, ['snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  const fsName = name.slice(0, name.indexOf('@'));
  withPoolOf(
    home,
    name,
    (h) =>
      h.change(history, (c) => {
        const target = h.resolve(c.dsl, name);
        if (!target || target.kind !== 'snapshot') throw notFound(name);
        const snap = target.ds;
        const newer = c.dsl
          .snapshotIds(target.dir)
          .map((id) => c.dsl.ds(id) as SnapshotRecord)
          .filter((s) => s.createTxg > snap.createTxg);
        // Bookmarks come after the snapshots, by txg then name (the kernel's bookmark tree).
        const newerBookmarks = bookmarksOf(c.dsl, target.dir)
          .filter((b) => b.createTxg > snap.createTxg)
          .sort((a, b) => a.createTxg - b.createTxg || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
          .map((b) => b.name);
        if (!opts.clones) refuseNewer(c.dsl, name, newer, newerBookmarks.map((b) => `${fsName}#${b}`), opts.recursive);
        // The newer snapshots newest first, each with whatever was cloned from it: destroy's plan,
        // run by destroy's own ordering and refused, as destroy is, if anything in it is held.
        const steps = newer.reverse().flatMap((s): Step[] => [
          ...c.dsl.cloneIds(s.id).flatMap((cloneHead) => dependents(c.dsl, c.dsl.ds(cloneHead).dir, true, [])),
          { kind: 'snapshot', id: s.id },
        ]);
        refuseHeld(c.dsl, steps.flatMap((s) => (s.kind === 'snapshot' ? [s.id] : [])));
        execute(c, steps, false);
        for (const b of newerBookmarks) removeBookmark(c.dsl, target.dir, b);
        const head = c.dsl.head(target.dir) as HeadRecord;
        if (head.prev !== snap.id || latestBookmarkTxg(c.dsl, target.dir) > head.prevTxg) {
          throw ZfsError.action(`cannot rollback '${fsName}'`, `there is a snapshot or bookmark more recent than '${name}'`);
        }
        // Both refusals print as zfs_standard_error's words for ENOSPC and EDQUOT.
        if (rollbackRefusal(c.dsl, head, c.tx.usableBytes()) !== null) throw datasetError(`cannot rollback '${fsName}'`, 'ENOSPC');
        rollbackHead(c.dsl, head.id, walkTree(c));
      }),
    () => {
      throw notFound(name);
    },
  );
}

/** rollback_check: newer snapshots need -r; with -r, their clones need -R. */
function refuseNewer(view: DslView, name: string, newer: SnapshotRecord[], newerBookmarks: string[], recursive: boolean): void {
  if (newer.length === 0 && newerBookmarks.length === 0) return;
  if (!recursive) {
    const younger = [...newer.map((s) => view.datasetName(s)), ...newerBookmarks];
    const lines = [
      `cannot rollback to '${name}': more recent snapshots or bookmarks exist`,
      "use '-r' to force deletion of the following snapshots and bookmarks:",
      ...younger.slice(0, MAX_YOUNGER),
    ];
    if (younger.length >= MAX_YOUNGER) lines.push(`Output limited to ${MAX_YOUNGER} snapshots/bookmarks`);
    throw new ZfsError(lines);
  }
  const clones: string[] = [];
  for (const s of newer) {
    for (const cloneHead of view.cloneIds(s.id)) {
      for (const step of dependents(view, view.ds(cloneHead).dir, true, [])) {
        clones.push(step.kind === 'snapshot' ? view.datasetName(view.ds(step.id)) : view.dirName(step.dir));
      }
    }
  }
  if (clones.length > 0) {
    throw new ZfsError([
      `cannot rollback to '${name}': clones of previous snapshots exist`,
      "use '-R' to force deletion of the following clones and dependents:",
      ...clones,
    ]);
  }
}
