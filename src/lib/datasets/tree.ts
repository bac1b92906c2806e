/** Glue between the dataset layer and the file layer for one head inside a transaction group. */
import { NodeReader, NodeWriter, type DirtyNodes, type NodeKillSink } from '../../engine/blocks/nodes.js';
import { HeadWriter } from '../../engine/datasets/head-writer.js';
import type { TreeWalker } from '../../engine/datasets/destroy.js';
import { nowSeconds } from '../../engine/pool/clock.js';
import { FsWriter } from '../../engine/files/fs-writer.js';
import { ObjectWriter } from '../../engine/files/object-writer.js';
import { createObjset, walkObjsetBornAfter } from '../../engine/files/objset.js';
import { createVolumeObjset, VolumeWriter, type VolumeGeometry } from '../../engine/files/volume.js';
import type { HeadRecord, Id, NodePtr } from '../../engine/store/records.js';
import type { Change } from '../pool-handle.js';

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

/** The root of a new, empty file system tree. */
export function newObjset(c: Change): NodePtr {
  return createObjset(newTreeWriter(c), nowSeconds());
}

/** The root of a new volume's tree: its data object, all zeros. */
export function newVolumeObjset(c: Change, geometry: VolumeGeometry): NodePtr {
  return createVolumeObjset(newTreeWriter(c), nowSeconds(), geometry);
}

/** A writer for a volume head's bytes; its new root is recorded in the head at once. */
export function openVolume(c: Change, headId: Id): VolumeWriter {
  const accounting = new HeadWriter(c.dsl, headId);
  const w = nodeWriter(c, accounting);
  const head = c.dsl.ds(headId) as HeadRecord;
  const volume = new VolumeWriter(c.tx, w, accounting, head.root, nowSeconds());
  head.root = volume.rootPtr;
  return volume;
}

/** A writer for the files of a head; its new root is recorded in the head at once. */
export function openFiles(c: Change, headId: Id, recordsize: number): FsWriter {
  const accounting = new HeadWriter(c.dsl, headId);
  const w = nodeWriter(c, accounting);
  const head = c.dsl.ds(headId) as HeadRecord;
  const fs = new FsWriter(c.tx, w, accounting, head.root, recordsize, nowSeconds());
  head.root = fs.rootPtr;
  return fs;
}

/** An object-level writer for a head (receive); its new root is recorded in the head at once. */
export function openObjects(c: Change, headId: Id): ObjectWriter {
  const accounting = new HeadWriter(c.dsl, headId);
  const w = nodeWriter(c, accounting);
  const head = c.dsl.ds(headId) as HeadRecord;
  const objects = new ObjectWriter(c.tx, w, accounting, head.root);
  head.root = objects.rootPtr;
  return objects;
}

export const walkTree = (c: Change): TreeWalker => (root, minBirth, onNode, onBlock) =>
  walkObjsetBornAfter(new NodeReader(c.tx.t), root, minBirth, onNode, onBlock);
