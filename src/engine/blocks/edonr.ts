/**
 * Edon-R 512 as OpenZFS's `checksum=edonr` computes it (module/zfs/edonr_zfs.c): the hash state
 * first absorbs a 128-byte salt block, H(salt) || H(H(salt)), then the block; the checksum is the
 * first 32 bytes of the 64-byte digest. Written from module/icp/algs/edonr/edonr.c (Q512, the
 * double pipe, the padding); test/unit/engine/checksum.test.ts checks it against OpenZFS's vectors
 * (edonr_test.c). 64-bit words are BigInts: correct, and slow, like the rarely chosen algorithm
 * it is.
 */

const BLOCK_BYTES = 128;
const AAAA = 0xaaaaaaaaaaaaaaaan;
const NOT_AAAA = BigInt.asUintN(64, ~AAAA);

/** The initial double pipe i512p2: 0x8081828384858687, ...; made on first use, not at every
 *  start-up (few pools checksum with edonr). */
let initialPipe: bigint[] | null = null;
const INITIAL_PIPE = (): bigint[] =>
  (initialPipe ??= Array.from({ length: 16 }, (_, i) => {
    let v = 0n;
    for (let b = 0; b < 8; b++) v = (v << 8n) | BigInt(0x80 + i * 8 + b);
    return v;
  }));

const u64 = (x: bigint) => BigInt.asUintN(64, x);
const rotl = (x: bigint, n: bigint) => u64((x << n) | (x >> (64n - n)));

function ls1(x: bigint[]): bigint[] {
  const [x0, x1, x2, x3, x4, x5, x6, x7] = x;
  const z1 = x0 + x4, z2 = x1 + x7, z5 = z1 + z2;
  const z3 = x2 + x3, z4 = x5 + x6, z6 = z3 + z4;
  return [
    u64(AAAA + z5 + x2),
    rotl(u64(z5 + x3), 5n),
    rotl(u64(z5 + x6), 15n),
    rotl(u64(z6 + x7), 22n),
    rotl(u64(z6 + x1), 31n),
    rotl(u64(z1 + z3 + x5), 40n),
    rotl(u64(z2 + z4 + x0), 50n),
    rotl(u64(z6 + x4), 59n),
  ];
}

function ls2(y: bigint[]): bigint[] {
  const [y0, y1, y2, y3, y4, y5, y6, y7] = y;
  const z1 = y0 + y1, z2 = y2 + y5, z6 = z1 + z2;
  const z3 = y3 + y4, z5 = z1 + z3;
  const z4 = y6 + y7, z8 = z3 + z4, z7 = z2 + z4;
  return [
    u64(NOT_AAAA + z6 + y7),
    rotl(u64(z5 + y6), 10n),
    rotl(u64(z6 + y3), 19n),
    rotl(u64(z8 + y2), 29n),
    rotl(u64(z5 + y5), 36n),
    rotl(u64(z7 + y4), 44n),
    rotl(u64(z7 + y1), 48n),
    rotl(u64(z8 + y0), 55n),
  ];
}

/** QEF_512: combines LS1's outputs s and LS2's outputs t into r0..r7. */
function qef(s: bigint[], t: bigint[]): bigint[] {
  const z1 = s[0] ^ s[4], z5 = t[0] ^ t[1], z8 = t[6] ^ t[7], z3 = s[2] ^ s[3];
  const z7 = t[3] ^ t[4], z4 = s[5] ^ s[6], z6 = t[2] ^ t[5], z2 = s[1] ^ s[7];
  return [
    u64((z1 ^ s[1]) + (z5 ^ t[5])),
    u64((z1 ^ s[7]) + (t[2] ^ z8)),
    u64((z2 ^ s[6]) + (z5 ^ t[3])),
    u64((z3 ^ s[4]) + (t[0] ^ z7)),
    u64((s[0] ^ z2) + (t[1] ^ z6)),
    u64((s[3] ^ z4) + (z7 ^ t[6])),
    u64((s[2] ^ z4) + (z6 ^ t[7])),
    u64((z3 ^ s[5]) + (t[4] ^ z8)),
  ];
}

/** Q512 over one 128-byte block at `at`: updates the 16-word double pipe `p`. */
function compress(p: bigint[], buf: Uint8Array, at: number): void {
  const view = new DataView(buf.buffer, buf.byteOffset + at, BLOCK_BYTES);
  const d = Array.from({ length: 16 }, (_, j) => view.getBigUint64(j * 8, true));
  const rev = (a: number, b: number) => d.slice(b, a + 1).reverse();
  let p0 = qef(ls1(rev(15, 8)), ls2(d.slice(0, 8)));
  let q0 = qef(ls1(p0), ls2(d.slice(8, 16)));
  p0 = qef(ls1(p.slice(8, 16)), ls2(p0));
  q0 = qef(ls1(p0), ls2(q0));
  p0 = qef(ls1(p0), ls2(p.slice(0, 8)));
  q0 = qef(ls1(q0), ls2(p0));
  p0 = qef(ls1(rev(7, 0)), ls2(p0));
  q0 = qef(ls1(p0), ls2(q0));
  for (let i = 0; i < 8; i++) {
    p[i] ^= d[i + 8] ^ p0[i];
    p[i + 8] ^= d[i] ^ q0[i];
  }
}

/** Edon-R 512 of the concatenation of `parts` (whole bytes): the 64-byte digest. */
export function edonr512(...parts: Uint8Array[]): Buffer {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const p = [...INITIAL_PIPE()];
  const full = Math.floor(total / BLOCK_BYTES);
  for (let i = 0; i < full; i++) compress(p, data, i * BLOCK_BYTES);
  // Padding: a 1 bit, zeros, and the message length in bits as the last 64-bit word, in one
  // block when the rest leaves room for it (fewer than 960 bits), else in two.
  const rest = total - full * BLOCK_BYTES;
  const tail = new Uint8Array(rest < 120 ? BLOCK_BYTES : 2 * BLOCK_BYTES);
  tail.set(data.subarray(full * BLOCK_BYTES));
  tail[rest] = 0x80;
  const bits = BigInt(total) * 8n;
  for (let i = 0; i < 8; i++) tail[tail.length - 8 + i] = Number((bits >> BigInt(8 * i)) & 0xffn);
  for (let at = 0; at < tail.length; at += BLOCK_BYTES) compress(p, tail, at);
  const out = Buffer.alloc(64);
  for (let i = 0; i < 8; i++) out.writeBigUInt64LE(p[8 + i], i * 8);
  return out;
}

/** OpenZFS's salted Edon-R checksum: the first 32 bytes of Edon-R 512 over the salt block and `data`. */
export function edonrChecksum(data: Uint8Array, salt: Uint8Array): Buffer {
  const first = edonr512(salt);
  const saltBlock = Buffer.concat([first, edonr512(first)]);
  return edonr512(saltBlock, data).subarray(0, 32);
}
