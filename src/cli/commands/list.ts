/**
 * `zfs list [-Hp] [-j [--json-int]] [-r|-d max] [-o property[,...]] [-s property]...
 * [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...` (zfs_main.c zfs_do_list).
 */
import {
  ListingUsageError,
  parsePropertyList,
  selectDatasets,
  sortKeyName,
  userPropertiesOf,
  VISIBLE_PROPERTIES,
  type ListType,
  type Row,
  type SortKey,
} from '../../lib/listing.js';
import { findProperty } from '../../lib/properties/table.js';
import type { Source } from '../../lib/properties/values.js';
import type { Command } from '../context.js';
import { renderTable } from '../format/columns.js';
import { datasetInfo, formatValue, jsonProperty, propertyColumn, toJson, type JsonValue } from '../format/props.js';
import { parseOptions, UsageError, valueOf, type Parsed } from '../parse.js';

const DEFAULT_FIELDS = 'name,used,available,referenced,mountpoint';

export const command: Command = {
  usage: [
    'list [-Hp] [-j [--json-int]] [-r|-d max] [-o property[,...]] [-s property]...',
    '    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'jHpr', values: 'Sdost', repeated: 'sS', longFlags: ['json', 'json-int'] });
    const depthText = valueOf(p, 'd');
    const depth = depthText === undefined ? null : parseDepth(depthText);
    const keys = sortKeys(p);
    const typeText = valueOf(p, 't');
    const types = typeText === undefined ? null : parseTypes(typeText);
    const json = p.flags.has('j') || p.flags.has('json');
    const jsonInt = p.flags.has('json-int');
    if (jsonInt && !json) throw new UsageError("'--json-int' only works with '-j' option");
    const parsable = p.flags.has('p') || jsonInt;
    const fields = valueOf(p, 'o') ?? DEFAULT_FIELDS;
    const list = orUsage(() => parsePropertyList(fields));

    const { rows, failed } = selectDatasets(
      ctx.home,
      {
        command: 'list',
        operands: p.operands,
        recursive: p.flags.has('r'),
        depth,
        types,
        noSnapshots: fields === 'space',
        props: list.props,
        all: list.all,
      },
      keys,
      (line) => ctx.err.write(line + '\n'),
    );
    const columns = list.all ? ['name', ...VISIBLE_PROPERTIES, ...userPropertiesOf(rows)] : list.props;

    if (json) {
      // Like zfs_do_list, the JSON is printed only when every operand could be opened.
      if (!failed) ctx.out.write(listJson(rows, columns, parsable, jsonInt) + '\n');
    } else {
      const cells = rows.map((row) => columns.map((prop) => (prop === 'name' ? row.name : formatValue(row.values.get(prop) ?? null, parsable))));
      ctx.out.write(
        renderTable(columns.map(propertyColumn), cells, {
          scripted: p.flags.has('H'),
          header: cells.length > 0,
          parsable,
          widenFixedWhenParsable: true,
        }),
      );
    }
    if (!failed && rows.length === 0 && !p.flags.has('H')) ctx.err.write('no datasets available\n');
    return failed ? 1 : 0;
  },
};

/** A bad property list is a usage error: the reason, then the usage (exit 2). */
export function orUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ListingUsageError) throw new UsageError(err.reason);
    throw err;
  }
}

const TYPE_WORDS: Record<string, ListType[]> = {
  filesystem: ['filesystem'],
  fs: ['filesystem'],
  volume: ['volume'],
  vol: ['volume'],
  snapshot: ['snapshot'],
  snap: ['snapshot'],
  bookmark: ['bookmark'],
  all: ['filesystem', 'volume', 'snapshot', 'bookmark'],
};

/** `-t filesystem,snap,...` (strsep: an empty word is an invalid type too). */
export function parseTypes(text: string): Set<ListType> {
  const types = new Set<ListType>();
  for (const word of text.split(',')) {
    const kinds = Object.hasOwn(TYPE_WORDS, word) ? TYPE_WORDS[word] : undefined;
    if (!kinds) throw new UsageError(`invalid type '${word}'`);
    for (const k of kinds) types.add(k);
  }
  return types;
}

/** `-d N` as parse_depth(): strtol(opt, &end, 0) then a cast to int, so 0x10 and 010 are numbers. */
export function parseDepth(text: string): number {
  if (text === '') return 0;
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) throw new UsageError(`${text} is not an integer`);
  const digits = m[2];
  let v = BigInt(/^0[0-7]+$/.test(digits) ? '0o' + digits.slice(1) : digits);
  if (m[1] === '-') v = -v;
  // strtol saturates at LONG_MIN/LONG_MAX; the (int) cast keeps the low 32 bits.
  const LONG_MAX = (1n << 63n) - 1n;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  const depth = Number(BigInt.asIntN(32, v));
  if (depth < 0) throw new UsageError('Depth can not be negative.');
  return depth;
}


/** `-s` and `-S` keys in command-line order, each a property or list column. */
function sortKeys(p: Parsed): SortKey[] {
  return p.sequence
    .filter(([option]) => option === 's' || option === 'S')
    .map(([option, name]) => {
      const prop = sortKeyName(name);
      if (prop === null) throw new UsageError(`invalid property '${name}'`);
      return { prop, reverse: option === 'S' };
    });
}

/** §4.4: one compact line; the datasets keyed by name in sort order. */
function listJson(rows: Row[], columns: readonly string[], parsable: boolean, asInt: boolean): string {
  const datasets: Record<string, JsonValue> = {};
  for (const row of rows) {
    const props: Record<string, JsonValue> = {};
    // collect_dataset keeps the previous column's source when a property does not apply to
    // this type (zfs_prop_get returns before resetting it), and so does this.
    let source: Source | null = null;
    for (const prop of columns) {
      if (prop === 'name') continue;
      const v = row.values.get(prop) ?? null;
      const def = findProperty(prop);
      if (v !== null) source = v.source;
      else if (def ? def.types.includes(row.type) : prop.startsWith('written')) source = null;
      props[prop] = jsonProperty(formatValue(v, parsable), source, asInt);
    }
    datasets[row.name] = { ...datasetInfo(row, asInt), properties: props };
  }
  return toJson({ output_version: { command: 'zfs list', vers_major: 0n, vers_minor: 1n }, datasets });
}
