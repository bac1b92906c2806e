/**
 * `zpool split` (issue 15 item 4): each mirror gives its last (or the named) child to a new pool,
 * exported, importable with `import -d`, holding the same data under a new pool guid; -n prints
 * the new layout; OpenZFS's refusals and messages (zpool_vdev_split, spa_vdev_split_mirror).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden, pattern, Sandbox, sparseDevices, transcript } from './harness.js';

describe('zpool split', () => {
  it('makes an exported pool of one side of each mirror, with the same data', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 11);
    const data = sb.file('data', pattern(3 << 20, 5));
    expectGolden(
      'split',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], d[2], 'mirror', d[3], d[4], d[5], 'special', 'mirror', d[6], d[7], d[8], 'log', d[9], 'spare', d[10]],
          ['create', 'tank/a'],
          ['write', 'tank/a', '/f', data],
          ['snapshot', 'tank/a@s'],
          ['pool', 'split', '-n', 'tank', 'new'],
          ['pool', 'split', '-n', 'tank', 'new', d[3]],
          ['pool', 'split', '-ng', 'tank', 'new'],
          ['pool', 'split', 'tank', 'new', d[3]],
          ['pool', 'status', 'tank'],
          ['pool', 'list', '-H', '-o', 'name'],
          ['pool', 'import', '-d', sb.home],
          ['pool', 'import', '-d', sb.home, 'new'],
          ['pool', 'status', 'new'],
          ['list', '-r', '-t', 'all', '-o', 'name,used,refer', 'new'],
          ['pool', 'scrub', 'new'],
          ['pool', 'history', 'tank'],
          ['pool', 'history', 'new'],
          // The device tank's metadata lies beside leaves: the metadata moves to the next one.
          ['pool', 'split', 'tank', 'two', d[0]],
          ['pool', 'split', 'tank', 'three'],
          ['pool', 'status', 'tank'],
          ['pool', 'import', '-d', sb.home, 'two'],
          ['pool', 'get', '-H', '-o', 'value', 'health', 'tank', 'new', 'two'],
          ['pool', 'status', 'two'],
        ],
        sb,
        true,
      ),
    );
    // The data is the same in both pools, and each goes on by itself.
    expect(sb.bytesOf(['cat', 'new/a', '/f']).equals(fs.readFileSync(data))).toBe(true);
    expect(sb.bytesOf(['cat', 'two/a@s', '/f']).equals(fs.readFileSync(data))).toBe(true);
    sb.ok(['write', 'tank/a', '/f'], 'changed\n');
    expect(sb.bytesOf(['cat', 'new/a', '/f']).equals(fs.readFileSync(data))).toBe(true);
    const guids = sb.ok(['pool', 'get', '-H', '-o', 'value', 'guid', 'tank', 'new', 'two']).trim().split('\n');
    expect(new Set(guids).size).toBe(3);
    sb.cleanup();
  });

  it('refuses what OpenZFS refuses, with its messages', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 7);
    expectGolden(
      'split-errors',
      transcript(
        [
          ['pool', 'create', 'm', 'mirror', d[0], d[1]],
          ['pool', 'create', 'rz', 'raidz1', d[2], d[3], d[4]],
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'split'],
          ['pool', 'split', 'm'],
          ['pool', 'split', 'nopool', 'x'],
          ['pool', 'split', 'rz', 'x'],
          ['pool', 'split', 'one', 'x'],
          ['pool', 'split', 'm', 'one'],
          ['pool', 'split', 'm', '1x'],
          ['pool', 'split', 'm', 'x', d[2]],
          ['pool', 'split', 'm', 'x', d[0], d[1]],
          ['pool', 'split', 'm', 'x', 'd0'],
          ['pool', 'split', 'm', 'x', `${sb.home}/absent`],
          ['pool', 'split', 'm', 'x', 'mirror'],
          ['pool', 'split', '-o', 'noatime', 'm', 'x'],
          ['pool', 'split', '-l', 'm', 'x'],
          ['pool', 'split', '-o', 'bogus=1', 'm', 'x'],
          ['pool', 'split', '-R'],
          ['pool', 'offline', 'm', d[1]],
          ['pool', 'split', 'm', 'x'],
          ['pool', 'split', 'm', 'x', d[0]],
          ['pool', 'online', 'm', d[1]],
          ['pool', 'split', '-o', 'comment=split', '-R', '/mnt', 'm', 'x'],
          ['pool', 'list', '-H', '-o', 'name,health,altroot'],
          ['pool', 'get', '-H', '-o', 'value', 'comment', 'x'],
        ],
        sb,
      ),
    );
  });

  it('keeps a log between mirrors as a hole and a removed mirror as its mapping', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 7);
    const data = sb.file('data', pattern(3 << 20, 8));
    expectGolden(
      'split-holes',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'log', d[2]],
          ['pool', 'add', 'tank', 'mirror', d[3], d[4], 'mirror', d[5], d[6]],
          ['write', 'tank', '/f', data],
          ['pool', 'remove', 'tank', 'mirror-0'],
          ['pool', 'split', '-n', 'tank', 'new'],
          ['pool', 'split', 'tank', 'new'],
          ['pool', 'import', '-d', sb.home, 'new'],
          ['pool', 'status', 'new'],
          ['pool', 'scrub', 'new'],
          ['pool', 'status', '-x', 'new'],
          ['pool', 'list', '-v', 'new'],
        ],
        sb,
        true,
      ),
    );
    expect(sb.bytesOf(['cat', 'new', '/f']).equals(fs.readFileSync(data))).toBe(true);
    sb.cleanup();
  });
});
