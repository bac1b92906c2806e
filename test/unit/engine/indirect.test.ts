/**
 * Reads through removed vdevs' mappings (engine/pool/vdevs/indirect.ts, root.ts): a block whose
 * segment was cut in two on removal is read from both pieces and checked as a whole, and a
 * mapping that leads to another removed vdev is followed to where the data is now. Real device
 * files under a real VdevRoot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engine/errno.js';
import { LEAF_LABEL_BYTES, VDEV_STRIDE, type TopConfig, type VdevTree } from '../../../src/engine/pool/vdevs/config.js';
import { memoryLookup, resolve, type IndirectEntry } from '../../../src/engine/pool/vdevs/indirect.js';
import { VdevRoot } from '../../../src/engine/pool/vdevs/root.js';
import { vdevStatus } from '../../../src/lib/vdev-status.js';

const S = 4096;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fileTop(dir: string, name: string): TopConfig {
  const p = path.join(dir, name);
  fs.writeFileSync(p, '');
  fs.truncateSync(p, LEAF_LABEL_BYTES + (1 << 20));
  return { type: 'file', guid: name, nparity: 0, children: [{ path: p, guid: name, size: 1 << 20 }], space: 1 << 20 };
}

const indirect = (guid: string): TopConfig => ({ type: 'indirect', guid, nparity: 0, children: [], space: 0 });

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

describe('indirect vdevs', () => {
  it('reads a block cut in two by its mapping from both pieces, checked as a whole', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-indirect-'));
    dirs.push(dir);
    const tree: VdevTree = { ashift: 12, tops: [indirect('1'), fileTop(dir, 'a'), fileTop(dir, 'b')], spares: [], cache: [] };
    const data = bytes(3 * S, 1);
    // the block at 100 sectors of vdev 0: its first sector went to vdev 1, the rest to vdev 2
    const mappings = new Map<number, IndirectEntry[]>([
      [
        0,
        [
          { src: 100 * S, length: S, dst: VDEV_STRIDE },
          { src: 101 * S, length: 2 * S, dst: 2 * VDEV_STRIDE + 8 * S },
        ],
      ],
    ]);
    const root = new VdevRoot(tree, [], mappings);
    try {
      root.write(data.subarray(0, S), S, VDEV_STRIDE);
      root.write(data.subarray(S), 2 * S, 2 * VDEV_STRIDE + 8 * S);
      expect(root.locate(100 * S, 3 * S)).toEqual([
        { position: VDEV_STRIDE, length: S },
        { position: 2 * VDEV_STRIDE + 8 * S, length: 2 * S },
      ]);
      const buf = Buffer.alloc(3 * S);
      expect(root.readBlock(buf, 3 * S, 100 * S, (b) => b.equals(data))).toBe(true);
      expect(buf.equals(data)).toBe(true);
      // a piece damaged: the read fails (never wrong bytes)
      const damaged = Buffer.from(data.subarray(S, 2 * S));
      damaged[5] ^= 1;
      root.write(damaged, S, 2 * VDEV_STRIDE + 8 * S);
      expect(root.readBlock(Buffer.alloc(3 * S), 3 * S, 100 * S, (b) => b.equals(data))).toBe(false);
    } finally {
      root.close();
    }
  });

  it('follows a mapping into a vdev removed later, to where the data is now', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-indirect-'));
    dirs.push(dir);
    const tree: VdevTree = { ashift: 12, tops: [indirect('1'), indirect('2'), fileTop(dir, 'c')], spares: [], cache: [] };
    // sources and destinations are whole offsets, as block pointers hold them
    const mappings = new Map<number, IndirectEntry[]>([
      [0, [{ src: 10 * S, length: 4 * S, dst: VDEV_STRIDE + 20 * S }]],
      [
        1,
        [
          { src: VDEV_STRIDE + 20 * S, length: 2 * S, dst: 2 * VDEV_STRIDE + 50 * S },
          { src: VDEV_STRIDE + 22 * S, length: 6 * S, dst: 2 * VDEV_STRIDE + 90 * S },
        ],
      ],
    ]);
    const data = bytes(2 * S, 2);
    const root = new VdevRoot(tree, [], mappings);
    try {
      // the two sectors at 11 of vdev 0: 21 of vdev 1, which went to 51 and 90 of vdev 2
      expect(resolve(tree, memoryLookup(mappings), 11 * S, 2 * S)).toEqual([
        { position: 2 * VDEV_STRIDE + 51 * S, length: S },
        { position: 2 * VDEV_STRIDE + 90 * S, length: S },
      ]);
      root.write(data.subarray(0, S), S, 2 * VDEV_STRIDE + 51 * S);
      root.write(data.subarray(S), S, 2 * VDEV_STRIDE + 90 * S);
      const buf = Buffer.alloc(2 * S);
      expect(root.readBlock(buf, 2 * S, 11 * S, (b) => b.equals(data))).toBe(true);
      expect(buf.equals(data)).toBe(true);
      expect(() => resolve(tree, memoryLookup(mappings), 40 * S, S)).toThrow(/no mapping/);
    } finally {
      root.close();
    }
  });

  it('reports a mapping that loops (damage) as an I/O error instead of recursing until the stack overflows', () => {
    const tree: VdevTree = { ashift: 12, tops: [indirect('1'), indirect('2')], spares: [], cache: [] };
    const mappings = new Map<number, IndirectEntry[]>([
      [0, [{ src: 0, length: 4 * S, dst: VDEV_STRIDE }]],
      [1, [{ src: VDEV_STRIDE, length: 4 * S, dst: 0 }]],
    ]);
    let thrown: unknown;
    try {
      resolve(tree, memoryLookup(mappings), S, S);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect((thrown as EngineError).errno).toBe('EIO');
    expect((thrown as EngineError).message).toMatch(/loops/);
  });
});

describe('removed vdevs in the status rows', () => {
  it('are not listed, but their names count in the NAME width (max_width)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-indirect-'));
    dirs.push(dir);
    const tops = [fileTop(dir, 'a'), indirect('1'), indirect('2'), indirect('3'), indirect('4'), indirect('5'), indirect('6'), indirect('7'), indirect('8'), indirect('9'), indirect('10')];
    const tree: VdevTree = { ashift: 12, tops, spares: [], cache: [] };
    const root = new VdevRoot(tree);
    try {
      const status = vdevStatus('tank', tree, root, {}, { read: 0, write: 0, cksum: 0 });
      expect(status.rows.map((r) => r.name)).toEqual(['tank', tops[0].children[0].path]);
      expect(status.rows[0].nameFloor).toBe('indirect-10'.length + 2);
      expect(status.state).toBe('ONLINE');
    } finally {
      root.close();
    }
  });
});
