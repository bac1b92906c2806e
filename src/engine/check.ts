/**
 * A full consistency check of a pool, walking every tree (tests use it after crashes and races;
 * `zpool scrub` will build on it): every block any dataset references is allocated exactly once,
 * free space and referenced space together make up the image, and the counters that `list` reads
 * equal what the walk finds.
 */
import { NodeReader } from './blocks/nodes.js';
import { walkObjsetBornAfter, type ObjsetNode } from './files/objset.js';
import { checkOwners } from './files/owners.js';
import { LABEL_BYTES, SECTOR } from './pool/image.js';
import { physicalSize } from './blocks/compression.js';
import { limitOf, unusedRefreservation, usedOf } from './datasets/space.js';
import { DslView } from './datasets/view.js';
import type { BlockPtr, DatasetRecord, Id } from './store/records.js';
import { dsizeOf, type Pool } from './pool/pool.js';
import { resolve, tableLookup, type Piece } from './pool/vdevs/indirect.js';

export interface CheckReport {
  problems: string[];
  referencedBytes: number;
  freeBytes: number;
}

export function checkPool(pool: Pool): CheckReport {
  const t = pool.t;
  const meta = pool.meta();
  const view = new DslView(t);
  const src = new NodeReader(t);
  const problems: string[] = [];
  const extents = new Map<number, number>();

  // Per dir, the blocks its datasets reference that were born in it (after its origin): what its
  // `used` and its compressed/uncompressed sums count, children aside.
  const owned = new Map<number, Map<number, BlockPtr>>();
  for (const { value: ds } of t.datasets.getRange({})) {
    let referenced = 0;
    let compressed = 0;
    let uncompressed = 0;
    const originTxg = view.dir(ds.dir).originTxg;
    const ownedHere = owned.get(ds.dir) ?? new Map<number, BlockPtr>();
    owned.set(ds.dir, ownedHere);
    walkObjsetBornAfter(src, (ds as DatasetRecord).root, -1, () => {}, (bp) => {
      referenced += dsizeOf(meta, bp.offset, bp.asize);
      compressed += physicalSize(bp);
      uncompressed += bp.lsize;
      if (bp.birth > originTxg) ownedHere.set(bp.offset, bp);
      const known = extents.get(bp.offset);
      if (known !== undefined && known !== bp.asize) problems.push(`extent ${bp.offset} has sizes ${known} and ${bp.asize}`);
      extents.set(bp.offset, bp.asize);
    });
    if (referenced !== ds.referenced) {
      problems.push(`${view.datasetName(ds)}: referenced ${ds.referenced}, walk finds ${referenced}`);
    }
    const sums = view.ds(ds.id);
    if (compressed !== sums.compressed || uncompressed !== sums.uncompressed) {
      problems.push(`${view.datasetName(ds)}: compressed/uncompressed ${sums.compressed}/${sums.uncompressed}, walk finds ${compressed}/${uncompressed}`);
    }
    problems.push(...checkOwners(src, src.get<ObjsetNode>((ds as DatasetRecord).root), view.datasetName(ds)));
  }
  problems.push(...checkDirSums(view, meta.rootDir, owned).problems);

  // Referenced and free extents, sorted together: no two may overlap.
  const intervals: Array<[offset: number, length: number, kind: 'referenced' | 'free' | 'deferred']> = [];
  let referencedBytes = 0;
  // A block of a removed vdev is where its mapping says (pool/vdevs/indirect.ts).
  const tree = meta.vdevs;
  const lookup = tableLookup(t);
  const where = (offset: number, length: number): Piece[] => (tree ? resolve(tree, lookup, offset, length) : [{ position: offset, length }]);
  for (const [offset, size] of extents) {
    for (const p of where(offset, size)) intervals.push([p.position, p.length, 'referenced']);
    referencedBytes += size;
  }
  let freeBytes = 0;
  for (const { key, value } of t.freeByOffset.getRange({})) {
    intervals.push([key, value, 'free']);
    freeBytes += value;
  }
  // Freed extents a live reader may still read: neither referenced nor allocatable yet.
  let deferredBytes = 0;
  for (const { key, value } of t.deferred.getRange({})) {
    for (const p of where((key as number[])[1], value)) intervals.push([p.position, p.length, 'deferred']);
    deferredBytes += value;
  }
  intervals.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < intervals.length; i++) {
    const [prevOffset, prevLength, prevKind] = intervals[i - 1];
    const [offset, , kind] = intervals[i];
    if (prevOffset + prevLength > offset) problems.push(`${prevKind} extent at ${prevOffset} overlaps ${kind} extent at ${offset}`);
  }

  // A pool of several devices: each top-level vdev's space, no label among it.
  const label = meta.vdevs ? 0 : LABEL_BYTES;
  const capacity = meta.vdevs ? meta.imageBytes : Math.floor((meta.imageBytes - LABEL_BYTES) / SECTOR) * SECTOR;
  if (freeBytes + referencedBytes + deferredBytes !== capacity) {
    const leaked = capacity - freeBytes - referencedBytes - deferredBytes;
    problems.push(`free ${freeBytes} + referenced ${referencedBytes} + deferred ${deferredBytes} != capacity ${capacity} (leaked ${leaked})`);
  }
  if (meta.allocated !== label + referencedBytes + deferredBytes) {
    problems.push(`allocated counter ${meta.allocated} != label + referenced + deferred ${label + referencedBytes + deferredBytes}`);
  }
  let charged = 0;
  for (const { value: dir } of t.dirs.getRange({})) {
    charged += dir.used.head + dir.used.snap;
    problems.push(...checkReservations(view, dir.id));
  }
  let referencedDsize = 0;
  for (const [offset, size] of extents) referencedDsize += dsizeOf(meta, offset, size);
  if (charged !== referencedDsize) problems.push(`Σ usedbydataset + usedbysnapshots ${charged} != referenced ${referencedDsize}`);
  return { problems, referencedBytes, freeBytes };
}

