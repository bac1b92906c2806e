/**
 * Vdev properties (OpenZFS 2.3 module/zcommon/zpool_prop.c vdev_prop_init, module/zfs/vdev.c
 * vdev_prop_get/vdev_prop_set, lib/libzfs/libzfs_pool.c zpool_get_vdev_prop_value): declared once,
 * in OpenZFS's enum order (the order `zpool get all POOL VDEV` prints), their values for a vdev
 * of vdev-tree.ts, and what `zpool set` accepts.
 *
 * Values come from the vdev tree, the per-top-level allocation counters, the device error and
 * I/O counters kept by the pool, and the settable properties stored in the pool's record
 * (PoolMeta.vdevProps, by guid; `allocating` as TopConfig.noalloc, which the allocator obeys).
 */
import type { PoolMeta } from '../engine/model.js';
import type { PoolPropValue } from './pool-props.js';
import type { Source } from './properties/values.js';
import { isUserPropName } from './names.js';
import type { VdevNode } from './vdev-tree.js';

export interface VdevPropDef {
  name: string;
  /** the column name; its lower-case form is accepted for the name */
  column: string;
  kind: 'number' | 'string' | 'index';
  readonly: boolean;
  /** an index property's values (zprop_index_t) */
  values?: readonly string[];
  /** what usage() prints in VALUES; null for `-` */
  valuesHelp: string | null;
  /** pd_always_flex: the VALUE column widens for its values (else it is sized by the column name) */
  flex: boolean;
  /** `name`: accepted, never listed by `all` or usage() */
  hidden?: true;
}

const num = (name: string, column: string, help: string, settable = false): VdevPropDef => ({
  name,
  column,
  kind: 'number',
  readonly: !settable,
  valuesHelp: help,
  flex: name === 'guid',
});
const str = (name: string, column: string, help: string, settable = false): VdevPropDef => ({ name, column, kind: 'string', readonly: !settable, valuesHelp: help, flex: true });
const idx = (name: string, column: string, values: string[], help: string, settable = false): VdevPropDef => ({
  name,
  column,
  kind: 'index',
  readonly: !settable,
  values,
  valuesHelp: help,
  flex: true,
});
const ONOFF = ['off', 'on'];

/** vdev_prop_t order. */
export const VDEV_PROPERTIES: readonly VdevPropDef[] = [
  { name: 'name', column: 'NAME', kind: 'string', readonly: true, valuesHelp: null, flex: true, hidden: true },
  num('capacity', 'CAP', '<percent>'),
  num('state', 'STATE', '<state>'),
  num('guid', 'GUID', '<guid>'),
  num('asize', 'ASIZE', '<asize>'),
  num('psize', 'PSIZE', '<psize>'),
  num('ashift', 'ASHIFT', '<ashift>'),
  num('size', 'SIZE', '<size>'),
  num('free', 'FREE', '<size>'),
  num('allocated', 'ALLOC', '<size>'),
  str('comment', 'COMMENT', '<comment-string>', true),
  num('expandsize', 'EXPANDSZ', '<size>'),
  num('fragmentation', 'FRAG', '<percent>'),
  num('bootsize', 'BOOTSIZE', '<size>'),
  num('parity', 'PARITY', '<parity>'),
  str('path', 'PATH', '<device-path>', true),
  str('devid', 'DEVID', '<devid>'),
  str('physpath', 'PHYSPATH', '<physpath>'),
  str('encpath', 'ENCPATH', '<encpath>'),
  str('fru', 'FRU', '<fru>'),
  str('parent', 'PARENT', '<parent>'),
  str('children', 'CHILDREN', '<child[,...]>'),
  num('numchildren', 'NUMCHILD', '<number-of-children>'),
  num('read_errors', 'RDERR', '<errors>'),
  num('write_errors', 'WRERR', '<errors>'),
  num('checksum_errors', 'CKERR', '<errors>'),
  num('initialize_errors', 'INITERR', '<errors>'),
  num('null_ops', 'NULLOP', '<operations>'),
  num('read_ops', 'READOP', '<operations>'),
  num('write_ops', 'WRITEOP', '<operations>'),
  num('free_ops', 'FREEOP', '<operations>'),
  num('claim_ops', 'CLAIMOP', '<operations>'),
  num('trim_ops', 'TRIMOP', '<operations>'),
  num('null_bytes', 'NULLBYTE', '<bytes>'),
  num('read_bytes', 'READBYTE', '<bytes>'),
  num('write_bytes', 'WRITEBYTE', '<bytes>'),
  num('free_bytes', 'FREEBYTE', '<bytes>'),
  num('claim_bytes', 'CLAIMBYTE', '<bytes>'),
  num('trim_bytes', 'TRIMBYTE', '<bytes>'),
  idx('removing', 'REMOVING', ONOFF, 'on | off'),
  // boolean_na_table: `-` is what a vdev that cannot allocate (a leaf) shows
  idx('allocating', 'ALLOCATING', ['off', 'on', '-'], 'on | off', true),
  idx('failfast', 'FAILFAST', ['off', 'on', 'inherit'], 'on | off | inherit', true),
  num('checksum_n', 'CKSUM_N', '<events>', true),
  num('checksum_t', 'CKSUM_T', '<seconds>', true),
  num('io_n', 'IO_N', '<events>', true),
  num('io_t', 'IO_T', '<seconds>', true),
  idx('raidz_expanding', 'RAIDZ_EXPANDING', ONOFF, 'on | off'),
  num('slow_io_n', 'SLOW_IO_N', '<events>', true),
  num('slow_io_t', 'SLOW_IO_T', '<seconds>', true),
  idx('trim_support', 'TRIMSUP', ONOFF, 'on | off'),
  num('trim_errors', 'TRIMERR', '<errors>'),
  num('slow_ios', 'SLOW', '<slowios>'),
];

