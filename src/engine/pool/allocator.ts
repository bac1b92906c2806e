/**
 * Free space of the image, kept as extents in two LMDB tables: by offset (to coalesce neighbours)
 * and by (length, offset) (for best fit). Runs inside the command's write transaction.
 *
 * Space freed by a command is only queued (`free`) and joins the free map in `release`, after the
 * command's last allocation: a command never writes over a block that the last committed state
 * still references, so a crash at any instant leaves that state intact.
 */
import { outOfSpace } from '../errno.js';
import type { Tables } from '../store/environment.js';
import { freeBySizeKey } from '../store/keys.js';
import type { PoolMeta, Txg } from '../store/records.js';
import { SECTOR } from './image.js';
import { topIndexOf, VDEV_STRIDE, type VdevTree } from './vdevs/config.js';
import { isConcrete, resolve, tableLookup } from './vdevs/indirect.js';

export const roundUpToSector = (n: number): number => Math.ceil(n / SECTOR) * SECTOR;

export class Allocator {
  private readonly pending: Array<[offset: number, length: number]> = [];
  /**
   * What the last allocation (of `length` bytes, on any top-level vdev) left of the extent it took,
   * while nothing else has changed the free map since: the best fit of the next allocation of as
   * many bytes. That extent was the smallest of at least `length` bytes (the first of the by-size
   * table from (length, 0)) and only shrank, so no other lies between; while it still holds
   * `length` it is the first again, and a large write (8,192 records per GiB, one allocation
   * each) takes it without a range read of the table each time. The tables change as before.
   */
  private carved: { length: number; offset: number; extentLength: number } | null = null;

  constructor(
    private readonly t: Tables,
    private readonly meta: PoolMeta,
  ) {}

  /** Seed the free map of a new pool: everything after the label. */
  static format(t: Tables, meta: PoolMeta, start: number): void {
    const length = Math.floor((meta.imageBytes - start) / SECTOR) * SECTOR;
    t.freeByOffset.putSync(start, length);
    t.freeBySize.putSync(freeBySizeKey(length, start), true);
    meta.allocated = start;
  }

  /** Seed the free map of a pool of several devices: each top-level vdev's space at its own
   *  range of offsets (config.ts), logs left out (they hold nothing here). */
  static formatTree(t: Tables, meta: PoolMeta, tree: VdevTree): void {
    tree.tops.forEach((top, i) => {
      if (top.class === 'log') return;
      t.freeByOffset.putSync(i * VDEV_STRIDE, top.space);
      t.freeBySize.putSync(freeBySizeKey(top.space, i * VDEV_STRIDE), true);
    });
    meta.allocated = 0;
    meta.vdevAlloc = tree.tops.map(() => 0);
  }

  /** New free space: a top-level vdev added to the pool (zpool add). */
  addFreeExtent(offset: number, length: number): void {
    this.carved = null;
    this.addExtent(offset, length);
  }

  /** Best fit: the smallest free extent that holds `length` bytes (on top-level vdev `top`). */
  allocate(length: number, top?: number): number {
    const carved = this.carved;
    if (top === undefined && carved !== null && carved.length === length) {
      const { offset, extentLength } = carved;
      this.removeExtent(offset, extentLength);
      if (extentLength > length) this.addExtent(offset + length, extentLength - length);
      this.account(offset, length);
      this.carved = extentLength - length >= length ? { length, offset: offset + length, extentLength: extentLength - length } : null;
      return offset;
    }
    this.carved = null;
    const range = this.t.freeBySize.getRange({ start: freeBySizeKey(length, 0), limit: top === undefined ? 1 : undefined });
    for (const { key } of range) {
      const [extentLength, offset] = key as [number, number];
      if (top !== undefined && topIndexOf(offset) !== top) continue;
      this.removeExtent(offset, extentLength);
      if (extentLength > length) this.addExtent(offset + length, extentLength - length);
      this.account(offset, length);
      if (top === undefined && extentLength - length >= length) this.carved = { length, offset: offset + length, extentLength: extentLength - length };
      return offset;
    }
    throw outOfSpace();
  }

  private account(offset: number, length: number): void {
    this.meta.allocated += length;
    if (this.meta.vdevAlloc) this.meta.vdevAlloc[topIndexOf(offset)] += length;
  }

  free(offset: number, length: number): void {
    this.pending.push([offset, length]);
  }

  /** Return this command's (txg `txg`) freed extents to the free map, merging each with its
   *  neighbours; while a reader that began before `txg` lives, park them instead (readers.ts). */
  release(txg: Txg, oldestReader: number): void {
    this.carved = null;
    for (const [offset, length] of this.pending) {
      if (oldestReader < txg) this.t.deferred.putSync([txg, offset], length);
      else this.returnExtent(offset, length);
    }
    this.pending.length = 0;
  }

  /** Free the parked extents no live reader can still see: those freed at or before `oldestReader`. */
  releaseDeferred(oldestReader: number): void {
    this.carved = null;
    for (const { key, value } of [...this.t.deferred.getRange({})]) {
      const [txg, offset] = key as number[];
      if (txg > oldestReader) break;
      this.t.deferred.removeSync(key);
      this.returnExtent(offset, value);
    }
  }

  /** Take every free extent between `start` and `end` out of the free map (a vdev being removed
   *  allocates nothing more); returns their bytes. */
  takeFreeExtents(start: number, end: number): number {
    let total = 0;
    for (const { key, value } of [...this.t.freeByOffset.getRange({ start, end })]) {
      this.removeExtent(key, value);
      total += value;
    }
    return total;
  }

  private returnExtent(offset: number, length: number): void {
    const tree = this.meta.vdevs;
    const top = tree?.tops[topIndexOf(offset)];
    if (tree && top && !isConcrete(top)) {
      // A block of a removed vdev: what is freed is where its mapping says it went.
      for (const p of resolve(tree, tableLookup(this.t), offset, length)) this.returnExtent(p.position, p.length);
      return;
    }
    this.account(offset, -length);
    for (const { key, value } of this.t.freeByOffset.getRange({ start: offset, reverse: true, limit: 1 })) {
      if (key + value === offset) {
        this.removeExtent(key, value);
        offset = key;
        length += value;
      }
    }
    const after = this.t.freeByOffset.get(offset + length);
    if (after !== undefined) {
      this.removeExtent(offset + length, after);
      length += after;
    }
    this.addExtent(offset, length);
  }

  private addExtent(offset: number, length: number): void {
    this.t.freeByOffset.putSync(offset, length);
    this.t.freeBySize.putSync(freeBySizeKey(length, offset), true);
  }

  private removeExtent(offset: number, length: number): void {
    this.t.freeByOffset.removeSync(offset);
    this.t.freeBySize.removeSync(freeBySizeKey(length, offset));
  }
}
