/**
 * Hot spares (issue 15 item 4): `replace POOL DEVICE SPARE` puts the spare in use (a spare-N of
 * the device and the spare, the spare INUSE `currently in use`) and resilvers onto it; `detach`
 * of the device makes the spare a permanent member, `detach` of the spare returns it to AVAIL
 * (and resilvers the device); `status -j` as OpenZFS prints them; OpenZFS's refusals.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden, pattern, Sandbox, seededBytes, sparseDevices, transcript } from './harness.js';

describe('hot spares', () => {
  it('a spare stands in for a lost device of a mirror, then stays or goes back', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 5);
    const data = sb.file('data', pattern(2 << 20, 3));
    const text = transcript(
      [
        ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'spare', d[2], d[3]],
        ['write', 'tank', '/f', data],
        ['inject', '-d', d[0], '-e', 'nxio', 'tank'],
        ['pool', 'replace', 'tank', d[0], d[2]],
        ['pool', 'status', 'tank'],
        ['pool', 'status', '-j', 'tank'],
        ['pool', 'iostat', '-v', 'tank'],
        ['pool', 'replace', 'tank', d[1], d[2]],
        ['pool', 'replace', 'tank', d[0], d[3]],
        ['pool', 'replace', 'tank', d[2], d[4]],
        ['pool', 'detach', 'tank', d[2]],
        ['pool', 'remove', 'tank', d[2]],
        ['pool', 'split', 'tank', 'new', d[2]],
        ['inject', '-c', 'all'],
        ['write', 'tank', '/g', data],
        // The spare goes back: the device is resilvered with what it missed.
        ['pool', 'detach', 'tank', d[2]],
        ['pool', 'status', 'tank'],
        ['pool', 'replace', 'tank', d[1], d[3]],
        ['pool', 'status', 'tank'],
        // The device goes: the spare is a member for good and leaves the spares.
        ['pool', 'detach', 'tank', d[1]],
        ['pool', 'status', 'tank'],
        ['pool', 'scrub', 'tank'],
        ['pool', 'status', '-x', 'tank'],
        ['pool', 'history', 'tank'],
      ],
      sb,
      true,
    );
    expectGolden('spares', text);
    for (const f of ['/f', '/g']) expect(sb.bytesOf(['cat', 'tank', f]).equals(fs.readFileSync(data))).toBe(true);
    sb.cleanup();
  });

  it('on raidz and on a plain file vdev, a spare rebuilds what the lost device held', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 10);
    const data = sb.file('data', seededBytes(3 << 20, 4));
    const text = transcript(
      [
        ['pool', 'create', 'rz', 'raidz1', d[0], d[1], d[2], 'spare', d[3]],
        ['write', 'rz', '/f', data],
        ['inject', '-d', d[1], '-e', 'nxio', 'rz'],
        ['pool', 'replace', 'rz', d[1], d[3]],
        ['pool', 'status', 'rz'],
        ['pool', 'scrub', 'rz'],
        ['pool', 'status', '-j', '--json-flat-vdevs', 'rz'],
        ['pool', 'create', 'st', d[4], 'spare', d[5], d[7], 'log', d[6]],
        ['write', 'st', '/f', data],
        ['pool', 'replace', 'st', d[4], d[5]],
        ['pool', 'status', 'st'],
        ['pool', 'replace', 'st', d[6], d[7]],
        ['pool', 'replace', 'st', d[4], d[7]],
        ['pool', 'detach', 'st', d[4]],
        ['pool', 'status', 'st'],
        // The spare goes back: the device gets only what was written while the spare stood in.
        ['pool', 'create', 'fv', d[8], 'spare', d[9]],
        ['write', 'fv', '/f', data],
        ['pool', 'replace', 'fv', d[8], d[9]],
        { args: ['write', 'fv', '/g'], input: 'written while the spare stood in\n' },
        ['pool', 'detach', 'fv', d[9]],
        ['pool', 'status', 'fv'],
        ['pool', 'scrub', 'fv'],
        ['pool', 'status', '-x', 'fv'],
        ['cat', 'fv', '/g'],
      ],
      sb,
      true,
    );
    expectGolden('spares-raidz', text);
    for (const p of ['rz', 'st', 'fv']) expect(sb.bytesOf(['cat', p, '/f']).equals(fs.readFileSync(data)), p).toBe(true);
    sb.cleanup();
  });

  it('a spare in use is listed by list -v, offline and import -d as OpenZFS lists it', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 3);
    let text = transcript(
      [
        ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'spare', d[2]],
        { args: ['write', 'tank', '/f'], input: 'hello\n' },
        ['pool', 'replace', 'tank', d[1], d[2]],
        ['pool', 'list', '-v', 'tank'],
        ['pool', 'offline', 'tank', d[2]],
        ['pool', 'status', 'tank'],
        ['pool', 'online', 'tank', d[2]],
        ['pool', 'export', 'tank'],
      ],
      sb,
      true,
    );
    fs.renameSync(d[1], `${d[1]}.gone`);
    text += transcript([['pool', 'import', '-d', sb.home], ['pool', 'import', '-d', sb.home, 'tank'], ['pool', 'status', '-x'], ['cat', 'tank', '/f']], sb);
    expectGolden('spares-listed', text);
  });
});
