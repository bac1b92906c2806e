/**
 * The engine's one front door for change (OpenZFS dsl_sync_task): every changing command runs as
 * a `check` step and then a `sync` step inside one LMDB write transaction, which is one
 * transaction group. `check` reads and refuses, changing nothing; `sync` applies. Because both run
 * inside the transaction, every read that decides a change is made where it is applied: no other
 * process can change the pool between them. Nothing here waits on input: callers stage it first
 * (pool/staging.ts). The writers of a head's files, volume or objects are opened here too, so
 * that the library never handles nodes, records or their settings itself.
 */
import { ownerQuotas } from './files/owners.js';
import { NodeReader, NodeWriter, type DirtyNodes, type NodeKillSink } from './blocks/nodes.js';
import { algorithmFor } from './blocks/checksum.js';
import { compressionFor } from './blocks/compression.js';
import type { WriteSettings } from './blocks/records.js';
import type { TreeWalker } from './datasets/destroy.js';
import { DslTxn } from './datasets/dsl-txn.js';
import { HeadWriter } from './datasets/head-writer.js';
import { FsWriter } from './files/fs-writer.js';
import { ObjectWriter } from './files/object-writer.js';
import { createObjset, walkObjsetBornAfter } from './files/objset.js';
import { createVolumeObjset, VolumeWriter, type VolumeGeometry } from './files/volume.js';
import { nowSeconds, nowTimespec } from './pool/clock.js';
import type { Pool, PoolTxn } from './pool/pool.js';
import type { BlockPtr, HeadRecord, HistoryRecord, Id, NodePtr } from './store/records.js';
import { metadataBytes, type NewTree } from './datasets/create.js';

/** What a sync task sees: the open transaction group and the dataset layer over it. */
export interface Change {
  readonly tx: PoolTxn;
  readonly dsl: DslTxn;
}

export interface SyncTask<Checked, Result> {
  /** Read and validate; throw to refuse. Changes nothing. */
  check(c: Change): Checked;
  /** Apply what check allowed, in the same transaction. */
  sync(c: Change, checked: Checked): Result;
}

/**
 * Run `task` as one transaction group: check, then sync, then (when the sync succeeded) the
 * history record, all committed together or not at all.
 */
export function syncTask<Checked, Result>(pool: Pool, history: Omit<HistoryRecord, 'time'> | null, task: SyncTask<Checked, Result>): Result {
  return pool.change((tx) => {
    const c: Change = { tx, dsl: new DslTxn(tx) };
    const result = task.sync(c, task.check(c));
    if (history !== null) tx.t.history.putSync(tx.newId(), { time: nowSeconds(), ...history });
    return result;
  });
}

/** How a head's records are stored, from its `checksum` and `compression` property values. */
type PropertyValue = string | number | undefined;
export const writeSettings = (checksum: PropertyValue, compression: PropertyValue, specialSmallBlocks?: PropertyValue): WriteSettings => ({
  checksum: algorithmFor(checksum),
  compression: compressionFor(compression),
  ...(Number(specialSmallBlocks) > 0 ? { specialSmallBlocks: Number(specialSmallBlocks) } : {}),
});

/** The txg's written nodes: every writer of one change shares them, and they are stored once. */
const dirtyNodes = new WeakMap<Change, DirtyNodes>();

function nodeWriter(c: Change, sink: NodeKillSink): NodeWriter {
  let dirty = dirtyNodes.get(c);
  if (!dirty) {
    const nodes: DirtyNodes = new Map();
    dirtyNodes.set(c, nodes);
    c.tx.onBeforeCommit(() => new NodeWriter(c.tx.t, c.tx.txg, () => c.tx.newId(), sink, nodes).flush());
    dirty = nodes;
  }
  return new NodeWriter(c.tx.t, c.tx.txg, () => c.tx.newId(), sink, dirty);
}

/**
 * Open the next txg of this change (PoolTxn.advanceTxg). The nodes written so far are stored now:
 * from here on they are born in an earlier txg, so writers copy them instead of changing them
 * in place, and a snapshot taken before keeps seeing them. Writers opened before must not be reused.
 */
export function nextTxg(c: Change): void {
  const dirty = dirtyNodes.get(c);
  if (dirty) for (const [id, node] of dirty) c.tx.t.nodes.putSync(id, node);
  dirty?.clear();
  c.tx.advanceTxg();
}

/** A writer for a tree made in this txg: nothing in it can be replaced. */
const newTreeWriter = (c: Change): NodeWriter =>
  nodeWriter(c, {
    killNode: () => {
      throw new Error('a new tree has nothing to kill');
    },
  });

/** A new dataset's metadata allocation: space taken in the image, never written or read. */
function newMetadata(c: Change): BlockPtr {
  const size = metadataBytes(c.tx.sector);
  const { offset, asize } = c.tx.allocateBlock(size);
  return { offset, asize, lsize: size, birth: c.tx.txg, cksumAlg: 'off', checksum: new Uint8Array(0) };
}

/** A new, empty file system tree and its metadata allocation. */
export function newObjset(c: Change): NewTree {
  const meta = newMetadata(c);
  return { root: createObjset(newTreeWriter(c), nowTimespec(), meta), meta };
}

/** A new volume's tree, its data object all zeros, and its metadata allocation. */
export function newVolumeObjset(c: Change, geometry: VolumeGeometry): NewTree {
  const meta = newMetadata(c);
  return { root: createVolumeObjset(newTreeWriter(c), nowTimespec(), geometry, meta), meta };
}

/** A writer of a head's tree made by `make`; its new root is recorded in the head at once. */
function openHead<W extends { rootPtr: NodePtr }>(c: Change, headId: Id, make: (w: NodeWriter, accounting: HeadWriter, root: NodePtr) => W): W {
  const accounting = new HeadWriter(c.dsl, headId);
  const head = c.dsl.ds(headId) as HeadRecord;
  const writer = make(nodeWriter(c, accounting), accounting, head.root);
  head.root = writer.rootPtr;
  return writer;
}

/** A writer for a volume head's bytes. */
export const openVolume = (c: Change, headId: Id): VolumeWriter =>
  openHead(c, headId, (w, accounting, root) => new VolumeWriter(c.tx, w, accounting, root, nowTimespec()));

/** A writer for the files of a head. */
export const openFiles = (c: Change, headId: Id): FsWriter =>
  openHead(c, headId, (w, accounting, root) => new FsWriter(c.tx, w, accounting, root, nowTimespec(), ownerQuotas(c.dsl.dir(accounting.head.dir).quotas)));

/** An object-level writer for a head (receive). */
export const openObjects = (c: Change, headId: Id, settings: WriteSettings): ObjectWriter =>
  openHead(c, headId, (w, accounting, root) => new ObjectWriter(c.tx, settings, w, accounting, root, c.dsl.dir(accounting.head.dir).type === 'volume'));

export const walkTree = (c: Change): TreeWalker => (root, minBirth, onNode, onBlock) =>
  walkObjsetBornAfter(new NodeReader(c.tx.t), root, minBirth, onNode, onBlock);
