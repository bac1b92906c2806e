/**
 * Skein-512 as OpenZFS's `checksum=skein` computes it (module/zfs/skein_zfs.c): Skein_512_InitExt
 * with a 256-bit output and the pool's 32-byte checksum salt as the MAC key, then the block. Written
 * from module/icp/algs/skein (skein.c, skein_block.c: Threefish-512, 72 rounds, UBI chaining);
 * test/unit/engine/checksum.test.ts checks it against OpenZFS's vectors (skein_test.c) and IVs
 * (skein_iv.c). 64-bit words are BigInts: correct, and slow (about 1 MB/s), like the rarely
 * chosen algorithm it is.
 */

const MASK = (1n << 64n) - 1n;
const BLOCK_BYTES = 64;
const PARITY = 0x1bd11bdaa9fc1a22n;
/** "SHA3", version 1 (SKEIN_SCHEMA_VER) */
const SCHEMA_VER = 0x0000000133414853n;
const FIRST = 1n << 62n;
const FINAL = 1n << 63n;
const TYPE_KEY = 0n << 56n;
const TYPE_CFG = 4n << 56n;
const TYPE_MSG = 48n << 56n;
const TYPE_OUT = 63n << 56n;

/** Rotation constants R_512_r_i, and the word pairs each of the 8 rounds of a cycle mixes. */
const ROTATIONS = [
  [46n, 36n, 19n, 37n],
  [33n, 27n, 14n, 42n],
  [17n, 49n, 36n, 39n],
  [44n, 9n, 54n, 56n],
  [39n, 30n, 34n, 24n],
  [13n, 50n, 10n, 17n],
  [25n, 29n, 39n, 43n],
  [8n, 35n, 56n, 22n],
];
const PAIRS = [
  [0, 1, 2, 3, 4, 5, 6, 7],
  [2, 1, 4, 7, 6, 5, 0, 3],
  [4, 1, 6, 3, 0, 5, 2, 7],
  [6, 1, 0, 7, 2, 5, 4, 3],
];

const rotl = (x: bigint, n: bigint) => ((x << n) | (x >> (64n - n))) & MASK;

/** UBI state: the chaining value and the tweak (T0 = bytes so far, T1 = flags and type). */
class Ubi {
  x: bigint[] = new Array<bigint>(8).fill(0n);
  private t0 = 0n;
  private t1 = 0n;

  start(type: bigint): void {
    this.t0 = 0n;
    this.t1 = FIRST | type;
  }

  /** Skein_512_Process_Block for one 64-byte block counting `bytes` message bytes. */
  block(buf: Uint8Array, at: number, bytes: number, final = false): void {
    this.t0 += BigInt(bytes);
    if (final) this.t1 |= FINAL;
    const ks = [...this.x, 0n];
    ks[8] = ks.slice(0, 8).reduce((a, b) => a ^ b, PARITY);
    const ts = [this.t0 & MASK, this.t1, (this.t0 ^ this.t1) & MASK];
    const w = new Array<bigint>(8);
    for (let i = 0; i < 8; i++) w[i] = word(buf, at + i * 8);
    const v = w.map((wi, i) => (wi + ks[i]) & MASK);
    v[5] = (v[5] + ts[0]) & MASK;
    v[6] = (v[6] + ts[1]) & MASK;
    for (let r = 0; r < 72; r++) {
      const rot = ROTATIONS[r % 8];
      const p = PAIRS[r % 4];
      for (let j = 0; j < 4; j++) {
        const a = p[2 * j];
        const b = p[2 * j + 1];
        v[a] = (v[a] + v[b]) & MASK;
        v[b] = rotl(v[b], rot[j]) ^ v[a];
      }
      if (r % 4 === 3) {
        const s = BigInt((r + 1) / 4);
        const n = (r + 1) / 4;
        for (let i = 0; i < 8; i++) v[i] = (v[i] + ks[(n + i) % 9]) & MASK;
        v[5] = (v[5] + ts[n % 3]) & MASK;
        v[6] = (v[6] + ts[(n + 1) % 3]) & MASK;
        v[7] = (v[7] + s) & MASK;
      }
    }
    this.x = v.map((vi, i) => vi ^ w[i]);
    this.t1 &= ~FIRST;
  }

  /** UBI over a whole message of type `type`: full blocks, then the last (padded) one as final. */
  message(type: bigint, data: Uint8Array): void {
    this.start(type);
    const full = data.length === 0 ? 0 : Math.floor((data.length - 1) / BLOCK_BYTES);
    for (let i = 0; i < full; i++) this.block(data, i * BLOCK_BYTES, BLOCK_BYTES);
    const last = new Uint8Array(BLOCK_BYTES);
    last.set(data.subarray(full * BLOCK_BYTES));
    this.block(last, 0, data.length - full * BLOCK_BYTES, true);
  }
}

function word(buf: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]);
  return v;
}

function putWord(out: Uint8Array, at: number, v: bigint): void {
  for (let i = 0; i < 8; i++) out[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** The chaining value Skein_512_InitExt leaves for `outputBits` of output and the MAC `key`. */
export function skein512Init(outputBits: number, key?: Uint8Array): bigint[] {
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
  ubi.x = skein512Init(outputBits, key);
  ubi.message(TYPE_MSG, data);
  // Output: Threefish in counter mode, counter 0 (one block gives up to 512 bits).
  const counter = new Uint8Array(BLOCK_BYTES);
  ubi.start(TYPE_OUT);
  ubi.block(counter, 0, 8, true);
  const out = Buffer.alloc(64);
  ubi.x.forEach((v, i) => putWord(out, i * 8, v));
  return out.subarray(0, outputBits / 8);
}
