/** The WebAssembly fletcher4 gives exactly the pure-JS (OpenZFS-checked) fletcher4's 32 bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fletcher4 } from '../../../src/engine/blocks/checksum.js';
import { ChecksumArena, fletcher4Wasm } from '../../../src/engine/blocks/fletcher4-wasm.js';

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

  it('checksums bytes in place in an arena, at any word offset and length, as it does a copy', () => {
    const arena = new ChecksumArena(8192);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.integer({ min: 0, max: 1024 }), (bytes, word) => {
        const length = bytes.length & ~3;
        const view = arena.bytes.subarray(word * 4, word * 4 + length);
        view.set(bytes.subarray(0, length));
        expect(view.buffer).toBe(arena.bytes.buffer);
        expect(fletcher4Wasm(view).toString('hex')).toBe(fletcher4(view).toString('hex'));
      }),
    );
    // Another arena, and the shared copy-in memory, leave this arena's bytes (and results) alone.
    const other = new ChecksumArena(4096).bytes.fill(7);
    const mine = arena.bytes.subarray(0, 4096).fill(0xff);
    const expected = fletcher4(mine).toString('hex');
    expect(fletcher4Wasm(other).toString('hex')).toBe(fletcher4(other).toString('hex'));
    expect(fletcher4Wasm(new Uint8Array(4096).fill(3)).toString('hex')).toBe(fletcher4(new Uint8Array(4096).fill(3)).toString('hex'));
    expect(fletcher4Wasm(mine).toString('hex')).toBe(expected);
  });
});
