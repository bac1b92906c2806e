/**
 * A structural check of an LMDB data file, in JavaScript, before LMDB's native code trusts it.
 *
 * LMDB keeps no checksums of its pages and follows page numbers, offsets and sizes it reads from
 * them: a flipped byte in a page header or a node can make it read past the end of its map and kill
 * the process (SIGSEGV/SIGBUS) instead of returning an error. lmdb-js 3.5.6 offers no page-checksum
 * or verification option (LMDB's mdb_env_set_checksum is not exposed, and encryption is not
 * authenticated), so this module walks the file the way LMDB would read it and checks everything
 * LMDB relies on: the meta pages, then every page of the free-page tree, the main tree and each
 * named database's tree: its page number field, its type for its depth, its free-space bounds, every
 * node's offset and sizes within the page, child and overflow page numbers within the file, overflow
 * page runs, that no page is reached twice, and that each tree's page and entry counts are those its
 * database record states. It reads every page: `pool import` and `pool scrub` run it; every other
 * open runs the `roots` check (meta pages, and the root page of each tree), whose cost does not grow
 * with the data (layout: lmdb-js's dependencies/lmdb/libraries/liblmdb/mdb.c, MDB_page, MDB_meta,
 * MDB_db, MDB_node).
 */
import * as fs from 'node:fs';
import { sleepSync } from '../sleep.js';

const PAGEHDRSZ = 24;
const NODESIZE = 8;
const META_AT = PAGEHDRSZ;
const MDB_MAGIC = 0xbeefc0de;
const DB_BYTES = 48;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const P_INVALID = 0xffffffffffffffffn;

/** Where the file is damaged, in words; internal to the walk, which returns it as a string. */
class LmdbDamage extends Error {}

interface DbRecord {
  flags: number;
  depth: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  entries: number;
  /** null for an empty tree */
  root: number | null;
}

interface Meta {
  pageSize: number;
  lastPage: number;
  txnid: bigint;
  free: DbRecord;
  main: DbRecord;
}

/** A full walk of a file up to this size reads it whole; larger ones are read page by page. */
const WHOLE_FILE_BYTES = 64 * 1024 * 1024;

/** Reads pages of the file, from memory (a full walk of a small file) or one by one. */
class Pages {
  private readonly fd: number;
  private readonly whole: Buffer | null;
  readonly fileBytes: number;
  pageSize = 4096;

  constructor(file: string, full: boolean) {
    this.fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    this.fileBytes = fs.fstatSync(this.fd).size;
    this.whole = full && this.fileBytes <= WHOLE_FILE_BYTES ? fs.readFileSync(this.fd) : null;
  }

