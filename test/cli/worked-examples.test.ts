/**
 * The worked examples E1, E2 and E7 of zfs-dsl-semantics.md §9, replayed through the built binary
 * with the data-only expected values (R = one 128 KiB record; recordsize 128K; data written with
 * `write` from files of seeded bytes that do not compress, partial overwrites with `write --offset`).
 *
 * After every step: the space numbers of every dataset involved (`get -Hp`), the pool's `alloc`
 * (which includes the 4096-byte label), and the exact bytes `cat` returns for every filesystem and
 * snapshot (snapshots keep old contents, clones share their origin's).
 *
 * The numbers are read with one `get -Hp -o name,property,value PROPS DATASETS...` per step rather
 * than one `get -Hp -o value PROP DS` per number: same command and values, a tenth of the process
 * start-ups.
 */
import { describe, expect } from 'vitest';
import { Sandbox, seededBytes, storySteps } from './harness.js';
import { alloc, checkContents, getProps, LABEL, META, metadataOwners, overlay, R, withMetadata, write, type Contents, type Expected } from './space-checks.js';

function check(sb: Sandbox, expected: Expected, pool: { alloc: number }, contents: Contents): void {
  expect(getProps(sb, expected)).toEqual(withMetadata(sb, expected));
  expect(alloc(sb), 'pool alloc').toBe(pool.alloc + META * metadataOwners(sb).length);
  checkContents(sb, contents);
}

// ------------------------------------------------------------------------------------------------

