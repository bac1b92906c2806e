/**
 * Bookmarks (issue 16 item 4): `zfs bookmark` with OpenZFS's grammar and refusals, bookmarks in
 * `list` and `get`, `destroy FS#BM`, their life with rename, promote, rollback and destroy -r, and
 * `send -i FS#BM` from a bookmark whose snapshot is gone.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, pattern, Sandbox, transcript, type Step } from './harness.js';

const R = 131072;

const setup: Step[] = [
  ['pool', 'create', '--size', '128M', 'tank'],
  ['create', 'tank/a'],
  { args: ['write', 'tank/a', '/f'], input: pattern(3 * R, 1) },
  ['snapshot', 'tank/a@s1'],
];

describe('zfs bookmark', () => {
  it('makes bookmarks from snapshots and bookmarks, short names taking the other side\'s dataset', () => {
    expectGolden(
      'bookmarks-create',
      transcript([
        ...setup,
        ['bookmark', 'tank/a@s1', 'tank/a#full'],
        ['bookmark', '@s1', 'tank/a#short-source'],
        ['bookmark', 'tank/a@s1', '#short-target'],
        ['bookmark', 'tank/a#full', 'tank/a#copy'],
        ['bookmark', '#full', 'tank/a#copy2'],
        ['destroy', 'tank/a@s1'],
        // A bookmark outlives its snapshot, with the snapshot's guid, txg, creation and sizes.
        ['list', '-t', 'bookmark'],
        ['list', '-t', 'all', '-o', 'name,createtxg,referenced'],
        ['list', '-t', 'bookmark', '-o', 'name,guid', 'tank/a'],
        ['get', 'all', 'tank/a#full'],
        ['get', '-Hp', 'referenced,logicalreferenced,compressratio,used,type', 'tank/a#copy'],
        ['list', '-j', '-t', 'bookmark', 'tank/a#full'],
        ['get', '-j', 'createtxg', 'tank/a#full'],
        ['destroy', 'tank/a#copy2'],
        ['list', '-H', '-o', 'name', '-t', 'bookmark', '-r', 'tank'],
        ['pool', 'history', 'tank'],
      ]),
    );
  });

  it('refuses as zfs_do_bookmark and the kernel do, changing nothing', () => {
    expectGolden(
      'bookmarks-errors',
      transcript([
        ...setup,
        ['bookmark', 'tank/a@s1', 'tank/a#b'],
        ['create', 'tank/other'],
        ['pool', 'create', '--size', '64M', 'second'],
        ['create', 'second/x'],
        ['bookmark'],
        ['bookmark', 'tank/a@s1'],
        ['bookmark', '-x', 'tank/a@s1', 'tank/a#c'],
        ['bookmark', 'tank/a', 'tank/a#c'],
        ['bookmark', 'tank/a@s1', 'tank/a'],
        ['bookmark', '@s1', '#c'],
        ['bookmark', 'tank/a@', '#c'],
        ['bookmark', 'tank/a@nope', '#c'],
        ['bookmark', 'tank/a#nope', '#c'],
        ['bookmark', 'tank/nope#x', 'tank/a#c'],
        ['bookmark', 'tank/a@s1', 'tank/a#b'],
        ['bookmark', 'tank/a@s1', 'tank/nope#c'],
        ['bookmark', 'tank/a@s1', 'tank/other#c'],
        ['bookmark', 'tank/a#b', 'tank/other#c'],
        ['bookmark', 'tank/a@s1', 'tank/a#bad name!'],
        ['bookmark', 'tank/a@s1', 'tank/a#'],
        ['bookmark', 'tank/a@s1', 'second/x#c'],
        ['bookmark', 'tank/a#b', 'second/x#c'],
        ['destroy', 'tank/a#nope'],
        ['destroy', 'nopool/a#b'],
        ['destroy', '-r', 'tank/a#b'],
        ['destroy', '-n', 'tank/a#b'],
        ['destroy', '-d', 'tank/a#b'],
        ['rename', 'tank/a#b', 'tank/a#c'],
        ['list', 'tank/a#b'],
        ['get', 'type', 'tank/a#nope', 'tank/nope#b'],
        ['list', '-t', 'all', '-o', 'name'],
      ]),
    );
  });

  it('follows its filesystem through rename, promote, rollback and destroy -r', () => {
    expectGolden(
      'bookmarks-lifecycle',
      transcript([
        ...setup,
        ['bookmark', 'tank/a@s1', 'tank/a#at-s1'],
        ['snapshot', 'tank/a@s2'],
        ['bookmark', 'tank/a@s2', 'tank/a#at-s2'],
        // A clone may be bookmarked from its origin's snapshots, not from others.
        ['clone', 'tank/a@s1', 'tank/c'],
        ['bookmark', 'tank/a@s1', 'tank/c#from-origin'],
        ['bookmark', 'tank/a@s2', 'tank/c#not-before'],
        ['rename', 'tank/a', 'tank/b'],
        ['list', '-t', 'bookmark', '-o', 'name,createtxg'],
        // Promote takes the bookmarks as old as the origin along with its snapshots.
        ['promote', 'tank/c'],
        ['list', '-t', 'all', '-o', 'name,createtxg'],
        ['promote', 'tank/b'],
        ['snapshot', 'tank/b@s3'],
        ['bookmark', 'tank/b@s3', 'tank/b#at-s3'],
        ['rollback', 'tank/b@s2'],
        ['rollback', '-r', 'tank/b@s2'],
        ['list', '-t', 'all', '-o', 'name,createtxg', '-r', 'tank/b'],
        ['destroy', '-r', 'tank/c'],
        ['destroy', '-R', 'tank/b'],
        // Bookmarks are no dependents: a filesystem that has only bookmarks goes without -r.
        ['create', 'tank/d'],
        ['snapshot', 'tank/d@s'],
        ['bookmark', 'tank/d@s', '#s'],
        ['destroy', 'tank/d@s'],
        ['destroy', 'tank/d'],
        ['list', '-t', 'all', '-o', 'name'],
      ]),
    );
  });
});

describe('written#bookmark', () => {
  it.each([7, 11, 23])('stays what written@snap would say after the snapshot and those after it are destroyed (seed %i)', (start) => {
    // The same changes on two filesystems: on `a` the snapshots go (its bookmark stays), on `b`
    // they stay; written#b1 of a must be written@s1 of b after every step.
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      let seed = start;
      const next = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return Math.floor((seed / 2147483648) * n);
      };
      const both = (args: (fs: string) => string[], input?: Buffer) => {
        for (const fs of ['tank/a', 'tank/b']) sb.ok(args(fs), input);
      };
      both((fs) => ['create', '-o', 'recordsize=16K', fs]);
      for (let f = 0; f < 4; f++) both((fs) => ['write', fs, `/f${f}`], pattern(200000 + f * 30000, f + 1));
      both((fs) => ['snapshot', `${fs}@s1`]);
      sb.ok(['bookmark', 'tank/a@s1', '#b1']);
      const snaps = ['s1'];
      const check = () => {
        const a = sb.ok(['get', '-Hpo', 'value', 'written#b1', 'tank/a']);
        expect(a).toBe(sb.ok(['get', '-Hpo', 'value', 'written@s1', 'tank/b']));
        for (const snap of snaps.slice(1)) {
          if (sb.run(['list', `tank/a@${snap}`]).status !== 0) continue;
          expect(sb.ok(['get', '-Hpo', 'value', 'written#b1', `tank/a@${snap}`])).toBe(sb.ok(['get', '-Hpo', 'value', 'written@s1', `tank/b@${snap}`]));
        }
      };
      for (let step = 0; step < 30; step++) {
        const op = next(5);
        const f = `/f${next(4)}`;
        if (op === 0) {
          const offset = String(next(250000));
          both((fs) => ['write', '--offset', offset, fs, f], pattern(1 + next(60000), step + 10));
        }
        else if (op === 1) both((fs) => ['write', fs, f], pattern(next(150000), step + 20));
        else if (op === 2) {
          const name = `s${snaps.length + 1}`;
          both((fs) => ['snapshot', `${fs}@${name}`]);
          snaps.push(name);
        } else if (op === 3) {
          // A snapshot of `a` goes, s1 first.
          const live = snaps.filter((n) => sb.run(['list', `tank/a@${n}`]).status === 0);
          if (live.length > 0) sb.ok(['destroy', `tank/a@${live[next(live.length)]}`]);
        } else both((fs) => ['write', '--append', fs, f], pattern(next(40000), step + 30));
        check();
      }
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('reads - for a bookmark that is not in the dataset\'s history', () => {
    expectGolden(
      'bookmarks-written',
      transcript([
        ...setup,
        ['bookmark', 'tank/a@s1', '#b'],
        { args: ['write', '--offset', '0', 'tank/a', '/f'], input: pattern(R, 2) },
        ['create', 'tank/other'],
        ['get', '-p', 'written#b,written#tank/a#b,written@s1', 'tank/a'],
        ['get', 'written#b', 'tank/a@s1', 'tank/other'],
        ['get', 'written#tank/a#b', 'tank/other'],
        ['list', '-o', 'name,written#b', 'tank/a'],
      ]),
    );
  });
});

describe('send -i FS#BM', () => {
  it('sends what was born after the bookmark, its snapshot gone, and the receiver ends up identical', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/src']);
      sb.ok(['write', '-p', 'tank/src', '/d/big'], pattern(20 * R + 17, 1));
      sb.ok(['write', 'tank/src', '/d/shrinks'], pattern(9 * R, 2));
      for (let i = 0; i < 70; i++) sb.ok(['write', '-p', 'tank/src', `/many/f${i}`], `file ${i}\n`);
      sb.ok(['write', 'tank/src', '/same'], pattern(2 * R, 3));
      sb.ok(['snapshot', 'tank/src@a']);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@a']));
      sb.ok(['bookmark', 'tank/src@a', 'tank/src#a']);
      // Changes of every kind: a record rewritten, a file cut short, files and a directory gone,
      // new files, one object re-created under an old number.
      sb.ok(['write', '--offset', String(7 * R + 3), 'tank/src', '/d/big'], 'patch');
      sb.ok(['write', 'tank/src', '/d/shrinks'], pattern(R / 2, 4));
      for (let i = 3; i < 50; i++) sb.ok(['rm', 'tank/src', `/many/f${i}`]);
      sb.ok(['rm', '-r', 'tank/src', '/many']);
      sb.ok(['write', '-p', 'tank/src', '/new/g'], pattern(3 * R, 5));
      sb.ok(['snapshot', 'tank/src@b']);
      sb.ok(['destroy', 'tank/src@a']);
      const stream = sb.bytesOf(['send', '-i', 'tank/src#a', 'tank/src@b']);
      // Only what was born after the bookmark travels: one patched record and the new data.
      expect(stream.length).toBeLessThan(5 * R);
      expect(sb.run(['send', '-nP', '-i', '#a', 'tank/src@b']).stdout).toBe(`incremental\ttank/src#a\ttank/src@b\t${stream.length}\nsize\t${stream.length}\n`);
      sb.ok(['receive', 'tank/dst'], stream);
      const tree = (ds: string) => sb.ok(['ls', '-lR', ds, '/']);
      expect(tree('tank/dst@b')).toBe(tree('tank/src@b'));
      for (const file of ['/d/big', '/d/shrinks', '/same', '/new/g']) {
        expect(sb.bytesOf(['cat', 'tank/dst@b', file]).equals(sb.bytesOf(['cat', 'tank/src@b', file]))).toBe(true);
      }
      const space = (ds: string) => sb.ok(['list', '-Hp', '-o', 'referenced,logicalreferenced,guid', ds]);
      expect(space('tank/dst@b')).toBe(space('tank/src@b'));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('names the bookmark as given in its refusals', () => {
    expectGolden(
      'bookmarks-send-errors',
      transcript([
        ...setup,
        ['bookmark', 'tank/a@s1', 'tank/a#b1'],
        ['snapshot', 'tank/a@s2'],
        ['bookmark', 'tank/a@s2', 'tank/a#b2'],
        ['create', 'tank/other'],
        ['snapshot', 'tank/other@o'],
        ['send', '-nv', '-i', 'tank/a#b1', 'tank/a@s2'],
        ['send', '-nv', '-i', '#b1', 'tank/a@s2'],
        ['send', '-n', '-i', 'b1', 'tank/a@s2'],
        ['send', '-i', '#nope', 'tank/a@s2'],
        ['send', '-i', 'tank/a#nope', 'tank/a@s2'],
        ['send', '-i', 'tank/nope#b1', 'tank/a@s2'],
        ['send', '-nv', '-i', '#nope', 'tank/a@s2'],
        ['send', '-nv', '-i', 'tank/nope#b1', 'tank/a@s2'],
        ['send', '-n', '-i', '#nope', 'tank/a@s2'],
        ['send', '-i', '#b2', 'tank/a@s1'],
        ['send', '-i', 'tank/a#b1', 'tank/other@o'],
        ['send', '-nv', '-i', 'tank/a#b1', 'tank/other@o'],
        ['send', '-R', '-i', '#b1', 'tank/a@s2'],
        ['send', '-I', 'tank/a#b1', 'tank/a@s2'],
      ]),
    );
  });
});
