/**
 * `zfs set volsize=` on a volume: libzfs's checks for an existing volume (zfs_valid_proplist),
 * the refreservation that follows volsize (zfs_add_synthetic_resv, zfs_fix_auto_resv), and the
 * kernel's resize (zvol_set_volsize), which frees the blocks past a smaller size.
 */
import { volumeGeometryAt } from '../../engine/reading.js';
import { ZfsError } from '../errors.js';
import type { Change, PoolHandle, Resolved } from '../pool-handle.js';
import { DatasetProps } from '../properties/values.js';
import { openVolume } from '../../engine/sync-task.js';

/** The block size of a volume (for the checks made before anything changes). */
export const volumeBlocksize = (h: PoolHandle, r: Resolved): number => volumeGeometryAt(h.pool.t, r.ds.root).blocksize;

/** A block size as zfs_nicebytes prints a power of two: `512B`, `16K`, `1M`. */
function blocksizeText(bytes: number): string {
  let n = bytes;
  let unit = 0;
  for (; n >= 1024; unit++) n /= 1024;
  return `${n}${'BKM'[unit]}`;
}

/** The aux message for a volsize this volume cannot take, or null. */
export function badVolsize(volsize: string, blocksize: number): string | null {
  const size = BigInt(volsize);
  if (size % BigInt(blocksize) !== 0n) return `'volsize' must be a multiple of volume block size (${blocksizeText(blocksize)})`;
  if (size === 0n) return "'volsize' cannot be zero";
  return null;
}

/**
 * Apply `volsize` and `refreservation=auto` inside the set's transaction, and take volsize out of
 * `values` (the data object holds it). A refreservation that matched the old size follows the new
 * one, unless the same command sets it.
 */
export function applyVolumeValues(h: PoolHandle, c: Change, r: Resolved, values: Record<string, string>, action: string): void {
  const dir = c.dsl.dir(r.dir);
  const old = volumeGeometryAt(c.tx.t, r.ds.root).size;
  const size = values.volsize === undefined ? old : Number(values.volsize);
  if (values.refreservation === 'auto') values.refreservation = String(size);
  if (values.volsize === undefined) return;
  delete values.volsize;
  if (new DatasetProps(c.dsl, h.pool.meta(), r.ds).get('readonly')?.value === 'on') throw ZfsError.action(action, 'dataset is read-only');
  if (values.refreservation === undefined && Number(dir.props.refreservation ?? 0) === old) values.refreservation = String(size);
  if (size !== old) openVolume(c, r.ds.id).resize(size);
}
