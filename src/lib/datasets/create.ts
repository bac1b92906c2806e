/** `zfs create [-p] [-o prop=val]... FS` and `zfs create [-ps] [-b blocksize] [-o prop=val]... -V size VOL` */
import type { PoolMeta } from '../../engine/model.js';
import { firstNeedingUpgrade, newFilesystemVersion } from './versions.js';
import { createFilesystem as createInDsl } from '../../engine/datasets/create.js';
import type { VolumeGeometry } from '../../engine/files/volume.js';
import type { Id } from '../../engine/model.js';
import { ZfsError, datasetError, engineFailure, poolError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import type { Change, PoolHandle } from '../pool-handle.js';
import { headKind, poolNameOf } from '../pool-handle.js';
import { checkUserValues, PropertyError, validateAssignment } from '../properties/assign.js';
import type { DatasetType } from '../properties/table.js';
import { withPoolOf } from '../session.js';
import { assignProperties } from './set.js';
import { newObjset, newVolumeObjset } from '../../engine/sync-task.js';
import type { CryptSuite } from '../../engine/keys.js';
import { applyCrypt, inheritParentCrypt, planCrypt } from '../crypto/create.js';
import { saveKey } from '../crypto/keystore.js';
import type { KeyIo } from '../crypto/material.js';

export interface CreateOptions {
  parents: boolean;
  props: Array<[string, string]>;
  /** -u: the new filesystem is not mounted */
  noMount?: boolean;
  /** where a new encryption root's key is read from when keylocation=prompt (standard input) */
  keyIo?: KeyIo | null;
}

/** Validate `-o` assignments for a new filesystem (or volume); `action` prefixes the message. */
export function validateNewProps(action: string, props: Array<[string, string]>, type: DatasetType = 'filesystem'): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const [name, value] of props) {
      const v = validateAssignment(name, value, type, true);
      out[v.name] = v.value;
    }
    checkUserValues(out);
  } catch (err) {
    if (err instanceof PropertyError) throw ZfsError.action(action, err.message);
    throw err;
  }
  return out;
}

export function createFilesystem(home: Home, name: string, opts: CreateOptions, history: string): void {
  const action = `cannot create '${name}'`;
  const bad = checkDatasetName(name, ['filesystem'], true);
  if (bad) throw ZfsError.action(action, bad);
  const props = validateNewProps(action, opts.props);
  withPoolOf(
    home,
    name,
    (h) => {
      if (!name.includes('/')) throw ZfsError.action(action, 'missing dataset name');
      const plan = planCrypt(h.pool.meta(), props, parentSuite(h, name), opts.keyIo ?? null, action);
      const root = h.change(history, (c) => {
        if (alreadyThere(h, c, name, 'filesystem', opts.parents, action)) return null;
        // The metadata allocation of a new filesystem needs pool space (ENOSPC: out of space).
        try {
          const parent = ensureParent(h, c, name, opts.parents, action);
          applyPoolVersion(c.tx.meta, props, action);
          const dir = newFilesystem(c, parent, name.slice(name.lastIndexOf('/') + 1), {});
          applyCrypt(c, dir, c.dsl.dir(parent).crypt, plan, action);
          assignProperties(c, dir, props, () => datasetError(action, 'ENOSPC'));
          // zfs_do_create skips zfs_mount_and_share.
          if (opts.noMount) c.dsl.dir(dir).mounted = false;
          return c.dsl.head(dir).guid;
        } catch (err) {
          throw engineFailure(action, err);
        }
      });
      if (plan.kind === 'root' && root !== null) saveKey(home, h.pool.meta().guid, root, plan.wrapping);
    },
    () => {
      throw ZfsError.action(action, `no such pool '${poolNameOf(name)}'`);
    },
  );
}

/**
 * `zfs create -n`: all a dry run checks (zfs_do_create): the pool opens, and the properties are
 * valid for the type, worded `cannot verify 'NAME'`. The name itself is not looked at.
 */
