/**
 * BLAKE3 with a 256-bit output, keyed as OpenZFS keys it with the pool's checksum salt
 * (module/zfs/blake3_zfs.c: Blake3_InitKeyed; module/icp/algs/blake3). Written from the BLAKE3
 * specification; test/unit/engine/checksums.test.ts holds the official vectors (OpenZFS's
 * tests/zfs-tests/cmd/checksum/blake3_test.c), plain and keyed.
 */

const IV = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;
const KEYED_HASH = 16;
const BLOCK_LEN = 64;
const CHUNK_LEN = 1024;

/** The message word order of each of the 7 rounds (MSG_PERMUTATION applied round after round). */
const SCHEDULE: number[][] = (() => {
  const permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
  const rounds = [Array.from({ length: 16 }, (_, i) => i)];
  for (let r = 1; r < 7; r++) rounds.push(permutation.map((p) => rounds[r - 1][p]));
  return rounds;
})();

const state = new Uint32Array(16);

/** The compression function: `out` gets the first 8 words of the output (a chaining value). */
function compress(cv: Uint32Array, m: Uint32Array, counter: number, blockLen: number, flags: number, out: Uint32Array): void {
  const s = state;
  s.set(cv, 0);
  s[8] = IV[0];
  s[9] = IV[1];
  s[10] = IV[2];
  s[11] = IV[3];
  s[12] = counter >>> 0;
  s[13] = Math.floor(counter / 4294967296) >>> 0;
  s[14] = blockLen;
  s[15] = flags;
  for (const w of SCHEDULE) {
    g(s, 0, 4, 8, 12, m[w[0]], m[w[1]]);
    g(s, 1, 5, 9, 13, m[w[2]], m[w[3]]);
    g(s, 2, 6, 10, 14, m[w[4]], m[w[5]]);
    g(s, 3, 7, 11, 15, m[w[6]], m[w[7]]);
    g(s, 0, 5, 10, 15, m[w[8]], m[w[9]]);
    g(s, 1, 6, 11, 12, m[w[10]], m[w[11]]);
    g(s, 2, 7, 8, 13, m[w[12]], m[w[13]]);
    g(s, 3, 4, 9, 14, m[w[14]], m[w[15]]);
  }
  for (let i = 0; i < 8; i++) out[i] = s[i] ^ s[i + 8];
}

function g(s: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  s[a] = (s[a] + s[b] + x) | 0;
  let t = s[d] ^ s[a];
  s[d] = (t >>> 16) | (t << 16);
  s[c] = (s[c] + s[d]) | 0;
  t = s[b] ^ s[c];
  s[b] = (t >>> 12) | (t << 20);
  s[a] = (s[a] + s[b] + y) | 0;
  t = s[d] ^ s[a];
  s[d] = (t >>> 8) | (t << 24);
  s[c] = (s[c] + s[d]) | 0;
  t = s[b] ^ s[c];
  s[b] = (t >>> 7) | (t << 25);
}

/** Little-endian words of `len` bytes of `data` from `start`, zero-padded to a 64-byte block. */
function loadBlock(data: Uint8Array, start: number, len: number, m: Uint32Array): void {
  if (len === BLOCK_LEN) {
    for (let i = 0, p = start; i < 16; i++, p += 4) m[i] = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24);
    return;
  }
  m.fill(0);
  for (let i = 0; i < len; i++) m[i >> 2] |= data[start + i] << ((i & 3) * 8);
}

/**
 * BLAKE3 of `data`, 32 bytes, keyed with the 32-byte `key` (keyed_hash mode) or plain without one.
 */
export function blake3(data: Uint8Array, key?: Uint8Array): Buffer {
  const keyWords = new Uint32Array(8);
  if (key) loadKey(key, keyWords);
  else keyWords.set(IV);
  const mode = key ? KEYED_HASH : 0;
  const m = new Uint32Array(16);
  const cv = new Uint32Array(8);
  const stack: Uint32Array[] = [];
  const chunks = Math.max(1, Math.ceil(data.length / CHUNK_LEN));
  for (let chunk = 0; chunk < chunks; chunk++) {
    const start = chunk * CHUNK_LEN;
    const end = Math.min(data.length, start + CHUNK_LEN);
    const blocks = Math.max(1, Math.ceil((end - start) / BLOCK_LEN));
    const lastChunk = chunk === chunks - 1;
    cv.set(keyWords);
    for (let b = 0; b < blocks; b++) {
      const at = start + b * BLOCK_LEN;
      const len = Math.min(BLOCK_LEN, end - at);
      loadBlock(data, at, len, m);
      let flags = mode | (b === 0 ? CHUNK_START : 0) | (b === blocks - 1 ? CHUNK_END : 0);
      // A single chunk is the root: its last block is finalised here.
      if (lastChunk && chunks === 1 && b === blocks - 1) flags |= ROOT;
      compress(cv, m, chunk, len, flags, cv);
    }
    if (lastChunk) break;
    // Merge completed subtrees: after chunk n+1 there are as many as the 1-bits of n+1.
    let merged: Uint32Array = Uint32Array.from(cv);
    for (let total = chunk + 1; (total & 1) === 0; total >>= 1) merged = parent(stack.pop()!, merged, keyWords, mode, 0);
    stack.push(merged);
  }
  if (chunks > 1) {
    let right: Uint32Array = Uint32Array.from(cv);
    while (stack.length > 0) right = parent(stack.pop()!, right, keyWords, mode, stack.length === 0 ? ROOT : 0);
    cv.set(right);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32LE(cv[i], i * 4);
  return out;
}

function parent(left: Uint32Array, right: Uint32Array, keyWords: Uint32Array, mode: number, root: number): Uint32Array {
  const m = new Uint32Array(16);
  m.set(left, 0);
  m.set(right, 8);
  const out = new Uint32Array(8);
  compress(keyWords, m, 0, BLOCK_LEN, mode | PARENT | root, out);
  return out;
}

function loadKey(key: Uint8Array, words: Uint32Array): void {
  if (key.length !== 32) throw new RangeError('a BLAKE3 key is 32 bytes');
  for (let i = 0; i < 8; i++) words[i] = (key[i * 4] | (key[i * 4 + 1] << 8) | (key[i * 4 + 2] << 16) | (key[i * 4 + 3] << 24)) >>> 0;
}
