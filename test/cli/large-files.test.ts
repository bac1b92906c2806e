/**
 * Large files take the fast paths: past 16 MiB `cat` reads runs of records on two threads
 * (engine/blocks/run-reader.ts; forced here, as a busy machine would otherwise use one), past 32 MiB `write` flushes the image early on a thread of its
 * own (engine/pool/writeback.ts). The bytes must be the same as on the slow paths, holes, moved
 * records and damage included.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeReader } from '../../src/engine/blocks/nodes.js';
import { FsView } from '../../src/engine/files/fs-view.js';
import { blockMap } from '../../src/engine/files/objset.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';
import { pattern } from '../engine/crash-support.js';
import { poolProblems } from '../engine/check-helper.js';
import { BIN, Sandbox } from './harness.js';

const R = 131072;
const MiB = 1 << 20;

/** Flip bytes in the middle of block `blockId` of `file`, as a failing disk would. */
function damage(home: string, dataset: string, file: string, blockId: number): void {
  const h = PoolHandle.open(new Home(home), 'tank')!;
  let offset: number;
  try {
    const src = new NodeReader(h.pool.t);
    const { dnode } = FsView.at(src, h.resolve(h.view(), dataset)!.ds.root).lookup([file]);
    if (dnode.type !== 'file') throw new Error('not a file');
    offset = blockMap.get(src, dnode.blocks, blockId)!.offset;
  } finally {
    h.close();
  }
  const fd = fs.openSync(path.join(home, 'tank.img'), 'r+');
  fs.writeSync(fd, Buffer.from('damaged!'), 0, 8, offset + 1000);
  fs.closeSync(fd);
}

/** `tszfs cat`'s bytes with the helper thread in use, however busy the machine (run-reader.ts). */
function cat(sb: Sandbox, ...args: string[]): Buffer {
  const r = spawnSync(process.execPath, [BIN, 'cat', ...args], { env: { ...sb.env(), TSZFS_HELPER_THREADS: 'always' }, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tszfs cat failed: ${r.stderr}`);
  return r.stdout;
}

describe('large files', () => {
  it('cat on two threads gives every byte: runs, records moved by a later write, holes, a snapshot', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '160M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const original = pattern(40 * MiB + 777, 1);
      sb.ok(['write', 'tank/a', '/f'], original);
      sb.ok(['snapshot', 'tank/a@s']);
      // Records rewritten after the snapshot lie elsewhere in the image: runs break around them.
      const expected = Buffer.alloc(44 * MiB + 5);
      original.copy(expected);
      const patches: Array<[number, Buffer]> = [[3 * R + 10, pattern(5 * R, 2)], [20 * MiB, pattern(R, 3)], [44 * MiB, pattern(5, 4)]];
      for (const [offset, data] of patches) {
        sb.ok(['write', '--offset', String(offset), 'tank/a', '/f'], data);
        data.copy(expected, offset);
      }
      // [40M + 777, 44M) was never written: a hole, read as zeros.
      expect(cat(sb, 'tank/a', '/f').equals(expected)).toBe(true);
      expect(cat(sb, 'tank/a@s', '/f').equals(original)).toBe(true);
      // Two large files in one command share the threads one after the other.
      expect(cat(sb, 'tank/a@s', '/f', '/f').equals(Buffer.concat([original, original]))).toBe(true);
      // Other checksums than fletcher4 are verified by the command itself.
      sb.ok(['create', '-o', 'checksum=sha256', 'tank/sha']);
      sb.ok(['write', 'tank/sha', '/f'], original.subarray(0, 17 * MiB));
      expect(cat(sb, 'tank/sha', '/f').equals(original.subarray(0, 17 * MiB))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('cat of a large file stops at a damaged record: what it printed is exactly the file before it', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '96M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const f = pattern(24 * MiB, 5);
      sb.ok(['write', 'tank/a', '/f'], f);
      for (const blockId of [150, 77]) {
        damage(sb.home, 'tank/a', 'f', blockId);
        const env = { ...sb.env(), TSZFS_HELPER_THREADS: 'always' };
        const r = spawnSync(process.execPath, [BIN, 'cat', 'tank/a', '/f'], { env, maxBuffer: 1 << 26 });
        expect(r.status).toBe(1);
        expect(r.stderr.toString()).toBe("cannot open 'tank/a:/f': I/O error\n");
        expect(r.stdout.equals(f.subarray(0, blockId * R))).toBe(true);
      }
    } finally {
      sb.cleanup();
    }
  });

  it('a write past 32 MiB from a pipe, flushed early as it goes, reads back whole', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '160M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const f = pattern(70 * MiB + 3, 6);
      sb.ok(['write', 'tank/a', '/f'], f);
      sb.ok(['write', '--append', 'tank/a', '/f'], f.subarray(0, 5 * MiB));
      expect(cat(sb, 'tank/a', '/f').equals(Buffer.concat([f, f.subarray(0, 5 * MiB)]))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
