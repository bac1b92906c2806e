/**
 * OpenZFS's limits and value checks through the built binary: property values shorter than
 * ZFS_MAXPROPLEN (8192 bytes), dataset names shorter than ZFS_MAX_DATASET_NAME_LEN (256 bytes)
 * and 50 levels deep, including the names `snapshot -r`, `rename` and `clone` would make; the
 * `clones` property; `sharenfs`/`sharesmb` options as libshare on Linux checks them; and an empty
 * pool user property, which removes it.
 */
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript, type Step } from './harness.js';

/** Runs of one character 40 long or more, written `<N×c>` so that golden files stay readable. */
const abbreviate = (text: string): string => text.replace(/(.)\1{39,}/g, (run, c: string) => `<${run.length}×${c}>`);

/** A component of `n` bytes. */
const long = (n: number, c = 'a') => c.repeat(n);

/** An absolute path of `n` bytes made of 99-byte components. */
const path = (n: number) => `/${long(99, 'd')}`.repeat(Math.ceil(n / 100)).slice(0, n);

describe('property value lengths', () => {
  it('a value must be shorter than 8192 bytes, user or native', () => {
    expectGolden(
      'limits/property-values',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', 'tank'],
          ['create', 'tank/a'],
          ['set', `user:v=${long(8191, 'x')}`, 'tank/a'],
          ['set', `user:v=${long(8192, 'y')}`, 'tank/a'],
          ['set', `user:v=${long(9000, 'y')}`, 'user:w=1', 'tank/a'],
          // the kernel checks the length, after libzfs has checked every value
          ['set', `user:v=${long(8192, 'y')}`, 'compression=bogus', 'tank/a'],
          ['get', '-H', '-o', 'property,source', 'user:v,user:w', 'tank/a'],
          ['create', '-o', `user:v=${long(8192, 'y')}`, 'tank/b'],
          ['create', '-o', `user:v=${long(8192, 'y')}`, '-o', 'atime=ON', 'tank/b'],
          ['snapshot', '-o', `user:v=${long(8192, 'y')}`, 'tank/a@s'],
          ['set', `mountpoint=${path(8191)}`, 'tank/a'],
          ['set', `mountpoint=${path(8192)}`, 'tank/a'],
          ['get', '-H', '-o', 'source', 'mountpoint', 'tank/a'],
          // mountpoint_namecheck(): a component must be shorter than 256 bytes
          ['set', `mountpoint=/x/${long(256, 'c')}/y`, 'tank/a'],
          ['set', `mountpoint=/x/${long(255, 'c')}/y`, 'tank/a'],
          ['get', '-H', '-o', 'value', 'mountpoint', 'tank/a'],
          // libzfs on Linux is built without labels
          ['set', 'mlslabel=none', 'tank/a'],
          ['create', '-o', 'mlslabel=label', 'tank/b'],
          ['list', '-H', '-o', 'name', '-t', 'all'],
        ]),
      ),
    );
  });

  it('a user property value of 8191 bytes reads back whole', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['set', `user:v=${long(8191, 'x')}`, 'tank']);
      expect(sb.ok(['get', '-H', '-o', 'value', 'user:v', 'tank'])).toBe(`${long(8191, 'x')}\n`);
    } finally {
      sb.cleanup();
    }
  });
});

