/**
 * The devices of a pool of several files (ZFS: the vdev tree under the root vdev, vdev_file,
 * vdev_mirror, vdev_raidz). Writes go to every copy (mirror) or as data plus parity (raidz); a
 * read is verified by the caller's checksum and, when it fails, served from another child or
 * rebuilt from parity: the right bytes come back, the bad copy is written again, and the
 * device's CKSUM counter goes up. Counters gathered while the pool is open are kept by the pool
 * (health.ts) when it closes.
 */
import * as fs from 'node:fs';
import { combinations, generateParity, raidzMap, reconstruct, type RaidzColumn } from './raidz.js';
import { LEAF_LABEL_BYTES, topIndexOf, VDEV_STRIDE, type LeafConfig, type TopConfig, type VdevTree } from './config.js';
import { isConcrete, memoryLookup, resolve, type IndirectEntry, type MappingLookup, type Piece } from './indirect.js';

/** What a device did since the counts were last kept: operations and bytes, read and written. */
export interface IoCounts {
  rops: number;
  wops: number;
  rbytes: number;
  wbytes: number;
}

export interface ErrorCounts {
  read: number;
  write: number;
  cksum: number;
}

/** A fault set on purpose (`tszfs inject`, ZFS zinject -d): reads of the device return damaged
 *  bytes (`checksum`), its reads or writes fail (`io`, as `iotype` says), or it is taken away
 *  (`nxio`: REMOVED). */
export interface Injection {
  guid: string;
  error: 'checksum' | 'io' | 'nxio';
  iotype: 'read' | 'write' | 'all';
}

const READ_WRITE = fs.constants.O_RDWR | fs.constants.O_NOFOLLOW;

class Leaf {
  fault: Injection | null = null;

  constructor(
    readonly cfg: LeafConfig,
    public fd: number | null,
  ) {}

  /** It cannot be used at all: missing, or taken away on purpose. */
  get unavailable(): boolean {
    return this.fd === null || this.fault?.error === 'nxio' || this.cfg.offline !== undefined;
  }

  /** An injected fault of this kind of I/O. */
  failing(io: 'read' | 'write'): Injection['error'] | null {
    const f = this.fault;
    return f && (f.iotype === 'all' || f.iotype === io) ? f.error : null;
  }
}

/** Whether `buf` holds what its block pointer's checksum says. */
export type Verify = (buf: Buffer) => boolean;

export class VdevRoot {
  private readonly leaves = new Map<string, Leaf>();
  /** counters gathered since open, by vdev guid (leaves, and top-level vdevs for damage they
   *  could not repair) */
  readonly errors = new Map<string, ErrorCounts>();
  /** I/O done since open, by leaf guid (`zpool iostat`) */
  readonly io = new Map<string, IoCounts>();
  /** bytes written again over bad copies since open (a scrub's "repaired") */
  repaired = 0;
  /** leaves being resilvered (a new device): what they lack is expected, not counted as errors */
  readonly resilvering = new Set<string>();
  private readonly sector: number;
  private readonly lookup: MappingLookup;

  constructor(
    readonly tree: VdevTree,
    injections: Injection[] = [],
    /** the mappings of removed (indirect) vdevs, held in memory as ZFS holds them */
    mappings = new Map<number, IndirectEntry[]>(),
  ) {
    this.lookup = memoryLookup(mappings);
    this.sector = 2 ** tree.ashift;
    for (const top of tree.tops) {
      // A device a spare stands in for is opened only for its state (zpool status).
      for (const cfg of top.children.flatMap((c) => (c.replaced ? [c, c.replaced] : [c]))) {
        let fd: number | null = null;
        try {
          fd = fs.openSync(cfg.path, READ_WRITE);
        } catch {
          fd = null; // missing: the vdev is UNAVAIL
        }
        this.leaves.set(cfg.guid, new Leaf(cfg, fd));
      }
    }
    for (const i of injections) {
      const leaf = this.leaves.get(i.guid);
      if (leaf) leaf.fault = i;
    }
  }

