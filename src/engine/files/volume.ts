/**
 * A volume (ZFS: zvol): an objset holding one data object (ZVOL_OBJ) of `volsize` bytes laid out
 * in blocks of `volblocksize` from the start. Its bytes are read and written by offset, through
 * the same records as a file's, so copy on write, snapshots and space accounting are the files'.
 * volsize and volblocksize are that object's size and block size, as ZFS keeps them.
 */
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import { EMPTY_TREE } from '../blocks/radix.js';
import type { WriteSettings } from '../blocks/records.js';
import { damagedBlock, EngineError } from '../errno.js';
import type { Image } from '../pool/image.js';
import type { PoolTxn } from '../pool/pool.js';
import type { BlockPtr, NodePtr } from '../store/records.js';
import { FsView } from './fs-view.js';
import type { ByteSource } from '../pool/staging.js';
import { RecordWriter, type BlockAccounting } from './fs-writer.js';
import { blockMap, newAttributes, objectTable, type FileDnode, type ObjsetNode, type Timespec } from './objset.js';

/** ZVOL_OBJ: the object that holds a volume's bytes. */
export const VOLUME_OBJECT = 1;

export interface VolumeGeometry {
  /** volsize: bytes, a multiple of `blocksize` */
  size: number;
  /** volblocksize: a power of two from 512 */
  blocksize: number;
}

/** The root of a new volume whose every byte reads as zero (zvol_create_cb). */
export function createVolumeObjset(w: NodeWriter, now: Timespec, geometry: VolumeGeometry, meta: BlockPtr): NodePtr {
  const data: FileDnode = {
    type: 'file',
    ...newAttributes('file', w.txg, VOLUME_OBJECT, now),
    size: geometry.size,
    blksz: geometry.blocksize,
    blocks: EMPTY_TREE,
  };
  const objects = objectTable.set(w, EMPTY_TREE, VOLUME_OBJECT, data);
  return w.create<ObjsetNode>({ t: 'os', objects, nextObject: VOLUME_OBJECT + 1, meta });
}

function dataObject(src: NodeSource, objset: ObjsetNode): FileDnode {
  const dn = objectTable.get(src, objset.objects, VOLUME_OBJECT);
  if (!dn || dn.type !== 'file') throw new Error('a volume without its data object');
  return dn;
}

/** volsize and volblocksize of the volume (or volume snapshot) at `root`. */
export function volumeGeometry(src: NodeSource, root: NodePtr): VolumeGeometry {
  const dn = dataObject(src, src.get<ObjsetNode>(root));
  return { size: dn.size, blocksize: dn.blksz };
}

/** Stream every byte of the volume at `root` to `out`; blocks never written read as zeros. */
export function readVolume(src: NodeSource, image: Image, root: NodePtr, out: (chunk: Buffer) => void): void {
  const view = FsView.at(src, root);
  try {
    view.readFile(image, view.dnode(VOLUME_OBJECT), out);
  } catch (err) {
    const block = damagedBlock(err);
    if (block) block.object = VOLUME_OBJECT;
    throw err;
  }
}

export class VolumeWriter {
  readonly rootPtr: NodePtr;
  private readonly objset: ObjsetNode;

  constructor(
    private readonly tx: PoolTxn,
    private readonly w: NodeWriter,
    private readonly accounting: BlockAccounting,
    root: NodePtr,
    private readonly now: Timespec,
  ) {
    const { node, ptr } = w.modify<ObjsetNode>(root, (os) => ({ ...os }));
    this.objset = node;
    this.rootPtr = ptr;
  }

  private put(data: FileDnode): void {
    this.objset.objects = objectTable.set(this.w, this.objset.objects, VOLUME_OBJECT, { ...data, mtime: this.now, ctime: this.now });
  }

  /**
   * Write `src` from byte `offset`. Data that would go past the end fails with ENOSPC, as a
   * write(2) past the end of a block device does; the caller's transaction then keeps nothing.
   */
  write(offset: number, src: ByteSource, settings: WriteSettings): void {
    const data = dataObject(this.w, this.objset);
    const bounded = upTo(src, data.size - offset);
    try {
      this.put(new RecordWriter(this.tx, settings, this.w, this.accounting, data, data.blksz).write(offset, bounded));
    } catch (err) {
      const block = damagedBlock(err);
      if (block) block.object = VOLUME_OBJECT;
      throw err;
    }
  }

  /** A new volsize (a multiple of the block size): shrinking frees every block past the end
   *  (zvol_update_volsize's dmu_free_long_range); growing adds bytes that read as zeros. */
  resize(size: number): void {
    const data = dataObject(this.w, this.objset);
    const firstGone = Math.ceil(size / data.blksz);
    const gone: number[] = [];
    blockMap.scan(this.w, data.blocks, firstGone, (blockId) => void gone.push(blockId));
    let blocks = data.blocks;
    for (const blockId of gone) {
      this.accounting.killBlock(blockMap.get(this.w, blocks, blockId)!);
      blocks = blockMap.set(this.w, blocks, blockId, null);
    }
    this.put({ ...data, size, blocks });
  }
}

/** `src`, ending after `room` bytes; a byte beyond them is ENOSPC. */
function upTo(src: ByteSource, room: number): ByteSource {
  let left = Math.max(0, room);
  const probe = Buffer.alloc(1);
  return {
    read(buf, offset, length) {
      if (left === 0) {
        if (src.read(probe, 0, 1) > 0) throw new EngineError('ENOSPC'); // a write past the end of the volume, as on a full device
        return 0;
      }
      const n = src.read(buf, offset, Math.min(length, left));
      left -= n;
      return n;
    },
  };
}