describe('dataset name lengths', () => {
  // tank/ + 250 bytes: a 255-byte name, the longest there is.
  const fs255 = `tank/${long(250)}`;

  it('create, snapshot and clone: 255 bytes fit, 256 do not', () => {
    expectGolden(
      'limits/names',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', 'tank'],
          ['create', fs255],
          ['create', `${fs255}b`],
          ['snapshot', `tank@${long(250, 's')}`],
          ['snapshot', `tank@${long(251, 's')}`],
          ['clone', `tank@${long(250, 's')}`, `${fs255.slice(0, -1)}c`],
          ['clone', `tank@${long(250, 's')}`, `${fs255}c`],
          ['list', '-H', '-o', 'name', '-t', 'all'],
        ]),
      ),
    );
  });

  it('snapshot -r refuses a name it would make for a descendant, and makes none', () => {
    expectGolden(
      'limits/snapshot-r',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', 'tank'],
          ['create', 'tank/a'],
          ['create', `tank/a/${long(240, 'b')}`],
          // tank/a/<240> is 247 bytes: an 8-byte snapshot name is one too many
          ['snapshot', '-r', `tank@${long(8, 't')}`],
          ['snapshot', '-r', `tank/a@${long(9, 't')}`],
          ['snapshot', 'tank@u', `tank/a/${long(240, 'b')}@${long(8, 't')}`],
          ['snapshot', '-r', `tank@${long(7, 's')}`],
          ['list', '-H', '-o', 'name', '-t', 'snapshot'],
        ]),
      ),
    );
  });

  it('rename refuses to make a descendant or a snapshot name too long or too deep; rename -r too', () => {
    const deep = Array.from({ length: 47 }, (_, i) => `d${i}`).join('/');
    expectGolden(
      'limits/rename',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', 'tank'],
          ['create', '-p', `tank/a/${long(200, 'b')}`],
          ['snapshot', `tank/a@${long(195, 's')}`],
          // the child would be tank/<50>/<200>: 256 bytes
          ['rename', 'tank/a', `tank/${long(50, 'n')}`],
          ['rename', 'tank/a', `tank/${long(49, 'n')}`],
          ['rename', `tank/${long(49, 'n')}`, 'tank/a'],
          // a snapshot's name counts too: tank/p@<240> is 247 bytes
          ['create', 'tank/p'],
          ['snapshot', `tank/p@${long(240, 's')}`],
          ['rename', 'tank/p', `tank/p${long(9, 'q')}`],
          ['rename', 'tank/p', `tank/p${long(8, 'q')}`],
          // rename -r: tank/a/<200>@<48> would be 256 bytes
          ['snapshot', '-r', 'tank/a@s'],
          ['rename', '-r', 'tank/a@s', `tank/a@${long(48, 'r')}`],
          ['rename', '-r', 'tank/a@s', `tank/a@${long(47, 'r')}`],
          ['list', '-H', '-o', 'name', '-t', 'all'],
          // nesting: tank/d0/.../d46 is 47 deep; m there is 48 deep, m/c/e would be 50
          ['create', '-p', `tank/${deep}`],
          ['create', '-p', 'tank/m/c/e'],
          ['rename', 'tank/m', `tank/${deep}/m`],
          ['rename', 'tank/m/c/e', 'tank/m/e'],
          ['rename', 'tank/m/c', 'tank/m2'],
          ['rename', 'tank/m', `tank/${deep}/m`],
          // a target 50 deep itself: the kernel refuses it, or zfs_create_ancestors() with -p
          ['rename', 'tank/m2', `tank/${deep}/m/e/x`],
          ['rename', '-p', 'tank/m2', `tank/${deep}/m/e/x`],
          ['rename', 'tank/m2', `tank/${deep}/m/m2`],
          ['list', '-H', '-o', 'name', '-r', `tank/${deep}`],
        ]),
      ),
    );
  });

  it('promote refuses to move a snapshot whose name under the clone would be too long', () => {
    expectGolden(
      'limits/promote',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', 'tank'],
          ['create', 'tank/a'],
          // tank/cccccccccc@<240> would be 256 bytes
          ['snapshot', `tank/a@${long(240, 's')}`],
          ['snapshot', 'tank/a@b'],
          ['clone', 'tank/a@b', 'tank/cccccccccc'],
          ['promote', 'tank/cccccccccc'],
          ['get', '-H', '-o', 'value', 'origin', 'tank/cccccccccc'],
          ['rename', 'tank/cccccccccc', 'tank/ccccccccc'],
          ['promote', 'tank/ccccccccc'],
          ['list', '-H', '-o', 'name,origin', '-t', 'all'],
        ]),
      ),
    );
  });
});

