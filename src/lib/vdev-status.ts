/**
 * The vdev tree as `zpool status` shows it (zpool_main.c print_status_config, print_class_vdevs,
 * print_l2cache, print_spares): states from which devices can be opened, READ/WRITE/CKSUM per
 * device from the pool's health record.
 */
import type { DeviceErrors } from '../engine/pool/health.js';
import { deflate, type LeafConfig, type TopConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import type { VdevRoot } from '../engine/pool/vdevs/root.js';
import { isConcrete } from '../engine/pool/vdevs/indirect.js';

export type VdevState = 'ONLINE' | 'DEGRADED' | 'UNAVAIL' | 'REMOVED' | 'OFFLINE' | 'AVAIL' | 'INUSE';

export interface VdevRow {
  /** a section header (`logs`, `cache`, `spares`...) has only a name */
  header?: true;
  name: string;
  depth: number;
  state?: VdevState;
  /** null for spares, which show no counters */
  errors?: DeviceErrors | null;
  /** `cannot open`, `insufficient replicas` */
  aux?: string;
  /** what `zpool status -j` shows of the vdev (fill_vdev_info, vdev_stat_t) */
  info?: VdevInfo;
  /** its top-level vdev takes no new blocks (vs_noalloc: `allocating=off`) */
  noalloc?: true;
  /** the root: removed vdevs (indirect-N, hole-N) are never shown, but max_width counts their
   *  names, so the NAME column is at least this wide */
  nameFloor?: number;
}

export interface VdevInfo {
  type: 'root' | 'file' | 'mirror' | 'raidz' | 'spare';
  guid: string;
  path?: string;
  /** normal, special, dedup, log, l2cache, spare */
  class: string;
  /** top-level vdevs and the root: bytes allocated, raw space, deflated space */
  alloc?: number;
  space?: number;
  dspace?: number;
  /** the device's size (leaves) or the top-level vdev's space */
  rsize?: number;
  /** a leaf: the file's size */
  psize?: number;
  /** a leaf */
  leaf: boolean;
}

export interface VdevStatus {
  state: 'ONLINE' | 'DEGRADED' | 'UNAVAIL';
  rows: VdevRow[];
  /** a device cannot be opened: with replicas to spare (r) or not (nr) */
  missing: 'none' | 'r' | 'nr';
  /** a device taken offline (zpool offline), or away (inject -e nxio) */
  offline: boolean;
  removed: boolean;
  /** any device counted errors */
  deviceErrors: boolean;
}

const ZERO: DeviceErrors = { read: 0, write: 0, cksum: 0 };

export function vdevStatus(
  pool: string,
  tree: VdevTree,
  root: VdevRoot,
  kept: Record<string, DeviceErrors>,
  poolErrors: DeviceErrors,
  space: { guid: string; alloc: number[] } = { guid: '0', alloc: [] },
): VdevStatus {
  const errorsOf = (guid: string) => ({ ...ZERO, ...kept[guid] });
  /** A spare standing in for a device (spare-N): DEGRADED while that device is not ONLINE. */
  const sparing = (c: LeafConfig): boolean => c.replaced !== undefined && root.leafState(c.replaced.guid) !== 'ONLINE' && root.leafState(c.guid) === 'ONLINE';
  const topState = (top: TopConfig): VdevState => {
    if (top.type === 'file') {
      if (root.leafState(top.children[0].guid) !== 'ONLINE') return 'UNAVAIL';
      return sparing(top.children[0]) ? 'DEGRADED' : 'ONLINE';
    }
    const missing = root.missingChildren(top);
    if (missing === 0) return top.children.some(sparing) ? 'DEGRADED' : 'ONLINE';
    const tolerated = top.type === 'mirror' ? top.children.length - 1 : top.nparity;
    return missing <= tolerated ? 'DEGRADED' : 'UNAVAIL';
  };
  const states = tree.tops.map(topState);
  const normalBad = tree.tops.some((t, i) => t.class !== 'log' && states[i] === 'UNAVAIL');
  const state = normalBad ? 'UNAVAIL' : states.some((s) => s !== 'ONLINE') ? 'DEGRADED' : 'ONLINE';
  const topInfo = (top: TopConfig, i: number) => {
    const alloc = space.alloc[i] ?? 0;
    return { alloc, space: top.space, dspace: deflate(top, tree.ashift, top.space), rsize: top.space };
  };
  const sum = (k: 'alloc' | 'space' | 'dspace') => tree.tops.reduce((n, t, i) => n + topInfo(t, i)[k], 0);
  const rootInfo: VdevInfo = { type: 'root', guid: space.guid, class: 'normal', alloc: sum('alloc'), space: sum('space'), dspace: sum('dspace'), leaf: false };
  const rows: VdevRow[] = [{ name: pool, depth: 0, state, errors: poolErrors, ...(normalBad ? { aux: 'insufficient replicas' } : {}), info: rootInfo }];
  const leafInfo = (c: LeafConfig, cls: string): VdevInfo => ({ type: 'file', guid: c.guid, path: c.path, class: cls, rsize: c.size, psize: c.size, leaf: true });
  const leafRow = (c: LeafConfig, depth: number, cls: string, top?: [TopConfig, number]): VdevRow => {
    const s = root.leafState(c.guid);
    const info = { ...leafInfo(c, cls), ...(top ? topInfo(...top) : {}) };
    return { name: c.path, depth, state: s, errors: errorsOf(c.guid), ...(s === 'UNAVAIL' ? { aux: 'cannot open' } : {}), info };
  };
  /** A child, or the spare-N of a spare and the device it stands in for (vdev_spare). */
  const childRows = (c: LeafConfig, n: number, depth: number, cls: string, top?: [TopConfig, number]): VdevRow[] => {
    if (!c.replaced) return [leafRow(c, depth, cls, top)];
    // vdev_mirror_state_change: UNAVAIL only when neither is there.
    const up = [c, c.replaced].filter((l) => root.leafState(l.guid) === 'ONLINE').length;
    const s = up === 0 ? 'UNAVAIL' : up === 1 ? 'DEGRADED' : 'ONLINE';
    const info: VdevInfo = { type: 'spare', guid: spareVdevGuid(c, c.replaced), class: cls, ...(top ? topInfo(...top) : {}), leaf: false };
    const head: VdevRow = { name: `spare-${n}`, depth, state: s, errors: { ...ZERO }, ...(s === 'UNAVAIL' ? { aux: 'insufficient replicas' } : {}), info };
    return [head, leafRow(c.replaced, depth + 2, cls), leafRow(c, depth + 2, cls)];
  };
  const topRows = (cls: TopConfig['class']) =>
    tree.tops.flatMap((top, i) => {
      if (top.class !== cls || !isConcrete(top)) return [];
      const klass = top.class ?? 'normal';
      const off = top.noalloc ? { noalloc: true as const } : {};
      const mark = (rows: VdevRow[]) => rows.map((r) => ({ ...r, ...off }));
      if (top.type === 'file') return mark(childRows(top.children[0], i, 2, klass, [top, i]));
      const name = `${top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror'}-${i}`;
      const info: VdevInfo = { type: top.type as 'mirror' | 'raidz', guid: top.guid, class: klass, ...topInfo(top, i), leaf: false };
      const head: VdevRow = { name, depth: 2, state: states[i], errors: errorsOf(top.guid), ...(states[i] === 'UNAVAIL' ? { aux: 'insufficient replicas' } : {}), info, ...off };
      return [head, ...mark(top.children.flatMap((c, n) => childRows(c, n, 4, klass)))];
    });
  rows.push(...topRows(undefined));
  for (const [header, cls] of [['dedup', 'dedup'], ['special', 'special'], ['logs', 'log']] as const) {
    const section = topRows(cls);
    if (section.length > 0) rows.push({ header: true, name: header, depth: 0 }, ...section);
  }
  if (tree.cache.length > 0) rows.push({ header: true, name: 'cache', depth: 0 }, ...tree.cache.map((c) => ({ name: c.path, depth: 2, state: 'ONLINE' as const, errors: errorsOf(c.guid), info: leafInfo(c, 'l2cache') })));
  // A spare in use is INUSE, `currently in use` (print_status_config's VDEV_AUX_SPARED).
  const inUse = new Set(tree.tops.flatMap((t) => t.children.filter((c) => c.replaced).map((c) => c.guid)));
  const spareRow = (c: LeafConfig): VdevRow =>
    inUse.has(c.guid)
      ? { name: c.path, depth: 2, state: 'INUSE', errors: null, aux: 'currently in use', info: leafInfo(c, 'spare') }
      : { name: c.path, depth: 2, state: 'AVAIL', errors: null, info: leafInfo(c, 'spare') };
  if (tree.spares.length > 0) rows.push({ header: true, name: 'spares', depth: 0 }, ...tree.spares.map(spareRow));
  const hiddenWidth = Math.max(0, ...tree.tops.map((t, i) => (isConcrete(t) ? 0 : `${t.type}-${i}`.length + 2)));
  if (hiddenWidth > 0) rows[0].nameFloor = hiddenWidth;
  const leafStates = tree.tops.flatMap((t) => t.children.flatMap((c) => (c.replaced ? [c.replaced, c] : [c])).map((c) => root.leafState(c.guid)));
  const deviceErrors = rows.some((r) => r.errors && r.errors.read + r.errors.write + r.errors.cksum > 0);
  return {
    state,
    rows,
    missing: normalBad ? 'nr' : leafStates.includes('UNAVAIL') ? 'r' : 'none',
    offline: leafStates.includes('OFFLINE'),
    removed: leafStates.includes('REMOVED'),
    deviceErrors,
  };
}

/** The spare-N vdev has a guid of its own in ZFS; here it is made from its two devices': the
 *  spare in use and the device it stands in for. */
export function spareVdevGuid(spare: LeafConfig, standsFor: LeafConfig): string {
  return ((BigInt(spare.guid) ^ BigInt(standsFor.guid)) || 1n).toString();
}
