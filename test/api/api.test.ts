/**
 * The package API (src/api/index.ts) as a user imports it: by the package's name, "tszfs", which
 * Node resolves through package.json `exports` (a package may import itself by name). Real pools
 * in a fresh home each, checked through the API and against what the CLI reads of the same pool.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool, destroyPool, listPools, openPool, ZfsError, type Pool } from 'tszfs';
import { run } from '../cli/harness.js';

const homes: string[] = [];
function freshHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-api-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const small = (home: string, name = 'tank'): Pool => createPool(name, { home, size: 64 * MiB });

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What `tszfs ARGS` prints in `home` (the CLI over the same pool). */
async function cli(home: string, ...args: string[]): Promise<string> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const status = await run(['node', 'tszfs', ...args], {
    stdout: { write: (b: Buffer) => out.push(b) },
    stderr: { write: (b: Buffer) => err.push(b) },
    env: { ...process.env, TSZFS_HOME: home, TSZFS_LOG: '' },
  });
  expect(Buffer.concat(err).toString(), `tszfs ${args.join(' ')}`).toBe('');
  expect(status).toBe(0);
  return Buffer.concat(out).toString();
}

describe('the package API, imported as "tszfs"', () => {
  it('creates pools and datasets, snapshots and clones, as the CLI sees them', async () => {
    const home = freshHome();
    const pool = small(home);
    pool.createDataset('tank/base', { properties: { compression: 'off' } });
    pool.snapshot('tank/base@v1');
    pool.clone('tank/base@v1', 'tank/app');
    expect(listPools({ home }).map((p) => p.name)).toEqual(['tank']);
    expect(openPool('tank', { home }).info().size).toBe(64 * MiB);
    expect(pool.get('tank/app', 'origin')).toEqual({ value: 'tank/base@v1', source: '-' });
    expect(pool.get('tank/base', 'compression')).toEqual({ value: 'off', source: 'local' });
    expect(pool.list({ types: ['filesystem', 'snapshot'], properties: ['name'] }).map((d) => `${d.type} ${d.name}`)).toEqual([
      'filesystem tank',
      'filesystem tank/app',
      'filesystem tank/base',
      'snapshot tank/base@v1',
    ]);
    expect(await cli(home, 'list', '-H', '-t', 'all', '-o', 'name,origin')).toBe('tank\t-\ntank/app\ttank/base@v1\ntank/base\t-\ntank/base@v1\t-\n');
    // Each call is recorded as the command it stands for.
    expect(pool.history().map((r) => r.line)).toEqual([
      'zpool create tank',
      'zfs create -o compression=off tank/base',
      'zfs snapshot tank/base@v1',
      'zfs clone tank/base@v1 tank/app',
    ]);
    pool.set('tank/app', { 'user:note': 'x' });
    expect(pool.get('tank/app', 'user:note')).toEqual({ value: 'x', source: 'local' });
    pool.destroy('tank/base', { dependents: true, recursive: true });
    expect(pool.list({ properties: ['name'] }).map((d) => d.name)).toEqual(['tank']);
    destroyPool('tank', { home });
    expect(listPools({ home })).toEqual([]);
  });

  it('writes and reads files as streams, bounded in memory past 8 MiB', async () => {
    const home = freshHome();
    const pool = small(home);
    pool.createDataset('tank/fs', { properties: { compression: 'off' } });
    const big = Buffer.alloc(9 * MiB + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    async function* chunks() {
      for (let at = 0; at < big.length; at += 1_000_000) yield big.subarray(at, at + 1_000_000);
    }
    await pool.writeFile('tank/fs', '/d/big.bin', chunks(), { parents: true });
    expect((await bytesOf(pool.readFile('tank/fs', '/d/big.bin'))).equals(big)).toBe(true);
    // a Writable, and an append
    const w = pool.createWriteStream('tank/fs', '/note.txt');
    w.write('one\n');
    w.end('two\n');
    await new Promise((resolve, reject) => w.on('finish', resolve).on('error', reject));
    await pool.writeFile('tank/fs', '/note.txt', Readable.from([Buffer.from('three\n')]), { append: true });
    expect((await bytesOf(pool.readFile('tank/fs', '/note.txt'))).toString()).toBe('one\ntwo\nthree\n');
    expect(await cli(home, 'cat', 'tank/fs', '/note.txt')).toBe('one\ntwo\nthree\n');
    expect(pool.readdir('tank/fs').map((e) => `${e.type} ${e.name}`)).toEqual(['dir d', 'file note.txt']);
  });

  it('a stream that fails stores nothing', async () => {
    const home = freshHome();
    const pool = small(home);
    pool.createDataset('tank/fs');
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('source broke');
    }
    await expect(pool.writeFile('tank/fs', '/f', failing())).rejects.toThrow('source broke');
    expect(pool.readdir('tank/fs')).toEqual([]);
  });

  it('sends and receives between pools as streams', async () => {
    const home = freshHome();
    const src = small(home, 'tank');
    const dst = small(home, 'backup');
    src.createDataset('tank/db');
    await src.writeFile('tank/db', '/rows', 'a\n');
    src.snapshot('tank/db@1');
    await src.writeFile('tank/db', '/rows', 'b\n', { append: true });
    src.snapshot('tank/db@2');
    await dst.receive('backup/db', src.send('tank/db@1'));
    await dst.receive('backup/db', src.send('tank/db@2', { from: '@1' }));
    expect((await bytesOf(dst.readFile('backup/db@2', '/rows'))).toString()).toBe('a\nb\n');
    expect(dst.list({ types: ['snapshot'], properties: ['name'] }).map((d) => d.name)).toEqual(['backup/db@1', 'backup/db@2']);
  });

  it('fails with ZfsError carrying OpenZFS message and an errno-like code', async () => {
    const home = freshHome();
    const pool = small(home);
    const failure = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ZfsError);
        const e = err as ZfsError;
        return `${e.code} ${e.message}`;
      }
      throw new Error('no failure');
    };
    expect(failure(() => openPool('nope', { home }))).toBe("ENOENT cannot open 'nope': no such pool");
    pool.createDataset('tank/a');
    expect(failure(() => pool.createDataset('tank/a'))).toBe("EEXIST cannot create 'tank/a': dataset already exists");
    expect(failure(() => pool.snapshot('tank/zz@s'))).toBe("ENOENT cannot open 'tank/zz': dataset does not exist");
    expect(failure(() => pool.set('tank/a', { compression: 'bogus' }))).toMatch(/^EINVAL cannot set property for 'tank\/a': 'compression' must be one of/);
    expect(failure(() => pool.list({ properties: ['nonsense'] }))).toBe("EINVAL bad property list: invalid property 'nonsense'");
    expect(failure(() => pool.readFile('tank/a', '/missing'))).toBe("ENOENT cannot open 'tank/a:/missing': no such file or directory");
    await expect(pool.receive('tank/r', Buffer.from('not a stream'))).rejects.toMatchObject({ code: 'EBADSTREAM' });
  });
});

describe('the package as published', () => {
  it('names its entry and declarations in exports, and packs them', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/api/index.d.ts', default: './dist/api/index.js' });
    expect(fs.existsSync(path.join(root, pkg.exports['.'].types))).toBe(true);
    expect(pkg.files).toContain('dist');
    const dts = fs.readFileSync(path.join(root, 'dist/api/index.d.ts'), 'utf8');
    for (const name of ['openPool', 'createPool', 'listPools', 'destroyPool', 'class Pool', 'ZfsError']) expect(dts).toContain(name);
  });
});

describe('Node resolves the name', () => {
  it('imports "tszfs" from inside the package, as a dependent imports it', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = path.resolve(import.meta.dirname, '../..');
    const script = "const t = await import('tszfs'); console.log(Object.keys(t).sort().join(' '))";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Pool ZfsError createPool destroyPool listPools openPool\n');
  });
});
