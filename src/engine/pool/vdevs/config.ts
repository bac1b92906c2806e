/**
 * The vdev tree of a pool of several devices, as the pool's metadata records it (ZFS: the
 * ZPOOL_CONFIG_VDEV_TREE nvlist), and the space arithmetic that depends only on it.
 *
 * Glossary (OpenZFS names):
 * - top-level vdev: a child of the root; a plain file, a mirror or a raidz group. Blocks are
 *   allocated on one top-level vdev, and a block pointer names it (DVA: vdev + offset + asize).
 * - leaf: a device file. Each carries a label in its first LABEL_BYTES.
 * - ashift: log2 of the sector size; every allocation is a whole number of sectors.
 * - asize: the bytes a block takes on its top-level vdev (raidz: data, parity and skip sectors).
 * - deflate ratio (vdev_deflate_ratio): how `zfs list` turns a raidz vdev's raw bytes into the
 *   bytes of data they hold, as if every block were 128K.
 *
 * A block pointer's `offset` is one number: top-level index × VDEV_STRIDE + offset in that vdev.
 * A pool of one image (no tree) has index 0 and offsets that are image positions, as before.
 */

export const VDEV_STRIDE = 2 ** 44;
/** The label at the start of every leaf of a tree pool. */
export const LEAF_LABEL_BYTES = 4096;
/** SPA_MINBLOCKSHIFT and SPA_OLD_MAXBLOCKSIZE, the units of vdev_deflate_ratio. */
const MINBLOCKSHIFT = 9;
const OLD_MAXBLOCKSIZE = 128 * 1024;

export type { LeafConfig, TopConfig, VdevClass, VdevTree } from '../../store/records.js';
import type { TopConfig, VdevTree, LeafConfig } from '../../store/records.js';

/** The place a log device leaves in the tree (ZFS: a hole vdev), so that the vdevs after it keep
 *  their index. */
export const holeTop = (): TopConfig => ({ type: 'hole', guid: '0', nparity: 0, children: [], space: 0 });

/** The space of a top-level vdev: its smallest child less the label, in whole sectors, times the
 *  children for raidz (vdev_raidz_open: the smallest child's asize × children). */
export function topSpace(type: TopConfig['type'], childSizes: number[], ashift: number): number {
  const sector = 2 ** ashift;
  const per = Math.floor((Math.min(...childSizes) - LEAF_LABEL_BYTES) / sector) * sector;
  // A raidz block that starts in the last row wraps into the next one: that row stays unused.
  return type === 'raidz' ? (per - sector) * childSizes.length : per;
}

/** vdev_raidz_asize: psize in sectors, plus nparity sectors per row of data, rounded up to a
 *  multiple of nparity + 1 sectors so that no free gap is too small to use. */
export function raidzAsize(psize: number, ashift: number, cols: number, nparity: number): number {
  let sectors = Math.floor((psize - 1) / 2 ** ashift) + 1;
  sectors += nparity * Math.floor((sectors + cols - nparity - 1) / (cols - nparity));
  sectors = Math.ceil(sectors / (nparity + 1)) * (nparity + 1);
  return sectors * 2 ** ashift;
}

/** What a block of `psize` bytes takes on `top`. */
export function topAsize(top: TopConfig, psize: number, ashift: number): number {
  if (top.type === 'raidz') return raidzAsize(psize, ashift, top.children.length, top.nparity);
  return Math.ceil(psize / 2 ** ashift) * 2 ** ashift;
}

/** vdev_deflate_ratio: 2^17 / (asize of a 128K block >> 9); 512 (no deflation) but for raidz. */
export function deflateRatio(top: TopConfig, ashift: number): number {
  return Math.floor(OLD_MAXBLOCKSIZE / (topAsize(top, OLD_MAXBLOCKSIZE, ashift) >> MINBLOCKSHIFT));
}

/** bp_get_dsize: the bytes of `asize` on `top` as `used` counts them. */
export function deflate(top: TopConfig, ashift: number, asize: number): number {
  if (top.type !== 'raidz') return asize;
  return Math.floor(asize / 2 ** MINBLOCKSHIFT) * deflateRatio(top, ashift);
}

export const topIndexOf = (offset: number): number => Math.floor(offset / VDEV_STRIDE);

/** The top-level vdevs that hold data (spa_normal_class and the special classes, not logs). */
export const dataTops = (tree: VdevTree): TopConfig[] => tree.tops.filter((t) => t.class !== 'log');

/** The first device of the tree (removed vdevs have none): the path a tree pool's image names. */
export const firstLeafPath = (tree: VdevTree): string => tree.tops.find((t) => t.children.length > 0)!.children[0].path;

/** Every leaf of the tree: data, log, spare and cache devices. */
export function allLeaves(tree: VdevTree): LeafConfig[] {
  return [...tree.tops.flatMap((t) => t.children.flatMap((c) => (c.replaced ? [c.replaced, c] : [c]))), ...tree.spares, ...tree.cache];
}