  /** The state of a leaf for `zpool status`. */
  leafState(guid: string): 'ONLINE' | 'UNAVAIL' | 'REMOVED' | 'OFFLINE' {
    const leaf = this.leaves.get(guid);
    if (leaf?.cfg.offline) return 'OFFLINE';
    if (!leaf || leaf.fd === null) return 'UNAVAIL';
    return leaf.fault?.error === 'nxio' ? 'REMOVED' : 'ONLINE';
  }

  /** How many children of `top` cannot be used. */
  missingChildren(top: TopConfig): number {
    return top.children.filter((c) => this.leaves.get(c.guid)!.unavailable).length;
  }

  /** Whether `top` can take new blocks: every block written there can be read back. */
  writable(top: TopConfig): boolean {
    const missing = this.missingChildren(top);
    if (top.type === 'mirror') return missing < top.children.length;
    return missing <= top.nparity;
  }

  private count(guid: string, kind: keyof ErrorCounts, n = 1): void {
    if (this.resilvering.has(guid)) return;
    const e = this.errors.get(guid) ?? { read: 0, write: 0, cksum: 0 };
    e[kind] += n;
    this.errors.set(guid, e);
  }

  private top(position: number): [TopConfig, number] {
    return [this.tree.tops[topIndexOf(position)], position % VDEV_STRIDE];
  }

