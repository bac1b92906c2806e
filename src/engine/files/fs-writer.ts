/**
 * Changing a head's files inside one transaction group (ZFS: ZPL over the DMU). Every record it
 * writes is new space (copy on write); every record or node it replaces is handed to the head's
 * accounting, which frees it or puts it on the deadlist.
 */
import type { NodeWriter } from '../blocks/nodes.js';
import { ReusableArena, SharedChecksumArena } from '../blocks/fletcher4-wasm.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { writeRecord, readRecord, type WriteSettings } from '../blocks/records.js';
import { damagedBlock, EngineError } from '../errno.js';
import type { PoolTxn } from '../pool/pool.js';
import type { ByteSource } from '../pool/staging.js';
import type { BlockPtr, NodePtr, TreeRef } from '../store/records.js';
import { FsView } from './fs-view.js';
import {
  blockMap,
  dirEntries,
  objectTable,
  type DirDnode,
  type DirNode,
  type Dnode,
  type FileDnode,
  type ObjsetNode,
} from './objset.js';

/** Where a head's block births and deaths are accounted (the dataset layer's HeadWriter). */
export interface BlockAccounting {
  born(bp: BlockPtr): void;
  killBlock(bp: BlockPtr): void;
}


/** How a file's new records are laid and stored: the head's recordsize, checksum, compression. */
export interface FileWriteSettings extends WriteSettings {
  readonly recordsize: number;
}

export type WriteMode = { kind: 'replace' } | { kind: 'append' } | { kind: 'offset'; offset: number };

/** How much input one read asks for, in whole records (at least one). */
const INPUT_BYTES = 1 << 20;
const inputArena = new ReusableArena();
/** After this much of a write, the image's writes go on a thread of their own (Image.writeBuffer). */
const ASYNC_AFTER = 8 << 20;
const SECTOR_512 = 512;
const roundUp512 = (n: number) => Math.ceil(n / SECTOR_512) * SECTOR_512;

export class FsWriter extends FsView {
  readonly rootPtr: NodePtr;

  constructor(
    private readonly tx: PoolTxn,
    private readonly w: NodeWriter,
    private readonly accounting: BlockAccounting,
    root: NodePtr,
    private readonly now: number,
  ) {
    const { node, ptr } = w.modify<ObjsetNode>(root, (os) => ({ ...os }));
    super(w, node);
    this.rootPtr = ptr;
  }

  private setDnode(object: number, dnode: Dnode | null): void {
    this.objset.objects = objectTable.set(this.w, this.objset.objects, object, dnode);
  }

  private setEntries(dirObject: number, dir: DirDnode, change: (e: DirNode['e']) => void): void {
    let entries: NodePtr | null;
    if (dir.entries) {
      const { node, ptr } = this.w.modify<DirNode>(dir.entries, (n) => ({ t: 'd', e: n.e.slice() }));
      change(node.e);
      entries = ptr;
      if (node.e.length === 0) {
        this.w.kill(ptr);
        entries = null;
      }
    } else {
      const node: DirNode = { t: 'd', e: [] };
      change(node.e);
      entries = this.w.create(node);
    }
    const count = entries ? this.w.get<DirNode>(entries).e.length : 0;
    this.setDnode(dirObject, { ...dir, entries, count, mtime: this.now, ctime: this.now });
  }

  private link(parentObject: number, name: string, dnode: Dnode): number {
    const object = this.objset.nextObject++;
    this.setDnode(object, dnode);
    const parent = this.dnode(parentObject) as DirDnode;
    this.setEntries(parentObject, parent, (e) => {
      e.push([name, object]);
      e.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    });
    return object;
  }

  /** The directory that holds `parts`' last component, created on the way when `parents`. */
  private parentOf(parts: string[], parents: boolean): number {
    let object = this.lookup([]).object;
    for (let i = 0; i < parts.length - 1; i++) object = this.childDir(object, parts[i], parents);
    return object;
  }

  private childDir(object: number, name: string, create: boolean): number {
    const dnode = this.dnode(object);
    if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
    const entry = dirEntries(this.src, dnode).find(([n]) => n === name);
    if (entry) {
      if (this.dnode(entry[1]).type !== 'dir') throw new EngineError('ENOTDIR');
      return entry[1];
    }
    if (!create) throw new EngineError('ENOENT');
    return this.link(object, name, this.newDir(object));
  }

