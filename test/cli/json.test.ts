/**
 * JSON output of issue 16 item 8 (`zpool status -j` and `zpool list -j -v` belong to the
 * topology work): `zfs version -j`, `zfs mount -j` and `zpool get -j`, key for key as OpenZFS 2.3
 * prints them (one compact line, output_version first).
 */
import { describe, it } from 'vitest';
import { expectGolden, transcript } from './harness.js';

describe('JSON output', () => {
  it('zfs version -j, zfs mount -j and zpool get -j with --json-int and --json-pool-key-guid', () => {
    expectGolden(
      'json-output',
      transcript([
        ['version', '-j'],
        ['version', '--json'],
        ['version', '-j', 'extra'],
        ['pool', 'create', '--size', '64M', 'tank'],
        ['pool', 'create', '--size', '64M', '-o', 'comment=second', 'other'],
        ['create', 'tank/a'],
        ['create', '-u', 'tank/u'],
        ['create', '-o', 'canmount=off', 'tank/off'],
        ['mount', '-j'],
        ['mount', '--json'],
        ['mount', '-j', 'tank/a'],
        ['unmount', '-a'],
        // Nothing mounted: nothing printed.
        ['mount', '-j'],
        ['pool', 'set', 'user:owner=ops', 'tank'],
        ['pool', 'get', '-j', 'size,capacity,comment,health,user:owner,user:none,feature@async_destroy', 'tank'],
        ['pool', 'get', '-j', '--json-int', 'size,free,capacity,guid,comment,dedupratio', 'tank'],
        ['pool', 'get', '-jp', 'size,fragmentation', 'tank'],
        ['pool', 'get', '-j', '--json-pool-key-guid', 'comment'],
        ['pool', 'get', '-j', '-o', 'name,value', 'name,comment', 'other'],
        ['pool', 'get', '--json-int', 'size', 'tank'],
        ['pool', 'get', '--json-pool-key-guid', 'size', 'tank'],
        ['pool', 'get', '-j', 'size', 'nopool'],
        ['pool', 'get', 'size', 'nopool', 'tank'],
        ['pool', 'get', '-j', 'size', 'tank', 'nopool', 'other'],
      ]),
    );
  });
});
