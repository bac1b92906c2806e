/**
 * The vdev tree as `zpool status` shows it (zpool_main.c print_status_config, print_class_vdevs,
 * print_l2cache, print_spares): states from which devices can be opened, READ/WRITE/CKSUM per
 * device from the pool's health record.
 */
import type { DeviceErrors } from '../engine/pool/health.js';
import type { TopConfig, VdevTree } from '../engine/pool/vdevs/config.js';
import type { VdevRoot } from '../engine/pool/vdevs/root.js';

export type VdevState = 'ONLINE' | 'DEGRADED' | 'UNAVAIL' | 'REMOVED' | 'OFFLINE' | 'AVAIL';

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

export function vdevStatus(pool: string, tree: VdevTree, root: VdevRoot, kept: Record<string, DeviceErrors>, poolErrors: DeviceErrors): VdevStatus {
  const errorsOf = (guid: string) => ({ ...ZERO, ...kept[guid] });
  const topState = (top: TopConfig): VdevState => {
    if (top.type === 'file') return root.leafState(top.children[0].guid) === 'ONLINE' ? 'ONLINE' : 'UNAVAIL';
    const missing = root.missingChildren(top);
    if (missing === 0) return 'ONLINE';
    const tolerated = top.type === 'mirror' ? top.children.length - 1 : top.nparity;
    return missing <= tolerated ? 'DEGRADED' : 'UNAVAIL';
  };
  const states = tree.tops.map(topState);
  const normalBad = tree.tops.some((t, i) => t.class !== 'log' && states[i] === 'UNAVAIL');
  const state = normalBad ? 'UNAVAIL' : states.some((s) => s !== 'ONLINE') ? 'DEGRADED' : 'ONLINE';
  const rows: VdevRow[] = [{ name: pool, depth: 0, state, errors: poolErrors, ...(normalBad ? { aux: 'insufficient replicas' } : {}) }];
  const leafRow = (guid: string, path: string, depth: number): VdevRow => {
    const s = root.leafState(guid);
    return { name: path, depth, state: s, errors: errorsOf(guid), ...(s === 'UNAVAIL' ? { aux: 'cannot open' } : {}) };
  };
  const topRows = (cls: TopConfig['class']) =>
    tree.tops.flatMap((top, i) => {
      if (top.class !== cls) return [];
      if (top.type === 'file') return [leafRow(top.children[0].guid, top.children[0].path, 2)];
      const name = `${top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror'}-${i}`;
      const head: VdevRow = { name, depth: 2, state: states[i], errors: errorsOf(top.guid), ...(states[i] === 'UNAVAIL' ? { aux: 'insufficient replicas' } : {}) };
      return [head, ...top.children.map((c) => leafRow(c.guid, c.path, 4))];
    });
  rows.push(...topRows(undefined));
  for (const [header, cls] of [['dedup', 'dedup'], ['special', 'special'], ['logs', 'log']] as const) {
    const section = topRows(cls);
    if (section.length > 0) rows.push({ header: true, name: header, depth: 0 }, ...section);
  }
  if (tree.cache.length > 0) rows.push({ header: true, name: 'cache', depth: 0 }, ...tree.cache.map((c) => ({ name: c.path, depth: 2, state: 'ONLINE' as const, errors: errorsOf(c.guid) })));
  if (tree.spares.length > 0) rows.push({ header: true, name: 'spares', depth: 0 }, ...tree.spares.map((c) => ({ name: c.path, depth: 2, state: 'AVAIL' as const, errors: null })));
  const leafStates = tree.tops.flatMap((t) => t.children.map((c) => root.leafState(c.guid)));
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
