import { describe, expect, it } from 'vitest';
import { parseSize, SizeError } from '../../../src/lib/sizes.js';

const G = 1n << 30n;

function errorOf(v: string): string {
  try {
    parseSize(v);
  } catch (e) {
    expect(e).toBeInstanceOf(SizeError);
    expect((e as SizeError).aux).toBe((e as SizeError).message);
    return (e as SizeError).message;
  }
  throw new Error(`parseSize(${JSON.stringify(v)}) did not throw`);
}

describe('parseSize: accepted forms (spec §1.4)', () => {
  it.each([
    ['10G', 10n * G],
    ['10g', 10n * G],
    ['10GB', 10n * G],
    ['10GiB', 10n * G],
    ['10gib', 10n * G],
    ['10Gb', 10n * G],
    ['512B', 512n],
    ['512', 512n],
    ['0', 0n],
    ['1kB', 1024n],
    ['1KIB', 1024n],
    ['007K', 7168n],
    ['1P', 1n << 50n],
    ['8E', 1n << 63n],
    ['18446744073709551615', (1n << 64n) - 1n],
    ['18446744073709551615B', (1n << 64n) - 1n],
  ])('%s', (v, want) => {
    expect(parseSize(v)).toBe(want);
  });
});

describe('parseSize: decimals use floor(double * 2^shift)', () => {
  it.each([
    ['1.5G', 1610612736n],
    ['.5K', 512n],
    ['1.1K', 1126n],
    ['5.', 5n],
    ['5.K', 5120n],
    ['0.0Z', 0n],
    // strtod() accepts an exponent on the decimal path only
    ['1.5e3', 1500n],
    ['1.5e3K', 1536000n],
    ['1.5e', 1729382256910270464n], // 'e' is the exabyte suffix here
    ['15.99999E', 18446732544494505984n],
    ['7.99999999999999999E', 1n << 63n], // rounds to 8.0 as a double
    ['123456789012.345678K', 126419751948641n],
  ])('%s', (v, want) => {
    expect(parseSize(v)).toBe(want);
  });
});

describe('parseSize: errors', () => {
  it.each([
    ['abc', "bad numeric value 'abc'"],
    ['', "bad numeric value ''"],
    ['-5', "bad numeric value '-5'"],
    ['+5', "bad numeric value '+5'"],
    ['1BB', "invalid numeric suffix 'BB'"],
    ['1BiB', "invalid numeric suffix 'BiB'"],
    ['5X', "invalid numeric suffix 'X'"],
    ['1Gi', "invalid numeric suffix 'Gi'"],
    ['1GiBx', "invalid numeric suffix 'GiBx'"],
    ['1KK', "invalid numeric suffix 'KK'"],
    ['1 K', "invalid numeric suffix ' K'"],
    ['1e5', "invalid numeric suffix 'e5'"],
    ['0x10', "invalid numeric suffix 'x10'"],
    ['.', "invalid numeric suffix '.'"],
    ['.K', "invalid numeric suffix '.K'"],
    ['..5', "invalid numeric suffix '..5'"],
    ['1.5.5', "invalid numeric suffix '.5'"],
    ['1\u0131B', "invalid numeric suffix '\u0131B'"], // C toupper() is ASCII-only
    ['16E', 'numeric value is too large'],
    ['16.0E', 'numeric value is too large'],
    ['0.5Z', 'numeric value is too large'],
    ['0Z', 'numeric value is too large'], // shift >= 64 rejected outright
    ['1.0e400', 'numeric value is too large'],
    ['18446744073709551616', 'numeric value is too large'],
    ['18446744073709551616.5', 'numeric value is too large'],
  ])('%j', (v, msg) => {
    expect(errorOf(v)).toBe(msg);
  });
});
