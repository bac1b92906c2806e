/**
 * Object-level changes to a head, as a received stream describes them (ZFS dmu_recv): set an
 * object's attributes, write or free one of its blocks, free the object. Object numbers are kept
 * as the sender had them. Replaced blocks and nodes go to the head's accounting, as for writes.
 */
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import { badStream } from '../errno.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { writeRawRecord, writeRecord, writeStoredRecord, type WriteSettings } from '../blocks/records.js';
import type { PoolTxn } from '../pool/pool.js';
import type { CompressAlgorithm, NodePtr, TreeRef } from '../store/records.js';
import type { BlockAccounting } from './fs-writer.js';
import { buildEntries, entryNodes, readEntries } from './dir.js';
import { fileUsed, OwnerLedger } from './owners.js';
import { blockMap, defaultMode, objectTable, type Dnode, type FileDnode, type ObjectType, type ObjsetNode, type Timespec } from './objset.js';

/**
 * An object as a stream's OBJECT record carries it. Streams of tszfs before POSIX attributes carry
 * files and directories only, times in whole seconds and none of mode, owners, links, crtime,
 * atime, xattrs: those objects get the defaults of a new object (0644/0755, root, atime and
 * crtime = mtime), and their directories' link counts are counted when the stream is applied.
 */
export interface ObjectAttributes {
  object: number;
  type: ObjectType;
  gen: number;
  parent: number;
  /** the directories of the object's other names (hard links) */
  links?: number[];
  mode?: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  atime?: Timespec;
  /** whole seconds in older streams */
  mtime: Timespec | number;
  ctime: Timespec | number;
  crtime?: Timespec;
  size?: number;
  blksz?: number;
  entries?: Array<[string, number]>;
  /** a symlink's target */
  target?: string;
  /** a device's major and minor numbers */
  rdev?: [number, number];
  /** extended attributes, names and values in base64 */
  xattrs?: Array<[string, string]>;
}

const timespec = (t: Timespec | number): Timespec => (typeof t === 'number' ? [t, 0] : [t[0], t[1]]);

/** The attributes an OBJECT record gives every object, from a dnode (the sender's side). */
export function objectAttributes(object: number, dn: Dnode): ObjectAttributes {
  const a: ObjectAttributes = {
    object,
    type: dn.type,
    gen: dn.gen,
    parent: dn.parent,
    mode: dn.mode,
    uid: dn.uid,
    gid: dn.gid,
    nlink: dn.nlink,
    atime: dn.atime,
    mtime: dn.mtime,
    ctime: dn.ctime,
    crtime: dn.crtime,
  };
  if (dn.links) a.links = dn.links;
  if (dn.xattrs) a.xattrs = dn.xattrs.map(([n, v]) => [n.toString('base64'), v.toString('base64')]);
  if (dn.type === 'symlink') a.target = dn.target;
  if (dn.type === 'chardev' || dn.type === 'blockdev') a.rdev = dn.rdev;
  return a;
}

export class ObjectWriter {
  readonly rootPtr: NodePtr;
  /** the object table before the first change: what a received stream is checked against */
  readonly baseObjects: TreeRef;
  private readonly objset: ObjsetNode;

  constructor(
    private readonly tx: PoolTxn,
    private readonly settings: WriteSettings,
    private readonly w: NodeWriter,
    private readonly accounting: BlockAccounting,
    root: NodePtr,
    volume = false,
  ) {
    const { node, ptr } = w.modify<ObjsetNode>(root, (os) => ({ ...os }));
    // A volume keeps no space per owner: a stream that makes one over a new (or emptied)
    // filesystem's tree drops the counts that tree began with.
    if (volume) delete node.owners;
    this.objset = node;
    this.rootPtr = ptr;
    this.baseObjects = node.objects;
    this.owners = volume ? null : new OwnerLedger(w, node);
  }

