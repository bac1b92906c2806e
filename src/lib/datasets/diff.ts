/**
 * `zfs diff SNAP [SNAP|FS]` (libzfs_diff.c): the objects that differ between an earlier snapshot
 * and a later snapshot or the filesystem itself, classified as libzfs's write_inuse_diffs_one
 * does. Only the parts of the object table born after the earlier snapshot are read.
 */
import type { DslView } from '../../engine/datasets/view.js';
import type { DatasetRecord } from '../../engine/model.js';
import { diffAt } from '../../engine/reading.js';
import type { Timespec } from '../../engine/model.js';
import { ZfsError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { headKind } from '../pool-handle.js';
import { DatasetProps } from '../properties/values.js';
import { withFilesystem } from '../session.js';

export interface DiffLine {
  change: '+' | '-' | 'M' | 'R';
  /** libzfs's -F letter: F file, / directory, @ symlink, C and B devices, | FIFO, = socket */
  type: 'F' | '/' | '@' | 'C' | 'B' | '|' | '=';
  /** path inside the filesystem, `/` for its root */
  path: string;
  /** for R: the new path */
  newPath?: string;
  /** for M of a non-directory whose link count changed: by how much (shown as `(+1)`) */
  linkDelta?: number;
  /** ctime of the object as `-t` prints it */
  ctime: Timespec;
}

export interface DiffResult {
  /** the filesystem's mountpoint, which prefixes every path */
  mountpoint: string;
  lines: DiffLine[];
}

/** Resolve the operands as libzfs's get_snapshot_names does, then compare. */
export function diff(home: Home, fromArg: string, toArg: string | undefined): DiffResult {
  const fsName = (!fromArg.startsWith('@') ? fromArg : (toArg ?? '')).split('@')[0];
  return withFilesystem(home, fsName, (h, dir) => {
    const view = h.view();
    if (headKind(view, dir) === 'volume') throw ZfsError.action(`cannot open '${fsName}'`, 'operation not applicable to datasets of this type');
    const { from, to } = operands(fromArg, toArg);
    const a = h.resolve(view, from);
    const b = h.resolve(view, to);
    if (!a || a.kind !== 'snapshot' || !b) throw obtainFailed('No such file or directory');
    if (!isBefore(view, a.ds, b.ds)) throw obtainFailed('\n   Not an earlier snapshot from the same fs');
    // Paths are shown under the mountpoint of the later dataset's filesystem.
    const props = new DatasetProps(view, h.pool.meta(), view.head(b.ds.dir));
    return {
      mountpoint: String(props.get('mountpoint')?.value ?? ''),
      lines: diffAt(h.pool.t, a.ds.root, a.ds.createTxg, b.ds.root).map(({ change, dnode, path, newPath, linkDelta }) => ({
        change,
        type: TYPE_LETTERS[dnode.type],
        path,
        ...(newPath === undefined ? {} : { newPath }),
        ...(linkDelta === undefined ? {} : { linkDelta }),
        ctime: dnode.ctime,
      })),
    };
  });
}

const TYPE_LETTERS = { file: 'F', dir: '/', symlink: '@', chardev: 'C', blockdev: 'B', fifo: '|', socket: '=' } as const;

const obtainFailed = (why: string) => new ZfsError([`Unable to obtain diffs: ${why}`]);

function operands(fromArg: string, toArg: string | undefined): { from: string; to: string } {
  if (toArg === undefined) {
    const bad = checkDatasetName(fromArg, ['snapshot'], false);
    if (bad) throw ZfsError.action(`Badly formed snapshot name ${fromArg}`, bad);
    return { from: fromArg, to: fromArg.slice(0, fromArg.indexOf('@')) };
  }
  const fAt = fromArg.indexOf('@');
  const tAt = toArg.indexOf('@');
  const fds = fAt < 0 ? fromArg : fromArg.slice(0, fAt);
  const tds = tAt < 0 ? toArg : toArg.slice(0, tAt);
  const fsn = fromArg.length - fds.length;
  const tsn = toArg.length - tds.length;
  if (fsn <= 1 || tsn === 1 || (fds === '' && tds === '')) {
    throw new ZfsError(['Unable to determine which snapshots to compare: invalid name']);
  }
  return { from: fds === '' ? tds + fromArg : fromArg, to: tds === '' ? fds + toArg : toArg };
}

/** dsl_dataset_is_before: `earlier` is a strictly earlier snapshot of `later`'s own chain or of
 *  one of its origins. */
function isBefore(view: DslView, earlier: DatasetRecord, later: DatasetRecord): boolean {
  if (later.kind === 'snapshot' && earlier.createTxg >= later.createTxg) return false;
  let dirId = later.dir;
  let limit = Infinity;
  for (;;) {
    if (dirId === earlier.dir) return earlier.createTxg <= limit;
    const dir = view.dir(dirId);
    if (dir.origin === null) return false;
    const origin = view.ds(dir.origin);
    dirId = origin.dir;
    limit = origin.createTxg;
  }
}
