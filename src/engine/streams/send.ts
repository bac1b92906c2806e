/**
 * Generating a stream (ZFS dmu_send): the objects and records of snapshot `to` that differ from
 * snapshot `from` (or from nothing, for a full stream). The trees share every unchanged subtree,
 * so an incremental stream costs what changed since `from`, not the dataset's size.
 */
import type { NodeSource } from '../blocks/nodes.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { readDecrypted, readRecord, readStored } from '../blocks/records.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from '../files/objset.js';
import type { Image } from '../pool/image.js';
import { objectAttributes } from '../files/object-writer.js';
import type { BlockPtr, NodePtr, Txg } from '../store/records.js';
import { BOOKMARK_STREAM_VERSION, RecordType, RESUMABLE_VERSION, StreamWriter, STREAM_VERSION, type BeginHeader, type ObjectHeader, type PackageHeader, type ResumePoint, type StreamCrypt } from './format.js';

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

/** SPA_OLD_MAXBLOCKSIZE: without send -L, larger records are sent in pieces of this size. */
export const OLD_MAX_BLOCK_SIZE = 128 << 10;

/** The stream features OpenZFS names in DRR_BEGIN's featureflags, as send's options ask for them. */
export type StreamFeature = 'largeblocks' | 'compressed' | 'embedded' | 'raw';

/**
 * How records are sent (ZFS lzc_send_flags): `largeblocks` (send -L) keeps records over 128K
 * whole, which are otherwise split; `compressed` (send -c, -w) sends records as stored;
 * `raw` (send -w) sends an encrypted dataset's records encrypted, with their IV, MAC and key
 * guid, and its key material in BEGIN; `embedded` (send -e) changes no record (tszfs has no
 * embedded block pointers) but is named in BEGIN as OpenZFS does; `resume` (send -t) leaves
 * out the records a partial receive kept. Any of them makes a version 4 stream.
 */
export interface SendShape {
  features?: readonly StreamFeature[];
  resume?: ResumePoint;
  /** send -w of an encrypted dataset: its key material, for BEGIN */
  crypt?: StreamCrypt;
}

/** What writing one stream needs beside its trees. */
class Sender {
  private data = Buffer.alloc(0);

  constructor(
    readonly image: Image | null,
    readonly out: StreamWriter,
    readonly compressed: boolean,
    readonly largeBlocks: boolean,
    readonly raw: boolean = false,
  ) {}

  /** A buffer of at least `size` bytes, reused from record to record. */
  grow(size: number): Buffer {
    if (this.data.length < size) this.data = Buffer.alloc(size);
    return this.data;
  }
}

/** The pieces each record of a file is sent in: 1, or blksz / 128K without -L. */
const piecesOf = (sender: Sender, blksz: number): number =>
  sender.largeBlocks || blksz <= OLD_MAX_BLOCK_SIZE ? 1 : Math.ceil(blksz / OLD_MAX_BLOCK_SIZE);

/** How a file's records are sent: in `pieces` each, and no piece at or past `end` (its size in
 *  128K blocks: a piece wholly past the end of the file holds only zeros, and is left out). */
interface Split {
  pieces: number;
  end: number;
}

/** The OBJECT record, with a file's block size as its pieces are sent. */
function sendObject(sender: Sender, header: ObjectHeader): Split {
  const pieces = header.type === 'file' ? piecesOf(sender, header.blksz ?? 0) : 1;
  sender.out.record(RecordType.Object, pieces > 1 ? { ...header, blksz: OLD_MAX_BLOCK_SIZE } : header);
  return { pieces, end: Math.ceil((header.size ?? 0) / OLD_MAX_BLOCK_SIZE) };
}

/** FREE records of `count` blocks from `block`, in pieces: one record per block, or a range. */
function sendFree(sender: Sender, object: number, block: number, count: number | null, { pieces }: Split): void {
  if (count === null) {
    for (let i = 0; i < pieces; i++) sender.out.record(RecordType.Free, { object, block: block * pieces + i });
    return;
  }
  const first = block * pieces;
  const n = Math.min(count * pieces, Number.MAX_SAFE_INTEGER - first);
  sender.out.record(RecordType.Free, n === 1 ? { object, block: first } : { object, block: first, count: n });
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
  shape: SendShape = {},
): void {
  const features = shape.features ?? [];
  const plain = from && !('root' in from) ? BOOKMARK_STREAM_VERSION : STREAM_VERSION;
  const begin: BeginHeader = {
    version: features.length > 0 || shape.resume ? RESUMABLE_VERSION : plain,
    kind: from ? 'incremental' : 'full',
    toName: to.name,
    toGuid: to.guid,
    toCreation: to.creation,
    fromName: from?.name ?? null,
    fromGuid: from?.guid ?? null,
    ...(to.type && { type: to.type }),
    ...(clone ? { clone: true as const } : {}),
    ...(features.length > 0 ? { features: [...features] } : {}),
    ...(shape.resume ? { resume: shape.resume } : {}),
    ...(shape.crypt && features.includes('raw') ? { crypt: shape.crypt } : {}),
  };
  out.record(RecordType.Begin, begin);
  if (shape.resume) out.skipRecords = shape.resume.records;
  const sender = new Sender(image, out, features.includes('compressed'), features.includes('largeblocks'), features.includes('raw'));
  if (from && !('root' in from)) {
    sendBornAfter(src, sender, from.txg, src.get<ObjsetNode>(to.root));
    out.end();
    return;
  }
  const fromObjects = from ? src.get<ObjsetNode>(from.root).objects : EMPTY_TREE;
  const toObjects = src.get<ObjsetNode>(to.root).objects;
  objectTable.compare(src, fromObjects, toObjects, sameDnode, (object, before, after) => {
    if (after === null) {
      out.record(RecordType.FreeObject, { object });
      return;
    }
    // A re-created object (new generation or type) is sent whole, as a new one.
    const base = before && before.gen === after.gen && before.type === after.type ? before : null;
    const split = sendObject(sender, objectHeader(src, object, after));
    if (after.type !== 'file') return;
    const oldBlocks = base?.type === 'file' ? base.blocks : EMPTY_TREE;
    blockMap.compare(src, oldBlocks, after.blocks, sameBlock, (block, _old, bp) => {
      if (bp === null) sendFree(sender, object, block, null, split);
      else writeRecordOf(sender, object, block, bp, split);
    });
  });
  out.end();
}

