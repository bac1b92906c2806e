/**
 * `tszfs batch`: command lines run in one process, each as `tszfs LINE` would run it (output in
 * order, its own messages and exit status), stopping at the first failure unless -k.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript } from './harness.js';

const SCRIPT = `# a pool, two snapshots, then a look
pool create --size 128M tank

create -o 'com.example:note=two words' tank/apps
zfs snapshot -r tank@one
zpool list -H -o name,health
tszfs snapshot "tank/apps@two"   # the tszfs word is allowed too
list -H -t all -o name,com.example:note
`;

describe('batch', () => {
  it('runs each line in order; stops at the first failure, or goes on with -k', () => {
    const sb = new Sandbox();
    const script = sb.file('script', 'snapshot tank@late\nsnapshot tank@one\nlist -H -t snapshot -o name\n');
    expectGolden(
      'batch',
      transcript(
        [
          { args: ['batch'], input: SCRIPT },
          ['batch', '-f', script],
          ['batch', '-k', '-f', script],
          { args: ['batch', '-f', '-'], input: 'list -H -o name\nlist -H -o name tank/nope\nlist -H -o name tank\n' },
          { args: ['batch', '-k'], input: 'destroy tank/nope\nlist -H -o name tank/apps\n' },
          { args: ['batch'], input: 'list -H -o name\nsnapshot \'tank@a\n' },
          { args: ['batch'], input: 'batch\n' },
          ['batch', '-f', path.join(sb.home, 'missing')],
          ['batch', 'extra'],
          ['batch', '-f'],
        ],
        sb,
      ),
    );
  });

  it('a line that cannot be read runs nothing', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      expect(sb.run(['batch'], 'snapshot tank@a\nsnapshot "tank@b\n').status).toBe(2);
      expect(sb.ok(['list', '-H', '-t', 'snapshot', '-o', 'name'])).toBe('');
    } finally {
      sb.cleanup();
    }
  });

  it('in a process: lines read the standard input when the script is a file; --home carries over', () => {
    const sb = new Sandbox({ spawn: true });
    try {
      const home = path.join(sb.home, 'other');
      const script = sb.file('script', 'pool create --size 128M tank\nwrite tank /motd\ncat tank /motd\nzpool list -H -o name\n');
      const r = sb.run(['--home', home, 'batch', '-f', script], 'hello from stdin\n');
      expect(r).toEqual({ stdout: 'hello from stdin\ntank\n', stderr: '', status: 0 });
      expect(fs.existsSync(path.join(home, 'tank.img'))).toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});
