/**
 * Pool health for the library: `zpool scrub` (verify every block any dataset references),
 * `zpool clear`, what `zpool status` shows, and the bookkeeping of a reader that meets a damaged
 * block (ZFS: spa_log_error + vdev checksum counters).
 */
import * as path from 'node:path';
import { NodeReader } from '../engine/blocks/nodes.js';
import { readRecord } from '../engine/blocks/records.js';
import { damagedBlock, type DamagedBlock } from '../engine/errno.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type ObjsetNode } from '../engine/files/objset.js';
import {
  clearDeviceErrors,
  deviceErrors,
  errorLog,
  finishScrub,
  lastErrorScrub,
  lastScan,
  logChecksumErrors,
  type DeviceErrors,
  type ErrorLogEntry,
  type ErrorScrubRecord,
  type ScanRecord,
} from '../engine/pool/health.js';
import { nowSeconds } from '../engine/pool/clock.js';
import type { BlockPtr, DatasetRecord, Id, Txg } from '../engine/store/records.js';
import type { DslView } from '../engine/datasets/view.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import type { PoolHandle } from './pool-handle.js';
import { withPool } from './session.js';

export interface PoolHealth {
  errors: DeviceErrors;
  scan: ScanRecord | null;
  errorScrub: ErrorScrubRecord | null;
  /** entries of the error log (ZPOOL_CONFIG_ERRCOUNT counts these) */
  dataErrors: number;
}

export function poolHealth(h: PoolHandle): PoolHealth {
  const t = h.pool.t;
  return { errors: deviceErrors(t), scan: lastScan(t), errorScrub: lastErrorScrub(t), dataErrors: errorLog(t).length };
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
    out.push(objectName(h, view, e.dataset, e.object));
  }
  return out;
}

const hex = (n: number) => `<0x${n.toString(16)}>`;

function objectName(h: PoolHandle, view: DslView, dsId: Id, object: number): string {
  const ds = h.pool.t.datasets.get(dsId);
  if (!ds) return `${hex(dsId)}:${hex(object)}`;
  const name = view.datasetName(ds);
  // A volume has no paths (ZFS_IOC_OBJ_TO_PATH refuses a zvol): `tank/vol:<0x1>`.
  const file = view.dir(ds.dir).type === 'volume' ? null : pathOf(new NodeReader(h.pool.t), ds, object);
  return `${name}:${file ?? hex(object)}`;
}

/** The path of `object` inside a dataset, walking parent links up to the root directory. */
function pathOf(src: NodeReader, ds: DatasetRecord, object: number): string | null {
  const os = src.get<ObjsetNode>(ds.root);
  const parts: string[] = [];
  let current = object;
  for (let depth = 0; current !== ROOT_OBJECT; depth++) {
    const dn = objectTable.get(src, os.objects, current);
    if (!dn || depth > 4096) return null;
    const parent = objectTable.get(src, os.objects, dn.parent);
    if (!parent || parent.type !== 'dir') return null;
    const entry = dirEntries(src, parent).find(([, o]) => o === current);
    if (!entry) return null;
    parts.push(entry[0]);
    current = dn.parent;
  }
  return '/' + parts.reverse().join('/');
}

/**
 * A reader met a damaged block of `dsId`. Count it unless the block is no longer the one the
 * dataset references: then another process freed it (and perhaps reused it) while this reader
 * still saw the older state (semantics §10.6, I4): the reader's I/O error stands, but the pool is
 * not damaged and nothing is logged.
 */
export function noteDamagedBlock(h: PoolHandle, dsId: Id, block: DamagedBlock): void {
  const { object, blockId } = block;
  if (object === undefined || blockId === undefined) return;
  h.pool.store.env.resetReadTxn();
  const ds = h.pool.t.datasets.get(dsId);
  if (!ds) return;
  const src = new NodeReader(h.pool.t);
  const dn = objectTable.get(src, src.get<ObjsetNode>(ds.root).objects, object);
  if (!dn || dn.type !== 'file') return;
  const bp = blockMap.get(src, dn.blocks, blockId);
  if (!bp || bp.offset !== block.bp.offset || bp.birth !== block.bp.birth) return;
  h.pool.store.write(() => logChecksumErrors(h.pool.t, [{ dataset: dsId, object, blockId }]));
}

/** Reads each extent once and remembers whether it was good: a block shared by a head and its
 *  snapshots is one block to verify, however many datasets reference it. */
