/**
 * The datasets `zfs list` and `zfs get` select, as cmd/zfs/zfs_iter.c's zfs_for_each does:
 * operands or every pool, `-r`/`-d`, `-t`, and OpenZFS's sort order. Property values are
 * computed while each pool is open and handed back as plain rows, so the CLI formats and
 * prints without touching a pool.
 */
import { isUserquotaProp, ownerPropValue } from './userspace.js';
import * as fs from 'node:fs';
import type { DslView } from '../engine/datasets/view.js';
import { bookmarksOf, isBefore, writtenSinceBookmark } from '../engine/datasets/bookmark.js';
import type { BookmarkRecord, DatasetRecord, PoolMeta } from '../engine/model.js';
import type { Home } from './home.js';
import { strerror } from './errors.js';
import { checkDatasetName, isUserPropName, type NameKind } from './names.js';
import { headKind, type PoolHandle } from './pool-handle.js';
import { withPool, withPoolOf } from './session.js';
import { findProperty, indexNumber, PROPERTIES } from './properties/table.js';
import { DatasetProps, writtenSince, type PropValue } from './properties/values.js';

/** The kinds of dataset `zfs list -t` selects (the package API's `DatasetType`). */
export type ListType = 'filesystem' | 'volume' | 'snapshot' | 'bookmark';

export interface Selection {
  command: 'list' | 'get';
  operands: readonly string[];
  recursive: boolean;
  /** -d N: the recursion limit (implies recursion); null without -d */
  depth: number | null;
  /** -t, or null when it was not given */
  types: ReadonlySet<ListType> | null;
  /** `zfs list -o space` without -t leaves snapshots out */
  noSnapshots?: boolean;
  /** properties every row carries a value for: native names, user properties, `written@snap` */
  props: readonly string[];
  /** also every visible native property and the dataset's user properties (`all`) */
  all?: boolean;
}

/** One selected dataset with the values asked for (null: the property does not apply). */
export interface Row {
  name: string;
  type: ListType;
  pool: string;
  createTxg: number;
  values: Map<string, PropValue | null>;
  /** user properties present here (set or inherited), by name */
  userProps: string[];
}

/** The user properties met on `rows`, by name (what `all` adds after the native ones). */
export function userPropertiesOf(rows: readonly Row[]): string[] {
  return [...new Set(rows.flatMap((r) => r.userProps))].sort();
}

/** A bad property list: the CLI prints the reason and the usage. */
export class ListingUsageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Names of the native properties `get all` / `list -o all` show, in OpenZFS's enum order. */
export const VISIBLE_PROPERTIES: readonly string[] = PROPERTIES.filter((p) => !p.hidden).map((p) => p.name);


/** zfs_prop_written(): `written@snap` or `written#bookmark`. */
export const isWrittenProp = (name: string): boolean => name.startsWith('written@') || name.startsWith('written#');

const SPACE_PROPS = ['name', 'avail', 'used', 'usedbysnapshots', 'usedbydataset', 'usedbyrefreservation', 'usedbychildren'];

/**
 * A property list as zprop_get_list() reads it: `all`, or names, column aliases, user
 * properties and `written@snap`, with `space` expanded. Names come back canonical.
 * A trailing comma is accepted; an empty name in the middle is not.
 */
export function parsePropertyList(text: string): { all: boolean; props: string[] } {
  if (text === 'all') return { all: true, props: [] };
  if (text === '') throw new ListingUsageError('bad property list: no properties specified');
  const props: string[] = [];
  let rest = text;
  while (rest !== '') {
    const comma = rest.indexOf(',');
    const word = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    if (word === '') throw new ListingUsageError('bad property list: empty property name');
    for (const name of word === 'space' ? SPACE_PROPS : [word]) {
      const canonical = propertyName(name);
      if (canonical === null) throw new ListingUsageError(`bad property list: invalid property '${name}'`);
      props.push(canonical);
    }
  }
  return { all: false, props };
}

/** The canonical name of a native property (or alias), a user property, `written@...`, or null. */
export function propertyName(name: string): string | null {
  const def = findProperty(name);
  if (def) return def.name;
  return isUserPropName(name) || isWrittenProp(name) || isUserquotaProp(name) ? name : null;
}

/** `-s`/`-S` keys: native names and aliases, or user properties (zfs_add_sort_column). */
export function sortKeyName(name: string): string | null {
  const def = findProperty(name);
  if (def) return def.name;
  return isUserPropName(name) ? name : null;
}

