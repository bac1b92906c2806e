/**
 * Record compression as OpenZFS does it (zio_write_compress, zio_compress_data):
 * - an all-zero record is not stored at all (a hole) whenever compression is not off;
 * - a record is kept compressed only if that saves at least 1/8 of it and at least one 4K sector
 *   once rounded up to sectors; otherwise it is stored as is;
 * - the stored (physical) size, psize, is the compressed size rounded up to the 4K sector, so the
 *   padding is charged, and `compressratio` is lsize over that.
 *
 * A compressed record in the image is `[u32 payload length][payload][zeros to psize]`: the
 * length lets every algorithm find the end of its payload inside the padded sectors. It is
 * little-endian, except for lz4, whose records are OpenZFS's own bytes (lz4_compress_zfs: the
 * block length big-endian, then the block).
 *
 * lz4 (`on`) compresses with OpenZFS's LZ4 ported to TypeScript (lz4.ts), so records compress
 * exactly as in OpenZFS; it decompresses with lz4-napi, several times faster than TypeScript.
 * zstd comes from @toondepauw/node-zstd. Both native packages are loaded on the first record that
 * needs them, so that commands which read nothing compressed do not pay for loading them. gzip is
 * node:zlib; zle and lzjb are ported here.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { SECTOR } from '../pool/image.js';
import { lz4Compress } from './lz4.js';
import type { BlockPtr, CompressAlgorithm } from '../store/records.js';

/** The `compression` property's effect on new records: an algorithm, or none (`off`). */
export type CompressionSetting = CompressAlgorithm | 'off';

/** The algorithm a `compression` property value selects (`on` is lz4 since OpenZFS 2.2). */
export function compressionFor(property: string | number | undefined | null): CompressionSetting {
  switch (property) {
    case undefined:
    case null:
    case 'on':
      return 'lz4';
    case 'gzip':
      return 'gzip-6';
    case 'zstd':
      return 'zstd-3';
    case 'zstd-fast':
      return 'zstd-fast-1';
    default:
      return String(property) as CompressionSetting;
  }
}

/** ZFS BP_GET_PSIZE: the bytes a record takes before rounding to sectors. */
export function physicalSize(bp: BlockPtr): number {
  return bp.psize ?? bp.lsize;
}

const HEADER = 4;

export interface Compressed {
  /** the bytes to store: header, payload and zero padding, `psize` long */
  stored: Buffer;
  psize: number;
}

/** `data` (one record of `data.length` bytes) compressed, or null when storing it as is is due. */
export function compressRecord(algorithm: CompressAlgorithm, data: Buffer, sector = SECTOR): Compressed | null {
  const lsize = data.length;
  const roundUpToSector = (n: number) => Math.ceil(n / sector) * sector;
  const limit = lsize - (lsize >> 3);
  // A record of one sector (or less) cannot shrink by a sector: skip the work.
  if (roundUpToSector(HEADER + 1) >= lsize) return null;
  const payload = codec(algorithm).compress(data, limit - HEADER);
  if (payload === null || HEADER + payload.length > limit) return null;
  const psize = roundUpToSector(HEADER + payload.length);
  if (psize >= lsize) return null;
  const stored = Buffer.alloc(psize);
  if (algorithm === 'lz4') stored.writeUInt32BE(payload.length, 0);
  else stored.writeUInt32LE(payload.length, 0);
  payload.copy(stored, HEADER);
  return { stored, psize };
}

/** Fill `out` (lsize bytes) from a stored compressed record; false if it does not decode. */
export function decompressRecord(algorithm: CompressAlgorithm, stored: Buffer, out: Buffer): boolean {
  if (stored.length < HEADER) return false;
  const legacy = algorithm === 'lz4' && isLz4NapiRecord(stored, out.length);
  const length = algorithm === 'lz4' && !legacy ? stored.readUInt32BE(0) : stored.readUInt32LE(0);
  if (HEADER + length > stored.length) return false;
  try {
    const payload = stored.subarray(HEADER, HEADER + length);
    return legacy ? lz4NapiDecompress(payload, out) : codec(algorithm).decompress(payload, out);
  } catch {
    return false;
  }
}

export function isAllZero(data: Buffer): boolean {
  // Compare against a shared zero buffer in slices: Buffer.compare runs natively.
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, data.length - at);
    if (Buffer.compare(data.subarray(at, at + n), ZEROS.subarray(0, n)) !== 0) return false;
  }
  return true;
}

