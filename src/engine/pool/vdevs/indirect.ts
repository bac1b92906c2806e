/**
 * Removed top-level vdevs (ZFS: vdev_indirect.c, vdev_indirect_mapping.c, vdev_removal.c).
 *
 * `zpool remove` of a plain file or mirror top-level vdev copies its allocated segments to the
 * other top-level vdevs of the normal class and keeps the vdev in the tree as `indirect`, with a
 * mapping from each copied segment's old offset to its new one. No block pointer is rewritten:
 * a block whose offset names an indirect vdev is found through the mapping (several pieces when
 * its segment was split), on read and on free, and through several mappings in a row when the
 * vdev its data went to was removed later in turn.
 *
 * The copy and the mapping are one transaction group: the segments go to free space of the
 * other vdevs, the devices are flushed, and one LMDB commit records the mapping, the tree with
 * the vdev made indirect and the free map without its space. A crash before the commit leaves
 * the pool as it was (the copies sit in space that is still free); after it, removed.
 */
import { EngineError } from '../../errno.js';
import type { Tables } from '../../store/environment.js';
import type { TopConfig, VdevTree } from '../../store/records.js';
import { topIndexOf, VDEV_STRIDE } from './config.js';

/** One copied segment: `length` bytes at `src` (on the indirect vdev) now at `dst`. */
export interface IndirectEntry {
  src: number;
  length: number;
  dst: number;
}

/** sizeof (vdev_indirect_mapping_entry_phys_t): what an entry costs in memory (`zpool remove -n`,
 *  the `remove:` section of `zpool status`). */
export const MAPPING_ENTRY_BYTES = 24;
/** zfs_remove_max_segment: the longest segment copied (and mapped) as one. */
const REMOVE_MAX_SEGMENT = 16 * 1024 * 1024;

/** A vdev that holds nothing of its own any more: removed (indirect), or a removed log (hole). */
export const isConcrete = (top: TopConfig): boolean => top.type !== 'indirect' && top.type !== 'hole';

/** The entry of indirect vdev `top` that holds `position`, or undefined. */
export type MappingLookup = (top: number, position: number) => IndirectEntry | undefined;

/** A range of a block where it now lives, on a concrete vdev. */
export interface Piece {
  position: number;
  length: number;
}

/** Where the `length` bytes at `position` live now: itself on a concrete vdev, else the pieces
 *  its indirect vdev's mapping (and those it leads to) gives. */
export function resolve(tree: VdevTree, lookup: MappingLookup, position: number, length: number, depth = 0): Piece[] {
  // Each removal maps onto vdevs that were concrete then, so a chain is never longer than the
  // tree has vdevs: a longer one is a damaged mapping (a cycle), reported, not recursed into.
  if (depth > tree.tops.length) throw new EngineError('EIO', `mapping of indirect vdev ${topIndexOf(position)} loops`);
  const out: Piece[] = [];
  let pos = position;
  let left = length;
  while (left > 0) {
    const t = topIndexOf(pos);
    const top = tree.tops[t];
    if (!top || isConcrete(top)) {
      out.push({ position: pos, length: left });
      break;
    }
    const e = lookup(t, pos);
    if (!e) throw new EngineError('EIO', `no mapping for offset ${pos} of indirect vdev ${t}`);
    const n = Math.min(left, e.src + e.length - pos);
    out.push(...resolve(tree, lookup, e.dst + (pos - e.src), n, depth + 1));
    pos += n;
    left -= n;
  }
  return out;
}

/** A lookup over the mapping table, inside the current transaction. */
export function tableLookup(t: Tables): MappingLookup {
  return (top, position) => {
    for (const { key, value } of t.indirect.getRange({ start: [top, position], end: [top, -1], reverse: true, limit: 1 })) {
      const [, src] = key as [number, number];
      const [length, dst] = value;
      if (src <= position && position < src + length) return { src, length, dst };
    }
    return undefined;
  };
}

/** Every mapping, by indirect vdev, sorted: what a pool keeps in memory while open. */
export function loadMappings(t: Tables): Map<number, IndirectEntry[]> {
  const out = new Map<number, IndirectEntry[]>();
  for (const { key, value } of t.indirect.getRange({})) {
    const [top, src] = key as [number, number];
    let list = out.get(top);
    if (!list) out.set(top, (list = []));
    list.push({ src, length: value[0], dst: value[1] });
  }
  return out;
}

/** A lookup by binary search over mappings held in memory. */
export function memoryLookup(mappings: Map<number, IndirectEntry[]>): MappingLookup {
  return (top, position) => {
    const list = mappings.get(top);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = list[mid];
      if (position < e.src) hi = mid - 1;
      else if (position >= e.src + e.length) lo = mid + 1;
      else return e;
    }
    return undefined;
  };
}

/** The allocated segments of top-level vdev `index` (its space less its free extents), each cut at
 *  REMOVE_MAX_SEGMENT: what a removal copies, one mapping entry each. */
export function allocatedSegments(t: Tables, index: number, space: number): Piece[] {
  const start = index * VDEV_STRIDE;
  const end = start + space;
  const out: Piece[] = [];
  const put = (from: number, to: number) => {
    for (let p = from; p < to; p += REMOVE_MAX_SEGMENT) out.push({ position: p, length: Math.min(REMOVE_MAX_SEGMENT, to - p) });
  };
  let at = start;
  for (const { key, value } of t.freeByOffset.getRange({ start, end })) {
    if (key > at) put(at, key);
    at = Math.max(at, key + value);
  }
  if (at < end) put(at, end);
  return out;
}

/** What removing top-level vdev `index` copies: bytes and mapping entries (`zpool remove -n`). */
export function removalEstimate(t: Tables, index: number, top: TopConfig): { bytes: number; entries: number } {
  const segments = allocatedSegments(t, index, top.space);
  return { bytes: segments.reduce((n, s) => n + s.length, 0), entries: segments.length };
}
