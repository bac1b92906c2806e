/** Reading a dataset's files: lookups, directory listings and streamed file contents. */
import type { NodeSource } from '../blocks/nodes.js';
import { ChecksumError, readRecord } from '../blocks/records.js';
import { EngineError } from '../errno.js';
import type { Image } from '../pool/image.js';
import type { NodePtr } from '../store/records.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

export interface Found {
  object: number;
  dnode: Dnode;
}

export interface Listing {
  name: string;
  object: number;
  dnode: Dnode;
}

export class FsView {
  constructor(
    protected readonly src: NodeSource,
    protected objset: ObjsetNode,
  ) {}

  static at(src: NodeSource, root: NodePtr): FsView {
    return new FsView(src, src.get<ObjsetNode>(root));
  }

  dnode(object: number): Dnode {
    const dn = objectTable.get(this.src, this.objset.objects, object);
    if (!dn) throw new Error(`missing object ${object}`);
    return dn;
  }

  /** The object at `parts`, or ENOENT/ENOTDIR as a path walk would fail. */
  lookup(parts: string[]): Found {
    let object = ROOT_OBJECT;
    let dnode = this.dnode(object);
    for (const name of parts) {
      if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
      const entry = dirEntries(this.src, dnode).find(([n]) => n === name);
      if (!entry) throw new EngineError('ENOENT');
      object = entry[1];
      dnode = this.dnode(object);
    }
    return { object, dnode };
  }

  exists(parts: string[]): boolean {
    try {
      this.lookup(parts);
      return true;
    } catch (err) {
      if (err instanceof EngineError && (err.errno === 'ENOENT' || err.errno === 'ENOTDIR')) return false;
      throw err;
    }
  }

  list(dnode: Dnode): Listing[] {
    if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
    return dirEntries(this.src, dnode).map(([name, object]) => ({ name, object, dnode: this.dnode(object) }));
  }

  /** Stream a file's bytes to `out`, one record at a time; holes read as zeros. */
  readFile(image: Image, dnode: Dnode, out: (chunk: Buffer) => void): void {
    if (dnode.type !== 'file') throw new EngineError('EISDIR');
    if (dnode.size === 0) return;
    const blksz = dnode.blksz;
    const buf = Buffer.alloc(blksz);
    const zeros = Buffer.alloc(blksz);
    let next = 0;
    const emit = (data: Buffer, blockId: number) => {
      const remaining = dnode.size - blockId * blksz;
      out(data.subarray(0, Math.min(blksz, remaining)));
    };
    blockMap.scan(this.src, dnode.blocks, 0, (blockId, bp) => {
      if (blockId * blksz >= dnode.size) return false;
      for (; next < blockId; next++) emit(zeros, next);
      try {
        readRecord(image, bp, buf);
      } catch (err) {
        if (err instanceof ChecksumError) err.blockId = blockId;
        throw err;
      }
      if (bp.lsize < blksz) buf.fill(0, bp.lsize);
      emit(buf, blockId);
      next = blockId + 1;
    });
    for (; next * blksz < dnode.size; next++) emit(zeros, next);
  }
}