export function verifyCreate(home: Home, name: string, type: 'filesystem' | 'volume', props: Array<[string, string]>, size?: bigint, blocksize?: string): void {
  const pool = name.split('/', 1)[0];
  withPoolOf(
    home,
    pool,
    () => {
      const given: Array<[string, string]> = [...props];
      if (size !== undefined) given.push(['volsize', String(size)]);
      if (blocksize !== undefined) given.push(['volblocksize', blocksize]);
      validateNewProps(`cannot verify '${name}'`, given, type);
    },
    () => {
      throw poolError(`cannot open '${pool}'`, 'ENOENT');
    },
  );
}

/** zfs_dataset_exists(NAME, TYPE): a filesystem or volume of that type by that name. */
export function datasetExists(home: Home, name: string, type: 'filesystem' | 'volume'): boolean {
  return withPoolOf(
    home,
    name,
    (h) => {
      const view = h.view();
      const dir = h.findDir(view, name);
      return dir !== undefined && headKind(view, dir) === type;
    },
    () => false,
  );
}

/** The suite of the nearest existing ancestor of `name` (libzfs: the parent's `encryption`), or
 *  null when it is not encrypted. */
function parentSuite(h: PoolHandle, name: string): CryptSuite | null {
  const view = h.view();
  const parts = name.split('/');
  let dir = h.rootDir();
  for (let i = 1; i < parts.length - 1; i++) {
    const child = view.childDir(dir, parts[i]);
    if (child === undefined) break;
    dir = child;
  }
  return view.dir(dir).crypt?.suite ?? null;
}

/** Whether `name` exists: with -p, as the type being created it is done (zfs_dataset_exists);
 *  anything else there is an error. */
function alreadyThere(h: PoolHandle, c: Change, name: string, type: 'filesystem' | 'volume', parents: boolean, action: string): boolean {
  const dir = h.findDir(c.dsl, name);
  if (dir === undefined) return false;
  if (parents && headKind(c.dsl, dir) === type) return true;
  throw datasetError(action, 'EEXIST');
}

/** The parent dir of `name`, creating missing ancestors when `parents` (zfs create -p). The
 *  nearest existing one must be a filesystem (check_parents): a volume has no children. */
export function ensureParent(h: PoolHandle, c: Change, name: string, parents: boolean, action: string): Id {
  const parts = name.split('/');
  let dir = h.rootDir();
  for (let i = 1; i < parts.length - 1; i++) {
    const child = c.dsl.childDir(dir, parts[i]);
    if (child !== undefined) dir = child;
    else if (!parents) throw ZfsError.action(action, 'parent does not exist');
    else if (headKind(c.dsl, dir) === 'volume') throw ZfsError.action(action, 'parent is not a filesystem');
    else {
      dir = newFilesystem(c, dir, parts[i], {});
      inheritParentCrypt(c, dir, action);
    }
  }
  if (headKind(c.dsl, dir) === 'volume') throw ZfsError.action(action, 'parent is not a filesystem');
  return dir;
}

/** zfs_check_settable / zfs_fill_zplprops_impl at create: values the pool cannot take are
 *  refused (ENOTSUP); `version` becomes what the pool allows when not asked. */
export function applyPoolVersion(meta: PoolMeta, props: Record<string, string>, action: string): void {
  const version = newFilesystemVersion(meta, props.version);
  if (firstNeedingUpgrade(meta, props) !== null || version === null) {
    throw ZfsError.action(action, 'pool must be upgraded to set this property or value');
  }
  if (version === '5') delete props.version;
  else props.version = version;
}

export function newFilesystem(c: Change, parent: Id | null, name: string, props: Record<string, string>): Id {
  const ids = { dir: c.tx.newId(), head: c.tx.newId() };
  createInDsl(c.dsl, parent, name, props, newObjset(c), ids);
  return ids.dir;
}

