/**
 * What the pool knows about its own health (ZFS: vdev_stat error counters, the scan record of
 * dsl_scan, and the persistent error log of spa_errlog.c). Readers that meet a damaged block record
 * it here in a short transaction of their own; `zpool status` reads it, `zpool scrub` rewrites the
 * scan record and rotates the log, `zpool clear` resets the counters.
 */
import type { Tables } from '../store/environment.js';
import type { Id } from '../store/records.js';

/** READ / WRITE / CKSUM of the pool's one vdev. */
export interface DeviceErrors {
  read: number;
  write: number;
  cksum: number;
}

export interface ScanRecord {
  func: 'scrub' | 'resilver';
  state: 'finished' | 'canceled';
  /** seconds since the epoch */
  start: number;
  end: number;
  /** bytes verified */
  examined: number;
  /** damaged blocks found */
  errors: number;
  /** bytes written again over bad copies (absent: none) */
  repaired?: number;
}

/** The last error scrub (`zpool scrub -e`, ZFS dsl_errorscrub_phys_t): it re-reads only the
 *  blocks of the error log. A normal scrub erases it, as dsl_scan_setup_sync does. */
export interface ErrorScrubRecord {
  func: 'errorscrub';
  state: 'finished';
  start: number;
  end: number;
  /** error log entries examined (dep_examined) */
  examined: number;
  /** damaged blocks found */
  errors: number;
}

/** One damaged block, as ZFS's error log keys it (objset, object, blkid; level is always 0 here). */
export interface ErrorLogEntry {
  dataset: Id;
  object: number;
  blockId: number;
}

// spa_errlog's two logs in one table: errors seen since the last scrub finished are `current`;
// when a scrub finishes, `last` is thrown away and `current` becomes `last`. So an error that is
// gone (the file deleted or rewritten) leaves the list after the second scrub, as in OpenZFS.
const CURRENT = 1;
const LAST = 0;

const NO_ERRORS: DeviceErrors = { read: 0, write: 0, cksum: 0 };

export function deviceErrors(t: Tables): DeviceErrors {
  return { ...NO_ERRORS, ...(t.health.get('errors') as DeviceErrors | undefined) };
}

/** The I/O each device of a pool of several did, by leaf guid (kept by Pool.close). */
export function keptDeviceIo(t: Tables): Record<string, { rops: number; wops: number; rbytes: number; wbytes: number }> {
  return (t.health.get('vdev-io') as Record<string, { rops: number; wops: number; rbytes: number; wbytes: number }> | undefined) ?? {};
}

/** The counters of each device of a pool of several, by vdev guid (kept by Pool.close). */
export function keptDeviceErrors(t: Tables): Record<string, DeviceErrors> {
  return (t.health.get('vdev-errors') as Record<string, DeviceErrors> | undefined) ?? {};
}

export function lastScan(t: Tables): ScanRecord | null {
  return (t.health.get('scan') as ScanRecord | undefined) ?? null;
}

export function lastErrorScrub(t: Tables): ErrorScrubRecord | null {
  return (t.health.get('errorscrub') as ErrorScrubRecord | undefined) ?? null;
}

export function errorLog(t: Tables): ErrorLogEntry[] {
  return [...t.errlog.getKeys({})].map((key) => {
    const [dataset, object, blockId] = key as number[];
    return { dataset, object, blockId };
  });
}

/** Count `blocks` checksum errors of the vdev and log the files they hurt (`entries`: a block
 *  shared by a head and its snapshots is one error of the device, one entry per dataset). */
export function logChecksumErrors(t: Tables, entries: ErrorLogEntry[], blocks = entries.length): void {
  if (entries.length === 0) return;
  const errors = deviceErrors(t);
  errors.cksum += blocks;
  t.health.putSync('errors', errors);
  for (const e of entries) t.errlog.putSync([e.dataset, e.object, e.blockId], CURRENT);
}

/** A scrub or an error scrub finished: record it and rotate the error log (inside a write
 *  transaction). A normal scrub erases the record of the last error scrub. */
export function finishScrub(t: Tables, scan: ScanRecord | ErrorScrubRecord, found: ErrorLogEntry[]): void {
  logChecksumErrors(t, found, scan.errors);
  for (const { key, value } of [...t.errlog.getRange({})]) {
    if (value === LAST) t.errlog.removeSync(key);
    else t.errlog.putSync(key, LAST);
  }
  if (scan.func === 'errorscrub') {
    t.health.putSync('errorscrub', scan);
  } else {
    t.health.putSync('scan', scan);
    t.health.removeSync('errorscrub');
  }
}

/** `zpool clear`: the device error counters go back to zero; the error log stays. */
export function clearDeviceErrors(t: Tables): void {
  t.health.putSync('errors', NO_ERRORS);
  t.health.removeSync('vdev-errors');
}