describe('E1: snapshot, overwrite, snapshot, destroy snapshots (zfs-dsl-semantics.md §9)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const A = seededBytes(8 * R, 1); // A0..A7
  const B = seededBytes(8 * R, 2); // B0..B7
  const C = seededBytes(4 * R, 3); // C0..C3
  const D = seededBytes(4 * R, 4); // D4..D7
  const afterB = B;
  const afterC = overlay(B, 0, C);
  const afterD = overlay(afterC, 4 * R, D);

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', '-o', 'recordsize=128K', 'tank/e1']);
  });
  story.teardown(() => sb.cleanup());

  story.step('E1.0 empty filesystem: all 0', () => {
    check(
      sb,
      { 'tank/e1': { used: 0, referenced: 0, usedbysnapshots: 0, usedbydataset: 0, written: 0 } },
      { alloc: LABEL },
      {},
    );
  });

  story.step('E1.1 f = 1 MiB: refer 8R', () => {
    write(sb, 'tank/e1', '/f', A);
    check(
      sb,
      {
        'tank/e1': { used: 8 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R, usedbychildren: 0, written: 8 * R },
        tank: { used: 8 * R, usedbychildren: 8 * R, usedbydataset: 0 },
      },
      { alloc: LABEL + 8 * R },
      { 'tank/e1': { '/f': A } },
    );
  });

  story.step('E1.2 @s1: s1 used 0, refer 8R', () => {
    sb.ok(['snapshot', 'tank/e1@s1']);
    check(
      sb,
      {
        'tank/e1': { used: 8 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R, written: 0 },
        'tank/e1@s1': { used: 0, referenced: 8 * R, written: 8 * R },
      },
      { alloc: LABEL + 8 * R },
      { 'tank/e1': { '/f': A }, 'tank/e1@s1': { '/f': A } },
    );
  });

  story.step('E1.3 overwrite all 8 records: used 16R, usedsnap 8R, s1 8R, written 8R', () => {
    write(sb, 'tank/e1', '/f', B, 0);
    check(
      sb,
      {
        'tank/e1': { used: 16 * R, referenced: 8 * R, usedbysnapshots: 8 * R, usedbydataset: 8 * R, written: 8 * R },
        'tank/e1@s1': { used: 8 * R, referenced: 8 * R, written: 8 * R },
      },
      { alloc: LABEL + 16 * R },
      { 'tank/e1': { '/f': afterB }, 'tank/e1@s1': { '/f': A } },
    );
  });

  story.step('E1.4 @s2, overwrite records 0-3: used 20R, usedsnap 12R, s2 4R', () => {
    sb.ok(['snapshot', 'tank/e1@s2']);
    write(sb, 'tank/e1', '/f', C, 0);
    check(
      sb,
      {
        'tank/e1': { used: 20 * R, referenced: 8 * R, usedbysnapshots: 12 * R, usedbydataset: 8 * R, written: 4 * R },
        'tank/e1@s1': { used: 8 * R, referenced: 8 * R },
        'tank/e1@s2': { used: 4 * R, referenced: 8 * R, written: 8 * R },
      },
      { alloc: LABEL + 20 * R },
      { 'tank/e1': { '/f': afterC }, 'tank/e1@s1': { '/f': A }, 'tank/e1@s2': { '/f': afterB } },
    );
  });

  story.step('E1.5 @s3, overwrite records 4-7: used 24R, usedsnap 16R, s3 0, usedsnap - Σ used = 4R', () => {
    sb.ok(['snapshot', 'tank/e1@s3']);
    write(sb, 'tank/e1', '/f', D, 4 * R);
    const expected = {
      'tank/e1': {
        used: 24 * R,
        referenced: 8 * R,
        usedbysnapshots: 16 * R,
        usedbydataset: 8 * R,
        written: 4 * R,
        'written@s1': 8 * R,
      },
      'tank/e1@s1': { used: 8 * R, referenced: 8 * R },
      'tank/e1@s2': { used: 4 * R, referenced: 8 * R },
      'tank/e1@s3': { used: 0, referenced: 8 * R, written: 4 * R },
    };
    check(sb, expected, { alloc: LABEL + 24 * R }, {
      'tank/e1': { '/f': afterD },
      'tank/e1@s1': { '/f': A },
      'tank/e1@s2': { '/f': afterB },
      'tank/e1@s3': { '/f': afterC },
    });
    const got = getProps(sb, expected);
    const sumUsed = ['s1', 's2', 's3'].reduce((acc, s) => acc + (got[`tank/e1@${s}`].used as number), 0);
    expect((got['tank/e1'].usedbysnapshots as number) - sumUsed).toBe(4 * R);
  });

  story.step('E1.6 destroy @s2: used 20R, usedsnap 12R, s1 8R, s3 4R', () => {
    sb.ok(['destroy', 'tank/e1@s2']);
    check(
      sb,
      {
        'tank/e1': { used: 20 * R, referenced: 8 * R, usedbysnapshots: 12 * R, usedbydataset: 8 * R, written: 4 * R, 'written@s1': 8 * R },
        'tank/e1@s1': { used: 8 * R, referenced: 8 * R, written: 8 * R },
        'tank/e1@s3': { used: 4 * R, referenced: 8 * R, written: 8 * R },
      },
      { alloc: LABEL + 20 * R },
      { 'tank/e1': { '/f': afterD }, 'tank/e1@s1': { '/f': A }, 'tank/e1@s3': { '/f': afterC } },
    );
  });

  story.step('E1.7 destroy @s1: used 12R, usedsnap 4R, s3 4R', () => {
    sb.ok(['destroy', 'tank/e1@s1']);
    check(
      sb,
      {
        'tank/e1': { used: 12 * R, referenced: 8 * R, usedbysnapshots: 4 * R, usedbydataset: 8 * R, written: 4 * R },
        'tank/e1@s3': { used: 4 * R, referenced: 8 * R, written: 8 * R },
      },
      { alloc: LABEL + 12 * R },
      { 'tank/e1': { '/f': afterD }, 'tank/e1@s3': { '/f': afterC } },
    );
  });

  story.step('E1.8 destroy @s3: used 8R', () => {
    sb.ok(['destroy', 'tank/e1@s3']);
    check(
      sb,
      {
        'tank/e1': { used: 8 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R, written: 8 * R },
        tank: { used: 8 * R, usedbychildren: 8 * R },
      },
      { alloc: LABEL + 8 * R },
      { 'tank/e1': { '/f': afterD } },
    );
  });
});

// ------------------------------------------------------------------------------------------------

