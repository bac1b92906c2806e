/**
 * `zfs mount`, `unmount`/`umount`, `share` and `unshare` (issue 16 item 7): OpenZFS's grammar,
 * usage texts and refusals, nothing touched in the host, and the `mounted` property true to what
 * they did, kept in the pool from one command to the next.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, ROOT, Sandbox, transcript, type Step } from './harness.js';

const POOL: Step[] = [
  ['pool', 'create', '--size', '128M', 'tank'],
  ['create', 'tank/a'],
  ['create', 'tank/a/b'],
  ['create', '-o', 'canmount=noauto', 'tank/n'],
  ['create', '-o', 'mountpoint=legacy', 'tank/l'],
  ['create', '-o', 'mountpoint=none', 'tank/none'],
  ['create', '-o', 'canmount=off', 'tank/off'],
  ['create', '-V', '8M', 'tank/vol'],
  ['snapshot', 'tank/a@s'],
];
const MOUNTED: Step = ['list', '-o', 'name,canmount,mountpoint,mounted', '-r', 'tank'];

describe('zfs mount and unmount', () => {
  it('the initial state, the listing, mount and unmount by name and by path, -a and -R, -j', () => {
    expectGolden(
      'mounts/lifecycle',
      transcript([
        ...POOL,
        MOUNTED,
        ['mount'],
        ['mount', '-j'],
        ['unmount', 'tank/a'],
        ['mount'],
        ['mount', 'tank/a'],
        ['mount', 'tank/n'],
        ['get', 'mounted', 'tank/a', 'tank/a/b', 'tank/n', 'tank/a@s', 'tank/vol'],
        ['umount', '/tank/a/'],
        ['mount', '-R', 'tank/a'],
        ['unmount', '-a'],
        MOUNTED,
        ['mount'],
        ['mount', '-j'],
        ['mount', '-av'],
        MOUNTED,
        ['mount', '-o', 'remount,ro', 'tank/a'],
        ['mount', '-fOl', 'tank/n'],
        ['unmount', '-fu', 'tank'],
        ['mount'],
        ['mount', '-a'],
        ['unmount', 'tank/a'],
        ['mount'],
        // Export unmounts every filesystem and import mounts those with canmount=on, as OpenZFS's do.
        ['pool', 'export', 'tank'],
        ['pool', 'import', 'tank'],
        ['mount'],
        // Mounting is no pool change that OpenZFS logs: the history has none of these commands.
        ['pool', 'history', 'tank'],
      ]),
    );
  });

  it('refusals and usage errors, which change nothing', () => {
    expectGolden(
      'mounts/refusals',
      transcript([
        ...POOL,
        ['mount', 'tank/a'],
        ['mount', 'tank/l'],
        ['mount', 'tank/none'],
        ['mount', 'tank/off'],
        ['mount', 'tank/vol'],
        ['mount', 'tank/a@s'],
        ['mount', 'tank/nope'],
        ['mount', 'nopool/x'],
        ['unmount', 'tank/n'],
        ['unmount', 'tank/l'],
        ['unmount', 'tank/off'],
        ['unmount', '/tank/a/b/c'],
        ['unmount', '/'],
        ['unmount', '/no/such/dir'],
        ['mount', 'tank/a', 'tank/n'],
        ['mount', '-a', 'tank/a'],
        ['mount', '-R'],
        ['mount', '-R', 'tank/nope'],
        ['mount', '-o', 'ro'],
        ['mount', '-o', ''],
        ['mount', '-o'],
        ['mount', '-x'],
        ['mount', '-j', 'tank/a'],
        ['unmount'],
        ['unmount', 'tank/a', 'tank/n'],
        ['unmount', '-a', 'tank/a'],
        ['unmount', '-l', 'tank/a'],
        MOUNTED,
      ]),
    );
  });

  it('share and unshare keep their state too, and mount what they share', () => {
    expectGolden(
      'mounts/share',
      transcript([
        ['pool', 'create', '--size', '128M', 'tank'],
        ['create', '-o', 'sharenfs=on', 'tank/nfs'],
        ['create', '-o', 'sharesmb=on', '-o', 'canmount=noauto', 'tank/smb'],
        ['create', 'tank/plain'],
        ['share', 'tank/plain'],
        ['share', 'tank/nfs'],
        ['unshare', 'tank/nfs'],
        ['unshare', 'tank/nfs'],
        ['unshare', '/tank/nfs'],
        ['share', 'tank/nfs'],
        ['unshare', '/tank/nfs'],
        ['unshare', 'tank/plain'],
        ['unshare', '/tank/plain'],
        ['unshare', '/tank/none'],
        ['share', '-a'],
        ['mount'],
        ['share', 'tank/smb'],
        ['mount'],
        ['unshare', '-a', 'smb'],
        ['share', '-a', 'nfs'],
        ['share', '-a', 'afp'],
        ['share'],
        ['share', '-a', 'nfs', 'tank/nfs'],
        ['unshare', '-a', 'tank/nfs'],
        ['unshare'],
        ['share', '-o', 'x', 'tank/nfs'],
        ['unmount', 'tank/nfs'],
        ['unshare', 'tank/nfs'],
      ]),
    );
  });

  it('zfs set of canmount, mountpoint and sharenfs moves the states as OpenZFS does', () => {
    expectGolden(
      'mounts/set',
      transcript([
        ['pool', 'create', '--size', '128M', 'tank'],
        ['create', '-p', 'tank/a/b/c'],
        ['create', '-o', 'mountpoint=/own', 'tank/a/own'],
        ['unmount', 'tank/a/b'],
        ['unmount', 'tank/a/own'],
        MOUNTED,
        // A new mountpoint mounts those that take it and may be (canmount=on), not the others.
        ['set', 'mountpoint=/srv', 'tank/a'],
        MOUNTED,
        // -u leaves the states as they were.
        ['set', '-u', 'mountpoint=/u', 'tank/a/own'],
        ['get', '-H', '-o', 'name,value', 'mounted,mountpoint', 'tank/a/own'],
        ['set', '-u', 'mountpoint=/own', 'tank/a/own'],
        // inherit of a mountpoint mounts as set does.
        ['unmount', 'tank/a/b'],
        ['set', 'mountpoint=/b', 'tank/a/b'],
        ['unmount', 'tank/a/b'],
        ['inherit', 'mountpoint', 'tank/a/b'],
        ['get', '-H', '-o', 'name,value', 'mounted,mountpoint', 'tank/a/b', 'tank/a/b/c'],
        // noauto keeps a mounted file system mounted; off unmounts; on mounts nothing by itself.
        ['set', 'canmount=noauto', 'tank/a'],
        ['set', 'canmount=off', 'tank/a/b'],
        MOUNTED,
        ['set', 'canmount=on', 'tank/a/b'],
        ['set', 'mountpoint=none', 'tank/a/b/c'],
        MOUNTED,
        ['unmount', 'tank/a'],
        ['set', 'canmount=noauto', 'tank/a/own'],
        MOUNTED,
        ['mount'],
        ['set', 'sharenfs=on', 'tank/a/b'],
        ['unshare', 'tank/a/b'],
        ['set', 'sharenfs=rw', 'tank/a/b'],
        // Shared with options by one protocol: shared again, not refused (share_mount_one).
        ['share', 'tank/a/b'],
        ['set', 'sharesmb=on', 'tank/a/b'],
        ['share', 'tank/a/b'],
        MOUNTED,
      ]),
    );
  });

  it('receive mounts what it creates, and with -u leaves it unmounted', () => {
    const sb = new Sandbox();
    try {
      let text = transcript([['pool', 'create', '--size', '128M', 'tank'], ['create', 'tank/src'], ['snapshot', 'tank/src@1'], ['snapshot', 'tank/src@2']], sb, true);
      const full = sb.exec(['send', 'tank/src@1']).stdout;
      const incremental = sb.exec(['send', '-i', '@1', 'tank/src@2']).stdout;
      text += transcript(
        [
          { args: ['receive', 'tank/plain'], input: full },
          { args: ['receive', '-u', 'tank/quiet'], input: full },
          ['get', '-H', '-o', 'name,value', 'mounted', 'tank/plain', 'tank/quiet'],
          ['mount', 'tank/quiet'],
          // An incremental receive into a mounted file system leaves it mounted, -u or not.
          { args: ['receive', '-u', 'tank/quiet'], input: incremental },
          ['list', '-o', 'name,mounted', '-r', 'tank'],
        ],
        sb,
      );
      expectGolden('mounts/receive', text);
    } finally {
      sb.cleanup();
    }
  });

  it('nothing is made or mounted in the host, whatever the mountpoint', () => {
    const sb = new Sandbox();
    try {
      const where = path.join(sb.home, 'mnt');
      sb.ok(['pool', 'create', '--size', '128M', '-m', where, 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['unmount', '-a']);
      sb.ok(['mount', '-a']);
      sb.ok(['mount', '-o', 'remount', 'tank/a']);
      expect(sb.ok(['mount'])).toBe(`${'tank'.padEnd(30)}  ${where}\n${'tank/a'.padEnd(30)}  ${where}/a\n`);
      expect(fs.existsSync(where)).toBe(false);
    } finally {
      sb.cleanup();
    }
  });

  it('a script under set -e runs through with zfs and zpool on PATH', () => {
    const sb = new Sandbox();
    try {
      const dir = path.join(sb.home, 'bin');
      sb.ok(['shims', dir]);
      const script = path.join(ROOT, 'test/cli/scripts/mounts-set-e.sh');
      const r = spawnSync('bash', [script], {
        env: sb.env({ PATH: `${dir}:${process.env.PATH}`, WORK: sb.home }),
        encoding: 'utf8',
      });
      const text = `${r.stdout}[stderr]\n${r.stderr}[exit ${r.status}]\n`.split(sb.home).join('$WORK');
      expectGolden('mounts/set-e-script', text);
      expect(r.status).toBe(0);
    } finally {
      sb.cleanup();
    }
  });
});
