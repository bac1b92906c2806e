/**
 * What the library reads of a dataset's contents, given the dataset's root: its files, a volume's
 * bytes and geometry, the changes between two snapshots, a send stream. Each opens its own reader
 * of the pool's node trees, so that the library never handles the block layer.
 */
import { CachingNodeReader, NodeReader } from './blocks/nodes.js';
import { EngineError } from './errno.js';
import { diffTrees, type TreeChange } from './files/diff.js';
import { FsView } from './files/fs-view.js';
import { blockMap, type ObjsetNode } from './files/objset.js';
import { countOwners, type OwnerSpace } from './files/owners.js';
import { readVolume, volumeGeometry, type VolumeGeometry } from './files/volume.js';
import type { Pool } from './pool/pool.js';
import type { Tables } from './store/environment.js';
import type { NodePtr, Txg } from './store/records.js';
import { sendStream, type BookmarkRef, type SendShape, type SnapshotRef } from './streams/send.js';
import type { StreamWriter } from './streams/format.js';

export const filesAt = (t: Tables, root: NodePtr): FsView => FsView.at(new CachingNodeReader(t), root);

/** Bytes and objects per uid and gid of the file system at `root` (files/owners.ts). */
export function ownerSpaceAt(t: Tables, root: NodePtr): OwnerSpace {
  const src = new NodeReader(t);
  const os = src.get<ObjsetNode>(root);
  return os.owners ?? countOwners(src, os.objects);
}

export const volumeGeometryAt = (t: Tables, root: NodePtr): VolumeGeometry => volumeGeometry(new NodeReader(t), root);

/** Every byte of the volume at `root`, in order, to `out`. */
export function readVolumeAt(pool: Pool, root: NodePtr, out: (chunk: Buffer) => void): void {
  readVolume(new NodeReader(pool.t), pool.image, root, out);
}

/** What changed from a snapshot (its root, taken at `fromTxg`) to a later tree of its lineage. */
export const diffAt = (t: Tables, fromRoot: NodePtr, fromTxg: number, toRoot: NodePtr): TreeChange[] =>
  diffTrees(new CachingNodeReader(t), fromRoot, fromTxg, toRoot);

/** The stream of `to` (incremental from a snapshot or a bookmark `from`) to `out`; with `dryRun`, only its size is counted. */
export function sendStreamOf(
  pool: Pool,
  dryRun: boolean,
  from: SnapshotRef | BookmarkRef | null,
  to: SnapshotRef,
  out: StreamWriter,
  clone: boolean,
  shape: SendShape = {},
): void {
  sendStream(new NodeReader(pool.t), dryRun ? null : pool.image, from, to, out, clone, shape);
}

/** One record of a file as its block pointer places it: what `tszfs blocks` draws. */
export interface FileRecord {
  blockId: number;
  /** the txg that wrote it: records of two datasets with the same offset and birth are one block */
  birth: Txg;
  offset: number;
  /** bytes it occupies in the image */
  asize: number;
}

export interface FileRecords {
  size: number;
  /** the file's block size (its records' logical size) */
  blksz: number;
  /** records in block order; a block id missing below the size is a hole */
  records: FileRecord[];
}

/** The records of the file at `parts` in the dataset at `root`, without reading their data:
 *  ENOENT or ENOTDIR as a path walk fails, EISDIR for a directory. */
export function fileRecordsAt(t: Tables, root: NodePtr, parts: string[]): FileRecords {
  const src = new NodeReader(t);
  const { dnode } = FsView.at(src, root).lookup(parts);
  if (dnode.type !== 'file') throw new EngineError('EISDIR');
  const records: FileRecord[] = [];
  blockMap.scan(src, dnode.blocks, 0, (blockId, bp) => {
    if (blockId * dnode.blksz >= dnode.size) return false;
    records.push({ blockId, birth: bp.birth, offset: bp.offset, asize: bp.asize });
  });
  return { size: dnode.size, blksz: dnode.blksz, records };
}