  private readLeaf(guid: string, buf: Buffer, length: number, offset: number): boolean {
    const leaf = this.leaves.get(guid)!;
    if (leaf.unavailable) return false;
    if (leaf.failing('read') === 'io') {
      this.count(guid, 'read');
      return false;
    }
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(leaf.fd!, buf, done, length - done, LEAF_LABEL_BYTES + offset + done);
        if (n === 0) throw new Error('short read');
        done += n;
      }
    } catch {
      this.count(guid, 'read');
      return false;
    }
    this.countIo(guid, 'r', length);
    // zinject -e checksum: the bytes come back damaged (the copy on the device stays good)
    if (leaf.failing('read') === 'checksum' && length > 0) buf[0] ^= 0xff;
    return true;
  }

  private countIo(guid: string, io: 'r' | 'w', bytes: number): void {
    let c = this.io.get(guid);
    if (!c) this.io.set(guid, (c = { rops: 0, wops: 0, rbytes: 0, wbytes: 0 }));
    if (io === 'r') {
      c.rops++;
      c.rbytes += bytes;
    } else {
      c.wops++;
      c.wbytes += bytes;
    }
  }

  private writeLeaf(guid: string, buf: Uint8Array, length: number, offset: number): void {
    const leaf = this.leaves.get(guid)!;
    if (leaf.unavailable) return;
    if (leaf.failing('write') === 'io') {
      this.count(guid, 'write');
      return;
    }
    try {
      let done = 0;
      while (done < length) done += fs.writeSync(leaf.fd!, buf, done, length - done, LEAF_LABEL_BYTES + offset + done);
      this.countIo(guid, 'w', length);
    } catch {
      this.count(guid, 'write');
    }
  }

  /** Store `length` bytes of `buf` at `position` (top-level index and offset, see config.ts). */
  write(buf: Buffer, length: number, position: number): void {
    const [top, offset] = this.top(position);
    if (top.type !== 'raidz') {
      for (const child of top.children) this.writeLeaf(child.guid, buf, length, offset);
      return;
    }
    const { cols, data } = this.split(top, offset, buf, length);
    const parity = generateParity(data, top.nparity);
    cols.forEach((col, c) => {
      const bytes = c < top.nparity ? parity[c] : data[c - top.nparity];
      this.writeLeaf(top.children[col.dev].guid, bytes, col.size, col.offset);
    });
  }

  /** A raidz block's column map and its data columns filled from `buf` (zero-padded). */
  private split(top: TopConfig, offset: number, buf: Buffer | null, length: number): { cols: RaidzColumn[]; data: Buffer[] } {
    const size = Math.ceil(length / this.sector) * this.sector;
    const cols = raidzMap(offset, size, this.tree.ashift, top.children.length, top.nparity);
    let at = 0;
    const data = cols.slice(top.nparity).map((col) => {
      const d = Buffer.alloc(col.size);
      if (buf) buf.copy(d, 0, at, Math.min(at + col.size, length));
      at += col.size;
      return d;
    });
    return { cols, data };
  }

  /** Where the `length` bytes at `position` live: itself, or through removed vdevs' mappings. */
  locate(position: number, length: number): Piece[] {
    return resolve(this.tree, this.lookup, position, length);
  }

  /**
   * Read the block of `length` bytes at `position` into `buf`, as `verify` accepts it, repairing
   * bad copies on the way; `scrub` also reads every copy and parity column. False when no copy
   * and no reconstruction passes: the damage is beyond the vdev's redundancy.
   */
  readBlock(buf: Buffer, length: number, position: number, verify: Verify, scrub = false): boolean {
    if (!isConcrete(this.tree.tops[topIndexOf(position)])) {
      const pieces = this.locate(position, length);
      if (pieces.length === 1) return this.readBlock(buf, length, pieces[0].position, verify, scrub);
      // A block whose segment was split on removal (vdev_indirect_read_all): each piece from the
      // first copy that reads, the whole checked once.
      let at = 0;
      for (const p of pieces) {
        if (!this.readRaw(buf.subarray(at, at + p.length), p.length, p.position)) return false;
        at += p.length;
      }
      return verify(buf.subarray(0, length));
    }
    const [top, offset] = this.top(position);
    const ok = top.type === 'raidz' ? this.readRaidz(top, offset, buf, length, verify, scrub) : this.readCopies(top, offset, buf, length, verify, scrub);
    if (!ok) {
      if (top.type === 'file') this.count(top.children[0].guid, 'cksum');
      else this.count(top.guid, 'cksum');
    }
    return ok;
  }

  private readCopies(top: TopConfig, offset: number, buf: Buffer, length: number, verify: Verify, scrub: boolean): boolean {
    const target = buf.subarray(0, length);
    const bad: string[] = [];
    let good: Buffer | null = null;
    for (const child of top.children) {
      const into = good ? Buffer.alloc(length) : target;
      if (!this.readLeaf(child.guid, into, length, offset)) continue;
      if (verify(into)) {
        good ??= target;
        if (!scrub) break;
      } else bad.push(child.guid);
    }
    if (!good) return false;
    if (top.type === 'mirror') {
      for (const guid of bad) {
        this.count(guid, 'cksum');
        this.writeLeaf(guid, target, length, offset);
        this.repaired += length;
      }
    }
    return true;
  }

  private readRaidz(top: TopConfig, offset: number, buf: Buffer, length: number, verify: Verify, scrub: boolean): boolean {
    const np = top.nparity;
    const { cols, data } = this.split(top, offset, null, length);
    const read = cols.map((col, c) => {
      const b = c < np ? Buffer.alloc(col.size) : data[c - np];
      return this.readLeaf(top.children[col.dev].guid, b, col.size, col.offset) ? b : null;
    });
    const parity = read.slice(0, np);
    const lost = read.slice(np).flatMap((b, i) => (b ? [] : [i]));
    const assemble = (cols2: Uint8Array[]) => {
      let at = 0;
      for (const d of cols2) {
        if (at >= length) break;
        buf.set(d.subarray(0, Math.min(d.length, length - at)), at);
        at += d.length;
      }
      return verify(buf.subarray(0, length));
    };
    let solved: Uint8Array[] | null = null;
    if (lost.length === 0 && assemble(data)) solved = data;
    const rows = parity.flatMap((p, j) => (p ? [j] : []));
    const present = data.map((_, i) => i).filter((i) => !lost.includes(i));
    // vdev_raidz_combrec: assume more and more columns bad until the checksum passes.
    for (let extra = 0; !solved && lost.length + extra <= rows.length; extra++) {
      for (const guess of combinations(present, extra)) {
        const missing = [...lost, ...guess];
        for (const use of combinations(rows, missing.length)) {
          const trial = data.map((d) => Buffer.from(d));
          if (missing.length > 0 && !reconstruct(trial, parity, missing, use)) continue;
          if (assemble(trial)) {
            solved = trial;
            break;
          }
        }
        if (solved) break;
      }
    }
    if (!solved) return false;
    // Which columns were wrong: data that differs from the answer, parity that differs from
    // the parity of the answer (checked when something was wrong, and always by a scrub).
    const repair = (c: number, want: Uint8Array) => {
      const col = cols[c];
      const guid = top.children[col.dev].guid;
      if (read[c] !== null) this.count(guid, 'cksum');
      this.writeLeaf(guid, want, col.size, col.offset);
      this.repaired += col.size;
    };
    solved.forEach((d, i) => {
      const c = np + i;
      if (read[c] === null || Buffer.compare(read[c]!, d) !== 0) {
        if (read[c] !== null || !this.leaves.get(top.children[cols[c].dev].guid)!.unavailable) repair(c, d);
      }
    });
    if (scrub || solved !== data) {
      const want = generateParity(solved, np);
      want.forEach((p, j) => {
        if (parity[j] === null ? !this.leaves.get(top.children[cols[j].dev].guid)!.unavailable : Buffer.compare(parity[j]!, p) !== 0) repair(j, p);
      });
    }
    return true;
  }

  /** The `length` bytes at `position` of a plain file or mirror vdev as stored, from the first
   *  copy that can be read, unverified (ZFS device removal copies segments the same way). */
  readRaw(buf: Buffer, length: number, position: number): boolean {
    const [top, offset] = this.top(position);
    if (top.type !== 'file' && top.type !== 'mirror') return false;
    return top.children.some((c) => this.readLeaf(c.guid, buf, length, offset));
  }

  /**
   * Copy `length` bytes from `from` to `to` as a removal does (spa_vdev_copy_one_child): mirror
   * to mirror side by side (each side of the new mirror from the same side of the old one, or the
   * next that reads), so that one good copy before is one good copy after, though nothing is
   * verified; otherwise the bytes of the first copy that reads, written as any block is. False
   * when nothing can be read.
   */
  copySegment(buf: Buffer, length: number, from: number, to: number): boolean {
    const [src, srcOffset] = this.top(from);
    const [dst, dstOffset] = this.top(to);
    if (src.type !== 'mirror' || dst.type !== 'mirror') {
      if (!this.readRaw(buf, length, from)) return false;
      this.write(buf, length, to);
      return true;
    }
    let copied = false;
    dst.children.forEach((child, k) => {
      for (let i = 0; i < src.children.length; i++) {
        if (!this.readLeaf(src.children[(k + i) % src.children.length].guid, buf, length, srcOffset)) continue;
        this.writeLeaf(child.guid, buf, length, dstOffset);
        copied = true;
        return;
      }
    });
    return copied;
  }

  /** Copy the block of `length` bytes at `position` of a one-file top-level vdev from the leaf
   *  `from` (the device being replaced) to its current leaf: false when it cannot be read. */
  copyFrom(from: string, position: number, length: number): boolean {
    const [top, offset] = this.top(position);
    let fd: number;
    try {
      fd = fs.openSync(from, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      return false;
    }
    try {
      const buf = Buffer.alloc(length);
      if (fs.readSync(fd, buf, 0, length, LEAF_LABEL_BYTES + offset) < length) return false;
      this.writeLeaf(top.children[0].guid, buf, length, offset);
      this.repaired += length;
      return true;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Make every write so far durable. */
  sync(): void {
    for (const leaf of this.leaves.values()) if (leaf.fd !== null) fs.fdatasyncSync(leaf.fd);
  }

  close(): void {
    for (const leaf of this.leaves.values()) if (leaf.fd !== null) fs.closeSync(leaf.fd);
    this.leaves.clear();
  }
}
