/**
 * Object-level changes to a head, as a received stream describes them (ZFS dmu_recv): set an
 * object's attributes, write or free one of its blocks, free the object. Object numbers are kept
 * as the sender had them. Replaced blocks and nodes go to the head's accounting, as for writes.
 */
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import { badStream } from '../errno.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import { writeRecord, writeStoredRecord, type WriteSettings } from '../blocks/records.js';
import type { PoolTxn } from '../pool/pool.js';
import type { CompressAlgorithm, NodePtr, TreeRef } from '../store/records.js';
import type { BlockAccounting } from './fs-writer.js';
import { blockMap, objectTable, type DirNode, type Dnode, type FileDnode, type ObjsetNode } from './objset.js';

export interface ObjectAttributes {
  object: number;
  type: 'file' | 'dir';
  gen: number;
  parent: number;
  mtime: number;
  ctime: number;
  size?: number;
  blksz?: number;
  entries?: Array<[string, number]>;
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
  ) {
    const { node, ptr } = w.modify<ObjsetNode>(root, (os) => ({ ...os }));
    this.objset = node;
    this.rootPtr = ptr;
    this.baseObjects = node.objects;
  }

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
    this.objset.objects = objectTable.set(this.w, this.objset.objects, object, dnode);
    if (dnode && object >= this.objset.nextObject) this.objset.nextObject = object + 1;
  }

  setObject(a: ObjectAttributes): void {
    let old = this.get(a.object);
    if (old && (old.gen !== a.gen || old.type !== a.type)) {
      this.freeObject(a.object);
      old = null;
    }
    const common = { gen: a.gen, parent: a.parent, mtime: a.mtime, ctime: a.ctime };
    if (a.type === 'file') {
      const blocks = old?.type === 'file' ? old.blocks : EMPTY_TREE;
      this.put(a.object, { type: 'file', ...common, size: a.size ?? 0, blksz: a.blksz ?? 0, blocks });
      return;
    }
    if (old?.type === 'dir' && old.entries) this.w.kill(old.entries);
    const entries = a.entries ?? [];
    const ptr = entries.length ? this.w.create<DirNode>({ t: 'd', e: entries }) : null;
    this.put(a.object, { type: 'dir', ...common, entries: ptr, count: entries.length });
  }

  freeObject(object: number): void {
    const dn = this.get(object);
    if (!dn) return;
    if (dn.type === 'file') {
      blockMap.walkBornAfter(this.w, dn.blocks, -1, (ptr) => this.w.kill(ptr), (bp) => this.accounting.killBlock(bp));
    } else if (dn.entries) this.w.kill(dn.entries);
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
    this.put(object, { ...file, blocks: blockMap.set(this.w, file.blocks, block, bp) });
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
    this.put(object, { ...file, blocks: blockMap.set(this.w, file.blocks, block, bp) });
  }

  /** Make `count` blocks from `block` holes; only those the file has are visited. */
  freeBlock(object: number, block: number, count = 1): void {
    const file = this.file(object);
    const going: number[] = [];
    blockMap.scan(this.w, file.blocks, block, (key, bp) => {
      if (key >= block + count) return false;
      this.accounting.killBlock(bp);
      going.push(key);
    });
    if (going.length === 0) return;
    let blocks = file.blocks;
    for (const key of going) blocks = blockMap.set(this.w, blocks, key, null);
    this.put(object, { ...file, blocks });
  }

  private file(object: number): FileDnode {
    const dn = this.get(object);
    if (!dn || dn.type !== 'file') throw badStream(); // a stream writing into what is not a file
    return dn;
  }
}
