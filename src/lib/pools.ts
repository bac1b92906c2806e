/** `zpool create`, `destroy`, and the numbers behind `zpool list` and `zpool status`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image } from '../engine/pool/image.js';
import { Pool } from '../engine/pool/pool.js';
import { crashPoint } from '../engine/pool/crash.js';
import { engineFailure, ZfsError, poolError } from './errors.js';
import type { Home } from './home.js';
import { beingCreated, busyCreating, clearInterruptedCreate, createMarkerOf, discardBuild, forgetCreateMarkers, takeCreateMarker } from './create-marker.js';
import { checkPoolName, isUserPropName } from './names.js';
import { homeAction, makeDir, unusableDir } from './host-dirs.js';
import { metadataPathOf, PoolHandle } from './pool-handle.js';
import { withPool } from './session.js';
import { newFilesystem, validateNewProps } from './datasets/create.js';
import { FEATURES, PoolPropertyError, validatePoolAssignment, type PoolStats } from './pool-props.js';
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
  poolProps: Array<[string, string]>;
}

/** `zpool create -o` assignments, checked as zpool_valid_proplist() does at creation. */
function validatePoolProps(action: string, props: Array<[string, string]>, noFeatures: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  // -d: every feature starts disabled; -o feature@x=enabled turns single ones back on.
  if (noFeatures) for (const [f] of FEATURES) out[`feature@${f}`] = 'disabled';
  for (const [name, value] of props) {
    try {
      const [canonical, stored] = validatePoolAssignment(name, value, 'create');
      // spa_create() stores them through spa_sync_props() too.
      storePoolProperty(out, canonical, stored);
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(action, err.message);
      throw err;
    }
  }
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
  const poolProps = validatePoolProps(action, opts.poolProps, opts.noFeatures ?? false);
  if (opts.vdevs) {
    const spec = parseVdevSpec(opts.vdevs);
    if (!opts.dryRun && opts.vdevs.includes(home.defaultImage(name))) makeDir(home.dir, homeAction(home.dir));
    const tree = { name, spec, size: opts.size ?? DEFAULT_POOL_SIZE, force: opts.force, dryRun: opts.dryRun ?? false, props, poolProps, history };
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
    buildPool(action, name, image, size, props, poolProps, history);
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
      c.tx.meta.rootDir = newFilesystem(c, null, name, props);
      c.tx.meta.props = poolProps;
    });
  } finally {
    pool.close();
  }
}

export function destroyPool(home: Home, name: string): void {
  const entry = home.find(name);
  if (!entry) throw poolError(`cannot open '${name}'`, 'ENOENT');
  home.remove(name);
  forgetCreateMarkers(path.resolve(entry.image));
  // The other devices of a pool of several lose their labels too: they are free to use again.
  const tree = Image.readLabel(entry.image)?.tree;
  for (const leaf of tree ? allLeaves(tree) : []) if (leaf.path !== path.resolve(entry.image)) discardBuild(leaf.path, false);
  // An image tszfs made in its home goes with the pool; one the user supplied stays, unlabelled.
  discardBuild(path.resolve(entry.image), path.resolve(entry.image) === path.resolve(home.defaultImage(name)));
}

export interface PoolSummary {
  name: string;
  image: string;
  guid: string;
  size: number;
  allocated: number;
  free: number;
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
  return { name: h.name, guid: meta.guid, size: meta.imageBytes, allocated: meta.allocated, health, txg: meta.txg };
}

/** spa_sync_props(): an empty string removes a pool user property; any other value is stored. */
function storePoolProperty(props: Record<string, string>, name: string, value: string): void {
  if (value === '' && isUserPropName(name)) delete props[name];
  else props[name] = value;
}

/** `zpool set prop=value pool`, logged in the pool's history. */
export function setPoolProperty(home: Home, name: string, prop: string, value: string, history: string): void {
  withPool(home, name, (h) => {
    let stored: [string, string];
    try {
      stored = validatePoolAssignment(prop, value, 'set');
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(`cannot set property for '${name}'`, err.message);
      throw err;
    }
    h.change(history, (c) => storePoolProperty(c.tx.meta.props, stored[0], stored[1]));
  });
}

/** The pool's history records, oldest first. */
export function poolHistory(h: PoolHandle): HistoryRecord[] {
  return [...h.pool.t.history.getRange({})].map((e) => e.value);
}
