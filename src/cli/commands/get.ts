/**
 * `zfs get [-rHp] [-j [--json-int]] [-d max] [-o "all" | field[,...]] [-t type[,...]]
 * [-s source[,...]] <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...`
 * (zfs_main.c zfs_do_get, get_callback; libzfs zprop_print_headers/zprop_print_one_property).
 */
import {
  parsePropertyList,
  selectDatasets,
  userPropertiesOf,
  VISIBLE_PROPERTIES,
  type Row,
} from '../../lib/listing.js';
import type { Source } from '../../lib/properties/values.js';
import type { Command } from '../context.js';
import { columnWidths, renderTable, type ColumnSpec } from '../format/columns.js';
import { datasetInfo, formatSource, formatValue, jsonProperty, propertyColumn, toJson, type JsonValue } from '../format/props.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { orUsage, parseDepth, parseTypes } from './list.js';

const FIELDS = ['name', 'property', 'value', 'received', 'source'] as const;
type Field = (typeof FIELDS)[number];
const HEADERS: Record<Field, string> = { name: 'NAME', property: 'PROPERTY', value: 'VALUE', received: 'RECEIVED', source: 'SOURCE' };
const SOURCES = ['local', 'default', 'inherited', 'received', 'temporary', 'none'];

/** One printed line: a property of a dataset. */
interface Line {
  name: string;
  property: string;
  value: string;
  source: Source | null;
  /** the received value, when a stream brought one */
  received?: string;
}

export const command: Command = {
  usage: [
    'get [-rHp] [-j [--json-int]] [-d max] [-o "all" | field[,...]]',
    '    [-t type[,...]] [-s source[,...]]',
    '    <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rHpj', values: 'dost', longFlags: ['json', 'json-int'], reportMissing: true });
    const depthText = valueOf(p, 'd');
    const depth = depthText === undefined ? null : parseDepth(depthText);
    const fields = parseFields(valueOf(p, 'o') ?? 'name,property,value,source');
    const sources = parseSources(valueOf(p, 's') ?? SOURCES.join(','));
    const typeText = valueOf(p, 't');
    const types = typeText === undefined ? null : parseTypes(typeText);
    if (p.operands.length < 1) throw new UsageError('missing property argument');
    const json = p.flags.has('j') || p.flags.has('json');
    const jsonInt = p.flags.has('json-int');
    if (jsonInt && !json) throw new UsageError("'--json-int' only works with '-j' option");
    const parsable = p.flags.has('p') || jsonInt;
    const list = orUsage(() => parsePropertyList(p.operands[0]));

    const { rows, failed } = selectDatasets(
      ctx.home,
      { command: 'get', operands: p.operands.slice(1), recursive: p.flags.has('r'), depth, types, props: list.props, all: list.all },
      [],
      (line) => ctx.err.write(line + '\n'),
    );
    // `all` is every visible native property plus every user property met on the way.
    const entries = list.all ? [...VISIBLE_PROPERTIES, ...userPropertiesOf(rows)] : list.props;
    const lines = rows.map((row) => linesOf(row, entries, list.all, parsable).filter((l) => sources.has(l.source?.type ?? 'none')));

    if (json) {
      if (!failed) ctx.out.write(getJson(rows, lines, jsonInt) + '\n');
      return failed ? 1 : 0;
    }
    const flat = lines.flat();
    const widths = columnWidthsOf(rows, entries);
    const specs: ColumnSpec[] = fields.map((f) => ({ header: HEADERS[f], align: 'left', minWidth: widths[f], fixed: true }));
    const cells = flat.map((l) => fields.map((f) => cell(l, f)));
    ctx.out.write(renderTable(specs, cells, { scripted: p.flags.has('H'), header: cells.length > 0, parsable: false, widenFixedWhenParsable: false }));
    return failed ? 1 : 0;
  },
};

/** `-o name,value` or `-o all`; every -o starts afresh, as zfs_do_get zeroes cb_columns. */
function parseFields(text: string): Field[] {
  const out: Field[] = [];
  for (const word of text.split(',')) {
    if (out.length === FIELDS.length) throw new UsageError('too many fields given to -o option');
    if (word === 'all') {
      if (out.length > 0) throw new UsageError('"all" conflicts with specific fields given to -o option');
      out.push(...FIELDS);
      continue;
    }
    if (!(FIELDS as readonly string[]).includes(word)) throw new UsageError(`invalid column name '${word}'`);
    out.push(word as Field);
  }
  return out;
}

function parseSources(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.split(',')) {
    if (!SOURCES.includes(word)) throw new UsageError(`invalid source '${word}'`);
    out.add(word);
  }
  return out;
}

/**
 * The lines of one dataset. A property asked for by name that does not apply prints `-` with
 * source `-`; with `all` it is left out.
 */
function linesOf(row: Row, entries: readonly string[], all: boolean, parsable: boolean): Line[] {
  const out: Line[] = [];
  for (const property of entries) {
    const v = row.values.get(property) ?? null;
    if (v === null && all) continue;
    const received = v?.received === undefined ? undefined : formatValue({ ...v, value: v.received }, parsable);
    out.push({ name: row.name, property, value: formatValue(v, parsable), source: v === null ? null : v.source, received });
  }
  return out;
}

function cell(l: Line, f: Field): string {
  switch (f) {
    case 'name':
      return l.name;
    case 'property':
      return l.property;
    case 'value':
      return l.value;
    case 'received':
      return l.received ?? '-';
    case 'source':
      return formatSource(l.source);
  }
}

/**
 * zprop_print_headers' widths, taken over every selected dataset (also those whose lines -s
 * drops). VALUE is the widest property column, measured on human values even with -p (which
 * is why `zfs get -p` misaligns). SOURCE assumes "inherited from «longest name»".
 */
function columnWidthsOf(rows: Row[], entries: readonly string[]): Record<Field, number> {
  let name = 4;
  for (const row of rows) name = Math.max(name, Buffer.byteLength(row.name));
  let property = 8;
  let value = 5;
  for (const prop of entries) {
    property = Math.max(property, Buffer.byteLength(prop));
    const human = rows.map((r) => {
      const v = r.values.get(prop) ?? null;
      return [v === null ? '' : formatValue(v, false)];
    });
    value = Math.max(value, columnWidths([propertyColumn(prop)], human, { parsable: false, widenFixedWhenParsable: false })[0]);
  }
  return { name, property, value, received: 8, source: name > 4 ? name + 14 : 6 };
}

/** §5.2: datasets with at least one line left after -s, in sort order. */
function getJson(rows: Row[], lines: Line[][], asInt: boolean): string {
  const datasets: Record<string, JsonValue> = {};
  rows.forEach((row, i) => {
    if (lines[i].length === 0) return;
    const props: Record<string, JsonValue> = {};
    for (const l of lines[i]) props[l.property] = jsonProperty(l.value, l.source, asInt);
    datasets[row.name] = { ...datasetInfo(row, asInt), properties: props };
  });
  return toJson({ output_version: { command: 'zfs get', vers_major: 0n, vers_minor: 1n }, datasets });
}
