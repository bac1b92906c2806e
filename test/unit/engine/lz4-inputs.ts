/** The inputs tools/lz4-fixtures/harness.c feeds OpenZFS's LZ4, generated identically here. */
export const KINDS = ['random', 'sparse', 'text', 'binary'] as const;
export type InputKind = (typeof KINDS)[number];

const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'zfs', 'pool', 'dataset', 'snapshot', 'record', 'block', 'checksum', 'compression'];

export function lz4Input(kind: InputKind, size: number): Buffer {
  let state = (0x9e3779b9 ^ (size * 31 + KINDS.indexOf(kind))) >>> 0;
  // xorshift32
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
  const buf = Buffer.alloc(size);
  if (kind === 'random') {
    for (let i = 0; i < size; i++) buf[i] = next() >>> 24;
  } else if (kind === 'sparse') {
    for (let i = 0; i < size; i++) {
      const r = next();
      buf[i] = (r & 63) === 0 ? r >>> 24 : 0;
    }
  } else if (kind === 'text') {
    let i = 0;
    while (i < size) {
      const w = WORDS[next() & 15];
      for (let c = 0; c < w.length && i < size; c++) buf[i++] = w.charCodeAt(c);
      if (i < size) buf[i++] = (next() & 7) === 0 ? 0x0a : 0x20;
    }
  } else {
    // 16-byte records: a counter, a hash of it, a small random value, a constant
    for (let i = 0; i < size; i++) {
      const rec = Math.floor(i / 16);
      const field = (i % 16) >> 2;
      let v: number;
      if (field === 0) v = rec;
      else if (field === 1) v = Math.imul(rec, -1640531535) >>> 0;
      else if (field === 2) v = i % 4 === 0 ? next() & 0xff : 0;
      else v = 0xdeadbeef;
      buf[i] = v >>> (8 * (i % 4));
    }
  }
  return buf;
}
