/** A new filesystem (or, with `type`, volume): a dir and its head dataset, whose tree the file
 *  layer has just laid out. */
import { nowSeconds } from '../pool/clock.js';
import { dirChildKey } from '../store/keys.js';
import type { BlockPtr, HeadRecord, Id, NodePtr } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';
import { physicalSize } from '../blocks/compression.js';
import { setHeadUnique } from './space.js';

/**
 * The space a new, empty filesystem or volume takes (its objset, root directory, master node and
 * the rest of ZFS's metadata), as OpenZFS 2.x reports it: 96K at ashift 12 and 24K at ashift 9,
 * i.e. 24 sectors and at least 24K. tszfs keeps that metadata in LMDB, so the space is allocated
 * in the image without being written (PoolTxn.allocateBlock).
 */
export function metadataBytes(sector: number): number {
  return Math.max(24 * 1024, 24 * sector);
}

/** A new dataset's tree: its root and its metadata allocation (a block born in this txg). */
export interface NewTree {
  root: NodePtr;
  meta: BlockPtr;
}

/**
 * Charge a head its tree's metadata allocation, as dsl_dataset_block_born charges a block born in
 * this txg: referenced, unique, usedbydataset, the logical sums (the pool's allocation was made
 * by PoolTxn.allocateBlock). From then on it is one more block: snapshots and clones share it,
 * destroy frees it with the last of them. As OpenZFS writes a new objset in syncing context, where
 * only the pool's space is checked, quotas do not refuse it (a create may take a dir past its quota).
 */
export function chargeMetadata(dsl: DslTxn, headId: Id, meta: BlockPtr): void {
  const head = dsl.ds(headId) as HeadRecord;
  const dsize = dsl.tx.dsize(meta.offset, meta.asize);
  head.referenced += dsize;
  setHeadUnique(dsl, head, head.unique + dsize);
  dsl.addUsed(head.dir, 'head', dsize);
  head.compressed += physicalSize(meta);
  head.uncompressed += meta.lsize;
  dsl.addLogical(head.dir, physicalSize(meta), meta.lsize);
}

export function createFilesystem(
  dsl: DslTxn,
  parent: Id | null,
  name: string,
  props: Record<string, string>,
  tree: NewTree,
  ids: { dir: Id; head: Id },
  type?: 'volume',
): HeadRecord {
  const head: HeadRecord = {
    kind: 'head',
    id: ids.head,
    dir: ids.dir,
    prev: null,
    prevTxg: 0,
    createTxg: dsl.txg,
    creation: nowSeconds(),
    guid: dsl.tx.guidFor(ids.head),
    root: tree.root,
    referenced: 0,
    unique: 0,
    deadlist: dsl.tx.newId(),
    deadBytes: 0,
    compressed: 0,
    uncompressed: 0,
  };
  dsl.addDir({ id: ids.dir, parent, name, head: head.id, origin: null, originTxg: 0, used: { head: 0, snap: 0, child: 0, childRsrv: 0, refrsrv: 0 }, compressed: 0, uncompressed: 0, props, ...(type && { type }) });
  dsl.addDataset(head);
  if (parent !== null) dsl.t.dirChildren.putSync(dirChildKey(parent, name), ids.dir);
  chargeMetadata(dsl, head.id, tree.meta);
  return head;
}
