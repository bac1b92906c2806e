/** RAID-Z arithmetic against OpenZFS's (vdev_raidz.c): allocation sizes, the column map, and
 *  reconstruction of any set of up to nparity lost columns. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deflate, raidzAsize, type TopConfig } from '../../../src/engine/pool/vdevs/config.js';
import { combinations, generateParity, raidzMap, reconstruct } from '../../../src/engine/pool/vdevs/raidz.js';

const K = 1024;

describe('vdev_raidz_asize', () => {
  it('rounds to a multiple of nparity + 1 sectors, parity per row included', () => {
    // raidz1 of 3, 4K sectors: a 128K block is 32 data + 16 parity sectors.
    expect(raidzAsize(128 * K, 12, 3, 1)).toBe(192 * K);
    // one 4K sector of data: 1 + 1 parity = 2 sectors (a multiple of 2)
    expect(raidzAsize(4 * K, 12, 3, 1)).toBe(8 * K);
    // raidz2 of 4, 512-byte sectors: 1024 bytes = 2 data + 2 parity, rounded up to 6 sectors
    expect(raidzAsize(1024, 9, 4, 2)).toBe(3 * K);
    // raidz3 of 6, 4K: 3 sectors of data + 3 parity = 6, rounded up to 8
    expect(raidzAsize(12 * K, 12, 6, 3)).toBe(32 * K);
  });

  it('deflates as vdev_deflate_ratio does', () => {
    const top: TopConfig = { type: 'raidz', guid: '1', nparity: 1, children: [], space: 0 };
    top.children = Array.from({ length: 3 }, (_, i) => ({ path: `/d${i}`, guid: String(i), size: 0 }));
    // ratio = 2^17 / (196608 >> 9) = 341; a 128K block counts 384 × 341 bytes
    expect(deflate(top, 9, raidzAsize(128 * K, 9, 3, 1))).toBe(384 * 341);
  });
});

describe('the column map', () => {
  it('lays parity first, big columns before small ones, wrapping to the next row', () => {
    // 5 sectors on raidz1 of 3 at sector 4: first column 1, rows of 2 data columns
    const cols = raidzMap(4 * 4096, 5 * 4096, 12, 3, 1);
    expect(cols.map((c) => [c.dev, c.offset / 4096, c.size / 4096])).toEqual([
      [1, 1, 3],
      [2, 1, 3],
      [0, 2, 2],
    ]);
  });

  it('swaps the parity column of single parity every other megabyte', () => {
    const a = raidzMap(0, 8192, 12, 3, 1);
    const b = raidzMap(1 << 20, 8192, 12, 3, 1);
    expect(a[0].dev).toBe(0);
    expect(b[0].dev).toBe((1 << 20) / 4096 % 3 + 1);
  });
});

describe('parity and reconstruction', () => {
  it('rebuilds any up to nparity lost data columns from the parity left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (np, ndata, len, seed) => {
        let x = seed | 1;
        const rnd = () => ((x = (x * 1103515245 + 12345) | 0) >>> 16) & 0xff;
        // Odd lengths take the byte path, whole words (aligned, as columns are) the word path.
        const words = seed % 2 === 0;
        const data = Array.from({ length: ndata }, (_, i) => {
          const n = words ? 4 * (i === 0 ? len : Math.max(1, len - (i % 2))) : i === 0 ? len : Math.max(1, len - (i % 2));
          const b = Buffer.alloc(n);
          for (let k = 0; k < n; k++) b[k] = rnd();
          return b;
        });
        const parity = generateParity(data, np);
        for (let k = 1; k <= Math.min(np, ndata); k++) {
          for (const lost of combinations([...data.keys()], k)) {
            for (const rows of combinations([...parity.keys()], k)) {
              const trial = data.map((d, i) => (lost.includes(i) ? Buffer.alloc(d.length) : Buffer.from(d)));
              expect(reconstruct(trial, parity, lost, rows)).toBe(true);
              trial.forEach((d, i) => expect(Buffer.compare(d, data[i])).toBe(0));
            }
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
