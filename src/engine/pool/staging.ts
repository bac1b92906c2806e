/**
 * Input a command reads before it takes the pool's write lock (issue: no waiting under the lock).
 *
 * A command's transaction must never wait on something it does not control: a pipe whose writer
 * is another tszfs command on the same pool (`send | receive`, `cat | write`) would wait forever
 * for a lock that its own reader holds. So input from a pipe, terminal or socket is read to its
 * end first, into memory up to STAGE_IN_MEMORY bytes and past that into a scratch file beside the
 * pool, and the transaction then reads it back at disk speed. The scratch file is unlinked as soon
 * as it is opened: the kernel frees it when the command ends, however it ends (kill -9 included),
 * and nothing of it is ever counted in the pool.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A synchronous byte source: fills `buf` from `offset`, returns 0 at the end. */
export interface ByteSource {
  read(buf: Buffer, offset: number, length: number): number;
  /** true when reading never waits on another process (a regular file): no staging needed */
  readonly settled?: boolean;
}

/** Staged input held in memory before it spills to a scratch file (bounded memory). */
const STAGE_IN_MEMORY = 8 << 20;
const CHUNK = 1 << 20;

/** A source read to its end, replayed once from the start; close() frees what it holds. */
export interface StagedInput extends ByteSource {
  /** bytes staged */
  readonly size: number;
  close(): void;
  /** Replay again from the start (receive -s keeps the part of a stream cut short); absent for
   *  a settled source, which is not staged. */
  rewind?(): void;
}

/**
 * Read all of `src` now, outside any transaction, and return a source that replays it. A settled
 * source is returned as it is. `scratchDir` is where a large input spills: beside the pool's
 * image, so that it lands on a disk (not a tmpfs in memory).
 */
export function stageInput(src: ByteSource, scratchDir: string): StagedInput {
  if (src.settled) return { ...passThrough(src), size: -1 };
  const chunks: Buffer[] = [];
  let held = 0;
  let spill: Spill | null = null;
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = fillFrom(src, chunk);
      if (n === 0) break;
      if (spill) spill.append(chunk, n);
      else {
        chunks.push(chunk.subarray(0, n));
        held += n;
        if (held > STAGE_IN_MEMORY) {
          spill = new Spill(scratchDir);
          for (const c of chunks.splice(0)) spill.append(c, c.length);
        }
      }
      if (n < CHUNK) break;
    }
  } catch (err) {
    spill?.close();
    throw err;
  }
  return spill ? spill.replay() : replayChunks(chunks, held);
}

function passThrough(src: ByteSource): Omit<StagedInput, 'size'> {
  return { read: (buf, offset, length) => src.read(buf, offset, length), settled: true, close() {} };
}

function fillFrom(src: ByteSource, buf: Buffer): number {
  let done = 0;
  while (done < buf.length) {
    const n = src.read(buf, done, buf.length - done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function replayChunks(chunks: Buffer[], size: number): StagedInput {
  const reader = chunkReader(chunks);
  return {
    size,
    settled: true,
    read: (buf, offset, length) => reader.read(buf, offset, length),
    close() {
      chunks.length = 0;
    },
    rewind: () => reader.rewind(),
  };
}

/** Reads `chunks` from the first, in order, as one run of bytes (fewer than asked at their end). */
export function chunkReader(chunks: readonly Buffer[]): { read(buf: Buffer, offset: number, length: number): number; rewind(): void } {
  let index = 0;
  let within = 0;
  return {
    read(buf, offset, length) {
      let done = 0;
      while (done < length && index < chunks.length) {
        const chunk = chunks[index];
        const n = chunk.copy(buf, offset + done, within, Math.min(chunk.length, within + length - done));
        done += n;
        within += n;
        if (within === chunk.length) {
          index++;
          within = 0;
        }
      }
      return done;
    },
    rewind() {
      index = 0;
      within = 0;
    },
  };
}

/** A new scratch file in `dir`, unlinked at once: the kernel frees it when the process ends,
 *  however it ends, and nothing of it is left behind. */
export function openScratch(dir: string, tag: string): number {
  const file = path.join(dir, `.tszfs-${tag}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  fs.unlinkSync(file);
  return fd;
}

/** An unlinked scratch file: appended to while staging, then read back from its start. */
class Spill {
  private readonly fd: number;
  private written = 0;

  constructor(dir: string) {
    this.fd = openScratch(dir, 'staging');
  }

  append(buf: Buffer, length: number): void {
    for (let done = 0; done < length; ) done += fs.writeSync(this.fd, buf, done, length - done, this.written + done);
    this.written += length;
  }

  replay(): StagedInput {
    let position = 0;
    const fd = this.fd;
    return {
      size: this.written,
      settled: true,
      read(buf, offset, length) {
        const n = fs.readSync(fd, buf, offset, length, position);
        position += n;
        return n;
      },
      close: () => this.close(),
      rewind() {
        position = 0;
      },
    };
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
