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
import { changeEntry, entryNodes } from './dir.js';
import {
  blockMap,
  dirEntries,
  findEntry,
  MODE_MASK,
  newAttributes,
  objectTable,
  ROOT_OBJECT,
  type DirDnode,
  type Dnode,
  type FileDnode,
  type ObjsetNode,
  type Timespec,
} from './objset.js';
import { fileUsed, OwnerLedger, type OwnerQuotas } from './owners.js';

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
/** The single block of a small file, and a record being merged: scratch, reused by every write. */
const blockArena = new ReusableArena();
const recordArena = new ReusableArena();
/** After this much of a write, the image's writes go on a thread of their own (Image.writeBuffer). */
const ASYNC_AFTER = 8 << 20;
const SECTOR_512 = 512;
const roundUp512 = (n: number) => Math.ceil(n / SECTOR_512) * SECTOR_512;

/** Attributes given to an object as it is made or changed (chmod, chown, touch, xattr, tar -x). */
export interface AttrChange {
  /** permission bits with setuid/setgid/sticky (masked to 07777) */
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: Timespec;
  mtime?: Timespec;
  /** only to restore a recorded one (receive, tar -x); otherwise every change sets ctime to now */
  ctime?: Timespec;
  crtime?: Timespec;
  /** replace every extended attribute */
  xattrs?: Array<[name: Buffer | string, value: Buffer | string]>;
  /** set (add or replace) these */
  setXattrs?: Array<[name: Buffer | string, value: Buffer | string]>;
  /** remove these: ENODATA if one is not there */
  removeXattrs?: Array<Buffer | string>;
}

/** What `create` makes: a file's bytes stream in from `data`. */
export type NewObject =
  | { type: 'file'; data?: ByteSource; settings?: FileWriteSettings }
  | { type: 'dir' }
  | { type: 'symlink'; target: string }
  | { type: 'chardev' | 'blockdev'; rdev: [major: number, minor: number] }
  | { type: 'fifo' | 'socket' };

export interface CreateOptions {
  /** make missing parent directories (mkdir -p) */
  parents?: boolean;
  /** an existing non-directory at the name is unlinked first (tar -x, ln -f); an existing
   *  directory made again as one keeps its entries and takes the new attributes */
  replace?: boolean;
}

/** XATTR_NAME_MAX and XATTR_SIZE_MAX of Linux; all of an object's xattrs together fit XATTR_SIZE_MAX. */
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
const bytes = (b: Buffer | string) => (typeof b === 'string' ? Buffer.from(b) : b);
const compareBuffers = (a: [Buffer, Buffer], b: [Buffer, Buffer]) => Buffer.compare(a[0], b[0]);

export class FsWriter extends FsView {
  readonly rootPtr: NodePtr;

  constructor(
    private readonly tx: PoolTxn,
    private readonly w: NodeWriter,
    private readonly accounting: BlockAccounting,
    root: NodePtr,
    private readonly now: Timespec,
    quotas?: OwnerQuotas,
  ) {
    const { node, ptr } = w.modify<ObjsetNode>(root, (os) => ({ ...os }));
    super(w, node);
    this.rootPtr = ptr;
    this.owners = new OwnerLedger(w, node, quotas);
  }

  /** space per owner, charged as dnodes change (EDQUOT past a quota) */
  private readonly owners: OwnerLedger;

  /** Let go of the tree's nodes written so far (NodeWriter.flush): call between operations of a
   *  long change, so that memory does not grow with it. */
  spill(): void {
    this.w.flush();
    this.objset = this.w.get<ObjsetNode>(this.rootPtr);
    this.owners.attach(this.objset);
  }

  private setDnode(object: number, dnode: Dnode | null): void {
    this.owners.change(objectTable.get(this.w, this.objset.objects, object), dnode);
    this.objset.objects = objectTable.set(this.w, this.objset.objects, object, dnode);
  }

  /** Add (`object`) or drop (null) the entry `name` of a directory: its mtime and ctime are now,
   *  and its link count follows its subdirectories. */
  private setEntry(dirObject: number, name: string, object: number | null, isDir: boolean): void {
    const dir = this.dnode(dirObject) as DirDnode;
    const entries = changeEntry(this.w, dir.entries, dir.count, name, object);
    const delta = object === null ? -1 : 1;
    this.setDnode(dirObject, { ...dir, entries, count: dir.count + delta, nlink: dir.nlink + (isDir ? delta : 0), mtime: this.now, ctime: this.now });
  }

