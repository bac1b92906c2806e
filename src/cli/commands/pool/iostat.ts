/**
 * `zpool iostat [-v] [-H] [-p] [pool ...] [interval [count]]` (zpool_main.c print_iostat_header_impl,
 * print_vdev_stats, print_iostat_default): capacity, operations and bandwidth of each pool and,
 * with -v, of each vdev. The counts are what each device did since the pool was made (kept per
 * device when the pool closes); a pool of one image counts none. With an interval, a report every
 * `interval` seconds (`count` of them, else until killed): the first counts everything since the
 * pool was made (-y leaves it out), each later one the operations and bytes per second since the
 * one before, as OpenZFS's later reports do; -T prints the time before each.
 */
import { ZfsError } from '../../../lib/errors.js';
import { deviceIo, poolHealth } from '../../../lib/health.js';
import { poolStats } from '../../../lib/pools.js';
import { forEachNamedPool } from '../../../lib/session.js';
import type { VdevRow } from '../../../lib/vdev-status.js';
import type { Command } from '../../context.js';
import { nicenum } from '../../format/nicenum.js';
import { formatCtime } from '../../format/dates.js';
import { nowSeconds } from '../../../lib/trees.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';
import { imageRows } from './status-json.js';

interface Io {
  rops: number;
  wops: number;
  rbytes: number;
  wbytes: number;
}
const NONE: Io = { rops: 0, wops: 0, rbytes: 0, wbytes: 0 };

const isNumber = (s: string) => /^[0-9.]+$/.test(s);

/** fsleep: commands here are synchronous, so the wait blocks the thread. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepSeconds = (s: number) => Atomics.wait(sleeper, 0, 0, s * 1000);

/** get_interval_count: a trailing number is the interval; a number before it makes that one the
 *  count (truncated) and itself the interval. Zero is refused. */
function intervalCount(operands: string[]): { interval: number; count: number } {
  let interval = 0;
  let count = 0;
  for (let round = 0; round < 2; round++) {
    const last = operands[operands.length - 1];
    if (last === undefined || !isNumber(last)) break;
    const value = Number(last);
    if (Number.isNaN(value)) break;
    if (value === 0) throw new UsageError('interval cannot be zero');
    if (round === 1) count = Math.trunc(interval);
    interval = value;
    operands.pop();
  }
  return { interval, count };
}

