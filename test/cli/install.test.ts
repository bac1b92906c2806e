/**
 * Install paths (issue 17, item 1): the packed tarball installed with `npm install -g` into a
 * temporary prefix gives a working `tszfs` that starts through the bundle and runs the demo to
 * its golden transcript, and `npx --package TARBALL tszfs` runs it from a folder with no
 * package.json.
 *
 * Offline: the dependencies come from npm's cache, which `npm ci` filled (.ci/run). `npm pack`
 * runs with --ignore-scripts: `npm test` has just built dist/, and prepack would build it again.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGolden, ROOT } from './harness.js';

const hasNpm = spawnSync('npm', ['--version']).status === 0;

describe.skipIf(!hasNpm)('npm install -g of the packed tarball', () => {
  let tmp: string;
  let prefix: string;
  let installed: SpawnSyncReturns<string>;
  let tarball: string;

  const npm = (args: string[], cwd: string) =>
    spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-install-'));
    prefix = path.join(tmp, 'prefix');
    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', tmp], ROOT);
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    tarball = path.join(tmp, packed.stdout.trim().split('\n').at(-1)!);
    // --prefer-offline: from the cache, and the registry only for what the cache lacks
    installed = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], tmp);
  }, 120_000);

  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    // npx installed the tarball under npm's cache, in _npx/HASH: remove that copy (35 MB a run).
    const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
    const npx = path.join(cache, '_npx');
    for (const dir of fs.existsSync(npx) ? fs.readdirSync(npx) : []) {
      const manifest = path.join(npx, dir, 'package.json');
      if (fs.existsSync(manifest) && fs.readFileSync(manifest, 'utf8').includes(tmp)) fs.rmSync(path.join(npx, dir), { recursive: true, force: true });
    }
  });

  it('installs a tszfs that runs from the bundle', () => {
    expect(installed.stderr).not.toMatch(/npm error/);
    expect(installed.status).toBe(0);
    const tszfs = path.join(prefix, 'bin/tszfs');
    expect(spawnSync(tszfs, ['--version'], { encoding: 'utf8' }).stdout).toBe('tszfs 0.1.0\n');
    // the bundle, whatever order the unpacking wrote the files in: its stamp is main.js's
    const dist = path.join(prefix, 'lib/node_modules/tszfs/dist');
    const stamp = /^\/\* tszfs-build (\w+) \*\//.exec(fs.readFileSync(path.join(dist, 'tszfs.cjs'), 'utf8'))?.[1];
    expect(fs.readFileSync(path.join(dist, 'cli/main.js'), 'utf8')).toMatch(new RegExp(`\\n// tszfs-build ${stamp}\\n$`));
    // man pages and completion come along
    expect(fs.existsSync(path.join(prefix, 'share/man/man8/tszfs.8'))).toBe(true);
    expect(fs.existsSync(path.join(prefix, 'lib/node_modules/tszfs/completion/tszfs.bash'))).toBe(true);
  });

  it('runs the demo to its golden transcript', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, NO_COLOR: '1', TSZFS_BIN: path.join(prefix, 'bin/tszfs') };
    delete env.TSZFS_HOME;
    delete env.TSZFS_NOW;
    delete env.TZ;
    const r = spawnSync('bash', [path.join(ROOT, 'demo/container-layers.sh')], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expectGolden('demo', r.stdout);
  });

  it('npx runs the tarball from a folder without package.json', () => {
    const clean = fs.mkdtempSync(path.join(tmp, 'clean-'));
    const r = spawnSync('npx', ['--yes', '--prefer-offline', '--package', tarball, '--', 'tszfs', '--version'], { cwd: clean, encoding: 'utf8' });
    expect(r.stdout).toBe('tszfs 0.1.0\n');
    expect(r.status).toBe(0);
  });
});
