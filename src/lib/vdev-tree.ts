/**
 * A pool's vdevs as `zpool get` and `zpool set` see them (libzfs for_each_vdev, zpool_vdev_name
 * with VDEV_NAME_TYPE_ID, zpool_find_vdev; the kernel's vdev_name): the root, its spares, its
 * cache devices, then each top-level vdev followed by its children, each with the numbers its
 * vdev properties (vdev-props.ts) are made of.
 */
import * as path from 'node:path';
import { deflate, LEAF_LABEL_BYTES, type LeafConfig, type TopConfig } from '../engine/pool/vdevs/config.js';
import type { DeviceErrors } from '../engine/pool/health.js';
import type { PoolMeta } from '../engine/model.js';
import { spareVdevGuid } from './vdev-status.js';

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
  type: 'root' | 'file' | 'mirror' | 'raidz' | 'spare';
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
  /** a removed top-level vdev (indirect-N, hole-N): only its name, among the root's children */
  removed?: true;
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
  /** A device, or the `spare-N` vdev of a hot spare in use and the device it stands in for
   *  (the latter first, as status shows them). */
  const childNodes = (c: LeafConfig, parent: VdevNode, id: number, cls: string): VdevNode[] => {
    if (!c.replaced) return [leafNode(c, parent, id, cls)];
    const guid = spareVdevGuid(c, c.replaced);
    const spare: VdevNode = {
      ...leafNode(c, parent, id, cls),
      name: `spare-${id}`,
      kernelName: `spare-${id}`,
      type: 'spare',
      guid,
      isLeaf: false,
      path: undefined,
      asize: 0,
      psize: 0,
      state: facts.stateOf(guid),
      errors: { ...NO_ERRORS },
    };
    spare.children = [leafNode(c.replaced, spare, 0, cls), leafNode(c, spare, 1, cls)];
    spare.asize = spare.psize = Math.min(...spare.children.map((k) => k.asize));
    spare.io = spare.children.reduce((t, k) => addIo(t, k.io), NO_IO);
    return [spare, ...spare.children];
  };
  const spares = tree.spares.map((c, i) => leafNode(c, null, i, 'spare', 'spare'));
  const cache = tree.cache.map((c, i) => leafNode(c, null, i, 'l2cache', 'l2cache'));
  const tops: VdevNode[][] = tree.tops.map((top: TopConfig, i) => {
    const cls = top.class ?? 'normal';
    const alloc = meta.vdevAlloc?.[i] ?? 0;
    const dspace = deflate(top, ashift, top.space);
    const own = { isTop: true, topIndex: i, alloc, dspace, noalloc: top.noalloc === true, id: i };
    if (top.type === 'file') {
      const [first, ...rest] = childNodes(top.children[0], root, i, cls);
      return [Object.assign(first, own), ...rest];
    }
    if (top.type === 'indirect' || top.type === 'hole') {
      // A removed vdev: a child of the root (`children` names it), but for_each_vdev skips it.
      return [{ ...root, name: `${top.type}-${i}`, kernelName: `${top.type}-${i}`, guid: top.guid, id: i, parent: root, children: [], removed: true }];
    }
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
    const below = top.children.flatMap((c, j) => childNodes(c, node, j, cls));
    node.children = below.filter((n) => n.parent === node);
    node.io = node.children.reduce((s, c) => addIo(s, c.io), NO_IO);
    return [node, ...below];
  });
  root.children = tops.map((t) => t[0]);
  // vdev_space_update: the root counts what its top-level vdevs hold, logs aside.
  const data = root.children.filter((t) => t.class !== 'log' && !t.removed);
  root.alloc = data.reduce((s, t) => s + t.alloc, 0);
  root.dspace = data.reduce((s, t) => s + t.dspace, 0);
  root.io = root.children.filter((t) => !t.removed).reduce((s, t) => addIo(s, t.io), NO_IO);
  return [root, ...spares, ...cache, ...tops.flat().filter((n) => !n.removed)];
}

/** strtoull(name, &end, 0) when it reads the whole name and gives a guid (not 0). */
export function guidOf(name: string): bigint | null {
  let v: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(name)) v = BigInt(name);
  else if (/^0[0-7]*$/.test(name)) v = BigInt('0o' + (name.slice(1) || '0'));
  else if (/^[1-9][0-9]*$/.test(name)) v = BigInt(name);
  return v !== null && v > 0n && v < 1n << 64n ? v : null;
}

/** zpool_find_vdev's test of a device: `name` is its path, its file's name (as tszfs's device
 *  commands also accept), or its guid as strtoull(3) reads it. */
export function namesDevice(name: string): (leaf: { path: string; guid: string }) => boolean {
  const full = path.resolve(name);
  const guid = guidOf(name);
  return (l) => l.path === full || path.basename(l.path) === name || BigInt(l.guid) === guid;
}

/** zpool_vdev_is_interior */
const INTERIOR = /^(raidz|spare|replacing|root|mirror|draid)/;

/**
 * zpool_find_vdev: a guid (decimal, or 0x hex), a top-level vdev's type and index (`mirror-1`,
 * `raidz-0` or `raidz1-0`, `root-0`), or a device's path; as tszfs's other device commands do, a
 * device may also be named by its file's name alone.
 */
export function findVdev(all: readonly VdevNode[], name: string): VdevNode | null {
  // vdev_to_nvlist_iter looks through the tree before the spares and cache devices
  const nodes = [...all.filter((n) => !n.aux), ...all.filter((n) => n.aux)];
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
