/** The JavaScript CRC-32 (src/engine/crc32.ts) is zlib's: every stored record's check depends on it. */
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/engine/crc32.js';

const zlibCrc32 = (zlib as unknown as { crc32(data: Uint8Array): number }).crc32;

describe('crc32', () => {
  it('is zlib.crc32, below and above the size where it hands over to zlib', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(crc32(data)).toBe(zlibCrc32(data));
      }),
      { numRuns: 500 },
    );
    for (const size of [0, 1, 4095, 4096, 65535, 65536, 200_000]) {
      const data = new Uint8Array(size).map((_, i) => (i * 131 + 7) & 0xff);
      expect(crc32(data)).toBe(zlibCrc32(data));
      expect(crc32(data.subarray(3))).toBe(zlibCrc32(data.subarray(3)));
    }
  });
});
