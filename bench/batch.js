#!/usr/bin/env node
/**
 * `npm run bench:batch`: 10,000 `snapshot` commands as one `tszfs batch` against the same
 * commands run one process each (issue 17, item 3: the batch should be at least 20x faster).
 *
 * 10,000 processes take ~20 minutes here, so the process side is sampled: TSZFS_BENCH_SAMPLE
 * (default 300) processes run `tszfs snapshot` on the pool the batch left (10,000 snapshots
 * already, so each sees the same size of pool the batch's last commands saw), and their mean is
 * scaled to 10,000; the output says so. TSZFS_BENCH_BATCH=N changes the 10,000.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtRatio, printTable, timed } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const N = Number(process.env.TSZFS_BENCH_BATCH) || 10_000;
const SAMPLE = Math.min(N, Number(process.env.TSZFS_BENCH_SAMPLE) || 300);

const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-bench-batch-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const env = { ...process.env, TSZFS_HOME: work, NO_COLOR: '1', TSZFS_LOG: '' };

timed(process.execPath, [BIN, 'pool', 'create', '--size', '256M', 'tank'], { env });
const script = path.join(work, 'script');
fs.writeFileSync(script, Array.from({ length: N }, (_, i) => `snapshot tank@b${i}\n`).join(''));
const batchMs = timed(process.execPath, [BIN, 'batch', '-f', script], { env });

let processMs = 0;
for (let i = 0; i < SAMPLE; i++) processMs += timed(process.execPath, [BIN, 'snapshot', `tank@p${i}`], { env });
const perProcess = processMs / SAMPLE;

const count = spawnSync(process.execPath, [BIN, 'list', '-H', '-t', 'snapshot', '-o', 'name'], { env, encoding: 'utf8' });
if (count.stdout.split('\n').length - 1 !== N + SAMPLE) throw new Error(`expected ${N + SAMPLE} snapshots, found: ${count.stdout.length}`);

console.log(`${N} snapshot commands, in one batch and one process each (${SAMPLE} processes timed, their mean scaled to ${N})`);
printTable(
  ['row', 'total', 'per command', 'ratio'],
  [
    [`tszfs batch of ${N} snapshots`, fmtMs(batchMs), fmtMs(batchMs / N), fmtRatio(1)],
    [`${N} x tszfs snapshot (scaled)`, fmtMs(perProcess * N), fmtMs(perProcess), fmtRatio((perProcess * N) / batchMs)],
  ],
);
console.log(`batch speed-up: ${fmtRatio((perProcess * N) / batchMs)} (goal: at least 20.00x)`);
