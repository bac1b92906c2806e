/**
 * Vdev properties (issue 16 item 3): `zpool get PROP POOL VDEV...|root|all-vdevs` with OpenZFS
 * 2.3's property list, values, column widths and JSON, and `zpool set PROP=VALUE POOL VDEV` with
 * its refusals; `allocating=off` keeps new blocks off a top-level vdev.
 */
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, seededBytes, sparseDevices, transcript } from './harness.js';

const tankSpec = (d: string[]) => ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'raidz1', d[2], d[3], d[4], 'log', d[5], 'spare', d[6], 'cache', d[7]];

describe('zpool get on vdevs', () => {
  it('prints every vdev property of the root, a top-level vdev and a device, by name, guid or type', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 8);
    sb.ok(tankSpec(d));
    sb.ok(['write', 'tank', '/f'], seededBytes(300_000, 1));
    const guid = sb.ok(['pool', 'get', '-Ho', 'value', 'guid', 'tank', 'raidz1-1']).trim();
    expectGolden(
      'vdev-props/get',
      transcript(
        [
          ['pool', 'get', 'all', 'tank', 'root'],
          ['pool', 'get', 'all', 'tank', 'raidz1-1'],
          ['pool', 'get', 'all', 'tank', 'd0'],
          ['pool', 'get', 'name,cap,alloc,numchild,children,parent,parity,rderr', 'tank', 'mirror-0', d[1], guid, 'raidz-1'],
          ['pool', 'get', '-H', '-o', 'name,value', 'name', 'tank', 'all-vdevs'],
          ['pool', 'get', 'size,state,allocating,trim_support', 'tank', 'all-vdevs'],
          ['pool', 'get', '-p', 'size,asize,psize,state,capacity,fragmentation,expandsize', 'tank', 'mirror-0', 'd2'],
          ['pool', 'get', '-o', 'property,source', 'state,comment', 'tank', 'root'],
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'get', 'size,allocated,path,parent,children', 'one', 'all-vdevs'],
        ],
        sb,
      ),
    );
  });

  it('counts removed vdevs among the root children, but lists and finds only the others', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 3);
    expectGolden(
      'vdev-props/removed',
      transcript(
        [
          ['pool', 'create', 'tank', d[0], d[1], 'log', d[2]],
          ['pool', 'remove', 'tank', d[0]],
          ['pool', 'remove', 'tank', d[2]],
          ['pool', 'get', 'children,numchildren', 'tank', 'root'],
          ['pool', 'get', '-H', '-o', 'name', 'name', 'tank', 'all-vdevs'],
          ['pool', 'get', 'size', 'tank', 'indirect-0'],
          ['pool', 'set', 'allocating=off', 'tank', 'd1'],
        ],
        sb,
      ),
    );
  });

  it('shows a hot spare in use as the spare-N vdev of the two devices', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 4);
    expectGolden(
      'vdev-props/spare-in-use',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], d[2], 'spare', d[3]],
          ['pool', 'replace', 'tank', d[1], d[3]],
          ['pool', 'get', '-H', '-o', 'name,property,value', 'name,state,parent,children,numchildren', 'tank', 'all-vdevs'],
          ['pool', 'get', 'children,allocating', 'tank', 'spare-1', 'd3'],
        ],
        sb,
      ),
    );
  });

  it('prints JSON as zpool get -j does: the pool, then each vdev with its properties', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 8);
    sb.ok(tankSpec(d));
    expectGolden(
      'vdev-props/get-json',
      transcript(
        [
          ['pool', 'get', '-j', 'size,state,org:x', 'tank', 'mirror-0', 'd5', 'd6', 'd7'],
          ['pool', 'get', '-j', '--json-int', 'guid,size,allocating', 'tank', 'root'],
          ['pool', 'set', 'org:x=here', 'tank', 'd0'],
          ['pool', 'get', '-jp', 'all', 'tank', 'd0'],
        ],
        sb,
      ),
    );
  });

  it('refuses what OpenZFS refuses: names that are not vdevs of the pool, bad property lists', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 8);
    sb.ok(tankSpec(d));
    sb.ok(['pool', 'create', 'other', ...sparseDevices(sb, 1, 64 * 1024 * 1024, 'x')]);
    expectGolden(
      'vdev-props/get-errors',
      transcript(
        [
          ['pool', 'get', 'size', 'tank', 'd0', 'nosuch', 'x0', 'other', 'root'],
          ['pool', 'get', 'size', 'tank', 'all-vdevs', 'd0'],
          ['pool', 'get', 'bogus', 'tank', 'd0'],
          ['pool', 'get', 'size,', 'tank', 'root'],
          ['pool', 'get', 'size', 'nopool', 'd0'],
          ['pool', 'get', 'size', 'tank', 'raidz2-1'],
          ['pool', 'get', 'size', 'tank', 'mirror-1'],
        ],
        sb,
      ),
    );
  });
});

