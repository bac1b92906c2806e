// Property values as `zfs list` and `zfs get` print them (spec §1.2, §4.3, §4.4): the human
// and -p (literal) forms of a value, the SOURCE text, the column a property gets, and the
// JSON form of one property (libzfs zprop_nvlist_one_property).

import { findProperty } from '../../lib/properties/table.js';
import type { Row } from '../../lib/listing.js';
import { isUserquotaProp } from '../../lib/userspace.js';
import type { PropValue, Source } from '../../lib/properties/values.js';
import type { ColumnSpec } from './columns.js';
import { formatCreation, formatSnapshotsChanged } from './dates.js';
import { formatRatio, nicebytes, nicenum } from './nicenum.js';

/** A value for display; null (the property does not apply) prints `-`. */
export function formatValue(v: PropValue | null, parsable: boolean): string {
  if (v === null) return '-';
  const { value, format } = v;
  // Words such as `none` in a numeric property print as they are, with or without -p.
  if (typeof value === 'string' && format !== 'text' && !/^\d+$/.test(value)) return value;
  switch (format) {
    case 'bytes':
      return parsable ? String(value) : nicebytes(integer(value));
    case 'number':
      return parsable ? String(value) : nicenum(integer(value));
    case 'quota':
      if (parsable) return String(value);
      return String(value) === '0' ? 'none' : nicebytes(integer(value));
    case 'objquota':
      if (parsable) return String(value);
      return String(value) === '0' ? 'none' : nicenum(integer(value));
    case 'date':
      return parsable ? String(value) : formatCreation(Number(value));
    case 'datetime':
      return parsable ? String(value) : formatSnapshotsChanged(Number(value));
    case 'ratio':
      return formatRatio(Number(value), parsable);
    case 'raw':
    case 'text':
      return String(value);
  }
}

const integer = (v: number | string): number | bigint => (typeof v === 'number' ? v : BigInt(v));

/** The SOURCE column: `-`, `default`, `local`, `inherited from tank`. */
export function formatSource(s: Source | null): string {
  if (s === null) return '-';
  switch (s.type) {
    case 'none':
      return '-';
    case 'inherited':
      return `inherited from ${s.from}`;
    default:
      return s.type;
  }
}

/** ASCII toupper, as print_header() does for user property headers. */
const upper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/**
 * The column of a property (zprop_width + zfs_prop_align_right): header, alignment, the least
 * width (column name; 5 for numbers; the longest index value) and whether values widen it.
 * Numbers are fixed-width except the "flex" ones (guid, createtxg, creation).
 */
export function propertyColumn(prop: string): ColumnSpec {
  const def = findProperty(prop);
  if (!def) {
    // `written@snap` and `userused@...` values are right-aligned under a left-aligned header and
    // never widen the column: zfs_expand_proplist looks for them among user properties and finds nothing.
    if (prop.startsWith('written@') || prop.startsWith('written#') || isUserquotaProp(prop)) {
      return { header: upper(prop), align: 'right', headerAlign: 'left', minWidth: prop.length, fixed: true };
    }
    return { header: upper(prop), align: 'left', minWidth: Buffer.byteLength(prop) };
  }
  let minWidth = Buffer.byteLength(def.column);
  if (def.kind === 'number') minWidth = Math.max(minWidth, 5);
  for (const v of def.values ?? []) minWidth = Math.max(minWidth, v.length);
  return {
    header: def.column,
    align: def.rightAlign ? 'right' : 'left',
    minWidth,
    // zprop_width(): numbers are fixed-width except the flex ones (guid, createtxg, objsetid,
    // pbkdf2iters) and the dates; strings widen with their values; index values never exceed
    // their table.
    fixed: def.kind === 'index' || (def.kind === 'number' && def.format !== 'raw' && def.format !== 'date' && def.format !== 'datetime'),
  };
}

/** The JSON `source` of a property: `{"type":"INHERITED","data":"tank"}`; a received one's data
 *  is the received value, which is then the value shown. */
export function jsonSource(s: Source | null, value = '-'): Record<string, string> {
  const type = s === null ? 'none' : s.type;
  return { type: type.toUpperCase(), data: s !== null && s.type === 'inherited' ? s.from : s?.type === 'received' ? value : '-' };
}

/** `{"value":...,"source":...}`: with --json-int, all-digit values become numbers. */
export function jsonProperty(text: string, source: Source | null, asInt: boolean): JsonValue {
  const value: JsonValue = asInt && /^\d+$/.test(text) ? BigInt(text) : text;
  return { value, source: jsonSource(source, text) };
}

export type JsonValue = string | bigint | JsonValue[] | { [key: string]: JsonValue };

/** Compact JSON as libnvpair prints it: insertion order, ASCII only (\uXXXX, lower-case hex). */
export function toJson(v: JsonValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${jsonString(k)}:${toJson(x)}`)
    .join(',')}}`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\n': '\\n', '\r': '\\r', '\\': '\\\\', '\f': '\\f', '\t': '\\t', '\b': '\\b' };

function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (c <= 0x1f || (c > 0x7f && c <= 0xffff)) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c <= 0x7f) out += ch;
    // characters beyond the BMP are dropped, as nvlist_print_json_string does
  }
  return out + '"';
}

/** fill_dataset_info(): name, type, pool, createtxg, and for a snapshot its dataset and name. */
export function datasetInfo(row: Row, asInt: boolean): Record<string, JsonValue> {
  const info: Record<string, JsonValue> = {
    name: row.name,
    type: row.type.toUpperCase(),
    pool: row.pool,
    createtxg: asInt ? BigInt(row.createTxg) : String(row.createTxg),
  };
  const at = row.name.indexOf('@');
  if (row.type === 'snapshot') {
    info.dataset = row.name.slice(0, at);
    info.snapshot_name = row.name.slice(at + 1);
  }
  return info;
}
