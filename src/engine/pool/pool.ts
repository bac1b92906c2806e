/**
 * A pool (ZFS: SPA): the image file plus the LMDB environment beside it.
 *
 * `change` runs one command as one transaction group: data is written to free space in the image,
 * the image is flushed, and only then does the single LMDB transaction commit every metadata change.
 * LMDB's write lock serializes commands of several processes; a throw anywhere rolls it all back.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { Store, type Tables } from '../store/environment.js';
import { CURRENT_FORMAT, needsUpgrade, upgradeFormat } from '../store/upgrade.js';
import { verifyLmdb } from '../store/verify.js';
import type { Id, PoolMeta, Txg } from '../store/records.js';
import { Allocator } from './allocator.js';
import { outOfSpace, poolFilesError, poolFilesFailure } from '../errno.js';
import { clockPinned, nowSeconds } from './clock.js';
import { crashPoint } from './crash.js';
import { oldestReader, readerKey } from './readers.js';
import { checksumSaltOf, Image, LABEL_BYTES } from './image.js';

/**
 * What is damaged in the pool's LMDB environment at `metadataPath`, as the line under `cannot open
 * 'tank': I/O error`, or null when sound. `full` reads every page, else the meta pages and each
 * table's root (store/verify.ts).
 */
export function metadataDamage(metadataPath: string, full = true): string | null {
  const damage = verifyLmdb(metadataPath, full);
  return damage && `the metadata '${metadataPath}' ${damage}`;
}

/** OpenZFS spa_get_slop_space: space kept back so that frees and destroys work on a full pool. */
export function slopBytes(size: number): number {
  const MiB128 = 128 * 1024 * 1024;
  const GiB128 = 128 * 1024 * 1024 * 1024;
  return Math.max(Math.min(Math.floor(size / 32), GiB128), Math.min(Math.floor(size / 2), MiB128));
}

/** Bytes the datasets of a pool may fill: the image less its label and the slop reserve (the
 *  root's quota limit in ZFS dsl_pool_adjustedsize). */