describe('zpool set on vdevs', () => {
  it('stores the settable properties in one change and refuses the rest as OpenZFS does', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 8);
    sb.ok(tankSpec(d));
    expectGolden(
      'vdev-props/set',
      transcript(
        [
          ['pool', 'set', 'comment=fast disks', 'tank', 'mirror-0'],
          ['pool', 'set', 'comment=openzfs', 'tank', 'root'],
          ['pool', 'set', 'failfast=off', 'tank', 'd0'],
          ['pool', 'set', 'checksum_n=10', 'tank', 'd0'],
          ['pool', 'set', 'checksum_t=1K', 'tank', 'd0'],
          ['pool', 'set', 'io_n=5', 'tank', 'd0'],
          ['pool', 'set', 'io_n=none', 'tank', 'd0'],
          ['pool', 'set', 'slow_io_t=30', 'tank', 'raidz1-1'],
          ['pool', 'set', 'org:owner=ops', 'tank', 'd2'],
          ['pool', 'get', 'comment,failfast,checksum_n,checksum_t,io_n,slow_io_t,org:owner', 'tank', 'mirror-0', 'd0', 'd2', 'raidz1-1', 'root-0'],
          ['pool', 'get', '-H', '-o', 'value', 'comment', 'tank', 'root'],
          ['pool', 'set', 'org:owner=', 'tank', 'd2'],
          ['pool', 'get', 'org:owner', 'tank', 'd2'],
          // refusals: nothing changes
          ['pool', 'set', 'size=1', 'tank', 'd0'],
          ['pool', 'set', 'cap=1', 'tank', 'd0'],
          ['pool', 'set', 'failfast=maybe', 'tank', 'd0'],
          ['pool', 'set', 'checksum_n=abc', 'tank', 'd0'],
          ['pool', 'set', 'checksum_n=auto', 'tank', 'd0'],
          ['pool', 'set', 'bogus=1', 'tank', 'd0'],
          ['pool', 'set', 'path=/dev/sdz', 'tank', 'd0'],
          ['pool', 'set', 'path=/dev/sdz', 'tank', 'mirror-0'],
          ['pool', 'set', 'org:x=1', 'tank', 'd6'],
          ['pool', 'set', 'allocating=off', 'tank', 'd0'],
          ['pool', 'set', 'allocating=off', 'tank', 'root'],
          ['pool', 'set', 'allocating=maybe', 'tank', 'mirror-0'],
          ['pool', 'set', 'comment=x', 'tank', 'nosuch'],
          ['pool', 'set', 'comment=x', 'nopool', 'd0'],
          ['pool', 'set', 'comment=x', 'nopool'],
          ['pool', 'set', 'comment=x', 'tank', 'd0', 'd1'],
          ['pool', 'get', 'failfast,checksum_n,allocating', 'tank', 'd0', 'mirror-0'],
        ],
        sb,
      ),
    );
  });

  it('zpool status marks a vdev that takes no new blocks, as OpenZFS does', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 5);
    expectGolden(
      'vdev-props/non-allocating',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'mirror', d[2], d[3], 'log', d[4]],
          ['list', '-o', 'name,avail', 'tank'],
          ['pool', 'set', 'allocating=off', 'tank', 'mirror-0'],
          ['pool', 'set', 'allocating=off', 'tank', d[2]],
          ['pool', 'set', 'allocating=off', 'tank', 'mirror-1'],
          ['list', '-o', 'name,avail', 'tank'],
          ['pool', 'status', 'tank'],
          ['pool', 'status', '-j', '--json-int', 'tank'],
          ['pool', 'get', 'allocating', 'tank', 'all-vdevs'],
          ['pool', 'set', 'allocating=on', 'tank', 'mirror-0'],
          ['pool', 'set', 'allocating=off', 'tank', 'd4'],
          ['pool', 'status', 'tank'],
          ['list', '-o', 'name,avail', 'tank'],
          ['pool', 'history', 'tank'],
        ],
        sb,
      ),
    );
  });

  it('a top-level vdev keeps its properties when attach makes it a mirror and detach a file again', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 3);
    expectGolden(
      'vdev-props/attach',
      transcript(
        [
          ['pool', 'create', 'tank', d[0], d[1]],
          ['pool', 'set', 'comment=first', 'tank', 'd0'],
          ['pool', 'set', 'allocating=off', 'tank', 'd0'],
          ['pool', 'attach', 'tank', d[0], d[2]],
          ['pool', 'get', '-H', '-o', 'name,property,value,source', 'comment,allocating', 'tank', 'mirror-0', 'd0', 'd2'],
          ['pool', 'detach', 'tank', d[0]],
          ['pool', 'get', '-H', '-o', 'name,property,value,source', 'comment,allocating', 'tank', 'd2'],
        ],
        sb,
      ),
    );
  });

  it('allocating=off keeps new blocks off a top-level vdev and out of avail; the last one stays on', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 4);
    sb.ok(['pool', 'create', 'tank', 'mirror', d[0], d[1], 'mirror', d[2], d[3]]);
    const alloc = (v: string) => Number(sb.ok(['pool', 'get', '-Hp', '-o', 'value', 'allocated', 'tank', v]).trim());
    const avail = () => sb.bytes('available', 'tank');
    const availBefore = avail();
    sb.ok(['pool', 'set', 'allocating=off', 'tank', 'mirror-0']);
    expect(avail()).toBeLessThan(availBefore / 2 + 1);
    const m0 = alloc('mirror-0');
    const m1 = alloc('mirror-1');
    sb.ok(['write', 'tank', '/big'], seededBytes(4 * 1024 * 1024, 2));
    expect(alloc('mirror-0')).toBe(m0);
    expect(alloc('mirror-1')).toBeGreaterThan(m1 + 4 * 1024 * 1024 - 1);
    // the other one cannot stop too: nothing would take new blocks
    const r = sb.run(['pool', 'set', 'allocating=off', 'tank', 'mirror-1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('cannot set property allocating for mirror-1 on tank: invalid argument for this pool operation\n');
    sb.ok(['pool', 'set', 'allocating=on', 'tank', 'mirror-0']);
    expect(avail()).toBeGreaterThan(availBefore - 5 * 1024 * 1024);
    sb.ok(['write', 'tank', '/more'], seededBytes(4 * 1024 * 1024, 3));
    expect(alloc('mirror-0')).toBeGreaterThan(m0);
    expect(sb.bytesOf(['cat', 'tank', '/big']).equals(seededBytes(4 * 1024 * 1024, 2))).toBe(true);
    sb.cleanup();
  });
});
