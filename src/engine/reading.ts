/**
 * What the library reads of a dataset's contents, given the dataset's root: its files, a volume's
 * bytes and geometry, the changes between two snapshots, a send stream. Each opens its own reader
 * of the pool's node trees, so that the library never handles the block layer.
 */
import { NodeReader } from './blocks/nodes.js';
import { diffTrees, type TreeChange } from './files/diff.js';
import { FsView } from './files/fs-view.js';
import { readVolume, volumeGeometry, type VolumeGeometry } from './files/volume.js';
import type { Pool } from './pool/pool.js';
import type { Tables } from './store/environment.js';
import type { NodePtr } from './store/records.js';
import { sendStream, type BookmarkRef, type SendShape, type SnapshotRef } from './streams/send.js';
import type { StreamWriter } from './streams/format.js';

export const filesAt = (t: Tables, root: NodePtr): FsView => FsView.at(new NodeReader(t), root);

export const volumeGeometryAt = (t: Tables, root: NodePtr): VolumeGeometry => volumeGeometry(new NodeReader(t), root);

/** Every byte of the volume at `root`, in order, to `out`. */
export function readVolumeAt(pool: Pool, root: NodePtr, out: (chunk: Buffer) => void): void {
  readVolume(new NodeReader(pool.t), pool.image, root, out);
}

export const diffAt = (t: Tables, fromRoot: NodePtr, toRoot: NodePtr): TreeChange[] => diffTrees(new NodeReader(t), fromRoot, toRoot);

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
