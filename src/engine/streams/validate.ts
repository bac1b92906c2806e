/**
 * A received stream's structure, checked (ZFS: the EINVAL checks of dmu_recv.c's receive_object,
 * receive_write and receive_freeobjects, and of the ZPL that reads the result). A stream whose
 * checksums are right may still describe a tree no reader can walk: a freed or missing root, a
 * record past a file's end, an object that does not exist, a directory cycle. Such a stream is
 * refused as `invalid backup stream`, and since receive applies a stream inside one transaction,
 * refusing it leaves nothing behind.
 *
 * Two steps. `check` sees each record as it is read, before it is applied, and checks what a record
 * alone can tell: field types and ranges, names, block sizes, and the order in which a sender
 * writes records (objects in increasing order, each once; a file's block records right after its
 * OBJECT record, in increasing block order). `finish` then checks the tree that results from the
 * base and the records, looking only at the objects the stream named: every object is named once,
 * by its parent directory, and every chain of parents ends at the root.
 */
import type { NodeSource } from '../blocks/nodes.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { blockMap, dirEntries, objectTable, OBJECT_TYPES, ROOT_OBJECT, type Dnode } from '../files/objset.js';
import { CRYPT_SUITES, type TreeRef } from '../store/records.js';
import { badStream } from '../errno.js';
import { MAX_BLOCK_SIZE, RecordType, type BeginHeader, type ObjectHeader, type PackageHeader, type StreamRecord } from './format.js';

/** The largest file or volume: 2^53 - 1, every byte offset still exact in a double. */
const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** MAXNAMELEN - 1: a directory entry's name, in bytes. */
const MAX_NAME_BYTES = 255;
/** Times are seconds since the epoch; 253402300799 is 9999-12-31T23:59:59Z. */
const MAX_TIME = 253402300799;

const invalid = (): never => {
  throw badStream();
};

const isCount = (n: unknown, max = Number.MAX_SAFE_INTEGER): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= max;
const isTime = (n: unknown): n is number => isCount(n, MAX_TIME);
const isGuid = (s: unknown): s is string => typeof s === 'string' && /^[0-9]{1,20}$/.test(s);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A block size: a whole number of 512-byte sectors, at most SPA_MAXBLOCKSIZE. */
const isBlockSize = (n: unknown): n is number => isCount(n, MAX_BLOCK_SIZE) && n > 0 && n % 512 === 0;
const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0;

/** A directory entry's name, as the ZPL would accept it from a user. */
export function validEntryName(name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') return false;
  if (name.includes('/') || name.includes('\0')) return false;
  return Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES;
}

/**
 * A BEGIN header's shape; the message as zfs_receive_one words it. A name without '@' is libzfs's
 * `invalid stream (bad snapshot name)`; anything else malformed is `invalid backup stream`.
 */
export function checkBegin(h: unknown): asserts h is BeginHeader | PackageHeader {
  if (!isObject(h) || typeof h.toName !== 'string') return invalid();
  if (!h.toName.includes('@')) throw badStream('invalid stream (bad snapshot name)');
  if (h.fromName !== null && typeof h.fromName !== 'string') invalid();
  if (h.kind === 'package') return checkPackage(h);
  if (h.kind !== 'full' && h.kind !== 'incremental') invalid();
  if (!isGuid(h.toGuid) || !isTime(h.toCreation)) invalid();
  if (h.type !== undefined && h.type !== 'volume') invalid();
  if (h.clone !== undefined && h.clone !== true) invalid();
  const incremental = h.kind === 'incremental' || h.clone === true;
  if (incremental ? !isGuid(h.fromGuid) : h.fromGuid !== null) invalid();
  // Version 4: the features send's options asked for, and where a resuming stream starts.
  if (h.features !== undefined && !(Array.isArray(h.features) && h.features.every((f) => STREAM_FEATURES.includes(f as string)))) invalid();
  if (h.resume !== undefined) {
    const r = h.resume as Record<string, unknown>;
    if (!isObject(r) || !isCount(r.records) || !isCount(r.object) || !isCount(r.offset) || !isCount(r.bytes)) invalid();
  }
  if (h.crypt !== undefined) checkCrypt(h.crypt);
}

