/**
 * `zpool iostat [-v] [-H] [-p] [pool ...] [interval [count]]` (zpool_main.c print_iostat_header_impl,
 * print_vdev_stats, print_iostat_default): capacity, operations and bandwidth of each pool and,
 * with -v, of each vdev. The counts are what each device did since the pool was made (kept per
 * device when the pool closes); a pool of one image counts none. An interval prints one report:
 * no I/O happens between commands here.
 */
import { ZfsError } from '../../../lib/errors.js';
import { deviceIo, poolHealth } from '../../../lib/health.js';
import { poolStats } from '../../../lib/pools.js';
import { forEachNamedPool } from '../../../lib/session.js';
import type { VdevRow } from '../../../lib/vdev-status.js';
import type { Command } from '../../context.js';
import { nicenum } from '../../format/nicenum.js';
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

export const command: Command = {
  usage: ['iostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]', '    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'gHLpPvyn', values: 'T' });
    const stamp = valueOf(p, 'T');
    if (stamp !== undefined && stamp !== 'd' && stamp !== 'u') throw new UsageError(null);
    const operands = [...p.operands];
    if (operands.length > 0 && isNumber(operands[operands.length - 1])) {
      operands.pop();
      if (operands.length > 0 && isNumber(operands[operands.length - 1])) operands.pop();
    }
    const names = operands.length > 0 ? operands : ctx.home.pools().map((e) => e.name);
    if (names.length === 0) throw new ZfsError(['no pools available'], 1);
    const literal = p.flags.has('p');
    const scripted = p.flags.has('H');
    const verbose = p.flags.has('v');
    const width = literal ? 15 : 5;
    const reports: Array<{ rows: VdevRow[]; io: Record<string, Io> }> = [];
    const failed = forEachNamedPool(ctx.home, names, (lines) => ctx.err.write(lines.join('\n') + '\n'), (h) => {
      const health = poolHealth(h);
      const stats = poolStats(h);
      reports.push({ rows: health.vdevs?.rows ?? imageRows(h.name, h.image, stats.guid, health.errors, stats.size, stats.allocated), io: deviceIo(h) });
    });
    reports.sort((a, b) => (a.rows[0].name < b.rows[0].name ? -1 : 1));
    // get_namewidth_iostat: the longest name (with -v, every vdev's at its depth), at least 10
    const namewidth = Math.max(10, ...reports.flatMap((r) => (verbose ? [r.rows[0].nameFloor ?? 0, ...r.rows.filter((x) => !x.header && x.state !== 'AVAIL').map((x) => x.name.length + x.depth)] : [r.rows[0].name.length])));
    const num = (n: number) => (literal ? String(n) : nicenum(n));
    const cell = (v: string) => (scripted ? `\t${v}` : `  ${v.padStart(width)}`);
    const dashes = '-'.repeat(namewidth) + `  ${'-'.repeat(width)}`.repeat(6) + '\n';
    let out = '';
    if (!scripted && reports.length > 0) {
      const label = (name: string) => {
        const rw = width * 2 + 2;
        const start = Math.max(0, Math.floor(rw / 2) - Math.floor(name.length / 2));
        return '  ' + ' '.repeat(start) + name + ' '.repeat(Math.max(0, rw - start - name.length));
      };
      const bottom = ['alloc', 'free', 'read', 'write', 'read', 'write'].map((n) => '  ' + ' '.repeat(Math.max(0, width - n.length)) + n).join('');
      out += ' '.repeat(namewidth) + label('capacity') + label('operations') + label('bandwidth') + '\n';
      out += 'pool'.padEnd(namewidth) + bottom + '\n' + dashes;
    }
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
          for (let j = 1; j < rows.length; j++) if (!rows[j].header && rows[j].depth === 2 && rows[j].state !== 'AVAIL') kids.push(j);
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
    ctx.out.write(out);
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
