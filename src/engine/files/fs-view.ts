/** Reading a dataset's files: lookups, directory listings and streamed file contents. */
import type { NodeSource } from '../blocks/nodes.js';
import { ReusableArena } from '../blocks/fletcher4-wasm.js';
import { joinsRun, readRecord, readRun, verifyRun } from '../blocks/records.js';
import { RUN_RECORDS, RunReader, SLOT_BYTES } from '../blocks/run-reader.js';
import { damagedBlock, EngineError } from '../errno.js';
import type { Image } from '../pool/image.js';
import type { BlockPtr, NodePtr } from '../store/records.js';
import { blockMap, dirEntries, findEntry, objectTable, ROOT_OBJECT, type DirDnode, type Dnode, type ObjsetNode } from './objset.js';

/** Symlinks one path walk follows before ELOOP (Linux MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/** A symlink target's components; `..` is kept for the walk, which stops it at the root. */
function symlinkComponents(target: string): string[] {
  return target.split('/').filter((p) => p !== '' && p !== '.');
}

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
  /** bp_get_dsize: what a block of `asize` at `offset` counts as used (raidz: deflated, so that
   *  st_blocks tells the data's size, as `zfs list` does, not the parity with it) */
  dsize: (offset: number, asize: number) => number = (_offset, asize) => asize;

  constructor(
    protected readonly src: NodeSource,
    protected objset: ObjsetNode,
  ) {}

  static at(src: NodeSource, root: NodePtr): FsView {
    return new FsView(src, src.get<ObjsetNode>(root));
  }

  dnode(object: number): Dnode {
    const dn = objectTable.get(this.src, this.objset.objects, object);
    // An entry naming no object: damaged metadata, an I/O error of the pool.
    if (!dn) throw new EngineError('ECKSUM', `missing object ${object}`, { kind: 'metadata-record' });
    return dn;
  }

  /**
   * The object at `parts`, or ENOENT/ENOTDIR/ELOOP as a path walk (namei) would fail. Symlinks
   * met on the way are followed, and the last component's too unless `followLast` is false; a
   * target is read inside the dataset, whose root is `/` for an absolute one (as in a chroot).
   */
  lookup(parts: string[], followLast = true): Found {
    return this.resolve(parts, followLast).found;
  }

  /** As lookup, with the path the object was reached by (symlinks replaced by their targets). */
  resolve(parts: string[], followLast = true): { found: Found; parts: string[] } {
    let depth = 0;
    const walk = (from: string[], rest: string[], followEnd: boolean): { found: Found; parts: string[] } => {
      let at = from.slice();
      let object = ROOT_OBJECT;
      let dnode = this.dnode(object);
      // Re-walk the prefix: it only ever holds directories reached before.
      for (const name of at) {
        object = findEntry(this.src, dnode as DirDnode, name)!;
        dnode = this.dnode(object);
      }
      for (let i = 0; i < rest.length; i++) {
        const name = rest[i];
        if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
        if (name === '..') {
          at = at.slice(0, -1);
          ({ object, dnode } = walk(at, [], false).found);
          continue;
        }
        const child = findEntry(this.src, dnode, name);
        if (child === null) throw new EngineError('ENOENT');
        const childNode = this.dnode(child);
        const last = i === rest.length - 1;
        if (childNode.type === 'symlink' && (!last || followEnd)) {
          if (++depth > MAX_SYMLINKS) throw new EngineError('ELOOP');
          const target = symlinkComponents(childNode.target);
          const base = childNode.target.startsWith('/') ? [] : at;
          const r = walk(base, [...target, ...rest.slice(i + 1)], followEnd);
          return r;
        }
        at = [...at, name];
        object = child;
        dnode = childNode;
      }
      return { found: { object, dnode }, parts: at };
    };
    return walk([], parts, followLast);
  }

  /**
   * Where an object made at `parts` goes, as open(2) with O_CREAT finds it: the path itself, or,
   * when its last component is a symlink (a dangling one: an existing target is simply opened),
   * the path the link points to, followed again if that is one too.
   */
  createPath(parts: string[]): string[] {
    let current = parts;
    for (let depth = 0; depth <= MAX_SYMLINKS; depth++) {
      if (current.length === 0) return current;
      const { found, parts: parent } = this.resolve(current.slice(0, -1));
      if (found.dnode.type !== 'dir') throw new EngineError('ENOTDIR');
      const name = current[current.length - 1];
      if (name === '..') return this.resolve(current).parts;
      const child = findEntry(this.src, found.dnode, name);
      const dn = child === null ? null : this.dnode(child);
      if (dn?.type !== 'symlink') return [...parent, name];
      current = [...(dn.target.startsWith('/') ? [] : parent), ...symlinkComponents(dn.target)];
    }
    throw new EngineError('ELOOP');
  }

  exists(parts: string[], followLast = true): boolean {
    try {
      this.lookup(parts, followLast);
      return true;
    } catch (err) {
      if (err instanceof EngineError && (err.errno === 'ENOENT' || err.errno === 'ENOTDIR' || err.errno === 'ELOOP')) return false;
      throw err;
    }
  }

  list(dnode: Dnode): Listing[] {
    if (dnode.type !== 'dir') throw new EngineError('ENOTDIR');
    return dirEntries(this.src, dnode).map(([name, object]) => ({ name, object, dnode: this.dnode(object) }));
  }

  /** Bytes an object takes in the pool's image (stat's st_blocks * 512): a file's records; nothing
   *  for a symlink, device, FIFO or socket, whose attributes live in the dnode. */
  allocated(dnode: Dnode): number {
    if (dnode.type !== 'file') return 0;
    let bytes = 0;
    blockMap.scan(this.src, dnode.blocks, 0, (_id, bp) => {
      bytes += this.dsize(bp.offset, bp.asize);
    });
    return bytes;
  }

  /**
   * Every object under `start` (itself first), depth first, entries in name order: what `tar -c`,
   * `find` and `du` read. `visit` gets the path below `start`; returning false skips a directory's
   * entries. A hard-linked object is visited once per name (same `object`).
   */
  walk(start: Found, visit: (parts: string[], object: number, dnode: Dnode) => boolean | void): void {
    const go = (parts: string[], object: number, dnode: Dnode) => {
      if (visit(parts, object, dnode) === false || dnode.type !== 'dir') return;
      for (const [name, child] of dirEntries(this.src, dnode)) go([...parts, name], child, this.dnode(child));
    };
    go([], start.object, start.dnode);
  }

  /**
   * Stream a file's bytes to `out`; holes read as zeros. Records that lie back to back in the
   * image go as runs (joinsRun) of up to RUN_BYTES, one read each, verified before they go out:
   * for a large file on two threads (RunReader), otherwise here into a ChecksumArena. Any other
   * record is read on its own.
   */
  readFile(image: Image, dnode: Dnode, out: (chunk: Buffer) => void): void {
    if (dnode.type !== 'file') throw new EngineError(dnode.type === 'dir' ? 'EISDIR' : 'EINVAL');
    if (dnode.size === 0) return;
    const blksz = dnode.blksz;
    const runLimit = Math.max(1, Math.min(RUN_RECORDS, Math.floor(RUN_BYTES / blksz), Math.ceil(dnode.size / blksz)));
    const arena = readArena.bytes(runLimit * blksz);
    // Runs are reads of one file: a pool of several devices reads record by record (its vdevs).
    const flat = image.tree === null;
    const reader = flat && dnode.size >= PARALLEL_BYTES && blksz <= SLOT_BYTES ? RunReader.open(image.fd) : null;
    // Made for the first hole only: most files have none (tar -c reads thousands of small ones).
    let zerosBuf: Buffer | null = null;
    const zeros = () => (zerosBuf ??= Buffer.alloc(blksz));
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
        for (; next < blockId; next++) emit(zeros(), next, 1);
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
    for (; next * blksz < dnode.size; next++) emit(zeros(), next, 1);
  }
}
