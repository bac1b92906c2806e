/**
 * Removing a top-level vdev inside one transaction group (ZFS: vdev_removal.c, done here in one
 * pass instead of a background thread): see vdevs/indirect.ts for the model.
 */
import { EngineError, outOfSpace } from '../errno.js';
import type { Tables } from '../store/environment.js';
import type { VdevTree } from '../store/records.js';
import { crashPoint } from './crash.js';
import { poolUsableBytes, type PoolTxn } from './pool.js';
import { holeTop, VDEV_STRIDE } from './vdevs/config.js';
import { allocatedSegments, isConcrete, MAPPING_ENTRY_BYTES } from './vdevs/indirect.js';
import { nowSeconds } from './clock.js';

/** The last removal (ZFS spa_removing_phys): what `zpool status` shows in its `remove:` section. */
export interface RemovalRecord {
  /** the removed vdev's index */
  vdev: number;
  /** seconds since the epoch */
  start: number;
  end: number;
  toCopy: number;
  copied: number;
}

export function removalRecord(t: Tables): RemovalRecord | undefined {
  return t.health.get('removal') as RemovalRecord | undefined;
}

/** What the mappings of every removed vdev take in memory (prs_mapping_memory). */
export function mappingMemory(t: Tables): number {
  return t.indirect.getKeysCount() * MAPPING_ENTRY_BYTES;
}

const COPY_CHUNK = 1 << 20;

/**
 * Copy every allocated segment of top-level vdev `index` (a plain file or mirror) to the other
 * vdevs of the normal class, record the mapping, and make it indirect. Throws ENOSPC when the rest of the pool cannot hold its data, EIO when a
 * segment cannot be read. Returns the bytes copied.
 */
export function evacuateTop(tx: PoolTxn, index: number): number {
  const begun = nowSeconds();
  const meta = tx.meta;
  const tree = meta.vdevs!;
  const top = tree.tops[index];
  const root = tx.image.tree!;
  const start = index * VDEV_STRIDE;
  const segments = allocatedSegments(tx.t, index, top.space);
  const alloc = meta.vdevAlloc!;
  // spa_vdev_remove_top_check's space check, before any copy: what the pool holds must fit in
  // the space it keeps without the vdev.
  const next: VdevTree = structuredClone(tree);
  next.tops[index] = { type: 'indirect', guid: top.guid, nparity: 0, children: [], space: 0 };
  const imageBytes = meta.imageBytes - (top.class !== 'log' ? top.space : 0);
  if (alloc.reduce((a, b) => a + b, 0) > poolUsableBytes({ ...meta, vdevs: next, imageBytes })) throw outOfSpace();
  // Stop allocating from it: its free space leaves the free map first.
  tx.allocator.takeFreeExtents(start, start + top.space);
  const targets = tree.tops.flatMap((t, i) => (i !== index && t.class === undefined && isConcrete(t) && root.writable(t) ? [i] : []));
  const sector = 2 ** tree.ashift;
  const place = (length: number): Array<[number, number]> => {
    const order = [...targets].sort((a, b) => alloc[a] / tree.tops[a].space - alloc[b] / tree.tops[b].space);
    for (const i of order) {
      try {
        return [[tx.allocator.allocate(length, i), length]];
      } catch (err) {
        if (!(err instanceof EngineError && err.errno === 'ENOSPC')) throw err;
      }
    }
    // No free extent holds it whole: copy it in two (a block across the cut is read in pieces).
    if (length <= sector) throw outOfSpace();
    const half = Math.ceil(length / 2 / sector) * sector;
    return [...place(half), ...place(length - half)];
  };
  const buf = Buffer.alloc(COPY_CHUNK);
  let copied = 0;
  for (const seg of segments) {
    let src = seg.position;
    for (const [dst, length] of place(seg.length)) {
      crashPoint('allocate');
      for (let done = 0; done < length; done += COPY_CHUNK) {
        const n = Math.min(COPY_CHUNK, length - done);
        if (!root.copySegment(buf, n, src + done, dst + done)) throw new EngineError('EIO');
      }
      tx.t.indirect.putSync([index, src], [length, dst]);
      crashPoint('image-write');
      src += length;
    }
    copied += seg.length;
  }
  alloc[index] -= copied;
  meta.allocated -= copied;
  meta.vdevs = next;
  meta.imageBytes = imageBytes;
  tx.onBeforeCommit(() => tx.image.sync());
  const record: RemovalRecord = { vdev: index, start: begun, end: nowSeconds(), toCopy: copied, copied };
  tx.t.health.putSync('removal', record);
  return copied;
}

/** A log device leaves the tree (spa_vdev_remove_log): it holds nothing here, its place stays a
 *  hole so that the vdevs after it keep their index. */
export function removeLogTop(tx: PoolTxn, index: number): void {
  const next: VdevTree = structuredClone(tx.meta.vdevs!);
  next.tops[index] = holeTop();
  tx.meta.vdevs = next;
}