/** A raw stream's key material: what a dir's crypt record holds, in hex. */
function checkCrypt(c: unknown): void {
  if (!isObject(c) || !(CRYPT_SUITES as readonly string[]).includes(c.suite as string) || !isObject(c.key)) return invalid();
  const k = c.key;
  if (!isHex(k.guid, 16) || !isHex(k.iv, 24) || !isHex(k.mac, 32) || typeof k.data !== 'string' || !/^[0-9a-f]{32,64}$/.test(k.data)) invalid();
  if (!['raw', 'hex', 'passphrase'].includes(c.keyformat as string) || typeof c.salt !== 'string' || !/^[0-9]{1,20}$/.test(c.salt) || !isCount(c.iters)) invalid();
}

const isHex = (v: unknown, length: number): boolean => typeof v === 'string' && v.length === length && /^[0-9a-f]*$/.test(v);

const STREAM_FEATURES: readonly string[] = ['largeblocks', 'compressed', 'embedded', 'raw'];
/** The algorithms a record sent as stored may be compressed with (those a pool stores). */
const isCompressAlgorithm = (a: unknown): boolean =>
  typeof a === 'string' && /^(lz4|lzjb|zle|gzip-[1-9]|zstd-([1-9]|1[0-9])|zstd-fast-([1-9]|[1-9]0|100|500|1000))$/.test(a);

function checkPackage(h: Record<string, unknown>): void {
  // A package carries at least the snapshot named to send.
  if (typeof h.recursive !== 'boolean' || !Array.isArray(h.datasets) || !Array.isArray(h.streams) || h.streams.length === 0) return invalid();
  for (const s of h.streams) {
    if (!isObject(s) || !isGuid(s.toGuid) || (s.fromGuid !== null && !isGuid(s.fromGuid))) invalid();
  }
  const strings = (x: unknown) => isObject(x) && Object.values(x).every((v) => typeof v === 'string');
  for (const d of h.datasets) {
    if (!isObject(d) || typeof d.name !== 'string' || !isGuid(d.guid)) return invalid();
    if (d.originGuid !== null && !isGuid(d.originGuid)) invalid();
    if (d.props !== null && !strings(d.props)) invalid();
    if (!Array.isArray(d.snapshots) || !d.snapshots.every((s) => isObject(s) && typeof s.name === 'string' && isGuid(s.guid))) invalid();
    if (!isObject(d.snapshotProps) || !Object.values(d.snapshotProps).every(strings)) invalid();
  }
}

/** A time to the nanosecond: seconds either side of the epoch up to year 9999, and nanoseconds. */
const isTimespec = (t: unknown): boolean =>
  Array.isArray(t) && t.length === 2 && Number.isSafeInteger(t[0]) && Math.abs(t[0] as number) <= MAX_TIME && isCount(t[1], 999_999_999);
const isId = (n: unknown) => isCount(n, 0xffffffff);
const isBase64 = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
/** XATTR_NAME_MAX, and XATTR_SIZE_MAX for all of an object's xattrs (as the writer allows). */
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;

/**
 * The POSIX attributes of an OBJECT header. A stream of an older tszfs has none of them and times
 * in whole seconds; a newer one has them all, times as [seconds, nanoseconds].
 */
