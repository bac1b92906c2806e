/**
 * Block checksums as OpenZFS computes them (module/zcommon/zfs_fletcher.c, module/zfs/sha2_zfs.c,
 * skein_zfs.c, edonr_zfs.c, blake3_zfs.c). `sha512` is SHA-512/256, as ZIO_CHECKSUM_SHA512 is;
 * `skein`, `edonr` and `blake3` are salted with the pool's 32-byte checksum salt (OpenZFS:
 * spa_cksum_salt).
 *
 * fletcher4 runs four 64-bit sums over the block's 32-bit little-endian words:
 *   a += w; b += a; c += b; d += c   (all modulo 2^64)
 * JavaScript numbers are exact only below 2^53, so each sum is kept as two halves (lo, hi) of
 * 32 bits each that are allowed to grow between normalisations: after a normalisation every half
 * is below 2^32, and STRIDE words later `d.lo` is below 2^32 * STRIDE^4 / 24 < 2^53. The inner loop
 * is then additions only; the carries are folded in once per stride.
 */
import { blake3 } from './blake3.js';
import { edonrChecksum } from './edonr.js';
import { skein512 } from './skein.js';
import { fletcher4Wasm } from './fletcher4-wasm.js';
import { createHash } from 'node:crypto';
import type { ChecksumAlgorithm } from '../store/records.js';

const TWO32 = 4294967296;
const STRIDE = 64;
export const CHECKSUM_BYTES = 32;

/** OpenZFS's fletcher_4_native over `data` (whose length is a multiple of 4). */
export function fletcher4(data: Uint8Array): Buffer {
  const words = wordsOf(data);
  let aLo = 0, aHi = 0, bLo = 0, bHi = 0, cLo = 0, cHi = 0, dLo = 0, dHi = 0;
  for (let start = 0; start < words.length; start += STRIDE) {
    const end = Math.min(words.length, start + STRIDE);
    for (let i = start; i < end; i++) {
      aLo += words[i];
      bLo += aLo;
      bHi += aHi;
      cLo += bLo;
      cHi += bHi;
      dLo += cLo;
      dHi += cHi;
    }
    // Fold each low half's carry into its high half; the high halves wrap at 2^32 (sum mod 2^64).
    let carry = Math.floor(aLo / TWO32);
    aLo -= carry * TWO32;
    aHi = (aHi + carry) % TWO32;
    carry = Math.floor(bLo / TWO32);
    bLo -= carry * TWO32;
    bHi = (bHi + carry) % TWO32;
    carry = Math.floor(cLo / TWO32);
    cLo -= carry * TWO32;
    cHi = (cHi + carry) % TWO32;
    carry = Math.floor(dLo / TWO32);
    dLo -= carry * TWO32;
    dHi = (dHi + carry) % TWO32;
  }
  const out = Buffer.alloc(CHECKSUM_BYTES);
  [aLo, aHi, bLo, bHi, cLo, cHi, dLo, dHi].forEach((half, i) => out.writeUInt32LE(half, i * 4));
  return out;
}

/** The block's bytes as 32-bit little-endian words, without copying when alignment allows. */
function wordsOf(data: Uint8Array): Uint32Array | number[] {
  const count = data.length >>> 2;
  if (LITTLE_ENDIAN && data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, count);
  const words = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const p = i * 4;
    words[i] = (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) >>> 0;
  }
  return words;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * OpenZFS's fletcher_2_native: two lanes over the block's 64-bit little-endian words, the even
 * words into (a0, b0) and the odd ones into (a1, b1): a += w; b += a (modulo 2^64). Each sum is
 * kept as 32-bit halves as in fletcher4; F2_STRIDE pairs later `b.lo` is below 2^32 * F2_STRIDE^2,
 * well under 2^53. Words past the last whole 16 bytes are not summed (OpenZFS's blocks are
 * multiples of 512 bytes).
 */
export function fletcher2(data: Uint8Array): Buffer {
  const words = wordsOf(data);
  // [a0, a1, b0, b1], each as [lo, hi]
  const sums = new Float64Array(8);
  const pairs = words.length >>> 2;
  for (let start = 0; start < pairs; start += F2_STRIDE) {
    const end = Math.min(pairs, start + F2_STRIDE);
    let a0Lo = sums[0], a0Hi = sums[1], a1Lo = sums[2], a1Hi = sums[3];
    let b0Lo = sums[4], b0Hi = sums[5], b1Lo = sums[6], b1Hi = sums[7];
    for (let i = start; i < end; i++) {
      const w = i * 4;
      a0Lo += words[w];
      a0Hi += words[w + 1];
      a1Lo += words[w + 2];
      a1Hi += words[w + 3];
      b0Lo += a0Lo;
      b0Hi += a0Hi;
      b1Lo += a1Lo;
      b1Hi += a1Hi;
    }
    const fold = (lo: number, hi: number, at: number) => {
      const carry = Math.floor(lo / TWO32);
      sums[at] = lo - carry * TWO32;
      sums[at + 1] = (hi + carry) % TWO32;
    };
    fold(a0Lo, a0Hi, 0);
    fold(a1Lo, a1Hi, 2);
    fold(b0Lo, b0Hi, 4);
    fold(b1Lo, b1Hi, 6);
  }
  const out = Buffer.alloc(CHECKSUM_BYTES);
  sums.forEach((half, i) => out.writeUInt32LE(half, i * 4));
  return out;
}

const F2_STRIDE = 1024;

/** The checksum of `data` under `algorithm` (empty for `off`); `salt` is the pool's checksum
 *  salt, which only the salted algorithms (skein, edonr, blake3) use. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array, salt: Uint8Array): Uint8Array {
  switch (algorithm) {
    case 'fletcher4':
      // The WebAssembly version gives the same bytes ~4x faster; reads are bound by it.
      return fletcher4Wasm(data);
    case 'fletcher2':
      return fletcher2(data);
    case 'sha256':
      return createHash('sha256').update(data).digest();
    case 'sha512':
      return createHash('sha512-256').update(data).digest();
    case 'skein':
      return skein512(data, 256, salt);
    case 'edonr':
      return edonrChecksum(data, salt);
    case 'blake3':
      return blake3(data, salt);
    case 'off':
      return EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

/** The `checksum` property value's algorithm: `on` is fletcher4 (ZIO_CHECKSUM_ON_VALUE),
 *  `noparity` computes none, as `off`. Values that `set` refuses never reach here. */
export function algorithmFor(property: string | number | undefined | null): ChecksumAlgorithm {
  switch (property) {
    case 'off':
    case 'noparity':
      return 'off';
    case 'fletcher2':
    case 'sha256':
    case 'sha512':
    case 'skein':
    case 'edonr':
    case 'blake3':
      return property;
    default:
      return 'fletcher4';
  }
}

/** Does `data` match the checksum a block pointer recorded? */
export function checksumMatches(algorithm: ChecksumAlgorithm, expected: Uint8Array, data: Uint8Array, salt: Uint8Array): boolean {
  if (algorithm === 'off') return true;
  return Buffer.compare(checksumOf(algorithm, data, salt), expected) === 0;
}
