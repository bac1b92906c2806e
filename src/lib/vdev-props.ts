/**
 * Vdev properties (OpenZFS 2.3 module/zcommon/zpool_prop.c vdev_prop_init, module/zfs/vdev.c
 * vdev_prop_get/vdev_prop_set, lib/libzfs/libzfs_pool.c zpool_get_vdev_prop_value): declared once,
 * in OpenZFS's enum order (the order `zpool get all POOL VDEV` prints), with the vdev tree as
 * `zpool get` walks it (for_each_vdev: the root, its spares, its cache devices, then each
 * top-level vdev followed by its children) and the vdev a name stands for (zpool_find_vdev).
 *
 * Values come from the vdev tree, the per-top-level allocation counters, the device error and
 * I/O counters kept by the pool, and the settable properties stored in the pool's record
 * (PoolMeta.vdevProps, by guid; `allocating` as TopConfig.noalloc, which the allocator obeys).
 */
import * as path from 'node:path';
import { deflate, LEAF_LABEL_BYTES, type LeafConfig, type TopConfig } from '../engine/pool/vdevs/config.js';
import type { DeviceErrors } from '../engine/pool/health.js';
import type { PoolMeta } from '../engine/model.js';
import type { Source } from './properties/values.js';
import { isUserPropName } from './names.js';

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

export interface VdevIo {
  rops: number;
  wops: number;
  rbytes: number;
  wbytes: number;
}

/** One vdev of a pool, as `zpool get` and `zpool set` see it. */
export interface VdevNode {
  /** zpool_vdev_name with VDEV_NAME_TYPE_ID: `root-0`, `mirror-1`, `raidz2-0`, a device's path */
  name: string;
  /** the kernel's vdev_name: the pool's name for the root, `mirror-1` or `raidz-0`, a path */
  kernelName: string;
  type: 'root' | 'file' | 'mirror' | 'raidz';
  /** ZPOOL_CONFIG_GUID: the root's is the pool's */
  guid: string;
  /** the child index (ZPOOL_CONFIG_ID) */
  id: number;
  /** a top-level vdev (it allocates: vdev_mg) */
  isTop: boolean;
  /** a device */
  isLeaf: boolean;
  /** a hot spare or cache device (no parent) */
  aux?: 'spare' | 'l2cache';
  /** raidz parity */
  nparity: number;
  parent: VdevNode | null;
  children: VdevNode[];
  /** normal, special, dedup, log, spare, l2cache */
  class: string;
  /** the top-level vdev's index in the tree (tops only) */
  topIndex?: number;
  path?: string;
  /** vdev_asize and vdev_psize */
  asize: number;
  psize: number;
  ashift: number;
  /** vs_alloc and vs_dspace: the root and top-level vdevs only */
  alloc: number;
  dspace: number;
  noalloc: boolean;
  state: string;
  errors: DeviceErrors;
  io: VdevIo;
}

/** What the tree's walk needs beyond the pool's record: states, counters, the image. */
export interface VdevFacts {
  /** `zpool status`'s state of a vdev by guid (ONLINE, DEGRADED, UNAVAIL, ...) */
  stateOf(guid: string): string;
  /** the root's state */
  poolState: string;
  /** the error counters kept by guid, and the pool's own (the root's) */
  errors: Record<string, DeviceErrors>;
  poolErrors: DeviceErrors;
  /** I/O kept by leaf guid */
  io: Record<string, VdevIo>;
  /** a pool of one image: its path */
  image: string;
}

const NO_ERRORS: DeviceErrors = { read: 0, write: 0, cksum: 0 };
const NO_IO: VdevIo = { rops: 0, wops: 0, rbytes: 0, wbytes: 0 };

const addIo = (a: VdevIo, b: VdevIo): VdevIo => ({ rops: a.rops + b.rops, wops: a.wops + b.wops, rbytes: a.rbytes + b.rbytes, wbytes: a.wbytes + b.wbytes });

/** The vdevs of a pool in for_each_vdev's order: the root, spares, cache devices, then each
 *  top-level vdev and its children. */