/** ZVOL_DEFAULT_BLOCKSIZE: the default volblocksize, and the smallest that wastes no space. */
export const DEFAULT_VOLBLOCKSIZE = 16384;

export interface VolumeOptions extends CreateOptions {
  /** -V: bytes, rounded up to a multiple of the block size */
  size: bigint;
  /** -b: the block size as given (it is checked as `volblocksize` is) */
  blocksize?: string;
  /** -s: no refreservation */
  sparse: boolean;
  /** zfs_main's warnings on standard error, which do not stop the command */
  warn: (lines: string[]) => void;
}

/**
 * `zfs create -V`, in zfs_do_create's order: the pool opens first, the properties are checked,
 * volsize is rounded up to the block size and (unless -s) refreservation set to it; then
 * zfs_create checks the name, the parent and volsize.
 */
export function createVolume(home: Home, name: string, opts: VolumeOptions, history: string): void {
  const action = `cannot create '${name}'`;
  withPoolOf(
    home,
    name,
    (h) => {
      const given: Array<[string, string]> = [...opts.props, ['volsize', String(opts.size)]];
      if (opts.blocksize !== undefined) given.push(['volblocksize', opts.blocksize]);
      const props = validateNewProps(action, given, 'volume');
      // The data object carries volsize and volblocksize; the dir keeps the other properties.
      const blocksize = Number(props.volblocksize ?? DEFAULT_VOLBLOCKSIZE);
      const bytes = BigInt(props.volsize);
      delete props.volsize;
      delete props.volblocksize;
      if (blocksize < DEFAULT_VOLBLOCKSIZE) {
        opts.warn([
          `Warning: volblocksize (${blocksize}) is less than the default minimum block size (${DEFAULT_VOLBLOCKSIZE}).`,
          `To reduce wasted space a volblocksize of ${DEFAULT_VOLBLOCKSIZE} is recommended.`,
        ]);
      }
      const rounded = ((bytes + BigInt(blocksize) - 1n) / BigInt(blocksize)) * BigInt(blocksize);
      // tszfs counts no metadata beyond the one allocation a volume gets at creation, so the
      // reservation zvol_volsize_to_reservation() makes is volsize.
      if ((!opts.sparse && props.refreservation === undefined) || props.refreservation === 'auto') props.refreservation = String(rounded);
      const bad = checkDatasetName(name, ['filesystem'], true);
      if (bad) throw ZfsError.action(action, bad);
      if (!name.includes('/')) throw ZfsError.action(action, 'missing dataset name');
      const plan = planCrypt(h.pool.meta(), props, parentSuite(h, name), opts.keyIo ?? null, action);
      const root = h.change(history, (c) => {
        if (alreadyThere(h, c, name, 'volume', opts.parents, action)) return null;
        try {
          const parent = ensureParent(h, c, name, opts.parents, action);
          if (rounded === 0n) throw ZfsError.action(action, 'volume size cannot be zero');
          if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) throw ZfsError.action(action, 'volume size exceeds limit for this system');
          const dir = newVolume(c, parent, name.slice(name.lastIndexOf('/') + 1), {}, { size: Number(rounded), blocksize });
          applyCrypt(c, dir, c.dsl.dir(parent).crypt, plan, action);
          assignProperties(c, dir, props, () => datasetError(action, 'ENOSPC'));
          return c.dsl.head(dir).guid;
        } catch (err) {
          throw engineFailure(action, err);
        }
      });
      if (plan.kind === 'root' && root !== null) saveKey(home, h.pool.meta().guid, root, plan.wrapping);
    },
    () => {
      throw poolError(`cannot open '${poolNameOf(name)}'`, 'ENOENT');
    },
  );
}

export function newVolume(c: Change, parent: Id, name: string, props: Record<string, string>, geometry: VolumeGeometry): Id {
  const ids = { dir: c.tx.newId(), head: c.tx.newId() };
  createInDsl(c.dsl, parent, name, props, newVolumeObjset(c, geometry), ids, 'volume');
  return ids.dir;
}
