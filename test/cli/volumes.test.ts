/** Volumes (zfs create -V) through the built binary: creation and its errors, how list and get
 *  show them, their bytes through write and cat, volsize changes, snapshots and clones. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeReader } from '../../src/engine/blocks/nodes.js';
import { blockMap } from '../../src/engine/files/objset.js';
import { FsView } from '../../src/engine/files/fs-view.js';
import { VOLUME_OBJECT } from '../../src/engine/files/volume.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';
import { expectGolden, Sandbox, transcript, META } from './harness.js';
import { getProps } from './space-checks.js';

// compression=off: these tests count whole blocks as written.
const POOL = ['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank'];
const K = 1024;

/** Bytes that differ from offset to offset, so a misplaced block shows. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = ((i + seed) * 2654435761) >>> 24;
  return b;
}

/** Flip bytes inside block `blockId` of a volume in the image, as a failing disk would. */
function damageVolumeBlock(sb: Sandbox, dataset: string, blockId: number): void {
  const h = PoolHandle.open(new Home(sb.home), 'tank')!;
  let offset: number;
  try {
    const src = new NodeReader(h.pool.t);
    const data = FsView.at(src, h.resolve(h.view(), dataset)!.ds.root).dnode(VOLUME_OBJECT);
    if (data.type !== 'file') throw new Error('a volume without its data object');
    offset = blockMap.get(src, data.blocks, blockId)!.offset;
  } finally {
    h.close();
  }
  const fd = fs.openSync(path.join(sb.home, 'tank.img'), 'r+');
  fs.writeSync(fd, Buffer.alloc(16, 0x5a), 0, 16, offset + 100);
  fs.closeSync(fd);
}