  private addEntry(dir: number, name: string, object: number, isDir: boolean): void {
    this.setEntry(dir, name, object, isDir);
  }

  private dropEntry(dir: number, name: string, isDir: boolean): void {
    this.setEntry(dir, name, null, isDir);
  }

  /** A new object named `name` in `parent`. */
  private link(parentObject: number, name: string, dnode: Dnode): number {
    const object = this.objset.nextObject++;
    this.setDnode(object, dnode);
    this.addEntry(parentObject, name, object, dnode.type === 'dir');
    return object;
  }

  /** The directory that holds `parts`' last component (symlinks on the way followed), created
   *  on the way when `parents`. */
  private parentOf(parts: string[], parents: boolean): number {
    if (!parents) {
      const { object, dnode } = this.lookup(parts.slice(0, -1));
      if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
      return object;
    }
    let object = this.lookup([]).object;
    for (let i = 0; i < parts.length - 1; i++) object = this.childDir(object, parts[i]);
    return object;
  }

  /** `name` in directory `object`, as a directory (following a symlink to one), made if missing. */
  private childDir(object: number, name: string): number {
    const dnode = this.dnode(object);
    if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
    const child = findEntry(this.src, dnode, name);
    if (child !== null) {
      let dn = this.dnode(child);
      let found = child;
      if (dn.type === 'symlink') ({ object: found, dnode: dn } = this.lookup([...this.pathOf(object), name]));
      if (dn.type !== 'dir') throw new EngineError('ENOTDIR');
      return found;
    }
    return this.link(object, name, this.newDnode({ type: 'dir' }, object));
  }

  /** The path of a directory, through its parents. */
  private pathOf(dir: number): string[] {
    const parts: string[] = [];
    for (let o = dir; o !== ROOT_OBJECT; ) {
      const dn = this.dnode(o);
      const parent = this.dnode(dn.parent) as DirDnode;
      const entry = dirEntries(this.src, parent).find(([, c]) => c === o);
      if (!entry) break;
      parts.unshift(entry[0]);
      o = dn.parent;
    }
    return parts;
  }

  private newDnode(spec: NewObject, parent: number): Dnode {
    const common = newAttributes(spec.type, this.tx.txg, parent, this.now);
    switch (spec.type) {
      case 'file':
        return { type: 'file', ...common, size: 0, blksz: 0, blocks: EMPTY_TREE, used: 0 };
      case 'dir':
        return { type: 'dir', ...common, entries: null, count: 0 };
      case 'symlink':
        if (spec.target === '' || spec.target.includes('\0')) throw new EngineError('ENOENT');
        if (Buffer.byteLength(spec.target) >= 4096) throw new EngineError('ENAMETOOLONG');
        return { type: 'symlink', ...common, target: spec.target };
      case 'chardev':
      case 'blockdev':
        return { type: spec.type, ...common, rdev: [spec.rdev[0], spec.rdev[1]] };
      default:
        return { type: spec.type, ...common };
    }
  }

  /** A new object with the owners `attrs` give, so that its space and object are charged to them
   *  alone, never to root on the way (owners.ts). */
  private owned(dnode: Dnode, attrs: AttrChange): Dnode {
    if (attrs.uid !== undefined) dnode.uid = checkId(attrs.uid);
    if (attrs.gid !== undefined) dnode.gid = checkId(attrs.gid);
    return dnode;
  }

  mkdir(parts: string[], parents: boolean, attrs: AttrChange = {}): void {
    if (parts.length === 0) {
      if (parents) return;
      throw new EngineError('EEXIST');
    }
    const parent = this.parentOf(parts, parents);
    const name = parts[parts.length - 1];
    const existing = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    if (existing !== null) {
      if (parents && this.lookup(parts).dnode.type === 'dir') return;
      throw new EngineError('EEXIST');
    }
    const object = this.link(parent, name, this.owned(this.newDnode({ type: 'dir' }, parent), attrs));
    if (Object.keys(attrs).length) this.applyAttrs(object, attrs, false);
  }

