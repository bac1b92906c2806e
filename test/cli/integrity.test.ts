/**
 * Integrity: block checksums (fletcher4, sha256, off), damaged blocks as I/O errors counted in
 * `pool status`, `pool scrub` and `pool clear`, and damaged or mismatched pool files refused with
 * a clear `cannot open` error. Golden transcripts hold the user-visible output byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fletcher4 } from '../../src/engine/blocks/checksum.js';
import { poolProblems } from '../engine/check-helper.js';
import { BIN, expectGolden, Sandbox, META } from './harness.js';
import { blockOf, damage, pattern, R, script, type Step } from './integrity-support.js';

describe('checksums', () => {
  it('each block records its algorithm: on is fletcher4, sha256, off', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/on']);
      sb.ok(['create', '-o', 'checksum=sha256', 'tank/sha']);
      sb.ok(['create', '-o', 'checksum=off', 'tank/off']);
      const data = pattern(5000, 3);
      for (const ds of ['on', 'sha', 'off']) sb.ok(['write', `tank/${ds}`, '/f'], data);
      const block = Buffer.alloc(5120);
      data.copy(block);
      const on = blockOf(sb.home, 'tank/on', 'f', 0);
      expect(on.cksumAlg).toBe('fletcher4');
      expect(Buffer.from(on.checksum).equals(fletcher4(block))).toBe(true);
      const sha = blockOf(sb.home, 'tank/sha', 'f', 0);
      expect(sha.cksumAlg).toBe('sha256');
      expect(Buffer.from(sha.checksum).toString('hex')).toBe(
        createHash('sha256').update(block).digest('hex'),
      );
      expect(blockOf(sb.home, 'tank/off', 'f', 0).cksumAlg).toBe('off');
    } finally {
      sb.cleanup();
    }
  });

  it('a damaged block is an I/O error, never wrong bytes, and is counted; scrub finds them; clear resets', () => {
    const sb = new Sandbox();
    const f = pattern(300000, 1);
    const g = pattern(9000, 2);
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', 'tank/a'],
      ['create', '-o', 'checksum=sha256', 'tank/b'],
      ['mkdir', 'tank/a', '/dir'],
      { args: ['write', 'tank/a', '/dir/f'], input: f },
      { args: ['write', 'tank/b', '/g'], input: g },
      ['snapshot', 'tank/a@s'],
      ['pool', 'status', 'tank'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', 'tank'],
      { note: 'flip 16 bytes in block 1 of tank/a:/dir/f and block 0 of tank/b:/g', act: () => {
        damage(sb.home, 'tank/a', 'dir/f', 1);
        damage(sb.home, 'tank/b', 'g', 0);
      } },
      ['cat', 'tank/b', '/g'],
      ['pool', 'status', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['write', '--offset', '131080', 'tank/a', '/dir/f', sb.file('patch', 'x')],
      ['pool', 'status', '-v'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['pool', 'clear', 'tank'],
      ['pool', 'status', 'tank'],
      ['rm', 'tank/b', '/g'],
      ['destroy', 'tank/a@s'],
      ['rm', 'tank/a', '/dir/f'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['pool', 'scrub', '-s', 'tank'],
      ['pool', 'scrub', '-p', 'tank'],
      ['pool', 'scrub', '-s', '-p', 'tank'],
      ['pool', 'scrub'],
      ['pool', 'scrub', 'nope'],
      ['pool', 'clear'],
      ['pool', 'clear', 'nope'],
      ['pool', 'clear', 'tank', 'sda'],
      ['pool', 'clear', 'tank', 'a', 'b'],
    ];
    try {
      const text = script(sb, steps);
      expectGolden('integrity', text);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('cat of a damaged file stops at the damaged record: what it printed is the file before it', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const f = pattern(5 * 131072, 9);
      sb.ok(['write', 'tank/a', '/f'], f);
      damage(sb.home, 'tank/a', 'f', 3);
      const r = spawnSync(process.execPath, [BIN, 'cat', 'tank/a', '/f'], { env: sb.env(), maxBuffer: 1 << 26 });
      expect(r.status).toBe(1);
      expect(r.stderr.toString()).toBe("cannot open 'tank/a:/f': I/O error\n");
      expect(r.stdout.equals(f.subarray(0, 3 * 131072))).toBe(true);
      // A partial write needs the damaged record: it fails and changes nothing.
      const before = sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,referenced']);
      expect(sb.run(['write', '--offset', String(3 * 131072 + 5), 'tank/a', '/f'], 'x').status).toBe(1);
      expect(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,referenced'])).toBe(before);
      // Replacing the whole file needs no old record: it works, and the file reads again.
      sb.ok(['write', 'tank/a', '/f'], f);
      expect(sb.bytesOf(['cat', 'tank/a', '/f']).equals(f)).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});

describe('damaged pool files', () => {
  it('a flipped label, a truncated image, missing or foreign metadata: cannot open, never a crash', () => {
    const sb = new Sandbox();
    const img = path.join(sb.home, 'tank.img');
    const meta = `${img}.lmdb`;
    const saved = path.join(sb.home, 'saved');
    const save = () => {
      fs.mkdirSync(saved, { recursive: true });
      for (const f of [img, meta]) fs.copyFileSync(f, path.join(saved, path.basename(f)));
    };
    const restore = () => {
      for (const f of [img, meta]) fs.copyFileSync(path.join(saved, path.basename(f)), f);
      fs.rmSync(`${meta}-lock`, { force: true });
    };
    const steps: Step[] = [
      ['pool', 'create', '--size', '64M', 'tank'],
      ['pool', 'create', '--size', '64M', 'other'],
      ['create', 'tank/a'],
      { args: ['write', 'tank/a', '/f'], input: 'hello\n' },
      { note: 'save tank', act: save },
      { note: 'flip a byte of the label', act: () => {
        const fd = fs.openSync(img, 'r+');
        fs.writeSync(fd, Buffer.from('X'), 0, 1, 20);
        fs.closeSync(fd);
      } },
      ['list', 'tank/a'],
      ['pool', 'status', 'tank'],
      ['pool', 'status'],
      { note: 'restore, then truncate the image to 32M', act: () => {
        restore();
        fs.truncateSync(img, 32 * 1024 * 1024);
      } },
      ['cat', 'tank/a', '/f'],
      { note: 'restore, then delete the metadata', act: () => {
        restore();
        fs.rmSync(meta);
      } },
      ['list', 'tank'],
      { note: "restore, then put other's metadata beside tank's image", act: () => {
        restore();
        fs.copyFileSync(path.join(sb.home, 'other.img.lmdb'), meta);
      } },
      ['get', 'used', 'tank'],
      { note: "restore, then put other's image where tank's was", act: () => {
        restore();
        fs.copyFileSync(path.join(sb.home, 'other.img'), img);
      } },
      ['write', 'tank/a', '/g', sb.file('x', 'x')],
      { note: 'restore, then garbage in the metadata file', act: () => {
        restore();
        fs.writeFileSync(meta, Buffer.alloc(8192, 0xab));
      } },
      ['pool', 'list', 'tank'],
      { note: 'restore', act: restore },
      ['cat', 'tank/a', '/f'],
    ];
    try {
      expectGolden('integrity-damaged-pools', script(sb, steps));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('pool files are created with the user umask and never through a symlink', () => {
    const sb = new Sandbox();
    try {
      const run = (cmd: string) => spawnSync('sh', ['-c', `umask 077; exec "${process.execPath}" "${BIN}" ${cmd}`], { env: sb.env() });
      expect(run('pool create --size 64M tank').status).toBe(0);
      for (const f of ['tank.img', 'tank.img.lmdb']) expect(fs.statSync(path.join(sb.home, f)).mode & 0o777).toBe(0o600);
      const target = path.join(sb.home, 'target');
      fs.writeFileSync(target, Buffer.alloc(64 * 1024 * 1024));
      const link = path.join(sb.home, 'link.img');
      fs.symlinkSync(target, link);
      const r = sb.run(['pool', 'create', 'sym', link]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`cannot use '${link}': must be a block device or regular file\n`);
      const dangling = path.join(sb.home, 'dangling.img');
      fs.symlinkSync(path.join(sb.home, 'nowhere'), dangling);
      expect(sb.run(['pool', 'create', 'sym', dangling]).stderr).toBe(`cannot use '${dangling}': must be a block device or regular file\n`);
      expect(fs.existsSync(path.join(sb.home, 'nowhere'))).toBe(false);
      expect(fs.readFileSync(target).every((b) => b === 0)).toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});

describe('a full pool', () => {
  it('refuses writes with out of space, changing nothing; rm, destroy and snapshot still work and free space', () => {
    const sb = new Sandbox();
    const state = () => sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,referenced,available']) + sb.ok(['pool', 'list', '-Hp', '-o', 'alloc,free']);
    try {
      // 64M image: the slop reserve (OpenZFS: at least half of a small pool) leaves ~32M for data,
      // which the records fill only if stored as written.
      sb.ok(['pool', 'create', '--size', '64M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['create', 'tank/b']);
      sb.ok(['write', 'tank/a', '/big'], pattern(24 << 20, 1));
      sb.ok(['snapshot', 'tank/a@s']);
      // Fill with records until the pool says no.
      let n = 0;
      while (sb.run(['write', 'tank/b', `/r${n}`], pattern(R * 8, n + 10)).status === 0) n++;
      expect(n).toBeGreaterThan(0);
      const full = state();
      const r = sb.run(['write', 'tank/b', '/more'], pattern(R * 8, 99));
      expect(r).toEqual({ status: 1, stdout: '', stderr: "cannot write 'tank/b:/more': out of space\n" });
      const grow = sb.run(['write', '--append', 'tank/b', '/r0'], pattern(R * 16, 98));
      expect(grow.stderr).toBe("cannot write 'tank/b:/r0': out of space\n");
      expect(state()).toBe(full);
      expect(sb.bytesOf(['cat', 'tank/b', '/r0']).equals(pattern(R * 8, 10))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);

      // Snapshots need no data space; overwriting a snapshotted file frees nothing, so it fails.
      sb.ok(['snapshot', 'tank/b@full']);
      expect(sb.run(['write', 'tank/a', '/big'], pattern(24 << 20, 2)).status).toBe(1);
      // Deleting works on the full pool; with the snapshot gone too, the space comes back.
      sb.ok(['rm', 'tank/a', '/big']);
      expect(state()).not.toBe(full);
      sb.ok(['destroy', 'tank/a@s']);
      sb.ok(['destroy', '-r', 'tank/b']);
      // The label and the metadata allocations of tank and tank/a.
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc'])).toBe(`${4096 + 2 * META}\n`);
      sb.ok(['write', 'tank/a', '/again'], pattern(24 << 20, 3));
      expect(sb.bytesOf(['cat', 'tank/a', '/again']).equals(pattern(24 << 20, 3))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
