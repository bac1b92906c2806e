/**
 * Space per owner through the engine's `create` (what `tar -x` calls for every entry of an
 * archive, in one transaction): an object made with an owner is charged to that owner alone, so
 * another owner's quota is never met on the way, and over its own quota the whole archive fails.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errno.js';
import { changeFiles } from '../../src/lib/files.js';
import { Home } from '../../src/lib/home.js';
import { Sandbox, seededBytes } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';

const source = (data: Buffer) => {
  let at = 0;
  return {
    settled: true,
    read(buf: Buffer, offset: number, length: number): number {
      const n = Math.min(length, data.length - at);
      data.copy(buf, offset, at, at + n);
      at += n;
      return n;
    },
  };
};

describe('space per owner in create', () => {
  it('charges an object made with an owner to that owner only, and refuses an archive over a quota whole', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', 'tank/a']);
      // root (which owns the root directory) may own nothing more.
      sb.ok(['set', 'userquota@0=4K', 'userobjquota@0=1', 'userquota@4242=250K', 'tank/a']);
      const home = new Home(sb.home);
      const entries = (n: number) =>
        changeFiles(home, 'tank/a', 'x', (fs, _input, settings) => {
          fs.mkdir(['d'], false, { uid: 4242, gid: 4242 });
          for (let i = 0; i < n; i++) fs.create(['d', `f${i}`], { type: 'file', data: source(seededBytes(100_000, i + 1)), settings }, { uid: 4242, gid: 5151, mode: 0o600 });
          fs.create(['d', 'link'], { type: 'symlink', target: 'f0' }, { uid: 4242, gid: 4242 });
        });
      entries(2);
      expect(sb.ok(['userspace', '-Hpn', '-t', 'all', '-o', 'type,name,used,objused', 'tank/a'])).toBe(
        'POSIX Group\t0\t0\t1\nPOSIX Group\t4242\t0\t2\nPOSIX Group\t5151\t204800\t2\nPOSIX User\t0\t0\t1\nPOSIX User\t4242\t204800\t4\n',
      );
      // A third 100K file takes 4242 past 250K: nothing of the archive stays.
      sb.ok(['rm', '-r', 'tank/a', '/d']);
      const before = sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a']);
      expect(() => entries(3)).toThrow(expect.objectContaining({ lines: ["x: disk quota exceeded"] }) as unknown as EngineError);
      expect(sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a'])).toBe(before);
      expect(sb.ok(['ls', 'tank/a'])).toBe('');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