/**
 * The rows `sel` selects, sorted by `sort` then OpenZFS's default order, each listed once.
 * An operand that cannot be opened is reported through `onError` and the others go on;
 * `failed` says whether that happened (the command then exits 1).
 */
export function selectDatasets(
  home: Home,
  sel: Selection,
  sort: readonly SortKey[],
  onError: (line: string) => void,
): { rows: Row[]; failed: boolean } {
  const listSnapsFromPool = sel.command === 'list' && sel.types === null;
  const types = new Set<ListType>(sel.types ?? (sel.command === 'list' ? ['filesystem', 'volume', 'snapshot'] : ['filesystem', 'volume', 'snapshot', 'bookmark']));
  if (sel.noSnapshots && sel.types === null) types.delete('snapshot');
  // No operands: every pool, recursively (zfs_iter_root with ZFS_ITER_RECURSE).
  let recursive = sel.recursive || sel.depth !== null || sel.operands.length === 0;
  let limit = sel.depth;
  // `zfs list -t snapshot fs`: the snapshots of exactly those datasets.
  const only = types.size === 1 ? [...types][0] : null;
  if ((only === 'snapshot' || only === 'bookmark') && sel.operands.length > 0 && !recursive) {
    recursive = true;
    limit = 1;
  }
  const wanted = [...new Set([...sel.props, ...sort.map((k) => k.prop)])];
  const found = new Map<string, Row>();

  const visitPool = (h: PoolHandle, start: DatasetRecord) => {
    const view = h.view();
    const meta = h.pool.meta();
    const includeSnaps = listSnapsFromPool ? meta.props.listsnapshots === 'on' : types.has('snapshot');
    const visit = (ds: DatasetRecord, depth: number) => {
      const kind = ds.kind === 'head' ? headKind(view, ds.dir) : 'snapshot';
      if (types.has(kind) || (kind === 'snapshot' && includeSnaps)) {
        const row = makeRow(h, view, meta, ds, wanted, sel.all ?? false);
        if (!found.has(row.name)) found.set(row.name, row);
      }
      // A volume has no children, but its snapshots are listed below it as a filesystem's are.
      if (!recursive || (limit !== null && depth >= limit) || kind === 'snapshot') return;
      for (const child of view.childDirs(ds.dir)) visit(view.head(child), depth + 1);
      if (includeSnaps) for (const snap of view.snapshotIds(ds.dir)) visit(view.ds(snap), depth + 1);
      if (types.has('bookmark')) for (const bm of bookmarksOf(view, ds.dir)) addBookmark(h, `${view.dirName(ds.dir)}#${bm.name}`, bm);
    };
    visit(start, 0);
  };
  const addBookmark = (h: PoolHandle, name: string, bm: BookmarkRecord) => {
    if (!found.has(name)) found.set(name, bookmarkRow(h.name, name, bm, wanted, sel.all ?? false));
  };

  let failed = false;
  if (sel.operands.length === 0) {
    for (const entry of home.pools()) {
      withPool(home, entry.name, (h) => visitPool(h, h.view().head(h.rootDir())), { onMissing: () => undefined });
    }
    return { rows: sortRows([...found.values()], sort), failed };
  }

  const argTypes = new Set<ListType>(types);
  if (recursive) {
    argTypes.add('filesystem');
    if (types.has('snapshot') || types.has('bookmark')) argTypes.add('volume');
  }
  for (const operand of sel.operands) {
    const error = openOperand(home, operand, argTypes, visitPool, addBookmark);
    if (error !== null) {
      onError(error);
      failed = true;
    }
  }
  return { rows: sortRows([...found.values()], sort), failed };
}

