/**
 * Block birth and death in a head dataset: ZFS's dsl_dataset_block_born / dsl_dataset_block_kill.
 * These two rules are what make every space number exact (zfs-dsl-semantics.md §1.2):
 * a block born after the head's latest snapshot is freed at once when overwritten; an older one
 * goes on the head's deadlist, becomes unique to the previous snapshot if that snapshot was its
 * only other holder, and moves from usedbydataset to usedbysnapshots unless a clone's origin owns it.
 */
import { physicalSize } from '../blocks/compression.js';
import type { NodeKillSink } from '../blocks/nodes.js';
import { DEAD_DATA, DEAD_NODE, type BlockPtr, type HeadRecord, type Id, type NodePtr } from '../store/records.js';
import { bookmarkBlockKilled } from './bookmark.js';
import type { DeadEntry, DslTxn } from './dsl-txn.js';
import { checkWriteLimits, setHeadUnique } from './space.js';

/** dsl_dataset_block_born's feature activation: what a block needs the pool to have. */
function blockFeatures(bp: BlockPtr): string[] {
  const out: string[] = [];
  if (bp.lsize > 128 * 1024) out.push('large_blocks');
  if (bp.cksumAlg === 'sha512' || bp.cksumAlg === 'skein' || bp.cksumAlg === 'edonr' || bp.cksumAlg === 'blake3') out.push(bp.cksumAlg);
  if (bp.compress?.startsWith('zstd')) out.push('zstd_compress');
  return out;
}

export class HeadWriter implements NodeKillSink {
  constructor(
    readonly dsl: DslTxn,
    readonly headId: Id,
  ) {}

  get head(): HeadRecord {
    return this.dsl.ds(this.headId) as HeadRecord;
  }

  born(bp: BlockPtr): void {
    const head = this.head;
    const dsize = this.dsl.tx.dsize(bp.offset, bp.asize);
    head.referenced += dsize;
    setHeadUnique(this.dsl, head, head.unique + dsize);
    this.dsl.addUsed(head.dir, 'head', dsize);
    this.changeLogical(head, physicalSize(bp), bp.lsize, true);
    checkWriteLimits(this.dsl, head, this.dsl.tx.usableBytes());
    for (const f of blockFeatures(bp)) if (!head.features?.includes(f)) head.features = [...(head.features ?? []), f];
  }

  killBlock(bp: BlockPtr): void {
    this.kill({ birth: bp.birth, kind: DEAD_DATA, ref: bp.offset, asize: bp.asize, psize: physicalSize(bp), lsize: bp.lsize });
  }

  /** ds_compressed/uncompressed_bytes follow `referenced`; the dir's sums follow its `used`,
   *  which a block leaves only when it is freed (not when it moves to a deadlist). */
  private changeLogical(head: HeadRecord, psize: number, lsize: number, inDir: boolean): void {
    head.compressed += psize;
    head.uncompressed += lsize;
    if (inDir) this.dsl.addLogical(head.dir, psize, lsize);
  }

  killNode(ptr: NodePtr): void {
    this.kill({ birth: ptr.birth, kind: DEAD_NODE, ref: ptr.id, asize: 0 });
  }

  private kill(entry: DeadEntry): void {
    const head = this.head;
    // bp_get_dsize: what `used` counts (raidz deflated); the deadlist keeps the asize to free.
    const size = entry.kind === DEAD_DATA ? this.dsl.tx.dsize(entry.ref, entry.asize) : 0;
    if (entry.birth > head.prevTxg) {
      this.dsl.freeDead(entry);
      setHeadUnique(this.dsl, head, head.unique - size);
      this.dsl.addUsed(head.dir, 'head', -size);
    } else {
      this.dsl.deadInsert(head, entry);
      if (head.prev !== null) {
        const prev = this.dsl.ds(head.prev);
        if (prev.kind === 'snapshot' && prev.next === head.id && entry.birth > prev.prevTxg) prev.unique += size;
      }
      if (entry.birth > this.dsl.dir(head.dir).originTxg) {
        this.dsl.addUsed(head.dir, 'head', -size);
        this.dsl.addUsed(head.dir, 'snap', size);
      }
    }
    bookmarkBlockKilled(this.dsl, head, entry.birth, size);
    head.referenced -= size;
    this.changeLogical(head, -(entry.psize ?? 0), -(entry.lsize ?? 0), entry.birth > head.prevTxg);
  }
}