const ZEROS = Buffer.alloc(128 * 1024);

interface Codec {
  /** the payload, or null when it would exceed `max` bytes */
  compress(data: Buffer, max: number): Buffer | null;
  decompress(payload: Buffer, out: Buffer): boolean;
}

function codec(algorithm: CompressAlgorithm): Codec {
  if (algorithm === 'lz4') return LZ4;
  if (algorithm === 'zle') return ZLE;
  if (algorithm === 'lzjb') return LZJB;
  if (algorithm.startsWith('gzip-')) return gzip(Number(algorithm.slice(5)));
  if (algorithm.startsWith('zstd-fast-')) return zstd(-Number(algorithm.slice(10)));
  if (algorithm.startsWith('zstd-')) return zstd(Number(algorithm.slice(5)));
  throw new Error(`unknown compression algorithm ${algorithm}`);
}

const requireNative = createRequire(import.meta.url);

interface Lz4Napi {
  uncompressSync(data: Uint8Array): Buffer;
}

let lz4Native: Lz4Napi | undefined;
const lz4Napi = () => (lz4Native ??= requireNative('lz4-napi') as Lz4Napi);

/** Output of the last lz4 compression, reused: compressRecord copies it out at once. */
let lz4Scratch = Buffer.alloc(0);

/** OpenZFS's LZ4, giving up as OpenZFS does when the block would pass `max`. Decoding goes
 *  through lz4-napi, whose input is the block behind its uncompressed size, little-endian. */
const LZ4: Codec = {
  compress: (data, max) => {
    if (lz4Scratch.length < max) lz4Scratch = Buffer.alloc(max);
    const length = lz4Compress(data, lz4Scratch, max);
    return length === 0 ? null : lz4Scratch.subarray(0, length);
  },
  decompress: (block, out) => {
    const prefixed = Buffer.allocUnsafe(4 + block.length);
    prefixed.writeUInt32LE(out.length, 0);
    block.copy(prefixed, 4);
    return lz4NapiDecompress(prefixed, out);
  },
};

/**
 * lz4 records written before the port: a little-endian length, then lz4-napi's (lz4_flex's)
 * block behind the record's size, little-endian. OpenZFS's block starts with a token of at least
 * one literal, never with the low byte of a record size (0: sizes are multiples of 512).
 */
function isLz4NapiRecord(stored: Buffer, lsize: number): boolean {
  return stored.length >= 2 * HEADER && stored.readUInt32LE(HEADER) === lsize;
}

/** lz4-napi's block behind its size prefix decoded into `out`, which it must fill exactly. */
function lz4NapiDecompress(sizePrefixed: Buffer, out: Buffer): boolean {
  const data = lz4Napi().uncompressSync(sizePrefixed);
  if (data.length !== out.length) return false;
  data.copy(out);
  return true;
}

function gzip(level: number): Codec {
  return {
    compress: (data, max) => {
      const out = zlib.deflateSync(data, { level });
      return out.length > max ? null : out;
    },
    decompress: (payload, out) => {
      const data = zlib.inflateSync(payload);
      if (data.length !== out.length) return false;
      data.copy(out);
      return true;
    },
  };
}

interface ZstdNapi {
  Encoder: new (level: number) => { encodeSync(data: Buffer): Buffer };
  Decoder: new () => { decodeSync(data: Buffer): Buffer };
}

const zstdCodecs = new Map<number, Codec>();

function zstd(level: number): Codec {
  let c = zstdCodecs.get(level);
  if (c) return c;
  const native = requireNative('@toondepauw/node-zstd') as ZstdNapi;
  const encoder = new native.Encoder(level);
  const decoder = new native.Decoder();
  c = {
    compress: (data, max) => {
      const out = encoder.encodeSync(data);
      return out.length > max ? null : out;
    },
    decompress: (payload, out) => {
      const data = decoder.decodeSync(payload);
      if (data.length !== out.length) return false;
      data.copy(out);
      return true;
    },
  };
  zstdCodecs.set(level, c);
  return c;
}

/**
 * ZLE (module/zfs/zle.c, n = 64): runs of zeros become one length byte, other bytes are copied
 * in runs of up to 64 behind a length byte.
 */