  /**
   * Make an object of any type at `parts` with `attrs` (the API `tar -x` uses: every object of an
   * archive in one transaction). Its ctime is now unless `attrs.ctime` restores one. Adding it
   * sets its directory's mtime and ctime: set a directory's times after its entries are made.
   * Returns the object number.
   */
  create(parts: string[], spec: NewObject, attrs: AttrChange = {}, opts: CreateOptions = {}): number {
    if (parts.length === 0) {
      if (spec.type !== 'dir') throw new EngineError('EISDIR');
      this.applyAttrs(ROOT_OBJECT, attrs, false);
      return ROOT_OBJECT;
    }
    const parent = this.parentOf(parts, opts.parents ?? false);
    const name = parts[parts.length - 1];
    const existing = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    if (existing !== null) {
      const dn = this.dnode(existing);
      if (dn.type === 'dir' && spec.type === 'dir' && opts.replace) {
        this.applyAttrs(existing, attrs, false);
        return existing;
      }
      if (!opts.replace) throw new EngineError('EEXIST');
      if (dn.type === 'dir') throw new EngineError(spec.type === 'dir' ? 'EEXIST' : 'EISDIR');
      this.unlinkEntry(parent, name, existing, dn);
    }
    const object = this.link(parent, name, this.owned(this.newDnode(spec, parent), attrs));
    if (spec.type === 'file' && spec.data) {
      if (!spec.settings) throw new Error('a file written without its settings');
      this.writeObject(object, { kind: 'replace' }, spec.data, spec.settings);
    }
    this.applyAttrs(object, attrs, false);
    return object;
  }

  /** A hard link: `to` becomes another name of the object at `from` (not followed, as ln -P). */
  hardlink(from: string[], to: string[], opts: CreateOptions = {}): void {
    const { object, dnode } = this.lookup(from, false);
    if (dnode.type === 'dir') throw new EngineError('EPERM');
    if (to.length === 0) throw new EngineError('EEXIST');
    const parent = this.parentOf(to, opts.parents ?? false);
    const name = to[to.length - 1];
    const existing = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    if (existing !== null) {
      if (existing === object) return;
      const dn = this.dnode(existing);
      if (!opts.replace) throw new EngineError('EEXIST');
      if (dn.type === 'dir') throw new EngineError('EISDIR');
      this.unlinkEntry(parent, name, existing, dn);
    }
    const now = this.dnode(object);
    this.setDnode(object, { ...now, nlink: now.nlink + 1, links: [...(now.links ?? []), parent], ctime: this.now });
    this.addEntry(parent, name, object, false);
  }

  write(parts: string[], mode: WriteMode, src: ByteSource, parents: boolean, settings: FileWriteSettings): void {
    if (parts.length === 0) throw new EngineError('EISDIR');
    let parent = this.parentOf(parts, parents);
    let name = parts[parts.length - 1];
    let entry = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    if (entry !== null && this.dnode(entry).type === 'symlink' && !this.exists(parts)) {
      // A dangling symlink: the file is made where it points, as a shell's `>` does.
      const target = this.createPath(parts);
      parent = this.parentOf(target, false);
      name = target[target.length - 1];
      entry = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    }
    let object: number;
    if (entry !== null) {
      const found = this.dnode(entry).type === 'symlink' ? this.lookup(parts) : { object: entry, dnode: this.dnode(entry) };
      if (found.dnode.type !== 'file') throw new EngineError(found.dnode.type === 'dir' ? 'EISDIR' : 'EINVAL');
      object = found.object;
    } else {
      object = this.link(parent, name, this.newDnode({ type: 'file', settings }, parent));
    }
    this.writeObject(object, mode, src, settings);
  }

