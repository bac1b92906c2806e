#!/usr/bin/env node
/**
 * `npm run bench:startup`: what one command costs a shell script (issue 17 item 4), on a pool with
 * 100 datasets and 1,000 snapshots: `snapshot`, `create`, `set` (goal: at most 1.3x `node -e 0`),
 * `list`, `get` and `--version` (goal: at most 1.15x), each as the median of REPEAT runs taken
 * alternately with `node -e 0`, so that both see the same load. zfs-fuse's time for the same
 * command is printed beside it when zfs-fuse is installed (and the bench runs as root).
 *
 * The pool is set up through the package API in this process (dist/api); only the measured
 * commands run as processes of their own. TSZFS_BENCH_REPEAT sets the runs per row (default 11).
 *
 * On a machine shared with other work, wall times swing with the neighbours' load; where `perf`
 * is installed, the CPU time of each command (perf stat's task-clock: every thread of the process)
 * is measured too, in separate runs, and its ratio to `node -e 0`'s CPU time printed beside.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtRatio, median, printTable, timed } from './lib.js';
import { startZfsFuse } from './zfs-fuse.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** TSZFS_BENCH_BIN: another build's bin/tszfs.js (e.g. main's checkout), for a before-and-after */
const BIN = process.env.TSZFS_BENCH_BIN ?? path.join(ROOT, 'bin/tszfs.js');
const REPEAT = Number(process.env.TSZFS_BENCH_REPEAT) || 11;
const DATASETS = 100;
const SNAPSHOTS = 1000;

const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-startup-'));
let zf = { absent: 'not started' };
process.on('exit', () => {
  zf.stop?.();
  fs.rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const env = { ...process.env, TSZFS_HOME: work, NO_COLOR: '1', TSZFS_LOG: '' };
const tszfs = (...args) => timed(process.execPath, [BIN, ...args], { env });

/** 100 datasets (tank/d0..d99) and 1,000 snapshots (10 of each), in one process. */
async function setUp() {
  const { openPool, createPool } = await import('../dist/api/index.js');
  createPool('tank', { home: work, size: 256 * 1024 * 1024 });
  const pool = openPool('tank', { home: work });
  for (let d = 0; d < DATASETS; d++) pool.createDataset(`tank/d${d}`);
  for (let s = 0; s < SNAPSHOTS / DATASETS; s++) pool.snapshot(`tank@s${s}`, { recursive: true });
  // the recursive snapshots above took 10 of tank itself too: 1,010 in all
}

const hasPerf = spawnSync('sh', ['-c', 'command -v perf'], { stdio: 'ignore' }).status === 0 && spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', 'true'], { stdio: 'ignore' }).status === 0;

/** CPU milliseconds of one run of `args` (perf stat's task-clock), or null without perf. */
function cpuMs(args) {
  if (!hasPerf) return null;
  const r = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', '--', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  const ms = Number(line.split(',')[0]);
  return Number.isFinite(ms) && /task-clock/.test(line) ? ms : null;
}

/** Median of `fn(i)` and of `node -e 0`, run alternately. */
function paired(fn, base = () => timed(process.execPath, ['-e', '0'])) {
  const mine = [];
  const node = [];
  for (let i = 0; i < REPEAT; i++) {
    node.push(base());
    mine.push(fn(i));
  }
  return { mine: median(mine), node: median(node) };
}

async function main() {
  console.log(`tszfs start-up bench: node ${process.version}, ${os.cpus().length} CPUs; ${DATASETS} datasets, ${SNAPSHOTS} snapshots; medians of ${REPEAT}`);
  await setUp();
  zf = startZfsFuse(work, 256 * 1024 * 1024);
  const fuse = zf.absent ? null : zf;
  if (fuse) {
    for (let d = 0; d < 10; d++) fuse.zfs('create', `${fuse.name}/d${d}`);
  }
  const fuseMs = (fn) => (fuse ? median(Array.from({ length: REPEAT }, (_, i) => fn(fuse, i))) : zf.absent);
  const commands = [
    ['--version', 1.15, () => ['--version'], () => '(no `zfs version`)'],
    ['list', 1.15, () => ['list'], (z) => z.zfs('list')],
    ['get used tank/d7', 1.15, () => ['get', 'used', 'tank/d7'], (z) => z.zfs('get', 'used', `${z.name}/d7`)],
    ['snapshot', 1.3, (i) => ['snapshot', `tank/d3@b${i}`], (z, i) => z.zfs('snapshot', `${z.name}/d3@b${i}`)],
    ['create', 1.3, (i) => ['create', `tank/d5/c${i}`], (z, i) => z.zfs('create', `${z.name}/d5/c${i}`)],
    ['set', 1.3, (i) => ['set', `user:n=${i}`, 'tank/d9'], (z, i) => z.zfs('set', `user:n=${i}`, `${z.name}/d9`)],
  ];
  const rows = [];
  for (const [what, goal, argsOf, theirs] of commands) {
    const t = paired((i) => tszfs(...argsOf(i)));
    // CPU: separate runs (perf's own start-up stays out of the wall times above)
    const cpu = hasPerf ? paired((i) => cpuMs([process.execPath, BIN, ...argsOf(REPEAT + i)]), () => cpuMs([process.execPath, '-e', '0'])) : null;
    const f = fuseMs(theirs);
    const ratio = t.mine / t.node;
    rows.push([
      `tszfs ${what}`,
      fmtMs(t.mine),
      fmtMs(t.node),
      fmtRatio(ratio),
      `${goal.toFixed(2)}x ${ratio <= goal ? 'ok' : 'over'}`,
      cpu ? `${fmtMs(cpu.mine)} / ${fmtMs(cpu.node)} = ${fmtRatio(cpu.mine / cpu.node)}` : '(no perf)',
      typeof f === 'number' ? fmtMs(f) : (f ?? ''),
    ]);
  }
  printTable(['command', 'tszfs', 'node -e 0', 'ratio', 'goal', 'CPU: tszfs / node -e 0', 'zfs-fuse'], rows);
}

await main();