/** Open one operand (zfs_path_to_zhandle + zfs_open) and visit it; returns the error line, if any. */
function openOperand(
  home: Home,
  operand: string,
  argTypes: ReadonlySet<ListType>,
  visitPool: (h: PoolHandle, start: DatasetRecord) => void,
  visitBookmark: (h: PoolHandle, name: string, bm: BookmarkRecord) => void,
): string | null {
  if (operand.startsWith('/') || operand.startsWith('./')) return pathOperand(operand);
  const action = `cannot open '${operand}'`;
  const kinds: NameKind[] = [];
  if (argTypes.has('filesystem') || argTypes.has('volume')) kinds.push('filesystem');
  if (argTypes.has('snapshot')) kinds.push('snapshot');
  if (argTypes.has('bookmark')) kinds.push('bookmark');
  const bad = checkDatasetName(operand, kinds, false);
  if (bad !== null) return `${action}: ${bad}`;
  return withPoolOf(home, operand, (h) => {
    const view = h.view();
    const hash = operand.indexOf('#');
    if (hash >= 0) {
      // zfs_open: a missing bookmark is EZFS_NOENT, a missing filesystem zfs_standard_error's ENOENT.
      const dir = h.findDir(view, operand.slice(0, hash));
      const bm = dir === undefined ? undefined : bookmarksOf(view, dir).find((b) => b.name === operand.slice(hash + 1));
      if (!bm) return `${action}: ${dir !== undefined ? 'no such pool or dataset' : 'dataset does not exist'}`;
      visitBookmark(h, operand, bm);
      return null;
    }
    const r = h.resolve(view, operand);
    if (!r) return `${action}: dataset does not exist`;
    if (!argTypes.has(r.kind)) return `${action}: operation not applicable to datasets of this type`;
    visitPool(h, r.ds);
    return null;
  }, () => `${action}: dataset does not exist`);
}

/**
 * A path operand names the mounted file system holding it. Datasets are never mounted in the
 * host, so an existing path is on some other file system, as getextmntent() would find.
 */
export function pathOperand(operand: string): string {
  try {
    fs.statSync(operand);
  } catch (err) {
    return `cannot open '${operand}': ${strerror(err)}`;
  }
  return `'${operand}': not a ZFS filesystem`;
}

function makeRow(h: PoolHandle, view: DslView, meta: PoolMeta, ds: DatasetRecord, wanted: readonly string[], all: boolean): Row {
  const p = new DatasetProps(view, meta, ds);
  const userProps = p.userPropertyNames();
  const values = new Map<string, PropValue | null>();
  const names = all ? [...wanted, ...VISIBLE_PROPERTIES, ...userProps] : wanted;
  for (const name of names) {
    if (values.has(name)) continue;
    values.set(name, isWrittenProp(name) ? writtenAt(h, view, ds, name) : isUserquotaProp(name) ? ownerPropValue(h, view, ds, name) : p.get(name));
  }
  return { name: p.name, type: p.type, pool: h.name, createTxg: ds.createTxg, values, userProps };
}

/**
 * A bookmark's row: what dsl_bookmark_fetch_props hands libzfs (guid, createtxg, creation, and
 * with bookmark_written the sizes). libzfs reads `compressratio` under that name, which the
 * kernel sends as `refcompressratio`, so it finds none and prints the default, 0.00x.
 */
function bookmarkRow(pool: string, name: string, bm: BookmarkRecord, wanted: readonly string[], all: boolean): Row {
  const stat = (value: number | string, format: PropValue['format']): PropValue => ({ value, format, source: { type: 'none' } });
  const valueOf = (prop: string): PropValue | null => {
    switch (prop) {
      case 'name':
        return stat(name, 'text');
      case 'type':
        return stat('bookmark', 'text');
      case 'creation':
        return stat(bm.creation, 'date');
      case 'guid':
        return stat(bm.guid, 'raw');
      case 'createtxg':
        return stat(bm.createTxg, 'raw');
      case 'referenced':
        return stat(bm.referenced, 'bytes');
      case 'logicalreferenced':
        return stat(bm.uncompressed, 'number');
      case 'compressratio':
        return { value: 0, format: 'ratio', source: { type: 'default' } };
      default:
        return null;
    }
  };
  const values = new Map<string, PropValue | null>();
  for (const prop of all ? [...wanted, ...VISIBLE_PROPERTIES] : wanted) if (!values.has(prop)) values.set(prop, valueOf(prop));
  return { name, type: 'bookmark', pool, createTxg: bm.createTxg, values, userProps: [] };
}

/**
 * `written@snap`: what `ds` references that was born after `snap`, an earlier snapshot in its
 * history (its own dir's, or an origin's for a clone); `snap` may be short or `fs@snap`.
 */
function writtenAt(h: PoolHandle, view: DslView, ds: DatasetRecord, prop: string): PropValue | null {
  if (prop.startsWith('written#')) return writtenAtBookmark(h, view, ds, prop.slice('written#'.length));
  const ref = prop.slice('written@'.length);
  const r = h.resolve(view, ref.includes('@') ? ref : `${view.dirName(ds.dir)}@${ref}`);
  if (!r || r.kind !== 'snapshot') return null;
  for (let id = ds.prev; id !== null; id = view.ds(id).prev) {
    if (id === r.ds.id) return { value: writtenSince(view, ds, r.ds), format: 'bytes', source: { type: 'local' } };
  }
  return null;
}

