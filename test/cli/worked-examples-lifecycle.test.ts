/**
 * The worked examples E1 (destroys), E3 (promote, both ways), E4 (rollback) and E6 (holds,
 * deferred destroy, renames) of zfs-dsl-semantics.md §9, replayed through the built binary with
 * the data-only expected values (R = one 128 KiB record), to which withMetadata adds the metadata
 * allocations. After every step: the space numbers
 * (`get -Hp`), the pool's `alloc` (which includes the 4096-byte label), the contents `cat`
 * returns, and at the end of each example the full pool consistency check.
 */
import { describe, expect } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { Sandbox, seededBytes, storySteps } from './harness.js';
import { alloc, checkContents, getProps, LABEL, META, metadataOwners, overlay, R, withMetadata, write, type Contents, type Expected } from './space-checks.js';

function check(sb: Sandbox, expected: Expected, allocated: number, contents: Contents = {}): void {
  expect(getProps(sb, expected)).toEqual(withMetadata(sb, expected));
  expect(alloc(sb), 'pool alloc').toBe(LABEL + allocated + META * metadataOwners(sb).length);
  checkContents(sb, contents);
}

const snapshotNames = (sb: Sandbox, fs: string) =>
  sb.ok(['list', '-H', '-t', 'snapshot', '-o', 'name', '-r', fs]).split('\n').filter(Boolean);

// ------------------------------------------------------------------------------------------------

describe('E1 destroys: ranges report exactly what they free (wouldfree, §1.5 and §3)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const A = seededBytes(8 * R, 1);
  const B = seededBytes(8 * R, 2);
  const C = seededBytes(4 * R, 3);
  const D = seededBytes(4 * R, 4);

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', 'tank/e1']);
    write(sb, 'tank/e1', '/f', A);
    sb.ok(['snapshot', 'tank/e1@s1']);
    write(sb, 'tank/e1', '/f', B, 0);
    sb.ok(['snapshot', 'tank/e1@s2']);
    write(sb, 'tank/e1', '/f', C, 0);
    sb.ok(['snapshot', 'tank/e1@s3']);
    write(sb, 'tank/e1', '/f', D, 4 * R);
  });
  story.teardown(() => sb.cleanup());

  story.step('E1.5 state: used 24R, usedsnap 16R, s1 8R, s2 4R, s3 0', () => {
    check(
      sb,
      {
        'tank/e1': { used: 24 * R, referenced: 8 * R, usedbysnapshots: 16 * R },
        'tank/e1@s1': { used: 8 * R },
        'tank/e1@s2': { used: 4 * R },
        'tank/e1@s3': { used: 0 },
      },
      24 * R,
    );
  });

  story.step('dry runs: each range reclaims the blocks no snapshot outside it or the head holds', () => {
    const reclaim = (spec: string) => sb.ok(['destroy', '-np', spec]).split('\n').find((l) => l.startsWith('reclaim\t'));
    expect(reclaim('tank/e1@s1')).toBe(`reclaim\t${8 * R}`);
    expect(reclaim('tank/e1@s2')).toBe(`reclaim\t${4 * R}`);
    expect(reclaim('tank/e1@s3')).toBe('reclaim\t0');
    // s2 and s3 share B4..B7: alone each frees nothing of them, together they free them.
    expect(reclaim('tank/e1@s2%s3')).toBe(`reclaim\t${8 * R}`);
    expect(reclaim('tank/e1@s1,s3')).toBe(`reclaim\t${8 * R}`);
    expect(reclaim('tank/e1@%')).toBe(`reclaim\t${16 * R}`);
    expect(sb.ok(['destroy', '-nv', 'tank/e1@%s2'])).toBe(
      'would destroy tank/e1@s1\nwould destroy tank/e1@s2\nwould reclaim 1.50M\n',
    );
    // nothing changed
    check(sb, { 'tank/e1': { used: 24 * R, usedbysnapshots: 16 * R } }, 24 * R);
  });

  story.step('E1.6 destroy -v @s2%s3 frees 8R as announced; s1 keeps its 8R', () => {
    expect(sb.ok(['destroy', '-v', 'tank/e1@s2%s3'])).toBe(
      'will destroy tank/e1@s2\nwill destroy tank/e1@s3\nwill reclaim 1M\n',
    );
    check(
      sb,
      { 'tank/e1': { used: 16 * R, referenced: 8 * R, usedbysnapshots: 8 * R }, 'tank/e1@s1': { used: 8 * R } },
      16 * R,
      { 'tank/e1@s1': { '/f': A }, 'tank/e1': { '/f': overlay(C, 4 * R, D) } },
    );
  });

  story.step('E1.8 destroy @% leaves the head alone: used 8R', () => {
    sb.ok(['destroy', 'tank/e1@%']);
    check(sb, { 'tank/e1': { used: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R } }, 8 * R);
    expect(poolProblems(sb.home)).toEqual([]);
  });
});

