/**
 * Install paths from source (issue 17, item 1): a fresh clone has no dist/, so these exercise the
 * `prepare` script that builds it. Each takes ~20 s (the clone installs its devDependencies from
 * npm's cache and builds), so they run under CI (.ci/run sets CI) or with TSZFS_TEST_INSTALL=1.
 *
 * `npm install -g git+URL` itself fails in npm 11 whatever the package does (npm/cli#8440: the
 * clone is prepared by an install that inherits -g); `npm pack git+URL` prepares the clone the
 * same way without it, and its tarball installs globally: that is the git path tested here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

const wanted = Boolean(process.env.CI || process.env.TSZFS_TEST_INSTALL);
const hasTools = spawnSync('npm', ['--version']).status === 0 && spawnSync('git', ['--version']).status === 0;

describe.skipIf(!wanted || !hasTools)('installs from source', () => {
  let tmp: string;
  let clone: string;

  const run = (cmd: string, args: string[], cwd: string) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const npm = (args: string[], cwd: string) => run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], cwd);
  const version = (prefix: string) => spawnSync(path.join(prefix, 'bin/tszfs'), ['--version'], { encoding: 'utf8' }).stdout;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-install-src-'));
    clone = path.join(tmp, 'clone');
    run('git', ['clone', '-q', ROOT, clone], tmp);
    expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('npm install -g of the folder', () => {
    const prefix = path.join(tmp, 'prefix');
    npm(['install', '-g', '--prefix', prefix, clone], tmp);
    expect(version(prefix)).toBe('tszfs 0.1.0\n');
  }, 180_000);

  it('npm pack of a git URL, then npm install -g of its tarball', () => {
    const prefix = path.join(tmp, 'prefix');
    const tarball = npm(['pack', `git+file://${clone}`], tmp).trim().split('\n').at(-1)!;
    npm(['install', '-g', '--prefix', prefix, path.join(tmp, tarball)], tmp);
    expect(version(prefix)).toBe('tszfs 0.1.0\n');
  }, 180_000);
});