  /** space per owner, charged as objects change (a received stream is not held to quotas, as in
   *  ZFS); a volume keeps none */
  private readonly owners: OwnerLedger | null;

  /** The object table as changed so far, and where its nodes are read. */
  get objects(): TreeRef {
    return this.objset.objects;
  }

  get source(): NodeSource {
    return this.w;
  }

  private get(object: number): Dnode | null {
    return objectTable.get(this.w, this.objset.objects, object);
  }

  private put(object: number, dnode: Dnode | null): void {
    if (this.owners) this.owners.change(this.get(object), dnode);
    this.objset.objects = objectTable.set(this.w, this.objset.objects, object, dnode);
    if (dnode && object >= this.objset.nextObject) this.objset.nextObject = object + 1;
  }

  setObject(a: ObjectAttributes): void {
    let old = this.get(a.object);
    if (old && (old.gen !== a.gen || old.type !== a.type)) {
      this.freeObject(a.object);
      old = null;
    }
    const mtime = timespec(a.mtime);
    const legacy = a.mode === undefined;
    const common = {
      gen: a.gen,
      parent: a.parent,
      ...(a.links?.length ? { links: a.links.slice() } : {}),
      mode: a.mode ?? defaultMode(a.type),
      uid: a.uid ?? 0,
      gid: a.gid ?? 0,
      nlink: a.nlink ?? (a.type === 'dir' ? 2 : 1),
      atime: a.atime ? timespec(a.atime) : mtime,
      mtime,
      ctime: timespec(a.ctime),
      crtime: a.crtime ? timespec(a.crtime) : mtime,
      ...(a.xattrs?.length ? { xattrs: a.xattrs.map(([n, v]): [Buffer, Buffer] => [Buffer.from(n, 'base64'), Buffer.from(v, 'base64')]) } : {}),
    };
    if (old?.type === 'dir' && a.type !== 'dir') for (const ptr of entryNodes(this.w, old.entries)) this.w.kill(ptr);
    switch (a.type) {
      case 'file': {
        const blocks = old?.type === 'file' ? old.blocks : EMPTY_TREE;
        const used = old?.type === 'file' ? fileUsed(this.w, old) : 0;
        this.put(a.object, { type: 'file', ...common, size: a.size ?? 0, blksz: a.blksz ?? 0, blocks, used });
        return;
      }
      case 'dir': {
        if (old?.type === 'dir') for (const ptr of entryNodes(this.w, old.entries)) this.w.kill(ptr);
        const entries = a.entries ?? [];
        const ptr = buildEntries(this.w, entries);
        this.put(a.object, { type: 'dir', ...common, entries: ptr, count: entries.length });
        if (legacy) this.legacyDirs.push(a.object);
        return;
      }
      case 'symlink':
        this.put(a.object, { type: 'symlink', ...common, target: a.target ?? '' });
        return;
      case 'chardev':
      case 'blockdev':
        this.put(a.object, { type: a.type, ...common, rdev: [a.rdev![0], a.rdev![1]] });
        return;
      default:
        this.put(a.object, { type: a.type, ...common });
    }
  }

  /** Directories of an older stream, whose link count (2 + subdirectories) is counted at the end. */
  private readonly legacyDirs: number[] = [];

  /** Once every record is applied: the link counts an older stream did not carry. */
  finish(): void {
    for (const object of this.legacyDirs) {
      const dn = this.get(object);
      if (dn?.type !== 'dir') continue;
      const entries = readEntries(this.w, dn.entries);
      const subdirs = entries.filter(([, child]) => this.get(child)?.type === 'dir').length;
      this.put(object, { ...dn, nlink: 2 + subdirs });
    }
  }

  freeObject(object: number): void {
    const dn = this.get(object);
    if (!dn) return;
    if (dn.type === 'file') {
      const { blocks } = this.counted(object, dn);
      blockMap.walkBornAfter(this.w, blocks, -1, (ptr) => this.w.kill(ptr), (bp) => this.accounting.killBlock(bp));
    } else if (dn.type === 'dir') for (const ptr of entryNodes(this.w, dn.entries)) this.w.kill(ptr);
    this.put(object, null);
  }

