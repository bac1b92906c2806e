/**
 * Quotas and reservations through the built binary (zfs-dsl-semantics.md §8): the space columns
 * they change, every refusal with OpenZFS's words, and that a refused command stores nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript, type Step, META } from './harness.js';

/** `n` records of 128K, a different byte per call so that no two files are alike (counted from
 *  the start of each test, so that what a test writes does not depend on which ran before it). */
let fill = 0;
beforeEach(() => {
  fill = 0;
});
const records = (n: number) => String.fromCharCode(97 + (fill++ % 26)).repeat(n * 131072);
const write = (dataset: string, path: string, n: number, ...flags: string[]): Step => ({ args: ['write', ...flags, dataset, path], input: records(n) });

const SPACE: Step = ['list', '-o', 'space,refer,quota,reserv,refquota,refreserv', '-r', 'tank'];
const SPACE_P: Step = ['list', '-p', '-o', 'space', '-r', 'tank'];

// Pools here are created with compression=off: the limits are checked against whole records as written.
// Each filesystem is charged its metadata allocation (96K) at creation: `withMeta(k, n)` is a limit
// of k KiB raised by the n allocations it covers, so that the same writes fit or not as without them.
const withMeta = (k: number, n: number) => `${k + (n * META) / 1024}K`;
describe('quotas and reservations', () => {
  it('the E5 story: list -o space and get -p as every limit moves space', () => {
    expectGolden(
      'quotas/e5',
      transcript([
        ['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank'],
        ['create', '-o', `quota=${withMeta(2048, 4)}`, 'tank/p'], // p, c1, c2, c3
        write('tank/p', '/own', 4),
        ['create', 'tank/p/c1'],
        ['create', 'tank/p/c2'],
        ['create', 'tank/p/c3'],
        SPACE,
        ['set', `reservation=${withMeta(512, 1)}`, 'tank/p/c1'],
        write('tank/p/c1', '/f', 2),
        ['set', `refquota=${withMeta(384, 1)}`, 'tank/p/c2'],
        write('tank/p/c2', '/f', 3),
        write('tank/p/c2', '/f', 1, '--append'),
        SPACE,
        ['snapshot', 'tank/p/c2@s'],
        ['rm', 'tank/p/c2', '/f'],
        write('tank/p/c2', '/g', 2),
        write('tank/p/c2', '/h', 1),
        write('tank/p/c2', '/i', 1),
        ['set', `refreservation=${withMeta(256, 1)}`, 'tank/p/c3'],
        write('tank/p/c3', '/f', 1),
        ['list', '-t', 'all', '-o', 'space,refer', '-r', 'tank/p'],
        SPACE_P,
        ['snapshot', 'tank/p/c3@s'],
        ['set', `quota=${withMeta(4096, 4)}`, 'tank/p'],
        ['snapshot', 'tank/p/c3@s'],
        ['get', '-p', 'used,available,usedbydataset,usedbysnapshots,usedbyrefreservation,usedbychildren,quota,reservation,refquota,refreservation', 'tank/p', 'tank/p/c3'],
        ['get', 'quota,reservation,refquota,refreservation', 'tank/p/c1', 'tank/p/c3@s'],
        SPACE_P,
        ['set', 'reservation=none', 'tank/p/c1'],
        ['set', 'refreservation=none', 'tank/p/c3'],
        SPACE_P,
        ['destroy', '-r', 'tank/p/c3'],
        ['pool', 'list', '-Hpo', 'name,alloc', 'tank'],
        SPACE_P,
      ]),
    );
  });

  it('every refusal, with the words OpenZFS prints', () => {
    expectGolden(
      'quotas/errors',
      transcript([
        ['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank'],
        ['create', '-o', `quota=${withMeta(1024, 3)}`, 'tank/q'], // q, q/a and q/r (renamed in below)
        ['create', 'tank/q/a'],
        write('tank/q/a', '/f', 4),
        ['snapshot', 'tank/q/a@s'],
        // over an ancestor's quota: a new file, then an overwrite that the snapshot makes cost space;
        // rewriting records born since the snapshot frees as much as it takes
        write('tank/q/a', '/g', 5),
        write('tank/q/a', '/g', 3),
        write('tank/q/a', '/f', 2, '--offset', '0'),
        write('tank/q/a', '/g', 3, '--offset', '0'),
        ['list', '-p', '-o', 'space,refer', '-r', 'tank/q'],
        // setting limits
        ['set', 'quota=512K', 'tank/q'],
        ['set', 'quota=0', 'tank/q'],
        ['set', 'refquota=0', 'tank/q'],
        ['set', 'refquota=256K', 'tank/q/a'],
        ['set', 'reservation=2M', 'tank/q/a'],
        ['set', 'refreservation=2M', 'tank/q/a'],
        ['set', 'refreservation=auto', 'tank/q/a'],
        ['set', 'refquota=1M', 'tank/q/a@s'],
        ['set', 'refreservation=1M', 'tank/q/a@s'],
        ['set', 'quota=1G', 'tank/q/a@s'],
        ['create', 'tank/r'],
        ['set', 'reservation=1M', 'tank/r'],
        ['set', 'quota=512K', 'tank/r'],
        ['set', 'quota=2M', 'tank/r'],
        ['set', 'reservation=3M', 'tank/r'],
        ['set', 'refquota=512K', 'tank/r'],
        ['set', 'refreservation=768K', 'tank/r'],
        ['set', 'refreservation=384K', 'tank/r'],
        ['set', 'refquota=256K', 'tank/r'],
        // creating and moving datasets into a full quota
        ['create', '-o', 'reservation=2M', 'tank/q/b'],
        ['clone', '-o', 'refreservation=2M', 'tank/q/a@s', 'tank/q/c'],
        ['list', '-r', '-o', 'name', 'tank'],
        ['rename', 'tank/r', 'tank/q/r'],
        ['set', 'reservation=none', 'tank/r'],
        ['set', 'refreservation=none', 'tank/r'],
        ['rename', 'tank/r', 'tank/q/r'],
        ['list', '-p', '-o', 'space', '-r', 'tank'],
        // rollback to a snapshot that refers more than the refquota
        ['rm', 'tank/q/a', '/f', '/g'],
        ['set', 'refquota=256K', 'tank/q/a'],
        ['rollback', 'tank/q/a@s'],
        ['set', 'refquota=none', 'tank/q/a'],
        ['rollback', 'tank/q/a@s'],
        // a snapshot whose refreservation cannot be held anew
        ['set', 'refreservation=256K', 'tank/q/r'],
        write('tank/q/r', '/f', 2),
        write('tank/q/a', '/h', 1),
        ['snapshot', 'tank/q/r@s'],
        ['snapshot', '-r', 'tank/q@all'],
        ['list', '-t', 'snapshot', '-o', 'name'],
        // a reservation holds pool space: a write elsewhere finds the pool full
        ['create', '-o', 'reservation=120M', 'tank/held'],
        ['create', 'tank/w'],
        write('tank/w', '/f', 64),
        ['list', '-p', '-o', 'name,avail,used,usedchild,reserv', 'tank', 'tank/held', 'tank/w'],
        ['destroy', 'tank/held'],
        write('tank/w', '/f', 64),
        ['list', '-p', '-o', 'name,avail,used,usedchild', 'tank', 'tank/w'],
        // a promote moves the origin's older blocks to the clone: they must fit its quota
        ['create', '-o', 'quota=256K', 'tank/small'],
        ['clone', 'tank/q/a@s', 'tank/small/c'],
        ['promote', 'tank/small/c'],
        ['set', 'quota=none', 'tank/small'],
        ['promote', 'tank/small/c'],
        ['list', '-p', '-o', 'space,origin', '-r', 'tank/q', 'tank/small'],
      ]),
    );
  });

  it('a write refused over a quota stores nothing; after a delete the same write succeeds', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', '-o', 'refquota=512K', 'tank/a']);
      const f = records(3);
      sb.ok(['write', 'tank/a', '/f', sb.file('f', f)]);
      sb.ok(['snapshot', 'tank/a@s']);
      const state = () => ({
        list: sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,avail,refer,usedsnap,usedds,written', '-r', 'tank']),
        ls: sb.ok(['ls', '-lR', 'tank/a']),
        f: sb.ok(['cat', 'tank/a', '/f']),
        alloc: sb.ok(['pool', 'list', '-Hpo', 'alloc', 'tank']),
      });
      const before = state();
      const g = records(2);
      // A 2-record file, an overwrite growing f past the refquota, an append: each whole command fails.
      expect(sb.run(['write', 'tank/a', '/g', sb.file('g', g)]).stderr).toBe("cannot write 'tank/a:/g': disk quota exceeded\n");
      expect(sb.run(['write', '--offset', '384K', 'tank/a', '/f', sb.file('g', g)]).stderr).toBe(
        "cannot write 'tank/a:/f': disk quota exceeded\n",
      );
      expect(sb.run(['write', '--append', 'tank/a', '/f', sb.file('g', g)]).status).toBe(1);
      expect(sb.run(['write', '-p', 'tank/a', '/new/dir/g', sb.file('g', g)]).status).toBe(1);
      expect(state()).toEqual(before);
      // Deleting f frees its references (the snapshot keeps the blocks, which refquota ignores).
      sb.ok(['rm', 'tank/a', '/f']);
      sb.ok(['write', 'tank/a', '/g', sb.file('g', g)]);
      expect(sb.ok(['cat', 'tank/a', '/g'])).toBe(g);
      // g and the metadata allocation; the snapshot keeps f's records, not the allocation the head still has.
      expect(sb.ok(['get', '-Hp', '-o', 'value', 'referenced,available,usedbysnapshots', 'tank/a'])).toBe(`${META + 262144}\n${262144 - META}\n393216\n`);
    } finally {
      sb.cleanup();
    }
  });

  it('receive respects the destination quota and stores nothing when refused', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', 'tank/src']);
      sb.ok(['write', 'tank/src', '/f'], records(4));
      sb.ok(['snapshot', 'tank/src@a']);
      sb.ok(['write', 'tank/src', '/g'], records(2));
      sb.ok(['snapshot', 'tank/src@b']);
      sb.ok(['create', '-o', 'quota=256K', 'tank/small']);
      sb.ok(['create', '-o', `quota=${withMeta(640, 2)}`, 'tank/big']); // big and big/dst
      const full = sb.bytesOf(['send', 'tank/src@a']);
      expect(sb.run(['receive', 'tank/small/dst'], full)).toEqual({
        stdout: '',
        stderr: 'cannot receive new filesystem stream: destination tank/small/dst space quota exceeded.\n',
        status: 1,
      });
      expect(sb.ok(['list', '-H', '-o', 'name', '-r', 'tank/small'])).toBe('tank/small\n');
      sb.ok(['receive', 'tank/big/dst'], full);
      const incremental = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
      expect(sb.run(['receive', 'tank/big/dst'], incremental).stderr).toBe(
        'cannot receive incremental stream: destination tank/big/dst space quota exceeded.\n',
      );
      expect(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,refer', '-r', 'tank/big'])).toBe(
        `tank/big\t${2 * META + 524288}\t${META}\ntank/big/dst\t${META + 524288}\t${META + 524288}\ntank/big/dst@a\t0\t${META + 524288}\n`,
      );
      sb.ok(['set', 'quota=1M', 'tank/big']);
      sb.ok(['receive', 'tank/big/dst'], incremental);
      expect(sb.ok(['get', '-Hp', '-o', 'value', 'used', 'tank/big'])).toBe(`${2 * META + 786432}\n`);
    } finally {
      sb.cleanup();
    }
  });
});
