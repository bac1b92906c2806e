#!/usr/bin/env node
/**
 * `npm run bench`: measures the built CLI next to raw baselines and, where zfs-fuse is installed,
 * next to real ZFS, all in the same run, on the same machine, files and (warm) page cache, and
 * prints one table. Absolute numbers swing with the machine and its neighbours; the ratios are
 * what to compare between runs. bench/README.md describes every row.
 *
 * Pools with 10, 1,000 and 10,000 snapshots are set up through the library in one process
 * (bench/make-snapshots.js); only the measured command runs as a process of its own.
 *
 * TSZFS_BENCH_DIR picks where the temporary files go (default: the OS temp dir); it needs about
 * 8.5 GiB free. TSZFS_BENCH_FULL=1 also gives zfs-fuse its 10,000 snapshots (~90 s more).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtRate, fmtRatio, makeSource, median, medianMs, peakRss, printTable, timed } from './lib.js';
import { makeSnapshots } from './make-snapshots.js';
import { compressionRows } from './compression.js';
import { tarRows } from './tar.js';
import { startZfsFuse } from './zfs-fuse.js';
import { sendReceiveRows } from './streams.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const GiB = 1024 ** 3;
const NEED_BYTES = 8.5 * GiB; // source + copy + 4 GiB pool + 2 GiB zfs-fuse image (sparse)
// the 4 GiB cat (group cat4) needs its 4 GiB source and a 4.5 GiB pool besides, made after the
// rows above and removed at once: ~8.5 GiB more while it runs
const NEED_BYTES_CAT4 = 8.6 * GiB;
const RSS_LIMIT_MB = 200;
const REPEAT_BIG = Number(process.env.TSZFS_BENCH_REPEAT) || 3; // 1 GiB transfers
const REPEAT_SMALL = 7; // process start-ups, snapshots, listings
const LOOP = 1000; // snapshots taken in a shell loop
const FULL = Boolean(process.env.TSZFS_BENCH_FULL);
/** TSZFS_BENCH_ROWS=write,cat,rss runs only those groups of rows (default: all; streams needs write and cat). */
const GROUPS = ['write', 'cat', 'cat4', 'streams', 'snapshot', 'snapshots', 'startup', 'rss', 'compression', 'tar'];
const selected = process.env.TSZFS_BENCH_ROWS ? process.env.TSZFS_BENCH_ROWS.split(',').map((g) => g.trim()) : GROUPS;
for (const g of selected) {
  if (!GROUPS.includes(g)) {
    console.error(`TSZFS_BENCH_ROWS: unknown group '${g}' (groups: ${GROUPS.join(', ')})`);
    process.exit(2);
  }
}
const want = (group) => selected.includes(group);