function checkAttributes(h: ObjectHeader): void {
  if (h.mode === undefined) {
    if (!isTime(h.mtime) || !isTime(h.ctime)) invalid();
    if (h.type !== 'file' && h.type !== 'dir') invalid();
    for (const k of ['uid', 'gid', 'nlink', 'atime', 'crtime', 'links', 'xattrs', 'target', 'rdev'] as const) if (h[k] !== undefined) invalid();
    return;
  }
  if (!isCount(h.mode, 0o7777) || !isId(h.uid) || !isId(h.gid) || !isCount(h.nlink, 0xffffffff) || h.nlink! < 1) invalid();
  if (![h.atime, h.mtime, h.ctime, h.crtime].every(isTimespec)) invalid();
  if (h.links !== undefined) {
    if (h.type === 'dir' || !Array.isArray(h.links) || h.links.length === 0 || !h.links.every((o) => isCount(o) && o >= ROOT_OBJECT)) invalid();
  }
  // A non-directory has one name per link.
  if (h.type !== 'dir' && h.nlink !== 1 + (h.links?.length ?? 0)) invalid();
  if (h.xattrs !== undefined) {
    if (!Array.isArray(h.xattrs) || h.xattrs.length === 0) invalid();
    let total = 0;
    const seen = new Set<string>();
    for (const x of h.xattrs) {
      if (!Array.isArray(x) || x.length !== 2 || !isBase64(x[0]) || !isBase64(x[1]) || seen.has(x[0])) return invalid();
      seen.add(x[0]);
      const name = Buffer.from(x[0], 'base64');
      if (name.length === 0 || name.length > XATTR_NAME_MAX || name.includes(0)) invalid();
      total += name.length + 1 + Buffer.from(x[1], 'base64').length;
    }
    if (total > XATTR_SIZE_MAX) invalid();
  }
  const symlink = h.type === 'symlink';
  if (symlink !== (h.target !== undefined)) invalid();
  if (symlink && (typeof h.target !== 'string' || h.target === '' || h.target.includes('\0') || Buffer.byteLength(h.target) >= 4096)) invalid();
  const device = h.type === 'chardev' || h.type === 'blockdev';
  if (device !== (h.rdev !== undefined)) invalid();
  if (device && (!Array.isArray(h.rdev) || h.rdev.length !== 2 || !isId(h.rdev[0]) || !isId(h.rdev[1]))) invalid();
}

/** An OBJECT header's fields, each of the type and in the range a sender writes. */
function checkObjectHeader(h: ObjectHeader, volume: boolean): void {
  if (!isCount(h.object) || h.object < ROOT_OBJECT) invalid();
  if (!isCount(h.gen) || !isCount(h.parent) || h.parent < ROOT_OBJECT) invalid();
  if (typeof h.type !== 'string' || !(OBJECT_TYPES as readonly string[]).includes(h.type)) invalid();
  checkAttributes(h);
  if (volume && (h.object !== ROOT_OBJECT || h.type !== 'file')) invalid();
  if (h.type === 'file') {
    if (h.entries !== undefined || !isCount(h.size, MAX_FILE_SIZE) || !isCount(h.blksz, MAX_BLOCK_SIZE)) invalid();
    // An empty file may have no block size yet; a file with bytes has one.
    if (h.size! > 0 || h.blksz! > 0 ? !isBlockSize(h.blksz) : false) invalid();
    // A volume's geometry: volblocksize a power of two, volsize a multiple of it.
    if (volume && (!isPowerOfTwo(h.blksz!) || h.size! % h.blksz! !== 0)) invalid();
    return;
  }
  if (h.size !== undefined || h.blksz !== undefined) invalid();
  if (h.type !== 'dir') {
    if (h.entries !== undefined) invalid();
    return;
  }
  if (!Array.isArray(h.entries)) invalid();
  // Sorted by name, as lookups find them (two names may be one object: hard links).
  let last: string | null = null;
  for (const e of h.entries!) {
    if (!Array.isArray(e) || e.length !== 2 || !validEntryName(e[0]) || !isCount(e[1]) || e[1] <= ROOT_OBJECT) invalid();
    if ((last !== null && !(last < e[0])) || e[1] === h.object) invalid();
    last = e[0];
  }
}

