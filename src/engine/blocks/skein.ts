/**
 * Skein-512 as OpenZFS's `checksum=skein` computes it (module/zfs/skein_zfs.c): Skein_512_InitExt
 * with a 256-bit output and the pool's 32-byte checksum salt as the MAC key, then the block. Written
 * from module/icp/algs/skein (skein.c, skein_block.c: Threefish-512, 72 rounds, UBI chaining);
 * test/unit/engine/checksum.test.ts checks it against OpenZFS's vectors (skein_test.c) and IVs
 * (skein_iv.c). 64-bit words are pairs of 32-bit halves.
 */

const BLOCK_BYTES = 64;
/** 64-bit words are kept as (hi, lo) pairs of 32-bit halves in Uint32Arrays: [hi0, lo0, hi1, ...]. */
const PARITY = [0x1bd11bda, 0xa9fc1a22];
/** "SHA3", version 1 (SKEIN_SCHEMA_VER = 0x0000000133414853) */
const SCHEMA_VER = 0x0000000133414853n;
// Tweak word T1's high half: FIRST (bit 62), FINAL (bit 63), the block type (bits 56..61).
const FIRST = 0x40000000;
const FINAL = 0x80000000;
const TYPE_KEY = 0 << 24;
const TYPE_CFG = 4 << 24;
const TYPE_MSG = 48 << 24;
const TYPE_OUT = 63 << 24;

/** Rotation constants R_512_r_i, and the word pairs each of the 8 rounds of a cycle mixes. */
const ROTATIONS = [
  [46, 36, 19, 37],
  [33, 27, 14, 42],
  [17, 49, 36, 39],
  [44, 9, 54, 56],
  [39, 30, 34, 24],
  [13, 50, 10, 17],
  [25, 29, 39, 43],
  [8, 35, 56, 22],
];
const PAIRS = [
  [0, 1, 2, 3, 4, 5, 6, 7],
  [2, 1, 4, 7, 6, 5, 0, 3],
  [4, 1, 6, 3, 0, 5, 2, 7],
  [6, 1, 0, 7, 2, 5, 4, 3],
];

/** v[i] += k[j] for word indices i, j of two pair arrays. */
function addTo(v: Uint32Array, i: number, k: Uint32Array, j: number): void {
  const lo = v[2 * i + 1] + k[2 * j + 1];
  v[2 * i + 1] = lo;
  v[2 * i] = v[2 * i] + k[2 * j] + (lo > 0xffffffff ? 1 : 0);
}

function addNumber(v: Uint32Array, i: number, n: number): void {
  const lo = v[2 * i + 1] + n;
  v[2 * i + 1] = lo;
  v[2 * i] = v[2 * i] + (lo > 0xffffffff ? 1 : 0);
}

/** v[b] = rotl(v[b], n) ^ v[a] */
function rotateXor(v: Uint32Array, b: number, n: number, a: number): void {
  let hi = v[2 * b];
  let lo = v[2 * b + 1];
  if (n >= 32) {
    [hi, lo] = [lo, hi];
    n -= 32;
  }
  if (n > 0) [hi, lo] = [(hi << n) | (lo >>> (32 - n)), (lo << n) | (hi >>> (32 - n))];
  v[2 * b] = hi ^ v[2 * a];
  v[2 * b + 1] = lo ^ v[2 * a + 1];
}

/** UBI state: the chaining value and the tweak (T0 = bytes so far, T1 = flags and type). */
class Ubi {
  x: Uint32Array = new Uint32Array(16);
  private t0 = 0;
  private t1 = 0;
  private readonly ks = new Uint32Array(18);
  private readonly ts = new Uint32Array(6);
  private readonly w = new Uint32Array(16);
  private readonly v = new Uint32Array(16);

  start(type: number): void {
    this.t0 = 0;
    this.t1 = FIRST | type;
  }