export function poolUsableBytes(meta: PoolMeta): number {
  return meta.imageBytes - LABEL_BYTES - slopBytes(meta.imageBytes);
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
    /** the open txg; advanceTxg moves it on inside the same LMDB transaction */
    public txg: Txg,
    /** the txg at which the oldest live reader of block data began (readers.ts) */
    private readonly oldestReader = Infinity,
  ) {
    this.allocator = new Allocator(t, meta);
    this.allocator.releaseDeferred(oldestReader);
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
    return poolUsableBytes(this.meta);
  }

  /** Store `length` bytes of `buf` in newly allocated space of `asize` bytes; returns the offset. */
  writeData(buf: Buffer, length: number, asize: number): number {
    // The slop reserve stays free so that frees and destroys still work on a full pool.
    if (this.meta.allocated - LABEL_BYTES + asize > this.usableBytes()) throw outOfSpace();
    const offset = this.allocator.allocate(asize);
    crashPoint('allocate');
    this.image.write(buf, length, offset);
    crashPoint('image-write');
    this.wroteData = true;
    return offset;
  }

  /**
   * Close the open txg and open the next one inside the same LMDB transaction, so that one
   * command can make several snapshots in a row (receive of a series or a replication stream) and
   * still commit all or nothing. Blocks born after a snapshot need a later birth txg than it.
   * Space freed so far stays unallocatable until the commit (finish releases it), as always.
   */
  advanceTxg(): void {
    this.txg++;
  }

  onBeforeCommit(hook: () => void): void {
    this.beforeCommit.push(hook);
  }

  /** @internal the last steps of a transaction group, in the order crash safety needs */
  finish(): void {
    for (const hook of this.beforeCommit) hook();
    this.allocator.release(this.txg, this.oldestReader);
    if (this.wroteData) this.image.sync();
    crashPoint('image-sync');
    this.meta.txg = this.txg;
    this.t.meta.putSync('pool', this.meta);
    crashPoint('commit');
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
    image.checksumSalt = checksumSaltOf(guid);
    const store = Store.open(metadataPath);
    const pool = new Pool(store, image);
    store.write(() => {
      const meta: PoolMeta = {
        formatVersion: CURRENT_FORMAT,
        valueChecksums: true,
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

  /**
   * Open a pool's two files and check that they belong together; an EIO error (poolFilesError) says
   * why not.
   * LMDB trusts its file, and a damaged page can crash the process (store/verify.ts): every open
   * checks the meta pages and the root page of each table; `fullCheck` (import, scrub, clear) checks
   * every page.
   */
  static open(imagePath: string, metadataPath: string, fullCheck = false): Pool {
    // LMDB would create a missing environment: an empty pool is not the pool that was there.
    if (!fs.existsSync(metadataPath)) throw poolFilesError(metadataPath, `the metadata '${metadataPath}' is missing`);
    if (!looksLikeLmdb(metadataPath)) throw poolFilesError(metadataPath, `the metadata '${metadataPath}' is not an LMDB environment`);
    const damage = metadataDamage(metadataPath, fullCheck);
    if (damage) throw poolFilesError(metadataPath, damage, true);
    let image: Image;
    try {
      image = Image.open(imagePath);
    } catch (err) {
      throw poolFilesError(metadataPath, `the image '${imagePath}' cannot be opened (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    let store: Store | undefined;
    try {
      store = Store.open(metadataPath);
      const pool = new Pool(store, image);
      const meta = store.t.meta.get('pool');
      const label = Image.readLabel(imagePath);
      if (!meta || !label) throw poolFilesError(metadataPath, `the metadata '${metadataPath}' holds no pool`);
      if (meta.guid !== label.guid) throw poolFilesError(metadataPath, `the metadata '${metadataPath}' belongs to another pool`);
      if (needsUpgrade(meta)) upgradeFormat(store);
      store.requireValueChecksums();
      image.checksumSalt = checksumSaltOf(meta.guid);
      if (image.size < meta.imageBytes) {
        throw poolFilesError(metadataPath, `the image '${imagePath}' is ${image.size} bytes, the pool needs ${meta.imageBytes}`);
      }
      return pool;
    } catch (err) {
      image.close();
      store?.close();
      if (poolFilesFailure(err)) throw err;
      throw poolFilesError(metadataPath, `the metadata '${metadataPath}' cannot be read (${err instanceof Error ? err.message : err})`);
    }
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
    const out = this.store.write(() => {
      const meta = this.meta();
      const oldest = oldestReader(this.store.t);
      const tx = new PoolTxn(this.store.t, { ...meta, props: { ...meta.props } }, this.image, meta.txg + 1, oldest);
      const result = fn(tx);
      tx.finish();
      return result;
    });
    crashPoint('committed');
    return out;
  }

  /**
   * Run `fn`, which reads block data, with this process registered as a reader: no block its view
   * of the pool references is handed to a writer until it is done (readers.ts). The view `fn`
   * reads is one taken after the registration.
   */
  readingData<T>(fn: () => T): T {
    const key = readerKey();
    this.store.write(() => this.store.t.readers.putSync(key, this.meta().txg));
    this.store.env.resetReadTxn();
    try {
      return fn();
    } finally {
      this.store.write(() => {
        const t = this.store.t;
        t.readers.removeSync(key);
        if (t.deferred.getKeysCount() === 0) return;
        const meta = this.meta();
        new Allocator(t, meta).releaseDeferred(oldestReader(t));
        t.meta.putSync('pool', meta);
      });
    }
  }

  close(): void {
    this.image.close();
    this.store.close();
  }
}

/** Both meta pages of an LMDB data file carry MDB_MAGIC (0xBEEFC0DE) and data version 1 or 2. */
function looksLikeLmdb(file: string): boolean {
  const PAGE = 4096;
  const MAGIC_AT = 24;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(2 * PAGE);
    if (fs.readSync(fd, buf, 0, buf.length, 0) < buf.length) return false;
    return [0, PAGE].every((page) => {
      const version = buf.readUInt32LE(page + MAGIC_AT + 4);
      return buf.readUInt32LE(page + MAGIC_AT) === 0xbeefc0de && (version === 1 || version === 2);
    });
  } finally {
    fs.closeSync(fd);
  }
}
