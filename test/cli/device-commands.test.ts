/**
 * Device commands of issue 15 item 4 that only report: `zpool resilver` (nothing needs one: a
 * device is resilvered before the command that brings it back returns; refused without
 * resilver_defer as spa_scan refuses) and `zpool wait` (returns at once; its grammar refusals).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, sparseDevices, transcript } from './harness.js';

describe('zpool resilver and wait', () => {
  it('answer as OpenZFS does when nothing is in progress', () => {
    expectGolden(
      'device-commands',
      transcript([
        ['pool', 'create', '--size', '64M', 'tank'],
        ['pool', 'create', '--size', '64M', '-o', 'version=28', 'old'],
        ['pool', 'resilver', 'tank'],
        ['pool', 'resilver', 'old', 'tank'],
        ['pool', 'resilver', 'nopool'],
        ['pool', 'resilver'],
        ['pool', 'wait', 'tank'],
        ['pool', 'wait', '-t', 'scrub,resilver', 'tank', '5'],
        ['pool', 'wait', '-t', 'scrub,bogus', 'tank'],
        ['pool', 'wait', 'tank', '1', '2'],
        ['pool', 'wait', 'tank', 'old'],
        ['pool', 'wait'],
        ['pool', 'wait', 'nopool'],
        ['pool', 'wait', '-T', 'x', 'tank'],
      ]),
    );
  });
});

describe('zpool labelclear', () => {
  it('wipes a label as OpenZFS does: refused for an active pool, -f for an exported one', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 5);
    fs.writeFileSync(path.join(sb.home, 'plain'), Buffer.alloc(8192));
    expectGolden(
      'labelclear',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'spare', d[2]],
          ['pool', 'labelclear', d[0]],
          ['pool', 'labelclear', '-f', d[0]],
          ['pool', 'labelclear', d[2]],
          ['pool', 'offline', 'tank', d[1]],
          ['pool', 'labelclear', '-f', d[1]],
          ['pool', 'export', 'tank'],
          ['pool', 'labelclear', d[0]],
          ['pool', 'labelclear', '-f', d[0]],
          ['pool', 'labelclear', '-f', d[0]],
          ['pool', 'create', 'new', d[0]],
          ['pool', 'labelclear', path.join(sb.home, 'plain')],
          ['pool', 'labelclear', path.join(sb.home, 'absent')],
          ['pool', 'labelclear', 'absent'],
          ['pool', 'labelclear'],
          ['pool', 'labelclear', d[3], d[4]],
        ],
        sb,
      ),
    );
  });
});

describe('zpool iostat', () => {
  it('counts what each device read and wrote, kept across commands', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 5);
    expectGolden(
      'iostat',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'log', d[2], 'spare', d[3]],
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'iostat', 'tank'],
          { args: ['write', 'tank', '/f'], input: Buffer.from('abc\n'.repeat(100)) },
          ['cat', 'tank', '/f'],
          ['pool', 'iostat'],
          ['pool', 'iostat', '-v'],
          ['pool', 'iostat', '-vH', 'tank'],
          ['pool', 'iostat', '-p', 'tank'],
          ['pool', 'iostat', 'tank', '1', '1'],
          ['pool', 'iostat', 'tank', '0.05', '2'],
          ['pool', 'iostat', '-y', 'tank', '0.05', '2'],
          ['pool', 'iostat', '-vy', 'tank', '0.05', '2'],
          ['pool', 'iostat', '-T', 'u', 'one', '0.05', '2'],
          ['pool', 'iostat', '-Hy', '-T', 'd', 'one', '0.05', '1'],
          ['pool', 'iostat', 'tank', '0'],
          ['pool', 'iostat', 'tank', '0', '2'],
          ['pool', 'iostat', 'nopool', 'tank'],
        ],
        sb,
      ),
    );
  });
});

describe('zpool remove', () => {
  it('removes spares and cache devices, refuses what OpenZFS refuses', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 9);
    expectGolden(
      'remove',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], d[2], 'cache', d[3], 'spare', d[4], d[5]],
          ['pool', 'remove', '-n', 'tank', d[4]],
          ['pool', 'remove', '-np', 'tank', d[4]],
          ['pool', 'remove', 'tank', d[4], d[3]],
          ['pool', 'status', 'tank'],
          ['pool', 'remove', 'tank', d[1]],
          ['pool', 'remove', 'tank', 'mirror-0'],
          ['pool', 'remove', 'tank', d[8]],
          ['pool', 'remove', '-s', 'tank'],
          ['pool', 'remove', '-sn', 'tank'],
          ['pool', 'remove', '-s', 'tank', d[5]],
          ['pool', 'remove', 'tank'],
          ['pool', 'remove'],
          ['pool', 'remove', 'nopool', d[5]],
          ['pool', 'create', 'rz', 'raidz1', d[6], d[7], d[8]],
          ['pool', 'remove', 'rz', 'raidz1-0'],
          ['pool', 'remove', 'rz', d[6]],
          ['pool', 'history', 'tank'],
        ],
        sb,
      ),
    );
  });
});

describe('zpool offline and online by guid', () => {
  it('read the guid as strtoull(3) does: decimal as zpool status -g shows it, or hex after 0x', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 2);
      sb.ok(['pool', 'create', '-f', 'tank', 'mirror', d[0], d[1]]);
      const json = JSON.parse(sb.ok(['pool', 'status', '-j', 'tank'])) as { pools: { tank: { vdevs: { tank: { vdevs: Record<string, { vdevs: Record<string, { guid: string }> }> } } } } };
      const guid = json.pools.tank.vdevs.tank.vdevs['mirror-0'].vdevs[d[1]].guid;
      sb.ok(['pool', 'offline', 'tank', guid]);
      expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/OFFLINE/);
      sb.ok(['pool', 'online', 'tank', `0x${BigInt(guid).toString(16)}`]);
      expect(sb.ok(['pool', 'status', 'tank'])).not.toMatch(/OFFLINE/);
      const bare = BigInt(guid).toString(16);
      const r = sb.run(['pool', 'offline', 'tank', bare]);
      expect(r.stderr).toBe(`cannot offline ${bare}: no such device in pool\n`);
      expect(r.status).toBe(1);
    } finally {
      sb.cleanup();
    }
  });
});
