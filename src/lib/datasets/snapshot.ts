/** `zfs snapshot [-r] [-o prop=val]... FS@SNAP...`: all or none, in one transaction group. */
import { createSnapshot } from '../../engine/datasets/snapshot.js';
import type { DslView } from '../../engine/datasets/view.js';
import { snapshotFits } from '../../engine/datasets/space.js';
import type { HeadRecord, Id } from '../../engine/model.js';
import { partialOf } from '../resumable.js';
import { ZfsError, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { poolNameOf, type PoolHandle } from '../pool-handle.js';
import { withPool } from '../session.js';
import { checkUserValues, PropertyError, validateAssignment } from '../properties/assign.js';

export interface SnapshotOptions {
  recursive: boolean;
  props: Array<[string, string]>;
}

/** Thrown for a snapshot of a filesystem that does not exist: zfs prints usage after it (exit 2). */
export class SnapshotSourceMissing extends ZfsError {}

export function snapshot(home: Home, names: string[], opts: SnapshotOptions, history: string): void {
  const several = names.length > 1 || opts.recursive;
  const fail = (err: ZfsError): never => {
    if (several && !(err instanceof SnapshotSourceMissing)) throw new ZfsError([...err.lines, 'no snapshots were created']);
    throw err;
  };
  for (const name of names) {
    const bad = checkDatasetName(name, ['snapshot'], true);
    if (bad) fail(ZfsError.action(`cannot create snapshot '${name}'`, bad));
  }
  const props: Record<string, string> = {};
  try {
    for (const [k, v] of opts.props) props[validateAssignment(k, v, 'snapshot').name] = v;
    checkUserValues(props);
  } catch (err) {
    if (err instanceof PropertyError) fail(ZfsError.action('cannot create snapshots ', err.message));
    throw err;
  }
  const pools = new Set(names.map(poolNameOf));
  if (pools.size > 1) fail(ZfsError.action('cannot create snapshots ', 'multiple snapshots of same fs not allowed'));
  const missing = (): never => {
    const fs = names[0].slice(0, names[0].indexOf('@'));
    throw new SnapshotSourceMissing([`cannot open '${fs}': dataset does not exist`], 2);
  };
  withPool(
    home,
    [...pools][0],
    (h) => {
      try {
        h.change(history, (c) => {
          const targets = collectTargets(h, c.dsl, names, opts.recursive);
          for (const [headId, { full, snapName }] of targets) {
            if (!snapshotFits(c.dsl, c.dsl.ds(headId) as HeadRecord, c.tx.usableBytes())) {
              throw datasetError(`cannot create snapshot '${full}'`, 'ENOSPC');
            }
            createSnapshot(c.dsl, headId, snapName, { ...props });
          }
        });
      } catch (err) {
        if (err instanceof ZfsError) fail(err);
        throw err;
      }
    },
    { onMissing: missing },
  );
}

function collectTargets(
  h: PoolHandle,
  view: DslView,
  names: string[],
  recursive: boolean,
): Map<Id, { full: string; snapName: string }> {
  const targets = new Map<Id, { full: string; snapName: string }>();
  const add = (dir: Id, snapName: string) => {
    const fsName = view.dirName(dir);
    const full = `${fsName}@${snapName}`;
    const headId = view.dir(dir).head;
    if (targets.has(headId)) throw ZfsError.action('cannot create snapshots ', 'multiple snapshots of same fs not allowed');
    targets.set(headId, { full, snapName });
    dirs.set(headId, dir);
  };
  const dirs = new Map<Id, Id>();
  for (const name of names) {
    const at = name.indexOf('@');
    const fsName = name.slice(0, at);
    const dir = h.findDir(view, fsName);
    if (dir === undefined) throw new SnapshotSourceMissing([`cannot open '${fsName}': dataset does not exist`], 2);
    const walk = (d: Id) => {
      add(d, name.slice(at + 1));
      // zfs_snapshot_cb: -r skips a filesystem a partial receive -s made (inconsistent).
      if (recursive) for (const child of view.childDirs(d)) if (!partialOf(view, child)?.partial.created) walk(child);
    };
    walk(dir);
  }
  // zfs_snapshot_nvl() validates every name `-r` made (a descendant's may be too long) before
  // the kernel looks for existing snapshots.
  for (const { full } of targets.values()) {
    const bad = checkDatasetName(full, ['snapshot'], true);
    if (bad) throw ZfsError.action(`cannot create snapshot '${full}'`, bad);
  }
  for (const [headId, { full, snapName }] of targets) {
    if (view.snapshotByName(dirs.get(headId) as Id, snapName) !== undefined) {
      throw datasetError(`cannot create snapshot '${full}'`, 'EEXIST');
    }
  }
  return targets;
}
