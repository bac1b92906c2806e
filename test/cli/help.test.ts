/**
 * Help that answers (issue 17, item 6): `help CMD`, `CMD --help`, `-?` and `-h` print that
 * command's usage and one example on standard output, exit 0; `-h` stays an option where it is
 * one (zfs diff, and send and receive, where OpenZFS has it). Usage errors keep exit status 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZFS_ALIASES, ZFS_GROUPS, ZPOOL_GROUPS } from '../../src/cli/registry.js';
import { BIN, expectGolden, ROOT, Sandbox, transcript } from './harness.js';

const ZFS = ZFS_GROUPS.flat().map(([name]) => name);
const ZPOOL = ZPOOL_GROUPS.flat().map(([name]) => name);
/** commands where -h is an OpenZFS option, not help */
const H_IS_OPTION = new Set(['diff', 'send', 'receive', 'chown', 'du', 'xattr']);

describe('help', () => {
  it('every command answers help, --help, -? and -h (where -h is not its option) with usage and an example', () => {
    const sb = new Sandbox();
    try {
      for (const [prefix, names] of [[[], ZFS], [['pool'], ZPOOL]] as const) {
        for (const name of names) {
          const help = sb.run([...prefix, 'help', name]);
          const words = `tszfs ${[...prefix, name].join(' ')}`;
          expect(help.status, words).toBe(0);
          expect(help.stderr, words).toBe('');
          expect(help.stdout, words).toMatch(new RegExp(`^usage:\\n\\t${name}[^]*\\nexample:\\n\\t${words}[ \\n]`));
          const asked = ['--help', '-?', ...(H_IS_OPTION.has(name) && prefix.length === 0 ? [] : ['-h'])];
          for (const flag of asked) expect(sb.run([...prefix, name, flag]), `${words} ${flag}`).toEqual(help);
          // after other options and operands too, as getopt reads them
          expect(sb.run([...prefix, name, 'tank', '--help']), words).toEqual(help);
        }
      }
    } finally {
      sb.cleanup();
    }
  });

  it('golden: help as each form asks it, and what stays a usage error', () => {
    expectGolden(
      'help',
      transcript([
        ['help', 'snapshot'],
        ['snap', '-?'],
        ['pool', 'help', 'status'],
        ['help', 'pool', 'history'],
        ['zpool', 'export', '--help'],
        ['create', '-o', 'compression=lz4', '-h'],
        ['create', '-o', '-h', 'tank/a'],
        ['diff', '-h'],
        ['send', '-h', 'tank@a'],
        ['receive', '-h', 'tank/b'],
        ['help', 'nosuch'],
        ['snapshot', '-Hh'],
        ['promote', '-x'],
      ]),
    );
  });

  it('under the zfs and zpool names, the example is written with that name', () => {
    const sb = new Sandbox({ spawn: true });
    try {
      const dir = path.join(sb.home, 'bin');
      fs.mkdirSync(dir);
      for (const name of ['zfs', 'zpool']) fs.symlinkSync(BIN, path.join(dir, name));
      expect(sb.run(['help', 'rollback'], undefined, path.join(dir, 'zfs')).stdout).toContain('\nexample:\n\tzfs rollback -r tank/home@monday\n');
      expect(sb.run(['scrub', '-?'], undefined, path.join(dir, 'zpool')).stdout).toBe('usage:\n\tscrub [-e | -s | -p | -C] [-w] <pool> ...\n\nexample:\n\tzpool scrub tank\n');
    } finally {
      sb.cleanup();
    }
  });

  it('aliases answer as their command', () => {
    const sb = new Sandbox();
    try {
      for (const [alias, name] of Object.entries(ZFS_ALIASES)) expect(sb.run([alias, '--help'])).toEqual(sb.run(['help', name]));
    } finally {
      sb.cleanup();
    }
  });
});

describe('man pages', () => {
  it('document every command', () => {
    const pages = fs.readdirSync(path.join(ROOT, 'man')).map((f) => fs.readFileSync(path.join(ROOT, 'man', f), 'utf8'));
    const all = pages.join('\n');
    for (const name of ZFS) expect(all, `zfs ${name}`).toMatch(new RegExp(`(^|\\n)\\.(It )?(Nm (tszfs )?)?Cm ${name}( |\\n|$)`));
    for (const name of ZPOOL) expect(all, `pool ${name}`).toMatch(new RegExp(`(Nm tszfs pool Cm|Cm pool) ${name}( |\\n|$)`));
  });
});
