/** Reading a dataset's files: lookups, directory listings and streamed file contents. */
import type { NodeSource } from '../blocks/nodes.js';
import { ReusableArena } from '../blocks/fletcher4-wasm.js';
import { ChecksumError, joinsRun, readRecord, readRecordRun } from '../blocks/records.js';
import { EngineError } from '../errno.js';
import type { Image } from '../pool/image.js';
import type { BlockPtr, NodePtr } from '../store/records.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

/** How much of a file one read fetches when its records lie back to back in the image. */
const RUN_BYTES = 1 << 20;
const readArena = new ReusableArena();

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

  /**
   * Stream a file's bytes to `out`; holes read as zeros. Records that lie back to back in the
   * image are read with one read per RUN_BYTES into a ChecksumArena, checksummed in place and
   * passed on as one chunk; any other record is read on its own.
   */
  readFile(image: Image, dnode: Dnode, out: (chunk: Buffer) => void): void {
    if (dnode.type !== 'file') throw new EngineError('EISDIR');
    if (dnode.size === 0) return;
    const blksz = dnode.blksz;
    const arena = readArena.bytes(Math.max(blksz, Math.min(RUN_BYTES, dnode.size)));
    const zeros = Buffer.alloc(blksz);
    const run: BlockPtr[] = [];
    let runStart = 0;
    let next = 0;
    /** Blocks [from, from + count) from `data`, cut at the end of the file. */
    const emit = (data: Buffer, from: number, count: number) => {
      const remaining = dnode.size - from * blksz;
      out(data.subarray(0, Math.min(count * blksz, remaining)));
    };
    const flush = () => {
      if (run.length === 0) return;
      try {
        readRecordRun(image, run, arena);
      } catch (err) {
        if (err instanceof ChecksumError) {
          // The records before the damaged one were verified: they go out, as one by one.
          const verified = run.indexOf(err.bp);
          if (verified > 0) emit(arena, runStart, verified);
          err.blockId = runStart + verified;
        }
        throw err;
      }
      emit(arena, runStart, run.length);
      run.length = 0;
    };
    blockMap.scan(this.src, dnode.blocks, 0, (blockId, bp) => {
      if (blockId * blksz >= dnode.size) return false;
      const runnable = bp.lsize === blksz;
      const continuesRun = runnable && blockId === runStart + run.length && (run.length + 1) * blksz <= arena.length && joinsRun(run, bp);
      if (!continuesRun) flush();
      for (; next < blockId; next++) emit(zeros, next, 1);
      next = blockId + 1;
      if (runnable && joinsRun(run, bp)) {
        if (run.length === 0) runStart = blockId;
        run.push(bp);
        return;
      }
      // A record stored otherwise (or of another size than the file's blocks): on its own.
      try {
        readRecord(image, bp, arena);
      } catch (err) {
        if (err instanceof ChecksumError) err.blockId = blockId;
        throw err;
      }
      if (bp.lsize < blksz) arena.fill(0, bp.lsize, blksz);
      emit(arena, blockId, 1);
    });
    flush();
    for (; next * blksz < dnode.size; next++) emit(zeros, next, 1);
  }
}