/**
 * The WRITE record(s) of `bp`: as stored with -c (unless it is split), else its logical bytes,
 * in `pieces` records of 128K (the last zero-filled: a record holds zeros past the file's end).
 * Without an image, or for a record a resumed stream leaves out, only sizes are counted.
 */
function writeRecordOf(sender: Sender, object: number, block: number, bp: BlockPtr, { pieces, end }: Split): void {
  const { image, out } = sender;
  const asStored = sender.compressed && pieces === 1 && bp.compress !== undefined && bp.psize !== undefined;
  if (bp.key !== undefined && sender.raw) {
    // send -w: the record as stored, encrypted, with what decrypts it once the key is loaded.
    const size = bp.psize ?? bp.lsize;
    const stored = bp.psize !== undefined && bp.compress !== undefined ? { compress: bp.compress, psize: bp.psize } : {};
    const header = { object, block, lsize: bp.lsize, ...stored, key: bp.key, iv: Buffer.from(bp.iv!).toString('hex'), mac: Buffer.from(bp.mac!).toString('hex') };
    if (!image || out.skipping) out.record(RecordType.Write, header, undefined, size);
    else out.record(RecordType.Write, header, readStored(image, bp, sender.grow(size)));
    return;
  }
  if (asStored) {
    const header = { object, block, lsize: bp.lsize, compress: bp.compress, psize: bp.psize };
    // send -c: the record as the pool stores it, compressed, not decompressed to be sent.
    if (!image || out.skipping) out.record(RecordType.Write, header, undefined, bp.psize);
    else out.record(RecordType.Write, header, (bp.key === undefined ? readStored : readDecrypted)(image, bp, sender.grow(bp.psize!)));
    return;
  }
  if (pieces === 1) {
    const header = { object, block, lsize: bp.lsize };
    if (!image || out.skipping) out.record(RecordType.Write, header, undefined, bp.lsize);
    else out.record(RecordType.Write, header, readRecord(image, bp, sender.grow(bp.lsize)).subarray(0, bp.lsize));
    return;
  }
  const piece = OLD_MAX_BLOCK_SIZE;
  let data: Buffer | null = null;
  for (let i = 0; i < pieces && block * pieces + i < end; i++) {
    const header = { object, block: block * pieces + i, lsize: piece };
    if (!image || out.skipping) {
      out.record(RecordType.Write, header, undefined, piece);
      continue;
    }
    if (!data) {
      data = sender.grow(pieces * piece);
      data.fill(0, bp.lsize, pieces * piece);
      readRecord(image, bp, data);
    }
    out.record(RecordType.Write, header, data.subarray(i * piece, (i + 1) * piece));
  }
}

/**
 * The records of a stream from a bookmark at `txg`: the snapshot it marks may be gone, so
 * nothing is compared; what changed since is what was born after `txg` (dmu_send's traversal
 * from zbm_creation_txg). Every object of a part of the object table written since is sent, and
 * every free slot there freed; a file's blocks born since are written and its free ranges there
 * freed. Anything under older nodes is as it was at `txg`, which the receiver has.
 */
function sendBornAfter(src: NodeSource, sender: Sender, txg: Txg, objset: ObjsetNode): void {
  const { out } = sender;
  objectTable.bornAfter(
    src,
    objset.objects,
    txg,
    (object, dn) => {
      const split = sendObject(sender, objectHeader(src, object, dn));
      if (dn.type !== 'file') return;
      const free = (block: number, count: number) => sendFree(sender, object, block, count, split);
      blockMap.bornAfter(src, dn.blocks, txg, (block, bp) => {
        if (bp.birth > txg) writeRecordOf(sender, object, block, bp, split);
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
