/**
 * Pool properties (OpenZFS 2.3 module/zcommon/zpool_prop.c and zfeature_common.c), declared once:
 * `zpool get` order, column names, defaults and sources, what `zpool set` and `zpool create -o`
 * accept. Values are computed from the pool's meta record; settable ones live in meta.props.
 */
import type { PoolMeta } from '../engine/model.js';
import type { Source } from './properties/values.js';
import { checkUserPropName, isUserPropName, MAX_PROP_LEN } from './names.js';
import { FEATURE_TABLE, findFeature, isSupportedPoolVersion } from './features.js';
import { featureState, isFeaturePool, loadCompat } from './pool-features.js';

export type PoolValueFormat = 'number' | 'bytes' | 'percent' | 'ratio' | 'text' | 'raw';

export interface PoolPropDef {
  name: string;
  column: string;
  kind: 'number' | 'string' | 'index';
  /** NO: read-only; YES: `zpool set`; create/import: only then */
  edit: 'readonly' | 'set' | 'create' | 'import';
  values?: readonly string[];
  valuesHelp: string;
  /** what an unset settable property reads; null for statistics */
  default: string | null;
}

const ro = (name: string, column: string, kind: PoolPropDef['kind'], valuesHelp: string): PoolPropDef => ({ name, column, kind, edit: 'readonly', valuesHelp, default: null });
const onoff = (name: string, column: string, dflt: string): PoolPropDef => ({ name, column, kind: 'index', edit: 'set', values: ['off', 'on'], valuesHelp: 'on | off', default: dflt });

export const POOL_PROPERTIES: readonly PoolPropDef[] = [
  ro('name', 'NAME', 'string', '<pool>'),
  ro('size', 'SIZE', 'number', '<size>'),
  ro('capacity', 'CAP', 'number', '<size>'),
  { name: 'altroot', column: 'ALTROOT', kind: 'string', edit: 'import', valuesHelp: '<path>', default: '-' },
  ro('health', 'HEALTH', 'number', '<state>'),
  ro('guid', 'GUID', 'number', '<guid>'),
  { name: 'version', column: 'VERSION', kind: 'number', edit: 'set', valuesHelp: '<version>', default: '-' },
  { name: 'bootfs', column: 'BOOTFS', kind: 'string', edit: 'set', valuesHelp: '<filesystem>', default: '-' },
  onoff('delegation', 'DELEGATION', 'on'),
  onoff('autoreplace', 'REPLACE', 'off'),
  { name: 'cachefile', column: 'CACHEFILE', kind: 'string', edit: 'set', valuesHelp: '<file> | none', default: '-' },
  { name: 'failmode', column: 'FAILMODE', kind: 'index', edit: 'set', values: ['wait', 'continue', 'panic'], valuesHelp: 'wait | continue | panic', default: 'wait' },
  onoff('listsnapshots', 'LISTSNAPS', 'off'),
  onoff('autoexpand', 'EXPAND', 'off'),
  ro('dedupratio', 'DEDUP', 'number', '<1.00x or higher if deduped>'),
  ro('free', 'FREE', 'number', '<size>'),
  ro('allocated', 'ALLOC', 'number', '<size>'),
  { ...onoff('readonly', 'RDONLY', 'off'), edit: 'import' },
  { name: 'ashift', column: 'ASHIFT', kind: 'number', edit: 'create', valuesHelp: '<ashift, 9-16, or 0=default>', default: '0' },
  { name: 'comment', column: 'COMMENT', kind: 'string', edit: 'set', valuesHelp: '<comment-string>', default: '-' },
  ro('expandsize', 'EXPANDSZ', 'number', '<size>'),
  ro('freeing', 'FREEING', 'number', '<size>'),
  ro('fragmentation', 'FRAG', 'number', '<percent>'),
  ro('leaked', 'LEAKED', 'number', '<size>'),
  onoff('multihost', 'MULTIHOST', 'off'),
  ro('checkpoint', 'CKPOINT', 'number', '<size>'),
  ro('load_guid', 'LOAD_GUID', 'number', '<load_guid>'),
  onoff('autotrim', 'AUTOTRIM', 'off'),
  { name: 'compatibility', column: 'COMPATIBILITY', kind: 'string', edit: 'set', valuesHelp: '<file[,file...]> | off | legacy', default: 'off' },
  ro('bcloneused', 'BCLONE_USED', 'number', '<size>'),
  ro('bclonesaved', 'BCLONE_SAVED', 'number', '<size>'),
  ro('bcloneratio', 'BCLONE_RATIO', 'number', '<1.00x or higher if cloned>'),
  ro('dedup_table_size', 'DDTSIZE', 'number', '<size>'),
  { name: 'dedup_table_quota', column: 'DDTQUOTA', kind: 'number', edit: 'set', valuesHelp: '<size>', default: 'auto' },
  ro('last_scrubbed_txg', 'LAST_SCRUBBED_TXG', 'number', '<txg>'),
];

