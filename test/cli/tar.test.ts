/** tszfs tar -x / -c: fidelity through snapshot, clone, send/receive and rollback; GNU tar and
 *  bsdtar read what tszfs writes; unsafe members; damaged archives leave nothing. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, transcript } from './harness.js';
import { list, pack, paxRecord, type PackEntry } from './tar-support.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];
/** security.capability of cap_net_raw+ep (binary, with NULs). */
const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex');
const date = (s: number) => new Date(s * 1000);

function everyType(): PackEntry[] {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const longDir = `deep/${'d'.repeat(120)}`;
  return [
    { header: { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: date(1700000000), pax: { mtime: '1700000000.5' } } },
    { header: { name: 'bin/', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: date(1600000000) } },
    { header: { name: 'bin/dash', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: date(1600000000), pax: { mtime: '1600000000.000000001' } }, body: big },
    { header: { name: 'bin/rbash', type: 'link', linkname: 'bin/dash', mode: 0o755, uid: 0, gid: 0, mtime: date(1600000000) } },
    { header: { name: 'bin/sh', type: 'symlink', linkname: 'dash', mode: 0o777, uid: 0, gid: 0, mtime: date(1600000000) } },
    {
      header: { name: 'bin/ping', type: 'file', mode: 0o4755, uid: 0, gid: 0, mtime: date(1600000000) },
      body: Buffer.from('ping\n'),
      rawPax: Buffer.concat([paxRecord('SCHILY.xattr.security.capability', CAPABILITY), paxRecord('mtime', Buffer.from('1600000000.987654321'))]),
    },
    { header: { name: 'etc/', type: 'directory', mode: 0o2750, uid: 1000, gid: 100, mtime: date(1500000000), pax: { mtime: '1500000000.123456789', atime: '1500000001.25' } } },
    {
      header: { name: 'etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: date(1), pax: { mtime: '-1.5', 'SCHILY.xattr.user.note': 'hello', 'LIBARCHIVE.xattr.user.b64': Buffer.from('from bsdtar').toString('base64') } },
      body: Buffer.from('root:x:0:0::/root:/bin/sh\n'),
    },
    { header: { name: 'etc/shadow', type: 'file', mode: 0o640, uid: 3000000, gid: 42, mtime: date(1600000000), pax: { uid: '3000000' } }, body: Buffer.alloc(0) },
    { header: { name: 'dev/null', type: 'character-device', mode: 0o666, uid: 0, gid: 0, mtime: date(1600000000), devmajor: 1, devminor: 3 } },
    { header: { name: 'dev/sda', type: 'block-device', mode: 0o660, uid: 0, gid: 6, mtime: date(1600000000), devmajor: 8, devminor: 0 } },
    { header: { name: 'run/fifo', type: 'fifo', mode: 0o600, uid: 0, gid: 0, mtime: date(1600000000) } },
    { header: { name: `${longDir}/`, type: 'directory', mode: 0o700, uid: 5, gid: 5, mtime: date(1600000000) } },
    { header: { name: `${longDir}/file-with-a-long-name-${'f'.repeat(60)}`, type: 'file', mode: 0o600, uid: 5, gid: 5, mtime: date(1600000000) }, body: Buffer.from('deep\n') },
    { header: { name: `${longDir}/link`, type: 'symlink', linkname: `../${'t'.repeat(150)}`, mode: 0o777, uid: 5, gid: 5, mtime: date(1600000000) } },
    { header: { name: 'sticky/', type: 'directory', mode: 0o1777, uid: 0, gid: 0, mtime: date(1600000000) } },
  ];
}

const sandboxes: Sandbox[] = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-tar-'));
afterAll(() => {
  for (const s of sandboxes) s.cleanup();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function sandbox(): Sandbox {
  const s = new Sandbox();
  sandboxes.push(s);
  const ok = (args: string[], input?: Buffer) => {
    const r = s.exec(args, input);
    expect(r.stderr.toString(), args.join(' ')).toBe('');
    expect(r.status, args.join(' ')).toBe(0);
    return r.stdout;
  };
  ok(POOL);
  return Object.assign(s, { ok });
}

const ok = (s: Sandbox, args: string[], input?: Buffer): Buffer => (s as Sandbox & { ok: (a: string[], i?: Buffer) => Buffer }).ok(args, input);

describe('tar', () => {
  it('a tree of every type and metadata goes in and comes out equal, through snapshot, clone, send/receive and rollback', async () => {
    const archive = await pack(everyType());
    const s = sandbox();
    ok(s, ['create', 'tank/src']);
    ok(s, ['tar', '-x', 'tank/src'], archive);
    ok(s, ['snapshot', 'tank/src@s']);
    const out = ok(s, ['tar', '-c', 'tank/src@s']);
    // Reproducible: the same bytes every time.
    expect(ok(s, ['tar', '-c', 'tank/src@s']).equals(out)).toBe(true);
    expect(out.length % 10240).toBe(0);
    expect(out.includes(CAPABILITY)).toBe(true);
    const want = await list(archive);
    const all = await list(out);
    // Directories the archive only implies are made (with the default mode), as GNU tar makes them.
    expect(all.filter((e) => !want.some((w) => w.name === e.name)).map((e) => `${e.name} ${e.type} ${e.mode}`)).toEqual(['deep directory 755', 'dev directory 755', 'run directory 755']);
    const got = all.filter((e) => want.some((w) => w.name === e.name));
    // A hard link's header carries its object's attributes (those of bin/dash), as GNU tar writes it.
    const link = want.find((w) => w.type === 'link')!;
    Object.assign(link, { mtime: want.find((w) => w.name === 'bin/dash')!.mtime });
    // What tszfs adds: atime and ctime of every entry (taken from the archive when it has them).
    for (const e of got) if (!want.find((w) => w.name === e.name)?.atime) delete e.atime;
    expect(got).toEqual(want.map((w) => (w.name === 'etc/passwd' ? { ...w, xattrs: { 'user.b64': Buffer.from('from bsdtar').toString('hex'), 'user.note': Buffer.from('hello').toString('hex') } } : w)));

    ok(s, ['clone', 'tank/src@s', 'tank/clone']);
    expect(ok(s, ['tar', '-c', 'tank/clone']).equals(out)).toBe(true);
    const stream = ok(s, ['send', 'tank/src@s']);
    ok(s, ['receive', 'tank/recv'], stream);
    expect(ok(s, ['tar', '-c', 'tank/recv@s']).equals(out)).toBe(true);
    ok(s, ['tar', '-x', '-C', '/etc', 'tank/src'], await pack([{ header: { name: 'new', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: date(0) }, body: Buffer.from('x') }]));
    expect(ok(s, ['tar', '-c', 'tank/src']).equals(out)).toBe(false);
    ok(s, ['rollback', 'tank/src@s']);
    expect(ok(s, ['tar', '-c', 'tank/src']).equals(out)).toBe(true);

    // gzip and zstd out, detected on the way back in.
    for (const flag of ['-z', '--zstd']) {
      const packed = ok(s, ['tar', '-c', flag, 'tank/src@s']);
      expect(ok(s, ['tar', '-c', flag, 'tank/src@s']).equals(packed)).toBe(true);
      const ds = `tank/${flag === '-z' ? 'gz' : 'zst'}`;
      ok(s, ['create', ds]);
      ok(s, ['tar', '-x', ds], packed);
      expect(ok(s, ['tar', '-c', ds]).equals(out)).toBe(true);
    }
    // GNU tar and bsdtar list it.
    const file = path.join(scratch, 'every.tar');
    fs.writeFileSync(file, out);
    const gnu = spawnSync('tar', ['-tvf', file], { env: { ...process.env, TZ: 'UTC' } });
    expect(gnu.stderr.toString()).toBe('');
    const bsd = spawnSync('bsdtar', ['-tvf', file], { env: { ...process.env, TZ: 'UTC' } });
    expect(bsd.stderr.toString()).toBe('');
    expectGolden('tar-listing', `$ tar -tvf every.tar\n${gnu.stdout}\n$ bsdtar -tvf every.tar\n${bsd.stdout}`);
  });

  it('GNU tar and bsdtar extract what tszfs writes, and tar --compare finds no difference with the source', () => {
    const src = path.join(scratch, 'src');
    fs.mkdirSync(path.join(src, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a/file'), 'hello\n');
    fs.writeFileSync(path.join(src, 'a/b/big'), Buffer.alloc(200_000, 7));
    fs.linkSync(path.join(src, 'a/file'), path.join(src, 'a/b/hard'));
    fs.symlinkSync('../file', path.join(src, 'a/b/sym'));
    fs.chmodSync(path.join(src, 'a/b/big'), 0o2751);
    expect(spawnSync('mkfifo', [path.join(src, 'a/fifo')]).status).toBe(0);
    for (const p of ['a/file', 'a/b/big', 'a/fifo', 'a/b', 'a', '.']) expect(spawnSync('touch', ['-h', '-d', '@1600000000.123456789', path.join(src, p)]).status).toBe(0);
    const input = spawnSync('tar', ['--format=posix', '-cf', '-', '-C', src, '.']).stdout;
    const s = sandbox();
    ok(s, ['create', 'tank/fs']);
    ok(s, ['tar', '-x', 'tank/fs'], input);
    const archive = path.join(scratch, 'out.tar');
    ok(s, ['tar', '-c', '-f', archive, 'tank/fs']);
    const compare = spawnSync('tar', ['--compare', '-f', archive, '-C', src]);
    expect(compare.stdout.toString() + compare.stderr.toString()).toBe('');
    expect(compare.status).toBe(0);
    for (const tool of ['tar', 'bsdtar']) {
      const dir = path.join(scratch, `x-${tool}`);
      fs.mkdirSync(dir);
      const x = spawnSync(tool, ['-xpf', archive, '-C', dir]);
      expect(x.stderr.toString()).toBe('');
      const c = spawnSync('tar', ['--compare', '-f', archive, '-C', dir]);
      expect(c.stdout.toString() + c.stderr.toString(), tool).toBe('');
    }
  });

  it('an archive of more members than are held in memory at once, in a directory of thousands', async () => {
    const entries: PackEntry[] = [{ header: { name: 'many/', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: date(1600000000) } }];
    for (let i = 0; i < 5000; i++) {
      const name = `many/f${String(i).padStart(5, '0')}`;
      entries.push(
        i % 10 === 9
          ? { header: { name, type: 'link', linkname: 'many/f00000', mode: 0o644, uid: 0, gid: 0, mtime: date(1600000000) } }
          : { header: { name, type: 'file', mode: 0o644, uid: i, gid: 0, mtime: date(1600000000 + i) }, body: Buffer.from(`${i}\n`) },
      );
    }
    entries.push({ header: { name: 'last', type: 'symlink', linkname: 'many/f04998', mode: 0o777, uid: 0, gid: 0, mtime: date(1600000000) } });
    const archive = await pack(entries);
    const s = sandbox();
    ok(s, ['create', 'tank/fs']);
    ok(s, ['tar', '-x', 'tank/fs'], archive);
    // atime: the transaction's (the archive has none).
    const got = (await list(ok(s, ['tar', '-c', 'tank/fs']))).filter((e) => e.name !== '.').map(({ atime: _, ...e }) => e);
    const want = await list(archive);
    // Hard links carry their object's attributes (those of many/f00000).
    for (const w of want) if (w.type === 'link') Object.assign(w, { uid: 0, mtime: '1600000000' });
    expect(got).toEqual(want);
    expect(poolProblems(s.home)).toEqual([]);
  });

  it('GNU sparse members (old GNU, PAX 0.1 and 1.0) come in with their holes', () => {
    const src = path.join(scratch, 'sparse');
    fs.mkdirSync(src);
    const file = path.join(src, 'disk.img');
    const fd = fs.openSync(file, 'w');
    // More segments than an old GNU header holds (4), so extension blocks too; a hole at the end.
    for (let i = 0; i < 30; i++) fs.writeSync(fd, Buffer.from(`segment ${i}\n`), 0, undefined, i * 300_000 + (i % 3) * 7);
    fs.ftruncateSync(fd, 10_000_000);
    fs.closeSync(fd);
    const want = fs.readFileSync(file);
    const s = sandbox();
    for (const [format, options] of [['gnu', ['--format=gnu']], ['pax01', ['--format=posix', '--sparse-version=0.1']], ['pax10', ['--format=posix', '--sparse-version=1.0']]] as const) {
      const archive = spawnSync('tar', ['--sparse', ...options, '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 26 }).stdout;
      expect(archive.length, format).toBeLessThan(1 << 20);
      ok(s, ['create', `tank/${format}`]);
      ok(s, ['tar', '-x', `tank/${format}`], archive);
      expect(ok(s, ['cat', `tank/${format}`, '/disk.img']).equals(want), format).toBe(true);
      // Zeros are not stored (compression is on by default, as OpenZFS stores zeros as holes).
      expect(Number(ok(s, ['get', '-Hpo', 'value', 'used', `tank/${format}`]).toString()), format).toBeLessThan(1 << 20);
    }
  });

  it('unsafe members are contained as GNU tar contains them, with its warnings', async () => {
    const h = (name: string, type: PackEntry['header']['type'] = 'file', linkname?: string): PackEntry => ({
      header: { name, type, linkname, mode: 0o644, uid: 0, gid: 0, mtime: date(0) },
      body: type === 'file' ? Buffer.from(`${name}\n`) : undefined,
    });
    const archive = await pack([
      h('/etc/abs'),
      h('//twice'),
      h('../up'),
      h('a/../../b'),
      h('ok/file'),
      h('hl', 'link', '/ok/file'),
      h('escape', 'symlink', '/etc'),
      h('escape/passwd'),
      h('rel', 'symlink', '../../..'),
      h('inside', 'symlink', 'ok'),
      h('inside/through'),
    ]);
    expectGolden(
      'tar-unsafe',
      transcript([POOL, ['create', 'tank/fs'], { args: ['tar', '-x', 'tank/fs'], input: archive }, ['ls', '-R', 'tank/fs'], ['cat', 'tank/fs', '/etc/abs', '/hl', '/ok/through']], new Sandbox()),
    );
  });

  it('a damaged archive, a snapshot or a bad operand changes nothing', async () => {
    const good = await pack([
      { header: { name: 'one', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: date(0) }, body: Buffer.alloc(5000, 1) },
      { header: { name: 'two', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: date(0) }, body: Buffer.alloc(5000, 2) },
    ]);
    const truncated = good.subarray(0, 6000);
    expectGolden(
      'tar-errors',
      transcript(
        [
          POOL,
          ['create', 'tank/fs'],
          ['snapshot', 'tank/fs@s'],
          { args: ['tar', '-x', 'tank/fs'], input: truncated },
          { args: ['tar', '-x', 'tank/fs'], input: gzipSync(good).subarray(0, -20) },
          { args: ['tar', '-x', 'tank/fs'], input: Buffer.from('not a tar archive at all\n'.repeat(40)) },
          { args: ['tar', '-x', 'tank/fs'], input: Buffer.alloc(0) },
          ['ls', 'tank/fs'],
          { args: ['tar', '-x', 'tank/fs@s'], input: good },
          { args: ['tar', '-x', 'tank/nope'], input: good },
          { args: ['tar', '-x', '-C', '/missing', 'tank/fs'], input: good },
          ['tar', '-x', '-f', '/nonexistent/archive', 'tank/fs'],
          ['tar', 'tank/fs'],
          ['tar', '-x', '-c', 'tank/fs'],
          ['tar', '-c', '-C', '/missing', 'tank/fs'],
          ['tar', '-c', 'tank/nope@s'],
          ['ls', 'tank/fs'],
        ],
        new Sandbox(),
      ),
    );
  });
});
