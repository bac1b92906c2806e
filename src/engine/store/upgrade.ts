/**
 * Pools made by older tszfs hold records that lack fields added since. They are brought to the
 * current format once, in one write transaction when the pool is opened, so that every reader
 * reads one format: no record is patched up on each read.
 *
 * Format 1 (and any pool without `valueChecksums`) may lack: a dir's reservation parts and
 * compressed sums, a dataset's compressed sums, a snapshot's holds fields, deadlist sums as
 * triples, and the checksum mark on every stored value. Format 2 has them all.
 *
 * Format 2 dnodes (files and directories) carry no POSIX attributes and times in whole seconds:
 * format 3 gives each its mode (0644, 0755), owner and group 0, link count (a directory's counted:
 * 2 + its subdirectories), times as [seconds, nanoseconds] with atime and crtime from mtime.
 */
import type { Database, Key } from 'lmdb';
import type { Store } from './environment.js';
import type { DatasetRecord, DirRecord, Id, NodePtr, PoolMeta } from './records.js';

export const CURRENT_FORMAT = 3;

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
    if (meta.formatVersion < 3) upgradeDnodes(t.datasets as unknown as Database<DatasetRecord, Key>, t.nodes as Database<unknown, Id>);
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

/** The nodes of a tree of files as format 2 stored them (engine/files/objset.ts and blocks/radix.ts). */
interface OldObjset {
  t: 'os';
  objects: { root: NodePtr | null; levels: number };
}
type OldRadix = { t: 'i'; c: Array<NodePtr | null> } | { t: 'l'; e: Array<OldDnode | Record<string, unknown> | null> };
interface OldDnode {
  type: 'file' | 'dir';
  mtime: number | [number, number];
  ctime: number | [number, number];
  entries?: NodePtr | null;
  [field: string]: unknown;
}
/** OBJECT table fanout (5 bits per level) */
const FANOUT = 32;

/**
 * Give every dnode of every dataset (heads and snapshots) its POSIX attributes, rewriting each
 * object-table leaf in place (its id and birth kept: the trees that share it see one format).
 */
function upgradeDnodes(datasets: Database<DatasetRecord, Key>, nodes: Database<unknown, Id>): void {
  const done = new Set<Id>();
  for (const { value: ds } of datasets.getRange({})) {
    const root = (ds as { root?: NodePtr }).root;
    if (!root) continue;
    const os = nodes.get(root.id) as OldObjset | undefined;
    if (!os || os.t !== 'os' || !os.objects.root) continue;
    // Every object of this tree, and the leaves that hold them.
    const objects = new Map<number, OldDnode>();
    const leaves: Array<{ id: Id; node: OldRadix & { t: 'l' } }> = [];
    const walk = (ptr: NodePtr, level: number, base: number) => {
      const node = nodes.get(ptr.id) as OldRadix;
      if (node.t === 'l') {
        node.e.forEach((e, i) => e && objects.set(base + i, e as OldDnode));
        leaves.push({ id: ptr.id, node });
      } else node.c.forEach((c, i) => c && walk(c, level - 1, base + i * FANOUT ** level));
    };
    walk(os.objects.root, os.objects.levels, 0);
    for (const { id, node } of leaves) {
      if (done.has(id)) continue;
      done.add(id);
      if (!node.e.some((e) => e && typeof (e as OldDnode).mtime === 'number')) continue;
      const e = node.e.map((dn) => (dn && typeof (dn as OldDnode).mtime === 'number' ? upgradeDnode(dn as OldDnode, nodes, objects) : dn));
      nodes.putSync(id, { ...node, e });
    }
  }
}

function upgradeDnode(dn: OldDnode, nodes: Database<unknown, Id>, objects: Map<number, OldDnode>): OldDnode {
  const mtime: [number, number] = [dn.mtime as number, 0];
  const dir = dn.type === 'dir';
  let nlink = 1;
  if (dir) {
    const entries = dn.entries ? (nodes.get(dn.entries.id) as { e: Array<[string, number]> }).e : [];
    nlink = 2 + entries.filter(([, o]) => objects.get(o)?.type === 'dir').length;
  }
  return { ...dn, mode: dir ? 0o755 : 0o644, uid: 0, gid: 0, nlink, atime: mtime, mtime, ctime: [dn.ctime as number, 0], crtime: mtime };
}
