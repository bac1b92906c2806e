/**
 * Read access to the dataset layer's records: dirs (filesystems' name-space nodes), datasets
 * (heads and snapshots), their names, and deadlist sums. `DslTxn` extends it with changes.
 */
import type { Tables } from '../store/environment.js';
import { birthRange, dirChildKey, prefixRange, snapNameKey } from '../store/keys.js';
import type { DatasetRecord, DirRecord, HeadRecord, Id, SnapshotRecord, Txg } from '../store/records.js';

/** A deadlist bucket's sums: [asize, psize, lsize] (dl_used, dl_comp, dl_uncomp). */
export type DeadSum = [used: number, compressed: number, uncompressed: number];

/** The hidden child that holds a partial `receive -s` (ZFS's `%recv` clone): no name a user gives can reach it. */
export const RECV_DIR = '%recv';

export class DslView {
  /**
   * A plain view lives for one read-only command, so it decodes each dir and builds each name
   * once: `list -t all` asks for the same dir and name for every snapshot row. A `DslTxn` (which
   * renames and changes dirs) keeps its own copies and caches nothing here.
   */
  private readonly memo: { dirs: Map<Id, DirRecord>; names: Map<Id, string> } | null;

  constructor(readonly t: Tables) {
    this.memo = new.target === DslView ? { dirs: new Map(), names: new Map() } : null;
  }

  ds(id: Id): DatasetRecord {
    const ds = this.t.datasets.get(id);
    if (!ds) throw new Error(`missing dataset ${id}`);
    return ds;
  }

  dir(id: Id): DirRecord {
    const known = this.memo?.dirs.get(id);
    if (known) return known;
    const dir = this.t.dirs.get(id);
    if (!dir) throw new Error(`missing dir ${id}`);
    this.memo?.dirs.set(id, dir);
    return dir;
  }

  head(dirId: Id): HeadRecord {
    return this.ds(this.dir(dirId).head) as HeadRecord;
  }

  snapshot(id: Id): SnapshotRecord {
    const ds = this.ds(id);
    if (ds.kind !== 'snapshot') throw new Error(`dataset ${id} is not a snapshot`);
    return ds;
  }

  childDir(parent: Id, name: string): Id | undefined {
    return this.t.dirChildren.get(dirChildKey(parent, name));
  }

  /** Child dirs of `dirId`, by name; the hidden `%recv` of a partial receive only with `hidden`. */
  childDirs(dirId: Id, hidden = false): Id[] {
    const entries = [...this.t.dirChildren.getRange(prefixRange(dirId))];
    return entries.filter((e) => hidden || (e.key as [Id, string])[1] !== RECV_DIR).map((e) => e.value);
  }

  snapshotByName(dirId: Id, name: string): Id | undefined {
    return this.t.snapNames.get(snapNameKey(dirId, name));
  }

  /** Snapshots of a dir, oldest first. */
  snapshotIds(dirId: Id): Id[] {
    return [...this.t.snapTxgs.getRange(prefixRange(dirId))].map((e) => e.value);
  }

  /** Clones of a snapshot: the first dataset of each clone's chain. */
  cloneIds(snapId: Id): Id[] {
    return [...this.t.nextClones.getKeys(prefixRange(snapId))].map((k) => (k as number[])[1]);
  }

  /** Full name of a dir: its ancestors' names joined by '/'. */
  dirName(dirId: Id): string {
    const known = this.memo?.names.get(dirId);
    if (known !== undefined) return known;
    const parts: string[] = [];
    for (let dir: DirRecord | null = this.dir(dirId); dir; dir = dir.parent === null ? null : this.dir(dir.parent)) {
      parts.push(dir.name);
    }
    const name = parts.reverse().join('/');
    this.memo?.names.set(dirId, name);
    return name;
  }

  datasetName(ds: DatasetRecord): string {
    const dirName = this.dirName(ds.dir);
    return ds.kind === 'snapshot' ? `${dirName}@${ds.name}` : dirName;
  }

  /** DL(deadlist)(low, high]: bytes on a deadlist born after `low` and at or before `high`. */
  deadRange(deadlist: Id, low: Txg, high: Txg): number {
    let sum = 0;
    for (const { value } of this.t.deadSums.getRange(birthRange(deadlist, low, high))) sum += value[0];
    return sum;
  }

  /** The compressed and uncompressed sums of the same entries as `deadRange` (dl_comp, dl_uncomp). */
  deadRangeLogical(deadlist: Id, low: Txg, high: Txg): { compressed: number; uncompressed: number } {
    let compressed = 0;
    let uncompressed = 0;
    for (const { value } of this.t.deadSums.getRange(birthRange(deadlist, low, high))) {
      const [, comp, uncomp] = value;
      compressed += comp;
      uncompressed += uncomp;
    }
    return { compressed, uncompressed };
  }
}
