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
import { Image, LABEL_BYTES, writeLabelTo } from './image.js';
import { roundUpToSector } from './allocator.js';
import { deflate, firstLeafPath, topAsize, topIndexOf, type TopConfig, type VdevTree } from './vdevs/config.js';
import { loadMappings } from './vdevs/indirect.js';
import { VdevRoot, type ErrorCounts, type IoCounts } from './vdevs/root.js';
import { injectHandlers } from './inject.js';

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
  if (meta.vdevs) {
    const dspace = poolDspace(meta.vdevs, meta.vdevAlloc);
    return dspace - slopBytes(dspace);
  }
  return meta.imageBytes - LABEL_BYTES - slopBytes(meta.imageBytes);
}

/** spa_dspace: the normal class's space, deflated (what `zfs list` shows of raidz). */
export function poolDspace(tree: VdevTree, alloc: number[] = []): number {
  // spa_update_dspace: the normal class's space, and what the special and dedup classes hold.
  return tree.tops.reduce((sum, top, i) => {
    // spa_nonallocating_dspace: a normal vdev that takes no new blocks gives no space to fill.
    if (top.class === undefined) return top.noalloc ? sum : sum + deflate(top, tree.ashift, top.space);
    return top.class === 'log' ? sum : sum + deflate(top, tree.ashift, alloc[i] ?? 0);
  }, 0);
}

/** bp_get_dsize: what a block of `asize` at `offset` counts in `used` (raidz: deflated). */
export function dsizeOf(meta: PoolMeta, offset: number, asize: number): number {
  const tree = meta.vdevs;
  return tree ? deflate(tree.tops[topIndexOf(offset)], tree.ashift, asize) : asize;
}

/** The bytes `used` counts of what the pool has allocated. */
function deflatedAllocated(meta: PoolMeta): number {
  const tree = meta.vdevs!;
  return tree.tops.reduce((sum, top, i) => sum + deflate(top, tree.ashift, meta.vdevAlloc?.[i] ?? 0), 0);
}

/** A 64-bit guid: random, or with TSZFS_NOW pinned a function of `seed`, so output is byte-stable. */
export function newGuid(seed: string): string {
  const bytes = clockPinned() ? createHash('sha256').update(seed).digest() : randomGuidBytes();
  return (bytes.readBigUInt64BE() || 1n).toString();
}

/** 8 random bytes from /dev/urandom, read directly: node:crypto's randomBytes would cost every
 *  command that makes a dataset or snapshot ~4 ms of start-up to load node:crypto. Where there
 *  is no /dev/urandom, randomBytes. */
