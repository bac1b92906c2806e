/**
 * LZ4 as OpenZFS has it (module/zfs/lz4.c, Yann Collet's 2011-2013 reference code, BSD-2):
 * the compressor is ported step for step so that a record compresses to the very bytes OpenZFS
 * writes, and gives up where OpenZFS gives up (output that would pass `osize`).
 *
 * real_LZ4_compress picks LZ4_compress64kCtx for inputs under 64K + 11 bytes (16-bit positions,
 * a 2^13-entry table, no distance check) and LZ4_compressCtx otherwise (2^12 entries, matches
 * within 65535 bytes); both zero their table first, and both skip ahead ever faster through data
 * that finds no match (SKIPSTRENGTH 6), which is what keeps incompressible records cheap.
 * Matches are counted 4 bytes, then 1 byte at a time here: OpenZFS's 8/4/2/1-byte compares reach
 * the same length.
 *
 * Decompression is lz4-napi's (compression.ts): a decoder in TypeScript ran at a third of its speed.
 */

const MINMATCH = 4;
const HASH_LOG = 12;
const HASH_LOG_64K = HASH_LOG + 1;
const SKIPSTRENGTH = 6;
const LASTLITERALS = 5;
const MFLIMIT = 8 + MINMATCH;
const MINLENGTH = MFLIMIT + 1;
const MAX_DISTANCE = (1 << 16) - 1;
const ML_BITS = 4;
const ML_MASK = (1 << ML_BITS) - 1;
const RUN_MASK = (1 << (8 - ML_BITS)) - 1;
/** inputs below this use LZ4_compress64kCtx */
const LZ4_64KLIMIT = (1 << 16) + (MFLIMIT - 1);

// OpenZFS's struct refTables: 4096 u32 positions, or 8192 u16 ones for the 64K variant, zeroed
// per call as real_LZ4_compress does. One Int32Array serves both: the 64K variant only ever stores
// positions up to its mflimit (< 65536), so its u16 entries never truncate.
const table = new Int32Array(1 << HASH_LOG_64K);

/** LZ4_HASH_VALUE: Knuth's multiplicative hash of the 4 bytes at p, top `log` bits */
const hash = (s: DataView, p: number, log: number) => Math.imul(s.getInt32(p, true), -1640531535) >>> (32 - log);

/**
 * real_LZ4_compress: `src` as an LZ4 block at the start of `dst`, at most `osize` bytes.
 * Returns the block's length, or 0 when it would not fit (OpenZFS: "not compressible enough").
 */
export function lz4Compress(src: Uint8Array, dst: Uint8Array, osize: number): number {
  return Math.max(compress(src, dst, osize, src.length < LZ4_64KLIMIT), 0);
}

/** LZ4_compress64kCtx (small) or LZ4_compressCtx: the end of output in `dst`, or -1 on overflow. */
function compress(src: Uint8Array, dst: Uint8Array, oend: number, small: boolean): number {
  const iend = src.length;
  const mflimit = iend - MFLIMIT;
  const matchlimit = iend - LASTLITERALS;
  const log = small ? HASH_LOG_64K : HASH_LOG;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  table.fill(0, 0, 1 << log);
  let anchor = 0;
  let ip = 0;
  let op = 0;

  if (iend >= MINLENGTH) {
    // First byte (the 64K variant leaves it out of the table, whose zeros point at it anyway)
    if (!small) table[hash(view, ip, log)] = ip;
    ip++;
    let forwardH = hash(view, ip, log);
    for (;;) {
      let findMatchAttempts = (1 << SKIPSTRENGTH) + 3;
      let forwardIp = ip;
      let ref: number;
      // Find a match, stepping further the longer none is found
      for (;;) {
        const h = forwardH;
        const step = findMatchAttempts++ >> SKIPSTRENGTH;
        ip = forwardIp;
        forwardIp = ip + step;
        if (forwardIp > mflimit) return lastLiterals(src, dst, anchor, op, oend);
        forwardH = hash(view, forwardIp, log);
        ref = table[h];
        table[h] = ip;
        if (!small && ref < ip - MAX_DISTANCE) continue;
        if (view.getInt32(ref, true) === view.getInt32(ip, true)) break;
      }
      // Catch up
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      // Encode literal length
      const length = ip - anchor;
      let token = op++;
      if (op + length + (2 + 1 + LASTLITERALS) + (length >> 8) > oend) return -1;
      if (length >= RUN_MASK) {
        dst[token] = RUN_MASK << ML_BITS;
        let len = length - RUN_MASK;
        for (; len > 254; len -= 255) dst[op++] = 255;
        dst[op++] = len;
      } else {
        dst[token] = length << ML_BITS;
      }
      copy(src, anchor, dst, op, length);
      op += length;

      for (;;) {
        // _next_match: encode offset
        const offset = ip - ref;
        dst[op++] = offset & 0xff;
        dst[op++] = offset >> 8;
        // Count the match beyond its verified MINMATCH bytes
        ip += MINMATCH;
        ref += MINMATCH;
        anchor = ip;
        while (ip < matchlimit - 3 && view.getInt32(ip, true) === view.getInt32(ref, true)) {
          ip += 4;
          ref += 4;
        }
        while (ip < matchlimit && src[ip] === src[ref]) {
          ip++;
          ref++;
        }
        // Encode match length
        let len = ip - anchor;
        if (op + (1 + LASTLITERALS) + (len >> 8) > oend) return -1;
        if (len >= ML_MASK) {
          dst[token] += ML_MASK;
          len -= ML_MASK;
          for (; len > 509; len -= 510) {
            dst[op++] = 255;
            dst[op++] = 255;
          }
          if (len > 254) {
            len -= 255;
            dst[op++] = 255;
          }
          dst[op++] = len;
        } else {
          dst[token] += len;
        }
        // Test end of chunk
        if (ip > mflimit) return lastLiterals(src, dst, ip, op, oend);
        // Fill table
        table[hash(view, ip - 2, log)] = ip - 2;
        // Test next position
        const h = hash(view, ip, log);
        ref = table[h];
        table[h] = ip;
        if ((small || ref > ip - (MAX_DISTANCE + 1)) && view.getInt32(ref, true) === view.getInt32(ip, true)) {
          token = op++;
          dst[token] = 0;
          continue;
        }
        break;
      }
      // Prepare next loop
      anchor = ip++;
      forwardH = hash(view, ip, log);
    }
  }
  return lastLiterals(src, dst, anchor, op, oend);
}

/** _last_literals: the run from `anchor` to the end of input, as the block's last sequence. */
function lastLiterals(src: Uint8Array, dst: Uint8Array, anchor: number, op: number, oend: number): number {
  let lastRun = src.length - anchor;
  if (op + lastRun + 1 + Math.trunc((lastRun + 255 - RUN_MASK) / 255) > oend) return -1;
  if (lastRun >= RUN_MASK) {
    dst[op++] = RUN_MASK << ML_BITS;
    lastRun -= RUN_MASK;
    for (; lastRun > 254; lastRun -= 255) dst[op++] = 255;
    dst[op++] = lastRun;
  } else {
    dst[op++] = lastRun << ML_BITS;
  }
  copy(src, anchor, dst, op, src.length - anchor);
  return op + src.length - anchor;
}

/** A literal run: short ones by hand, as a subarray per run would cost more than the run. */
function copy(src: Uint8Array, from: number, dst: Uint8Array, to: number, length: number): void {
  if (length < 64) {
    for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + length), to);
  }
}
