/** `zpool create`, `destroy`, and the numbers behind `zpool list` and `zpool status`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image } from '../engine/pool/image.js';
import { Pool } from '../engine/pool/pool.js';
import { crashPoint } from '../engine/pool/crash.js';
import { engineFailure, ZfsError, poolError } from './errors.js';
import { DslView } from '../engine/datasets/view.js';
import { dropPoolKeys, saveKey } from './crypto/keystore.js';
import { applyCrypt, hasEncryptionProps, planCrypt, type CryptPlan } from './crypto/create.js';
import type { KeyIo } from './crypto/material.js';
import type { Home } from './home.js';
import { beingCreated, busyCreating, clearInterruptedCreate, createMarkerOf, discardBuild, forgetCreateMarkers, takeCreateMarker } from './create-marker.js';
import { checkPoolName, isUserPropName } from './names.js';
import { homeAction, makeDir, unusableDir } from './host-dirs.js';
import { metadataPathOf, PoolHandle } from './pool-handle.js';
import { withPool } from './session.js';
import { applyPoolVersion, newFilesystem, validateNewProps } from './datasets/create.js';
import { isNoLimit } from './datasets/versions.js';
import { PoolPropertyError, validatePoolAssignment, type PoolStats } from './pool-props.js';
import { FEATURE_TABLE, SPA_VERSION_FEATURES, withDependencies } from './features.js';
import { featuresInUse, isFeatureEnabled, isFeaturePool, loadCompatForCommand, poolVersion } from './pool-features.js';
import type { PoolMeta } from '../engine/model.js';
import type { HistoryRecord } from '../engine/model.js';
import { parseVdevSpec } from './vdev-spec.js';
import { vdevStatus } from './vdev-status.js';
import { allLeaves } from '../engine/pool/vdevs/config.js';
import { createTreePool } from './pool-create-tree.js';

export const MIN_DEVICE = 64 * 1024 * 1024;
export const DEFAULT_POOL_SIZE = 1024 * 1024 * 1024;

export interface CreatePoolOptions {
  image?: string;
  /** a vdev specification other than one image (vdev-spec.ts): several devices, mirror, raidz,
   *  classes, or an ashift other than 12 */
  vdevs?: string[];
  size?: number;
  force: boolean;
  /** -d: create with every feature disabled */
  noFeatures?: boolean;
  /** -n: check everything, create nothing */
  dryRun?: boolean;
  fsProps: Array<[string, string]>;
  /** where an encrypted root dataset's key is read from when keylocation=prompt */
  keyIo?: KeyIo | null;
  poolProps: Array<[string, string]>;
  /** where OpenZFS's warnings go (stderr) */
  warn?: (line: string) => void;
}

/**
 * `zpool create -o` assignments, checked as zpool_do_create and zpool_valid_proplist() do at
 * creation, and the features the pool starts with: every one the compatibility set allows (none
 * with -d or a legacy `version`), minus `feature@x=disabled`, plus `feature@x=enabled` and what
 * those depend on. Stored: `version` for a legacy pool, `feature@x=disabled` for each feature off.
 */
