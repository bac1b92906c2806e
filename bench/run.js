#!/usr/bin/env node
/**
 * `npm run bench`: measures the built CLI next to a raw baseline in the same run, on the same
 * machine, the same files and the same (warm) page cache, and prints one table. Absolute numbers
 * swing with the machine and its neighbours; the ratios are what to compare between runs.
 *
 * Rows (bench/README.md says more): 1 GiB `write` vs `cp`, 1 GiB `cat` vs `cat`, `snapshot` of an
 * empty dataset vs one holding 1 GiB, start-up (`node -e 0`, `tszfs --version`, `tszfs list`),
 * and the peak RSS of `head -c 2G /dev/zero | tszfs write` (must stay under 200 MB).
 *
 * Nothing here asserts a time: the tests never depend on how fast this machine is. The one limit
 * checked, peak RSS, is a memory bound, and it only sets the exit status.
 *
 * TSZFS_BENCH_DIR picks where the temporary files go (default: the OS temp dir). It needs about
 * 6.5 GiB free: the 1 GiB source, its copy, and a 4 GiB pool image (allocated in full).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const GiB = 1024 ** 3;
const POOL_SIZE = '4G'; // 1 GiB dataset + 2 GiB piped write + 128M slop space
const NEED_BYTES = 6.5 * GiB;
const RSS_LIMIT_MB = 200;
const REPEAT_BIG = 3; // 1 GiB transfers
const REPEAT_SMALL = 7; // process start-ups and snapshots

const baseDir = process.env.TSZFS_BENCH_DIR ?? os.tmpdir();
const work = fs.mkdtempSync(path.join(baseDir, 'tszfs-bench-'));
const home = path.join(work, 'home');
fs.mkdirSync(home);
const env = { ...process.env, TSZFS_HOME: home, NO_COLOR: '1' };

const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Runs a command; throws with its stderr when it fails. Returns the wall time in ms. */
function timed(cmd, args, { stdout = 'ignore' } = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const tszfs = (...args) => [process.execPath, [BIN, ...args]];
const run = ([cmd, args], opts) => timed(cmd, args, opts);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time of `n` runs of `fn(i)`, with `before(i)` (untimed) ahead of each run. */
function medianMs(n, fn, before = () => {}) {
  const times = [];
  for (let i = 0; i < n; i++) {
    before(i);
    times.push(fn(i));
  }
  return median(times);
}

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const fmtRate = (bytes, ms) => `${mbps(bytes, ms).toFixed(0)} MB/s`;
const fmtMs = (ms) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
const fmtRatio = (x) => `${x.toFixed(2)}x`;

/** Peak RSS in MB (10^6 bytes) of the last command of a shell pipeline, or null if unmeasurable. */
function peakRss(pipeIn, [cmd, args]) {
  const timeBin = '/usr/bin/time';
  const report = path.join(work, 'time.txt');
  if (fs.existsSync(timeBin) && !process.env.TSZFS_BENCH_POLL_RSS) {
    const quoted = [timeBin, '-o', report, '-v', cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const ms = timed('bash', ['-c', `set -o pipefail; ${pipeIn} | ${quoted}`]);
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(report, 'utf8'));
    return { mb: m ? (Number(m[1]) * 1024) / 1e6 : null, ms, how: '/usr/bin/time -v' };
  }
  // No GNU time: run the pipeline with `exec`, so that the command keeps the pid the shell wrote
  // down, and poll its VmHWM (the kernel's own high-water mark of RSS) until it is gone.
  const start = process.hrtime.bigint();
  const pidFile = path.join(work, `pid-${crypto.randomUUID()}.txt`);
  const script = `${pipeIn} | { echo $BASHPID > '${pidFile}'; exec "$@"; }`;
  spawn('bash', ['-c', script, 'bash', cmd, ...args], { env, stdio: 'ignore' });
  return pollHwm(pidFile, start);
}

function pollHwm(pidFile, start) {
  let pid = null;
  let hwm = 0;
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    if (pid === null && fs.existsSync(pidFile)) pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || null;
    if (pid !== null) {
      let status;
      try {
        status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        break;
      }
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) hwm = Math.max(hwm, Number(m[1]));
      if (/State:\s+Z/.test(status)) break;
    }
    Atomics.wait(sleep, 0, 0, 20);
  }
  // No /proc (not Linux): no number rather than a wrong one.
  return { mb: hwm > 0 ? (hwm * 1024) / 1e6 : null, ms: Number(process.hrtime.bigint() - start) / 1e6, how: '/proc VmHWM polling' };
}

function header() {
  const free = fs.statfsSync(work);
  const freeBytes = free.bavail * free.bsize;
  console.log(`tszfs bench: node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, ${(os.totalmem() / GiB).toFixed(1)} GiB RAM`);
  console.log(`work dir ${baseDir}: ${(freeBytes / GiB).toFixed(1)} GiB free (needs ${(NEED_BYTES / GiB).toFixed(1)} GiB)`);
  if (freeBytes < NEED_BYTES) {
    console.error(`not enough free disk in ${baseDir}: set TSZFS_BENCH_DIR to a folder with ${(NEED_BYTES / GiB).toFixed(1)} GiB free`);
    process.exit(1);
  }
}

/** A 1 GiB file of incompressible bytes (an 8 MiB random block, repeated). */
function makeSource(file) {
  const block = crypto.randomBytes(8 << 20);
  const fd = fs.openSync(file, 'w');
  for (let off = 0; off < GiB; off += block.length) fs.writeSync(fd, block, 0, block.length, off);
  fs.closeSync(fd);
}