describe('E3: promote and promote back (zfs-dsl-semantics.md §4)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const A = seededBytes(8 * R, 5);
  const B = seededBytes(4 * R, 6);
  const C = seededBytes(2 * R, 7);
  const G = seededBytes(3 * R, 8);
  const before = {
    'tank/c': { used: 3 * R, referenced: 11 * R, usedbysnapshots: 0, usedbydataset: 3 * R, origin: 'tank/o@s2' },
    'tank/o': { used: 14 * R, referenced: 8 * R, usedbysnapshots: 6 * R, usedbydataset: 8 * R, origin: '-' },
    'tank/o@s1': { used: 4 * R, referenced: 8 * R },
    'tank/o@s2': { used: 0, referenced: 8 * R, clones: 'tank/c' },
  };

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', 'tank/o']);
    write(sb, 'tank/o', '/f', A);
    sb.ok(['snapshot', 'tank/o@s1']);
    write(sb, 'tank/o', '/f', B, 0);
    sb.ok(['snapshot', 'tank/o@s2']);
    write(sb, 'tank/o', '/f', C, 4 * R);
    sb.ok(['clone', 'tank/o@s2', 'tank/c']);
    write(sb, 'tank/c', '/g', G);
  });
  story.teardown(() => sb.cleanup());

  story.step('before: c used 3R (refer 11R); o used 14R, usedsnap 6R; s1 4R; s2 0; 17R in all', () => {
    check(sb, before, 17 * R);
  });

  story.step('a conflicting snapshot name stops the promote until renamed', () => {
    sb.ok(['snapshot', 'tank/c@s1']);
    const r = sb.run(['promote', 'tank/c']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("cannot promote 'tank/c': conflicting snapshot 's1' from parent 'tank/o@s2'\n");
    sb.ok(['rename', 'tank/c@s1', 'tank/c@cs1']);
    check(sb, before, 17 * R);
  });

  story.step('after promote c: c used 15R (usedds 11R, usedsnap 4R); s1 4R; s2 0; o used 2R, origin c@s2', () => {
    sb.ok(['promote', 'tank/c']);
    check(
      sb,
      {
        'tank/c': { used: 15 * R, referenced: 11 * R, usedbysnapshots: 4 * R, usedbydataset: 11 * R, origin: '-' },
        'tank/c@s1': { used: 4 * R, referenced: 8 * R },
        'tank/c@s2': { used: 0, referenced: 8 * R, clones: 'tank/o' },
        'tank/c@cs1': { used: 0, referenced: 11 * R },
        'tank/o': { used: 2 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 2 * R, origin: 'tank/c@s2' },
      },
      17 * R,
      { 'tank/c@s1': { '/f': A }, 'tank/c@s2': { '/f': overlay(A, 0, B) }, 'tank/o': { '/f': overlay(overlay(A, 0, B), 4 * R, C) } },
    );
    expect(snapshotNames(sb, 'tank/c')).toEqual(['tank/c@s1', 'tank/c@s2', 'tank/c@cs1']);
    expect(poolProblems(sb.home)).toEqual([]);
  });

  story.step('promote o: exactly the values before', () => {
    sb.ok(['promote', 'tank/o']);
    check(sb, { ...before, 'tank/c@cs1': { used: 0, referenced: 11 * R } }, 17 * R);
    expect(poolProblems(sb.home)).toEqual([]);
  });

  story.step('promote c again, then destroy o (a clone of c@s2) frees its 2R', () => {
    sb.ok(['promote', 'tank/c']);
    sb.ok(['destroy', 'tank/o']);
    check(sb, { 'tank/c': { used: 15 * R, usedbysnapshots: 4 * R }, 'tank/c@s2': { used: 0 } }, 15 * R);
    expect(poolProblems(sb.home)).toEqual([]);
  });
});

