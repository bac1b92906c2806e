/** send | receive: full and incremental streams, guids, sizes that follow the change, damage. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { BIN, expectGolden, Sandbox, transcript, pattern } from './harness.js';

const R = 131072;

function sourcePool(sb: Sandbox): void {
  sb.ok(['pool', 'create', '--size', '256M', 'tank']);
  sb.ok(['create', 'tank/src']);
  sb.ok(['write', '-p', 'tank/src', '/etc/app.conf'], 'x=1\n');
  sb.ok(['write', 'tank/src', '/big'], pattern(10 * R, 1));
  sb.ok(['snapshot', 'tank/src@a']);
  sb.ok(['write', '--offset', String(3 * R + 5), 'tank/src', '/big'], 'patch');
  sb.ok(['rm', 'tank/src', '/etc/app.conf']);
  sb.ok(['write', 'tank/src', '/new'], 'new file\n');
  sb.ok(['snapshot', 'tank/src@b']);
  sb.ok(['write', 'tank/src', '/big'], pattern(2 * R, 2));
  sb.ok(['snapshot', 'tank/src@c']);
}

const space = (sb: Sandbox, ds: string) =>
  sb.ok(['list', '-Hp', '-t', 'all', '-r', '-o', 'used,referenced,usedbysnapshots,usedbydataset,written,guid', ds]);

describe('send and receive', () => {
  it('replays a chain of snapshots exactly: contents, guids and every space number', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@a']));
      // A destination changed since its latest snapshot takes an incremental stream only with -F,
      // which rolls it back first.
      sb.ok(['write', 'tank/dst', '/scribble'], pattern(3 * R, 9));
      const incB = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
      const refused = sb.run(['recv', 'tank/dst'], incB);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe('cannot receive incremental stream: destination tank/dst has been modified\nsince most recent snapshot\n');
      sb.ok(['recv', '-F', 'tank/dst'], incB);
      expect(sb.run(['cat', 'tank/dst', '/scribble']).status).toBe(1);
      sb.ok(['recv', 'tank/dst'], sb.bytesOf(['send', '-i', 'tank/src@b', 'tank/src@c']));
      for (const snap of ['@a', '@b', '@c', '']) {
        for (const file of ['/big', '/new']) {
          const src = sb.run(['cat', `tank/src${snap}`, file]);
          const dst = sb.run(['cat', `tank/dst${snap}`, file]);
          expect(dst.status).toBe(src.status);
          if (src.status === 0) expect(sb.bytesOf(['cat', `tank/dst${snap}`, file]).equals(sb.bytesOf(['cat', `tank/src${snap}`, file]))).toBe(true);
        }
      }
      expect(sb.run(['cat', 'tank/dst@a', '/etc/app.conf']).stdout).toBe('x=1\n');
      expect(sb.run(['cat', 'tank/dst@b', '/etc/app.conf']).status).toBe(1);
      // Same snapshots, same guids, same space: only the head's own guid differs.
      const src = space(sb, 'tank/src').split('\n').slice(1);
      const dst = space(sb, 'tank/dst').split('\n').slice(1);
      expect(dst).toEqual(src);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('round-trips files and object tables that span several tree leaves', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', '-o', 'recordsize=8K', 'tank/src']);
      // 300 blocks of 8K (three block-map leaves) and 40 files (two object-table leaves).
      sb.ok(['write', 'tank/src', '/big', sb.file('big', pattern(300 * 8192, 5))]);
      for (let i = 0; i < 40; i++) sb.ok(['write', 'tank/src', `/f${i}`], `file ${i}\n`);
      sb.ok(['snapshot', 'tank/src@1']);
      sb.ok(['write', '--offset', String(257 * 8192 + 3), 'tank/src', '/big'], 'late change');
      sb.ok(['rm', 'tank/src', '/f37']);
      sb.ok(['snapshot', 'tank/src@2']);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@1']));
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', '-i', '@1', 'tank/src@2']));
      expect(sb.bytesOf(['cat', 'tank/dst', '/big']).equals(sb.bytesOf(['cat', 'tank/src', '/big']))).toBe(true);
      expect(sb.bytesOf(['cat', 'tank/dst@1', '/big']).equals(sb.bytesOf(['cat', 'tank/src@1', '/big']))).toBe(true);
      expect(sb.ok(['ls', 'tank/dst'])).toBe(sb.ok(['ls', 'tank/src']));
      expect(sb.ok(['cat', 'tank/dst', '/f39'])).toBe('file 39\n');
      expect(space(sb, 'tank/dst').split('\n').slice(1)).toEqual(space(sb, 'tank/src').split('\n').slice(1));
    } finally {
      sb.cleanup();
    }
  });

  it('-I sends every intermediate snapshot and receive takes the whole series', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@a']));
      expect(sb.ok(['send', '-nv', '-I', '@a', 'tank/src@c'])).toMatch(
        /^send from @a to tank\/src@b estimated size is .*\nsend from @b to tank\/src@c estimated size is .*\ntotal estimated size is .*\n$/,
      );
      const out = sb.run(['receive', '-v', 'tank/dst'], sb.bytesOf(['send', '-I', '@a', 'tank/src@c']));
      expect(out.status).toBe(0);
      // Each stream's line, then its `received ...` line (with timings), as zfs_receive_one prints them.
      expect(out.stdout.split('\n').filter((l) => !l.startsWith('received ')).slice(0, 2)).toEqual([
        'receiving incremental stream of tank/src@b into tank/dst@b',
        'receiving incremental stream of tank/src@c into tank/dst@c',
      ]);
      expect(space(sb, 'tank/dst').split('\n').slice(1)).toEqual(space(sb, 'tank/src').split('\n').slice(1));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('an incremental stream carries only what changed', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], pattern(40 * R, 3));
      sb.ok(['snapshot', 'tank/a@1']);
      sb.ok(['write', '--offset', String(17 * R + 100), 'tank/a', '/f'], 'one record');
      sb.ok(['snapshot', 'tank/a@2']);
      sb.ok(['write', '--offset', String(5 * R), 'tank/a', '/f'], pattern(3 * R, 4));
      sb.ok(['snapshot', 'tank/a@3']);
      const full = sb.bytesOf(['send', 'tank/a@3']).length;
      const one = sb.bytesOf(['send', '-i', '@1', 'tank/a@2']).length;
      const three = sb.bytesOf(['send', '-i', '@2', 'tank/a@3']).length;
      const four = sb.bytesOf(['send', '-i', '@1', 'tank/a@3']).length;
      // Payload is whole records; framing adds well under 4K.
      expect(full).toBeGreaterThan(40 * R);
      expect(full).toBeLessThan(40 * R + 16384);
      expect(one).toBeGreaterThan(R);
      expect(one).toBeLessThan(R + 4096);
      expect(three).toBeGreaterThan(3 * R);
      expect(three).toBeLessThan(3 * R + 4096);
      expect(four).toBeGreaterThan(4 * R);
      expect(four).toBeLessThan(4 * R + 4096);
      // The dry run's estimate is the stream's size.
      expect(sb.ok(['send', '-nP', '-i', '@1', 'tank/a@3'])).toBe(`incremental\ttank/a@1\ttank/a@3\t${four}\nsize\t${four}\n`);
    } finally {
      sb.cleanup();
    }
  });

  it('works between two processes and into a pool under another TSZFS_HOME', () => {
    const from = new Sandbox();
    const to = new Sandbox();
    try {
      sourcePool(from);
      to.ok(['pool', 'create', '--size', '128M', 'backup']);
      const pipeline = spawnSync(
        'bash',
        ['-c', `TSZFS_HOME=${from.home} node ${BIN} send tank/src@a | TSZFS_HOME=${to.home} node ${BIN} receive -d backup`],
        { env: { ...from.env(), TSZFS_HOME: undefined } },
      );
      expect(pipeline.status).toBe(0);
      expect(to.bytesOf(['cat', 'backup/src@a', '/big']).equals(from.bytesOf(['cat', 'tank/src@a', '/big']))).toBe(true);
      expect(to.ok(['get', '-Hp', '-o', 'value', 'guid', 'backup/src@a'])).toBe(from.ok(['get', '-Hp', '-o', 'value', 'guid', 'tank/src@a']));
    } finally {
      from.cleanup();
      to.cleanup();
    }
  });

  it('refuses damaged, foreign and mismatched streams and changes nothing', () => {
    const sb = new Sandbox();
    sourcePool(sb);
    const full = sb.bytesOf(['send', 'tank/src@a']);
    const incB = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
    const incC = sb.bytesOf(['send', '-i', '@b', 'tank/src@c']);
    const flipped = Buffer.from(full);
    flipped[Math.floor(flipped.length / 2)] ^= 0x40;
    sb.ok(['receive', 'tank/dst'], full);
    const before = space(sb, 'tank');
    const text = transcript(
      [
        { args: ['receive', 'tank/x'], input: '' },
        { args: ['receive', 'tank/x'], input: 'not a stream at all, just some text\n' },
        { args: ['receive', 'tank/x'], input: full.subarray(0, full.length - 100) },
        { args: ['receive', 'tank/x'], input: flipped },
        { args: ['receive', 'tank/dst'], input: full },
        { args: ['receive', 'tank/nope'], input: incB },
        { args: ['receive', 'tank/dst'], input: incC },
        { args: ['receive', 'tank/dst@a'], input: full },
        { args: ['receive', 'nopool/x'], input: full },
        { args: ['receive', '-nv', 'tank/dst'], input: incB },
        ['send', 'tank/src'],
        ['send', 'tank/src@nope'],
        ['send', '-i', '@nope', 'tank/src@b'],
        ['send', '-i', '@c', 'tank/src@b'],
        ['send', '-nv', '-i', '@a', 'tank/src@b'],
        ['send'],
        ['receive'],
        ['list', '-t', 'all', '-o', 'name,used,referenced'],
      ],
      sb,
      true,
    );
    try {
      expectGolden('streams-errors', text);
      expect(space(sb, 'tank')).toBe(before);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
