/**
 * tar rows of `npm run bench` (bench/README.md), also runnable alone: `node bench/tar.js`.
 *
 * A real tree of this machine (TSZFS_BENCH_TAR_TREES, default `usr/share usr/lib/python3*`: at
 * least 20,000 entries and 300 MB) is archived once by GNU tar, untimed. Then, in the same run:
 * - extract: `tszfs tar -x -f ARCHIVE FS` then `sync`, next to GNU `tar -xf ARCHIVE -C DIR` then
 *   `sync` into a directory on the same disk; and the same into a filesystem with compression=off;
 * - create: `tszfs tar -c -f OUT FS@SNAP` next to GNU `tar -cf OUT -C DIR .` of what it extracted;
 * - peak RSS of `tszfs tar -x` fed the archive through a pipe (staged to a scratch file) and of
 *   `tszfs tar -c`; each must stay under 300 MB.
 * Rates are entries/s and MB/s of the archive's bytes (MB = 10^6 bytes).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRatio, peakRss, printTable, timed } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RSS_LIMIT_MB = 300;

function trees() {
  if (process.env.TSZFS_BENCH_TAR_TREES) return process.env.TSZFS_BENCH_TAR_TREES.split(/\s+/).filter(Boolean);
  const lib = fs.existsSync('/usr/lib') ? fs.readdirSync('/usr/lib').filter((n) => /^python3/.test(n)).map((n) => `usr/lib/${n}`) : [];
  return ['usr/share', ...lib];
}

/** Rows of [measurement, tszfs, GNU tar, tszfs/GNU time, note] measured in `work` with the CLI `bin`. */
export function tarRows(work, bin) {
  const dir = path.join(work, 'tar');
  fs.mkdirSync(dir);
  const env = { ...process.env, TSZFS_HOME: dir, NO_COLOR: '1', TSZFS_LOG: '' };
  const archive = path.join(dir, 'tree.tar');
  // Unreadable files (another user's) are left out rather than failing the bench.
  spawnSync('tar', ['-cf', archive, '--ignore-failed-read', '-C', '/', ...trees()], { stdio: 'ignore' });
  const listing = spawnSync('tar', ['-tf', archive], { maxBuffer: 1 << 30 }).stdout.toString();
  const entries = listing.split('\n').filter(Boolean).length;
  const bytes = fs.statSync(archive).size;
  const tszfs = (args) => timed(process.execPath, [bin, ...args], { env });
  const withSync = (cmd) => timed('bash', ['-c', `${cmd} && sync`], { env });
  const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;

  tszfs(['pool', 'create', '--size', String(Math.ceil((bytes * 3) / 2 ** 30) + 2) + 'G', 'tank']);
  const gnuDir = path.join(dir, 'gnu');
  fs.mkdirSync(gnuDir);
  spawnSync('sync');
  const gnuX = withSync(`tar -xf ${q(archive)} -C ${q(gnuDir)}`);
  tszfs(['create', 'tank/x']);
  spawnSync('sync');
  const mineX = withSync(`${q(process.execPath)} ${q(bin)} tar -x -f ${q(archive)} tank/x`);
  tszfs(['snapshot', 'tank/x@b']);
  // Where the time goes: the same without compression (every record is tried with lz4 by default).
  tszfs(['create', '-o', 'compression=off', 'tank/off']);
  spawnSync('sync');
  const offX = withSync(`${q(process.execPath)} ${q(bin)} tar -x -f ${q(archive)} tank/off`);
  tszfs(['destroy', 'tank/off']);
  const outMine = path.join(dir, 'mine-out.tar');
  const outGnu = path.join(dir, 'gnu-out.tar');
  const gnuC = timed('tar', ['-cf', outGnu, '-C', gnuDir, '.']);
  const mineC = tszfs(['tar', '-c', '-f', outMine, 'tank/x@b']);
  const outBytes = fs.statSync(outMine).size;
  fs.rmSync(outMine);
  tszfs(['create', 'tank/piped']);
  const rssX = peakRss(dir, env, `cat ${q(archive)}`, [process.execPath, [bin, 'tar', '-x', 'tank/piped']]);
  const rssC = peakRss(dir, env, 'true', [process.execPath, [bin, 'tar', '-c', '-f', outMine, 'tank/x@b']]);
  fs.rmSync(gnuDir, { recursive: true, force: true });

  const rate = (ms, b) => `${Math.round(entries / (ms / 1000))} entries/s, ${(b / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  const rss = (r) => (r.mb === null ? 'n/a' : `${r.mb.toFixed(0)} MB (${r.mb < RSS_LIMIT_MB ? 'under' : 'OVER'} ${RSS_LIMIT_MB} MB)`);
  const what = `${entries} entries, ${(bytes / 1e6).toFixed(0)} MB`;
  const rows = [
    [`tar -x + sync (${what})`, rate(mineX, bytes), rate(gnuX, bytes), fmtRatio(mineX / gnuX)],
    [`tar -x + sync, compression=off`, rate(offX, bytes), rate(gnuX, bytes), fmtRatio(offX / gnuX)],
    [`tar -c of a snapshot (${what})`, rate(mineC, outBytes), rate(gnuC, fs.statSync(outGnu).size), fmtRatio(mineC / gnuC)],
    ['peak RSS of tar -x from a pipe', rss(rssX), '', ''],
    ['peak RSS of tar -c', rss(rssC), '', ''],
  ];
  const over = [rssX, rssC].some((r) => r.mb !== null && r.mb >= RSS_LIMIT_MB);
  return { rows, over };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-bench-'));
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
  const { rows, over } = tarRows(work, path.join(ROOT, 'bin/tszfs.js'));
  printTable(['measurement', 'tszfs', 'GNU tar (same run)', 'tszfs/GNU tar'], rows);
  if (over) process.exitCode = 1;
}
