/**
 * A pool's version and feature states (spa_version, spa_feature_is_enabled/active), and the
 * `compatibility` property's feature sets (libzfs_pool.c zpool_load_compat).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolMeta } from '../engine/model.js';
import { FEATURE_TABLE, isBaselineActive, SPA_VERSION_FEATURES } from './features.js';

export type FeatureState = 'disabled' | 'enabled' | 'active';

/** The pool's version: a legacy number, or 5000 for a feature-flags pool. */
export function poolVersion(meta: PoolMeta): number {
  const v = meta.props.version;
  return v === undefined ? SPA_VERSION_FEATURES : Number(v);
}

export const isFeaturePool = (meta: PoolMeta) => poolVersion(meta) >= SPA_VERSION_FEATURES;

export function isFeatureEnabled(meta: PoolMeta, name: string): boolean {
  return isFeaturePool(meta) && meta.props[`feature@${name}`] !== 'disabled';
}

/** disabled, enabled, or active: in use now (`inUse`) or from the moment it is enabled. */
export function featureState(meta: PoolMeta, name: string, inUse: ReadonlySet<string>): FeatureState {
  if (!isFeatureEnabled(meta, name)) return 'disabled';
  return isBaselineActive(name) || inUse.has(name) ? 'active' : 'enabled';
}

/** Data sets and bookmarks, as far as features care: what the pool's records hold. */
export interface FeatureUse {
  /** per-dataset features of every dataset (ds_feature) */
  datasetFeatures: Iterable<readonly string[] | undefined>;
  /** whether any filesystem has a bookmark */
  bookmarks: boolean;
}

/** The features some record uses (spa_feature_incr's refcounts, as a set). */
export function featuresInUse(meta: PoolMeta, use: FeatureUse): Set<string> {
  const out = new Set<string>();
  for (const fs of use.datasetFeatures) for (const f of fs ?? []) out.add(f);
  if (use.bookmarks) {
    out.add('bookmarks');
    // dsl_bookmark_set_phys: with bookmark_written each bookmark is a v2 one with its FBN fields.
    if (isFeatureEnabled(meta, 'bookmark_written')) out.add('bookmark_v2').add('bookmark_written');
  }
  // zpool remove of a top-level vdev activates both for good (the indirect vdev stays)
  if (meta.vdevs?.tops.some((t) => t.type === 'indirect')) {
    out.add('device_removal');
    if (isFeatureEnabled(meta, 'obsolete_counts')) out.add('obsolete_counts');
  }
  return out;
}

// ---- compatibility (zpool_load_compat) -------------------------------------------------------

export const SYSCONF_COMPAT_D = '/etc/zfs/compatibility.d';
export const DATA_COMPAT_D = '/usr/share/zfs/compatibility.d';

export type CompatStatus = 'ok' | 'badfile' | 'badtoken' | 'warntoken' | 'nofiles';

export interface CompatResult {
  status: CompatStatus;
  /** the features the set allows (all of them for off) */
  features: Set<string>;
  report: string;
}

/** Where tszfs's own copy of OpenZFS's compatibility.d lives (used when the host has none). */
function bundledCompatDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'compatibility.d');
    if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, 'package.json'))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

/** The data directory: the host's OpenZFS one when installed, else tszfs's bundled copy. */
function dataCompatDir(): string | null {
  return fs.existsSync(DATA_COMPAT_D) ? DATA_COMPAT_D : bundledCompatDir();
}

const ALL = () => new Set(FEATURE_TABLE.map((f) => f.name));

/** zpool_load_compat(): the features allowed by `off`, `legacy` or a comma-separated file list. */
export function loadCompat(compat: string | undefined): CompatResult {
  if (compat === undefined || compat === '' || compat === 'off') return { status: 'ok', features: ALL(), report: 'all features enabled' };
  if (compat === 'legacy') return { status: 'ok', features: new Set(), report: 'all features disabled' };
  const features = ALL();
  let badfile = '';
  let badtoken = '';
  let nofiles = true;
  let isBadToken = false;
  let isWarnToken = false;
  const dataDir = dataCompatDir();
  for (const file of compat.split(',').filter((f) => f !== '')) {
    let text: Buffer | null = null;
    let fromSysconf = true;
    for (const dir of [SYSCONF_COMPAT_D, dataDir]) {
      if (dir === null) continue;
      try {
        text = fs.readFileSync(path.isAbsolute(file) ? file : path.join(dir, file));
        break;
      } catch {
        fromSysconf = false;
      }
    }
    // ZPOOL_COMPAT_MAXSIZE is 16K; the last byte must be a newline.
    if (text === null || text.length < 1 || text.length > 16384 || text[text.length - 1] !== 0x0a) {
      badfile += `${file} `;
      continue;
    }
    nofiles = false;
    const here = new Set<string>();
    for (const rawLine of text.subarray(0, text.length - 1).toString('latin1').split('\n')) {
      const line = rawLine.split('#')[0];
      for (const word of line.split(/[, \t]+/).filter((w) => w !== '')) {
        if (FEATURE_TABLE.some((f) => f.name === word)) {
          here.add(word);
          continue;
        }
        badtoken += `${[...word.slice(0, 32)].map((c) => (c >= ' ' && c <= '~' ? c : '?')).join('')} `;
        if (fromSysconf) isBadToken = true;
        else isWarnToken = true;
      }
    }
    for (const f of [...features]) if (!here.has(f)) features.delete(f);
  }
  if (badfile) return { status: 'badfile', features, report: `could not read/parse feature file(s): ${badfile}` };
  if (nofiles) return { status: 'nofiles', features, report: 'no valid compatibility files specified' };
  if (isBadToken) return { status: 'badtoken', features, report: `invalid feature name(s) in local compatibility files: ${badtoken}` };
  if (isWarnToken) return { status: 'warntoken', features, report: `unrecognized feature name(s) in distribution compatibility files: ${badtoken}` };
  return { status: 'ok', features, report: 'compatibility set ok' };
}

/** zpool_do_load_compat(): the set, with its complaint for stderr (`Error: ...`/`Warning: ...`). */
export function loadCompatForCommand(compat: string | undefined): { ok: boolean; features: Set<string>; message: string | null } {
  const r = loadCompat(compat);
  if (r.status === 'ok') return { ok: true, features: r.features, message: null };
  if (r.status === 'warntoken') return { ok: true, features: r.features, message: `Warning: ${r.report}` };
  return { ok: false, features: r.features, message: `Error: ${r.report}` };
}

/** check_status()'s feature reasons, after every health reason: what `zpool status` explains. */
export type FeatureStatus = 'ok' | 'version-older' | 'compat-err' | 'feat-disabled' | 'incompatible-feat';

export function featureStatus(meta: PoolMeta): FeatureStatus {
  const compat = meta.props.compatibility;
  if (!isFeaturePool(meta)) return compat === 'legacy' ? 'ok' : 'version-older';
  const r = loadCompat(compat);
  if (r.status !== 'ok' && r.status !== 'warntoken') return 'compat-err';
  for (const f of FEATURE_TABLE) {
    const enabled = isFeatureEnabled(meta, f.name);
    if (r.features.has(f.name) && !enabled) return 'feat-disabled';
    if (!r.features.has(f.name) && enabled) return 'incompatible-feat';
  }
  return 'ok';
}