const BY_NAME = new Map(VDEV_PROPERTIES.map((p) => [p.name, p]));
const BY_COLUMN = new Map(VDEV_PROPERTIES.map((p) => [p.column.toLowerCase(), p]));

/** vdev_name_to_prop: a property by name or lower-case column name (`cap`, `rderr`, ...). */
export function findVdevProperty(name: string): VdevPropDef | undefined {
  return BY_NAME.get(name) ?? BY_COLUMN.get(name);
}

/** The properties `all` lists, in order (the hidden `name` left out). */
export const ALL_VDEV_PROPERTIES = VDEV_PROPERTIES.filter((p) => !p.hidden).map((p) => p.name);

/** The thresholds that read `-` when unset (UINT64_MAX) and take `none` to unset them. */
const THRESHOLDS = new Set(['checksum_n', 'checksum_t', 'io_n', 'io_t', 'slow_io_n', 'slow_io_t']);

/** vdev_state_t, as `zpool get -p state` prints it. */
const STATE_NUMBER: Record<string, number> = { OFFLINE: 2, REMOVED: 3, UNAVAIL: 4, FAULTED: 5, DEGRADED: 6, ONLINE: 7 };

/** A vdev property's value is printed as a pool property's is (zpool get). */
export type VdevPropValue = PoolPropValue;

const NONE: Source = { type: 'none' };
const DEFAULT: Source = { type: 'default' };
const LOCAL: Source = { type: 'local' };

/**
 * vdev_prop_get + zpool_get_vdev_prop_value: the value of `prop` (a canonical name or a user
 * property) for `node`, or null where OpenZFS gives none (raidz_expanding off a raidz vdev).
 */
