/**
 * Pool properties, history, export/import and `zpool create` with a file vdev, through the
 * built binary (openzfs-reference.md §9).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript } from './harness.js';

/** A sandbox holding an empty 128M file, as `truncate -s 128M` makes it. */
function withImage(name = 'p.img'): { sb: Sandbox; image: string } {
  const sb = new Sandbox();
  const image = path.join(sb.home, name);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 128 * 1024 * 1024);
  return { sb, image };
}

describe('zpool get and set', () => {
  it('get all, single properties, -H -p -o, and set with its errors', () => {
    const { sb, image } = withImage();
    expectGolden(
      'pool-commands/get-set',
      transcript(
        [
          ['pool', 'create', tankArgs(image)].flat(),
          ['pool', 'get', 'all', 'tank'],
          ['pool', 'get', 'size,cap,health,listsnapshots,comment,feature@lz4_compress', 'tank'],
          ['pool', 'get', '-Hp', '-o', 'name,property,value', 'size,allocated,free,capacity,fragmentation,dedupratio', 'tank'],
          ['pool', 'get', '-o', 'property,value', 'freeing,leaked,expandsize,checkpoint,failmode', 'tank'],
          ['pool', 'set', 'comment=first pool', 'tank'],
          ['pool', 'set', 'failmode=continue', 'tank'],
          ['pool', 'set', 'org.example:owner=ops', 'tank'],
          ['pool', 'get', '-s', 'local', 'comment,failmode,org.example:owner', 'tank'],
          ['pool', 'get', 'comment,failmode,org.example:owner', 'tank'],
          ['pool', 'set', 'failmode=sometimes', 'tank'],
          ['pool', 'set', 'size=1G', 'tank'],
          ['pool', 'set', 'bogus=1', 'tank'],
          ['pool', 'set', 'ashift=12', 'tank'],
          ['pool', 'set', 'readonly=on', 'tank'],
          ['pool', 'set', 'feature@lz4_compress=disabled', 'tank'],
          ['pool', 'set', 'comment=x', 'nope'],
          ['pool', 'set', 'comment'],
          ['pool', 'set', 'comment=x'],
          ['pool', 'get', 'bogus', 'tank'],
          ['pool', 'get', 'size', 'nope'],
          ['pool', 'get'],
        ],
        sb,
      ),
    );
  });

  it('listsnapshots=on makes zfs list show snapshots; -j output', () => {
    expectGolden(
      'pool-commands/listsnapshots',
      transcript([
        ['pool', 'create', '--size', '128M', 'tank'],
        ['create', 'tank/a'],
        ['snapshot', 'tank/a@s1'],
        ['list'],
        ['pool', 'set', 'listsnapshots=on', 'tank'],
        ['list'],
        ['list', '-t', 'filesystem'],
        ['pool', 'list', '-o', 'name,size,health,listsnapshots,guid'],
        ['pool', 'list', '-j'],
        ['pool', 'list', '-j', '--json-int', '--json-pool-key-guid', '-o', 'name,size,capacity,listsnapshots'],
        ['pool', 'get', '-j', 'listsnapshots,free', 'tank'],
        ['pool', 'list', '--json-int'],
      ]),
    );
  });
});

describe('zpool history, export and import', () => {
  it('history records changing commands as typed; export and import move the pool', () => {
    const { sb, image } = withImage();
    expectGolden(
      'pool-commands/history-export-import',
      transcript(
        [
          ['pool', 'history'],
          ['pool', 'create', tankArgs(image)].flat(),
          ['create', 'tank/a'],
          ['snap', 'tank/a@s1'],
          ['set', 'com.example:x=1', 'tank/a'],
          ['list', 'tank/a'],
          ['create', 'tank/a'],
          ['pool', 'history', 'tank'],
          ['pool', 'history', 'nope'],
          ['pool', 'export', 'tank'],
          ['pool', 'export', 'tank'],
          ['pool', 'export'],
          ['pool', 'list'],
          ['pool', 'import', '-d', sb.home],
          ['pool', 'import', '-d', sb.home, 'other'],
          ['pool', 'import', '-d', sb.home, 'tank', 'new'],
          ['pool', 'list', '-H', '-o', 'name'],
          ['list', '-r', '-o', 'name,com.example:x', 'new'],
          ['pool', 'history', 'new'],
          ['pool', 'export', 'new'],
          ['pool', 'create', '--size', '64M', 'new'],
          ['pool', 'import', '-d', sb.home, 'new'],
          ['pool', 'import', '-d', sb.home, 'new', 'tank'],
          ['pool', 'import', '-d', sb.home],
          ['pool', 'history', 'tank'],
        ],
        sb,
      ),
    );
  });

  it('history -l names the user and host', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      expect(sb.ok(['pool', 'history', '-l', 'tank'])).toMatch(
        /^History for 'tank':\n2025-01-07\.09:05:00 zpool create --size 64M tank \[user \d+ \(\S+\) on \S+\]\n\n$/,
      );
    } finally {
      sb.cleanup();
    }
  });
});

describe('zpool create with file vdevs', () => {
  it('one existing file, relative names, several files, -n, -d, -m, status layout', () => {
    const { sb, image } = withImage();
    expectGolden(
      'pool-commands/create-vdevs',
      transcript(
        [
          ['pool', 'create', 'tank', 'p.img'],
          ['pool', 'create', '-n', 'tank', image, path.join(sb.home, 'q.img')],
          ['pool', 'create', '-n', 'tank', 'mirror', image, path.join(sb.home, 'q.img')],
          ['pool', 'create', '-n', 'tank', image],
          ['pool', 'create', '-m', 'relative', 'tank', image],
          ['pool', 'create', '-d', '-m', '/export/tank', '-o', 'comment=made by test', 'tank', image],
          ['pool', 'status', 'tank'],
          ['pool', 'get', '-H', '-o', 'property,value', 'comment,feature@async_destroy,feature@lz4_compress', 'tank'],
          ['get', '-H', '-o', 'value', 'mountpoint', 'tank'],
          ['pool', 'list', 'tank'],
          ['pool', 'create', '-R', '/mnt', '--size', '64M', 'alt'],
          ['create', 'alt/a'],
          ['list', '-r', '-o', 'name,mountpoint', 'alt'],
          ['pool', 'get', 'altroot,cachefile', 'alt'],
          ['pool', 'create', '-R', 'mnt', '--size', '64M', 'alt2'],
        ],
        sb,
      ),
    );
  });
});

function tankArgs(image: string): string[] {
  return ['tank', image];
}

describe('zpool sync', () => {
  it('opens each named pool (or all), and a missing one is reported with exit 1', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['pool', 'create', '--size', '64M', 'other']);
      expect(sb.run(['pool', 'sync'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
      expect(sb.run(['pool', 'sync', 'tank'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
      const missing = sb.run(['pool', 'sync', 'tank', 'nope', 'other']);
      expect(missing).toMatchObject({ status: 1, stdout: '', stderr: "cannot open 'nope': no such pool\n" });
    } finally {
      sb.cleanup();
    }
  });
});