export function vdevNodes(poolName: string, meta: PoolMeta, facts: VdevFacts): VdevNode[] {
  const tree = meta.vdevs;
  const ashift = tree?.ashift ?? 12;
  const sector = 2 ** ashift;
  const root: VdevNode = {
    name: 'root-0',
    kernelName: poolName,
    type: 'root',
    guid: meta.guid,
    id: 0,
    isTop: false,
    isLeaf: false,
    nparity: 0,
    parent: null,
    children: [],
    class: 'normal',
    asize: 0,
    psize: 0,
    ashift: 0,
    alloc: 0,
    dspace: 0,
    noalloc: false,
    state: facts.poolState,
    errors: facts.poolErrors,
    io: NO_IO,
  };
  const leafNode = (c: LeafConfig, parent: VdevNode | null, id: number, cls: string, aux?: 'spare' | 'l2cache'): VdevNode => ({
    name: c.path,
    kernelName: c.path,
    type: 'file',
    guid: c.guid,
    id,
    isTop: false,
    isLeaf: true,
    ...(aux ? { aux } : {}),
    nparity: 0,
    parent,
    children: [],
    class: cls,
    path: c.path,
    asize: Math.max(0, Math.floor((c.size - LEAF_LABEL_BYTES) / sector) * sector),
    psize: c.size,
    ashift,
    alloc: 0,
    dspace: 0,
    noalloc: false,
    // an available spare or a cache device is healthy (VDEV_STATE_HEALTHY)
    state: aux ? 'ONLINE' : facts.stateOf(c.guid),
    errors: { ...NO_ERRORS, ...facts.errors[c.guid] },
    io: { ...NO_IO, ...facts.io[c.guid] },
  });
  if (!tree) {
    // A pool of one image: the root and one file top-level vdev.
    const image: VdevNode = {
      ...leafNode({ path: facts.image, guid: '0', size: meta.imageBytes }, root, 0, 'normal'),
      isTop: true,
      topIndex: 0,
      alloc: meta.allocated,
      dspace: meta.imageBytes,
      state: facts.poolState,
      errors: facts.poolErrors,
    };
    Object.assign(root, { children: [image], alloc: image.alloc, dspace: image.dspace });
    return [root, image];
  }
  const spares = tree.spares.map((c, i) => leafNode(c, null, i, 'spare', 'spare'));
  const cache = tree.cache.map((c, i) => leafNode(c, null, i, 'l2cache', 'l2cache'));
  const tops: VdevNode[][] = tree.tops.map((top: TopConfig, i) => {
    const cls = top.class ?? 'normal';
    const alloc = meta.vdevAlloc?.[i] ?? 0;
    const dspace = deflate(top, ashift, top.space);
    const own = { isTop: true, topIndex: i, alloc, dspace, noalloc: top.noalloc === true, id: i };
    if (top.type === 'file') return [{ ...leafNode(top.children[0], root, i, cls), ...own }];
    const kind = top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror';
    const node: VdevNode = {
      name: `${kind}-${i}`,
      kernelName: `${top.type}-${i}`,
      type: top.type,
      guid: top.guid,
      isLeaf: false,
      nparity: top.nparity,
      parent: root,
      children: [],
      class: cls,
      asize: top.space,
      psize: top.space,
      ashift,
      state: facts.stateOf(top.guid),
      errors: { ...NO_ERRORS, ...facts.errors[top.guid] },
      io: NO_IO,
      ...own,
    };
    node.children = top.children.map((c, j) => leafNode(c, node, j, cls));
    node.io = node.children.reduce((s, c) => addIo(s, c.io), NO_IO);
    return [node, ...node.children];
  });
  root.children = tops.map((t) => t[0]);
  // vdev_space_update: the root counts what its top-level vdevs hold, logs aside.
  const data = root.children.filter((t) => t.class !== 'log');
  root.alloc = data.reduce((s, t) => s + t.alloc, 0);
  root.dspace = data.reduce((s, t) => s + t.dspace, 0);
  root.io = root.children.reduce((s, t) => addIo(s, t.io), NO_IO);
  return [root, ...spares, ...cache, ...tops.flat()];
}

/** strtoull(name, &end, 0) when it reads the whole name and gives a guid (not 0). */
function guidOf(name: string): bigint | null {
  let v: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(name)) v = BigInt(name);
  else if (/^0[0-7]*$/.test(name)) v = BigInt('0o' + (name.slice(1) || '0'));
  else if (/^[1-9][0-9]*$/.test(name)) v = BigInt(name);
  return v !== null && v > 0n && v < 1n << 64n ? v : null;
}

/** zpool_vdev_is_interior */
const INTERIOR = /^(raidz|spare|replacing|root|mirror|draid)/;

/**
 * zpool_find_vdev: a guid (decimal, or 0x hex), a top-level vdev's type and index (`mirror-1`,
 * `raidz-0` or `raidz1-0`, `root-0`), or a device's path; as tszfs's other device commands do, a
 * device may also be named by its file's name alone.
 */
export function findVdev(nodes: readonly VdevNode[], name: string): VdevNode | null {
  const guid = guidOf(name);
  if (guid !== null) return nodes.find((n) => n.guid !== '0' && BigInt(n.guid) === guid) ?? null;
  if (INTERIOR.test(name)) {
    const m = /^(.*)-([^-]*)$/.exec(name);
    if (!m) return null;
    const [, type, id] = m;
    return (
      nodes.find((n) => {
        if (n.isLeaf || !type.startsWith(n.type)) return false;
        // raidz with a parity must match it (vdev_to_nvlist_iter)
        if (n.type === 'raidz' && type !== 'raidz' && type !== `raidz${n.nparity}`) return false;
        return /^[0-9]+$/.test(id) && Number(id) === n.id;
      }) ?? null
    );
  }
  const byPath = nodes.find((n) => n.path !== undefined && (n.path === name || n.path === path.resolve(name)));
  return byPath ?? nodes.find((n) => n.path !== undefined && path.basename(n.path) === name) ?? null;
}

export interface VdevPropValue {
  /** the text printed without -p */
  human: string;
  /** the text printed with -p */
  literal: string;
  source: Source;
}

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
  if (isUserPropName(prop)) return stored[prop] === undefined ? same('-', DEFAULT) : same(stored[prop], LOCAL);
  // a string the kernel does not return reads `-`, from its default
  const text = (v: string | undefined): VdevPropValue => (v === undefined ? same('-', DEFAULT) : same(v));
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
      return stored.comment === undefined ? same('-', DEFAULT) : same(stored.comment, LOCAL);
  }
  if (THRESHOLDS.has(prop)) return stored[prop] === undefined ? same('-', DEFAULT) : same(stored[prop], LOCAL);
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
