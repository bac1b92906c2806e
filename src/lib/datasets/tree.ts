/** Glue between the dataset layer and the file layer for one head inside a transaction group. */
import { NodeReader, NodeWriter } from '../../engine/blocks/nodes.js';
import { HeadWriter } from '../../engine/datasets/head-writer.js';
import type { TreeWalker } from '../../engine/datasets/destroy.js';
import { nowSeconds } from '../../engine/pool/clock.js';
import { FsWriter } from '../../engine/files/fs-writer.js';
import { createObjset, walkObjsetBornAfter } from '../../engine/files/objset.js';
import type { HeadRecord, Id, NodePtr } from '../../engine/store/records.js';
import type { Change } from '../pool-handle.js';

/** The root of a new, empty file system tree. */
export function newObjset(c: Change): NodePtr {
  const w = new NodeWriter(c.tx.t, c.tx.txg, () => c.tx.newId(), {
    killNode: () => {
      throw new Error('a new tree has nothing to kill');
    },
  });
  c.tx.onBeforeCommit(() => w.flush());
  return createObjset(w, nowSeconds());
}

/** A writer for the files of a head; its new root is recorded in the head at once. */
export function openFiles(c: Change, headId: Id, recordsize: number): FsWriter {
  const accounting = new HeadWriter(c.dsl, headId);
  const w = new NodeWriter(c.tx.t, c.tx.txg, () => c.tx.newId(), accounting);
  c.tx.onBeforeCommit(() => w.flush());
  const head = c.dsl.ds(headId) as HeadRecord;
  const fs = new FsWriter(c.tx, w, accounting, head.root, recordsize, nowSeconds());
  head.root = fs.rootPtr;
  return fs;
}

export const walkTree = (c: Change): TreeWalker => (root, minBirth, onNode, onBlock) =>
  walkObjsetBornAfter(new NodeReader(c.tx.t), root, minBirth, onNode, onBlock);
