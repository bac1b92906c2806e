/**
 * Generating a stream (ZFS dmu_send): the objects and records of snapshot `to` that differ from
 * snapshot `from` (or from nothing, for a full stream). The trees share every unchanged subtree,
 * so an incremental stream costs what changed since `from`, not the dataset's size.
 */
import type { NodeSource } from '../blocks/nodes.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { readRecord } from '../blocks/records.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from '../files/objset.js';
import type { Image } from '../pool/image.js';
import { objectAttributes } from '../files/object-writer.js';
import type { BlockPtr, NodePtr, Txg } from '../store/records.js';
import { BOOKMARK_STREAM_VERSION, RecordType, StreamWriter, STREAM_VERSION, type BeginHeader, type ObjectHeader, type PackageHeader } from './format.js';

export interface SnapshotRef {
  name: string;
  guid: string;
  creation: number;
  root: NodePtr;
  /** set for a volume's snapshot: a received full stream then makes a volume */
  type?: 'volume';
}

/** A bookmark as an incremental source: the point in time of a snapshot that may be gone. What
 *  was born after its txg is all a stream from it needs (ZFS: zbm_creation_txg, zbm_guid). */
export interface BookmarkRef {
  name: string;
  guid: string;
  txg: Txg;
}

const sameBlock = (x: BlockPtr, y: BlockPtr) => x.offset === y.offset && x.birth === y.birth;
const sameDnode = (x: Dnode, y: Dnode) => JSON.stringify(x) === JSON.stringify(y);

/** The header of a package: its BEGIN and its END; the streams it announces follow. */
export function sendPackageHeader(header: PackageHeader, out: StreamWriter): void {
  out.record(RecordType.Begin, header);
  out.end();
}

/**
 * Write the stream from `from` to `to` into `out`; `image` null estimates sizes without reading
 * data. With `clone`, `from` is the origin of the clone whose first snapshot `to` is.
 */
export function sendStream(
  src: NodeSource,
  image: Image | null,
  from: SnapshotRef | BookmarkRef | null,
  to: SnapshotRef,
  out: StreamWriter,
  clone = false,
): void {
  const begin: BeginHeader = {
    version: from && !('root' in from) ? BOOKMARK_STREAM_VERSION : STREAM_VERSION,
    kind: from ? 'incremental' : 'full',
    toName: to.name,
    toGuid: to.guid,
    toCreation: to.creation,
    fromName: from?.name ?? null,
    fromGuid: from?.guid ?? null,
    ...(to.type && { type: to.type }),
    ...(clone ? { clone: true as const } : {}),
  };
  out.record(RecordType.Begin, begin);
  if (from && !('root' in from)) {
    sendBornAfter(src, image, from.txg, src.get<ObjsetNode>(to.root), out);
    out.end();
    return;
  }
  const fromObjects = from ? src.get<ObjsetNode>(from.root).objects : EMPTY_TREE;
  const toObjects = src.get<ObjsetNode>(to.root).objects;
  let data: Buffer = Buffer.alloc(0);
  objectTable.compare(src, fromObjects, toObjects, sameDnode, (object, before, after) => {
    if (after === null) {
      out.record(RecordType.FreeObject, { object });
      return;
    }
    // A re-created object (new generation or type) is sent whole, as a new one.
    const base = before && before.gen === after.gen && before.type === after.type ? before : null;
    out.record(RecordType.Object, objectHeader(src, object, after));
    if (after.type !== 'file') return;
    const oldBlocks = base?.type === 'file' ? base.blocks : EMPTY_TREE;
    blockMap.compare(src, oldBlocks, after.blocks, sameBlock, (block, _old, bp) => {
      if (bp === null) {
        out.record(RecordType.Free, { object, block });
        return;
      }
      data = writeRecordOf(image, out, object, block, bp, data);
    });
  });
  out.end();
}

/** A WRITE record of `bp`'s data (read into `data`, grown as needed), or its size alone without
 *  an image; returns the buffer for the next one. */
function writeRecordOf(image: Image | null, out: StreamWriter, object: number, block: number, bp: BlockPtr, data: Buffer): Buffer {
  if (!image) {
    out.record(RecordType.Write, { object, block, lsize: bp.lsize }, undefined, bp.lsize);
    return data;
  }
  if (data.length < bp.lsize) data = Buffer.alloc(bp.lsize);
  readRecord(image, bp, data);
  out.record(RecordType.Write, { object, block, lsize: bp.lsize }, data.subarray(0, bp.lsize));
  return data;
}

/**
 * The records of a stream from a bookmark at `txg`: the snapshot it marks may be gone, so
 * nothing is compared; what changed since is what was born after `txg` (dmu_send's traversal
 * from zbm_creation_txg). Every object of a part of the object table written since is sent, and
 * every free slot there freed; a file's blocks born since are written and its free ranges there
 * freed. Anything under older nodes is as it was at `txg`, which the receiver has.
 */
function sendBornAfter(src: NodeSource, image: Image | null, txg: Txg, objset: ObjsetNode, out: StreamWriter): void {
  let data: Buffer = Buffer.alloc(0);
  objectTable.bornAfter(
    src,
    objset.objects,
    txg,
    (object, dn) => {
      out.record(RecordType.Object, objectHeader(src, object, dn));
      if (dn.type !== 'file') return;
      const free = (block: number, count: number) => out.record(RecordType.Free, count === 1 ? { object, block } : { object, block, count });
      blockMap.bornAfter(src, dn.blocks, txg, (block, bp) => {
        if (bp.birth > txg) data = writeRecordOf(image, out, object, block, bp, data);
      }, free);
      // Past the tree's height, the file may have had blocks at `txg` unless the tree is that old.
      if (dn.blocks.root === null || dn.blocks.root.birth > txg) {
        const end = blockMap.capacityOf(dn.blocks);
        free(end, Number.MAX_SAFE_INTEGER - end);
      }
    },
    // Object numbers are handed out in increasing order: none at or past nextObject ever existed.
    (first, count) => {
      for (let object = Math.max(first, ROOT_OBJECT + 1); object < Math.min(first + count, objset.nextObject); object++) {
        out.record(RecordType.FreeObject, { object });
      }
    },
  );
}

function objectHeader(src: NodeSource, object: number, dn: Dnode): ObjectHeader {
  const a = objectAttributes(object, dn);
  if (dn.type === 'file') return { ...a, size: dn.size, blksz: dn.blksz };
  if (dn.type === 'dir') return { ...a, entries: dirEntries(src, dn) };
  return a;
}