describe('E4: rollback (zfs-dsl-semantics.md §5)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const F = seededBytes(4 * R, 9);
  const F01 = seededBytes(2 * R, 10);
  const H = seededBytes(2 * R, 11);
  const H0 = seededBytes(R, 12);
  const K = seededBytes(R, 13);

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', 'tank/r']);
  });
  story.teardown(() => sb.cleanup());

  story.step('E4.1-E4.3: refer 7R, usedsnap 3R, a 2R, b 1R', () => {
    write(sb, 'tank/r', '/f', F);
    sb.ok(['snapshot', 'tank/r@a']);
    write(sb, 'tank/r', '/f', F01, 0);
    write(sb, 'tank/r', '/h', H);
    sb.ok(['snapshot', 'tank/r@b']);
    write(sb, 'tank/r', '/h', H0, 0);
    write(sb, 'tank/r', '/k', K);
    check(
      sb,
      {
        'tank/r': { used: 10 * R, referenced: 7 * R, usedbysnapshots: 3 * R, usedbydataset: 7 * R },
        'tank/r@a': { used: 2 * R },
        'tank/r@b': { used: R },
      },
      10 * R,
    );
  });

  story.step('rollback to @a is refused while @b exists', () => {
    const r = sb.run(['rollback', 'tank/r@a']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "cannot rollback to 'tank/r@a': more recent snapshots or bookmarks exist\n" +
        "use '-r' to force deletion of the following snapshots and bookmarks:\ntank/r@b\n",
    );
  });

  story.step('E4.4 rollback @b: refer 6R, usedsnap 2R, b 0, written 0; the contents of @b', () => {
    sb.ok(['rollback', 'tank/r@b']);
    check(
      sb,
      {
        'tank/r': { used: 8 * R, referenced: 6 * R, usedbysnapshots: 2 * R, usedbydataset: 6 * R, written: 0 },
        'tank/r@a': { used: 2 * R },
        'tank/r@b': { used: 0, referenced: 6 * R },
      },
      8 * R,
      { 'tank/r': { '/f': overlay(F, 0, F01), '/h': H } },
    );
    expect(sb.ok(['ls', 'tank/r'])).toBe('f\nh\n');
    expect(poolProblems(sb.home)).toEqual([]);
  });

  story.step('E4.5 rollback -r @a: refer 4R, @b gone', () => {
    sb.ok(['rollback', '-r', 'tank/r@a']);
    check(sb, { 'tank/r': { used: 4 * R, referenced: 4 * R, usedbysnapshots: 0, usedbydataset: 4 * R }, 'tank/r@a': { used: 0 } }, 4 * R, {
      'tank/r': { '/f': F },
    });
    expect(snapshotNames(sb, 'tank/r')).toEqual(['tank/r@a']);
    expect(poolProblems(sb.home)).toEqual([]);
  });
});

describe('E6: holds, deferred destroy, renames (zfs-dsl-semantics.md §6)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const F = seededBytes(4 * R, 14);
  const expected = {
    'tank/r': { used: 7 * R, referenced: 4 * R, usedbysnapshots: 3 * R },
    'tank/r@a': { used: R },
    'tank/r@b': { used: 0 },
    'tank/r@c': { used: 0 },
  };

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', 'tank/r']);
    write(sb, 'tank/r', '/f', F);
    sb.ok(['snapshot', 'tank/r@a']);
    write(sb, 'tank/r', '/f', seededBytes(R, 15), 3 * R);
    sb.ok(['snapshot', 'tank/r@b']);
    write(sb, 'tank/r', '/f', seededBytes(2 * R, 16), 0);
    sb.ok(['snapshot', 'tank/r@c']);
  });
  story.teardown(() => sb.cleanup());

  story.step('a 1R, b 0, c 0, usedsnap 3R (A0, A1 shared by a and b)', () => {
    check(sb, expected, 7 * R);
  });

  story.step('a held snapshot cannot be destroyed; -d defers it; the last release destroys it', () => {
    sb.ok(['hold', 'keep', 'tank/r@a']);
    const r = sb.run(['destroy', 'tank/r@a']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("cannot destroy snapshot tank/r@a: it's being held. Run 'zfs holds -r tank/r@a' to see holders.\n");
    sb.ok(['destroy', '-d', 'tank/r@a']);
    check(sb, { ...expected, 'tank/r@a': { used: R, userrefs: 1, defer_destroy: 'on' } }, 7 * R);
    expect(snapshotNames(sb, 'tank/r')).toEqual(['tank/r@a', 'tank/r@b', 'tank/r@c']);
    sb.ok(['release', 'keep', 'tank/r@a']);
    expect(snapshotNames(sb, 'tank/r')).toEqual(['tank/r@b', 'tank/r@c']);
    // a's own block (A3) is freed; A0, A1 are now b's alone
    check(sb, { 'tank/r': { used: 6 * R, usedbysnapshots: 2 * R }, 'tank/r@b': { used: 2 * R } }, 6 * R);
  });

  story.step('a deferred origin goes with its last clone', () => {
    sb.ok(['clone', 'tank/r@c', 'tank/cl']);
    sb.ok(['destroy', '-d', 'tank/r@c']);
    expect(snapshotNames(sb, 'tank/r')).toEqual(['tank/r@b', 'tank/r@c']);
    expect(getProps(sb, { 'tank/r@c': { userrefs: 0, defer_destroy: '' } })).toEqual({ 'tank/r@c': { userrefs: 0, defer_destroy: 'on' } });
    sb.ok(['destroy', 'tank/cl']);
    expect(snapshotNames(sb, 'tank/r')).toEqual(['tank/r@b']);
    check(sb, { 'tank/r': { used: 6 * R, usedbysnapshots: 2 * R }, 'tank/r@b': { used: 2 * R } }, 6 * R);
  });

  story.step('renames change no space', () => {
    sb.ok(['rename', 'tank/r@b', 'tank/r@b2']);
    sb.ok(['rename', 'tank/r', 'tank/r2']);
    check(sb, { 'tank/r2': { used: 6 * R, referenced: 4 * R, usedbysnapshots: 2 * R }, 'tank/r2@b2': { used: 2 * R } }, 6 * R);
    expect(poolProblems(sb.home)).toEqual([]);
  });
});
