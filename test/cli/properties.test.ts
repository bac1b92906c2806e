/**
 * The full OpenZFS 2.3 property table through the built binary: `get all` rows and sources,
 * validation of index and number values, set-once and read-only properties, column aliases,
 * `get -s`, `list -o space|all`, and `zfs inherit` with its errors.
 */
import { describe, it } from 'vitest';
import { expectGolden, transcript, type Step } from './harness.js';

const SETUP: Step[] = [
  ['pool', 'create', '--size', '128M', 'tank'],
  ['create', 'tank/a'],
  ['create', 'tank/a/b'],
  { args: ['write', 'tank/a', '/f'], input: 'x'.repeat(5000) },
  ['snapshot', 'tank/a@s1'],
  ['clone', 'tank/a@s1', 'tank/c'],
];

describe('native properties', () => {
  it('get all of a filesystem, a clone and a snapshot, with sources', () => {
    expectGolden(
      'properties/get-all',
      transcript([
        ...SETUP,
        ['set', 'compression=lz4', 'tank'],
        ['set', 'com.example:note=hello', 'tank/a'],
        ['get', 'all', 'tank/a'],
        ['get', 'all', 'tank/a@s1'],
        ['get', '-H', '-o', 'property,value,source', 'origin,compression,com.example:note', 'tank/c', 'tank/a/b'],
        ['get', 'clones,defer_destroy,userrefs,used', 'tank/a@s1'],
      ]),
    );
  });

  it('set: index values, numbers, none, set-once and read-only properties', () => {
    expectGolden(
      'properties/set',
      transcript([
        ...SETUP,
        ['set', 'compression=gzip-6', 'xattr=sa', 'acltype=posixacl', 'checksum=sha256', 'tank/a'],
        ['set', 'quota=1G', 'refquota=none', 'reservation=10M', 'filesystem_limit=5', 'snapshot_limit=none', 'tank/a'],
        ['set', 'copies=2', 'dedup=sha256,verify', 'sync=disabled', 'snapdir=visible', 'canmount=noauto', 'tank/a'],
        ['get', '-s', 'local', 'all', 'tank/a'],
        ['get', '-p', '-o', 'property,value', 'quota,refquota,filesystem_limit,snapshot_limit', 'tank/a'],
        ['get', '-s', 'inherited', 'all', 'tank/a/b'],
        ['set', 'compression=fast', 'tank/a'],
        ['set', 'checksum=sha1', 'tank/a'],
        ['set', 'dedup=edonr', 'tank/a'],
        ['set', 'quota=0', 'tank/a'],
        ['set', 'quota=abc', 'tank/a'],
        ['set', 'quota=auto', 'tank/a'],
        ['set', 'refreservation=auto', 'tank/a'],
        ['set', 'special_small_blocks=1000', 'tank/a'],
        ['set', 'utf8only=on', 'tank/a'],
        ['set', 'version=4', 'tank/a'],
        ['set', 'used=1', 'tank/a'],
        ['set', 'volsize=1G', 'tank/a'],
        ['set', 'compression=lz4', 'tank/a@s1'],
        ['set', 'Compression=lz4', 'tank/a'],
        ['set', 'quota=4K', 'tank/a'],
        ['set', 'refquota=100K', 'tank/a'],
        ['set', 'com.example:y=1', 'tank/a', 'tank/nope'],
        ['set', 'compression=lz4', 'tank/a/b', 'tank/a@s1'],
        ['get', '-r', '-o', 'name,value,source', 'compression,com.example:y', 'tank/a'],
        ['pool', 'history', 'tank'],
        ['set', 'compress=zle', 'recsize=64K', 'rdonly=on', 'tank/a/b'],
        ['get', '-o', 'name,property,value,source', 'compress,recsize,rdonly,avail,refer', 'tank/a/b'],
        ['create', '-o', 'utf8only=on', '-o', 'normalization=formD', '-o', 'casesensitivity=mixed', 'tank/z'],
        ['get', 'utf8only,normalization,casesensitivity', 'tank/z'],
        ['create', '-o', 'encryption=on', 'tank/e'],
        ['create', '-o', 'used=5', 'tank/e'],
        ['create', '-o', 'volblocksize=8K', 'tank/e'],
      ]),
    );
  });

  it('list: aliases, -o space, -o all and sorting by index properties', () => {
    expectGolden(
      'properties/list',
      transcript([
        ...SETUP,
        ['set', 'compression=zstd', 'tank/a'],
        ['set', 'compression=off', 'tank/a/b'],
        ['list', '-o', 'name,compress,ratio,recsize,rdonly,origin'],
        ['list', '-s', 'compression', '-o', 'name,compression'],
        ['list', '-S', 'compression', '-o', 'name,compression'],
        ['list', '-o', 'space', '-r', 'tank/a'],
        ['list', '-H', '-o', 'all', 'tank/a/b'],
        ['list', '-o', 'name,objsetid,guid,createtxg,lused,lrefer,written', '-t', 'all'],
      ]),
    );
  });

  it('inherit: clears local values, -r, and the errors of zfs_do_inherit', () => {
    expectGolden(
      'properties/inherit',
      transcript([
        ...SETUP,
        ['set', 'compression=lz4', 'atime=off', 'com.example:x=top', 'tank'],
        ['set', 'compression=gzip', 'com.example:x=mid', 'tank/a'],
        ['set', 'compression=zle', 'tank/a/b'],
        ['snapshot', '-o', 'com.example:x=snap', 'tank/a@s2'],
        ['get', '-r', 'compression,com.example:x', 'tank/a'],
        ['inherit', 'compression', 'tank/a'],
        ['get', '-r', 'compression', 'tank/a'],
        ['inherit', '-r', 'com.example:x', 'tank/a'],
        ['get', '-r', 'com.example:x', 'tank'],
        ['inherit', '-r', 'compression', 'tank'],
        ['get', '-r', '-s', 'local', 'compression,atime', 'tank'],
        ['inherit', 'compress', 'tank/a@s1'],
        ['inherit', 'used', 'tank/a'],
        ['inherit', 'quota', 'tank/a'],
        ['inherit', 'canmount', 'tank/a'],
        ['inherit', '-S', 'version', 'tank/a'],
        ['inherit', 'Foo', 'tank/a'],
        ['inherit', 'atime'],
        ['inherit'],
        ['inherit', 'atime', 'tank/nope', 'tank'],
        ['get', 'atime', 'tank'],
        ['pool', 'history', 'tank'],
      ]),
    );
  });
});
