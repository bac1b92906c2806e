/** The WebAssembly fletcher4 gives exactly the pure-JS (OpenZFS-checked) fletcher4's 32 bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fletcher4 } from '../../../src/engine/blocks/checksum.js';
import { fletcher4Wasm } from '../../../src/engine/blocks/fletcher4-wasm.js';

describe('fletcher4Wasm', () => {
  it('matches fletcher4 on any whole number of words, including sums that wrap 2^64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (bytes) => {
        const data = bytes.subarray(0, bytes.length & ~3);
        expect(fletcher4Wasm(data).toString('hex')).toBe(fletcher4(data).toString('hex'));
      }),
    );
    // All-ones words push every sum past 2^64 within a record: the wrap must be exact.
    const ones = new Uint8Array(128 * 1024).fill(0xff);
    expect(fletcher4Wasm(ones).toString('hex')).toBe(fletcher4(ones).toString('hex'));
  });

  it('grows its memory for records up to 16M and back down again', () => {
    for (const size of [1 << 20, 16 << 20, 512]) {
      const data = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
      expect(fletcher4Wasm(data).toString('hex')).toBe(fletcher4(data).toString('hex'));
    }
  });
});
