// Size input parsing, a port of libzfs zfs_nicestrtonum() and str2shift()
// (lib/libzfs/libzfs_util.c), spec §1.4. Used for `set`, `create -o`, `-V`,
// `-b`. Quirks are kept on purpose because error text is user-visible:
// e.g. `0Z` is "too large" (shift >= 64 is rejected before looking at the
// value) and `1.5e3K` is accepted because the decimal path uses strtod().

/** Thrown with the libzfs aux message as `message` (and `aux`). */
export class SizeError extends Error {
  readonly aux: string;
  constructor(aux: string) {
    super(aux);
    this.name = 'SizeError';
    this.aux = aux;
  }
}

const UINT64_MAX = (1n << 64n) - 1n;
// (double)UINT64_MAX rounds up to 2^64, hence the ">=" comparison in C.
const TWO_POW_64 = 18446744073709551616;
const SUFFIXES = 'BKMGTPEZ';

/** Parse `10G`, `1.5g`, `512B`, `10GiB` ... into a uint64 byte count. */
export function parseSize(value: string): bigint {
  const first = value.charAt(0);
  if (!(first >= '0' && first <= '9') && first !== '.') {
    throw new SizeError(`bad numeric value '${value}'`);
  }

  // strtoull(value, &end, 10): the leading run of digits. With no digits
  // (value starts with '.') it converts nothing and end stays at the start.
  const digits = /^[0-9]*/.exec(value)![0];
  const intVal = digits === '' ? 0n : BigInt(digits);
  if (intVal > UINT64_MAX) {
    // strtoull's ERANGE is checked before a decimal point is even looked at.
    throw new SizeError('numeric value is too large');
  }
  let rest = value.slice(digits.length);

  if (rest.startsWith('.')) {
    // strtod(): mantissa needs at least one digit, exponent is optional.
    const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(value);
    let fval = 0;
    if (m) {
      fval = parseFloat(m[0]);
      rest = value.slice(m[0].length);
    } else {
      // No conversion: strtod leaves end at the start of the string.
      rest = value;
    }
    const shift = str2shift(rest);
    // Multiplying a double by a power of two is exact (or overflows to
    // Infinity), so this matches `fval *= pow(2, shift)` bit for bit.
    fval *= 2 ** shift;
    if (fval >= TWO_POW_64) {
      throw new SizeError('numeric value is too large');
    }
    // The (uint64_t) cast truncates toward zero.
    return BigInt(Math.trunc(fval));
  }

  const shift = str2shift(rest);
  if (shift >= 64 || intVal << BigInt(shift) > UINT64_MAX) {
    throw new SizeError('numeric value is too large');
  }
  return intVal << BigInt(shift);
}

/**
 * Suffix → shift. One of B K M G T P E Z (any case), optionally followed by
 * "B" or "iB" — but "BB" and "BiB" are refused, as in C.
 */
function str2shift(buf: string): number {
  if (buf === '') return 0;
  const c0 = asciiUpper(buf.charAt(0));
  const i = SUFFIXES.indexOf(c0);
  if (i === -1) {
    throw new SizeError(`invalid numeric suffix '${buf}'`);
  }
  const tail = asciiUpper(buf.slice(1));
  if (tail === '' || (c0 !== 'B' && (tail === 'B' || tail === 'IB'))) {
    return 10 * i;
  }
  throw new SizeError(`invalid numeric suffix '${buf}'`);
}

// C toupper() in the C locale only maps a-z; String#toUpperCase would also
// turn e.g. dotless 'ı' into 'I' and accept a suffix ZFS rejects.
function asciiUpper(s: string): string {
  return s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));
}