/** A dir's children are charged max(used, reservation) each, and its head's unused
 *  refreservation is its usedbyrefreservation (zfs-dsl-semantics.md §1.5, §10.7.1). */
function checkReservations(view: DslView, dirId: Id): string[] {
  const dir = view.dir(dirId);
  const name = view.dirName(dirId);
  const problems: string[] = [];
  let child = 0;
  let childRsrv = 0;
  for (const id of view.childDirs(dirId, true)) {
    const c = view.dir(id);
    child += usedOf(c);
    childRsrv += Math.max(0, limitOf(c, 'reservation') - usedOf(c));
  }
  if (dir.used.child !== child) problems.push(`${name}: used by children ${dir.used.child}, Σ children's used ${child}`);
  if (dir.used.childRsrv !== childRsrv) problems.push(`${name}: children's unused reservations ${dir.used.childRsrv}, expected ${childRsrv}`);
  const refrsrv = unusedRefreservation(dir, view.head(dirId));
  if (dir.used.refrsrv !== refrsrv) problems.push(`${name}: usedbyrefreservation ${dir.used.refrsrv}, expected ${refrsrv}`);
  return problems;
}

/** A dir's compressed/uncompressed sums against the blocks it owns plus its children's sums. */
function checkDirSums(view: DslView, dirId: Id, owned: Map<Id, Map<number, BlockPtr>>): { problems: string[]; compressed: number; uncompressed: number } {
  const problems: string[] = [];
  let compressed = 0;
  let uncompressed = 0;
  for (const bp of owned.get(dirId)?.values() ?? []) {
    compressed += physicalSize(bp);
    uncompressed += bp.lsize;
  }
  for (const child of view.childDirs(dirId, true)) {
    const c = checkDirSums(view, child, owned);
    problems.push(...c.problems);
    compressed += c.compressed;
    uncompressed += c.uncompressed;
  }
  const dir = view.dir(dirId);
  if (dir.compressed !== compressed || dir.uncompressed !== uncompressed) {
    problems.push(`${view.dirName(dirId)}: dir compressed/uncompressed ${dir.compressed}/${dir.uncompressed}, walk finds ${compressed}/${uncompressed}`);
  }
  return { problems, compressed: dir.compressed, uncompressed: dir.uncompressed };
}
