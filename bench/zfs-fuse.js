/**
 * Real ZFS beside tszfs in the same run, through zfs-fuse (Debian: `apt-get install zfs-fuse`).
 * Used only when the `zfs-fuse` daemon binary is installed and the bench runs as root; the bench
 * starts the daemon if none runs (and stops it afterwards), creates a pool on a sparse image file
 * in its work folder, and destroys that pool at the end. Otherwise the zfs-fuse column says why
 * it is empty (as in CI).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { timed } from './lib.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(sleeper, 0, 0, ms);

const found = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** A zfs-fuse pool of `size` bytes for the bench, or `{ absent: reason }`. */
export function startZfsFuse(work, size) {
  if (process.env.TSZFS_BENCH_NO_ZFS_FUSE) return { absent: 'skipped: TSZFS_BENCH_NO_ZFS_FUSE is set' };
  if (!found('zfs-fuse') || !found('zfs') || !found('zpool')) return { absent: 'skipped: zfs-fuse is not installed' };
  if (process.getuid?.() !== 0) return { absent: 'skipped: zfs-fuse needs root' };
  let daemonPid = null;
  if (!ok('pgrep', ['-x', 'zfs-fuse'])) {
    const pidFile = path.join(work, 'zfs-fuse.pid');
    if (!ok('zfs-fuse', ['--pidfile', pidFile, '--no-kstat-mount'])) return { absent: 'skipped: zfs-fuse did not start' };
    for (let i = 0; i < 50 && !fs.existsSync(pidFile); i++) sleep(100);
    daemonPid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  }
  // The daemon answers once its socket is up.
  for (let i = 0; i < 50 && !ok('zpool', ['list']); i++) sleep(100);
  const name = `tszfsbench${process.pid}`;
  const image = path.join(work, 'zfs-fuse.img');
  const mount = path.join(work, 'zfs-fuse-mnt');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, size);
  const created = spawnSync('zpool', ['create', '-m', mount, name, image], { encoding: 'utf8' });
  if (created.status !== 0) {
    stopDaemon(daemonPid);
    return { absent: `skipped: zpool create failed: ${created.stderr.trim()}` };
  }
  return {
    name,
    mount,
    /** wall time of `zfs ARGS` in ms */
    zfs: (...args) => timed('zfs', args),
    zpool: (...args) => timed('zpool', args),
    stop() {
      spawnSync('zpool', ['destroy', '-f', name], { stdio: 'ignore' });
      stopDaemon(daemonPid);
    },
  };
}

function stopDaemon(pid) {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    sleep(100);
  }
}