function validatePoolProps(action: string, props: Array<[string, string]>, noFeatures: boolean, warn: (line: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  const given = new Map<string, string>();
  for (const [name, value] of props) {
    // add_prop_list(): feature@ and version exclude each other; version allows only legacy compatibility.
    const hasVersion = given.has('version') || name === 'version';
    if ((name.startsWith('feature@') && given.has('version')) || (name === 'version' && [...given.keys()].some((k) => k.startsWith('feature@')))) {
      throw new ZfsError(["'feature@' and 'version' properties cannot be specified together"]);
    }
    const compat = name === 'compatibility' ? value : given.get('compatibility');
    if (hasVersion && compat !== undefined && compat !== 'legacy') {
      throw new ZfsError(["when 'version' is specified, the 'compatibility' feature may only be set to 'legacy'"]);
    }
    try {
      const [canonical, stored] = validatePoolAssignment(name, value, 'create');
      given.set(canonical, stored);
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(action, err.message);
      throw err;
    }
  }
  const version = given.has('version') ? Number(given.get('version')) : SPA_VERSION_FEATURES;
  const compat = loadCompatForCommand(given.get('compatibility'));
  if (compat.message) warn(compat.message);
  if (!compat.ok) throw new ZfsError([], 1);
  const enableAll = !noFeatures && version >= SPA_VERSION_FEATURES;
  const enabled = new Set<string>();
  for (const f of FEATURE_TABLE) {
    const asked = given.get(`feature@${f.name}`);
    if (asked === 'enabled') {
      if (!compat.features.has(f.name)) warn(`Warning: feature "${f.name}" enabled but is not in specified 'compatibility' feature set.`);
      for (const d of withDependencies(f.name)) enabled.add(d);
    } else if (asked === undefined && enableAll && compat.features.has(f.name)) {
      for (const d of withDependencies(f.name)) enabled.add(d);
    }
  }
  for (const [name, value] of given) if (!name.startsWith('feature@') && name !== 'version') storePoolProperty(out, name, value);
  if (version < SPA_VERSION_FEATURES) out.version = String(version);
  else for (const f of FEATURE_TABLE) if (!enabled.has(f.name)) out[`feature@${f.name}`] = 'disabled';
  return out;
}

/** Whether `zpool create ... VDEV...` needs a pool of devices rather than the one image. */
export function needsVdevTree(vdevs: string[], poolProps: Array<[string, string]>): boolean {
  const ashift = poolProps.find(([k]) => k === 'ashift')?.[1];
  return vdevs.length > 1 || (vdevs.length === 1 && !vdevs[0].startsWith('/')) || (ashift !== undefined && ashift !== '0' && ashift !== '12');
}

/** Returns the image's path (with -n, the one that would be used; for a pool of devices, the
 *  layout `-n` prints). */
export function createPool(home: Home, name: string, opts: CreatePoolOptions, history: string): string {
  const action = `cannot create '${name}'`;
  const bad = checkPoolName(name, true);
  if (bad) {
    const hint = name.includes('/') ? ["use 'zfs create' to create a dataset"] : bad === 'name must begin with a letter' ? ['pool name may have been omitted'] : [];
    throw ZfsError.action(action, bad, ...hint);
  }
  if (home.find(name)) throw poolError(action, 'EEXIST');
  const props = validateNewProps(action, opts.fsProps);
  const poolProps = validatePoolProps(action, opts.poolProps, opts.noFeatures ?? false, opts.warn ?? (() => {}));
  // zfs_crypto_create for the root dataset: the feature is on unless -d, -o version or -o feature@ left it off.
  const noEncryption = poolProps['feature@encryption'] === 'disabled' || poolProps.version !== undefined;
  if (noEncryption && hasEncryptionProps(props)) throw ZfsError.action(action, 'Encryption feature not enabled.');
  const crypt = opts.dryRun ? null : planCrypt(null, props, null, opts.keyIo ?? null, action);
  const keep = (poolGuid: string, rootGuid: string) => {
    if (crypt?.kind === 'root') saveKey(home, poolGuid, rootGuid, crypt.wrapping);
  };
  if (opts.vdevs) {
    const spec = parseVdevSpec(opts.vdevs);
    if (!opts.dryRun && opts.vdevs.includes(home.defaultImage(name))) makeDir(home.dir, homeAction(home.dir));
    const tree = { name, spec, size: opts.size ?? DEFAULT_POOL_SIZE, force: opts.force, dryRun: opts.dryRun ?? false, props, poolProps, history, crypt, keep };
    return createTreePool(home, tree) ?? spec.tops[0].children[0];
  }
  const image = path.resolve(opts.image ?? home.defaultImage(name));
  const dirAction = opts.image === undefined ? homeAction(home.dir) : `cannot use '${image}'`;
  const badDir = unusableDir(path.dirname(image), true);
  if (badDir) throw ZfsError.action(dirAction, badDir);
  clearInterruptedCreate(home, action, image);
  let size = opts.size ?? DEFAULT_POOL_SIZE;
  // An image is never reached through a symlink (Image opens with O_NOFOLLOW / O_EXCL).
  if (fs.lstatSync(image, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw ZfsError.action(`cannot use '${image}'`, 'must be a block device or regular file');
  }
  if (fs.existsSync(image)) {
    // Another create began building it since the markers were cleared.
    if (beingCreated(image)) throw busyCreating(action, image);
    const stat = fs.statSync(image);
    if (!stat.isFile()) throw ZfsError.action(`cannot use '${image}'`, 'must be a block device or regular file');
    size = stat.size;
    const label = Image.readLabel(image);
    const owner = label ? home.pools().find((p) => path.resolve(p.image) === image) : undefined;
    // A create of the same name that registered since the name was checked above won the race.
    if (owner?.name === name) throw poolError(action, 'EEXIST');
    if (label && (owner || !opts.force)) {
      throw new ZfsError([
        'invalid vdev specification',
        owner ? 'the following errors must be manually repaired:' : "use '-f' to override the following errors:",
        `${image} is part of ${owner ? 'active' : 'exported'} pool '${label.pool}'`,
      ]);
    }
  }
  if (size < MIN_DEVICE) throw ZfsError.action(action, 'one or more devices is less than the minimum size (64M)');
  if (opts.dryRun) return image;
  makeDir(path.dirname(image), dirAction);
  const marker = takeCreateMarker(action, image, { pid: process.pid, fresh: !fs.existsSync(image) });
  try {
    buildPool(action, name, image, size, props, poolProps, history, crypt, keep);
    crashPoint('create-built');
    // Registering is the commit point: before it, the marker makes a retry start afresh.
    if (!home.add({ name, image })) throw poolError(action, 'EEXIST');
    crashPoint('create-registered');
  } catch (err) {
    // A failed create leaves nothing behind (a killed one leaves the marker, for the retry).
    discardBuild(image, marker.fresh);
    fs.rmSync(createMarkerOf(image), { force: true });
    throw err;
  }
  fs.rmSync(createMarkerOf(image), { force: true });
  return image;
}

/** The image, its metadata with the root dataset, pool properties and the history line. */
function buildPool(
  action: string,
  name: string,
  image: string,
  size: number,
  props: ReturnType<typeof validateNewProps>,
  poolProps: Record<string, string>,
  history: string,
  crypt: CryptPlan | null,
  keep: (poolGuid: string, rootGuid: string) => void,
): void {
  const metadata = metadataPathOf(image);
  for (const stale of [metadata, `${metadata}-lock`]) fs.rmSync(stale, { force: true });
  let pool: Pool;
  try {
    pool = Pool.create(name, image, metadata, size);
  } catch (err) {
    throw engineFailure(action, err);
  }
  try {
    PoolHandle.over(name, image, pool).change(history, (c) => {
      c.tx.meta.props = poolProps;
      // The root filesystem's version is what the pool's version allows (zfs_fill_zplprops_impl).
      applyPoolVersion(c.tx.meta, props, action);
      c.tx.meta.rootDir = newFilesystem(c, null, name, props);
      if (crypt) applyCrypt(c, c.tx.meta.rootDir, undefined, crypt, action);
    });
    keep(pool.meta().guid, new DslView(pool.t).head(pool.meta().rootDir).guid);
  } finally {
    pool.close();
  }
}

export function destroyPool(home: Home, name: string): void {
  const entry = home.find(name);
  if (!entry) throw poolError(`cannot open '${name}'`, 'ENOENT');
  const guid = Image.readLabel(entry.image)?.guid;
  if (guid) dropPoolKeys(home, guid);
  home.remove(name);
  forgetCreateMarkers(path.resolve(entry.image));
  // The other devices of a pool of several lose their labels too: they are free to use again.
  const tree = Image.readLabel(entry.image)?.tree;
  for (const leaf of tree ? allLeaves(tree) : []) if (leaf.path !== path.resolve(entry.image)) discardBuild(leaf.path, false);
  // An image tszfs made in its home goes with the pool; one the user supplied stays, unlabelled.
  discardBuild(path.resolve(entry.image), path.resolve(entry.image) === path.resolve(home.defaultImage(name)));
}

/** A pool as `zpool list` counts it (the package API's PoolInfo). */
export interface PoolSummary {
  /** the pool's name */
  name: string;
  /** the image file's path (the first device of a pool of several) */
  image: string;
  /** the pool's guid (`zpool get guid`), as a decimal string */
  guid: string;
  /** bytes */
  size: number;
  /** bytes allocated (`zpool list`'s ALLOC) */
  allocated: number;
  /** bytes not allocated (`zpool list`'s FREE) */
  free: number;
  /** the last transaction group committed */
  txg: number;
}

export function poolSummary(h: PoolHandle): PoolSummary {
  const meta = h.pool.meta();
  return {
    name: h.name,
    image: h.image,
    guid: meta.guid,
    size: meta.imageBytes,
    allocated: meta.allocated,
    free: meta.imageBytes - meta.allocated,
    txg: meta.txg,
  };
}

/** The numbers pool properties are computed from. */
export function poolStats(h: PoolHandle): PoolStats {
  const meta = h.pool.meta();
  const tree = meta.vdevs && h.pool.image.tree;
  const health = tree ? vdevStatus(h.name, meta.vdevs!, tree, {}, { read: 0, write: 0, cksum: 0 }).state : 'ONLINE';
  let inUse: Set<string> | undefined;
  return {
    name: h.name, guid: meta.guid, size: meta.imageBytes, allocated: meta.allocated, health, txg: meta.txg,
    // Read only when a feature@ property asks (zpool list and most gets never do).
    get featuresInUse() {
      return (inUse ??= poolFeaturesInUse(h, meta));
    },
  };
}

/** Which features the pool's datasets and bookmarks use: one pass over the dataset and dir records. */
export function poolFeaturesInUse(h: PoolHandle, meta: PoolMeta = h.pool.meta()): Set<string> {
  const t = h.pool.t;
  const datasetFeatures = [...t.datasets.getRange({})].map((e) => e.value.features);
  const dirs = [...t.dirs.getRange({})].map((e) => e.value);
  const bookmarks = dirs.some((d) => (d.bookmarks?.length ?? 0) > 0);
  const inUse = featuresInUse(meta, { datasetFeatures, bookmarks });
  // dsl_dir_activate_fs_ss_limit: a limit set anywhere keeps filesystem_limits active.
  if (dirs.some((d) => !isNoLimit(d.props.filesystem_limit) || !isNoLimit(d.props.snapshot_limit))) inUse.add('filesystem_limits');
  return inUse;
}

/** spa_sync_props(): an empty string removes a pool user property; any other value is stored. */
function storePoolProperty(props: Record<string, string>, name: string, value: string): void {
  if (value === '' && isUserPropName(name)) delete props[name];
  else props[name] = value;
}

/**
 * `zpool set prop=value pool`, logged in the pool's history. Warnings and zpool_main's own
 * refusals (set_pool_callback) go to `warn`, as OpenZFS prints them on stderr.
 */
export function setPoolProperty(home: Home, name: string, prop: string, value: string, history: string, warn: (line: string) => void = () => {}): void {
  withPool(home, name, (h) => {
    const action = `cannot set property for '${name}'`;
    const before = h.pool.meta();
    if (prop === 'compatibility') {
      const set = loadCompatForCommand(value);
      if (set.message) warn(set.message);
      if (!set.ok) throw new ZfsError([], 1);
      if (FEATURE_TABLE.some((f) => isFeatureEnabled(before, f.name) && !set.features.has(f.name))) {
        warn(`Warning: one or more features already enabled on pool '${name}'\nare not present in this compatibility set.`);
      }
    }
    if (prop.startsWith('feature@') && value === 'enabled') {
      const fname = prop.slice('feature@'.length);
      if (FEATURE_TABLE.some((f) => f.name === fname)) {
        const set = loadCompatForCommand(before.props.compatibility);
        if (!set.ok) {
          warn(`Error: cannot enable feature '${fname}' on pool '${name}'\nbecause the pool's 'compatibility' property cannot be parsed.`);
          throw new ZfsError([], 1);
        }
        if (!set.features.has(fname)) {
          warn(
            `Error: cannot enable feature '${fname}' on pool '${name}'\nas it is not specified in this pool's current compatibility set.\n` +
              "Consider setting 'compatibility' to a less restrictive set, or to 'off'.",
          );
          throw new ZfsError([], 1);
        }
      }
    }
    let stored: [string, string];
    try {
      stored = validatePoolAssignment(prop, value, 'set', poolVersion(before));
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(action, err.message);
      throw err;
    }
    h.change(history, (c) => {
      const meta = c.tx.meta;
      const [canonical, v] = stored;
      if (canonical === 'version') {
        // spa_prop_validate: only a legacy pool moves, and only to a newer legacy version.
        if (Number(v) < poolVersion(meta) || Number(v) > 28) throw ZfsError.action(action, 'invalid argument for this pool operation');
        if (Number(v) !== poolVersion(meta)) meta.props.version = v;
      } else if (canonical.startsWith('feature@')) enableFeature(meta, canonical.slice('feature@'.length));
      else storePoolProperty(meta.props, canonical, v);
    });
  });
}

/** spa_prop_set / feature_enable_sync: a legacy pool becomes a feature-flags pool with none
 *  enabled; then the feature and its dependencies are enabled. */
function enableFeature(meta: PoolMeta, fname: string): void {
  if (!isFeaturePool(meta)) {
    delete meta.props.version;
    for (const f of FEATURE_TABLE) meta.props[`feature@${f.name}`] = 'disabled';
  }
  for (const d of withDependencies(fname)) delete meta.props[`feature@${d}`];
}

/** `zpool upgrade`: to a newer legacy version, or to feature flags with every allowed feature
 *  enabled. Returns the features it enabled, in table order. */
export function upgradePool(h: PoolHandle, version: number, history: string): { from: number; enabled: string[] } {
  let result = { from: 0, enabled: [] as string[] };
  h.change(history, (c) => {
    const meta = c.tx.meta;
    const from = poolVersion(meta);
    const enabled: string[] = [];
    if (version < SPA_VERSION_FEATURES) {
      if (version > from) meta.props.version = String(version);
    } else {
      if (from < SPA_VERSION_FEATURES) {
        // spa_upgrade to SPA_VERSION_FEATURES: the pool starts with every feature disabled.
        delete meta.props.version;
        for (const f of FEATURE_TABLE) meta.props[`feature@${f.name}`] = 'disabled';
      }
      const allowed = loadCompatForCommand(meta.props.compatibility).features;
      for (const f of FEATURE_TABLE) {
        if (allowed.has(f.name) && meta.props[`feature@${f.name}`] === 'disabled') {
          delete meta.props[`feature@${f.name}`];
          enabled.push(f.name);
        }
      }
    }
    result = { from, enabled };
  });
  return result;
}

/** The pool's history records, oldest first. */
export function poolHistory(h: PoolHandle): HistoryRecord[] {
  return [...h.pool.t.history.getRange({})].map((e) => e.value);
}
