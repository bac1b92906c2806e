/**
 * Options OpenZFS has that tszfs rejected (issue 16 item 3): `zfs create -P -n -u -v`,
 * `zfs receive -o/-x`, `zpool import -o/-N/-R/-f/-a/-d`, and getopt's permutation of options
 * after operands (none under POSIXLY_CORRECT).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, pattern, Sandbox, transcript } from './harness.js';

describe('zfs create -n -v -P -u', () => {
  it('prints what zfs_do_create would do, checks only the pool and properties in a dry run, and leaves -u unmounted', () => {
    expectGolden(
      'options-create',
      transcript([
        ['pool', 'create', '--size', '128M', 'tank'],
        ['create', 'tank/a'],
        ['create', '-nv', '-o', 'compression=off', '-o', 'user:note=x', 'tank/new'],
        ['create', '-nP', '-o', 'recordsize=16K', 'tank/new'],
        ['create', '-npv', 'tank/x/y/z'],
        ['create', '-npP', 'tank/x/y/z'],
        // An existing target with -p: nothing printed, nothing done, status 0.
        ['create', '-npv', 'tank/a'],
        ['create', '-pv', 'tank/a'],
        // A dry run looks at neither the name nor whether it exists.
        ['create', '-nv', 'tank/a'],
        ['create', '-n', 'tank/no/parent'],
        ['create', '-n', 'tank/bad name!'],
        ['create', '-n', '-o', 'compression=bogus', 'tank/new'],
        ['create', '-n', 'nopool/new'],
        ['create', '-nPV', '1000000', '-b', '8K', 'tank/vol'],
        ['create', '-nv', '-s', '-V', '1G', 'tank/vol'],
        ['create', '-nv', '-V', '1G', '-o', 'refreservation=none', 'tank/vol'],
        ['create', '-v', '-o', 'user:k=v', 'tank/b'],
        ['create', '-pP', 'tank/c/d'],
        ['create', '-u', 'tank/u'],
        ['create', '-uV', '1G', 'tank/v'],
        ['list', '-r', '-o', 'name,mounted', 'tank'],
        ['pool', 'history', 'tank'],
      ]),
    );
  });
});

describe('zfs receive -o/-x', () => {
  it('sets -o locally on the top dataset, inherited below, and drops what -x names', () => {
    const sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '128M', 'tank']);
    sb.ok(['create', '-o', 'compression=off', '-o', 'user:a=1', '-o', 'quota=50M', 'tank/s']);
    sb.ok(['create', '-o', 'user:a=2', '-o', 'atime=off', '-o', 'compression=gzip', 'tank/s/c']);
    sb.ok(['write', 'tank/s/c', '/f'], pattern(3 * 131072, 1));
    sb.ok(['snapshot', '-r', 'tank/s@1']);
    const replication = sb.bytesOf(['send', '-R', 'tank/s@1']);
    const plain = sb.bytesOf(['send', 'tank/s@1']);
    const props = ['compression,user:a,user:b,atime,quota,mountpoint'];
    expectGolden(
      'options-receive',
      transcript(
        [
          { args: ['receive', '-o', 'compression=lz4', '-o', 'user:b=x', '-x', 'atime', '-x', 'user:a', 'tank/d'], input: replication },
          ['get', '-r', '-o', 'name,property,value,source,received', ...props, 'tank/d'],
          { args: ['receive', '-u', '-o', 'mountpoint=/srv/e', '-x', 'quota', '-x', 'volblocksize', 'tank/e'], input: replication },
          ['get', '-r', '-o', 'name,property,value,source,received', 'mountpoint,mounted,quota', 'tank/e'],
          { args: ['receive', '-v', '-n', '-o', 'user:z=1', 'tank/f'], input: plain },
          { args: ['receive', '-e', '-o', 'atime=off', 'tank/d'], input: plain },
          { args: ['receive', '-d', '-o', 'recordsize=32K', 'tank/g'], input: plain },
          ['list', '-H', '-o', 'name,recordsize,atime', 'tank/d/s', 'tank/g', 'tank/g/s'],
          // Refusals: zfs_receive_checkprops (which says its action twice), the value, the type.
          { args: ['receive', '-o', 'used=1', 'tank/h'], input: plain },
          { args: ['receive', '-x', 'foo', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'volsize=1G', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'compression=nope', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'volblocksize=8K', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'origin=tank/s@1', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'compression', 'tank/h'], input: plain },
          { args: ['receive', '-x', 'a=b', 'tank/h'], input: plain },
          { args: ['receive', '-o', 'user:x=1', '-x', 'user:x', 'tank/h'], input: plain },
          { args: ['receive', '-d', '-e', 'tank/h'], input: plain },
          { args: ['receive', '-o'], input: plain },
          ['list', '-H', '-o', 'name', '-r', 'tank'],
        ],
        sb,
      ),
    );
  });
});

describe('zpool import options', () => {
  it('imports with -o, -R, -N, -f, -d and -a as zpool_do_import reads them', () => {
    const sb = new Sandbox();
    const other = path.join(sb.home, 'other');
    fs.mkdirSync(other);
    sb.ok(['pool', 'create', '--size', '64M', 'tank']);
    sb.ok(['create', 'tank/a']);
    sb.ok(['pool', 'create', '--size', '64M', 'away', path.join(other, 'away.img')]);
    sb.ok(['pool', 'export', 'tank']);
    sb.ok(['pool', 'export', 'away']);
    expectGolden(
      'options-import',
      transcript(
        [
          ['pool', 'import', '-o', 'foo=bar', 'tank'],
          ['pool', 'import', '-o', 'comment=a', '-o', 'comment=b', 'tank'],
          ['pool', 'import', '-o', 'readonly=on', 'tank'],
          ['pool', 'import', '-o', 'altroot=relative', 'tank'],
          ['pool', 'import', '-o', 'ashift=12', 'tank'],
          ['pool', 'import', '-l', '-N', 'tank'],
          ['pool', 'import', '-f', '-N', '-R', '/alt', '-o', 'comment=hello', '-o', 'noatime', 'tank'],
          ['pool', 'get', '-o', 'name,property,value,source', 'altroot,comment,cachefile', 'tank'],
          ['list', '-r', '-o', 'name,mountpoint,mounted', 'tank'],
          ['pool', 'export', 'tank'],
          // altroot holds for one import only.
          ['pool', 'import', 'tank'],
          ['pool', 'get', '-H', '-o', 'value', 'altroot', 'tank'],
          ['list', '-r', '-o', 'name,mounted', 'tank'],
          ['pool', 'import'],
          ['pool', 'import', '-d', '$TSZFS_HOME/other'],
          ['pool', 'import', '-d', '$TSZFS_HOME', '-d', '$TSZFS_HOME/other', '-a', '-N'],
          ['pool', 'list', '-H', '-o', 'name'],
          ['list', '-o', 'name,mounted', 'away'],
        ].map((args) => args.map((a) => a.replace('$TSZFS_HOME', sb.home))),
        sb,
      ),
    );
  });
});

describe('getopt', () => {
  it('takes options after operands, as glibc permutes them, but not under POSIXLY_CORRECT', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['snapshot', 'tank/a@s', '-o', 'user:x=1']);
      expect(sb.ok(['list', 'tank/a', '-H', '-o', 'name', '-t', 'all', '-r'])).toBe('tank/a\ntank/a@s\n');
      expect(sb.ok(['get', 'user:x', 'tank/a@s', '-Hpo', 'value'])).toBe('1\n');
      expect(sb.ok(['pool', 'list', 'tank', '-Ho', 'name'])).toBe('tank\n');
      // `--` ends the options wherever it stands.
      expect(sb.run(['list', '-H', '--', 'tank/a', '-o']).stderr).toBe("cannot open '-o': dataset does not exist\n");
      process.env.POSIXLY_CORRECT = '1';
      try {
        const r = sb.run(['list', 'tank/a', '-H', '-o', 'name']);
        expect(r.stdout).toBe(sb.ok(['list', 'tank/a']));
        expect(r.stderr).toBe("cannot open '-H': dataset does not exist\ncannot open '-o': dataset does not exist\ncannot open 'name': dataset does not exist\n");
        expect(r.status).toBe(1);
        expect(sb.ok(['list', '-H', '-o', 'name', 'tank/a'])).toBe('tank/a\n');
      } finally {
        delete process.env.POSIXLY_CORRECT;
      }
    } finally {
      sb.cleanup();
    }
  });
});