  private newDir(parent: number): DirDnode {
    return { type: 'dir', gen: this.tx.txg, parent, mtime: this.now, ctime: this.now, entries: null, count: 0 };
  }

  mkdir(parts: string[], parents: boolean): void {
    if (parts.length === 0) {
      if (parents) return;
      throw new EngineError('EEXIST');
    }
    const parent = this.parentOf(parts, parents);
    const name = parts[parts.length - 1];
    const existing = dirEntries(this.src, this.dnode(parent) as DirDnode).find(([n]) => n === name);
    if (existing) {
      if (parents && this.dnode(existing[1]).type === 'dir') return;
      throw new EngineError('EEXIST');
    }
    this.link(parent, name, this.newDir(parent));
  }

  write(parts: string[], mode: WriteMode, src: ByteSource, parents: boolean, settings: FileWriteSettings): void {
    if (parts.length === 0) throw new EngineError('EISDIR');
    const parent = this.parentOf(parts, parents);
    const name = parts[parts.length - 1];
    const entry = dirEntries(this.src, this.dnode(parent) as DirDnode).find(([n]) => n === name);
    let object: number;
    let file: FileDnode;
    if (entry) {
      const dnode = this.dnode(entry[1]);
      if (dnode.type !== 'file') throw new EngineError('EISDIR');
      object = entry[1];
      file = mode.kind === 'replace' ? this.truncate(dnode) : dnode;
    } else {
      file = { type: 'file', gen: this.tx.txg, parent, mtime: this.now, ctime: this.now, size: 0, blksz: 0, blocks: EMPTY_TREE };
      object = this.link(parent, name, file);
    }
    const start = mode.kind === 'offset' ? mode.offset : mode.kind === 'append' ? file.size : 0;
    try {
      file = new RecordWriter(this.tx, settings, this.w, this.accounting, file, settings.recordsize).write(start, src);
    } catch (err) {
      const block = damagedBlock(err);
      if (block) block.object = object;
      throw err;
    }
    this.setDnode(object, { ...file, mtime: this.now, ctime: this.now });
  }

  /** Drop every record of a file; its blocks go to the head's accounting. */
  private truncate(file: FileDnode): FileDnode {
    this.freeBlocks(file.blocks);
    return { ...file, size: 0, blksz: 0, blocks: EMPTY_TREE };
  }

  private freeBlocks(blocks: TreeRef): void {
    blockMap.walkBornAfter(this.src, blocks, -1, (ptr) => this.w.kill(ptr), (bp) => this.accounting.killBlock(bp));
  }

  remove(parts: string[], recursive: boolean): void {
    if (parts.length === 0) throw new EngineError('EBUSY'); // the root directory, as rmdir(2) of a mount point
    const parent = this.parentOf(parts, false);
    const name = parts[parts.length - 1];
    const parentDnode = this.dnode(parent) as DirDnode;
    const entry = dirEntries(this.src, parentDnode).find(([n]) => n === name);
    if (!entry) throw new EngineError('ENOENT');
    const dnode = this.dnode(entry[1]);
    if (dnode.type === 'dir' && !recursive) throw new EngineError('EISDIR');
    this.destroyObject(entry[1], dnode);
    this.setEntries(parent, this.dnode(parent) as DirDnode, (e) => e.splice(e.findIndex(([n]) => n === name), 1));
  }

  private destroyObject(object: number, dnode: Dnode): void {
    if (dnode.type === 'file') this.freeBlocks(dnode.blocks);
    else {
      for (const [, child] of dirEntries(this.src, dnode)) this.destroyObject(child, this.dnode(child));
      if (dnode.entries) this.w.kill(dnode.entries);
    }
    this.setDnode(object, null);
  }
}

/** Lays a byte stream into a file's records (zfs-dsl-semantics.md §10.2 block-size rules). */
export class RecordWriter {
  private readonly record: Buffer;

  constructor(
    private readonly tx: PoolTxn,
    private readonly settings: WriteSettings,
    private readonly w: NodeWriter,
    private readonly accounting: BlockAccounting,
    private file: FileDnode,
    recordsize: number,
  ) {
    // A file of several blocks keeps its block size; a single block may still grow to a record.
    const severalBlocks = file.blksz > 0 && file.size > file.blksz;
    this.recordsize = severalBlocks ? file.blksz : Math.max(recordsize, file.blksz);
    this.record = Buffer.alloc(this.recordsize);
  }