/**
 * `written#book` (zfs_prop_get_written_int, zfs_ioc_space_written): a short name is a bookmark of
 * the dataset's own filesystem; the bookmark must mark a point in its history (EXDEV otherwise,
 * and the value reads `-`).
 */
function writtenAtBookmark(h: PoolHandle, view: DslView, ds: DatasetRecord, ref: string): PropValue | null {
  const full = ref.includes('@') || ref.includes('#') ? ref : `${view.dirName(ds.dir)}#${ref}`;
  const hash = full.indexOf('#');
  if (hash < 0) return null;
  const dir = h.findDir(view, full.slice(0, hash));
  const bookmark = dir === undefined ? undefined : bookmarksOf(view, dir).find((b) => b.name === full.slice(hash + 1));
  if (dir === undefined || !bookmark || !isBefore(view, ds, dir, bookmark.createTxg)) return null;
  return { value: writtenSinceBookmark(view, ds, bookmark), format: 'bytes', source: { type: 'local' } };
}

// Sorting (zfs_iter.c zfs_sort / zfs_compare). Strings compare as C's strcmp does: bytewise.

/** `-s prop` (ascending) or `-S prop` (reverse). */
export interface SortKey {
  prop: string;
  reverse: boolean;
}

const strcmp = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

/**
 * The default order: the part before '@' bytewise, a dataset before its snapshots, snapshots
 * by createtxg (by name when neither has one). Children need not follow their parent
 * immediately: `tank/a-b` sorts between `tank/a` and `tank/a/c`.
 */
export function compareDefault(a: Pick<Row, 'name' | 'createTxg'>, b: Pick<Row, 'name' | 'createTxg'>): number {
  const at = a.name.indexOf('@');
  const bt = b.name.indexOf('@');
  const c = strcmp(at < 0 ? a.name : a.name.slice(0, at), bt < 0 ? b.name : b.name.slice(0, bt));
  if (c !== 0 || (at < 0 && bt < 0)) return c;
  if (at < 0) return -1;
  if (bt < 0) return 1;
  if (a.createTxg === 0 && b.createTxg === 0) return strcmp(a.name.slice(at + 1), b.name.slice(bt + 1));
  return Math.sign(a.createTxg - b.createTxg);
}

function sortValue(row: Row, prop: string): { str: string } | { num: bigint } | null {
  if (prop === 'name') return { str: row.name };
  const v = row.values.get(prop) ?? null;
  if (v === null) return null;
  const def = findProperty(prop);
  if (!def || def.kind === 'string') return { str: String(v.value) };
  // Index properties compare by their number in OpenZFS's table (boolean_table: off 0, on 1).
  if (def.kind === 'index') {
    const text = String(v.value);
    const n = def.name === 'mounted' ? (text === 'yes' ? 1 : 0) : indexNumber(def, text);
    return n === undefined ? { str: text } : { num: BigInt(n) };
  }
  if (typeof v.value === 'number') return { num: BigInt(Math.trunc(v.value)) };
  if (v.value === 'none' && def.noneValue !== undefined) return { num: def.noneValue };
  return /^\d+$/.test(v.value) ? { num: BigInt(v.value) } : { str: v.value };
}

/**
 * `-s`/`-S` keys left to right, then the default order. A row where a key's property does not
 * apply sorts last whichever the direction; two such rows fall through to the next key.
 */
export function compareRows(a: Row, b: Row, keys: readonly SortKey[]): number {
  for (const key of keys) {
    const l = sortValue(a, key.prop);
    const r = sortValue(b, key.prop);
    if (l === null && r === null) continue;
    if (l === null) return 1;
    if (r === null) return -1;
    let c: number;
    if ('str' in l || 'str' in r) c = strcmp('str' in l ? l.str : String(l.num), 'str' in r ? r.str : String(r.num));
    else c = l.num < r.num ? -1 : l.num > r.num ? 1 : 0;
    if (c !== 0) return key.reverse ? -c : c;
  }
  return compareDefault(a, b);
}

export function sortRows(rows: Row[], keys: readonly SortKey[]): Row[] {
  return rows.sort((a, b) => compareRows(a, b, keys));
}