const BY_NAME = new Map(POOL_PROPERTIES.map((p) => [p.name, p]));
const BY_ALIAS = new Map(POOL_PROPERTIES.map((p) => [p.column.toLowerCase(), p]));

/** A pool property by name or lower-case column name (`alloc`, `cap`, `dedup`, ...). */
export function findPoolProperty(name: string): PoolPropDef | undefined {
  return BY_NAME.get(name) ?? BY_ALIAS.get(name);
}

export const isFeatureProp = (name: string) => name.startsWith('feature@') && findFeature(name.slice('feature@'.length)) !== undefined;

/** The canonical name of a pool property, feature or user property, or null. */
export function poolPropertyName(name: string): string | null {
  const def = findPoolProperty(name);
  if (def) return def.name;
  return isFeatureProp(name) || isUserPropName(name) ? name : null;
}

/** The names `zpool get all` shows, in order (the `name` placeholder left out). */
export function allPoolProperties(meta: PoolMeta): string[] {
  const user = Object.keys(meta.props).filter(isUserPropName).sort();
  return [...POOL_PROPERTIES.slice(1).map((p) => p.name), ...user, ...FEATURE_TABLE.map((f) => `feature@${f.name}`)];
}

/** The numbers a pool's statistics come from. */
export interface PoolStats {
  name: string;
  guid: string;
  size: number;
  allocated: number;
  health: string;
  txg: number;
  /** the features some dataset or bookmark uses now (pool-features.ts featuresInUse) */
  featuresInUse?: ReadonlySet<string>;
}

export interface PoolPropValue {
  /** the text printed without -p */
  human: string;
  /** the text printed with -p */
  literal: string;
  source: Source;
}

const NONE: Source = { type: 'none' };
const DEFAULT: Source = { type: 'default' };
const stat = (human: string, literal = human): PoolPropValue => ({ human, literal, source: NONE });

/** The value of one pool property, or null when the name is not a property of this pool. */
export function poolPropValue(meta: PoolMeta, stats: PoolStats, name: string, nicenum: (n: number) => string): PoolPropValue | null {
  if (name.startsWith('feature@')) {
    const feature = findFeature(name.slice('feature@'.length));
    if (!feature) return null;
    const state = featureState(meta, feature.name, stats.featuresInUse ?? new Set());
    return { human: state, literal: state, source: { type: 'local' } };
  }
  if (isUserPropName(name)) {
    const v = meta.props[name];
    return v === undefined ? { human: '-', literal: '-', source: NONE } : { human: v, literal: v, source: { type: 'local' } };
  }
  const def = findPoolProperty(name);
  if (!def) return null;
  const free = stats.size - stats.allocated;
  const capacity = stats.size === 0 ? 0 : Math.floor((stats.allocated * 100) / stats.size);
  switch (def.name) {
    case 'name':
      return stat(stats.name);
    case 'size':
      return stat(nicenum(stats.size), String(stats.size));
    case 'capacity':
      return stat(`${capacity}%`, String(capacity));
    case 'health':
      return stat(stats.health);
    case 'guid':
    case 'load_guid':
      return stat(stats.guid);
    case 'dedupratio':
    case 'bcloneratio':
      return stat('1.00x', '1.00');
    case 'free':
      return stat(nicenum(free), String(free));
    case 'allocated':
      return stat(nicenum(stats.allocated), String(stats.allocated));
    case 'readonly':
      return stat('off');
    case 'expandsize':
    case 'checkpoint':
      return stat('-');
    case 'fragmentation':
      return stat('0%', '0');
    case 'freeing':
    case 'leaked':
    case 'bcloneused':
    case 'bclonesaved':
    case 'dedup_table_size':
      return stat('0');
    case 'last_scrubbed_txg':
      return stat(meta.props.last_scrubbed_txg ?? '0');
    case 'version':
      // A feature-flags pool (5000) prints `-`; a legacy one its number, set locally.
      if (isFeaturePool(meta)) return { human: '-', literal: '-', source: DEFAULT };
      return { human: meta.props.version, literal: meta.props.version, source: { type: 'local' } };
  }
  const local = meta.props[def.name];
  if (local !== undefined) return { human: local, literal: local, source: { type: 'local' } };
  return { human: def.default ?? '-', literal: def.default ?? '-', source: DEFAULT };
}

