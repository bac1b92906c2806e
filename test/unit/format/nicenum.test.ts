import { describe, expect, it } from 'vitest';
import { formatRatio, nicebytes, nicenum } from '../../../src/cli/format/nicenum.js';

const U64_MAX = (1n << 64n) - 1n;

// Spec §1.1 reference table: [bytes, nicebytes, nicenum | undefined]
const TABLE: Array<[number | bigint, string, string | undefined]> = [
  [0, '0B', '0'],
  [1, '1B', '1'],
  [512, '512B', '512'],
  [1000, '1000B', '1000'],
  [1023, '1023B', '1023'],
  [1024, '1K', '1K'],
  [1025, '1.00K', '1.00K'],
  [1536, '1.50K', '1.50K'],
  [10000, '9.77K', '9.77K'],
  [10239, '10.0K', '10.0K'],
  [10240, '10K', '10K'],
  [12345, '12.1K', '12.1K'],
  [24576, '24K', '24K'],
  [102912, '100K', '100K'],
  [105472, '103K', '103K'],
  [131072, '128K', '128K'],
  [1000000, '977K', '977K'],
  [1047552, '1023K', undefined],
  [1048575, '1024K', undefined],
  [1048576, '1M', '1M'],
  [1153433, '1.10M', undefined],
  [1572864, '1.50M', undefined],
  [2621440, '2.50M', undefined],
  [10590617, '10.1M', undefined],
  [105000000, '100M', undefined],
  [1610612736, '1.50G', undefined],
  [5000000000000, '4.55T', undefined],
  [1n << 60n, '1E', undefined],
  [U64_MAX, '16.0E', '16.0E'],
];

describe('nicebytes / nicenum: spec §1.1 reference table', () => {
  for (const [n, bytes, plain] of TABLE) {
    it(`${n}`, () => {
      expect(nicebytes(n)).toBe(bytes);
      // Only the unit of the index-0 row differs between the flavours.
      expect(nicenum(n)).toBe(plain ?? bytes);
      if (typeof n === 'number') expect(nicebytes(BigInt(n))).toBe(bytes);
    });
  }
});

describe('C printf rounding (half-to-even on exact ties)', () => {
  // Checked against the C algorithm compiled with glibc; toFixed() gets
  // each of these wrong by rounding the tie up.
  it.each([
    [102912, '100K'], // 100.5K
    [4224, '4.12K'], // 4.125K
    [2176, '2.12K'], // 2.125K
    [5760, '5.62K'], // 5.625K
    [311808, '304K'], // 304.5K
    [80128, '78.2K'], // 78.25K
  ])('%i -> %s', (n, s) => {
    expect(nicebytes(n)).toBe(s);
  });

  it('rounds ties toward the even digit, up or down', () => {
    expect(nicebytes(3.375 * 1024)).toBe('3.38K'); // 3.375 -> 3.38 (8 even)
    expect(nicebytes(101.5 * 1024)).toBe('102K'); // 101.5 -> 102
  });

  it('rounds non-ties to nearest', () => {
    expect(nicebytes(1024 + 5)).toBe('1.00K'); // 1.0049
    expect(nicebytes(1024 + 6)).toBe('1.01K'); // 1.0059
  });
});

describe('edge values', () => {
  it('never rolls over into the next unit', () => {
    expect(nicebytes(1048064)).toBe('1024K');
    expect(nicebytes((1n << 30n) - 1n)).toBe('1024M');
  });

  it('handles values near 2^64 via the double conversion', () => {
    expect(nicebytes(U64_MAX - 1n)).toBe('16.0E');
    expect(nicebytes(1n << 63n)).toBe('8E');
    expect(nicebytes((1n << 63n) + 1n)).toBe('8.00E');
    expect(nicenum(15n << 60n)).toBe('15E');
  });

  it('rejects values outside uint64', () => {
    expect(() => nicebytes(-1)).toThrow(RangeError);
    expect(() => nicebytes(1.5)).toThrow(RangeError);
    expect(() => nicebytes(1n << 64n)).toThrow(RangeError);
    expect(() => nicenum(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatRatio', () => {
  it('human and parsable forms', () => {
    expect(formatRatio(100, false)).toBe('1.00x');
    expect(formatRatio(100, true)).toBe('1.00');
    expect(formatRatio(235, false)).toBe('2.35x');
    expect(formatRatio(1005, false)).toBe('10.05x');
    expect(formatRatio(0, true)).toBe('0.00');
  });
});
