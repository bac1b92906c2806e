/** pool create, list, status, destroy through the built binary, and the zfs/zpool personalities. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, expectGolden, Sandbox, transcript, META } from './harness.js';

describe('pool commands', () => {
  it('create, list, status, destroy and their errors', () => {
    const sb = new Sandbox();
    const image = path.join(sb.home, 'given.img');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 128 * 1024 * 1024);
    expectGolden(
      'pools',
      transcript(
        [
          ['pool', 'list'],
          ['pool', 'status'],
          ['pool', 'create', '--size', '256M', 'tank'],
          ['pool', 'create', 'tank'],
          ['pool', 'create', '1pool'],
          ['pool', 'create', 'tank/x'],
          ['pool', 'create', 'mirror'],
          ['pool', 'create', '--size', '10M', 'small'],
          ['pool', 'create', '--size', 'lots', 'small'],
          ['pool', 'create', '-o', 'listsnapshots=on', 'given', image],
          ['pool', 'create', 'again', image],
          ['pool', 'list'],
          ['pool', 'list', '-H'],
          ['pool', 'list', '-Hp', '-o', 'name,size,alloc,free,cap'],
          ['pool', 'list', 'nope'],
          ['pool', 'list', '-o', 'bogus'],
          ['pool', 'status', 'tank'],
          ['zpool', 'status'],
          ['pool', 'destroy', 'nope'],
          ['pool', 'destroy', 'tank/x'],
          ['pool', 'destroy', 'given'],
          ['pool', 'create', 'again', image],
          ['pool', 'destroy', 'tank'],
          ['pool', 'destroy', 'again'],
          ['pool', 'list'],
          ['pool'],
        ],
        sb,
      ),
    );
  });

  it('fills to OpenZFS capacity: size is the image, alloc moves with data', () => {
    const sb = new Sandbox();
    try {
      // compression=off: every record is allocated as written.
      sb.ok(['pool', 'create', '--size', '128M', '-O', 'compression=off', 'tank']);
      expect(fs.statSync(path.join(sb.home, 'tank.img')).size).toBe(128 * 1024 * 1024);
      // The label and the root's metadata allocation.
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'size,alloc'])).toBe(`${128 * 1024 * 1024}\t${4096 + META}\n`);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], Buffer.alloc(300000, 7));
      // 300000 bytes: three 128K records.
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc'])).toBe(`${4096 + 2 * META + 3 * 131072}\n`);
      sb.ok(['rm', 'tank/a', '/f']);
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc'])).toBe(`${4096 + 2 * META}\n`);
    } finally {
      sb.cleanup();
    }
  });

  it('a full pool refuses the write and keeps what it stored', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/keep'], 'kept\n');
      const before = sb.ok(['pool', 'list', '-Hp', '-o', 'alloc']);
      // 64M less the 32M slop reserve leaves under 32M for data.
      const r = sb.run(['write', 'tank/a', '/big'], Buffer.alloc(40 * 1024 * 1024, 1));
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("cannot write 'tank/a:/big': out of space\n");
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc'])).toBe(before);
      expect(sb.ok(['cat', 'tank/a', '/keep'])).toBe('kept\n');
      expect(sb.run(['cat', 'tank/a', '/big']).status).toBe(1);
    } finally {
      sb.cleanup();
    }
  });

  it('speaks zfs and zpool when run through links of those names', () => {
    const sb = new Sandbox();
    try {
      for (const name of ['zfs', 'zpool']) fs.symlinkSync(BIN, path.join(sb.home, name));
      expect(sb.run(['create', '--size', '128M', 'tank'], undefined, path.join(sb.home, 'zpool')).status).toBe(0);
      expect(sb.run(['create', 'tank/a'], undefined, path.join(sb.home, 'zfs')).status).toBe(0);
      expect(sb.run(['list', '-H', '-o', 'name'], undefined, path.join(sb.home, 'zpool')).stdout).toBe('tank\n');
    } finally {
      sb.cleanup();
    }
  });
});
