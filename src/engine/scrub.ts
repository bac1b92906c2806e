/**
 * Verifying what a pool stores (ZFS: the scrub of dsl_scan.c, and spa_log_error's bookkeeping):
 * every block any dataset references read and checked once, an error scrub of the blocks the
 * error log names, and a reader's report of a damaged block it met. Over the file layer's trees
 * and the block layer's reads, as the library's `zpool scrub` and file reads use them.
 */
import { NodeReader } from './blocks/nodes.js';
import { readRecord } from './blocks/records.js';
import type { DslView } from './datasets/view.js';
import { damagedBlock, type DamagedBlock } from './errno.js';
import { blockMap, dirEntries, objectTable, ROOT_OBJECT, type ObjsetNode } from './files/objset.js';
import { errorLog, logChecksumErrors, type ErrorLogEntry } from './pool/health.js';
import type { Pool } from './pool/pool.js';
import type { BlockPtr, DatasetRecord, Id, Txg } from './store/records.js';

const hex = (n: number) => `<0x${n.toString(16)}>`;

export function objectName(pool: Pool, view: DslView, dsId: Id, object: number): string {
  const ds = pool.t.datasets.get(dsId);
  if (!ds) return `${hex(dsId)}:${hex(object)}`;
  const name = view.datasetName(ds);
  // A volume has no paths (ZFS_IOC_OBJ_TO_PATH refuses a zvol): `tank/vol:<0x1>`.
  const file = view.dir(ds.dir).type === 'volume' ? null : pathOf(new NodeReader(pool.t), ds, object);
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
export function noteDamagedBlock(pool: Pool, dsId: Id, block: DamagedBlock): void {
  const { object, blockId } = block;
  if (object === undefined || blockId === undefined) return;
  pool.store.env.resetReadTxn();
  const ds = pool.t.datasets.get(dsId);
  if (!ds) return;
  const src = new NodeReader(pool.t);
  const dn = objectTable.get(src, src.get<ObjsetNode>(ds.root).objects, object);
  if (!dn || dn.type !== 'file') return;
  const bp = blockMap.get(src, dn.blocks, blockId);
  if (!bp || bp.offset !== block.bp.offset || bp.birth !== block.bp.birth) return;
  pool.store.write(() => logChecksumErrors(pool.t, [{ dataset: dsId, object, blockId }]));
}

/** Reads each extent once and remembers whether it was good: a block shared by a head and its
 *  snapshots is one block to verify, however many datasets reference it. */
class BlockVerifier {
  private readonly verdict = new Map<number, boolean>();
  private buf = Buffer.alloc(128 * 1024);
  /** bytes read and verified */
  examined = 0;

  constructor(private readonly pool: Pool) {}

  good(bp: BlockPtr): boolean {
    let good = this.verdict.get(bp.offset);
    if (good !== undefined) return good;
    if (this.buf.length < bp.lsize) this.buf = Buffer.alloc(bp.lsize);
    try {
      readRecord(this.pool.image, bp, this.buf, true);
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
  /** bytes of bad copies written again from good ones (redundant vdevs) */
  repaired?: number;
  examined: number;
  damaged: number;
  found: ErrorLogEntry[];
}

/** Every block reachable from any dataset (heads, snapshots, clones; deadlisted blocks are
 *  those of snapshots) and born after `minBirth` (`zpool scrub -C`: the txg the last scrub
 *  covered), each extent read and verified once. Trees not rewritten since `minBirth` are skipped. */
export function scrub(pool: Pool, minBirth: Txg = 0, only?: (bp: BlockPtr) => boolean): ScrubResult {
  const t = pool.t;
  const src = new NodeReader(t);
  const verifier = new BlockVerifier(pool);
  const found: ErrorLogEntry[] = [];
  for (const { value } of t.datasets.getRange({})) {
    const ds = value as DatasetRecord;
    if (ds.root.birth <= minBirth) continue;
    const os = src.get<ObjsetNode>(ds.root);
    objectTable.scan(src, os.objects, 0, (object, dn) => {
      if (dn.type !== 'file' || (dn.blocks.root?.birth ?? 0) <= minBirth) return;
      blockMap.scan(src, dn.blocks, 0, (blockId, bp) => {
        if (bp.birth > minBirth && (!only || only(bp)) && !verifier.good(bp)) found.push({ dataset: ds.id, object, blockId });
      });
    });
  }
  return { examined: verifier.examined, damaged: verifier.damagedBlocks(), found, repaired: pool.image.tree?.repaired ?? 0 };
}

/** `zpool scrub -e`: re-read only the blocks the error log names (dsl_errorscrub_sync). An entry
 *  whose dataset, file or block is gone is examined and has nothing to read. */
export function errorScrub(pool: Pool): ScrubResult {
  const t = pool.t;
  const src = new NodeReader(t);
  const verifier = new BlockVerifier(pool);
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
