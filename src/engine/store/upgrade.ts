/**
 * Pools made by older tszfs hold records that lack fields added since. They are brought to the
 * current format once, in one write transaction when the pool is opened, so that every reader
 * reads one format: no record is patched up on each read.
 *
 * Format 1 (and any pool without `valueChecksums`) may lack: a dir's reservation parts and
 * compressed sums, a dataset's compressed sums, a snapshot's holds fields, deadlist sums as
 * triples, and the checksum mark on every stored value. Format 2 has them all.
 */
import type { Database, Key } from 'lmdb';
import type { Store } from './environment.js';
import type { DatasetRecord, DirRecord, PoolMeta } from './records.js';

export const CURRENT_FORMAT = 2;

/** Entries rewritten per range read, so that a large table is never held in memory whole. */
const BATCH = 4096;

export const needsUpgrade = (meta: PoolMeta): boolean => meta.formatVersion < CURRENT_FORMAT || !meta.valueChecksums;

/** Bring the pool's records to the current format; a no-op for a current pool. */
export function upgradeFormat(store: Store): void {
  const t = store.t;
  store.write(() => {
    // Read again inside the transaction: another process may have upgraded it meanwhile.
    const meta = t.meta.get('pool');
    if (!meta || !needsUpgrade(meta)) return;
    rewriteAll(t.dirs, upgradeDir);
    rewriteAll(t.datasets, upgradeDataset);
    // Buckets written before compression existed hold the asize alone.
    const deadSums = t.deadSums as unknown as Database<number | [number, number, number], Key>;
    rewriteAll(deadSums, (sum): [number, number, number] => (typeof sum === 'number' ? [sum, sum, sum] : sum));
    // Values written before checksums existed get theirs by being written again.
    if (!meta.valueChecksums) {
      for (const db of Object.values(t) as Array<Database<unknown, Key>>) if (db !== t.meta) rewriteAll(db, (v) => v);
    }
    t.meta.putSync('pool', { ...meta, formatVersion: CURRENT_FORMAT, valueChecksums: true });
  });
}

function upgradeDir(dir: DirRecord): DirRecord {
  // Dirs recorded before reservations were accounted lack these parts.
  dir.used.childRsrv ??= 0;
  dir.used.refrsrv ??= 0;
  // Dirs recorded before compression existed: everything was stored as is.
  dir.compressed ??= dir.used.head + dir.used.snap + dir.used.child;
  dir.uncompressed ??= dir.compressed;
  return dir;
}

function upgradeDataset(ds: DatasetRecord): DatasetRecord {
  // Datasets recorded before compression existed: everything was stored as is.
  ds.compressed ??= ds.referenced;
  ds.uncompressed ??= ds.referenced;
  if (ds.kind === 'snapshot') {
    // Snapshots recorded before holds existed have neither field.
    ds.userrefs ??= 0;
    ds.deferDestroy ??= false;
  }
  return ds;
}

/** Put every value of `db` back as `upgrade` makes it, in key order, a batch at a time. */
function rewriteAll<V, K extends Key>(db: Database<V, K>, upgrade: (value: V) => V): void {
  let after: K | undefined;
  for (;;) {
    // A range starts at its start key inclusive, and `after` is still there (keys are only put).
    const batch = after === undefined ? [...db.getRange({ limit: BATCH })] : [...db.getRange({ start: after, limit: BATCH + 1 })].slice(1);
    if (batch.length === 0) return;
    for (const { key, value } of batch) db.putSync(key, upgrade(value));
    after = batch[batch.length - 1].key;
  }
}
