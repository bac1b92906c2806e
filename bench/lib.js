/**
 * Timing, memory and table helpers for bench/run.js. Nothing here asserts a time: the bench
 * prints what it measured, and the tests never depend on how fast this machine is.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chalk } from 'chalk';
import Table from 'cli-table3';

/** Runs a command; throws with its stderr when it fails. Returns the wall time in ms. */
export function timed(cmd, args, { env = process.env, stdout = 'ignore' } = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time of `n` runs of `fn(i)`, with `before(i)` (untimed) ahead of each run. */
export function medianMs(n, fn, before = () => {}) {
  const times = [];
  for (let i = 0; i < n; i++) {
    before(i);
    times.push(fn(i));
  }
  return median(times);
}

export const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
export const fmtRate = (bytes, ms) => `${mbps(bytes, ms).toFixed(0)} MB/s`;
export const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`);
export const fmtRatio = (x) => `${x.toFixed(2)}x`;

/** Peak RSS in MB (10^6 bytes) of the last command of a shell pipeline, or null if unmeasurable. */
export function peakRss(work, env, pipeIn, [cmd, args]) {
  const timeBin = '/usr/bin/time';
  const report = path.join(work, 'time.txt');
  if (fs.existsSync(timeBin) && !process.env.TSZFS_BENCH_POLL_RSS) {
    const quoted = [timeBin, '-o', report, '-v', cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const ms = timed('bash', ['-c', `set -o pipefail; ${pipeIn} | ${quoted}`], { env });
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

/** A file of `bytes` incompressible bytes (an 8 MiB random block, repeated). */
export function makeSource(file, bytes) {
  const block = crypto.randomBytes(8 << 20);
  const fd = fs.openSync(file, 'w');
  for (let off = 0; off < bytes; off += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, bytes - off), off);
  fs.closeSync(fd);
}

/**
 * The report: on a terminal a cli-table3 box table (aligned, easy to read); elsewhere (a file, a
 * pipe, CI) or with TSZFS_BENCH_MARKDOWN=1 a markdown table, the form README.md and bench/README.md
 * quote.
 */
export function printTable(head, rows) {
  const box = process.stdout.isTTY && !process.env.TSZFS_BENCH_MARKDOWN;
  process.stdout.write(box ? boxTable(head, rows, !process.env.NO_COLOR) : markdownTable(head, rows));
}

export function markdownTable(head, rows) {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].map((l) => l + '\n').join('');
}

/** Figures and ratios (cells that begin with a digit: `1022 MB/s`, `1.33x`) right-aligned. */
export function boxTable(head, rows, colour) {
  // chalk, not cli-table3's own colours, which follow what it guesses of the terminal and CI
  const paint = new Chalk({ level: colour ? 1 : 0 });
  const table = new Table({
    head: head.map((h) => paint.cyan(h)),
    // one rule under the head, none between rows
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
  for (const r of rows) table.push(head.map((_, i) => (/^\d/.test(r[i] ?? '') ? { content: r[i], hAlign: 'right' } : (r[i] ?? ''))));
  const lines = table.toString().split('\n');
  // cli-table3 draws the rule under the head with the row rules: the top rule, turned, goes there
  lines.splice(2, 0, lines[0].replace('┌', '├').replace(/┬/g, '┼').replace('┐', '┤'));
  return lines.join('\n') + '\n';
}
