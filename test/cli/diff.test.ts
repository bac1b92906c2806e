/**
 * `zfs diff` at full fidelity (issue 13 item 4): the -F letter of every object type, -H, -t, -h,
 * R lines for renames, M lines with the link-count change of a hard link, as libzfs_diff.c
 * prints them (print_file, print_rename, print_link_change, stream_bytes).
 */
import { describe, it } from 'vitest';
import { expectGolden, Sandbox, transcript, type Step } from './harness.js';

/** A sandbox whose clock moves one second per command, so that ctimes tell the changes apart
 *  (ZFS compares ctimes; rename, link and touch each set one). */
class TickingSandbox extends Sandbox {
  private now = 1736240700;
  override env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return super.env({ TSZFS_NOW: String(this.now), ...extra });
  }
  override run(args: string[], input?: string | Buffer) {
    this.now++;
    return super.run(args, input);
  }
}

const POOL = ['pool', 'create', '--size', '128M', '-O', 'compression=off', 'tank'];

const BEFORE: Step[] = [
  ['create', 'tank/d'],
  ['mkdir', '-p', 'tank/d', '/etc/ssl'],
  { args: ['write', 'tank/d', '/etc/passwd'], input: 'root:x:0:0::/root:/bin/sh\n' },
  { args: ['write', 'tank/d', '/etc/hosts'], input: '127.0.0.1 localhost\n' },
  { args: ['write', 'tank/d', '/tool'], input: 'tool\n' },
  { args: ['write', 'tank/d', '/two names'], input: 'two\n' },
  ['ln', 'tank/d', '/two names', '/etc/second'],
  ['ln', '-s', 'tank/d', 'etc/passwd', '/pw'],
  ['mknod', 'tank/d', '/null', 'c', '1', '3'],
  ['mknod', 'tank/d', '/sda', 'b', '8', '0'],
  ['mknod', 'tank/d', '/fifo', 'p'],
  { args: ['write', 'tank/d', '/odd\tname\\é'], input: 'odd\n' },
  ['mkdir', 'tank/d', '/moved dir'],
  { args: ['write', 'tank/d', '/moved dir/inside'], input: 'in\n' },
  ['snapshot', 'tank/d@a'],
];

const CHANGES: Step[] = [
  // a rename in place and across directories (R), a directory renamed (its contents unchanged)
  ['mv', 'tank/d', '/tool', '/tool.renamed'],
  ['mv', 'tank/d', '/etc/hosts', '/hosts'],
  ['mv', 'tank/d', '/moved dir', '/etc/moved'],
  // hard links: one name more for /etc/passwd, one name fewer for /two names
  ['ln', 'tank/d', '/etc/passwd', '/etc/ssl/passwd.link'],
  ['rm', 'tank/d', '/etc/second'],
  // metadata changes of every other type (M)
  ['chmod', '600', 'tank/d', '/null'],
  ['chown', '6:6', 'tank/d', '/sda'],
  ['touch', 'tank/d', '/fifo'],
  ['xattr', 'set', '-h', 'tank/d', '/pw', 'user.x', 'y'],
  // a symlink replaced by a FIFO under the same name (- then +), a new odd name
  ['rm', 'tank/d', '/odd\tname\\é'],
  ['mknod', 'tank/d', '/odd\tname\\é', 'p'],
  ['snapshot', 'tank/d@b'],
];

describe('zfs diff', () => {
  it('-F letters of every type, R renames, link-count M lines, -H, -t, -h, escaping', () => {
    expectGolden(
      'trees/diff',
      transcript([
        POOL,
        ...BEFORE,
        ...CHANGES,
        ['diff', 'tank/d@a', 'tank/d@b'],
        ['diff', '-F', 'tank/d@a', 'tank/d@b'],
        ['diff', '-H', 'tank/d@a', 'tank/d@b'],
        ['diff', '-t', 'tank/d@a', 'tank/d@b'],
        ['diff', '-h', 'tank/d@a', 'tank/d@b'],
        ['diff', '-FHth', 'tank/d@a', 'tank/d@b'],
        ['diff', '-F', 'tank/d@a', 'tank/d'],
        // nothing changed since @b
        ['diff', '-F', 'tank/d@b'],
      ], new TickingSandbox()),
    );
  });
});