describe('E2: clone, and a 4 KiB overwrite in the middle of a 1 MiB file (zfs-dsl-semantics.md §9)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const A = seededBytes(8 * R, 5);
  const X = seededBytes(4096, 6); // written in c
  const Y = seededBytes(4096, 7); // written in o
  const G = seededBytes(3 * R, 8); // c's new file g, 384 KiB
  const cF = overlay(A, 4 * R, X);
  const oF = overlay(A, 4 * R, Y);

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', '-o', 'recordsize=128K', 'tank/o']);
  });
  story.teardown(() => sb.cleanup());

  story.step('E2.1 o: f = 1 MiB, @base: o refer 8R, base used 0', () => {
    write(sb, 'tank/o', '/f', A);
    sb.ok(['snapshot', 'tank/o@base']);
    check(
      sb,
      {
        'tank/o': { used: 8 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R, written: 0 },
        'tank/o@base': { used: 0, referenced: 8 * R, clones: '-' },
      },
      { alloc: LABEL + 8 * R },
      { 'tank/o': { '/f': A }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.2 clone o@base c: c used 0, refer 8R, origin o@base', () => {
    sb.ok(['clone', 'tank/o@base', 'tank/c']);
    check(
      sb,
      {
        'tank/c': { used: 0, referenced: 8 * R, usedbydataset: 0, usedbysnapshots: 0, written: 0, origin: 'tank/o@base' },
        'tank/o': { used: 8 * R, usedbysnapshots: 0, origin: '-' },
        'tank/o@base': { used: 0, clones: 'tank/c' },
        tank: { used: 8 * R, usedbychildren: 8 * R },
      },
      { alloc: LABEL + 8 * R },
      { 'tank/c': { '/f': A }, 'tank/o': { '/f': A }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.3 4 KiB write at 512 KiB in c: c used 1R, refer 8R, base 0', () => {
    write(sb, 'tank/c', '/f', X, 4 * R);
    check(
      sb,
      {
        'tank/c': { used: R, referenced: 8 * R, usedbydataset: R, usedbysnapshots: 0, written: R },
        'tank/o': { used: 8 * R, usedbysnapshots: 0 },
        'tank/o@base': { used: 0 },
      },
      { alloc: LABEL + 9 * R },
      { 'tank/c': { '/f': cF }, 'tank/o': { '/f': A }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.4 the same 4 KiB write in o: base 1R, o used 9R', () => {
    write(sb, 'tank/o', '/f', Y, 4 * R);
    check(
      sb,
      {
        'tank/c': { used: R, referenced: 8 * R, usedbydataset: R },
        'tank/o': { used: 9 * R, referenced: 8 * R, usedbysnapshots: R, usedbydataset: 8 * R, written: R },
        'tank/o@base': { used: R, referenced: 8 * R },
      },
      { alloc: LABEL + 10 * R },
      { 'tank/c': { '/f': cF }, 'tank/o': { '/f': oF }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.5 new file g = 384 KiB in c: c used 4R, refer 11R', () => {
    write(sb, 'tank/c', '/g', G);
    check(
      sb,
      {
        'tank/c': { used: 4 * R, referenced: 11 * R, usedbydataset: 4 * R, written: 4 * R },
        'tank/o': { used: 9 * R, usedbysnapshots: R },
        'tank/o@base': { used: R },
        tank: { used: 13 * R, usedbychildren: 13 * R },
      },
      { alloc: LABEL + 13 * R },
      { 'tank/c': { '/f': cF, '/g': G }, 'tank/o': { '/f': oF }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('destroying o@base while c exists fails and changes nothing', () => {
    const r = sb.run(['destroy', 'tank/o@base']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot destroy 'tank/o@base': snapshot has dependent clones");
    expect(r.stderr).toContain("use '-R' to destroy the following datasets:");
    check(
      sb,
      { 'tank/o': { used: 9 * R, usedbysnapshots: R }, 'tank/o@base': { used: R, clones: 'tank/c' }, 'tank/c': { used: 4 * R } },
      { alloc: LABEL + 13 * R },
      { 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.6 destroy c: o unchanged', () => {
    sb.ok(['destroy', 'tank/c']);
    check(
      sb,
      {
        'tank/o': { used: 9 * R, referenced: 8 * R, usedbysnapshots: R, usedbydataset: 8 * R },
        'tank/o@base': { used: R, referenced: 8 * R, clones: '-' },
        tank: { used: 9 * R },
      },
      { alloc: LABEL + 9 * R },
      { 'tank/o': { '/f': oF }, 'tank/o@base': { '/f': A } },
    );
  });

  story.step('E2.7 destroy o@base: o used 8R', () => {
    sb.ok(['destroy', 'tank/o@base']);
    check(
      sb,
      { 'tank/o': { used: 8 * R, referenced: 8 * R, usedbysnapshots: 0, usedbydataset: 8 * R, written: 8 * R } },
      { alloc: LABEL + 8 * R },
      { 'tank/o': { '/f': oF } },
    );
  });
});

// ------------------------------------------------------------------------------------------------

describe("E7: a clone's own snapshot and origin-born blocks (zfs-dsl-semantics.md §9)", () => {
  let sb: Sandbox;
  const story = storySteps();
  const A = seededBytes(8 * R, 9); // f in o
  const N = seededBytes(2 * R, 10); // n in k
  const P = seededBytes(2 * R, 11); // k's overwrite of f's first two records
  const Q = seededBytes(2 * R, 12); // k's overwrite of n
  const origin = { 'tank/o': { '/f': A }, 'tank/o@base2': { '/f': A } };

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', '-o', 'recordsize=128K', 'tank/o']);
    write(sb, 'tank/o', '/f', A);
    sb.ok(['snapshot', 'tank/o@base2']);
    sb.ok(['clone', 'tank/o@base2', 'tank/k']);
  });
  story.teardown(() => sb.cleanup());

  story.step('E7.1 new file n = 2R in k, k@x: used 2R, refer 10R', () => {
    write(sb, 'tank/k', '/n', N);
    sb.ok(['snapshot', 'tank/k@x']);
    check(
      sb,
      {
        'tank/k': { used: 2 * R, usedbydataset: 2 * R, usedbysnapshots: 0, referenced: 10 * R, written: 0, origin: 'tank/o@base2' },
        'tank/k@x': { used: 0, referenced: 10 * R, written: 2 * R },
        'tank/o': { used: 8 * R, usedbysnapshots: 0 },
        'tank/o@base2': { used: 0, clones: 'tank/k' },
      },
      { alloc: LABEL + 10 * R },
      { ...origin, 'tank/k': { '/f': A, '/n': N }, 'tank/k@x': { '/f': A, '/n': N } },
    );
  });

  story.step('E7.2 overwrite 2 origin-born records of f in k: usedds 4R, usedsnap 0, x 0', () => {
    write(sb, 'tank/k', '/f', P, 0);
    check(
      sb,
      {
        'tank/k': { used: 4 * R, usedbydataset: 4 * R, usedbysnapshots: 0, referenced: 10 * R, written: 2 * R },
        'tank/k@x': { used: 0, referenced: 10 * R },
        'tank/o': { used: 8 * R, usedbysnapshots: 0 },
        'tank/o@base2': { used: 0 },
      },
      { alloc: LABEL + 12 * R },
      { ...origin, 'tank/k': { '/f': overlay(A, 0, P), '/n': N }, 'tank/k@x': { '/f': A, '/n': N } },
    );
  });

  story.step("E7.3 overwrite both of n's k-born records: usedsnap 2R, x 2R, used 6R", () => {
    write(sb, 'tank/k', '/n', Q, 0);
    check(
      sb,
      {
        'tank/k': { used: 6 * R, usedbydataset: 4 * R, usedbysnapshots: 2 * R, referenced: 10 * R, written: 4 * R },
        'tank/k@x': { used: 2 * R, referenced: 10 * R, written: 2 * R },
        'tank/o': { used: 8 * R, usedbysnapshots: 0 },
        'tank/o@base2': { used: 0 },
        tank: { used: 14 * R, usedbychildren: 14 * R },
      },
      { alloc: LABEL + 14 * R },
      { ...origin, 'tank/k': { '/f': overlay(A, 0, P), '/n': Q }, 'tank/k@x': { '/f': A, '/n': N } },
    );
  });
});
