#!/usr/bin/env node
/**
 * `npm run bench:diff`: `zfs diff` of 10 changed files in a tree of 200 files and in trees of
 * 20,000 (issue 13 item 4: changes are found through birth txgs, so the time should be about
 * the same). Each tree is made by `tszfs batch` (one `touch` per directory), snapshotted, 10 of
 * its files changed (touched, renamed, removed), snapshotted again; then the diff is timed as a
 * process (`tszfs diff`, start-up included), in-process through the library (dist/lib: opening
 * the pool included) and as the engine's walk alone on an open pool (diffAt: what grows with the
 * tree if anything does), the median of TSZFS_BENCH_REPEAT runs (default 7). The 20,000 come as 100 directories of 200 and
 * as one directory of 20,000 (a hashed directory: its entries are read once to name the changed
 * files, as ZFS's zap_value_search does).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffAt } from '../dist/engine/reading.js';
import { diff } from '../dist/lib/datasets/diff.js';
import { Home } from '../dist/lib/home.js';
import { PoolHandle } from '../dist/lib/pool-handle.js';
import { fmtMs, fmtRatio, medianMs, printTable, timed } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const REPEAT = Number(process.env.TSZFS_BENCH_REPEAT) || 7;
const CHANGED = 10;

const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-bench-diff-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** A pool in its own home with `dirs` directories of `perDir` files, snapshots @a and @b around 10 changes. */
function makeTree(name, dirs, perDir) {
  const home = path.join(work, name);
  fs.mkdirSync(home);
  const env = { ...process.env, TSZFS_HOME: home, NO_COLOR: '1', TSZFS_LOG: '' };
  const run = (...args) => timed(process.execPath, [BIN, ...args], { env });
  run('pool', 'create', '--size', '512M', 'tank');
  run('create', 'tank/d');
  const lines = [];
  for (let d = 0; d < dirs; d++) {
    lines.push(`mkdir tank/d /d${d}`);
    lines.push(`touch tank/d ${Array.from({ length: perDir }, (_, f) => `/d${d}/f${f}`).join(' ')}`);
  }
  const script = path.join(home, 'script');
  fs.writeFileSync(script, lines.join('\n') + '\n');
  const buildMs = run('batch', '-f', script);
  run('snapshot', 'tank/d@a');
  // 10 files spread over the tree: 4 touched, 3 renamed, 3 removed.
  const changes = [];
  for (let i = 0; i < CHANGED; i++) {
    const d = Math.floor((i * dirs) / CHANGED);
    const file = `/d${d}/f${Math.floor((i * perDir) / CHANGED) + (i % 7)}`;
    if (i < 4) changes.push(`touch -d @1600000000 tank/d ${file}`);
    else if (i < 7) changes.push(`mv tank/d ${file} ${file}.moved`);
    else changes.push(`rm tank/d ${file}`);
  }
  fs.writeFileSync(script, changes.join('\n') + '\n');
  run('batch', '-f', script);
  run('snapshot', 'tank/d@b');
  const out = diff(new Home(home), 'tank/d@a', 'tank/d@b');
  return { home, env, buildMs, lines: out.lines.length };
}

const cases = [
  ['200 files (1 directory)', makeTree('small', 1, 200)],
  ['20,000 files (100 directories of 200)', makeTree('large', 100, 200)],
  ['20,000 files (1 hashed directory)', makeTree('flat', 1, 20_000)],
];

const rows = [];
let base = null;
for (const [label, t] of cases) {
  const processMs = medianMs(REPEAT, () => timed(process.execPath, [BIN, 'diff', 'tank/d@a', 'tank/d@b'], { env: t.env }));
  const inProcessMs = medianMs(REPEAT, () => {
    const start = process.hrtime.bigint();
    diff(new Home(t.home), 'tank/d@a', 'tank/d@b');
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  const h = PoolHandle.open(new Home(t.home), 'tank');
  const view = h.view();
  const [a, b] = [h.resolve(view, 'tank/d@a'), h.resolve(view, 'tank/d@b')];
  const walkMs = medianMs(REPEAT * 5, () => {
    const start = process.hrtime.bigint();
    diffAt(h.pool.t, a.ds.root, a.ds.createTxg, b.ds.root);
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  h.close();
  base ??= { processMs, inProcessMs, walkMs };
  rows.push([
    label,
    String(t.lines),
    fmtMs(processMs),
    fmtRatio(processMs / base.processMs),
    fmtMs(inProcessMs),
    fmtRatio(inProcessMs / base.inProcessMs),
    fmtMs(walkMs),
    fmtRatio(walkMs / base.walkMs),
  ]);
}

console.log(`zfs diff of ${CHANGED} changed files (4 touched, 3 renamed, 3 removed), median of ${REPEAT} runs`);
printTable(['tree', 'diff lines', 'tszfs diff (process)', 'vs 200', 'library diff', 'vs 200', 'engine walk', 'vs 200'], rows);