/** print_timestamp: `-T u` the seconds since the epoch, `-T d` date(1)'s form in the C locale. */
function timestampLine(stamp: string): string {
  const t = nowSeconds();
  if (stamp === 'u') return `${t}\n`;
  const c = formatCtime(t);
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(t * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  return `${c.slice(0, 19)} ${zone}${c.slice(19)}\n`;
}

interface Report {
  rows: VdevRow[];
  io: Record<string, Io>;
}

export const command: Command = {
  usage: ['iostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]', '    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'gHLpPvyn', values: 'T' });
    const stamp = valueOf(p, 'T');
    if (stamp !== undefined && stamp !== 'd' && stamp !== 'u') throw new UsageError(null);
    const operands = [...p.operands];
    const { interval, count: given } = intervalCount(operands);
    let count = given;
    const names = operands.length > 0 ? operands : null;
    const literal = p.flags.has('p');
    const scripted = p.flags.has('H');
    const verbose = p.flags.has('v');
    const omitSinceBoot = p.flags.has('y');
    const width = literal ? 15 : 5;
    let failed = false;
    let before = new Map<string, Io>();
    let then = Date.now();
    for (let iteration = 1; ; iteration++) {
      const reports: Report[] = [];
      const listed = names ?? ctx.home.pools().map((e) => e.name);
      if (listed.length === 0 && names === null) {
        if (interval === 0) throw new ZfsError(['no pools available'], 1);
        ctx.err.write('no pools available\n');
      }
      failed =
        forEachNamedPool(ctx.home, listed, (lines) => ctx.err.write(lines.join('\n') + '\n'), (h) => {
          const health = poolHealth(h);
          const stats = poolStats(h);
          reports.push({ rows: health.vdevs?.rows ?? imageRows(h.name, h.image, stats.guid, health.errors, stats.size, stats.allocated), io: deviceIo(h) });
        }) || failed;
      reports.sort((a, b) => (a.rows[0].name < b.rows[0].name ? -1 : 1));
      // A later report shows what was done per second since the one before (print_vdev_stats' scale).
      const now = Date.now();
      const seconds = Math.max(0.001, (now - then) / 1000);
      const counts = new Map<string, Io>();
      const shown = reports.map(({ rows, io }) => {
        const out: Record<string, Io> = {};
        for (const [guid, c] of Object.entries(io)) {
          counts.set(guid, c);
          const old = before.get(guid);
          out[guid] = iteration === 1 || !old ? c : {
            rops: Math.floor((c.rops - old.rops) / seconds),
            wops: Math.floor((c.wops - old.wops) / seconds),
            rbytes: Math.floor((c.rbytes - old.rbytes) / seconds),
            wbytes: Math.floor((c.wbytes - old.wbytes) / seconds),
          };
        }
        return { rows, io: iteration === 1 ? io : out };
      });
      before = counts;
      then = now;
      const skip = omitSinceBoot && iteration === 1;
      let out = stamp !== undefined ? timestampLine(stamp) : '';
      // The header once (output that is no terminal), or before every -v report, or alone for
      // the report -y leaves out.
      const header = ((iteration === 1 && !skip) || skip !== verbose) && !scripted;
      out += renderReports(shown, { literal, scripted, verbose, width, header, body: !skip });
      ctx.out.write(out);
      // The report -y leaves out counts for nothing (zpool_do_iostat's `continue`).
      if (skip && interval !== 0) {
        sleepSeconds(interval);
        continue;
      }
      if (interval === 0) break;
      if (count !== 0 && --count === 0) break;
      sleepSeconds(interval);
    }
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};

interface RenderOptions {
  literal: boolean;
  scripted: boolean;
  verbose: boolean;
  width: number;
  header: boolean;
  body: boolean;
}

/** One report: the header, each pool's line (and with -v its vdevs'), separators. */
function renderReports(reports: Report[], o: RenderOptions): string {
  const { literal, scripted, verbose, width } = o;
  // get_namewidth_iostat: the longest name (with -v, every vdev's at its depth), at least 10
  const namewidth = Math.max(10, ...reports.flatMap((r) => (verbose ? [r.rows[0].nameFloor ?? 0, ...r.rows.filter((x) => !x.header && x.state !== 'AVAIL' && x.state !== 'INUSE').map((x) => x.name.length + x.depth)] : [r.rows[0].name.length])));
  const num = (n: number) => (literal ? String(n) : nicenum(n));
  const cell = (v: string) => (scripted ? `\t${v}` : `  ${v.padStart(width)}`);
  const dashes = '-'.repeat(namewidth) + `  ${'-'.repeat(width)}`.repeat(6) + '\n';
  let out = '';
  if (o.header && reports.length > 0) {
    const label = (name: string) => {
      const rw = width * 2 + 2;
      const start = Math.max(0, Math.floor(rw / 2) - Math.floor(name.length / 2));
      return '  ' + ' '.repeat(start) + name + ' '.repeat(Math.max(0, rw - start - name.length));
    };
    const bottom = ['alloc', 'free', 'read', 'write', 'read', 'write'].map((n) => '  ' + ' '.repeat(Math.max(0, width - n.length)) + n).join('');
    out += ' '.repeat(namewidth) + label('capacity') + label('operations') + label('bandwidth') + '\n';
    out += 'pool'.padEnd(namewidth) + bottom + '\n' + dashes;
  }
  if (!o.body) return out;
  for (const { rows, io } of reports) {
    // interior vdevs and the root add up their children (vdev_get_child_stat)
    const sums = new Map<VdevRow, Io>();
    const ioOf = (i: number): Io => {
      const r = rows[i];
      if (sums.has(r)) return sums.get(r)!;
      let total: Io = { ...NONE };
      const kids: number[] = [];
      if (r.depth > 0) {
        for (let j = i + 1; j < rows.length && !rows[j].header && rows[j].depth > r.depth; j++) if (rows[j].depth === r.depth + 2) kids.push(j);
      } else {
        for (let j = 1; j < rows.length; j++) if (!rows[j].header && rows[j].depth === 2 && rows[j].state !== 'AVAIL' && rows[j].state !== 'INUSE') kids.push(j);
      }
      if (kids.length === 0) total = { ...NONE, ...io[r.info!.guid] };
      else for (const k of kids) {
        const c = ioOf(k);
        total = { rops: total.rops + c.rops, wops: total.wops + c.wops, rbytes: total.rbytes + c.rbytes, wbytes: total.wbytes + c.wbytes };
      }
      sums.set(r, total);
      return total;
    };
    const line = (i: number) => {
      const r = rows[i];
      const name = scripted ? r.name : r.name.length + r.depth > namewidth ? ' '.repeat(r.depth) + r.name : ' '.repeat(r.depth) + r.name.padEnd(namewidth - r.depth);
      const info = r.info!;
      const na = literal ? '0' : '-';
      const cap = info.space ? [num(info.alloc ?? 0), num(info.space - (info.alloc ?? 0))] : [na, na];
      const c = ioOf(i);
      return name + [...cap, num(c.rops), num(c.wops), num(c.rbytes), num(c.wbytes)].map(cell).join('') + '\n';
    };
    out += line(0);
    if (!verbose) continue;
    let skip = false;
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i];
      if (r.header) {
        // spares are not shown by iostat
        skip = r.name === 'spares';
        if (!skip && !scripted) out += r.name.padEnd(namewidth) + `  ${' '.repeat(width - 1)}-`.repeat(6) + '\n';
        continue;
      }
      if (!skip) out += line(i);
    }
    if (!scripted) out += dashes;
  }
  // Several pools without -v: a closing separator (zpool_do_iostat).
  if (reports.length > 1 && !verbose && !scripted) out += dashes;
  return out;
}
