/** The record compressors: round trips, OpenZFS's keep-or-store-as-is rule, and damaged input. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compressRecord, compressionFor, decompressRecord, type CompressionSetting } from '../../../src/engine/blocks/compression.js';
import { lz4Compress } from '../../../src/engine/blocks/lz4.js';
import type { CompressAlgorithm } from '../../../src/engine/store/records.js';
import { seededBytes } from '../../cli/harness.js';

const ALGORITHMS: CompressAlgorithm[] = ['lz4', 'lzjb', 'zle', 'gzip-1', 'gzip-6', 'gzip-9', 'zstd-3', 'zstd-19', 'zstd-fast-1', 'zstd-fast-1000'];
const R = 131072;
const text = (n: number) => Buffer.from('0123 the quick brown fox\n'.repeat(Math.ceil(n / 25))).subarray(0, n);
/** Seeded bytes that do not compress: the same on every run. */
const noise = seededBytes;
const withZeros = (n: number) => Buffer.concat([noise(n / 4, n + 1), Buffer.alloc(n / 2), noise(n / 4, n + 2)]);

describe('record compression', () => {
  it('every algorithm gives back the exact bytes it compressed', () => {
    for (const a of ALGORITHMS) {
      // ZLE shrinks runs of zeros only
      const inputs = a === 'zle' ? [withZeros(R), withZeros(16384)] : [text(R), withZeros(R), text(8192), withZeros(16384)];
      for (const data of inputs) {
        const c = compressRecord(a, data);
        expect(c, a).not.toBeNull();
        expect(c!.psize % 4096).toBe(0);
        expect(c!.psize).toBeLessThanOrEqual(data.length - data.length / 8);
        const out = Buffer.alloc(data.length);
        expect(decompressRecord(a, c!.stored, out), a).toBe(true);
        expect(out.equals(data), a).toBe(true);
      }
    }
  });

  it('stores as is what saves less than 1/8 or less than a sector', () => {
    for (const a of ALGORITHMS) {
      expect(compressRecord(a, noise(R, 3)), a).toBeNull();
      // a 4K record can never shrink by a whole sector
      expect(compressRecord(a, text(4096)), a).toBeNull();
    }
    // ZLE on 64 non-zero bytes then 8 zeros saves 6 bytes in 72: under 1/8
    const sparse = Buffer.alloc(R, 1);
    for (let i = 64; i < R; i += 72) sparse.fill(0, i, i + 8);
    expect(compressRecord('zle', sparse)).toBeNull();
  });

  it('damaged payloads are refused, never a crash or wrong length', () => {
    for (const a of ALGORITHMS) {
      const c = compressRecord(a, withZeros(R))!;
      const damaged = Buffer.from(c.stored);
      for (let i = 8; i < 40; i++) damaged[i] ^= 0x5a;
      const out = Buffer.alloc(R);
      // may decode to other bytes (the checksum catches those) but must not throw
      expect(typeof decompressRecord(a, damaged, out)).toBe('boolean');
      const truncated = Buffer.from(c.stored);
      truncated.writeUInt32LE(c.stored.length, 0);
      expect(decompressRecord(a, truncated, out), a).toBe(false);
    }
  });

  it('stores lz4 records as OpenZFS does: the block length big-endian, then the block', () => {
    const data = text(R);
    const c = compressRecord('lz4', data)!;
    const block = Buffer.alloc(R);
    const length = lz4Compress(data, block, R - R / 8 - 4);
    expect(c.stored.readUInt32BE(0)).toBe(length);
    expect(c.stored.subarray(4, 4 + length).equals(block.subarray(0, length))).toBe(true);
    expect(c.psize).toBe(Math.ceil((4 + length) / 4096) * 4096);
  });

  it('still reads lz4 records written with lz4-napi (its size-prefixed block behind a little-endian length)', () => {
    const lz4Napi = createRequire(import.meta.url)('lz4-napi') as { compressSync(b: Buffer): Buffer };
    for (const data of [text(R), withZeros(R), text(8192)]) {
      const payload = lz4Napi.compressSync(data);
      const stored = Buffer.alloc(Math.ceil((4 + payload.length) / 4096) * 4096);
      stored.writeUInt32LE(payload.length, 0);
      payload.copy(stored, 4);
      const out = Buffer.alloc(data.length);
      expect(decompressRecord('lz4', stored, out)).toBe(true);
      expect(out.equals(data)).toBe(true);
    }
  });

  it('maps property values to algorithms as OpenZFS does', () => {
    const cases: Array<[string, CompressionSetting]> = [['on', 'lz4'], ['off', 'off'], ['gzip', 'gzip-6'], ['zstd', 'zstd-3'], ['zstd-fast', 'zstd-fast-1'], ['gzip-9', 'gzip-9'], ['lzjb', 'lzjb']];
    for (const [value, algorithm] of cases) expect(compressionFor(value)).toBe(algorithm);
  });
});
