/**
 * Odd paths and environments (issue 12 item 6): a trailing slash on something that is not a
 * directory, names and paths too long, a bad `pool list -T`, a home that cannot hold files, a
 * send whose reader goes away or whose device is full, and the one-line shape of an internal
 * error. Each runs the real binary; pipes and devices are real.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, expectGolden, pattern, Sandbox, transcript } from './harness.js';

const withPool = (sb: Sandbox) => {
  sb.ok(['pool', 'create', '--size', '64M', 'tank']);
  sb.ok(['create', 'tank/a']);
  return sb;
};

describe('paths', () => {
  it('a trailing slash names a directory: on a file or a new name it is ENOTDIR, and nothing changes', () => {
    const sb = withPool(new Sandbox());
    expectGolden(
      'edges-trailing-slash',
      transcript(
        [
          { args: ['write', 'tank/a', '/newfile/'], input: 'x\n' },
          { args: ['write', 'tank/a', '/f'], input: 'file\n' },
          { args: ['write', 'tank/a', '/f/'], input: 'x\n' },
          { args: ['write', '-p', 'tank/a', '/new/dir/g/'], input: 'x\n' },
          { args: ['write', 'tank/a', '/missing/g/'], input: 'x\n' },
          ['cat', 'tank/a', '/f/'],
          ['ls', 'tank/a', '/f/'],
          ['rm', 'tank/a', '/f/'],
          ['mkdir', 'tank/a', '/d/'],
          { args: ['write', 'tank/a', '/d/'], input: 'x\n' },
          ['ls', 'tank/a', '/d/'],
          ['ls', 'tank/a', '/'],
          ['cat', 'tank/a', '/f'],
        ],
        sb,
      ),
    );
  });

  it('a name over 255 bytes or a path of 4096 bytes or more is ENAMETOOLONG; at the limits they work', () => {
    const sb = withPool(new Sandbox());
    try {
      const name256 = 'n'.repeat(256);
      expect(sb.run(['write', 'tank/a', `/${name256}`], 'x')).toEqual({
        stdout: '',
        stderr: `cannot write 'tank/a:/${name256}': file name too long\n`,
        status: 1,
      });
      // 15 directories of 255 bytes and a file name: 4095 bytes in all, the most a path may have.
      const dirs = Array.from({ length: 15 }, (_, i) => String(i % 10).repeat(255));
      const longest = `/${dirs.join('/')}/${'f'.repeat(4095 - 16 * 256 + 255)}`;
      expect(Buffer.byteLength(longest)).toBe(4095);
      expect(sb.run(['write', '-p', 'tank/a', longest], 'deep\n')).toEqual({ stdout: '', stderr: '', status: 0 });
      expect(sb.ok(['cat', 'tank/a', longest])).toBe('deep\n');
      const tooLong = longest + 'g';
      for (const args of [['write', '-p', 'tank/a', tooLong], ['cat', 'tank/a', tooLong]]) {
        const r = sb.run(args, 'x');
        const verb = args[0] === 'write' ? 'write' : 'open';
        expect(r).toEqual({ stdout: '', stderr: `cannot ${verb} 'tank/a:${tooLong}': file name too long\n`, status: 1 });
      }
      expect(sb.ok(['ls', 'tank/a', `/${dirs.slice(0, 14).join('/')}`])).toBe(`${dirs[14]}\n`);
    } finally {
      sb.cleanup();
    }
  });
});

describe('pool list -T', () => {
  it('anything but d or u prints the usage alone, exit 2 (get_timestamp_arg)', () => {
    const sb = withPool(new Sandbox());
    expectGolden('edges-pool-list-T', transcript([['pool', 'list', '-T', 'x'], ['pool', 'list', '-T', 'u', '-H', '-o', 'name']], sb));
  });
});

describe('a home that cannot hold files', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());
  const file = sb.file('a-file', 'not a directory\n');
  /** Run with TSZFS_HOME=home; how long it took, against `tszfs --version` in the same place. */
  const runIn = (home: string, args: string[]) => {
    const env = { ...sb.env(), TSZFS_HOME: home };
    const start = Date.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { env, timeout: 20_000 });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status, ms: Date.now() - start };
  };
  const cases: Array<[string, string]> = [
    ['/proc/x', "cannot use TSZFS_HOME '/proc/x': '/proc' is on a proc file system, which cannot hold files"],
    ['/proc/self', "cannot use TSZFS_HOME '/proc/self': '/proc/self' is on a proc file system, which cannot hold files"],
    ['/dev/null', "cannot use TSZFS_HOME '/dev/null': Not a directory"],
    [file, `cannot use TSZFS_HOME '${file}': Not a directory`],
    [path.join(file, 'sub'), `cannot use TSZFS_HOME '${path.join(file, 'sub')}': Not a directory`],
  ];
  for (const [home, message] of cases) {
    it(`TSZFS_HOME=${home.startsWith(sb.home) ? home.replace(sb.home, '$SANDBOX') : home}: one line, exit 1, within a second`, () => {
      const baseline = runIn(home, ['--version']).ms;
      for (const args of [['pool', 'create', '--size', '64M', 'tank'], ['pool', 'list'], ['list'], ['create', 'tank/a']]) {
        const r = runIn(home, args);
        expect({ ...r, ms: undefined }, args.join(' ')).toEqual({ stdout: '', stderr: `${message}\n`, status: 1, ms: undefined });
        expect(r.ms, args.join(' ')).toBeLessThan(baseline + 1000);
      }
    });
  }

  it('a missing home is made on the first pool create', () => {
    const home = path.join(sb.home, 'not', 'yet');
    expect(runIn(home, ['pool', 'list']).stdout).toBe('no pools available\n');
    expect(runIn(home, ['pool', 'create', '--size', '64M', 'tank']).status).toBe(0);
    expect(runIn(home, ['list', '-H', '-o', 'name']).stdout).toBe('tank\n');
  });

  it('an empty TSZFS_HOME is unset: the default home, not the working directory', () => {
    const xdg = path.join(sb.home, 'xdg');
    const cwd = fs.mkdtempSync(path.join(sb.home, 'cwd-'));
    const env = { ...sb.env(), TSZFS_HOME: '', XDG_DATA_HOME: xdg };
    const r = spawnSync(process.execPath, [BIN, 'pool', 'create', '--size', '64M', 'tank'], { env, cwd, timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(fs.readdirSync(path.join(xdg, 'tszfs')).sort()).toEqual(['pools.json', 'tank.img', 'tank.img.lmdb', 'tank.img.lmdb-lock']);
  });

  it('an unwritable home: pool create says so; reading it still works', () => {
    // root writes anywhere: it runs the command as nobody instead.
    const asRoot = process.getuid?.() === 0;
    fs.chmodSync(sb.home, 0o755);
    const home = path.join(sb.home, 'read-only');
    fs.mkdirSync(home, { mode: 0o555 });
    const env = { ...sb.env(), TSZFS_HOME: home };
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env, timeout: 20_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
    };
    expect(run(['pool', 'create', '--size', '64M', 'tank'])).toEqual({ stdout: '', stderr: `cannot use TSZFS_HOME '${home}': Permission denied\n`, status: 1 });
    expect(run(['pool', 'list'])).toEqual({ stdout: 'no pools available\n', stderr: '', status: 0 });
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('a full home: the create says so and leaves nothing (needs a tmpfs mount: skipped where one cannot be made)', (ctx) => {
    const home = path.join(sb.home, 'small');
    fs.mkdirSync(home);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', home]).status !== 0) return ctx.skip();
    try {
      fs.writeFileSync(path.join(home, 'filler'), Buffer.alloc(64 << 10)); // fills it (ENOSPC past the end)
    } catch {
      /* full */
    }
    try {
      const image = path.join(sb.home, 'disk.img');
      expect(runIn(home, ['pool', 'create', '--size', '64M', 'tank', image])).toMatchObject({
        stdout: '',
        stderr: `cannot use TSZFS_HOME '${home}': No space left on device\n`,
        status: 1,
      });
      expect(fs.existsSync(image)).toBe(false);
      expect(fs.readdirSync(home)).toEqual(['filler']);
    } finally {
      spawnSync('umount', [home]);
    }
  });

  it('an image under /proc or under a file: pool create says so', () => {
    const home = path.join(sb.home, 'h');
    for (const [image, why] of [
      ['/proc/x/a.img', "'/proc' is on a proc file system, which cannot hold files"],
      [path.join(file, 'a.img'), 'Not a directory'],
    ]) {
      expect(runIn(home, ['pool', 'create', 'tank', image])).toMatchObject({ stdout: '', stderr: `cannot use '${image}': ${why}\n`, status: 1 });
    }
  });
});

describe('send to an output that fails', () => {
  const sb = withPool(new Sandbox());
  afterAll(() => sb.cleanup());
  sb.ok(['write', 'tank/a', '/big'], pattern(1 << 20, 7));
  sb.ok(['snapshot', 'tank/a@s']);
  const shell = (script: string) => {
    const r = spawnSync('bash', ['-c', script], { env: { ...sb.env(), BIN, NODE: process.execPath }, timeout: 30_000 });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
  };

  it('send | head -c 100: killed by SIGPIPE, silently, as zfs send on Linux (status 141 in the shell)', () => {
    const r = shell('"$NODE" "$BIN" send tank/a@s | head -c 100 | wc -c; echo "${PIPESTATUS[@]}"');
    expect(r).toEqual({ stdout: '100\n141 0 0\n', stderr: '', status: 0 });
  });

  it("send > /dev/full: 'warning: cannot send': No space left on device, exit 1", () => {
    const r = shell('"$NODE" "$BIN" send tank/a@s > /dev/full');
    expect(r).toEqual({ stdout: '', stderr: "warning: cannot send 'tank/a@s': No space left on device\n", status: 1 });
  });

  it('an input that cannot be read is a message, not an internal error', () => {
    expect(shell('"$NODE" "$BIN" receive tank/b < /')).toEqual({ stdout: '', stderr: 'cannot receive: failed to read from stream\n', status: 1 });
    expect(shell('"$NODE" "$BIN" write tank/a /g < /')).toEqual({ stdout: '', stderr: "cannot read 'standard input': is a directory\n", status: 1 });
    expect(shell('"$NODE" "$BIN" write tank/a /g /')).toEqual({ stdout: '', stderr: "cannot read '/': is a directory\n", status: 1 });
    expect(sb.run(['list', '-H', '-o', 'name'])).toMatchObject({ stdout: 'tank\ntank/a\n', status: 0 });
  });

  it('an internal error is one line naming the command, never a stack trace', () => {
    // Standard output open for reading only: the write fails with EBADF, which no layer words.
    const r = shell('"$NODE" "$BIN" list 1</dev/null');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^internal error: 'zfs list': [^\n]+\n$/);
  });
});

describe('set and inherit over several datasets, in one transaction', () => {
  it('a refused dataset changes nothing, the others change, and the command is logged only while nothing failed', () => {
    const sb = withPool(new Sandbox());
    sb.ok(['create', '-o', 'compression=off', 'tank/m']);
    sb.ok(['create', 'tank/z']);
    sb.ok(['write', 'tank/m', '/f'], pattern(1 << 20, 3));
    expectGolden(
      'edges-set-several',
      transcript(
        [
          ['set', 'user:k=1', 'quota=512K', 'tank/a', 'tank/m', 'tank/z'],
          ['get', '-H', '-o', 'name,property,value', 'user:k,quota', 'tank/a', 'tank/m', 'tank/z'],
          ['set', 'user:k=2', 'tank/a', 'tank/z'],
          ['inherit', '-r', 'user:k', 'tank'],
          ['get', '-H', '-o', 'name,property,value,source', 'user:k', 'tank/a', 'tank/m', 'tank/z'],
          ['pool', 'history', 'tank'],
        ],
        sb,
      ),
    );
  });
});
