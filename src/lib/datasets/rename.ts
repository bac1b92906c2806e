/**
 * `zfs rename [-f] [-p] FS FS`, `zfs rename [-r] SNAP SNAP`: libzfs's zfs_rename checks in its
 * order (target name, parents, same pool, not into itself), then one transaction group.
 */
import { renameFilesystem, renameSnapshot } from '../../engine/datasets/rename.js';
import { limitOf, transferFits, usedOf } from '../../engine/datasets/space.js';
import type { DslView } from '../../engine/datasets/view.js';
import type { Id } from '../../engine/model.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName, datasetDepth, MAX_DATASET_NAME_LEN, MAX_DATASET_NESTING, MSG_TOO_DEEP } from '../names.js';
import { poolNameOf, type PoolHandle } from '../pool-handle.js';
import { withPoolOf } from '../session.js';
import { ensureParent } from './create.js';

export interface RenameOptions {
  /** -r: the same snapshot in every descendant */
  recursive: boolean;
  /** -p: create the target's missing ancestors */
  parents: boolean;
  /** -u: the source is opened as a filesystem only (a volume is the wrong type) */
  filesystemOnly?: boolean;
}

export function rename(home: Home, source: string, target: string, opts: RenameOptions, history: string): void {
  const isSnap = source.includes('@');
  const bad = checkDatasetName(source, opts.parents ? ['filesystem'] : ['filesystem', 'snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${source}'`, bad);
  withPoolOf(
    home,
    source,
    (h) => {
      const found = h.resolve(h.view(), source);
      if (!found) throw notFound(source);
      if (opts.filesystemOnly && found.kind === 'volume') {
        throw ZfsError.action(`cannot open '${source}'`, 'operation not applicable to datasets of this type');
      }
      if (isSnap) renameSnapshotCmd(h, source, target, opts.recursive, history);
      else renameFilesystemCmd(home, h, source, target, opts.parents, history);
    },
    () => {
      throw notFound(source);
    },
  );
}

function renameSnapshotCmd(h: PoolHandle, source: string, target: string, recursive: boolean, history: string): void {
  if (source === target) return;
  const at = source.indexOf('@');
  const fsName = source.slice(0, at);
  // A short target (`new` or `@new`) names a snapshot of the same filesystem.
  if (!target.includes('@')) target = `${fsName}@${target}`;
  else if (target.startsWith('@')) target = fsName + target;
  const toAction = `cannot rename to '${target}'`;
  if (target.slice(0, target.indexOf('@')) !== fsName) throw ZfsError.action(toAction, 'snapshots must be part of same dataset');
  const bad = checkDatasetName(target, ['snapshot'], true);
  if (bad) throw ZfsError.action(toAction, bad);
  if (source === target) return;
  const oldName = source.slice(at + 1);
  const newName = target.slice(target.indexOf('@') + 1);
  const action = `cannot rename '${source}'`;
  h.change(history, (c) => {
    const top = h.findDir(c.dsl, fsName) as Id;
    const dirs = recursive ? subtree(c.dsl, top) : [top];
    const renames: Id[] = [];
    for (const d of dirs) {
      const snap = c.dsl.snapshotByName(d, oldName);
      if (snap === undefined) continue;
      if (c.dsl.snapshotByName(d, newName) !== undefined) {
        throw ZfsError.action(action, recursive ? 'a child dataset already has a snapshot with the new name' : 'dataset already exists');
      }
      // dsl_dataset_rename_snapshot_check_impl: a descendant's longer name must fit too.
      if (byteLength(`${c.dsl.dirName(d)}@${newName}`) >= MAX_DATASET_NAME_LEN) throw datasetError(action, 'ENAMETOOLONG');
      renames.push(snap);
    }
    for (const snap of renames) renameSnapshot(c.dsl, snap, newName);
  });
}

function renameFilesystemCmd(home: Home, h: PoolHandle, source: string, target: string, parents: boolean, history: string): void {
  if (source === target) return;
  const toAction = `cannot rename to '${target}'`;
  const createAction = `cannot create '${target}'`;
  const bad = checkDatasetName(target, ['filesystem'], true);
  // Too deep a target is refused by zfs_create_ancestors() with -p, else by the kernel below.
  if (bad === MSG_TOO_DEEP && parents) throw ZfsError.action(createAction, bad);
  if (bad && bad !== MSG_TOO_DEEP) throw ZfsError.action(toAction, bad);
  if (!target.includes('/')) throw ZfsError.action(createAction, 'missing dataset name');
  const targetPool = poolNameOf(target);
  if (targetPool !== h.name) {
    if (!home.find(targetPool)) throw ZfsError.action(createAction, `no such pool '${targetPool}'`);
    throw ZfsError.action(toAction, 'datasets must be within same pool');
  }
  h.change(history, (c) => {
    const dir = h.findDir(c.dsl, source) as Id;
    // zfs rename -p creates the ancestors first; without -p a missing parent fails here.
    const parent = ensureParent(h, c, target, parents, createAction);
    if (target.startsWith(source + '/')) {
      throw ZfsError.action(toAction, 'New dataset name cannot be a descendant of current dataset name');
    }
    if (dir === h.rootDir()) throw ZfsError.action(`cannot rename '${source}'`, 'operation not applicable to datasets of this type');
    if (h.findDir(c.dsl, target) !== undefined) throw datasetError(`cannot rename '${source}'`, 'EEXIST');
    if (!descendantNamesFit(c.dsl, dir, source, target)) throw datasetError(`cannot rename '${source}'`, 'ENAMETOOLONG');
    // A move to another parent takes the dir's charge, max(used, reservation), along.
    const moving = c.dsl.dir(dir);
    // dsl_dir_rename_crypt_check: an encrypted child that is not a root stays under its root.
    if (moving.crypt && moving.crypt.root !== dir && c.dsl.dir(parent).crypt?.root !== moving.crypt.root) {
      throw ZfsError.action(`cannot rename '${source}'`, 'cannot move encrypted child outside of its encryption root');
    }
    const charge = Math.max(usedOf(moving), limitOf(moving, 'reservation'));
    if (parent !== moving.parent && !transferFits(c.dsl, moving.parent as Id, parent, charge, c.tx.usableBytes())) {
      throw datasetError(`cannot rename '${source}'`, 'ENOSPC');
    }
    renameFilesystem(c.dsl, dir, parent, target.slice(target.lastIndexOf('/') + 1));
  });
}

/**
 * dsl_valid_rename(): when a rename makes names longer or deeper, every descendant and snapshot
 * under the moved dir must still have a name shorter than 256 bytes and less than the nesting limit.
 */
function descendantNamesFit(view: DslView, dir: Id, source: string, target: string): boolean {
  const charDelta = byteLength(target) - byteLength(source);
  const nestDelta = datasetDepth(target) - datasetDepth(source);
  if (charDelta <= 0 && nestDelta <= 0) return true;
  const fits = (name: string) =>
    byteLength(name) + charDelta < MAX_DATASET_NAME_LEN && !(nestDelta > 0 && datasetDepth(name) + nestDelta >= MAX_DATASET_NESTING);
  return subtree(view, dir).every((d) => {
    const name = view.dirName(d);
    return fits(name) && view.snapshotIds(d).every((s) => fits(`${name}@${view.snapshot(s).name}`));
  });
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A dir and all its descendants, parents first. */
function subtree(view: DslView, dir: Id): Id[] {
  return [dir, ...view.childDirs(dir).flatMap((child) => subtree(view, child))];
}