function randomGuidBytes(): Buffer {
  const bytes = Buffer.alloc(8);
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      if (fs.readSync(fd, bytes, 0, 8, null) === 8) return bytes;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no /dev/urandom here
  }
  return randomBytes(8);
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

  /** The sector size: every allocation is a whole number of them (ashift). */
  get sector(): number {
    return 2 ** (this.meta.vdevs?.ashift ?? 12);
  }

  /** bp_get_dsize of a block of this pool. */
  dsize(offset: number, asize: number): number {
    return dsizeOf(this.meta, offset, asize);
  }

  /**
   * Store `length` bytes of `buf` (a record's psize) in newly allocated space; returns where and
   * how much it takes. On several top-level vdevs, the one least full takes it (so that a stripe
   * fills evenly), in its own rounding (raidz: parity and skip sectors, vdev_raidz_asize).
   */
  writeBlock(buf: Buffer, length: number, specialSmallBlocks = 0): { offset: number; asize: number } {
    const tree = this.meta.vdevs;
    if (!tree) {
      const asize = roundUpToSector(length);
      return { offset: this.writeData(buf, length, asize), asize };
    }
    const { offset, asize } = this.allocateOnTree(tree, length, specialSmallBlocks);
    this.image.write(buf, length, offset);
    crashPoint('image-write');
    this.wroteData = true;
    return { offset, asize };
  }

  /**
   * Allocate space for `length` bytes as writeBlock would, and write nothing: a dataset's
   * metadata allocation (datasets/create.ts), accounted as a block but never read.
   */
  allocateBlock(length: number): { offset: number; asize: number } {
    const tree = this.meta.vdevs;
    if (tree) return this.allocateOnTree(tree, length, 0);
    const asize = roundUpToSector(length);
    if (this.meta.allocated - LABEL_BYTES + asize > this.usableBytes()) throw outOfSpace();
    return { offset: this.allocator.allocate(asize), asize };
  }

  private allocateOnTree(tree: VdevTree, length: number, specialSmallBlocks: number): { offset: number; asize: number } {
    const alloc = this.meta.vdevAlloc!;
    const pick = (cls: TopConfig['class'], fill = 1): [number, number] => {
      let best = -1;
      let asize = 0;
      tree.tops.forEach((top, i) => {
        if (top.class !== cls || top.noalloc || (this.image.tree && !this.image.tree.writable(top))) return;
        const need = topAsize(top, length, tree.ashift);
        if (alloc[i] + need > top.space * fill) return;
        if (best < 0 || alloc[i] / top.space < alloc[best] / tree.tops[best].space) {
          best = i;
          asize = need;
        }
      });
      return [best, asize];
    };
    // spa_preferred_class: small records to the special class while it is less than 75% full
    // (zfs_special_class_metadata_reserve_pct), everything else to the normal class.
    let [best, asize] = specialSmallBlocks > 0 && length <= specialSmallBlocks ? pick('special', 0.75) : [-1, 0];
    if (best < 0) [best, asize] = pick(undefined);
    if (best < 0) throw outOfSpace();
    if (deflatedAllocated(this.meta) + deflate(tree.tops[best], tree.ashift, asize) > this.usableBytes()) throw outOfSpace();
    const offset = this.allocator.allocate(asize, best);
    crashPoint('allocate');
    return { offset, asize };
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
    image.saltFrom(guid);
    const store = Store.open(metadataPath);
    const pool = new Pool(store, image);
    store.write(() => {
      const meta = newPoolMeta(name, guid, image.size);
      Allocator.format(store.t, meta, LABEL_BYTES);
      store.t.meta.putSync('pool', meta);
    });
    return pool;
  }

  /** A new pool over the devices of `tree` (their files exist at their sizes): a label on each,
   *  the free map of each top-level vdev. */
  static createTree(name: string, tree: VdevTree, metadataPath: string): Pool {
    const guid = newGuid(`pool:${name}`);
    const label = { pool: name, guid, txg: 0, tree };
    for (const top of tree.tops) {
      for (const leaf of [...top.children]) {
        const fd = fs.openSync(leaf.path, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
        try {
          writeLabelTo(fd, { ...label, vdevGuid: leaf.guid });
        } finally {
          fs.closeSync(fd);
        }
      }
    }
    const image = Image.ofTree(firstLeafPath(tree), new VdevRoot(tree), 0);
    image.saltFrom(guid);
    const store = Store.open(metadataPath);
    store.write(() => {
      const space = tree.tops.reduce((sum, top) => sum + (top.class === 'log' ? 0 : top.space), 0);
      const meta: PoolMeta = { ...newPoolMeta(name, guid, space), vdevs: tree };
      Allocator.formatTree(store.t, meta, tree);
      store.t.meta.putSync('pool', meta);
    });
    return new Pool(store, image);
  }

  /** The open devices of a pool of several, with faults injected on purpose (`tszfs inject`). */
  private static openTree(store: Store, meta: PoolMeta): Image {
    const tree = meta.vdevs!;
    const injections = injectHandlers(store.t);
    return Image.ofTree(firstLeafPath(tree), new VdevRoot(tree, injections, loadMappings(store.t)), meta.imageBytes);
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
    // A device of a pool of several says so in its label; a missing or unlabelled one may be
    // the first device of such a pool, gone or replaced. One image's label opens as before.
    const first = Image.readLabel(imagePath);
    if (!first || first.vdevGuid !== undefined) {
      const tree = Pool.openTreePool(metadataPath);
      if (tree) return tree;
    }
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
      image.saltFrom(meta.saltGuid ?? meta.guid);
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

  /** A pool of several devices: its devices are found from its metadata (any of them may be
   *  missing: the pool is then degraded, or its blocks there unreadable). Null for one image. */
  private static openTreePool(metadataPath: string): Pool | null {
    let store: Store | undefined;
    try {
      store = Store.open(metadataPath);
      const meta = store.t.meta.get('pool');
      if (!meta?.vdevs) {
        store.close();
        return null;
      }
      if (needsUpgrade(meta)) upgradeFormat(store);
      store.requireValueChecksums();
      const image = Pool.openTree(store, meta);
      image.saltFrom(meta.saltGuid ?? meta.guid);
      return new Pool(store, image);
    } catch (err) {
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
    try {
      this.keepDeviceErrors();
    } finally {
      this.image.close();
      this.store.close();
    }
  }

  /** Write the label of every device of a pool of several again: its name, the tree and the
   *  last txg (export, and import under a new name). A device that cannot be opened keeps its own. */
  writeLabels(): void {
    const meta = this.meta();
    if (!meta.vdevs) return;
    for (const top of meta.vdevs.tops) {
      for (const leaf of top.children) {
        let fd: number;
        try {
          fd = fs.openSync(leaf.path, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
        } catch {
          continue;
        }
        try {
          writeLabelTo(fd, { pool: meta.name, guid: meta.guid, vdevGuid: leaf.guid, txg: meta.txg, tree: meta.vdevs });
        } finally {
          fs.closeSync(fd);
        }
      }
    }
  }

  /** Error counters the devices gathered while open go to the pool's health record (health.ts). */
  private keepDeviceErrors(): void {
    const tree = this.image.tree;
    if (!tree || (tree.errors.size === 0 && tree.io.size === 0)) return;
    this.store.write(() => {
      if (tree.io.size > 0) {
        const io = (this.store.t.health.get('vdev-io') as Record<string, IoCounts> | undefined) ?? {};
        for (const [guid, c] of tree.io) {
          const k = (io[guid] ??= { rops: 0, wops: 0, rbytes: 0, wbytes: 0 });
          k.rops += c.rops;
          k.wops += c.wops;
          k.rbytes += c.rbytes;
          k.wbytes += c.wbytes;
        }
        this.store.t.health.putSync('vdev-io', io);
      }
      if (tree.errors.size === 0) return;
      const kept = (this.store.t.health.get('vdev-errors') as Record<string, ErrorCounts> | undefined) ?? {};
      for (const [guid, e] of tree.errors) {
        const k = (kept[guid] ??= { read: 0, write: 0, cksum: 0 });
        k.read += e.read;
        k.write += e.write;
        k.cksum += e.cksum;
      }
      this.store.t.health.putSync('vdev-errors', kept);
    });
    tree.errors.clear();
    tree.io.clear();
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

/** The metadata record of a new, empty pool (its root dataset is made next, in the first txg). */
function newPoolMeta(name: string, guid: string, imageBytes: number): PoolMeta {
  return {
    formatVersion: CURRENT_FORMAT,
    valueChecksums: true,
    name,
    guid,
    imageBytes,
    allocated: 0,
    txg: 0,
    nextId: 1,
    rootDir: 0,
    createdAt: nowSeconds(),
    props: {},
  };
}
