/** fletcher4 against a direct BigInt transcription of OpenZFS's fletcher_4_native, on edge data. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { algorithmFor, checksumMatches, checksumOf, fletcher4 } from '../../../src/engine/blocks/checksum.js';

function reference(data: Buffer): Buffer {
  const M = (1n << 64n) - 1n;
  let a = 0n, b = 0n, c = 0n, d = 0n;
  for (let i = 0; i + 4 <= data.length; i += 4) {
    a = (a + BigInt(data.readUInt32LE(i))) & M;
    b = (b + a) & M;
    c = (c + b) & M;
    d = (d + c) & M;
  }
  const out = Buffer.alloc(32);
  [a, b, c, d].forEach((x, i) => out.writeBigUInt64LE(x, i * 8));
  return out;
}

describe('fletcher4', () => {
  it('matches the 64-bit definition where the sums wrap (all 0xff, 1M) and on zeros', () => {
    for (const [size, fill] of [[1 << 20, 0xff], [131072, 0xff], [512, 0], [4096, 0x80]] as const) {
      const data = Buffer.alloc(size, fill);
      expect(fletcher4(data).equals(reference(data))).toBe(true);
    }
  });

  it('matches on random blocks, aligned or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.integer({ min: 0, max: 3 }), (bytes, shift) => {
        const data = Buffer.alloc(bytes.length - (bytes.length % 4) + shift);
        Buffer.from(bytes).copy(data, shift);
        const view = data.subarray(shift);
        expect(fletcher4(view).equals(reference(view))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('on is fletcher4; a flipped bit never matches; off matches anything', () => {
    expect(algorithmFor('on')).toBe('fletcher4');
    expect(algorithmFor('sha256')).toBe('sha256');
    expect(algorithmFor('off')).toBe('off');
    const data = Buffer.alloc(8192, 7);
    for (const alg of ['fletcher4', 'sha256'] as const) {
      const sum = checksumOf(alg, data);
      expect(sum.length).toBe(32);
      expect(checksumMatches(alg, sum, data)).toBe(true);
      const bad = Buffer.from(data);
      bad[4000] ^= 1;
      expect(checksumMatches(alg, sum, bad)).toBe(false);
    }
    expect(checksumMatches('off', new Uint8Array(0), Buffer.from('anything'))).toBe(true);
  });
});
