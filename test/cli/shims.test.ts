/**
 * `tszfs shims DIR` makes `zfs` and `zpool` links; a shell script written for OpenZFS then runs
 * unchanged with DIR first on PATH.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, expectGolden, ROOT, Sandbox } from './harness.js';

describe('tszfs shims', () => {
  it('creates the two links, and replaces its own links but no other file', () => {
    const sb = new Sandbox();
    try {
      const dir = path.join(sb.home, 'bin');
      expect(sb.ok(['shims', dir])).toBe('');
      for (const name of ['zfs', 'zpool']) expect(fs.realpathSync(path.join(dir, name))).toBe(fs.realpathSync(BIN));
      expect(sb.ok(['shims', dir])).toBe('');
      fs.rmSync(path.join(dir, 'zfs'));
      fs.writeFileSync(path.join(dir, 'zfs'), 'mine');
      const r = sb.run(['shims', dir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`cannot create '${dir}/zfs': file exists and is not a link\n`);
      expect(sb.run(['shims']).status).toBe(2);
    } finally {
      sb.cleanup();
    }
  });

  it('links to bin/tszfs.js when run through a link named tszfs, as npm installs it', () => {
    const sb = new Sandbox({ spawn: true });
    try {
      // npm's bin link: PREFIX/bin/tszfs -> .../bin/tszfs.js; argv[1] is the link's path.
      const npmBin = path.join(sb.home, 'prefix-bin');
      fs.mkdirSync(npmBin);
      fs.symlinkSync(fs.realpathSync(BIN), path.join(npmBin, 'tszfs'));
      const dir = path.join(sb.home, 'shims');
      const r = spawnSync(path.join(npmBin, 'tszfs'), ['shims', dir], { env: sb.env(), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const name of ['zfs', 'zpool']) expect(fs.realpathSync(path.join(dir, name))).toBe(fs.realpathSync(BIN));
    } finally {
      sb.cleanup();
    }
  });

  it('runs a script written for OpenZFS through the zfs and zpool links', () => {
    const sb = new Sandbox();
    try {
      const dir = path.join(sb.home, 'bin');
      sb.ok(['shims', dir]);
      const script = path.join(ROOT, 'test/cli/scripts/openzfs-workflow.sh');
      const r = spawnSync('bash', [script], {
        env: sb.env({ PATH: `${dir}:${process.env.PATH}`, WORK: sb.home }),
        encoding: 'utf8',
      });
      const text = `${r.stdout}[stderr]\n${r.stderr}[exit ${r.status}]\n`.split(sb.home).join('$WORK');
      expectGolden('shims/openzfs-workflow', text);
      expect(r.status).toBe(0);
    } finally {
      sb.cleanup();
    }
  });
});