class BlockVerifier {
  private readonly verdict = new Map<number, boolean>();
  private buf = Buffer.alloc(128 * 1024);
  /** bytes read and verified */
  examined = 0;

  constructor(private readonly h: PoolHandle) {}

  good(bp: BlockPtr): boolean {
    let good = this.verdict.get(bp.offset);
    if (good !== undefined) return good;
    if (this.buf.length < bp.lsize) this.buf = Buffer.alloc(bp.lsize);
    try {
      readRecord(this.h.pool.image, bp, this.buf);
      good = true;
    } catch (err) {
      if (!damagedBlock(err)) throw err;
      good = false;
    }
    this.verdict.set(bp.offset, good);
    this.examined += bp.asize;
    return good;
  }

  damagedBlocks(): number {
    return [...this.verdict.values()].filter((good) => !good).length;
  }
}

export interface ScrubResult {
  examined: number;
  damaged: number;
  found: ErrorLogEntry[];
}

/** Every block reachable from any dataset (heads, snapshots, clones; deadlisted blocks are
 *  those of snapshots) and born after `minBirth` (`zpool scrub -C`: the txg the last scrub
 *  covered), each extent read and verified once. Trees not rewritten since `minBirth` are skipped. */
export function scrub(h: PoolHandle, minBirth: Txg = 0): ScrubResult {
  const t = h.pool.t;
  const src = new NodeReader(t);
  const verifier = new BlockVerifier(h);
  const found: ErrorLogEntry[] = [];
  for (const { value } of t.datasets.getRange({})) {
    const ds = value as DatasetRecord;
    if (ds.root.birth <= minBirth) continue;
    const os = src.get<ObjsetNode>(ds.root);
    objectTable.scan(src, os.objects, 0, (object, dn) => {
      if (dn.type !== 'file' || (dn.blocks.root?.birth ?? 0) <= minBirth) return;
      blockMap.scan(src, dn.blocks, 0, (blockId, bp) => {
        if (bp.birth > minBirth && !verifier.good(bp)) found.push({ dataset: ds.id, object, blockId });
      });
    });
  }
  return { examined: verifier.examined, damaged: verifier.damagedBlocks(), found };
}

/** `zpool scrub -e`: re-read only the blocks the error log names (dsl_errorscrub_sync). An entry
 *  whose dataset, file or block is gone is examined and has nothing to read. */
export function errorScrub(h: PoolHandle): ScrubResult {
  const t = h.pool.t;
  const src = new NodeReader(t);
  const verifier = new BlockVerifier(h);
  const entries = errorLog(t);
  const found = entries.filter((e) => {
    const ds = t.datasets.get(e.dataset);
    if (!ds) return false;
    const dn = objectTable.get(src, src.get<ObjsetNode>(ds.root).objects, e.object);
    if (!dn || dn.type !== 'file') return false;
    const bp = blockMap.get(src, dn.blocks, e.blockId);
    return bp !== null && !verifier.good(bp);
  });
  return { examined: entries.length, damaged: verifier.damagedBlocks(), found };
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
    const { examined, damaged, found } = h.pool.readingData(() =>
      request === 'error' ? errorScrub(h) : scrub(h, minBirth),
    );
    const end = nowSeconds();
    h.change(history, (c) => {
      if (request === 'error') {
        finishScrub(c.tx.t, { func: 'errorscrub', state: 'finished', start, end, examined, errors: damaged }, found);
        return;
      }
      finishScrub(c.tx.t, { func: 'scrub', state: 'finished', start, end, examined, errors: damaged }, found);
      c.tx.meta.props.last_scrubbed_txg = String(coveredTxg);
    });
  }, { fullCheck: true });
}

/** `zpool clear POOL [DEVICE]`: DEVICE, when given, must be the pool's image. */
export function clearPool(home: Home, name: string, device: string | undefined, history: string): void {
  // As `zpool clear` reopens the devices, every page of the metadata is checked again: a pool
  // faulted for damaged metadata that has been restored from a copy comes back.
  withPool(home, name, (h) => {
    if (device !== undefined && path.resolve(device) !== path.resolve(h.image) && device !== path.basename(h.image)) {
      throw ZfsError.action(`cannot clear errors for ${device}`, 'no such device in pool');
    }
    // Not a change of the pool's contents: no txg, and (as in OpenZFS) no history record.
    void history;
    h.pool.store.write(() => clearDeviceErrors(h.pool.t));
  }, { fullCheck: true });
}