const baseDir = process.env.TSZFS_BENCH_DIR ?? os.tmpdir();
const work = fs.mkdtempSync(path.join(baseDir, 'tszfs-bench-'));
let zf = { absent: 'not started' };
process.on('exit', () => {
  zf.stop?.();
  fs.rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/**
 * Medians of `fn` and of `node -e 0` run alternately: on a shared machine the load drifts over
 * minutes, so each start-up row gets its own floor, measured under the same load.
 */
function pairedMs(n, fn) {
  const mine = [];
  const node = [];
  for (let i = 0; i < n; i++) {
    node.push(timed(process.execPath, ['-e', '0']));
    mine.push(fn(i));
  }
  return { mine: median(mine), node: median(node) };
}

/** Medians of several measurements taken in turn: `cat` and `tszfs cat` then see the same load,
 *  however it drifts. */
function interleaved(n, fns) {
  const times = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let i = 0; i < n; i++) for (const [k, fn] of Object.entries(fns)) times[k].push(fn());
  return Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
}

/** A TSZFS_HOME of its own, so that each listing sees exactly its pool. */
function home(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const env = { ...process.env, TSZFS_HOME: dir, NO_COLOR: '1', TSZFS_LOG: '' };
  return { dir, env, tszfs: (...args) => timed(process.execPath, [BIN, ...args], { env }) };
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

function main() {
  header();
  const rows = [];
  /** `fuseMs` (real ZFS's time for the same thing) may be a number, a note, or absent. */
  const row = (what, mineMs, mineText, base, baseMs, fuseMs, fuseText = fmtMs) => {
    const fuse = typeof fuseMs === 'number' ? fuseText(fuseMs) : (fuseMs ?? '');
    const vsFuse = typeof fuseMs === 'number' ? fmtRatio(mineMs / fuseMs) : '';
    rows.push([what, mineText ?? fmtMs(mineMs), base, baseMs ? fmtRatio(mineMs / baseMs) : '', fuse, vsFuse]);
  };
  const perGiB = (ms) => fmtRate(GiB, ms);
  const src = path.join(work, 'src.bin');
  const copy = path.join(work, 'copy.bin');
  makeSource(src, GiB);
  const devnull = fs.openSync('/dev/null', 'w');

  const big = home('big');
  big.tszfs('pool', 'create', '--size', '4G', 'tank');
  for (const fs_ of ['tank/fs', 'tank/empty', 'tank/big']) big.tszfs('create', fs_);
  zf = startZfsFuse(work, 2 * GiB);
  const fuse = zf.absent ? null : zf;
  const fuseNote = zf.absent ?? null;
  if (fuse) {
    fuse.zfs('create', `${fuse.name}/fs`);
    fuse.zfs('create', `${fuse.name}/empty`);
    fuse.zfs('create', `${fuse.name}/s`);
  }
  const onFuse = (fn) => (fuse ? fn(fuse) : fuseNote);

  let writeMs = null;
  let catMs = null;
  // 1 GiB write: tszfs replaces /f each time (the old blocks are freed: no snapshot yet).
  const fuseFile = fuse && path.join(fuse.mount, 'fs', 'f');
  if (want('write')) {
    // In series, not in turn: a cp right after a durable write or a deleted copy runs several
    // times slower (the kernel still settling them), which would flatter the ratio.
    const cpMs = medianMs(REPEAT_BIG, () => timed('cp', [src, copy]), () => fs.rmSync(copy, { force: true }));
    const cpSyncMs = medianMs(REPEAT_BIG, () => timed('bash', ['-c', 'cp "$0" "$1" && sync "$1"', src, copy]), () => fs.rmSync(copy, { force: true }));
    writeMs = medianMs(REPEAT_BIG, () => big.tszfs('write', 'tank/fs', '/f', src));
    const fuseWrite = onFuse(() => medianMs(REPEAT_BIG, () => timed('bash', ['-c', 'cp "$0" "$1" && sync "$1"', src, fuseFile]), () => fs.rmSync(fuseFile, { force: true })));
    row('write 1 GiB file', writeMs, fmtRate(GiB, writeMs), `cp: ${fmtRate(GiB, cpMs)}`, cpMs, fuseWrite, perGiB);
    row('write 1 GiB file (durable)', writeMs, fmtRate(GiB, writeMs), `cp + sync FILE: ${fmtRate(GiB, cpSyncMs)}`, cpSyncMs, fuseWrite, perGiB);
  } else if (want('cat') || want('snapshot')) {
    // The later rows read or snapshot the 1 GiB file: write it once, untimed.
    big.tszfs('write', 'tank/fs', '/f', src);
    if (fuse) timed('cp', [src, fuseFile]);
  }

  // 1 GiB read, both from the page cache, to /dev/null.
  if (want('cat')) {
    let tcatMs;
    ({ catMs, tcatMs } = interleaved(REPEAT_BIG, {
      catMs: () => timed('cat', [src], { stdout: devnull }),
      tcatMs: () => timed(process.execPath, [BIN, 'cat', 'tank/fs', '/f'], { env: big.env, stdout: devnull }),
    }));
    const fuseCat = onFuse(() => medianMs(REPEAT_BIG, () => timed('cat', [fuseFile], { stdout: devnull })));
    row('cat 1 GiB file > /dev/null', tcatMs, fmtRate(GiB, tcatMs), `cat: ${fmtRate(GiB, catMs)}`, catMs, fuseCat, perGiB);
  }
  // 4 GiB read, verified (issue 17 item 5: at least 0.5x `cat`), from the page cache to /dev/null:
  // its own source (random data written in chunks, no holes) and pool, removed right after.
  if (want('cat4')) {
    const free = fs.statfsSync(work);
    if (free.bavail * free.bsize < NEED_BYTES_CAT4) {
      rows.push(['cat 4 GiB file > /dev/null', `(skipped: needs ${(NEED_BYTES_CAT4 / GiB).toFixed(1)} GiB free in ${baseDir})`, '', '', '', '']);
    } else {
      const src4 = path.join(work, 'src4.bin');
      const h4 = home('cat4');
      try {
        makeSource(src4, 4 * GiB);
        h4.tszfs('pool', 'create', '--size', '4608M', 'big4');
        h4.tszfs('create', '-o', 'compression=off', 'big4/fs');
        h4.tszfs('write', 'big4/fs', '/f', src4);
        const { cat4Ms, tcat4Ms } = interleaved(REPEAT_BIG, {
          cat4Ms: () => timed('cat', [src4], { stdout: devnull }),
          tcat4Ms: () => timed(process.execPath, [BIN, 'cat', 'big4/fs', '/f'], { env: h4.env, stdout: devnull }),
        });
        // zfs-fuse's 2 GiB pool cannot hold 4 GiB: its 1 GiB figure is in the row above
        row('cat 4 GiB file > /dev/null', tcat4Ms, fmtRate(4 * GiB, tcat4Ms), `cat: ${fmtRate(4 * GiB, cat4Ms)}`, cat4Ms, onFuse(() => '(2 GiB pool: see 1 GiB)'));
      } finally {
        fs.rmSync(src4, { force: true });
        fs.rmSync(h4.dir, { recursive: true, force: true });
      }
    }
  }
  // send/receive: against cat and tszfs write of the same GiB, so it needs both groups' figures.
  if (want('streams') && catMs !== null && writeMs !== null) {
    fs.rmSync(copy, { force: true }); // room for the stream file
    sendReceiveRows({ work, bin: BIN, pool: big, repeat: REPEAT_BIG, devnull, GiB, catMs, writeMs, fuse, fuseNote, row });
  }

  // Snapshot and clone cost must not grow with the data: interleaved so noise hits both alike.
  if (want('snapshot')) {
    const snap = { empty: [], full: [], fuse: [] };
    const clone = { empty: [], full: [], fuse: [] };
    for (let i = 0; i < REPEAT_SMALL; i++) {
      snap.empty.push(big.tszfs('snapshot', `tank/empty@s${i}`));
      snap.full.push(big.tszfs('snapshot', `tank/fs@s${i}`));
      if (fuse) snap.fuse.push(fuse.zfs('snapshot', `${fuse.name}/fs@s${i}`));
    }
    for (let i = 0; i < REPEAT_SMALL; i++) {
      clone.empty.push(big.tszfs('clone', `tank/empty@s${i}`, `tank/ce${i}`));
      clone.full.push(big.tszfs('clone', `tank/fs@s${i}`, `tank/cf${i}`));
      if (fuse) clone.fuse.push(fuse.zfs('clone', `${fuse.name}/fs@s${i}`, `${fuse.name}/cf${i}`));
    }
    const fuseMedian = (xs) => (fuse ? median(xs) : fuseNote);
    row('snapshot of a 1 GiB dataset', median(snap.full), null, `empty dataset: ${fmtMs(median(snap.empty))}`, median(snap.empty), fuseMedian(snap.fuse));
    row('clone of a 1 GiB dataset', median(clone.full), null, `empty dataset: ${fmtMs(median(clone.empty))}`, median(clone.empty), fuseMedian(clone.fuse));
  }

  const vsNode = (what, { mine, node }, fuse) => row(what, mine, null, `node -e 0: ${fmtMs(node)}`, node, fuse);
  // Listing, destroying and looping at scale: one home per snapshot count.
  const homes = {};
  if (want('snapshots') || want('startup')) {
    const counts = [10, 1000, 10000];
    for (const n of counts) {
      homes[n] = home(`snaps${n}`);
      homes[n].tszfs('pool', 'create', '--size', '64M', 'l');
      homes[n].tszfs('create', 'l/a');
      makeSnapshots(homes[n].dir, 'l/a', n);
    }
  }
  if (want('snapshots')) {
    const fuseList = () => onFuse((z) => medianMs(REPEAT_SMALL, () => timed('zfs', ['list', '-t', 'all', '-r', `${z.name}/s`], { stdout: 'ignore' })));
    const fuseLoop = (n, prefix) => timed('bash', ['-c', `for i in $(seq ${n}); do zfs snapshot ${fuse.name}/s@${prefix}$i || exit 1; done`]);
    let fuseListed = 0; // snapshots of zfs-fuse's ${name}/s so far
    if (fuse) {
      fuseLoop(10, 'a');
      fuseListed = 10;
    }
    const listAll = (n) => pairedMs(REPEAT_SMALL, () => homes[n].tszfs('list', '-t', 'all'));
    vsNode('list -t all, 10 snapshots', listAll(10), fuseList());

    // 1,000 snapshots in a shell loop: what a script pays per call (zfs-fuse: its snapshots 11..1010).
    homes[10].tszfs('create', 'l/loop');
    const loopEnv = { env: homes[10].env };
    const loopMs = timed('bash', ['-c', `for i in $(seq ${LOOP}); do "$0" "$1" snapshot l/loop@i$i || exit 1; done`, process.execPath, BIN], loopEnv);
    const fuseLoopMs = onFuse(() => fuseLoop(LOOP, 'b'));
    if (fuse) fuseListed += LOOP;
    const loopNodeMs = medianMs(REPEAT_SMALL, () => timed(process.execPath, ['-e', '0']));
    row(`${LOOP} snapshots in a shell loop (per snapshot)`, loopMs / LOOP, null, `node -e 0: ${fmtMs(loopNodeMs)}`, loopNodeMs, typeof fuseLoopMs === 'number' ? fuseLoopMs / LOOP : fuseLoopMs);

    vsNode('list -t all, 1,000 snapshots', listAll(1000), fuseList());
    if (fuse && FULL) {
      timed('bash', ['-c', `for i in $(seq 9000); do zfs snapshot ${fuse.name}/s@c$i || exit 1; done`]);
      fuseListed += 9000;
    }
    const fuse10k = fuse && !FULL ? `(${fuseListed} snapshots: TSZFS_BENCH_FULL=1 for 10,000)` : null;
    vsNode('list -t all, 10,000 snapshots', listAll(10000), fuse10k ?? fuseList());

    // Destroying one snapshot costs in proportion to its neighbours, not to how many there are.
    const destroyAmong = (n) => medianMs(REPEAT_SMALL, (i) => homes[n].tszfs('destroy', `l/a@s${Math.floor(n / 2) + i - 3}`));
    const fuseDestroy = onFuse((z) => medianMs(REPEAT_SMALL, (i) => z.zfs('destroy', `${z.name}/s@b${500 + i}`)));
    const among10 = destroyAmong(10);
    // Without TSZFS_BENCH_FULL, zfs-fuse destroys among its ~1,000: the note says so, no ratio.
    const destroyFuse = typeof fuseDestroy === 'number' && !FULL ? `${fmtMs(fuseDestroy)} (among ${fuseListed})` : fuseDestroy;
    row('destroy one snapshot among 10,000', destroyAmong(10000), null, `among 10: ${fmtMs(among10)}`, among10, destroyFuse);
  }

  // Start-up: what every command in a shell loop pays.
  if (want('startup')) {
    vsNode('tszfs --version', pairedMs(REPEAT_SMALL, () => big.tszfs('--version')), onFuse(() => '(zfs-fuse has no `zfs version`)'));
    const fuseFsList = onFuse((z) => medianMs(REPEAT_SMALL, () => timed('zfs', ['list', '-r', `${z.name}/s`])));
    vsNode('tszfs list (10,000 snapshots in the pool)', pairedMs(REPEAT_SMALL, () => homes[10000].tszfs('list')), fuseFsList);
  }

  // Peak memory of a 2 GiB stream: the write must run in bounded memory.
  let rss = { mb: null, how: 'nothing (rss not selected)' };
  if (want('rss')) {
    const nodeRss = peakRss(work, big.env, 'true', [process.execPath, ['-e', '0']]);
    rss = peakRss(work, big.env, 'head -c 2G /dev/zero', [process.execPath, [BIN, 'write', 'tank/big', '/f']]);
    const verdict = rss.mb === null ? 'unmeasured' : rss.mb < RSS_LIMIT_MB ? `under ${RSS_LIMIT_MB} MB: ok` : `OVER ${RSS_LIMIT_MB} MB`;
    rows.push([
    'peak RSS of a 2 GiB piped write',
    rss.mb === null ? 'n/a' : `${rss.mb.toFixed(0)} MB (${verdict})`,
    `node -e 0: ${nodeRss.mb === null ? 'n/a' : nodeRss.mb.toFixed(0) + ' MB'}`,
    rss.mb === null || !nodeRss.mb ? '' : fmtRatio(rss.mb / nodeRss.mb),
    '',
    '',
    ]);
    rows.push(['throughput of that 2 GiB piped write', fmtRate(2 * GiB, rss.ms), '', '', '', '']);
  }

  fs.closeSync(devnull);
  if (want('compression')) for (const [what, mine, base, ratio] of compressionRows(work, BIN)) rows.push([what, mine, base, ratio, '', '']);
  let tarOver = false;
  if (want('tar')) {
    const tar = tarRows(work, BIN);
    tarOver = tar.over;
    for (const [what, mine, base, ratio] of tar.rows) rows.push([what, mine, base, ratio, '', '']);
  }
  printTable(['measurement', 'tszfs', 'baseline (same run)', 'tszfs/baseline', 'zfs-fuse (same run)', 'tszfs/zfs-fuse'], rows);
  console.log(`medians of ${REPEAT_BIG} runs (1 GiB rows) and ${REPEAT_SMALL} runs (ms rows); the shell loop runs once; warm page cache; MB = 10^6 bytes; RSS via ${rss.how}`);
  console.log('ratio = tszfs time (or memory) / the other side\'s: 1.00x is parity, above 1 is slower');
  if ((rss.mb !== null && rss.mb >= RSS_LIMIT_MB) || tarOver) process.exitCode = 1;
}

try {
  main();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