  writeBlock(object: number, block: number, data: Buffer, lsize: number): void {
    const file = this.file(object);
    const old = blockMap.get(this.w, file.blocks, block);
    // Null: compressed away to nothing (all zeros), the block becomes a hole.
    const bp = writeRecord(this.tx, this.settings, data, lsize);
    if (!old && !bp) return;
    if (old) this.accounting.killBlock(old);
    if (bp) this.accounting.born(bp);
    const used = fileUsed(this.w, file) - (old?.asize ?? 0) + (bp?.asize ?? 0);
    this.put(object, { ...file, blocks: blockMap.set(this.w, file.blocks, block, bp), used });
  }

  /** The block size and generation of file `object` as it is now, if it is a file. */
  fileShape(object: number): { gen: number; blksz: number } | null {
    const dn = this.get(object);
    return dn?.type === 'file' ? { gen: dn.gen, blksz: dn.blksz } : null;
  }

  /** A record received as stored (send -c): kept compressed as it came, not recompressed. A record
   *  that does not decode to `lsize` bytes is refused. */
  writeStoredBlock(object: number, block: number, stored: Buffer, algorithm: string, lsize: number): void {
    const file = this.file(object);
    const old = blockMap.get(this.w, file.blocks, block);
    const bp = writeStoredRecord(this.tx, this.settings, stored, algorithm as CompressAlgorithm, lsize);
    if (!bp) throw badStream();
    if (old) this.accounting.killBlock(old);
    this.accounting.born(bp);
    const used = fileUsed(this.w, file) - (old?.asize ?? 0) + bp.asize;
    this.put(object, { ...file, blocks: blockMap.set(this.w, file.blocks, block, bp), used });
  }

  /** A record received raw (send -w): kept encrypted as it came, with its key guid, IV and MAC. */
  writeRawBlock(object: number, block: number, stored: Buffer, lsize: number, crypt: { key: string; iv: Uint8Array; mac: Uint8Array }, algorithm?: string): void {
    const file = this.file(object);
    const old = blockMap.get(this.w, file.blocks, block);
    const bp = writeRawRecord(this.tx, this.settings, stored, lsize, crypt, algorithm as CompressAlgorithm | undefined);
    if (!bp) throw badStream();
    if (old) this.accounting.killBlock(old);
    this.accounting.born(bp);
    const used = fileUsed(this.w, file) - (old?.asize ?? 0) + bp.asize;
    this.put(object, { ...file, blocks: blockMap.set(this.w, file.blocks, block, bp), used });
  }

  /** Make `count` blocks from `block` holes; only those the file has are visited. */
  freeBlock(object: number, block: number, count = 1): void {
    const file = this.file(object);
    const going: number[] = [];
    let used = fileUsed(this.w, file);
    blockMap.scan(this.w, file.blocks, block, (key, bp) => {
      if (key >= block + count) return false;
      this.accounting.killBlock(bp);
      used -= bp.asize;
      going.push(key);
    });
    if (going.length === 0) return;
    let blocks = file.blocks;
    for (const key of going) blocks = blockMap.set(this.w, blocks, key, null);
    this.put(object, { ...file, blocks, used });
  }

  private file(object: number): FileDnode {
    const dn = this.get(object);
    if (!dn || dn.type !== 'file') throw badStream(); // a stream writing into what is not a file
    return this.counted(object, dn);
  }

  /** A file of a tree made before files kept their charge (`used`) gets it stored before its
   *  blocks change: the old charge is counted from blocks that the change may free. */
  private counted(object: number, file: FileDnode): FileDnode {
    if (file.used !== undefined) return file;
    const withUsed = { ...file, used: fileUsed(this.w, file) };
    this.put(object, withUsed);
    return withUsed;
  }
}
