/** write, cat, ls, mkdir, rm through the built binary, and what snapshots and clones keep. */
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript } from './harness.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];

describe('file commands', () => {
  it('write, cat, ls, mkdir and rm, with their errors', () => {
    expectGolden(
      'files',
      transcript([
        POOL,
        ['create', 'tank/fs'],
        { args: ['write', 'tank/fs', '/etc/app.conf'], input: 'x=1\n' },
        { args: ['write', '-p', 'tank/fs', '/etc/app.conf'], input: 'x=1\n' },
        { args: ['write', 'tank/fs', 'etc/app.conf', '--append'], input: 'y=2\n' },
        ['cat', 'tank/fs', '/etc/app.conf'],
        { args: ['write', '--offset', '2', 'tank/fs', '/etc/app.conf'], input: '9' },
        ['cat', 'tank/fs', '/etc/app.conf'],
        { args: ['write', '--offset', '10', 'tank/fs', '/etc/sparse'], input: 'end' },
        ['cat', 'tank/fs', '/etc/sparse'],
        ['mkdir', 'tank/fs', '/var'],
        ['mkdir', 'tank/fs', '/var'],
        ['mkdir', '-p', 'tank/fs', '/var/log/app'],
        ['ls', 'tank/fs'],
        ['ls', '-l', 'tank/fs', '/etc'],
        ['ls', '-R', 'tank/fs'],
        ['snapshot', 'tank/fs@before'],
        ['rm', 'tank/fs', '/etc/app.conf'],
        ['rm', 'tank/fs', '/var'],
        ['rm', '-r', 'tank/fs', '/var'],
        ['rm', 'tank/fs', '/nope'],
        ['rm', '-f', 'tank/fs', '/nope'],
        ['rm', 'tank/fs', '/'],
        ['ls', 'tank/fs'],
        ['ls', 'tank/fs@before', '/etc'],
        ['cat', 'tank/fs@before', '/etc/app.conf'],
        ['cat', 'tank/fs', '/etc/app.conf'],
        ['cat', 'tank/fs', '/etc'],
        ['cat', 'tank/fs', '/../etc/sparse'],
        ['ls', 'tank/fs', '/nope'],
        { args: ['write', 'tank/fs@before', '/x'], input: 'no' },
        { args: ['write', 'tank/nope', '/x'], input: 'no' },
        { args: ['write', 'tank/fs', '/etc/sparse/x'], input: 'no' },
        { args: ['write', 'tank/fs', '/etc'], input: 'no' },
        { args: ['write', 'tank/fs', '/a/b'], input: 'no' },
        ['write', 'tank/fs', '/x', '/nonexistent/source'],
        ['write', '--append', '--offset', '1', 'tank/fs', '/x'],
        ['write', 'tank/fs'],
        ['cat', 'tank/fs'],
      ]),
    );
  });

  it('streams large files and keeps every layer intact', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/a']);
      const big = Buffer.alloc(5 * 131072 + 777);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      sb.ok(['write', 'tank/a', '/big', sb.file('big', big)]);
      sb.ok(['snapshot', 'tank/a@s']);
      sb.ok(['clone', 'tank/a@s', 'tank/c']);
      sb.ok(['write', '--offset', '131072', 'tank/c', '/big'], 'CHANGED');
      const changed = Buffer.from(big);
      changed.write('CHANGED', 131072);
      const read = (ds: string) => sb.bytesOf(['cat', ds, '/big']);
      expect(read('tank/a').equals(big)).toBe(true);
      expect(read('tank/a@s').equals(big)).toBe(true);
      expect(read('tank/c').equals(changed)).toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});