export function vdevPropValue(meta: PoolMeta, node: VdevNode, prop: string, nicenum: (n: number) => string): VdevPropValue | null {
  const stored = meta.vdevProps?.[node.guid] ?? {};
  const same = (text: string, source = NONE): VdevPropValue => ({ human: text, literal: text, source });
  const size = (n: number): VdevPropValue => ({ human: nicenum(n), literal: String(n), source: NONE });
  const count = (n: number): VdevPropValue => same(String(n));
  // a string the kernel does not return reads `-`, from its default
  const text = (v: string | undefined): VdevPropValue => (v === undefined ? same('-', DEFAULT) : same(v));
  // a settable property: `-` from its default until set
  const setting = (v: string | undefined): VdevPropValue => (v === undefined ? same('-', DEFAULT) : same(v, LOCAL));
  if (isUserPropName(prop)) return setting(stored[prop]);
  switch (prop) {
    case 'name':
      return same(node.kernelName);
    case 'capacity': {
      const cap = node.dspace === 0 ? 0 : Math.floor((node.alloc * 100) / node.dspace);
      return { human: `${cap}%`, literal: String(cap), source: NONE };
    }
    case 'state':
      return { human: node.state, literal: String(STATE_NUMBER[node.state] ?? 0), source: NONE };
    case 'guid':
      return same(node.guid);
    case 'asize':
      return size(node.asize);
    case 'psize':
      return size(node.psize);
    case 'ashift':
      return count(node.ashift);
    case 'size':
      return size(node.dspace);
    case 'free':
      return size(Math.max(0, node.dspace - node.alloc));
    case 'allocated':
      return size(node.alloc);
    case 'expandsize':
      return same('-');
    case 'fragmentation':
      return same('0%');
    case 'bootsize':
      return size(0);
    case 'parity':
      return count(node.nparity);
    case 'path':
      return text(node.path);
    case 'devid':
    case 'physpath':
    case 'encpath':
    case 'fru':
      return text(undefined);
    case 'parent':
      return text(node.parent?.kernelName);
    case 'children':
      return text(node.children.length > 0 ? node.children.map((c) => c.kernelName).join(',') : undefined);
    case 'numchildren':
      return count(node.children.length);
    case 'read_errors':
      return size(node.errors.read);
    case 'write_errors':
      return size(node.errors.write);
    case 'checksum_errors':
      return size(node.errors.cksum);
    case 'read_ops':
      return size(node.io.rops);
    case 'write_ops':
      return size(node.io.wops);
    case 'read_bytes':
      return size(node.io.rbytes);
    case 'write_bytes':
      return size(node.io.wbytes);
    case 'initialize_errors':
    case 'trim_errors':
    case 'slow_ios':
    case 'null_ops':
    case 'free_ops':
    case 'claim_ops':
    case 'trim_ops':
    case 'null_bytes':
    case 'free_bytes':
    case 'claim_bytes':
    case 'trim_bytes':
      return size(0);
    case 'removing':
      return same('off');
    case 'raidz_expanding':
      return node.type === 'raidz' ? same('off') : null;
    case 'trim_support':
      // file vdevs punch holes: vdev_has_trim; only a leaf answers
      return same(node.isLeaf ? 'on' : '-');
    case 'allocating':
      // a leaf (no metaslab group) reads `-`; the root and top-level vdevs on or off
      if (!node.isTop && node.type !== 'root') return same('-');
      return node.noalloc ? same('off', LOCAL) : same('on', DEFAULT);
    case 'failfast': {
      const v = stored.failfast ?? 'on';
      return same(v, v === 'on' ? DEFAULT : LOCAL);
    }
    case 'comment':
      return setting(stored.comment);
  }
  if (THRESHOLDS.has(prop)) return setting(stored[prop]);
  return null;
}

/** A refusal of `zpool set` on a vdev: zpool_valid_proplist's aux text, or the description of
 *  the errno vdev_prop_set returns. */
export class VdevPropertyError extends Error {}

/**
 * zpool_valid_proplist with flags.vdevprop, then vdev_prop_set's checks: the canonical name and
 * the value to store for `name=value` on `node` (null: remove the user property). Throws the
 * description of the refusal.
 */
export function validateVdevAssignment(node: VdevNode, name: string, value: string, parseNumber: (v: string) => bigint): [string, string | null] {
  const def = findVdevProperty(name);
  if (!def) {
    if (!isUserPropName(name)) throw new VdevPropertyError(`invalid property: '${name}'`);
    if (Buffer.byteLength(name) >= 256) throw new VdevPropertyError(`property name '${name}' is too long`);
    if (Buffer.byteLength(value) >= 8192) throw new VdevPropertyError(`property value '${value}' is too long`);
    // vdev_props_set_sync: an empty value removes it
    if (node.aux) throw new VdevPropertyError('invalid argument for this pool operation');
    return [name, value === '' ? null : value];
  }
  if (def.readonly) throw new VdevPropertyError(`'${name}' is readonly`);
  let stored = value;
  if (def.kind === 'index') {
    if (!def.values!.includes(value) || (def.name === 'allocating' && value === '-')) throw new VdevPropertyError(`'${def.name}' must be one of '${def.valuesHelp}'`);
  } else if (def.kind === 'number') {
    if (value === 'auto') throw new VdevPropertyError(`'auto' is invalid value for '${name}'`);
    // `none` is UINT64_MAX, which is what an unset threshold reads
    stored = value === 'none' ? '' : String(parseNumber(value));
    if (stored === '18446744073709551615') stored = '';
  } else if (Buffer.byteLength(value) >= 8192) throw new VdevPropertyError(`'${name}' is too long`);
  // vdev_prop_set: the kernel's refusals (errno texts)
  if (node.aux) throw new VdevPropertyError('invalid argument for this pool operation');
  if (def.name === 'path') throw new VdevPropertyError(node.path === undefined ? 'pool is read-only' : 'invalid argument for this pool operation');
  if (def.name === 'allocating' && !node.isTop) throw new VdevPropertyError('operation not supported on this type of vdev');
  return [def.name, def.kind === 'number' && stored === '' ? null : stored];
}
