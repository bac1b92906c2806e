/**
 * `zfs diff` at full fidelity (issue 13 item 4): the -F letter of every object type, -H, -t, -h,
 * R lines for renames, M lines with the link-count change of a hard link, as libzfs_diff.c
 * prints them (print_file, print_rename, print_link_change, stream_bytes).
 */
import { describe, expect, it } from 'vitest';
import { DIR_FLAT_MAX } from '../../src/engine/files/dir.js';
import type { Dnode } from '../../src/engine/model.js';
import { changeFiles } from '../../src/lib/files.js';
import { Home } from '../../src/lib/home.js';
import { BIN, expectGolden, run, Sandbox, transcript, type Step } from './harness.js';

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

  it('names the changes of a hashed directory (past DIR_FLAT_MAX entries) and of no other', () => {
    const sb = new TickingSandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/d']);
      sb.ok(['mkdir', 'tank/d', '/big']);
      const names = Array.from({ length: DIR_FLAT_MAX + 500 }, (_, i) => `/big/f${i}`);
      sb.ok(['touch', 'tank/d', ...names]);
      sb.ok(['mkdir', 'tank/d', '/other']);
      sb.ok(['snapshot', 'tank/d@a']);
      sb.ok(['touch', 'tank/d', '/big/f7']);
      sb.ok(['mv', 'tank/d', '/big/f100', '/big/renamed']);
      sb.ok(['mv', 'tank/d', '/big/f200', '/other/f200']);
      sb.ok(['rm', 'tank/d', '/big/f300']);
      sb.ok(['ln', 'tank/d', '/big/f400', '/other/link']);
      sb.ok(['touch', 'tank/d', '/big/new']);
      sb.ok(['snapshot', 'tank/d@b']);
      const lines = sb.ok(['diff', '-F', 'tank/d@a', 'tank/d@b']).split('\n').filter(Boolean);
      expect(lines.sort()).toEqual(
        [
          'M\t/\t/tank/d/big',
          'M\t/\t/tank/d/other',
          'M\tF\t/tank/d/big/f7',
          'R\tF\t/tank/d/big/f100 -> /tank/d/big/renamed',
          'R\tF\t/tank/d/big/f200 -> /tank/d/other/f200',
          '-\tF\t/tank/d/big/f300',
          'M\tF\t/tank/d/big/f400\t(+1)',
          '+\tF\t/tank/d/big/new',
        ].sort(),
      );
    } finally {
      sb.cleanup();
    }
  });

  it('shows an object number reused by another object (new generation or type) as - then +', () => {
    const sb = new TickingSandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/d']);
      sb.ok(['touch', 'tank/d', '/regen', '/retype']);
      sb.ok(['snapshot', 'tank/d@a']);
      // No command reuses an object number (ZFS does, once an object is freed): set the dnodes.
      changeFiles(new Home(sb.home), 'tank/d', 'test', (fs) => {
        const set = (fs as unknown as { setDnode(object: number, dn: Dnode): void }).setDnode.bind(fs);
        const regen = fs.lookup(['regen']);
        set(regen.object, { ...regen.dnode, gen: regen.dnode.gen + 1 });
        const retype = fs.lookup(['retype']);
        const { type: _t, size: _s, blksz: _b, blocks: _bl, ...common } = retype.dnode as Extract<Dnode, { type: 'file' }>;
        set(retype.object, { ...common, type: 'fifo' });
      });
      sb.ok(['snapshot', 'tank/d@b']);
      expect(sb.ok(['diff', '-F', 'tank/d@a', 'tank/d@b'])).toBe(
        ['-\tF\t/tank/d/regen', '+\tF\t/tank/d/regen', '-\tF\t/tank/d/retype', '+\t|\t/tank/d/retype', ''].join('\n'),
      );
    } finally {
      sb.cleanup();
    }
  });

  it('colours each line by its change on a terminal with ZFS_COLOR set, as libzfs_diff does', async () => {
    const sb = new TickingSandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/d']);
      sb.ok(['touch', 'tank/d', '/a', '/b']);
      sb.ok(['snapshot', 'tank/d@a']);
      sb.ok(['mv', 'tank/d', '/a', '/c']);
      sb.ok(['ln', 'tank/d', '/b', '/b2']);
      sb.ok(['snapshot', 'tank/d@b']);
      const diffOn = async (tty: boolean, extra: NodeJS.ProcessEnv, ...flags: string[]) => {
        const out: Buffer[] = [];
        await run([process.execPath, BIN, 'diff', ...flags, 'tank/d@a', 'tank/d@b'], {
          stdout: { write: (b: Buffer) => out.push(Buffer.from(b)), isTTY: tty },
          stderr: { write: () => {} },
          env: sb.env({ TERM: 'xterm', NO_COLOR: undefined, ...extra }),
        });
        return Buffer.concat(out).toString();
      };
      const plain = 'M\t/tank/d/\nR\t/tank/d/a -> /tank/d/c\nM\t/tank/d/b\t(+1)\n';
      expect(await diffOn(true, { ZFS_COLOR: '1' })).toBe(
        '\x1b[0;33mM\t/tank/d/\n\x1b[0m\x1b[1;34mR\t/tank/d/a -> /tank/d/c\n\x1b[0m\x1b[0;33mM\t/tank/d/b\t(+1)\n\x1b[0m',
      );
      expect(await diffOn(true, {})).toBe(plain);
      expect(await diffOn(false, { ZFS_COLOR: '1' })).toBe(plain);
      expect(await diffOn(true, { ZFS_COLOR: '1', NO_COLOR: '1' })).toBe(plain);
      expect(await diffOn(true, { ZFS_COLOR: '1' }, '-H')).toBe(plain.replace(' -> ', '\t'));
    } finally {
      sb.cleanup();
    }
  });
});