describe('volumes', () => {
  it('create -V: sizes, block sizes, -s, -p and the errors', () => {
    expectGolden(
      'volumes/create',
      transcript([
        POOL,
        ['create', '-V', '1M', 'tank/vol'],
        ['create', '-s', '-V', '100K', 'tank/sparse'],
        ['create', '-b', '8K', '-V', '20K', 'tank/small'],
        ['create', '-p', '-s', '-b', '64K', '-V', '1G', 'tank/a/b/big'],
        ['create', '-p', '-V', '1M', 'tank/vol'],
        ['create', '-o', 'refreservation=none', '-o', 'com.example:note=hi', '-V', '32K', 'tank/opts'],
        ['list', '-o', 'name,type,volsize,volblocksize,refreservation,mountpoint'],
        ['create', '-V', '0', 'tank/zero'],
        ['create', '-V', 'abc', 'tank/v'],
        ['create', '-V', '1M', '-b', '12K', 'tank/v'],
        ['create', '-V', '1M', '-b', '32M', 'tank/v'],
        ['create', '-V', '1M', '-b', 'x', 'tank/v'],
        ['create', '-V', '1M', '-o', 'recordsize=8K', 'tank/v'],
        ['create', '-V', '1M', '-o', 'mountpoint=/mnt', 'tank/v'],
        ['create', '-o', 'volsize=1M', 'tank/f'],
        ['create', '-o', 'volblocksize=8K', 'tank/f'],
        ['create', '-V', '1M', 'nopool/v'],
        ['create', '-V', '1M', 'tank'],
        ['create', '-V', '1M', 'tank/vol'],
        ['create', 'tank/vol'],
        ['create', '-p', 'tank/vol'],
        ['create', '-V', '1M', 'tank/x/v'],
        ['create', '-V', '1M', 'tank/vol/x'],
        ['create', 'tank/vol/x'],
        ['create', '-p', 'tank/vol/x/y'],
        ['create', '-V', '16E', 'tank/huge'],
        ['create', '-s', '-V', '8E', 'tank/huge'],
        ['create', '-s', 'tank/f'],
        ['create', '-b', '8K', 'tank/f'],
        ['create', '-V'],
        ['create', '-V', '1M'],
        ['create', '-V', '1M', 'tank/p', 'tank/q'],
        ['list', '-t', 'volume'],
      ]),
    );
  });

  it('list and get: type volume, the volume properties, JSON', () => {
    expectGolden(
      'volumes/list-get',
      transcript([
        POOL,
        ['create', 'tank/fs'],
        ['create', '-s', '-V', '1M', 'tank/fs/vol'],
        ['snapshot', 'tank/fs/vol@s'],
        ['list'],
        ['list', '-t', 'vol'],
        ['list', '-t', 'filesystem'],
        ['list', '-r', '-t', 'snapshot', 'tank/fs/vol'],
        ['list', '-t', 'snapshot', 'tank/fs/vol'],
        ['list', '-o', 'name,volsize,volblock,recsize,mounted', '-t', 'all'],
        ['list', '-j', '-o', 'name,volsize', '-t', 'all', '-r', 'tank/fs'],
        ['get', 'all', 'tank/fs/vol'],
        ['get', 'all', 'tank/fs/vol@s'],
        ['get', 'volsize,volblocksize,recordsize,type', 'tank/fs', 'tank/fs/vol', 'tank/fs/vol@s'],
        ['get', '-Hp', '-o', 'name,value,source', 'volsize,volblocksize,refreservation', 'tank/fs/vol'],
        ['inherit', 'volsize', 'tank/fs/vol'],
        ['inherit', '-r', 'recordsize', 'tank/fs'],
        ['set', 'recordsize=8K', 'tank/fs/vol'],
        ['set', 'volblocksize=8K', 'tank/fs/vol'],
      ]),
    );
  });

  it('write and cat address the bytes; file commands and wrong operands are refused', () => {
    expectGolden(
      'volumes/io',
      transcript([
        POOL,
        ['create', '-s', '-V', '64K', 'tank/vol'],
        ['create', 'tank/fs'],
        { args: ['write', 'tank/vol'], input: 'boot' },
        { args: ['write', '--offset', '16380', 'tank/vol', '-'], input: 'across' },
        { args: ['write', '--offset', '65530', 'tank/vol'], input: 'the end' },
        { args: ['write', '--offset', '65536', 'tank/vol'], input: 'x' },
        { args: ['write', '--offset', '65536', 'tank/vol'], input: '' },
        ['list', '-o', 'name,used,referenced,written', 'tank/vol'],
        { args: ['write', '--append', 'tank/vol'], input: 'x' },
        { args: ['write', '-p', 'tank/vol'], input: 'x' },
        { args: ['write', 'tank/vol', '/file', '-'], input: 'x' },
        ['write', 'tank/vol', '/nonexistent/source'],
        { args: ['write', 'tank/fs'], input: 'x' },
        ['cat', 'tank/fs'],
        ['cat', 'tank/vol', '/file'],
        ['ls', 'tank/vol'],
        ['mkdir', 'tank/vol', '/d'],
        ['rm', 'tank/vol', '/file'],
        ['snapshot', 'tank/vol@s'],
        { args: ['write', 'tank/vol@s'], input: 'x' },
        ['set', 'readonly=on', 'tank/vol'],
        { args: ['write', 'tank/vol'], input: 'x' },
        ['set', 'volsize=128K', 'tank/vol'],
        ['diff', 'tank/vol@s'],
        ['cat', 'tank/nope'],
        { args: ['write', 'tank/nope'], input: 'x' },
      ]),
    );
  });

  it('bytes round-trip through write and cat, across blocks, partial blocks and holes', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', '-s', '-b', '4K', '-V', '200K', 'tank/vol']);
      const expected = Buffer.alloc(200 * K);
      const write = (offset: number, data: Buffer) => {
        sb.ok(['write', '--offset', String(offset), 'tank/vol', sb.file('chunk', data)]);
        data.copy(expected, offset);
      };
      write(0, pattern(100, 1)); // part of the first block
      write(4 * K - 7, pattern(20, 2)); // across a block boundary
      write(10 * K, pattern(3 * 4 * K, 3)); // whole blocks
      write(30 * K + 1, pattern(9 * K, 4)); // starts and ends inside blocks
      write(200 * K - 5, pattern(5, 5)); // the last bytes
      write(10 * K + 100, pattern(50, 6)); // rewrites part of a written block
      expect(sb.bytesOf(['cat', 'tank/vol']).equals(expected)).toBe(true);
      // 4K blocks written: 0 and 1 (the first two writes), 2-5 (10K to 22K), 7-9 (30K+1 to
      // 39K+1), 49 (the end); the rewrite is inside block 2. Besides: its metadata allocation.
      expect(getProps(sb, { 'tank/vol': { referenced: 0 } })).toEqual({ 'tank/vol': { referenced: META + 10 * 4 * K } });
      // A write that would pass the end changes nothing, not even the bytes that fit.
      const r = sb.run(['write', '--offset', String(200 * K - 2), 'tank/vol'], 'abc');
      expect(r.status).toBe(1);
      expect(sb.bytesOf(['cat', 'tank/vol']).equals(expected)).toBe(true);
    } finally {
      sb.cleanup();
    }
  });

  it('snapshots and clones share blocks; rollback, volsize grow and shrink', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', '-s', '-V', '1M', 'tank/vol']);
      const base = pattern(256 * K, 7);
      sb.ok(['write', 'tank/vol', sb.file('base', base)]);
      sb.ok(['snapshot', 'tank/vol@s1']);
      sb.ok(['clone', 'tank/vol@s1', 'tank/clone']);
      sb.ok(['write', '--offset', String(20 * K), 'tank/clone', '-'], 'patched');
      sb.ok(['write', '--offset', String(300 * K), 'tank/vol', '-'], 'more');
      const S = 16 * K;
      expect(
        getProps(sb, {
          'tank/vol': { used: 0, referenced: 0, usedbysnapshots: 0, written: 0, type: '' },
          'tank/vol@s1': { used: 0, referenced: 0 },
          'tank/clone': { used: 0, referenced: 0, origin: '', type: '', volsize: 0 },
        }),
      ).toEqual({
        'tank/vol': { used: META + 256 * K + S, referenced: META + 256 * K + S, usedbysnapshots: 0, written: S, type: 'volume' },
        'tank/vol@s1': { used: 0, referenced: META + 256 * K },
        // the clone rewrote one 16K block of the 16 it shares with the snapshot (and shares the
        // origin's metadata allocation: a clone gets none of its own)
        'tank/clone': { used: S, referenced: META + 256 * K, origin: 'tank/vol@s1', type: 'volume', volsize: 1024 * K },
      });
      const withPatch = Buffer.concat([base, Buffer.alloc(768 * K)]);
      withPatch.write('patched', 20 * K);
      expect(sb.bytesOf(['cat', 'tank/clone']).equals(withPatch)).toBe(true);
      expect(sb.bytesOf(['cat', 'tank/vol@s1']).equals(Buffer.concat([base, Buffer.alloc(768 * K)]))).toBe(true);

      // Shrinking frees the blocks past the end (the one at 300K), and refreservation stays none.
      sb.ok(['set', 'volsize=256K', 'tank/vol']);
      expect(getProps(sb, { 'tank/vol': { volsize: 0, referenced: 0, refreservation: 0 } })).toEqual({
        'tank/vol': { volsize: 256 * K, referenced: META + 256 * K, refreservation: 0 },
      });
      // Growing again reads zeros where the freed block was.
      sb.ok(['set', 'volsize=2M', 'tank/vol']);
      expect(sb.bytesOf(['cat', 'tank/vol']).equals(Buffer.concat([base, Buffer.alloc(2048 * K - 256 * K)]))).toBe(true);
      // The snapshot keeps its own size; rollback brings it back.
      sb.ok(['rollback', 'tank/vol@s1']);
      expect(getProps(sb, { 'tank/vol': { volsize: 0 }, 'tank/vol@s1': { volsize: 0 } })).toEqual({
        'tank/vol': { volsize: 1024 * K },
        'tank/vol@s1': { volsize: 1024 * K },
      });
      // promote moves the snapshot to the clone; both stay volumes.
      sb.ok(['promote', 'tank/clone']);
      expect(sb.ok(['list', '-H', '-t', 'all', '-o', 'name,type,origin'])).toBe(
        'tank\tfilesystem\t-\ntank/clone\tvolume\t-\ntank/clone@s1\tsnapshot\t-\ntank/vol\tvolume\ttank/clone@s1\n',
      );
      sb.ok(['destroy', '-R', 'tank/clone@s1']);
      expect(sb.ok(['list', '-H', '-t', 'all', '-o', 'name'])).toBe('tank\ntank/clone\n');
      // What is left: the clone's 16 blocks, one of them its own rewrite, the metadata allocation
      // of tank/vol that promote gave the clone, and the root's.
      expect(sb.bytes('used', 'tank')).toBe(2 * META + 256 * K);
    } finally {
      sb.cleanup();
    }
  });

  it('send and receive: a received volume is a volume, full and incremental', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', '-s', '-b', '32K', '-V', '512K', 'tank/vol']);
      const first = pattern(100 * K, 9);
      sb.ok(['write', 'tank/vol', sb.file('first', first)]);
      sb.ok(['snapshot', 'tank/vol@a']);
      sb.ok(['write', '--offset', String(400 * K), 'tank/vol', '-'], 'later');
      sb.ok(['snapshot', 'tank/vol@b']);
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', 'tank/vol@a']));
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', '-i', '@a', 'tank/vol@b']));
      expect(sb.ok(['list', '-H', '-t', 'all', '-r', '-o', 'name,type,volsize,volblocksize,referenced', 'tank/copy'])).toBe(
        // a full receive makes a new volume: its own metadata allocation (96K) besides the data
        'tank/copy\tvolume\t512K\t32K\t256K\ntank/copy@a\tsnapshot\t512K\t-\t224K\ntank/copy@b\tsnapshot\t512K\t-\t256K\n',
      );
      expect(sb.bytesOf(['cat', 'tank/copy@a']).equals(sb.bytesOf(['cat', 'tank/vol@a']))).toBe(true);
      expect(sb.bytesOf(['cat', 'tank/copy']).equals(sb.bytesOf(['cat', 'tank/vol@b']))).toBe(true);
      expect(sb.run(['ls', 'tank/copy']).stderr).toBe("cannot open 'tank/copy': operation not applicable to datasets of this type\n");
    } finally {
      sb.cleanup();
    }
  });

  it('a damaged block is an I/O error for cat and for a write that needs it, and is logged', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', '-s', '-V', '64K', 'tank/vol']);
      const data = pattern(64 * K, 11);
      sb.ok(['write', 'tank/vol', sb.file('data', data)]);
      damageVolumeBlock(sb, 'tank/vol', 2);
      const r = sb.run(['cat', 'tank/vol']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("cannot open 'tank/vol': I/O error\n");
      expect(sb.run(['write', '--offset', String(32 * K + 1), 'tank/vol'], 'x').stderr).toBe("cannot write 'tank/vol': I/O error\n");
      expect(sb.ok(['pool', 'status', '-v', 'tank'])).toContain('\n        tank/vol:<0x1>\n');
      // Rewriting the whole block needs nothing of the old one.
      sb.ok(['write', '--offset', String(32 * K), 'tank/vol', sb.file('block', data.subarray(32 * K, 48 * K))]);
      expect(sb.bytesOf(['cat', 'tank/vol']).equals(data)).toBe(true);
    } finally {
      sb.cleanup();
    }
  });

  it('volsize: refreservation follows a full volume, the errors', () => {
    expectGolden(
      'volumes/volsize',
      transcript([
        POOL,
        ['create', '-V', '1M', 'tank/vol'],
        ['create', '-s', '-V', '1M', 'tank/sparse'],
        ['create', 'tank/fs'],
        ['set', 'volsize=2M', 'tank/vol', 'tank/sparse'],
        ['get', '-o', 'name,property,value,source', 'volsize,refreservation', 'tank/vol', 'tank/sparse'],
        ['set', 'volsize=3M', 'refreservation=1M', 'tank/vol'],
        ['set', 'refreservation=auto', 'tank/vol', 'tank/sparse'],
        ['get', '-o', 'name,property,value', 'volsize,refreservation', 'tank/vol', 'tank/sparse'],
        ['set', 'volsize=1000K', 'tank/vol'],
        ['set', 'volsize=0', 'tank/vol'],
        ['set', 'volsize=1M', 'tank/fs'],
        ['set', 'refreservation=auto', 'tank/fs'],
        ['snapshot', 'tank/vol@s'],
        ['set', 'volsize=1M', 'tank/vol@s'],
        ['set', 'readonly=on', 'tank/vol'],
        ['set', 'volsize=1M', 'tank/vol'],
        ['clone', '-o', 'refreservation=auto', 'tank/vol@s', 'tank/c'],
        ['clone', '-o', 'recordsize=8K', 'tank/vol@s', 'tank/c2'],
        ['clone', '-o', 'volsize=1000K', 'tank/vol@s', 'tank/c2'],
        ['clone', '-o', 'volsize=5M', '-o', 'refreservation=auto', 'tank/vol@s', 'tank/c3'],
        ['get', '-o', 'name,property,value,source', 'type,volsize,refreservation', 'tank/c', 'tank/c3'],
        ['destroy', 'tank/vol'],
        ['destroy', 'tank/vol@s'],
        ['rename', 'tank/c', 'tank/fs/c'],
        ['rename', '-u', 'tank/fs/c', 'tank/c'],
        ['rename', 'tank/fs', 'tank/sparse/fs'],
        ['list', '-t', 'all', '-o', 'name,type,volsize,origin'],
        ['pool', 'history', 'tank'],
      ]),
    );
  });
});