function main() {
  header();
  const src = path.join(work, 'src.bin');
  const copy = path.join(work, 'copy.bin');
  makeSource(src);
  const devnull = fs.openSync('/dev/null', 'w');
  const rows = [];
  const row = (what, mine, base, ratio) => rows.push([what, mine, base, ratio]);

  run(tszfs('pool', 'create', '--size', POOL_SIZE, 'tank'));
  run(tszfs('create', 'tank/fs'));
  run(tszfs('create', 'tank/empty'));

  // 1 GiB write: tszfs replaces /f each time (the old blocks are freed: no snapshot yet).
  const cpMs = medianMs(REPEAT_BIG, () => timed('cp', [src, copy]), () => fs.rmSync(copy, { force: true }));
  const cpSyncMs = medianMs(REPEAT_BIG, () => timed('bash', ['-c', 'cp "$0" "$1" && sync "$1"', src, copy]), () => fs.rmSync(copy, { force: true }));
  const writeMs = medianMs(REPEAT_BIG, () => run(tszfs('write', 'tank/fs', '/f', src)));
  row('write 1 GiB file', fmtRate(GiB, writeMs), `cp: ${fmtRate(GiB, cpMs)}`, fmtRatio(writeMs / cpMs));
  row('write 1 GiB file', fmtRate(GiB, writeMs), `cp + sync FILE: ${fmtRate(GiB, cpSyncMs)}`, fmtRatio(writeMs / cpSyncMs));

  // 1 GiB read, both from the page cache, to /dev/null.
  const catMs = medianMs(REPEAT_BIG, () => timed('cat', [src], { stdout: devnull }));
  const tcatMs = medianMs(REPEAT_BIG, () => run(tszfs('cat', 'tank/fs', '/f'), { stdout: devnull }));
  row('cat 1 GiB file > /dev/null', fmtRate(GiB, tcatMs), `cat: ${fmtRate(GiB, catMs)}`, fmtRatio(tcatMs / catMs));

  // Snapshot cost must not grow with the data: interleave the two so noise hits both alike.
  const snapEmpty = [];
  const snapFull = [];
  for (let i = 0; i < REPEAT_SMALL; i++) {
    snapEmpty.push(run(tszfs('snapshot', `tank/empty@s${i}`)));
    snapFull.push(run(tszfs('snapshot', `tank/fs@s${i}`)));
  }
  row('snapshot of a 1 GiB dataset', fmtMs(median(snapFull)), `empty dataset: ${fmtMs(median(snapEmpty))}`, fmtRatio(median(snapFull) / median(snapEmpty)));

  // Start-up: what every command in a shell loop pays.
  const nodeMs = medianMs(REPEAT_SMALL, () => timed(process.execPath, ['-e', '0']));
  const versionMs = medianMs(REPEAT_SMALL, () => run(tszfs('--version')));
  row('tszfs --version', fmtMs(versionMs), `node -e 0: ${fmtMs(nodeMs)}`, fmtRatio(versionMs / nodeMs));
  let listMs = null;
  try {
    listMs = medianMs(REPEAT_SMALL, () => run(tszfs('list'), { stdout: 'ignore' }));
  } catch (err) {
    row('tszfs list', `n/a: ${/exited \d+/.exec(String(err.message))?.[0] ?? 'failed'}`, '', '');
  }
  const listed = `tszfs list (3 filesystems; ${2 * REPEAT_SMALL} snapshots not listed)`;
  if (listMs !== null) row(listed, fmtMs(listMs), `node -e 0: ${fmtMs(nodeMs)}`, fmtRatio(listMs / nodeMs));

  // Peak memory of a 2 GiB stream: the write must run in bounded memory.
  run(tszfs('create', 'tank/big'));
  const nodeRss = peakRss('true', [process.execPath, ['-e', '0']]);
  const big = peakRss('head -c 2G /dev/zero', tszfs('write', 'tank/big', '/f'));
  const verdict = big.mb === null ? 'unmeasured' : big.mb < RSS_LIMIT_MB ? `under ${RSS_LIMIT_MB} MB: ok` : `OVER ${RSS_LIMIT_MB} MB`;
  row(
    'peak RSS of a 2 GiB piped write (head -c 2G /dev/zero into tszfs write)',
    big.mb === null ? 'n/a' : `${big.mb.toFixed(0)} MB (${verdict})`,
    `node -e 0: ${nodeRss.mb === null ? 'n/a' : nodeRss.mb.toFixed(0) + ' MB'}`,
    big.mb === null || !nodeRss.mb ? '' : fmtRatio(big.mb / nodeRss.mb),
  );
  row('throughput of that 2 GiB piped write', fmtRate(2 * GiB, big.ms), '', '');

  fs.closeSync(devnull);
  printTable(['measurement', 'tszfs', 'baseline (same run)', 'tszfs/baseline'], rows);
  console.log(`medians of ${REPEAT_BIG} runs (1 GiB rows) and ${REPEAT_SMALL} runs (ms rows); warm page cache; MB = 10^6 bytes; RSS via ${big.how}`);
  console.log('ratio = tszfs time (or memory) / baseline time (or memory): 1.00x is parity, above 1 is slower');
  if (big.mb !== null && big.mb >= RSS_LIMIT_MB) process.exitCode = 1;
}

function printTable(head, rows) {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

try {
  main();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
