/**
 * Generating a stream (ZFS dmu_send): the objects and records of snapshot `to` that differ from
 * snapshot `from` (or from nothing, for a full stream). The trees share every unchanged subtree,
 * so an incremental stream costs what changed since `from`, not the dataset's size.
 */
import type { NodeSource } from '../blocks/nodes.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { readRecord } from '../blocks/records.js';
import { blockMap, dirEntries, objectTable, type Dnode, type ObjsetNode } from '../files/objset.js';
import type { Image } from '../pool/image.js';
import { objectAttributes } from '../files/object-writer.js';
import type { BlockPtr, NodePtr } from '../store/records.js';
import { RecordType, StreamWriter, STREAM_VERSION, type BeginHeader, type ObjectHeader, type PackageHeader } from './format.js';

export interface SnapshotRef {
  name: string;
  guid: string;
  creation: number;
  root: NodePtr;
  /** set for a volume's snapshot: a received full stream then makes a volume */
  type?: 'volume';
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
export function sendStream(src: NodeSource, image: Image | null, from: SnapshotRef | null, to: SnapshotRef, out: StreamWriter, clone = false): void {
  const begin: BeginHeader = {
    version: STREAM_VERSION,
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
  const fromObjects = from ? src.get<ObjsetNode>(from.root).objects : EMPTY_TREE;
  const toObjects = src.get<ObjsetNode>(to.root).objects;
  let data = Buffer.alloc(0);
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
      if (image) {
        if (data.length < bp.lsize) data = Buffer.alloc(bp.lsize);
        readRecord(image, bp, data);
        out.record(RecordType.Write, { object, block, lsize: bp.lsize }, data.subarray(0, bp.lsize));
      } else {
        out.record(RecordType.Write, { object, block, lsize: bp.lsize }, undefined, bp.lsize);
      }
    });
  });
  out.end();
}

function objectHeader(src: NodeSource, object: number, dn: Dnode): ObjectHeader {
  const a = objectAttributes(object, dn);
  if (dn.type === 'file') return { ...a, size: dn.size, blksz: dn.blksz };
  if (dn.type === 'dir') return { ...a, entries: dirEntries(src, dn) };
  return a;
}