const ZLE_N = 64;
const ZLE: Codec = {
  compress(src, max) {
    const dst = Buffer.allocUnsafe(max);
    let s = 0;
    let d = 0;
    const sEnd = src.length;
    while (s < sEnd && d < max - 1) {
      const first = s;
      const len = d++;
      if (src[s] === 0) {
        const last = Math.min(s + (256 - ZLE_N), sEnd);
        while (s < last && src[s] === 0) s++;
        dst[len] = s - first - 1 + ZLE_N;
      } else {
        if (max - d < ZLE_N) break;
        const last = Math.min(s + ZLE_N, sEnd);
        while (s < last - 1 && (src[s] | src[s + 1])) dst[d++] = src[s++];
        if (src[s]) dst[d++] = src[s++];
        dst[len] = s - first - 1;
      }
    }
    return s === sEnd ? dst.subarray(0, d) : null;
  },
  decompress(src, out) {
    let s = 0;
    let d = 0;
    while (s < src.length && d < out.length) {
      let len = 1 + src[s++];
      if (len <= ZLE_N) {
        if (s + len > src.length || d + len > out.length) return false;
        src.copy(out, d, s, s + len);
        s += len;
        d += len;
      } else {
        len -= ZLE_N;
        if (d + len > out.length) return false;
        out.fill(0, d, d + len);
        d += len;
      }
    }
    return d === out.length;
  },
};

/**
 * LZJB (module/zfs/lzjb.c): a copy map byte before every 8 items, each item a literal byte or a
 * 2-byte (length, offset) match found through a 1024-entry hash of 3-byte prefixes.
 */
const MATCH_BITS = 6;
const MATCH_MIN = 3;
const MATCH_MAX = (1 << MATCH_BITS) + (MATCH_MIN - 1);
const OFFSET_MASK = (1 << (16 - MATCH_BITS)) - 1;
const LEMPEL_SIZE = 1024;

const LZJB: Codec = {
  compress(src, max) {
    const dst = Buffer.allocUnsafe(max);
    const lempel = new Int32Array(LEMPEL_SIZE);
    let s = 0;
    let d = 0;
    let copymap = 0;
    let copymask = 1 << 7;
    while (s < src.length) {
      if ((copymask <<= 1) === 1 << 8) {
        if (d >= max - 1 - 2 * 8) return null;
        copymask = 1;
        copymap = d;
        dst[d++] = 0;
      }
      if (s > src.length - MATCH_MAX) {
        dst[d++] = src[s++];
        continue;
      }
      let hash = (src[s] << 16) + (src[s + 1] << 8) + src[s + 2];
      hash += hash >> 9;
      hash += hash >> 5;
      const h = hash & (LEMPEL_SIZE - 1);
      const offset = (s - lempel[h]) & OFFSET_MASK;
      lempel[h] = s;
      const cpy = s - offset;
      if (cpy >= 0 && cpy !== s && src[s] === src[cpy] && src[s + 1] === src[cpy + 1] && src[s + 2] === src[cpy + 2]) {
        dst[copymap] |= copymask;
        let mlen = MATCH_MIN;
        while (mlen < MATCH_MAX && src[s + mlen] === src[cpy + mlen]) mlen++;
        dst[d++] = ((mlen - MATCH_MIN) << (8 - MATCH_BITS)) | (offset >> 8);
        dst[d++] = offset & 0xff;
        s += mlen;
      } else {
        dst[d++] = src[s++];
      }
    }
    return dst.subarray(0, d);
  },
  decompress(src, out) {
    let s = 0;
    let d = 0;
    let copymap = 0;
    let copymask = 1 << 7;
    while (d < out.length) {
      if ((copymask <<= 1) === 1 << 8) {
        copymask = 1;
        if (s >= src.length) return false;
        copymap = src[s++];
      }
      if (copymap & copymask) {
        if (s + 2 > src.length) return false;
        let mlen = (src[s] >> (8 - MATCH_BITS)) + MATCH_MIN;
        const offset = ((src[s] << 8) | src[s + 1]) & OFFSET_MASK;
        s += 2;
        let cpy = d - offset;
        if (cpy < 0 || offset === 0) return false;
        while (--mlen >= 0 && d < out.length) out[d++] = out[cpy++];
      } else {
        if (s >= src.length) return false;
        out[d++] = src[s++];
      }
    }
    return true;
  },
};
