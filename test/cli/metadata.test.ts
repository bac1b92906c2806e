/**
 * Issue 16 item 9: every filesystem and volume is charged one metadata allocation when it is
 * created (96K at ashift 12, 24K at ashift 9, as OpenZFS 2.x reports a new empty filesystem),
 * treated as a data block born in that txg: shared by the snapshots and clones that see it,
 * freed when nothing does, counted in logicalused, written and the pool's ALLOC.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, META, META_ASHIFT9, Sandbox, sparseDevices, transcript } from './harness.js';

const SPACE = ['list', '-p', '-t', 'all', '-o', 'name,used,refer,usedds,usedsnap,usedchild,lused,lrefer,written', '-r', 'tank'];
const ALLOC = ['pool', 'list', '-Hp', '-o', 'alloc', 'tank'];

describe('the metadata allocation of a new filesystem or volume', () => {
  it('is a block born with the dataset: snapshots and clones share it, destroy frees it', () => {
    const sb = new Sandbox();
    const steps = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', 'tank/a'],
      ['create', '-s', '-V', '1M', 'tank/v'],
      SPACE,
      ALLOC,
      ['snapshot', 'tank/a@s'],
      ['clone', 'tank/a@s', 'tank/c'],
      SPACE,
    ];
    expectGolden('metadata/lifecycle', transcript(steps, sb, true));
    try {
      // A root dataset's logicalused is never 0, as on ZFS.
      expect(sb.bytes('logicalused', 'tank')).toBeGreaterThan(0);
      expect(sb.bytes('referenced', 'tank/a')).toBe(META);
      // A fresh clone shares its origin's allocation: used 0, referenced its origin's.
      expect([sb.bytes('used', 'tank/c'), sb.bytes('referenced', 'tank/c')]).toEqual([0, META]);
      // A full receive makes a filesystem of its own: its own allocation, which its snapshot keeps.
      sb.ok(['receive', 'tank/r'], sb.bytesOf(['send', 'tank/a@s']));
      expect([sb.bytes('used', 'tank/r'), sb.bytes('referenced', 'tank/r@s')]).toEqual([META, META]);
      // tank, a, v, r: four allocations and the label; the clone has none of its own.
      expect(sb.ok(ALLOC)).toBe(`${4096 + 4 * META}\n`);
      expect(poolProblems(sb.home)).toEqual([]);
      // The origin's allocation outlives its filesystem while the clone needs it.
      sb.ok(['promote', 'tank/c']);
      sb.ok(['destroy', 'tank/a']);
      expect([sb.bytes('used', 'tank/c'), sb.bytes('referenced', 'tank/c')]).toEqual([META, META]);
      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['destroy', '-r', 'tank/c']);
      sb.ok(['destroy', 'tank/v']);
      sb.ok(['destroy', '-r', 'tank/r']);
      expect(sb.ok(ALLOC)).toBe(`${4096 + META}\n`);
      expect(sb.bytes('used', 'tank')).toBe(META);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('is 24K at ashift 9', () => {
    const sb = new Sandbox();
    try {
      const [d] = sparseDevices(sb, 1);
      sb.ok(['pool', 'create', '-o', 'ashift=9', 'tank', d]);
      sb.ok(['create', 'tank/a']);
      expect([sb.bytes('used', 'tank'), sb.bytes('referenced', 'tank'), sb.bytes('used', 'tank/a')]).toEqual([2 * META_ASHIFT9, META_ASHIFT9, META_ASHIFT9]);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('needs pool space, not quota room: out of space on a full pool, over a quota as OpenZFS', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', '-O', 'compression=off', 'tank']);
      // OpenZFS writes a new objset in syncing context, where only pool space is checked.
      sb.ok(['create', '-o', 'quota=100K', 'tank/q']);
      sb.ok(['create', 'tank/q/a']);
      expect(sb.bytes('used', 'tank/q')).toBe(2 * META);
      // Fill the pool to less than one allocation.
      const R = 128 * 1024;
      sb.ok(['write', 'tank', '/fill'], Buffer.alloc(Math.floor(sb.bytes('available', 'tank') / R) * R, 1));
      const left = sb.bytes('available', 'tank');
      if (left >= META) sb.ok(['write', 'tank', '/rest'], Buffer.alloc(left - 64 * 1024, 1));
      expect(sb.bytes('available', 'tank')).toBeLessThan(META);
      const before = sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,avail,refer']) + sb.ok(ALLOC);
      expect(sb.run(['create', 'tank/b'])).toEqual({ status: 1, stdout: '', stderr: "cannot create 'tank/b': out of space\n" });
      expect(sb.run(['create', '-p', 'tank/c/d'])).toEqual({ status: 1, stdout: '', stderr: "cannot create 'tank/c/d': out of space\n" });
      expect(sb.run(['create', '-s', '-V', '1M', 'tank/v'])).toEqual({ status: 1, stdout: '', stderr: "cannot create 'tank/v': out of space\n" });
      expect(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,avail,refer']) + sb.ok(ALLOC)).toBe(before);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
