/**
 * Bytes held between the library's synchronous commands and a caller's asynchronous streams (the
 * package API, src/api): what a stream brings in is spooled before the command takes the pool's
 * lock, and what a command puts out (a file read, a send stream) is spooled while the pool is
 * held, then handed on at the reader's pace. As engine/pool/staging.ts does for a pipe, a spool
 * keeps SPOOL_IN_MEMORY bytes in memory and the rest in a scratch file beside the pool, unlinked
 * as soon as it is opened: memory stays bounded and nothing is left behind however the process ends.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { chunkReader, openScratch, type ByteSource } from '../engine/pool/staging.js';

const SPOOL_IN_MEMORY = 8 << 20;
const READ_CHUNK = 1 << 20;

export class Spool {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  private fd: number | null = null;
  private written = 0;
  private closed = false;

  /** `scratchDir`: where bytes past SPOOL_IN_MEMORY go (beside the pool's image). */
  constructor(private readonly scratchDir: string) {}

  /** bytes spooled so far */
  get size(): number {
    return this.held + this.written;
  }

  /** Keep a copy of `chunk` (the caller may reuse its buffer once this returns). */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.fd === null && this.held + chunk.length <= SPOOL_IN_MEMORY) {
      this.chunks.push(Buffer.from(chunk));
      this.held += chunk.length;
      return;
    }
    if (this.fd === null) this.fd = openScratch(this.scratchDir, 'spool');
    for (let done = 0; done < chunk.length; ) done += fs.writeSync(this.fd, chunk, done, chunk.length - done, this.written + done);
    this.written += chunk.length;
  }

  /** The spooled bytes from the start, as a synchronous source (what a command reads). */
  source(): ByteSource {
    const inMemory = chunkReader(this.chunks);
    let position = 0;
    return {
      settled: true,
      read: (buf, offset, length) => {
        let done = inMemory.read(buf, offset, length);
        if (done < length && this.fd !== null && position < this.written) {
          const n = fs.readSync(this.fd, buf, offset + done, Math.min(length - done, this.written - position), position);
          position += n;
          done += n;
        }
        return done;
      },
    };
  }

  /** The spooled bytes as a Readable at its reader's pace; the spool is freed at its end (or
   *  when the stream is destroyed). */
  readable(): Readable {
    let index = 0;
    let position = 0;
    const fd = this.fd;
    const written = this.written;
    const chunks = this.chunks;
    return new Readable({
      read(size) {
        if (index < chunks.length) return void this.push(chunks[index++]);
        if (fd === null || position >= written) return void this.push(null);
        const buf = Buffer.allocUnsafe(Math.min(Math.max(size, READ_CHUNK), written - position));
        fs.read(fd, buf, 0, buf.length, position, (err, n) => {
          if (err) return void this.destroy(err);
          position += n;
          this.push(buf.subarray(0, n));
        });
      },
      destroy: (err, callback) => {
        this.close();
        callback(err);
      },
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks.length = 0;
    if (this.fd !== null) fs.closeSync(this.fd);
  }
}