describe('the clones property', () => {
  it('lists full names comma-separated, - with none, and keeps up with renames and destroys', () => {
    expectGolden(
      'limits/clones',
      transcript([
        ['pool', 'create', '--size', '64M', 'tank'],
        ['create', 'tank/a'],
        ['snapshot', 'tank/a@s'],
        ['get', 'clones', 'tank/a@s'],
        ['create', 'tank/z'],
        ['clone', 'tank/a@s', 'tank/z/c1'],
        ['clone', 'tank/a@s', 'tank/c2'],
        ['get', 'clones', 'tank/a@s'],
        ['list', '-o', 'name,clones', '-t', 'snapshot'],
        ['rename', 'tank/z/c1', 'tank/c1'],
        ['destroy', 'tank/c2'],
        ['get', '-H', '-o', 'value', 'clones', 'tank/a@s'],
        ['get', '-H', '-o', 'value', 'clones', 'tank/a'],
      ]),
    );
  });
});

it('`get all` leaves out the clones of a snapshot that has none', () => {
  const sb = new Sandbox();
  try {
    sb.ok(['pool', 'create', '--size', '64M', 'tank']);
    sb.ok(['snapshot', 'tank@s']);
    const props = () => sb.ok(['get', '-H', '-o', 'property', 'all', 'tank@s']).split('\n');
    expect(props()).not.toContain('clones');
    sb.ok(['clone', 'tank@s', 'tank/c']);
    expect(props()).toContain('clones');
  } finally {
    sb.cleanup();
  }
});

describe('sharenfs and sharesmb', () => {
  it('take on, off, or options that libshare accepts on Linux', () => {
    const set = (value: string, prop = 'sharenfs'): Step => ['set', `${prop}=${value}`, 'tank/a'];
    expectGolden(
      'limits/share-options',
      transcript([
        ['pool', 'create', '--size', '64M', 'tank'],
        ['create', 'tank/a'],
        set('ON'),
        set('On'),
        set('yes'),
        set(''),
        set('rw,bogus'),
        set('rw=[::1'),
        set('rw=[::1]x'),
        set('bad\nline'),
        ['get', '-H', '-o', 'value,source', 'sharenfs', 'tank/a'],
        set('on'),
        set('rw=@10.0.0.0/8:host.example,no_root_squash,sec=sys'),
        set('ro=[fe80::1]/64:[::1],anon=0,nosub,root_mapping=0'),
        set('rw,crossmnt,async,insecure'),
        ['get', '-H', '-o', 'value,source', 'sharenfs', 'tank/a'],
        set('off'),
        set('ON', 'sharesmb'),
        set('name=share', 'sharesmb'),
        set('on', 'sharesmb'),
        ['create', '-o', 'sharenfs=ON', 'tank/b'],
        ['create', '-o', 'sharesmb=guestok', 'tank/b'],
        ['get', '-H', '-o', 'property,value,source', 'sharenfs,sharesmb', 'tank/a'],
        ['list', '-H', '-o', 'name'],
      ]),
    );
  });
});

describe('pool user properties', () => {
  it('an empty value removes one; names and values have their limits', () => {
    expectGolden(
      'limits/pool-user-props',
      abbreviate(
        transcript([
          ['pool', 'create', '--size', '64M', '-o', 'org.example:a=', '-o', 'org.example:b=1', 'tank'],
          ['pool', 'get', '-H', '-o', 'property,value,source', 'org.example:a,org.example:b', 'tank'],
          ['pool', 'set', 'org.example:b=', 'tank'],
          ['pool', 'get', 'org.example:b', 'tank'],
          ['pool', 'set', 'org.example:b=', 'tank'],
          ['pool', 'set', `org.example:${long(244, 'n')}=1`, 'tank'],
          ['pool', 'set', `org.example:${long(243, 'n')}=1`, 'tank'],
          ['pool', 'set', `org.example:c=${long(8192, 'v')}`, 'tank'],
          ['pool', 'set', `org.example:c=${long(8191, 'v')}`, 'tank'],
          ['pool', 'get', '-H', '-o', 'property,source', `org.example:${long(243, 'n')},org.example:c`, 'tank'],
        ]),
      ),
    );
  });

  it('a removed one is gone from `pool get all`', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', '-o', 'org.example:a=', '-o', 'org.example:b=1', 'tank']);
      const users = () => sb.ok(['pool', 'get', '-H', '-o', 'property', 'all', 'tank']).split('\n').filter((p) => p.startsWith('org.'));
      expect(users()).toEqual(['org.example:b']);
      sb.ok(['pool', 'set', 'org.example:b=', 'tank']);
      expect(users()).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
