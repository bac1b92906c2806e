/**
 * `zfs hold`, `zfs release` and `zfs holds`: user holds on snapshots, one operand at a time as
 * zfs_main does (each operand is its own transaction group; the command fails if any did).
 */
import { addHold, hasHold, holdsOf, removeHold } from '../../engine/datasets/holds.js';
import type { DslView } from '../../engine/datasets/view.js';
import { nowSeconds } from '../../engine/pool/clock.js';
import type { Id, SnapshotRecord } from '../../engine/model.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { withFilesystem, withPoolOf } from '../session.js';

/** dsl_dataset_user_hold_check: a tag longer than MAXNAMELEN is E2BIG. */
const MAX_TAG_LEN = 256;

/** The snapshots called `snapName` in `dir` (and with `recursive` its descendants), by name. */
function snapshotsNamed(view: DslView, dir: Id, snapName: string, recursive: boolean): SnapshotRecord[] {
  const out: SnapshotRecord[] = [];
  const visit = (d: Id) => {
    const id = view.snapshotByName(d, snapName);
    if (id !== undefined) out.push(view.ds(id) as SnapshotRecord);
    if (recursive) {
      const children = view.childDirs(d).map((c) => ({ c, n: view.dir(c).name }));
      children.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0)).forEach(({ c }) => visit(c));
    }
  };
  visit(dir);
  return out;
}

/** A `fs@snap` operand's two parts. */
function splitOperand(operand: string): { fsName: string; snapName: string } {
  const at = operand.indexOf('@');
  return { fsName: operand.slice(0, at), snapName: operand.slice(at + 1) };
}

export function hold(home: Home, tag: string, operand: string, recursive: boolean, history: string | null): void {
  const { fsName, snapName } = splitOperand(operand);
  withFilesystem(home, fsName, (h, dir) =>
    h.change(history, (c) => {
      const snaps = snapshotsNamed(c.dsl, dir, snapName, recursive);
      if (snaps.length === 0) throw datasetError(`cannot hold snapshot '${operand}'`, 'ENOENT');
      for (const s of snaps) {
        const action = `cannot hold snapshot '${c.dsl.datasetName(s)}'`;
        if (Buffer.byteLength(tag) > MAX_TAG_LEN) throw ZfsError.action(action, 'tag too long');
        if (hasHold(c.dsl, s.id, tag)) throw ZfsError.action(action, 'tag already exists on this dataset');
      }
      const now = nowSeconds();
      for (const s of snaps) addHold(c.dsl, s.id, tag, now);
    }),
  );
}

export function release(home: Home, tag: string, operand: string, recursive: boolean, history: string | null): void {
  const { fsName, snapName } = splitOperand(operand);
  withFilesystem(home, fsName, (h, dir) =>
    h.change(history, (c) => {
      const snaps = snapshotsNamed(c.dsl, dir, snapName, recursive);
      const action = `cannot release hold from snapshot '${operand}'`;
      if (snaps.length === 0) throw datasetError(action, 'ENOENT');
      const tagged = snaps.filter((s) => hasHold(c.dsl, s.id, tag));
      if (tagged.length === 0) throw ZfsError.action(action, 'no such tag on this dataset');
      for (const s of tagged) removeHold(c.dsl, s.id, tag);
    }),
  );
}

export interface HoldRow {
  snapshot: string;
  tag: string;
  time: number;
}

/** The holds of one operand's snapshots (`recursive`: the same name in descendants), in list order.
 *  `examined` gets every snapshot looked at, for the NAME column's width. */
export function listHolds(home: Home, operand: string, recursive: boolean, examined: (name: string) => void): HoldRow[] {
  const bad = checkDatasetName(operand, ['snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${operand}'`, bad);
  const { fsName, snapName } = splitOperand(operand);
  return withPoolOf(
    home,
    fsName,
    (h) => {
      const view = h.view();
      const dir = h.findDir(view, fsName);
      const snaps = dir === undefined ? [] : snapshotsNamed(view, dir, snapName, recursive);
      if (dir === undefined || (!recursive && snaps.length === 0)) throw notFound(operand);
      const rows: HoldRow[] = [];
      for (const s of snaps) {
        const name = view.datasetName(s);
        examined(name);
        for (const { tag, time } of holdsOf(view, s.id)) rows.push({ snapshot: name, tag, time });
      }
      return rows;
    },
    () => {
      throw notFound(operand);
    },
  );
}
