/**
 * `zpool get [-Hp] [-o "all" | field[,...]] <"all" | property[,...]> <pool> ...`
 * (zpool_main.c zpool_do_get, get_callback; libzfs zprop_print_one_property).
 */
import { forEachNamedPool } from '../../../lib/session.js';
import { allPoolProperties, findPoolProperty, poolPropValue, poolPropertyName, type PoolPropValue } from '../../../lib/pool-props.js';
import { poolStats } from '../../../lib/pools.js';
import type { Command } from '../../context.js';
import { renderTable, type ColumnSpec } from '../../format/columns.js';
import { formatSource } from '../../format/props.js';
import { nicenum } from '../../format/nicenum.js';
import { poolsJson, type PoolJsonRow } from '../../format/pool-json.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';
import { areVdevsInPool, placeOf } from '../../../lib/pool-vdevs.js';
import { getVdevProps, parseVdevPropList } from './get-vdevs.js';

const FIELDS = ['name', 'property', 'value', 'source'] as const;
type Field = (typeof FIELDS)[number];
const HEADERS: Record<Field, string> = { name: 'NAME', property: 'PROPERTY', value: 'VALUE', source: 'SOURCE' };

export const command: Command = {
  usage: [
    'get [-Hp] [-j [--json-int, --json-pool-key-guid]] ...',
    '    [-o "all" | field[,...]] <"all" | property[,...]> <pool> ...',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'Hpj', values: 'o', reportMissing: true, longFlags: ['json', 'json-int', 'json-pool-key-guid'] });
    const json = p.flags.has('j') || p.flags.has('json');
    const asInt = p.flags.has('json-int');
    if (asInt && !json) throw new UsageError("'--json-int' only works with '-j' option");
    if (p.flags.has('json-pool-key-guid') && !json) throw new UsageError("'json-pool-key-guid' only works with '-j' option");
    const fields = parseFields(valueOf(p, 'o') ?? 'name,property,value,source');
    if (p.operands.length < 1) throw new UsageError('missing property argument');
    const [list, ...pools] = p.operands;
    // zpool_do_get: operands that are not all pools are a pool and its vdevs, or an error.
    const isPool = (n: string) => ctx.home.find(n) !== undefined;
    if (pools.length > 0 && !pools.every(isPool)) {
      if (!isPool(pools[0])) {
        ctx.err.write(`Cannot get properties of ${pools[0]}: no such pool available.\n`);
        return 1;
      }
      const [pool, ...vdevs] = pools;
      const whole = vdevs.length === 1 && (vdevs[0] === 'all-vdevs' || vdevs[0] === 'root');
      if (!whole && !areVdevsInPool(ctx.home, pool, vdevs)) {
        const got = vdevs.map((n) => `\t${n} (${placeOf(ctx.home, pool, n)})\n`);
        throw new UsageError(`Expected a list of vdevs in "${pool}", but got:\n${got.join('')}`);
      }
      const opts = { fields, scripted: p.flags.has('H'), literal: p.flags.has('p') || asInt, json, asInt };
      return getVdevProps(ctx, pool, vdevs, parseVdevPropList(list), opts);
    }
    const props = parseList(list);
    const names = pools.length > 0 ? pools : ctx.home.pools().map((e) => e.name);
    const parsable = p.flags.has('p') || asInt;
    const jsonRows: PoolJsonRow[] = [];

    const rows: Array<{ pool: string; prop: string; v: PoolPropValue }> = [];
    const widths: Record<Field, number> = { name: 4, property: 8, value: 5, source: 6 };
    const failed = forEachNamedPool(ctx.home, names, (lines) => ctx.err.write(lines.join('\n') + '\n'), (h) => {
      const name = h.name;
      const meta = h.pool.meta();
      const stats = poolStats(h);
      const entries = props ?? allPoolProperties(meta);
      const jsonRow: PoolJsonRow = { stats, props: [] };
      jsonRows.push(jsonRow);
      widths.name = Math.max(widths.name, Buffer.byteLength(name));
      for (const prop of entries) {
        const v = poolPropValue(meta, stats, prop, nicenum) ?? { human: '-', literal: '-', source: { type: 'none' } as const };
        rows.push({ pool: name, prop, v });
        jsonRow.props.push([prop, v]);
        widths.property = Math.max(widths.property, Buffer.byteLength(prop));
        widths.value = Math.max(widths.value, valueWidth(prop, v));
      }
    });
    if (json) {
      // zcmd_print_json only when every pool answered; a pool without a property is left out.
      if (failed) return 1;
      const answered = jsonRows.filter((r) => r.props.length > 0);
      ctx.out.write(poolsJson('zpool get', answered, { parsable, asInt, keyByGuid: p.flags.has('json-pool-key-guid') }));
      return 0;
    }
    if (widths.name > 4) widths.source = widths.name + 14;
    const specs: ColumnSpec[] = fields.map((f) => ({ header: HEADERS[f], align: 'left', minWidth: widths[f], fixed: true }));
    const cells = rows.map((r) =>
      fields.map((f) => (f === 'name' ? r.pool : f === 'property' ? r.prop : f === 'value' ? (parsable ? r.v.literal : r.v.human) : formatSource(r.v.source))),
    );
    ctx.out.write(renderTable(specs, cells, { scripted: p.flags.has('H'), header: cells.length > 0, parsable: false, widenFixedWhenParsable: false }));
    return failed ? 1 : 0;
  },
};

/**
 * A property's VALUE width as zprop_width() and zpool_expand_proplist() give it: the column
 * name; at least 5 for numbers (8 for health); the longest index value; string values widen it.
 * A feature's width is its own name's length.
 */
function valueWidth(prop: string, v: PoolPropValue): number {
  const def = findPoolProperty(prop);
  if (!def) return prop.startsWith('feature@') ? prop.length : Math.max(prop.length, Buffer.byteLength(v.human));
  let w = def.column.length;
  if (def.kind === 'number') w = Math.max(w, def.name === 'health' ? 8 : 5);
  for (const value of def.values ?? []) w = Math.max(w, value.length);
  if (def.kind === 'string') w = Math.max(w, Buffer.byteLength(v.human));
  return w;
}

function parseList(text: string): string[] | null {
  if (text === 'all') return null;
  const out: string[] = [];
  for (const word of text.split(',')) {
    if (word === '') throw new UsageError('bad property list: empty property name');
    const name = poolPropertyName(word);
    if (name === null) throw new UsageError(`bad property list: invalid property '${word}'`);
    out.push(name);
  }
  return out;
}

function parseFields(text: string): Field[] {
  const out: Field[] = [];
  for (const word of text.split(',')) {
    if (word === 'all') {
      if (out.length > 0) throw new UsageError('"all" conflicts with specific fields given to -o option');
      out.push(...FIELDS);
      continue;
    }
    if (out.length === FIELDS.length) throw new UsageError('too many fields given to -o option');
    if (!(FIELDS as readonly string[]).includes(word)) throw new UsageError(`invalid column name '${word}'`);
    out.push(word as Field);
  }
  return out;
}
