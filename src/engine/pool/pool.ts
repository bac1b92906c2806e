/**
 * A pool (ZFS: SPA): the image file plus the LMDB environment beside it.
 *
 * `change` runs one command as one transaction group: data is written to free space in the image,
 * the image is flushed, and only then does the single LMDB transaction commit every metadata change.
 * LMDB's write lock serializes commands of several processes; a throw anywhere rolls it all back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Store, type Tables } from '../store/environment.js';
import type { Id, PoolMeta, Txg } from '../store/records.js';
import { Allocator, OutOfSpace } from './allocator.js';
import { clockPinned, nowSeconds } from './clock.js';
import { Image, LABEL_BYTES } from './image.js';

/** OpenZFS spa_get_slop_space: space kept back so that frees and destroys work on a full pool. */
export function slopBytes(size: number): number {
  const MiB128 = 128 * 1024 * 1024;
  const GiB128 = 128 * 1024 * 1024 * 1024;
  return Math.max(Math.min(Math.floor(size / 32), GiB128), Math.min(Math.floor(size / 2), MiB128));
}

/** A 64-bit guid: random, or with TSZFS_NOW pinned a function of `seed`, so output is byte-stable. */
export function newGuid(seed: string): string {
  const bytes = clockPinned() ? createHash('sha256').update(seed).digest() : randomBytes(8);
  return (bytes.readBigUInt64BE() || 1n).toString();
}

/** What a command sees and changes while its transaction group is open. */
export class PoolTxn {
  readonly allocator: Allocator;
  private readonly beforeCommit: Array<() => void> = [];
  private wroteData = false;

  constructor(
    readonly t: Tables,
    readonly meta: PoolMeta,
    readonly image: Image,
    readonly txg: Txg,
  ) {
    this.allocator = new Allocator(t, meta);
  }

  newId(): Id {
    return this.meta.nextId++;
  }

  /** A guid for the object numbered `id` of this pool. */
  guidFor(id: Id): string {
    return newGuid(`${this.meta.guid}:${id}`);
  }

  /** Bytes the datasets may still fill: the image less its label and the slop reserve. */
  usableBytes(): number {
    return this.meta.imageBytes - LABEL_BYTES - slopBytes(this.meta.imageBytes);
  }

  /** Store `length` bytes of `buf` in newly allocated space of `asize` bytes; returns the offset. */
  writeData(buf: Buffer, length: number, asize: number): number {
    // The slop reserve stays free so that frees and destroys still work on a full pool.
    if (this.meta.allocated - LABEL_BYTES + asize > this.usableBytes()) throw new OutOfSpace();
    const offset = this.allocator.allocate(asize);
    this.image.write(buf, length, offset);
    this.wroteData = true;
    return offset;
  }

  onBeforeCommit(hook: () => void): void {
    this.beforeCommit.push(hook);
  }

  /** @internal the last steps of a transaction group, in the order crash safety needs */
  finish(): void {
    for (const hook of this.beforeCommit) hook();
    this.allocator.release();
    if (this.wroteData) this.image.sync();
    this.meta.txg = this.txg;
    this.t.meta.putSync('pool', this.meta);
  }
}

export class Pool {
  private constructor(
    readonly store: Store,
    readonly image: Image,
  ) {}

  static create(name: string, imagePath: string, metadataPath: string, bytes: number): Pool {
    const guid = newGuid(`pool:${name}`);
    const image = Image.create(imagePath, bytes, { pool: name, guid });
    const store = Store.open(metadataPath);
    const pool = new Pool(store, image);
    store.write(() => {
      const meta: PoolMeta = {
        formatVersion: 1,
        name,
        guid,
        imageBytes: image.size,
        allocated: 0,
        txg: 0,
        nextId: 1,
        rootDir: 0,
        createdAt: nowSeconds(),
        props: {},
      };
      Allocator.format(store.t, meta, LABEL_BYTES);
      store.t.meta.putSync('pool', meta);
    });
    return pool;
  }

  static open(imagePath: string, metadataPath: string): Pool {
    const image = Image.open(imagePath);
    return new Pool(Store.open(metadataPath), image);
  }

  get t(): Tables {
    return this.store.t;
  }

  meta(): PoolMeta {
    const meta = this.store.t.meta.get('pool');
    if (!meta) throw new Error('pool metadata missing');
    return meta;
  }

  /** Run one changing command as one transaction group. */
  change<T>(fn: (tx: PoolTxn) => T): T {
    return this.store.write(() => {
      const meta = this.meta();
      const tx = new PoolTxn(this.store.t, { ...meta, props: { ...meta.props } }, this.image, meta.txg + 1);
      const result = fn(tx);
      tx.finish();
      return result;
    });
  }

  close(): void {
    this.image.close();
    this.store.close();
  }
}
