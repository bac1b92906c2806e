/**
 * Pool health for the library: `zpool scrub` and `zpool clear` over the engine's scrub
 * (engine/scrub.ts), and what `zpool status` shows (ZFS: spa_log_error + vdev checksum counters).
 */
import * as path from 'node:path';
import {
  clearDeviceErrors,
  deviceErrors,
  keptDeviceErrors,
  keptDeviceIo,
  errorLog,
  finishScrub,
  lastErrorScrub,
  lastScan,
  type DeviceErrors,
  type ErrorScrubRecord,
  type ScanRecord,
} from '../engine/pool/health.js';
import { nowSeconds } from '../engine/pool/clock.js';
import { mappingMemory, removalRecord, type RemovalRecord } from '../engine/pool/removal.js';
import { errorScrub, objectName, scrub } from '../engine/scrub.js';
import { ZfsError } from './errors.js';
import { vdevStatus, type VdevStatus } from './vdev-status.js';
import { allLeaves } from '../engine/pool/vdevs/config.js';
import type { Home } from './home.js';
import type { PoolHandle } from './pool-handle.js';
import { withPool } from './session.js';

export interface PoolHealth {
  errors: DeviceErrors;
  scan: ScanRecord | null;
  errorScrub: ErrorScrubRecord | null;
  /** entries of the error log (ZPOOL_CONFIG_ERRCOUNT counts these) */
  dataErrors: number;
  /** a pool of several devices: its tree as status shows it */
  vdevs?: VdevStatus;
  /** the last top-level vdev removal (`remove:`), and what every removed vdev's mapping takes */
  removal?: RemovalRecord & { mappingMemory: number };
}

/** `zpool iostat`: what each device read and wrote, by leaf guid, since the pool was made. */
export function deviceIo(h: PoolHandle): Record<string, { rops: number; wops: number; rbytes: number; wbytes: number }> {
  return keptDeviceIo(h.pool.t);
}

export function poolHealth(h: PoolHandle): PoolHealth {
  const t = h.pool.t;
  const health: PoolHealth = { errors: deviceErrors(t), scan: lastScan(t), errorScrub: lastErrorScrub(t), dataErrors: errorLog(t).length };
  const tree = h.pool.meta().vdevs;
  if (tree && h.pool.image.tree) health.vdevs = vdevStatus(h.name, tree, h.pool.image.tree, keptDeviceErrors(t), health.errors, { guid: h.pool.meta().guid, alloc: h.pool.meta().vdevAlloc ?? [] });
  const removal = removalRecord(t);
  if (removal) health.removal = { ...removal, mappingMemory: mappingMemory(t) };
  return health;
}

/** The damaged files, as `zpool status -v` names them (zpool_obj_to_path on an unmounted
 *  dataset): `tank/a:/dir/file`, `tank/a:<0x5>` when the object is gone, `<0x12>:<0x5>` when the
 *  dataset is. Sorted by dataset and object, each once. */
export function damagedFiles(h: PoolHandle): string[] {
  const view = h.view();
  const seen = new Set<string>();
  const out: string[] = [];
  const entries = errorLog(h.pool.t).sort((a, b) => a.dataset - b.dataset || a.object - b.object);
  for (const e of entries) {
    const key = `${e.dataset}:${e.object}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(objectName(h.pool, view, e.dataset, e.object));
  }
  return out;
}

/** `zpool scrub` (start), `-C` (continue from last_scrubbed_txg), `-e` (error scrub), `-s`, `-p`. */
export type ScrubRequest = 'start' | 'continue' | 'error' | 'stop' | 'pause';

/** `zpool scrub [-e | -s | -p | -C] POOL`. A scrub here runs to completion inside the command, so
 *  there is never one in progress for another command to stop or pause: `-s` fails as OpenZFS
 *  does with no scrub running, and `-p` succeeds with nothing to do (libzfs zpool_scan ignores
 *  ENOENT for a pause). */
export function scrubPool(home: Home, name: string, request: ScrubRequest, history: string): void {
  // A scrub verifies the metadata too: every page of the LMDB environment, before LMDB reads it.
  withPool(home, name, (h) => {
    if (request === 'stop') throw ZfsError.action(`cannot cancel scrubbing ${name}`, 'there is no active scrub');
    if (request === 'pause') return;
    // An error scrub with an empty error log is not started (dsl_errorscrub_setup_check: ECANCELED,
    // which libzfs treats as success).
    if (request === 'error' && errorLog(h.pool.t).length === 0) return;
    const start = nowSeconds();
    // The txg this scrub covers up to: the next `-C` starts after it (DMU_POOL_LAST_SCRUBBED_TXG).
    const coveredTxg = h.pool.meta().txg;
    const minBirth = request === 'continue' ? Number(h.pool.meta().props.last_scrubbed_txg ?? 0) : 0;
    const { examined, damaged, found, repaired } = h.pool.readingData(() =>
      request === 'error' ? errorScrub(h.pool) : scrub(h.pool, minBirth),
    );
    const end = nowSeconds();
    h.change(history, (c) => {
      if (request === 'error') {
        finishScrub(c.tx.t, { func: 'errorscrub', state: 'finished', start, end, examined, errors: damaged }, found);
        return;
      }
      finishScrub(c.tx.t, { func: 'scrub', state: 'finished', start, end, examined, errors: damaged, ...(repaired ? { repaired } : {}) }, found);
      c.tx.meta.props.last_scrubbed_txg = String(coveredTxg);
    });
  }, { fullCheck: true });
}

/** `zpool clear POOL [DEVICE]`: DEVICE, when given, must be one of the pool's devices. */
export function clearPool(home: Home, name: string, device: string | undefined, history: string): void {
  // As `zpool clear` reopens the devices, every page of the metadata is checked again: a pool
  // faulted for damaged metadata that has been restored from a copy comes back.
  withPool(home, name, (h) => {
    const tree = h.pool.meta().vdevs;
    const devices = tree ? allLeaves(tree).map((l) => l.path) : [h.image];
    if (device !== undefined && !devices.some((d) => path.resolve(device) === path.resolve(d) || device === path.basename(d))) {
      throw ZfsError.action(`cannot clear errors for ${device}`, 'no such device in pool');
    }
    // Not a change of the pool's contents: no txg, and (as in OpenZFS) no history record.
    void history;
    h.pool.store.write(() => clearDeviceErrors(h.pool.t));
  }, { fullCheck: true });
}
