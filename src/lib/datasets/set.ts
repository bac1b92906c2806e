/**
 * `zfs set prop=value... DATASET...`: zfs_for_each opens every operand first (reporting the
 * ones it cannot open), then sets the properties of each dataset in sort order; all the datasets
 * of one pool change in one transaction (session.ts changeEachTarget), a refused one changing nothing.
 */
import type { DirRecord, PoolMeta } from '../../engine/model.js';
import { firstNeedingUpgrade, versionRefusal } from './versions.js';
import { isSpaceLimit, limitRefusal, setLimit, type SpaceLimit } from '../../engine/datasets/space.js';
import type { Id, SnapshotRecord } from '../../engine/model.js';
import { isUserquotaProp } from '../userspace.js';
import { ZfsError, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { compareDefault } from '../listing.js';
import { checkDatasetName } from '../names.js';
import { PoolHandle, poolNameOf, type Change, type DatasetKind } from '../pool-handle.js';
import { changeEachTarget, withPoolsOpenedOnce } from '../session.js';
import { checkUserValues, PropertyError, validateAssignment } from '../properties/assign.js';
import { applyVolumeValues, badVolsize, volumeBlocksize } from './volsize.js';
import { mountsAfterSet } from './mounts.js';

interface Target {
  name: string;
  pool: string;
  kind: DatasetKind;
  createTxg: number;
  /** a volume's volblocksize, which a new volsize must be a multiple of */
  volblocksize?: number;
}

/**
 * Returns the exit status: 255 when a dataset's properties could not be set (set_callback
 * returns libzfs' -1, which zfs_for_each ORs into its result), else 1 when an operand could
 * not be opened, else 0. Every message goes through `onError`.
 */
export function setProperties(
  home: Home,
  assignments: ReadonlyArray<[string, string]>,
  datasets: readonly string[],
  history: string,
  onError: (line: string) => void,
  /** `-u`: mount and share nothing, unmount nothing (lib/datasets/mounts.ts) */
  noMount = false,
): number {
  return withPoolsOpenedOnce(home, (poolOf) => {
    let status = 0;
    const targets = new Map<string, Target>();
    for (const name of datasets) {
      const error = openTarget(name, poolOf, targets);
      if (error !== null) {
        onError(error);
        status = 1;
      }
    }
    // Validate every dataset's assignments first: zfs_main logs the command line only when the
    // whole command succeeded, and validation is where a set fails.
    const valid: Array<Target & { values: Record<string, string> }> = [];
    for (const t of [...targets.values()].sort(compareDefault)) {
      try {
        valid.push({ ...t, values: validateAll(t, assignments) });
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        for (const line of err.lines) onError(line);
        status = 255;
      }
    }
    const refused = changeEachTarget(valid, poolOf, history, status !== 0, onError, (h, c, t) =>
      writeAll(h, c, t, { ...t.values }, assignments.length > 0, noMount),
    );
    return refused ? 255 : status;
  });
}

/** zfs_open(name, ZFS_TYPE_DATASET): the error line, or null once `name` is in `targets`. */
function openTarget(name: string, poolOf: (pool: string) => PoolHandle | null, targets: Map<string, Target>): string | null {
  const action = `cannot open '${name}'`;
  const bad = checkDatasetName(name, ['filesystem', 'snapshot'], false);
  if (bad !== null) return `${action}: ${bad}`;
  const h = poolOf(poolNameOf(name));
  const r = h?.resolve(h.view(), name);
  if (!h || !r) return `${action}: dataset does not exist`;
  const volblocksize = r.kind === 'volume' ? volumeBlocksize(h, r) : undefined;
  targets.set(name, { name, pool: h.name, kind: r.kind, createTxg: r.ds.createTxg, volblocksize });
  return null;
}

/** The canonical values of every assignment for this dataset, or the first failure. */
function validateAll(t: Target, assignments: ReadonlyArray<[string, string]>): Record<string, string> {
  const values: Record<string, string> = {};
  try {
    for (const [name, value] of assignments) {
      const v = validateAssignment(name, value, t.kind);
      const bad = v.name === 'volsize' && t.volblocksize !== undefined ? badVolsize(v.value, t.volblocksize) : null;
      if (bad) throw new PropertyError(bad);
      values[v.name] = v.value;
    }
    checkUserValues(values);
  } catch (err) {
    if (err instanceof PropertyError) throw ZfsError.action(`cannot set property for '${t.name}'`, err.message);
    throw err;
  }
  return values;
}

/** Write one dataset's values inside the command's transaction (`values` is changed). */
function writeAll(h: PoolHandle, c: Change, t: Target, values: Record<string, string>, any: boolean, noMount: boolean): void {
  const action = `cannot set property for '${t.name}'`;
  // `zfs set tank a=b` sets nothing on tank (zfs_do_set's argument-order quirk).
  if (!any) return;
  const r = h.resolve(c.dsl, t.name);
  if (!r) throw datasetError(action, 'ENOENT');
  checkPoolVersion(c.tx.meta, c.dsl.dir(r.dir), values, action);
  checkCryptSettable(c.dsl.dir(r.dir), values, action);
  if (r.kind === 'volume') applyVolumeValues(h, c, r, values, action);
  // A snapshot keeps its own (user) properties; a filesystem's live in its dir.
  if (r.kind === 'snapshot') Object.assign((c.dsl.ds(r.ds.id) as SnapshotRecord).props, values);
  else {
    const remount = noMount ? () => undefined : mountsAfterSet(c, r.dir, values);
    assignProperties(c, r.dir, values, (prop) => ZfsError.action(action, SET_LIMIT_REFUSED[prop]));
    remount();
  }
}

/** A quota per owner (`userquota@1000`, validated): 0 removes it. A quota may be set below what
 *  the owner already uses, as in ZFS: only later changes that charge the owner more are refused. */
function setOwnerQuota(dir: DirRecord, key: string, value: number): void {
  const quotas = { ...dir.quotas };
  if (value === 0) delete quotas[key];
  else quotas[key] = value;
  if (Object.keys(quotas).length) dir.quotas = quotas;
  else delete dir.quotas;
}

/** What the pool's version and features refuse (zfs_valid_proplist, zfs_check_settable, zfs_set_version). */
function checkPoolVersion(meta: PoolMeta, dir: DirRecord, values: Record<string, string>, action: string): void {
  if (values.version !== undefined) {
    const refusal = versionRefusal(meta, dir, Number(values.version));
    if (refusal !== null && refusal !== 'upgrade-pool') throw ZfsError.action(action, `Can not downgrade; already at version ${refusal.downgrade}`);
    if (refusal === 'upgrade-pool') throw ZfsError.action(action, 'pool and or dataset must be upgraded to set this property or value');
  }
  if (firstNeedingUpgrade(meta, values) !== null) throw ZfsError.action(action, 'pool and or dataset must be upgraded to set this property or value');
}

/** zfs_valid_proplist's checks of keylocation and copies against the dataset's encryption, and
 *  the kernel's EACCES for keylocation on a dataset that is not an encryption root. */
function checkCryptSettable(dir: DirRecord, values: Record<string, string>, action: string): void {
  const crypt = dir.crypt;
  const keylocation = values.keylocation;
  if (keylocation !== undefined) {
    if (!crypt && keylocation !== 'none') throw ZfsError.action(action, "keylocation must be 'none' for unencrypted datasets");
    if (crypt && keylocation === 'none') throw ZfsError.action(action, "keylocation must not be 'none' for encrypted datasets");
    if (crypt && crypt.root !== dir.id) throw ZfsError.action(action, 'keylocation may only be set on encryption roots');
  }
  if (crypt && values.copies === '3') throw ZfsError.action(action, 'encrypted datasets cannot have 3 copies');
}

/** zfs_setprop_error's words for ENOSPC: setting a limit uses no space, so it means this. */
const SET_LIMIT_REFUSED: Record<SpaceLimit, string> = {
  quota: 'size is less than current used or reserved space',
  refquota: 'size is less than current used or reserved space',
  reservation: 'size is greater than available space',
  refreservation: 'size is greater than available space',
};

/**
 * Store a filesystem's validated property values in order. A quota or reservation first passes
 * the kernel's check against the space as the earlier values left it, then moves the space it
 * reserves; a refused one throws `refused(prop)`.
 */
export function assignProperties(c: Change, dirId: Id, values: Record<string, string>, refused: (prop: SpaceLimit) => ZfsError): void {
  const usable = c.tx.usableBytes();
  for (const [name, value] of Object.entries(values)) {
    if (isUserquotaProp(name)) setOwnerQuota(c.dsl.dir(dirId), name, Number(value));
    else if (!isSpaceLimit(name)) c.dsl.dir(dirId).props[name] = value;
    else if (limitRefusal(c.dsl, dirId, name, Number(value), usable) !== null) throw refused(name);
    else setLimit(c.dsl, dirId, name, Number(value));
  }
}