/** Blocks a file of `size` bytes in blocks of `blksz` may have: one while it fits in a block. */
const blocksOf = (size: number, blksz: number) => (size === 0 ? 0 : Math.ceil(size / blksz));

export class StreamChecker {
  /** every object an OBJECT or FREEOBJECT record named, in order */
  private readonly touched: number[] = [];
  /** the object the last OBJECT record set, while its block records may follow */
  private current: { object: number; size: number; blksz: number; nextBlock: number } | null = null;

  /** `volume`: the stream is of a volume (its one object is the file that holds its bytes). */
  constructor(
    private readonly full: boolean,
    private readonly volume: boolean,
  ) {}

  /** Check one record before it is applied. */
  check(r: StreamRecord): void {
    if (!isObject(r.header)) invalid();
    switch (r.type) {
      case RecordType.Object:
        this.named(r.header.object);
        checkObjectHeader(r.header, this.volume);
        this.current = r.header.type === 'file' ? { object: r.header.object, size: r.header.size!, blksz: r.header.blksz!, nextBlock: 0 } : null;
        return;
      case RecordType.FreeObject:
        this.named(r.header.object);
        if (r.header.object === ROOT_OBJECT) invalid();
        this.current = null;
        return;
      case RecordType.Write: {
        const file = this.block(r.header.object, r.header.block);
        const { lsize, compress, psize } = r.header;
        if (!isCount(lsize) || lsize === 0 || lsize > file.blksz) invalid();
        // A record as stored (send -c) carries fewer bytes than it holds; it is decoded when written.
        if (compress === undefined ? psize !== undefined || r.data.length !== lsize : !isCompressAlgorithm(compress) || !isCount(psize) || psize === 0 || psize >= lsize || r.data.length !== psize) invalid();
        if (r.header.block >= blocksOf(file.size, file.blksz)) invalid();
        // send -w: an encrypted record names its key and carries its IV and MAC.
        const { key, iv, mac } = r.header;
        if ((key !== undefined || iv !== undefined || mac !== undefined) && !(isHex(key, 16) && isHex(iv, 24) && isHex(mac, 32))) invalid();
        return;
      }
      case RecordType.Free: {
        // A range (from a bookmark's stream) frees `count` blocks, up to the largest file's.
        const { count } = r.header;
        if (count !== undefined && (!isCount(count) || count < 1 || !isCount(r.header.block) || r.header.block + count > MAX_FILE_SIZE)) invalid();
        this.block(r.header.object, r.header.block);
        if (count !== undefined) this.current!.nextBlock = r.header.block + count;
        return;
      }
      case RecordType.End:
        return;
      default:
        invalid();
    }
  }

  /** OBJECT and FREEOBJECT records come in increasing object order, one per object. */
  private named(object: unknown): void {
    if (!isCount(object) || object < ROOT_OBJECT) invalid();
    const last = this.touched.at(-1);
    if (last !== undefined && (object as number) <= last) invalid();
    this.touched.push(object as number);
  }

  /** WRITE and FREE records follow their file's OBJECT record, in increasing block order. */
  private block(object: unknown, block: unknown): { size: number; blksz: number } {
    const file = this.current;
    if (!file || object !== file.object || !isCount(block) || block < file.nextBlock) return invalid();
    file.nextBlock = block + 1;
    return file;
  }