  read(pgno: number, count = 1): Buffer {
    const start = pgno * this.pageSize;
    const length = count * this.pageSize;
    if (start + length > this.fileBytes) throw new LmdbDamage(`page ${pgno} is past the end of the file`);
    if (this.whole) return this.whole.subarray(start, start + length);
    const buf = Buffer.alloc(length);
    fs.readSync(this.fd, buf, 0, length, start);
    return buf;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function dbRecord(buf: Buffer, at: number): DbRecord {
  const root = buf.readBigUInt64LE(at + 40);
  const count = (offset: number) => {
    const n = buf.readBigUInt64LE(at + offset);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new LmdbDamage('a database record holds an impossible count');
    return Number(n);
  };
  return {
    flags: buf.readUInt16LE(at + 4),
    depth: buf.readUInt16LE(at + 6),
    branchPages: count(8),
    leafPages: count(16),
    overflowPages: count(24),
    entries: count(32),
    root: root === P_INVALID ? null : root > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(root),
  };
}

/** The meta page LMDB would pick: the valid one with the larger transaction id. */
function readMeta(pages: Pages): Meta {
  const head = pages.read(0, 1);
  const pageSize = head.readUInt32LE(META_AT + 24);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new LmdbDamage('the meta page holds an impossible page size');
  pages.pageSize = pageSize;
  const metas = [0, 1].map((pgno) => {
    const buf = pages.read(pgno);
    const version = buf.readUInt32LE(META_AT + 4);
    if (buf.readUInt32LE(META_AT) !== MDB_MAGIC || (version !== 1 && version !== 2)) throw new LmdbDamage(`meta page ${pgno} is damaged`);
    if (buf.readUInt32LE(META_AT + 24) !== pageSize) throw new LmdbDamage(`meta page ${pgno} is damaged`);
    const lastPage = buf.readBigUInt64LE(META_AT + 120);
    // LMDB's last page may lie past the end of the file: pages a transaction took and freed again
    // before its commit are counted but never written. A page that is reached and missing is
    // found where it is read (Pages.read); here only an impossible number is damage.
    if (lastPage < 1n || lastPage > BigInt(Number.MAX_SAFE_INTEGER) / BigInt(pageSize)) throw new LmdbDamage(`meta page ${pgno} names an impossible last page`);
    return {
      pageSize,
      lastPage: Number(lastPage),
      txnid: buf.readBigUInt64LE(META_AT + 128),
      free: dbRecord(buf, META_AT + 24),
      main: dbRecord(buf, META_AT + 24 + DB_BYTES),
    };
  });
  return metas[0].txnid >= metas[1].txnid ? metas[0] : metas[1];
}

/** Walks trees and remembers every page it met, so a page reached twice is damage. */
class Walker {
  private readonly seen = new Set<number>();
  /** pages that start with a page header: all but the continuation pages of overflow runs */
  readonly headed: number[] = [];

  constructor(
    private readonly pages: Pages,
    private readonly meta: Meta,
    /** descend below the root pages */
    private full: boolean,
  ) {}

  private checkPgno(pgno: number, what: string): void {
    if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno > this.meta.lastPage) throw new LmdbDamage(`${what} names page ${pgno}, outside the file`);
    if (this.seen.has(pgno)) throw new LmdbDamage(`page ${pgno} is reached twice`);
    this.seen.add(pgno);
  }

  /** A page's writer (mp_txnid) is a committed transaction: LMDB takes a page of a later one for
   *  one it may change in place. Its pad (the key size of LEAF2 pages, unused here) is zero. */
  private checkWriter(p: Buffer, where: string): void {
    if (p.readBigUInt64LE(8) > this.meta.txnid || p.readUInt16LE(16) !== 0) throw new LmdbDamage(`${where} has a damaged header`);
  }

  /** Check the tree of `db` (named `name`); with `onSubDb`, leaf nodes may be named databases and
   *  the whole tree is read even in the roots check (it holds one record per named database). */
  tree(db: DbRecord, name: string, onSubDb?: (key: string, db: DbRecord) => void): void {
    if (db.root === null) {
      if (db.depth !== 0 || db.entries !== 0) throw new LmdbDamage(`the ${name} database record is inconsistent`);
      return;
    }
    if (db.depth < 1 || db.depth > 64) throw new LmdbDamage(`the ${name} database record holds an impossible depth`);
    const counts = { branch: 0, leaf: 0, overflow: 0, entries: 0 };
    const full = this.full;
    if (onSubDb) this.full = true;
    try {
      this.page(db.root, db.depth, name, counts, onSubDb);
    } finally {
      this.full = full;
    }
    if (!this.full && !onSubDb) return;
    if (counts.branch !== db.branchPages || counts.leaf !== db.leafPages || counts.overflow !== db.overflowPages || counts.entries !== db.entries) {
      throw new LmdbDamage(`the ${name} database's pages do not match its record`);
    }
  }

  private page(
    pgno: number,
    level: number,
    name: string,
    counts: { branch: number; leaf: number; overflow: number; entries: number },
    onSubDb?: (key: string, db: DbRecord) => void,
  ): void {
    this.checkPgno(pgno, `the ${name} database`);
    this.headed.push(pgno);
    const { pageSize } = this.meta;
    const p = this.pages.read(pgno);
    const where = `page ${pgno} of the ${name} database`;
    if (p.readBigUInt64LE(0) !== BigInt(pgno)) throw new LmdbDamage(`${where} holds another page number`);
    this.checkWriter(p, where);
    const flags = p.readUInt16LE(18);
    const branch = level > 1;
    if (flags !== (branch ? P_BRANCH : P_LEAF)) throw new LmdbDamage(`${where} has the wrong type`);
    const lower = p.readUInt16LE(20);
    const upper = p.readUInt16LE(22);
    if (lower % 2 !== 0 || lower > upper || PAGEHDRSZ + upper > pageSize) throw new LmdbDamage(`${where} has impossible bounds`);
    const keys = lower >> 1;
    if (keys < 1) throw new LmdbDamage(`${where} holds no nodes`);
    if (branch) counts.branch++;
    else counts.leaf++;
    for (let i = 0; i < keys; i++) {
      const ptr = p.readUInt16LE(PAGEHDRSZ + 2 * i);
      const node = PAGEHDRSZ + ptr;
      if (ptr < upper || node + NODESIZE > pageSize) throw new LmdbDamage(`${where} has a node outside it`);
      const lo = p.readUInt16LE(node);
      const hi = p.readUInt16LE(node + 2);
      const nodeFlags = p.readUInt16LE(node + 4);
      const keySize = p.readUInt16LE(node + 6);
      const dataAt = node + NODESIZE + keySize;
      if (dataAt > pageSize) throw new LmdbDamage(`${where} has a key outside it`);
      if (branch) {
        if (!this.full) continue;
        const child = lo + hi * 0x10000 + nodeFlags * 0x100000000;
        this.page(child, level - 1, name, counts, onSubDb);
        continue;
      }
      counts.entries++;
      const dataSize = lo + hi * 0x10000;
      if (nodeFlags === F_BIGDATA) {
        if (dataAt + 8 > pageSize) throw new LmdbDamage(`${where} has a value outside it`);
        if (this.full) this.overflow(Number(p.readBigUInt64LE(dataAt)), dataSize, name, counts);
      } else if (nodeFlags === F_SUBDATA && onSubDb) {
        if (dataSize !== DB_BYTES || dataAt + DB_BYTES > pageSize) throw new LmdbDamage(`${where} has a damaged database record`);
        onSubDb(p.subarray(node + NODESIZE, dataAt).toString('latin1').replace(/\0+$/, ''), dbRecord(p, dataAt));
      } else if (nodeFlags !== 0) {
        throw new LmdbDamage(`${where} has a node with unknown flags`);
      } else if (dataAt + dataSize > pageSize) {
        throw new LmdbDamage(`${where} has a value outside it`);
      }
    }
  }

  /** An overflow run: `dataSize` bytes from page `pgno` on, its first page saying how many. */
  private overflow(pgno: number, dataSize: number, name: string, counts: { overflow: number }): void {
    const { pageSize, lastPage } = this.meta;
    const run = Math.floor((PAGEHDRSZ - 1 + dataSize) / pageSize) + 1;
    this.checkPgno(pgno, `the ${name} database`);
    this.headed.push(pgno);
    if (pgno + run - 1 > lastPage) throw new LmdbDamage(`an overflow value of the ${name} database runs past the end of the file`);
    const p = this.pages.read(pgno);
    const where = `overflow page ${pgno} of the ${name} database`;
    if (p.readBigUInt64LE(0) !== BigInt(pgno) || p.readUInt16LE(18) !== P_OVERFLOW) throw new LmdbDamage(`${where} is damaged`);
    this.checkWriter(p, where);
    if (p.readUInt32LE(20) !== run) throw new LmdbDamage(`${where} has the wrong length`);
    for (let i = 1; i < run; i++) this.checkPgno(pgno + i, `the ${name} database`);
    counts.overflow += run;
  }
}

/**
 * Check the LMDB data file `file`: `full` reads every page of every tree, otherwise only the meta
 * pages and each tree's root page are read. Returns what is damaged, or null.
 */
export function verifyLmdb(file: string, full: boolean): string | null {
  return walk(file, full).damage;
}

/** The pages of a sound file that begin with a page header, in every tree (tests flip bytes in
 *  them); empty when damaged. */
export function liveLmdbPages(file: string): number[] {
  const { damage, pages } = walk(file, true);
  return damage ? [] : pages;
}

/** How long a check that found damage keeps reading again while other processes commit. */
const RECHECK_WHILE_COMMITTING_MS = 2000;

/**
 * The verifier is no LMDB reader, so a writer in another process may commit while it reads: the
 * file grows past the size it saw, or pages it walks are reused. Damage found while the meta pages
 * moved is read again after a short pause; damage that stays while nothing commits is real.
 * Damage never seen while the file stood still is not reported: other processes are committing
 * to it all along, which their LMDB could not do through damaged pages, and a false report would
 * fault a sound pool.
 */
function walk(file: string, full: boolean): { damage: string | null; pages: number[] } {
  const deadline = Date.now() + RECHECK_WHILE_COMMITTING_MS;
  for (let pause = 1; ; pause = Math.min(2 * pause, 32)) {
    const before = commitStamp(file);
    const result = walkOnce(file, full);
    if (!result.damage || commitStamp(file) === before) return result;
    if (Date.now() > deadline) return { damage: null, pages: [] };
    sleepSync(pause);
  }
}

/** Bytes of a meta page that a commit writes: the page header and MDB_meta (136 bytes) */
const META_STAMP_BYTES = 256;

/**
 * What changes on every commit: the two meta pages and the file size. A commit writes one meta
 * page's MDB_meta (its txnid, its trees' records, the last page): the first META_STAMP_BYTES of
 * each page are read, not the pages whole (every open takes this stamp; reading and encoding 128
 * KiB cost a start-up ~1 ms). A page size that cannot be LMDB's (damage) stamps 128 KiB, as before.
 */
function commitStamp(file: string): string {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const first = Buffer.alloc(META_STAMP_BYTES);
      const got = fs.readSync(fd, first, 0, first.length, 0);
      const pageSize = got === first.length ? first.readUInt32LE(META_AT + 24) : 0;
      const plausible = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
      const second = Buffer.alloc(plausible ? META_STAMP_BYTES : 2 * 65536);
      const got2 = fs.readSync(fd, second, 0, second.length, plausible ? pageSize : 0);
      return `${fs.fstatSync(fd).size}:${first.subarray(0, got).toString('hex')}:${second.subarray(0, got2).toString('base64')}`;
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? err}`;
  }
}

function walkOnce(file: string, full: boolean): { damage: string | null; pages: number[] } {
  let pages: Pages;
  try {
    pages = new Pages(file, full);
  } catch (err) {
    return { damage: `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, pages: [] };
  }
  try {
    const meta = readMeta(pages);
    const walker = new Walker(pages, meta, full);
    walker.tree(meta.free, 'free-page');
    const named: Array<[string, DbRecord]> = [];
    walker.tree(meta.main, 'main', (key, db) => named.push([key, db]));
    for (const [key, db] of named) walker.tree(db, `'${key}'`);
    return { damage: null, pages: walker.headed.sort((a, b) => a - b) };
  } catch (err) {
    if (err instanceof LmdbDamage || err instanceof RangeError) return { damage: `is damaged: ${err.message}`, pages: [] };
    throw err;
  } finally {
    pages.close();
  }
}
