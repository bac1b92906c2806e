/**
 * RAID-Z as OpenZFS lays it out (module/zfs/vdev_raidz.c): the column map of a block
 * (vdev_raidz_map_alloc), P/Q/R parity (vdev_raidz_generate_parity_p/pq/pqr) and reconstruction
 * of up to nparity missing columns, over GF(2^8) with the polynomial 0x11d and generators 1, 2, 4.
 */

export interface RaidzColumn {
  /** the child that holds it */
  dev: number;
  /** byte offset in the child's space (after its label) */
  offset: number;
  size: number;
}

/** The columns of a block of `size` bytes (whole sectors) at `offset` in the raidz vdev: the
 *  first `nparity` are parity, then data in order. Columns of size 0 (skip sectors) are left out. */
export function raidzMap(offset: number, size: number, ashift: number, dcols: number, nparity: number): RaidzColumn[] {
  const sector = 2 ** ashift;
  const b = Math.floor(offset / sector);
  const s = Math.floor(size / sector);
  const f = b % dcols;
  const o = Math.floor(b / dcols) * sector;
  const q = Math.floor(s / (dcols - nparity));
  const r = s - q * (dcols - nparity);
  const bc = r === 0 ? 0 : r + nparity;
  const acols = q === 0 ? bc : dcols;
  const cols: RaidzColumn[] = [];
  for (let c = 0; c < acols; c++) {
    let col = f + c;
    let coff = o;
    if (col >= dcols) {
      col -= dcols;
      coff += sector;
    }
    cols.push({ dev: col, offset: coff, size: (c < bc ? q + 1 : q) * sector });
  }
  // Single parity alternates the parity column every 1M (the "swap" of vdev_raidz_map_alloc),
  // so that parity does not sit on one child for a whole large write.
  if (nparity === 1 && Math.floor(offset / 2 ** 20) % 2 === 1) {
    const [a, b2] = [cols[0], cols[1]];
    cols[0] = { ...b2, size: a.size };
    cols[1] = { ...a, size: b2.size };
  }
  return cols;
}

// GF(2^8) tables
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);
const inv = (a: number): number => EXP[255 - LOG[a]];
const GENERATORS = [1, 2, 4];
const tables = new Map<number, Uint8Array>();
function mulTable(c: number): Uint8Array {
  let t = tables.get(c);
  if (!t) {
    t = new Uint8Array(256);
    for (let i = 0; i < 256; i++) t[i] = mul(c, i);
    tables.set(c, t);
  }
  return t;
}
/** The coefficient of data column i (of n) in parity row j: g_j^(n-1-i), Horner's order. */
const coef = (j: number, i: number, n: number): number => EXP[(LOG[GENERATORS[j]] * (n - 1 - i)) % 255];

/** dst ^= c·src over src's length. */
function addScaled(dst: Uint8Array, src: Uint8Array, c: number): void {
  if (c === 0) return;
  const n = Math.min(dst.length, src.length);
  if (c === 1) {
    for (let i = 0; i < n; i++) dst[i] ^= src[i];
    return;
  }
  const t = mulTable(c);
  for (let i = 0; i < n; i++) dst[i] ^= t[src[i]];
}

/** 32-bit words over `b` when it is aligned and whole, for word-at-a-time parity. */
const words = (b: Uint8Array): Uint32Array | null =>
  b.byteOffset % 4 === 0 && b.length % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length / 4) : null;

/** Four bytes multiplied by 2 at once (VDEV_RAIDZ_64MUL_2 on 32 bits). */
function mul2Words(x: number): number {
  let mask = x & 0x80808080;
  mask = ((mask << 1) - (mask >>> 7)) | 0;
  return (((x << 1) & 0xfefefefe) ^ (mask & 0x1d1d1d1d)) >>> 0;
}

/**
 * The parity columns (each as long as the first data column) of `data`, by Horner's rule as
 * vdev_raidz_generate_parity_pq/pqr: P ^= D, Q = 2·Q ^ D, R = 4·R ^ D, column after column
 * (a shorter column counts as zero-padded). Word at a time when the columns allow it.
 */
export function generateParity(data: Uint8Array[], nparity: number): Buffer[] {
  const len = data[0].length;
  const out: Buffer[] = [];
  for (let j = 0; j < nparity; j++) {
    const p = Buffer.alloc(len);
    const pw = words(p);
    const cols = data.map(words);
    if (pw && cols.every((c) => c !== null)) {
      for (const c of cols as Uint32Array[]) {
        for (let i = 0; i < pw.length; i++) {
          let x = pw[i];
          for (let k = 0; k < j; k++) x = mul2Words(x) >>> 0;
          pw[i] = (x ^ (i < c.length ? c[i] : 0)) >>> 0;
        }
      }
    } else {
      data.forEach((d, i) => addScaled(p, d, coef(j, i, data.length)));
    }
    out.push(p);
  }
  return out;
}

/** Invert a small square matrix over GF(2^8) (Gauss-Jordan); null when singular. */
function invert(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, k) => (k === i ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = a.findIndex((row, r) => r >= c && row[c] !== 0);
    if (p < 0) return null;
    [a[c], a[p]] = [a[p], a[c]];
    const f = inv(a[c][c]);
    a[c] = a[c].map((v) => mul(v, f));
    for (let r = 0; r < n; r++) {
      if (r === c || a[r][c] === 0) continue;
      const g = a[r][c];
      a[r] = a[r].map((v, k) => v ^ mul(g, a[c][k]));
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * Rebuild the data columns numbered `missing` (their buffers are overwritten) from the other data
 * columns and the parity rows `rows` (as many as missing; their buffers in `parity`). False when
 * it cannot be done.
 */
export function reconstruct(data: Uint8Array[], parity: Array<Uint8Array | null>, missing: number[], rows: number[]): boolean {
  const n = data.length;
  if (missing.length === 0) return true;
  if (rows.length !== missing.length || rows.some((j) => !parity[j])) return false;
  const len = parity[rows[0]]!.length;
  const syndromes = rows.map((j) => {
    const s = Buffer.from(parity[j]!);
    for (let i = 0; i < n; i++) if (!missing.includes(i)) addScaled(s, data[i], coef(j, i, n));
    return s;
  });
  const m = invert(rows.map((j) => missing.map((i) => coef(j, i, n))));
  if (!m) return false;
  missing.forEach((col, k) => {
    const out = Buffer.alloc(len);
    syndromes.forEach((s, r) => addScaled(out, s, m[k][r]));
    data[col].set(out.subarray(0, data[col].length));
  });
  return true;
}

/** Every subset of `from` of exactly `k` elements, in order. */
export function combinations<T>(from: T[], k: number): T[][] {
  if (k === 0) return [[]];
  const out: T[][] = [];
  from.forEach((x, i) => {
    for (const rest of combinations(from.slice(i + 1), k - 1)) out.push([x, ...rest]);
  });
  return out;
}