  /**
   * Check the tree the stream made out of `base` (the head's objects before it, committed in an
   * earlier txg, so still as they were) as `result`.
   * Only the objects the stream named are visited, and what points at them or at which they point.
   */
  finish(src: NodeSource, base: TreeRef, result: TreeRef): void {
    // A full stream's base is a root made in this very txg, whose nodes its records changed in
    // place: it stands for nothing, as the stream must replace it.
    if (this.full) base = EMPTY_TREE;
    const get = (tree: TreeRef, object: number): Dnode | null => objectTable.get(src, tree, object);
    const touched = new Set(this.touched);
    const root = get(result, ROOT_OBJECT);
    // A full stream brings its root; the head's fresh root is not the sender's.
    if (this.full && !touched.has(ROOT_OBJECT)) invalid();
    if (!root || root.parent !== ROOT_OBJECT || root.type !== (this.volume ? 'file' : 'dir')) return invalid();
    if (this.volume) {
      const before = get(base, ROOT_OBJECT);
      if (touched.has(ROOT_OBJECT) && before?.type === 'file' && before.gen === root.gen) this.keptBlocks(src, before, root as Dnode & { type: 'file' });
      return;
    }
    /** objects known to hang from the root by a chain of parents */
    const rooted = new Set<number>([ROOT_OBJECT]);
    /** how many names each directory of the result gives each object (read once: a full stream names them all) */
    const named = new Map<number, Map<number, number>>();
    const names = (dir: number, dn: Dnode): Map<number, number> => {
      let counts = named.get(dir);
      if (!counts) {
        named.set(dir, (counts = new Map()));
        if (dn.type === 'dir') for (const [, o] of dirEntries(src, dn)) counts.set(o, (counts.get(o) ?? 0) + 1);
      }
      return counts;
    };
    /** how many of its names an object says `dir` gives it: its parent, and one per hard link */
    const claims = (dn: Dnode, dir: number) => (dn.parent === dir ? 1 : 0) + (dn.links?.filter((d) => d === dir).length ?? 0);
    for (const object of this.touched) {
      const now = get(result, object);
      const before = get(base, object);
      // The directory that named the object before still names it, unless the stream changed it:
      // then it must still be the object's parent.
      if (before && object !== ROOT_OBJECT && !touched.has(before.parent) && (!now || now.parent !== before.parent)) invalid();
      if (before?.type === 'dir') {
        // An entry the directory dropped names an object the stream freed or moved.
        const kept = now ? names(object, now) : new Map<number, number>();
        for (const [, child] of dirEntries(src, before)) if (!kept.has(child) && !touched.has(child)) invalid();
      }
      if (!now) continue;
      if (object !== ROOT_OBJECT) {
        // Each directory the object says names it does, as many times as it says (hard links).
        for (const dir of new Set([now.parent, ...(now.links ?? [])])) {
          const parent = get(result, dir);
          if (parent?.type !== 'dir' || names(dir, parent).get(object) !== claims(now, dir)) invalid();
        }
        this.rootedChain(get, result, object, rooted);
      }
      if (now.type === 'dir') {
        for (const [child, count] of names(object, now)) {
          const dn = get(result, child);
          // Each name is one the object counts; a directory has one name, its parent's entry.
          if (!dn || claims(dn, object) !== count) return invalid();
          if (dn.type === 'dir' && dn.parent !== object) invalid();
        }
      } else if (before?.type === 'file' && now.type === 'file' && before.gen === now.gen) this.keptBlocks(src, before, now);
    }
  }

  /** The chain of parents from `object` ends at the root: no directory is its own ancestor. */
  private rootedChain(get: (tree: TreeRef, o: number) => Dnode | null, result: TreeRef, object: number, rooted: Set<number>): void {
    const chain = new Set<number>();
    for (let o = object; !rooted.has(o); ) {
      if (chain.has(o)) invalid();
      chain.add(o);
      const dn = get(result, o);
      if (!dn) return invalid();
      o = dn.parent;
    }
    for (const o of chain) rooted.add(o);
  }

  /**
   * A file the stream changed keeps the blocks it does not rewrite: none may lie past its new end,
   * nor be larger than its new block size.
   */
  private keptBlocks(src: NodeSource, before: Dnode & { type: 'file' }, now: Dnode & { type: 'file' }): void {
    const end = blocksOf(now.size, now.blksz);
    const from = before.blksz === now.blksz ? end : 0;
    blockMap.scan(src, now.blocks, from, (block, bp) => {
      if (block >= end || bp.lsize > now.blksz) invalid();
    });
  }
}