  private readonly recordsize: number;

  private get singleBlock(): boolean {
    return this.file.blksz < this.recordsize;
  }

  write(start: number, src: ByteSource): FileDnode {
    const R = this.recordsize;
    if (this.singleBlock && start < R) {
      // The file may stay a single block of its size rounded up to 512 bytes.
      const buf = this.loadBlock(0, Buffer.alloc(R));
      const n = readFully(src, buf, start, R - start);
      if (n === 0) return this.file;
      const end = start + n;
      if (end < R) {
        const size = Math.max(this.file.size, end);
        this.putBlock(0, buf, roundUp512(size));
        this.file = { ...this.file, size, blksz: roundUp512(size) };
        return this.file;
      }
      this.putBlock(0, buf, R);
      this.file = { ...this.file, size: Math.max(this.file.size, end), blksz: R };
      return this.stream(R, src);
    }
    return this.stream(start, src, this.singleBlock);
  }

  /** Write records from `pos` on; `relayout` first turns a single-block file into full records,
   *  but only once there is a byte to write (an empty write changes nothing, as in zfs_write).
   *  Whole records are read INPUT_BYTES at a time into a ChecksumArena (checksummed in place). */
  private stream(pos: number, src: ByteSource, relayout = false): FileDnode {
    const R = this.recordsize;
    const span = Math.max(1, Math.floor(INPUT_BYTES / R)) * R;
    let input = inputArena.bytes(span).subarray(0, span);
    for (let streamed = 0; ; ) {
      const blockId = Math.floor(pos / R);
      const within = pos - blockId * R;
      // Past ASYNC_AFTER bytes, the image's own buffers: their records are written on a thread.
      if (streamed >= ASYNC_AFTER) input = this.tx.image.writeBuffer(span, (pages) => new SharedChecksumArena(pages)) ?? input;
      // Up to the end of the record `pos` is in, or (at a record boundary) as many as fit.
      const n = readFully(src, input, 0, within === 0 ? input.length : R - within);
      if (n === 0) break;
      if (relayout) {
        if (this.file.size > 0) this.putBlock(0, this.loadBlock(0, Buffer.alloc(R)), R);
        this.file = { ...this.file, blksz: R };
        relayout = false;
      }
      let used = 0;
      if (within === 0) {
        for (; used + R <= n; used += R) this.putBlock(blockId + used / R, input.subarray(used, used + R), R);
      }
      if (used < n) {
        // Part of a record: merged into what it held.
        const record = this.loadBlock(blockId + used / R, this.record);
        input.copy(record, within, used, n);
        this.putBlock(blockId + used / R, record, R);
      }
      pos += n;
      streamed += n;
      this.file = { ...this.file, size: Math.max(this.file.size, pos) };
      if (within + n < (within === 0 ? input.length : R)) break;
    }
    return this.file;
  }

  /** The current contents of a block (zeros for a hole) in `buf`. */
  private loadBlock(blockId: number, buf: Buffer): Buffer {
    const bp = blockMap.get(this.w, this.file.blocks, blockId);
    buf.fill(0);
    try {
      if (bp) readRecord(this.tx.image, bp, buf);
    } catch (err) {
      const block = damagedBlock(err);
      if (block) block.blockId = blockId;
      throw err;
    }
    return buf;
  }

  private putBlock(blockId: number, buf: Buffer, lsize: number): void {
    const old = blockMap.get(this.w, this.file.blocks, blockId);
    // Null: compressed away to nothing (all zeros), the block becomes a hole.
    const bp = writeRecord(this.tx, this.settings, buf, lsize);
    if (!old && !bp) return;
    if (old) this.accounting.killBlock(old);
    if (bp) this.accounting.born(bp);
    this.file = { ...this.file, blocks: blockMap.set(this.w, this.file.blocks, blockId, bp) };
  }
}

function readFully(src: ByteSource, buf: Buffer, offset: number, length: number): number {
  let done = 0;
  while (done < length) {
    const n = src.read(buf, offset + done, length - done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
