/**
 * What a pool's version and features allow a dataset (zfs_ioctl.c zfs_check_settable,
 * zfs_fill_zplprops_impl, zfs_set_version): property values that need a feature or a newer pool
 * version, and the filesystem (ZPL) version.
 */
import type { DirRecord, Id, PoolMeta } from '../../engine/model.js';
import type { PoolHandle } from '../pool-handle.js';
import { spaVersionFor, ZPL_VERSION, zplVersionFor } from '../features.js';
import { isFeatureEnabled, poolVersion } from '../pool-features.js';

const OLD_MAXBLOCKSIZE = 128 * 1024;
const CHECKSUM_FEATURES = new Set(['sha512', 'skein', 'edonr', 'blake3']);

/** zfs_check_settable's version checks: true when the pool cannot take `name=value` (ENOTSUP). */
export function needsUpgrade(meta: PoolMeta, name: string, value: string): boolean {
  const spa = poolVersion(meta);
  switch (name) {
    case 'compression':
      if (value.startsWith('gzip')) return spa < 5;
      if (value === 'zle') return spa < 20;
      if (value === 'lz4') return !isFeatureEnabled(meta, 'lz4_compress');
      if (value.startsWith('zstd')) return !isFeatureEnabled(meta, 'zstd_compress');
      return false;
    case 'copies':
      return spa < 2;
    case 'recordsize':
    case 'volblocksize':
      return Number(value) > OLD_MAXBLOCKSIZE && !isFeatureEnabled(meta, 'large_blocks');
    case 'checksum':
      if (CHECKSUM_FEATURES.has(value)) return !isFeatureEnabled(meta, value);
      return false;
    case 'dedup':
      return value !== 'off' && spa < 21;
    case 'dnodesize':
      return value !== 'legacy' && !isFeatureEnabled(meta, 'large_dnode');
    case 'filesystem_limit':
    case 'snapshot_limit':
      // zfs_prop_set_special: clearing a limit is always allowed; setting one activates the feature.
      return !isNoLimit(value) && !isFeatureEnabled(meta, 'filesystem_limits');
    default:
      return false;
  }
}

export const isNoLimit = (value: string | undefined) => value === undefined || value === 'none' || value === '18446744073709551615';

/** The first of `values` the pool cannot take, or null. */
export function firstNeedingUpgrade(meta: PoolMeta, values: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(values)) if (needsUpgrade(meta, name, value)) return name;
  return null;
}

/** zfs_fill_zplprops_impl: a new filesystem's version, or null when the pool is too old for the one asked. */
export function newFilesystemVersion(meta: PoolMeta, asked: string | undefined): string | null {
  const allowed = zplVersionFor(poolVersion(meta));
  if (asked === undefined) return String(allowed);
  return Number(asked) > allowed ? null : asked;
}

export const filesystemVersion = (dir: DirRecord): number => Number(dir.props.version ?? ZPL_VERSION);

/** zfs_valid_proplist + zfs_set_version: why `version=N` cannot be set, or null. */
export function versionRefusal(meta: PoolMeta, dir: DirRecord, asked: number): { downgrade: number } | 'upgrade-pool' | null {
  const cur = filesystemVersion(dir);
  if (asked < cur) return { downgrade: cur };
  if (spaVersionFor(asked) > poolVersion(meta)) return 'upgrade-pool';
  return null;
}

export interface FsVersion {
  name: string;
  version: number;
}

/** Every filesystem (not volume) of the pool or under `under`, parents before children, with its
 *  version; null when `under` does not exist, 'volume' when it is a volume. */
export function filesystemVersions(h: PoolHandle, under: string): FsVersion[] | null | 'volume';
export function filesystemVersions(h: PoolHandle): FsVersion[];
export function filesystemVersions(h: PoolHandle, under: string | null = null): FsVersion[] | null | 'volume' {
  const view = h.view();
  const start = under === null ? h.rootDir() : h.findDir(view, under);
  if (start === undefined) return null;
  if (view.dir(start).type === 'volume') return 'volume';
  const out: FsVersion[] = [];
  const walk = (id: Id) => {
    const dir = view.dir(id);
    if (dir.type !== 'volume') out.push({ name: view.dirName(id), version: filesystemVersion(dir) });
    for (const child of view.childDirs(id).sort((a, b) => (view.dir(a).name < view.dir(b).name ? -1 : 1))) walk(child);
  };
  walk(start);
  return out;
}

export type UpgradeOutcome = 'upgraded' | 'same' | { downgrade: number } | { needsPool: number };

/** upgrade_set_callback for one filesystem: set its version unless the pool or the version says no. */
export function upgradeFilesystem(h: PoolHandle, name: string, version: number, history: string | null): UpgradeOutcome {
  return h.change(history, (c) => {
    const dirId = h.findDir(c.dsl, name);
    if (dirId === undefined) return 'same';
    const dir = c.dsl.dir(dirId);
    const needed = spaVersionFor(version);
    if (poolVersion(c.tx.meta) < needed) return { needsPool: needed };
    const cur = filesystemVersion(dir);
    if (cur > version) return { downgrade: cur };
    if (cur === version) return 'same';
    if (version === ZPL_VERSION) delete dir.props.version;
    else dir.props.version = String(version);
    return 'upgraded';
  });
}
