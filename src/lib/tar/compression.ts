/**
 * Compressed archives for `tar -x` and `tar -c`, synchronously and in bounded memory (an archive's
 * whole extraction is one transaction, which reads its input synchronously).
 *
 * In: gzip or zstd is recognised by its magic number, as GNU tar does, whatever the options say.
 * gzip is node:zlib driven one chunk at a time (the synchronous path zlib.gunzipSync uses, chunk
 * by chunk); zstd is fzstd's streaming decompressor (pure JavaScript: @toondepauw/node-zstd only
 * decompresses whole buffers, which would hold an archive whole).
 * Out: gzip through node:zlib the same way; zstd as a series of frames of up to ZSTD_FRAME bytes
 * each, by @toondepauw/node-zstd (concatenated frames are one valid zstd stream: `zstd -d`, GNU
 * tar and bsdtar read it).
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import type { ByteSource } from '../../engine/pool/staging.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Input read from the source at a time, compressed. */
const IN_CHUNK = 64 << 10;
/** Uncompressed bytes per zstd frame written. */
const ZSTD_FRAME = 4 << 20;

/**
 * A zlib stream driven synchronously one chunk at a time through its handle, as zlib's own
 * processChunkSync does (which closes the stream after its one call, so it cannot be reused).
 */
interface ZlibInternals {
  _handle: {
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
    onerror: (message: string, errno: number) => void;
  };
  _writeState: Uint32Array;
  close(): void;
}

function syncZlib(stream: zlib.Gzip | zlib.Gunzip): { process(chunk: Buffer, flush: number): Buffer[]; close(): void } {
  const z = stream as unknown as ZlibInternals;
  const handle = z._handle;
  const state = z._writeState;
  let error: Error | null = null;
  handle.onerror = (message) => {
    error = new Error(message);
  };
  return {
    process(chunk, flush) {
      const outs: Buffer[] = [];
      let inOff = 0;
      let availIn = chunk.length;
      for (;;) {
        const out = Buffer.allocUnsafe(ZLIB_OUT);
        handle.writeSync(flush, chunk, inOff, availIn, out, 0, ZLIB_OUT);
        if (error) throw error;
        const [availOut, availInAfter] = state;
        if (availOut < ZLIB_OUT) outs.push(out.subarray(0, ZLIB_OUT - availOut));
        inOff += availIn - availInAfter;
        availIn = availInAfter;
        if (availOut !== 0) return outs;
      }
    },
    close: () => z.close(),
  };
}

const ZLIB_OUT = 256 << 10;

/** A source whose first bytes say whether it is compressed, and the bytes it holds uncompressed. */
export function decompressing(src: ByteSource): { compression: Compression; source: ByteSource } {
  const head = Buffer.alloc(IN_CHUNK);
  let held = 0;
  while (held < 4) {
    const n = src.read(head, held, head.length - held);
    if (n === 0) break;
    held += n;
  }
  const first = head.subarray(0, held);
  const compression: Compression =
    held >= 2 && first[0] === 0x1f && first[1] === 0x8b ? 'gzip' : held >= 4 && first.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : 'none';
  let pending: Buffer | null = first;
  const raw = (): Buffer | null => {
    if (pending) {
      const p = pending;
      pending = null;
      return p.length ? p : null;
    }
    const buf = Buffer.allocUnsafe(IN_CHUNK);
    const n = src.read(buf, 0, buf.length);
    return n === 0 ? null : buf.subarray(0, n);
  };
  if (compression === 'none') {
    // Plain: the first bytes, then straight from the source into the reader's buffer.
    let served = 0;
    return {
      compression,
      source: {
        settled: true,
        read(buf, offset, length) {
          if (served < first.length) {
            const n = first.copy(buf, offset, served, Math.min(first.length, served + length));
            served += n;
            return n;
          }
          return src.read(buf, offset, length);
        },
      },
    };
  }
  let inflate: (chunk: Buffer | null) => Buffer[];
  if (compression === 'gzip') {
    const z = syncZlib(zlib.createGunzip());
    inflate = (chunk) => {
      try {
        return z.process(chunk ?? Buffer.alloc(0), chunk ? zlib.constants.Z_NO_FLUSH : zlib.constants.Z_FINISH);
      } catch (err) {
        throw new ArchiveError('Child returned status 1', `gzip: stdin: ${(err as Error).message}`, true);
      }
    };
  } else {
    const out: Buffer[] = [];
    const d = new Decompress((data) => out.push(Buffer.from(data.buffer, data.byteOffset, data.length)));
    inflate = (chunk) => {
      try {
        d.push(chunk ?? new Uint8Array(0), chunk === null);
      } catch (err) {
        throw new ArchiveError('Child returned status 1', `zstd: stdin: ${(err as Error).message}`, true);
      }
      return out.splice(0);
    };
  }
  let ended = false;
  return {
    compression,
    source: chunked(() => {
      while (!ended) {
        const chunk = raw();
        if (chunk === null) ended = true;
        const parts = inflate(chunk).filter((b) => b.length > 0);
        if (parts.length) return parts.length === 1 ? parts[0] : Buffer.concat(parts);
      }
      return null;
    }),
  };
}

/** A ByteSource over a producer of chunks (null at the end). */
function chunked(next: () => Buffer | null): ByteSource {
  let chunk: Buffer | null = null;
  let at = 0;
  let done = false;
  return {
    settled: true,
    read(buf, offset, length) {
      while (!done && (chunk === null || at === chunk.length)) {
        chunk = next();
        at = 0;
        if (chunk === null) done = true;
      }
      if (done || chunk === null) return 0;
      const n = chunk.copy(buf, offset, at, Math.min(chunk.length, at + length));
      at += n;
      return n;
    },
  };
}

/** A fault in the archive: GNU tar's message, and the compressor's own line before it if any. */
export class ArchiveError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
    /** GNU tar ends with `Error is not recoverable: exiting now` rather than at the end */
    readonly fatal = false,
  ) {
    super(message);
  }
}

/** A sink that compresses what is written to it before it goes to `out`. */
export interface CompressingSink {
  write(chunk: Buffer): void;
  end(): void;
}

const requireNative = createRequire(import.meta.url);

export function compressing(compression: Compression, out: (chunk: Buffer) => void): CompressingSink {
  if (compression === 'none') return { write: out, end() {} };
  if (compression === 'gzip') {
    const z = syncZlib(zlib.createGzip());
    return {
      write: (chunk) => {
        for (const o of z.process(chunk, zlib.constants.Z_NO_FLUSH)) out(o);
      },
      end: () => {
        for (const o of z.process(Buffer.alloc(0), zlib.constants.Z_FINISH)) out(o);
        z.close();
      },
    };
  }
  const native = requireNative('@toondepauw/node-zstd') as { Encoder: new (level: number) => { encodeSync(data: Buffer): Buffer } };
  const encoder = new native.Encoder(3);
  const frame = Buffer.allocUnsafe(ZSTD_FRAME);
  let held = 0;
  const flush = () => {
    if (held) out(encoder.encodeSync(frame.subarray(0, held)));
    held = 0;
  };
  return {
    write: (chunk) => {
      for (let at = 0; at < chunk.length; ) {
        const n = chunk.copy(frame, held, at);
        held += n;
        at += n;
        if (held === ZSTD_FRAME) flush();
      }
    },
    end: flush,
  };
}
