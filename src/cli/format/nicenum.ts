// Human-readable numbers, a faithful port of OpenZFS zfs_nicenum_format()
// (lib/libzutil/zutil_nicenum.c) for the ZFS_NICENUM_1024 and
// ZFS_NICENUM_BYTES flavours. See spec §1.1.
//
// The C code divides a double and lets printf("%.Nf") round it. printf rounds
// the exact binary value half-to-even, whereas Number#toFixed rounds ties up,
// so the fractional formatting is redone here with exact BigInt arithmetic.

const UNITS_1024 = ['', 'K', 'M', 'G', 'T', 'P', 'E'] as const;
const UNITS_BYTES = ['B', 'K', 'M', 'G', 'T', 'P', 'E'] as const;

// index < 6 in the C loop: 'E' is the largest unit, 2^64-1 ends up as 16.0E.
const MAX_INDEX = 6;
// Output must fit a 5-character column whenever a precision allows it.
const MAX_WIDTH = 5;

const UINT64_MAX = (1n << 64n) - 1n;

/** Format with the ZFS_NICENUM_1024 units: `0`, `512`, `1.50K`, `128K`. */
export function nicenum(n: number | bigint): string {
  return niceFormat(toUint64(n), UNITS_1024);
}

/** Format with the ZFS_NICENUM_BYTES units: `0B`, `512B`, `1.50K`, `128K`. */
export function nicebytes(n: number | bigint): string {
  return niceFormat(toUint64(n), UNITS_BYTES);
}

/**
 * Ratios are stored multiplied by 100 (compressratio, dedupratio, ...).
 * libzfs prints them as "%llu.%02llu" and appends "x" unless -p was given.
 */
export function formatRatio(x100: number, parsable: boolean): string {
  if (!Number.isFinite(x100) || x100 < 0) {
    throw new RangeError(`ratio out of range: ${x100}`);
  }
  // The stored value is an integer; floor mirrors the uint64 truncation a
  // fractional caller value would undergo in C.
  const v = Math.floor(x100);
  const whole = Math.floor(v / 100);
  const frac = String(v % 100).padStart(2, '0');
  return `${whole}.${frac}${parsable ? '' : 'x'}`;
}

// The C functions take a uint64_t; anything outside that domain is a caller
// bug, and silently wrapping it would print plausible but wrong sizes.
function toUint64(n: number | bigint): bigint {
  let v: bigint;
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) {
      throw new RangeError(`nicenum: not a non-negative integer: ${n}`);
    }
    v = BigInt(n);
  } else {
    v = n;
  }
  if (v < 0n || v > UINT64_MAX) {
    throw new RangeError(`nicenum: value out of uint64 range: ${v}`);
  }
  return v;
}

function niceFormat(num: bigint, units: readonly string[]): string {
  let n = num;
  let index = 0;
  while (n >= 1024n && index < MAX_INDEX) {
    n /= 1024n;
    index++;
  }
  const u = units[index];
  const shift = BigInt(10 * index);

  // Exact multiples (checked on the exact integer, not the double) print
  // without decimals, so 1048575 stays "1024K" rather than rolling over.
  if (index === 0 || num % (1n << shift) === 0n) {
    return `${n}${u}`;
  }

  // C computes (double)num / 1024^index. The uint64 -> double conversion
  // rounds (ties-to-even, same as Number(bigint)); dividing by a power of two
  // is then exact, so the value printf sees is exactly dbl / 2^shift.
  const dbl = BigInt(Number(num));
  let out = '';
  for (let digits = 2; digits >= 0; digits--) {
    out = fixedPoint(dbl, shift, digits) + u;
    if (out.length <= MAX_WIDTH) break;
  }
  return out;
}

/**
 * Exact "%.{digits}f" of value / 2^shift with round-half-to-even, which is
 * what glibc printf does with the exact binary value of a double.
 */
function fixedPoint(value: bigint, shift: bigint, digits: number): string {
  const scaled = value * 10n ** BigInt(digits);
  const divisor = 1n << shift;
  let q = scaled / divisor;
  const twiceRem = (scaled % divisor) * 2n;
  if (twiceRem > divisor || (twiceRem === divisor && (q & 1n) === 1n)) {
    q++;
  }
  if (digits === 0) return q.toString();
  const s = q.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