export class PoolPropertyError extends Error {}

/**
 * zpool_valid_proplist(): the canonical name and stored value of `name=value`, for `zpool set`
 * (`when` = 'set'), `zpool create -o` ('create') or `zpool import -o` ('import'). Throws the aux text.
 */
export function validatePoolAssignment(name: string, value: string, when: 'set' | 'create' | 'import', version = 1): [string, string] {
  if (name.startsWith('feature@')) {
    if (!findFeature(name.slice('feature@'.length))) throw new PoolPropertyError(`feature '${name.slice('feature@'.length)}' unsupported by kernel`);
    if (value !== 'enabled' && value !== 'disabled') {
      throw new PoolPropertyError(`property '${name}' can only be set to 'enabled' or 'disabled'`);
    }
    if (when !== 'create' && value === 'disabled') throw new PoolPropertyError(`property '${name}' can only be set to 'disabled' at creation time`);
    return [name, value];
  }
  if (isUserPropName(name)) {
    // ZAP_MAXNAMELEN and ZPOOL_MAXPROPLEN, as zpool_valid_proplist() words them.
    const badName = checkUserPropName(name);
    if (badName) throw new PoolPropertyError(badName);
    // libzfs's description buffer holds 1023 bytes, so the long value is cut short there.
    if (Buffer.byteLength(value) >= MAX_PROP_LEN) throw new PoolPropertyError(cutToBytes(`property value '${value}' is too long`, 1023));
    return [name, value];
  }
  const def = findPoolProperty(name);
  if (!def || def.name === 'name') throw new PoolPropertyError(`invalid property '${name}'`);
  if (def.edit === 'readonly') throw new PoolPropertyError(`'${def.name}' is readonly`);
  if (def.edit === 'create' && when !== 'create') throw new PoolPropertyError(`property '${def.name}' can only be set at creation time`);
  if (def.edit === 'import' && when === 'set') {
    throw new PoolPropertyError(
      def.name === 'altroot' ? `property '${def.name}' can only be set during pool creation or import` : `property '${def.name}' can only be set at import time`,
    );
  }
  if (def.values && !def.values.includes(value)) throw new PoolPropertyError(`'${def.name}' must be one of '${def.valuesHelp}'`);
  switch (def.name) {
    case 'altroot':
      if (!value.startsWith('/')) throw new PoolPropertyError(`bad alternate root '${value}'`);
      break;
    case 'comment':
      if ([...value].some((c) => c < ' ' || c > '~')) throw new PoolPropertyError('comment may only have printable characters');
      if (Buffer.byteLength(value) > 32) throw new PoolPropertyError('comment must not exceed 32 characters');
      break;
    case 'ashift':
      if (!/^\d+$/.test(value) || (Number(value) !== 0 && (Number(value) < 9 || Number(value) > 16))) {
        throw new PoolPropertyError(`invalid ashift value '${value}': must be 0, or between 9 and 16`);
      }
      break;
    case 'version':
      if (!/^\d+$/.test(value)) throw new PoolPropertyError(`'version' must be a number`);
      if (Number(value) < version || !isSupportedPoolVersion(Number(value))) throw new PoolPropertyError(`property 'version' number ${Number(value)} is invalid.`);
      break;
    case 'compatibility': {
      // At creation zpool_do_create's own load (and its `Error: ...`) comes first.
      if (when === 'create') break;
      const r = loadCompat(value);
      if (r.status !== 'ok' && r.status !== 'warntoken') throw new PoolPropertyError(r.report);
      break;
    }
  }
  return [def.name, value];
}

/** The longest prefix of `s` that fits in `max` UTF-8 bytes (vsnprintf into a fixed buffer). */
function cutToBytes(s: string, max: number): string {
  const bytes = Buffer.from(s);
  if (bytes.length <= max) return s;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}