  /** Write `src` into file `object`: its mtime and ctime become now. */
  private writeObject(object: number, mode: WriteMode, src: ByteSource, settings: FileWriteSettings): void {
    let file = this.counted(object, this.dnode(object) as FileDnode);
    if (mode.kind === 'replace') file = this.truncate(file);
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

  /** Change the attributes of the object at `parts` (its last symlink followed unless `follow` is false). */
  setAttrs(parts: string[], change: AttrChange, follow = true): void {
    this.applyAttrs(this.lookup(parts, follow).object, change, true);
  }

  /** The same, by object number (from `walk`: chmod -R). */
  setAttrsOf(object: number, change: AttrChange): void {
    this.applyAttrs(object, change, true);
  }

  private applyAttrs(object: number, c: AttrChange, touchCtime: boolean): void {
    if (!touchCtime && Object.keys(c).length === 0) return;
    const dn: Dnode = { ...this.dnode(object) };
    if (c.mode !== undefined) dn.mode = c.mode & MODE_MASK;
    if (c.uid !== undefined) dn.uid = checkId(c.uid);
    if (c.gid !== undefined) dn.gid = checkId(c.gid);
    if (c.atime) dn.atime = checkTime(c.atime);
    if (c.mtime) dn.mtime = checkTime(c.mtime);
    if (c.crtime) dn.crtime = checkTime(c.crtime);
    if (c.xattrs || c.setXattrs || c.removeXattrs) {
      const map = new Map<string, [Buffer, Buffer]>();
      const put = ([n, v]: [Buffer | string, Buffer | string]) => {
        const name = bytes(n);
        if (name.length === 0 || name.length > XATTR_NAME_MAX || name.includes(0)) throw new EngineError('ERANGE');
        const value = bytes(v);
        if (value.length > XATTR_SIZE_MAX) throw new EngineError('E2BIG');
        map.set(name.toString('hex'), [name, value]);
      };
      if (!c.xattrs) for (const x of dn.xattrs ?? []) map.set(x[0].toString('hex'), x);
      for (const x of c.xattrs ?? []) put(x);
      for (const x of c.setXattrs ?? []) put(x);
      for (const n of c.removeXattrs ?? []) if (!map.delete(bytes(n).toString('hex'))) throw new EngineError('ENODATA');
      const all = [...map.values()].sort(compareBuffers);
      if (all.reduce((n, [k, v]) => n + k.length + 1 + v.length, 0) > XATTR_SIZE_MAX) throw new EngineError('ENOSPC');
      if (all.length) dn.xattrs = all;
      else delete dn.xattrs;
    }
    dn.ctime = c.ctime ? checkTime(c.ctime) : touchCtime ? this.now : dn.ctime;
    this.setDnode(object, dn);
  }

  /** A file of a tree made before files kept their charge (`used`) gets it stored before its
   *  blocks change: the old charge is counted from blocks that the change may free. */
  private counted(object: number, file: FileDnode): FileDnode {
    if (file.used !== undefined) return file;
    const withUsed = { ...file, used: fileUsed(this.w, file) };
    this.setDnode(object, withUsed);
    return withUsed;
  }

  /** Drop every record of a file; its blocks go to the head's accounting. */
  private truncate(file: FileDnode): FileDnode {
    this.freeBlocks(file.blocks);
    return { ...file, size: 0, blksz: 0, blocks: EMPTY_TREE, used: 0 };
  }

  private freeBlocks(blocks: TreeRef): void {
    blockMap.walkBornAfter(this.src, blocks, -1, (ptr) => this.w.kill(ptr), (bp) => this.accounting.killBlock(bp));
  }

  /** Remove the name at `parts` (a symlink itself, never its target); a directory only when `recursive`
   *  (its whole subtree), or when `emptyDir` and it has no entries (rmdir). */
  remove(parts: string[], recursive: boolean, emptyDir = false): void {
    if (parts.length === 0) throw new EngineError('EBUSY'); // the root directory, as rmdir(2) of a mount point
    const parent = this.parentOf(parts, false);
    const name = parts[parts.length - 1];
    const child = findEntry(this.src, this.dnode(parent) as DirDnode, name);
    if (child === null) throw new EngineError('ENOENT');
    const dnode = this.dnode(child);
    if (dnode.type === 'dir' && !recursive) {
      if (!emptyDir) throw new EngineError('EISDIR');
      if (dnode.count > 0) throw new EngineError('ENOTEMPTY');
    }
    this.unlinkEntry(parent, name, child, dnode);
  }

  /** Drop the entry `name` of `dir` that names `object`; the object goes with its last name. */
  private unlinkEntry(dir: number, name: string, object: number, dnode: Dnode): void {
    this.dropEntry(dir, name, dnode.type === 'dir');
    this.unlinkObject(dir, object, dnode);
  }

  private unlinkObject(dir: number, object: number, dnode: Dnode): void {
    if (dnode.type !== 'dir' && dnode.nlink > 1) {
      // One name fewer: `parent` stays a directory that still names the object.
      const dirs = [dnode.parent, ...(dnode.links ?? [])];
      dirs.splice(dirs.indexOf(dir), 1);
      const [parent, ...links] = dirs;
      const kept: Dnode = { ...dnode, parent, nlink: dnode.nlink - 1, ctime: this.now };
      if (links.length) kept.links = links;
      else delete kept.links;
      this.setDnode(object, kept);
      return;
    }
    this.destroyObject(object, dnode);
  }

  private destroyObject(object: number, dnode: Dnode): void {
    if (dnode.type === 'file') this.freeBlocks(this.counted(object, dnode).blocks);
    else if (dnode.type === 'dir') {
      for (const [, child] of dirEntries(this.src, dnode)) this.unlinkObject(object, child, this.dnode(child));
      for (const ptr of entryNodes(this.src, dnode.entries)) this.w.kill(ptr);
    }
    this.setDnode(object, null);
  }

  /**
   * rename(2) inside the dataset: `to` names what `from` named, atomically. An existing `to` is
   * replaced as rename does: a non-directory by a non-directory, an empty directory by a directory;
   * a directory over a non-directory is ENOTDIR, the reverse EISDIR, a directory over one with
   * entries ENOTEMPTY, a directory into its own subtree EINVAL.
   */
  rename(from: string[], to: string[]): void {
    if (from.length === 0 || to.length === 0) throw new EngineError('EBUSY');
    const fromDir = this.parentOf(from, false);
    const fromName = from[from.length - 1];
    const object = findEntry(this.src, this.dnode(fromDir) as DirDnode, fromName);
    if (object === null) throw new EngineError('ENOENT');
    const dn = this.dnode(object);
    const toDir = this.parentOf(to, false);
    const toName = to[to.length - 1];
    if (dn.type === 'dir') {
      // Not into itself or below it.
      for (let o = toDir; ; o = this.dnode(o).parent) {
        if (o === object) throw new EngineError('EINVAL');
        if (o === ROOT_OBJECT) break;
      }
    }
    const existing = findEntry(this.src, this.dnode(toDir) as DirDnode, toName);
    if (existing === object) return; // the same object (a hard link or itself): nothing to do
    if (existing !== null) {
      const target = this.dnode(existing);
      if (dn.type === 'dir' && target.type !== 'dir') throw new EngineError('ENOTDIR');
      if (dn.type !== 'dir' && target.type === 'dir') throw new EngineError('EISDIR');
      if (target.type === 'dir' && target.count > 0) throw new EngineError('ENOTEMPTY');
      this.unlinkEntry(toDir, toName, existing, target);
    }
    this.dropEntry(fromDir, fromName, dn.type === 'dir');
    this.addEntry(toDir, toName, object, dn.type === 'dir');
    const moved = { ...this.dnode(object), ctime: this.now };
    if (fromDir !== toDir) {
      const dirs = [moved.parent, ...(moved.links ?? [])];
      dirs[dirs.indexOf(fromDir)] = toDir;
      moved.parent = dirs[0];
      if (dirs.length > 1) moved.links = dirs.slice(1);
    }
    this.setDnode(object, moved);
  }
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0 || id > 0xffffffff) throw new EngineError('EINVAL');
  return id;
}

