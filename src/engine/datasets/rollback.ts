/**
 * Rollback of a head to its latest snapshot (ZFS dsl_dataset_rollback_sync; zfs-dsl-semantics.md
 * §5). The head takes the snapshot's root back; what the head wrote since is freed by a walk
 * pruned at the snapshot's txg, so the cost follows the blocks written since the snapshot.
 */
import { DEAD_DATA, DEAD_NODE, type HeadRecord, type Id } from '../store/records.js';
import { physicalSize } from '../blocks/compression.js';
import type { TreeWalker } from './destroy.js';
import { bookmarkNextChanged } from './bookmark.js';
import type { DslTxn } from './dsl-txn.js';
import { setHeadUnique } from './space.js';
import { chargeMetadata, type NewTree } from './create.js';

/** Free every node and block of the head's tree born after its latest snapshot (all of it, with
 *  none), and say how much. */
function freeBornAfter(dsl: DslTxn, head: HeadRecord, walk: TreeWalker): { freed: number; freedCompressed: number; freedUncompressed: number } {
  let freed = 0;
  let freedCompressed = 0;
  let freedUncompressed = 0;
  walk(
    head.root,
    head.prevTxg,
    (ptr) => dsl.freeDead({ birth: ptr.birth, kind: DEAD_NODE, ref: ptr.id, asize: 0 }),
    (bp) => {
      // A rewritten leaf still points at older blocks: those belong to the snapshot.
      if (bp.birth <= head.prevTxg) return;
      dsl.freeDead({ birth: bp.birth, kind: DEAD_DATA, ref: bp.offset, asize: bp.asize });
      freed += dsl.tx.dsize(bp.offset, bp.asize);
      freedCompressed += physicalSize(bp);
      freedUncompressed += bp.lsize;
    },
  );
  return { freed, freedCompressed, freedUncompressed };
}

export function rollbackHead(dsl: DslTxn, headId: Id, walk: TreeWalker): void {
  const head = dsl.ds(headId) as HeadRecord;
  const snap = dsl.snapshot(head.prev as Id);
  const dir = dsl.dir(head.dir);

  // Everything born after the snapshot is the head's alone (its `unique`): free it.
  const { freed, freedCompressed, freedUncompressed } = freeBornAfter(dsl, head, walk);
  // What the head killed since the snapshot is live in the head again: charged blocks move back
  // from usedbysnapshots to usedbydataset. The deadlist's blocks stay, owned by the snapshot.
  const revived = dsl.deadRange(head.deadlist, dir.originTxg, Infinity);
  dsl.deadDrop(head);
  dsl.addUsed(head.dir, 'snap', -revived);
  dsl.addUsed(head.dir, 'head', revived - freed);
  dsl.addLogical(head.dir, -freedCompressed, -freedUncompressed);

  head.root = snap.root;
  head.referenced = snap.referenced;
  head.compressed = snap.compressed;
  head.uncompressed = snap.uncompressed;
  setHeadUnique(dsl, head, 0);
  // The snapshot shares everything with the head again.
  if (snap.next === head.id) snap.unique = 0;
  bookmarkNextChanged(dsl, head.dir, snap);
}

/**
 * A head with no snapshots of its own, emptied to `root` (a tree made in this txg): what
 * `receive -F` of a full stream does to an existing filesystem. OpenZFS receives into a temporary
 * dataset and swaps its contents in (dmu_recv_end_sync, dsl_dataset_clone_swap_sync_impl); the
 * old contents, which nothing else references, are freed. The dir keeps its name, guid,
 * properties and children.
 */
export function emptyHead(dsl: DslTxn, headId: Id, walk: TreeWalker, tree: NewTree): void {
  const head = dsl.ds(headId) as HeadRecord;
  if (head.prev !== null || dsl.dir(head.dir).origin !== null) throw new Error(`head ${headId} has snapshots or an origin`);
  const { freed, freedCompressed, freedUncompressed } = freeBornAfter(dsl, head, walk);
  dsl.deadDrop(head);
  dsl.addUsed(head.dir, 'head', -freed);
  dsl.addLogical(head.dir, -freedCompressed, -freedUncompressed);
  head.root = tree.root;
  head.referenced = 0;
  head.compressed = 0;
  head.uncompressed = 0;
  setHeadUnique(dsl, head, 0);
  chargeMetadata(dsl, headId, tree.meta);
}
