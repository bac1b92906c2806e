/** Reading a dataset's files: lookups, directory listings and streamed file contents. */
import type { NodeSource } from '../blocks/nodes.js';
import { ReusableArena } from '../blocks/fletcher4-wasm.js';
import { joinsRun, readRecord, readRun, verifyRun } from '../blocks/records.js';
import { RUN_RECORDS, RunReader, SLOT_BYTES } from '../blocks/run-reader.js';
import { damagedBlock, EngineError } from '../errno.js';
import type { Image } from '../pool/image.js';
import type { BlockPtr, NodePtr } from '../store/records.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

/** How much of a file one read fetches when its records lie back to back in the image. */
const RUN_BYTES = 1 << 20;
const readArena = new ReusableArena();
/** From this size on, a file is read on two threads (RunReader). */
const PARALLEL_BYTES = 16 << 20;

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
   * image go as runs (joinsRun) of up to RUN_BYTES, one read each, verified before they go out:
   * for a large file on two threads (RunReader), otherwise here into a ChecksumArena. Any other
   * record is read on its own.
   */
  readFile(image: Image, dnode: Dnode, out: (chunk: Buffer) => void): void {
    if (dnode.type !== 'file') throw new EngineError('EISDIR');
    if (dnode.size === 0) return;
    const blksz = dnode.blksz;
    const runLimit = Math.max(1, Math.min(RUN_RECORDS, Math.floor(RUN_BYTES / blksz), Math.ceil(dnode.size / blksz)));
    const arena = readArena.bytes(runLimit * blksz);
    // Runs are reads of one file: a pool of several devices reads record by record (its vdevs).
    const flat = image.tree === null;
    const reader = flat && dnode.size >= PARALLEL_BYTES && blksz <= SLOT_BYTES ? RunReader.open(image.fd) : null;
    const zeros = Buffer.alloc(blksz);
    const run: BlockPtr[] = [];
    let runStart = 0;
    let next = 0;
    /** Blocks [from, from + count) from `data`, cut at the end of the file. */
    const emit = (data: Buffer, from: number, count: number) => {
      const remaining = dnode.size - from * blksz;
      out(data.subarray(0, Math.min(count * blksz, remaining)));
    };
    /** A run that failed at a record: the records before it (verified) go out, as one by one. */
    const failed = (records: readonly BlockPtr[], start: number, data: Buffer, err: unknown): never => {
      const block = damagedBlock(err);
      if (block) {
        const verified = records.indexOf(block.bp);
        if (verified > 0) emit(data, start, verified);
        block.blockId = start + verified;
      }
      throw err;
    };
    /** A run read into `data` goes out once verified. */
    const pass = (records: readonly BlockPtr[], start: number, data: Buffer, fletcher4?: (i: number) => Uint8Array) => {
      try {
        verifyRun(records, data, image.checksumSalt, fletcher4);
      } catch (err) {
        failed(records, start, data, err);
      }
      emit(data, start, records.length);
    };
    const readHere = (records: readonly BlockPtr[], start: number) => {
      try {
        readRun(image, records, arena);
      } catch (err) {
        failed(records, start, arena, err);
      }
      pass(records, start, arena);
    };
    const completeOldest = () => {
      const done = reader!.complete();
      if (done.data) pass(done.run, done.start, done.data, done.fletcher4);
      else readHere(done.run, done.start); // the read failed: again here, to name the damage
    };
    const flush = () => {
      if (run.length === 0) return;
      if (reader) {
        if (reader.full) completeOldest();
        reader.add(run, runStart);
      } else readHere(run, runStart);
      run.length = 0;
    };
    /** Everything queued goes out: before a hole or a lone record, and at the end. */
    const drain = () => {
      flush();
      while (reader && !reader.empty) completeOldest();
    };
    try {
      blockMap.scan(this.src, dnode.blocks, 0, (blockId, bp) => {
        if (blockId * blksz >= dnode.size) return false;
        const runnable = flat && bp.lsize === blksz;
        const continuesRun = runnable && blockId === runStart + run.length && run.length < runLimit && joinsRun(run, bp);
        if (!continuesRun) flush();
        if (next < blockId || !(runnable && joinsRun(run, bp))) drain();
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
          const block = damagedBlock(err);
          if (block) block.blockId = blockId;
          throw err;
        }
        if (bp.lsize < blksz) arena.fill(0, bp.lsize, blksz);
        emit(arena, blockId, 1);
      });
      drain();
    } finally {
      reader?.close();
    }
    for (; next * blksz < dnode.size; next++) emit(zeros, next, 1);
  }
}