  /** Skein_512_Process_Block for one 64-byte block counting `bytes` message bytes. */
  block(buf: Uint8Array, at: number, bytes: number, final = false): void {
    const { ks, ts, w, v } = this;
    this.t0 += bytes;
    if (final) this.t1 = (this.t1 | FINAL) >>> 0;
    ks.set(this.x);
    ks[16] = PARITY[0];
    ks[17] = PARITY[1];
    for (let i = 0; i < 16; i++) ks[16 + (i & 1)] ^= this.x[i];
    ts[0] = Math.floor(this.t0 / 0x100000000);
    ts[1] = this.t0 >>> 0;
    ts[2] = this.t1;
    ts[3] = 0;
    ts[4] = ts[0] ^ ts[2];
    ts[5] = ts[1];
    for (let i = 0; i < 8; i++) {
      const p = at + i * 8;
      w[2 * i + 1] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
      w[2 * i] = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24);
    }
    v.set(w);
    for (let i = 0; i < 8; i++) addTo(v, i, ks, i);
    addTo(v, 5, ts, 0);
    addTo(v, 6, ts, 1);
    for (let r = 0; r < 72; r++) {
      const rot = ROTATIONS[r % 8];
      const p = PAIRS[r % 4];
      for (let j = 0; j < 4; j++) {
        addTo(v, p[2 * j], v, p[2 * j + 1]);
        rotateXor(v, p[2 * j + 1], rot[j], p[2 * j]);
      }
      if (r % 4 === 3) {
        const n = (r + 1) / 4;
        for (let i = 0; i < 8; i++) addTo(v, i, ks, (n + i) % 9);
        addTo(v, 5, ts, n % 3);
        addTo(v, 6, ts, (n + 1) % 3);
        addNumber(v, 7, n);
      }
    }
    for (let i = 0; i < 16; i++) this.x[i] = v[i] ^ w[i];
    this.t1 = (this.t1 & ~FIRST) >>> 0;
  }

  /** UBI over a whole message of type `type`: full blocks, then the last (padded) one as final. */
  message(type: number, data: Uint8Array): void {
    this.start(type);
    const full = data.length === 0 ? 0 : Math.floor((data.length - 1) / BLOCK_BYTES);
    for (let i = 0; i < full; i++) this.block(data, i * BLOCK_BYTES, BLOCK_BYTES);
    const last = new Uint8Array(BLOCK_BYTES);
    last.set(data.subarray(full * BLOCK_BYTES));
    this.block(last, 0, data.length - full * BLOCK_BYTES, true);
  }
}

function putWord(out: Uint8Array, at: number, v: bigint): void {
  for (let i = 0; i < 8; i++) out[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** The chaining value Skein_512_InitExt leaves for `outputBits` of output and the MAC `key`,
 *  as 8 words. */
export function skein512Init(outputBits: number, key?: Uint8Array): bigint[] {
  const x = initialState(outputBits, key);
  return Array.from({ length: 8 }, (_, i) => (BigInt(x[2 * i]) << 32n) | BigInt(x[2 * i + 1]));
}

function initialState(outputBits: number, key?: Uint8Array): Uint32Array {
  const ubi = new Ubi();
  if (key && key.length > 0) ubi.message(TYPE_KEY, key);
  const cfg = new Uint8Array(32);
  putWord(cfg, 0, SCHEMA_VER);
  putWord(cfg, 8, BigInt(outputBits));
  ubi.message(TYPE_CFG, cfg);
  return ubi.x;
}

/** Skein-512 of `data` with `outputBits` of output (at most 512), keyed with `key` when given. */
export function skein512(data: Uint8Array, outputBits: number, key?: Uint8Array): Buffer {
  const ubi = new Ubi();
  ubi.x = initialState(outputBits, key);
  ubi.message(TYPE_MSG, data);
  // Output: Threefish in counter mode, counter 0 (one block gives up to 512 bits).
  const counter = new Uint8Array(BLOCK_BYTES);
  ubi.start(TYPE_OUT);
  ubi.block(counter, 0, 8, true);
  const out = Buffer.alloc(64);
  for (let i = 0; i < 8; i++) {
    out.writeUInt32LE(ubi.x[2 * i + 1], i * 8);
    out.writeUInt32LE(ubi.x[2 * i], i * 8 + 4);
  }
  return out.subarray(0, outputBits / 8);
}
