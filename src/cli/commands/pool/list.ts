/** `zpool list [-Hp] [-o property[,...]] [pool] ...`, in OpenZFS's columns (spec §9.2). */
import { forEachNamedPool } from '../../../lib/session.js';
import { findPoolProperty, poolPropertyName, poolPropValue, type PoolPropValue, type PoolStats } from '../../../lib/pool-props.js';
import { poolsJson } from '../../format/pool-json.js';
import { poolStats } from '../../../lib/pools.js';
import type { Command } from '../../context.js';
import { renderTable, type ColumnSpec } from '../../format/columns.js';
import { nicenum } from '../../format/nicenum.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';
import { poolHealth } from '../../../lib/health.js';
import type { VdevRow } from '../../../lib/vdev-status.js';
import { imageRows } from './status-json.js';
import { nameWidth, vdevLines, vdevsJson } from './list-vdevs.js';

const DEFAULT = 'name,size,allocated,free,checkpoint,expandsize,fragmentation,capacity,dedupratio,health,altroot';

/**
 * zprop_width() for a pool column: the column name; at least 5 for numbers, 8 for health;
 * the longest index value. Numbers and index values are fixed; names and strings widen.
 */
function columnOf(prop: string): ColumnSpec {
  const def = findPoolProperty(prop);
  if (!def) return { header: prop.toUpperCase(), align: 'left', minWidth: prop.length };
  let minWidth = def.column.length;
  if (def.kind === 'number') minWidth = Math.max(minWidth, def.name === 'health' ? 8 : 5);
  for (const v of def.values ?? []) minWidth = Math.max(minWidth, v.length);
  return { header: def.column, align: def.kind === 'number' ? 'right' : 'left', minWidth, fixed: def.kind !== 'string' };
}

export const command: Command = {
  usage: ['list [-gHLpPv] [-o property[,...]] [-j [--json-int, --json-pool-key-guid]] ...', '    [-T d|u] [pool] [interval [count]]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'HpgLPvj', values: 'oT', longFlags: ['json', 'json-int', 'json-pool-key-guid'] });
    // get_timestamp_arg(): anything but d or u is the usage alone.
    const stamp = valueOf(p, 'T');
    if (stamp !== undefined && stamp !== 'd' && stamp !== 'u') throw new UsageError(null);
    const json = p.flags.has('j') || p.flags.has('json');
    const asInt = p.flags.has('json-int');
    if ((asInt || p.flags.has('json-pool-key-guid')) && !json) throw new UsageError(`'--${asInt ? 'json-int' : 'json-pool-key-guid'}' only works with '-j' option`);
    const fields = (valueOf(p, 'o') ?? DEFAULT).split(',').map((f) => {
      const name = f === '' ? null : poolPropertyName(f);
      if (name === null) throw new UsageError(`bad property list: invalid property '${f}'`);
      return name;
    });
    const names = p.operands.length > 0 ? p.operands : ctx.home.pools().map((e) => e.name);
    const parsable = p.flags.has('p') || asInt;
    const rows: Array<{ name: string; stats: PoolStats; values: Array<PoolPropValue | null>; vdevs?: VdevRow[] }> = [];
    const verbose = p.flags.has('v');
    const skipped = forEachNamedPool(ctx.home, names, (lines) => ctx.err.write(lines.join('\n') + '\n'), (h) => {
      const meta = h.pool.meta();
      const stats = poolStats(h);
      const row: (typeof rows)[number] = { name: h.name, stats, values: fields.map((f) => poolPropValue(meta, stats, f, nicenum)) };
      if (verbose) {
        const health = poolHealth(h);
        row.vdevs = health.vdevs?.rows ?? imageRows(h.name, h.image, stats.guid, health.errors, stats.size, stats.allocated);
      }
      rows.push(row);
    });
    const status = skipped ? 1 : 0;
    if (json) {
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const props = (r: (typeof rows)[number]) =>
        fields.flatMap((f, i): Array<[string, PoolPropValue]> => (f === 'name' || r.values[i] === null ? [] : [[f, r.values[i]!]]));
      const vdevs = (r: (typeof rows)[number]) => (r.vdevs ? vdevsJson(r.vdevs, parsable, asInt) : undefined);
      ctx.out.write(poolsJson('zpool list', rows.map((r) => ({ stats: r.stats, props: props(r), vdevs: vdevs(r) })), { parsable, asInt, keyByGuid: p.flags.has('json-pool-key-guid') }));
      return status;
    }
    if (rows.length === 0 && p.operands.length === 0) {
      if (!p.flags.has('H')) ctx.out.write('no pools available\n');
      return 0;
    }
    rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const cells = rows.map((r) => r.values.map((v) => (v === null ? '-' : parsable ? v.literal : v.human)));
    const columns = fields.map(columnOf);
    // -v: the NAME column fits every vdev's name at its depth (max_width), at least 9.
    const width = verbose ? Math.max(9, ...rows.map((r) => nameWidth(r.vdevs!))) : 0;
    if (verbose && columns[0]) columns[0] = { ...columns[0], minWidth: Math.max(columns[0].minWidth ?? 0, width) };
    const table = renderTable(columns, cells, { scripted: p.flags.has('H'), header: cells.length > 0, parsable, widenFixedWhenParsable: true });
    if (!verbose || rows.length === 0) ctx.out.write(table);
    else {
      const lines = table.split('\n');
      const head = p.flags.has('H') ? 0 : 1;
      ctx.out.write(lines.slice(0, head).map((l) => l + '\n').join(''));
      rows.forEach((r, i) => ctx.out.write(lines[head + i] + '\n' + vdevLines(r.vdevs!, width, parsable, p.flags.has('H'))));
    }
    return status;
  },
};