/** Seconds either side of the epoch a time may be: up to the end of year 9999, as streams carry them. */
const MAX_TIME = 253402300799;

function checkTime(t: Timespec): Timespec {
  if (!Array.isArray(t) || !Number.isSafeInteger(t[0]) || Math.abs(t[0]) > MAX_TIME || !Number.isInteger(t[1]) || t[1] < 0 || t[1] > 999_999_999) throw new EngineError('EINVAL');
  return [t[0], t[1]];
}

/** Lays a byte stream into a file's records (zfs-dsl-semantics.md §10.2 block-size rules). */
export class RecordWriter {
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
  }

  private readonly recordsize: number;

  /** A record being merged (reused: every write here is synchronous, never kept after putBlock). */
  private get record(): Buffer {
    return recordArena.bytes(this.recordsize).subarray(0, this.recordsize);
  }

  private get singleBlock(): boolean {
    return this.file.blksz < this.recordsize;
  }

  write(start: number, src: ByteSource): FileDnode {
    const R = this.recordsize;
    if (this.singleBlock && start < R) {
      // The file may stay a single block of its size rounded up to 512 bytes. A file without a
      // block yet (most small files) zeroes only what the block will hold beyond the data.
      const buf = blockArena.bytes(R).subarray(0, R);
      const stored = blockMap.get(this.w, this.file.blocks, 0) !== null;
      if (stored) this.loadBlock(0, buf);
      else buf.fill(0, 0, start);
      const n = readFully(src, buf, start, R - start);
      if (n === 0) return this.file;
      const end = start + n;
      if (!stored) buf.fill(0, end, end < R ? roundUp512(Math.max(this.file.size, end)) : R);
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
    const used = fileUsed(this.w, this.file) - (old?.asize ?? 0) + (bp?.asize ?? 0);
    this.file = { ...this.file, blocks: blockMap.set(this.w, this.file.blocks, blockId, bp), used };
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
