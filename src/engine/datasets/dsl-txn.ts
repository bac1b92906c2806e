/**
 * The dataset layer inside one transaction group: cached, changed records written back once at
 * commit, deadlist maintenance, and `used` propagation up the dir tree (ZFS dsl_dir_diduse_space).
 */
import type { PoolTxn } from '../pool/pool.js';
import { deadEntryKey, deadSumKey, prefixRange, birthRange } from '../store/keys.js';
import {
  DEAD_DATA,
  type DatasetRecord,
  type DeadKind,
  type DirRecord,
  type Id,
  type Txg,
  type UsedBreakdown,
} from '../store/records.js';
import { parentDelta } from './dir-usage.js';
import { DslView, type DeadSum } from './view.js';

export interface DeadEntry {
  birth: Txg;
  kind: DeadKind;
  ref: number;
  asize: number;
  /** a data record's psize and lsize, for the compressed/uncompressed sums (0 for a node) */
  psize?: number;
  lsize?: number;
}

/** What a deadlist entry's value holds: asize alone (nodes, older records) or [asize, psize, lsize]. */
type DeadValue = number | [number, number, number];

const deadValue = (e: DeadEntry): DeadValue =>
  e.psize === undefined && e.lsize === undefined ? e.asize : [e.asize, e.psize ?? 0, e.lsize ?? 0];

export class DslTxn extends DslView {
  private readonly datasets = new Map<Id, DatasetRecord | null>();
  private readonly dirs = new Map<Id, DirRecord | null>();
  /** Records as read, so that only those the command changed are written back. */
  private readonly asRead = new Map<object, string>();

  constructor(readonly tx: PoolTxn) {
    super(tx.t);
    tx.onBeforeCommit(() => this.flush());
  }

  get txg(): Txg {
    return this.tx.txg;
  }

  /** A record to read or change; changes are written back at commit. */
  override ds(id: Id): DatasetRecord {
    const cached = this.datasets.get(id);
    if (cached) return cached;
    if (cached === null) throw new Error(`dataset ${id} was destroyed`);
    const ds = structuredClone(super.ds(id));
    this.datasets.set(id, ds);
    this.asRead.set(ds, JSON.stringify(ds));
    return ds;
  }

  override dir(id: Id): DirRecord {
    const cached = this.dirs.get(id);
    if (cached) return cached;
    if (cached === null) throw new Error(`dir ${id} was destroyed`);
    const dir = structuredClone(super.dir(id));
    this.dirs.set(id, dir);
    this.asRead.set(dir, JSON.stringify(dir));
    return dir;
  }

  addDataset(ds: DatasetRecord): void {
    this.datasets.set(ds.id, ds);
  }

  addDir(dir: DirRecord): void {
    this.dirs.set(dir.id, dir);
  }

  removeDataset(id: Id): void {
    this.datasets.set(id, null);
  }

  removeDir(id: Id): void {
    this.dirs.set(id, null);
  }

  /**
   * Change one part of a dir's `used`; every ancestor's `usedbychildren` follows. A dir charges
   * its parent max(used, reservation), so the parent's `child` moves by the child's change and its
   * `childRsrv` by what the reservation absorbs (ZFS dsl_dir_diduse_space, parent_delta).
   */
  addUsed(dirId: Id, part: keyof UsedBreakdown, delta: number): void {
    if (delta === 0) return;
    let dir = this.dir(dirId);
    let charged = parentDelta(dir, delta);
    dir.used[part] += delta;
    let own = delta;
    while (dir.parent !== null && (own !== 0 || charged !== 0)) {
      dir = this.dir(dir.parent);
      const next = parentDelta(dir, charged);
      dir.used.child += own;
      dir.used.childRsrv += charged - own;
      own = charged;
      charged = next;
    }
  }

  /** Change a dir's compressed and uncompressed sums; every ancestor's follows, unclamped by
   *  reservations (ZFS dsl_dir_diduse_space's compressed/uncompressed arguments). */
  addLogical(dirId: Id, compressed: number, uncompressed: number): void {
    if (compressed === 0 && uncompressed === 0) return;
    for (let dir: DirRecord | null = this.dir(dirId); dir; dir = dir.parent === null ? null : this.dir(dir.parent)) {
      dir.compressed += compressed;
      dir.uncompressed += uncompressed;
    }
  }

  deadInsert(ds: DatasetRecord, entry: DeadEntry): void {
    this.t.deadEntries.putSync(deadEntryKey(ds.deadlist, entry.birth, entry.kind, entry.ref), deadValue(entry));
    const sumKey = deadSumKey(ds.deadlist, entry.birth);
    const [used, comp, uncomp] = this.t.deadSums.get(sumKey) ?? [0, 0, 0];
    // The bucket sums what `used` counts (bp_get_dsize), the entry the asize to free.
    const dsize = entry.kind === DEAD_DATA ? this.tx.dsize(entry.ref, entry.asize) : entry.asize;
    const sum: DeadSum = [used + dsize, comp + (entry.psize ?? entry.asize), uncomp + (entry.lsize ?? entry.asize)];
    this.t.deadSums.putSync(sumKey, sum);
    ds.deadBytes += dsize;
  }

  /** Remove and return the entries of `ds`'s deadlist born in (low, high]. */
  deadTake(ds: DatasetRecord, low: Txg, high: Txg = Infinity): DeadEntry[] {
    const range = birthRange(ds.deadlist, low, high);
    const entries: DeadEntry[] = [];
    for (const { key, value } of this.t.deadEntries.getRange(range)) {
      const [, birth, kind, ref] = key as [Id, Txg, DeadKind, number];
      entries.push(typeof value === 'number' ? { birth, kind, ref, asize: value } : { birth, kind, ref, asize: value[0], psize: value[1], lsize: value[2] });
    }
    for (const e of entries) this.t.deadEntries.removeSync(deadEntryKey(ds.deadlist, e.birth, e.kind, e.ref));
    for (const { key, value } of [...this.t.deadSums.getRange(range)]) {
      this.t.deadSums.removeSync(key);
      ds.deadBytes -= value[0];
    }
    return entries;
  }

  /** Drop a whole deadlist without freeing what it lists (its blocks belong to someone else). */
  deadDrop(ds: DatasetRecord): void {
    const range = prefixRange(ds.deadlist);
    for (const key of [...this.t.deadEntries.getKeys(range)]) this.t.deadEntries.removeSync(key);
    for (const key of [...this.t.deadSums.getKeys(range)]) this.t.deadSums.removeSync(key);
    ds.deadBytes = 0;
  }

  /** Give back the space of a block or node nobody references any more. */
  freeDead(entry: DeadEntry): void {
    if (entry.kind === DEAD_DATA) this.tx.allocator.free(entry.ref, entry.asize);
    else this.t.nodes.removeSync(entry.ref);
  }

  private flush(): void {
    const changed = (record: object) => this.asRead.get(record) !== JSON.stringify(record);
    for (const [id, ds] of this.datasets) {
      if (!ds) this.t.datasets.removeSync(id);
      else if (changed(ds)) this.t.datasets.putSync(id, ds);
    }
    for (const [id, dir] of this.dirs) {
      if (!dir) this.t.dirs.removeSync(id);
      else if (changed(dir)) this.t.dirs.putSync(id, dir);
    }
  }
}
