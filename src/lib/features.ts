/**
 * Pool feature flags (OpenZFS 2.3 module/zcommon/zfeature_common.c, in spa_feature_t order) and
 * legacy pool versions. A pool of version 5000 (SPA_VERSION_FEATURES) has every feature either
 * disabled, enabled or active; a legacy pool (version 1 to 28) has none.
 *
 * What tszfs stores: the pool's meta props hold `version` for a legacy pool and
 * `feature@NAME=disabled` for a feature not enabled (absent: enabled). `active` is computed:
 * either the feature is always in use once enabled (`baseline`), or something uses it now
 * (bookmarks; a dataset that was born a block that needs it, ZFS's per-dataset activation).
 */
export type FeatureFlag = 'readonly' | 'perDataset' | 'activateOnEnable' | 'mos';

export interface FeatureInfo {
  name: string;
  guid: string;
  desc: string;
  flags: readonly FeatureFlag[];
  deps: readonly string[];
}

export const SPA_VERSION_FEATURES = 5000;
/** the newest legacy version (SPA_VERSION_BEFORE_FEATURES) */
export const SPA_VERSION_LEGACY_MAX = 28;
/** the newest filesystem version (ZPL_VERSION) */
export const ZPL_VERSION = 5;

export const FEATURE_TABLE: readonly FeatureInfo[] = [
  { name: 'async_destroy', guid: 'com.delphix:async_destroy', desc: 'Destroy filesystems asynchronously.', flags: ['readonly'], deps: [] },
  { name: 'empty_bpobj', guid: 'com.delphix:empty_bpobj', desc: 'Snapshots use less space.', flags: ['readonly'], deps: [] },
  { name: 'lz4_compress', guid: 'org.illumos:lz4_compress', desc: 'LZ4 compression algorithm support.', flags: ['activateOnEnable'], deps: [] },
  { name: 'multi_vdev_crash_dump', guid: 'com.joyent:multi_vdev_crash_dump', desc: 'Crash dumps to multiple vdev pools.', flags: [], deps: [] },
  { name: 'spacemap_histogram', guid: 'com.delphix:spacemap_histogram', desc: 'Spacemaps maintain space histograms.', flags: ['readonly'], deps: [] },
  { name: 'enabled_txg', guid: 'com.delphix:enabled_txg', desc: 'Record txg at which a feature is enabled', flags: ['readonly'], deps: [] },
  { name: 'hole_birth', guid: 'com.delphix:hole_birth', desc: 'Retain hole birth txg for more precise zfs send', flags: ['activateOnEnable', 'mos'], deps: ['enabled_txg'] },
  { name: 'extensible_dataset', guid: 'com.delphix:extensible_dataset', desc: 'Enhanced dataset functionality, used by other features.', flags: [], deps: [] },
  { name: 'embedded_data', guid: 'com.delphix:embedded_data', desc: 'Blocks which compress very well use even less space.', flags: ['activateOnEnable', 'mos'], deps: [] },
  { name: 'bookmarks', guid: 'com.delphix:bookmarks', desc: '"zfs bookmark" command', flags: ['readonly'], deps: ['extensible_dataset'] },
  { name: 'filesystem_limits', guid: 'com.joyent:filesystem_limits', desc: 'Filesystem and snapshot limits.', flags: ['readonly'], deps: ['extensible_dataset'] },
  { name: 'large_blocks', guid: 'org.open-zfs:large_blocks', desc: 'Support for blocks larger than 128KB.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'large_dnode', guid: 'org.zfsonlinux:large_dnode', desc: 'Variable on-disk size of dnodes.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'sha512', guid: 'org.illumos:sha512', desc: 'SHA-512/256 hash algorithm.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'skein', guid: 'org.illumos:skein', desc: 'Skein hash algorithm.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'edonr', guid: 'org.illumos:edonr', desc: 'Edon-R hash algorithm.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'userobj_accounting', guid: 'org.zfsonlinux:userobj_accounting', desc: 'User/Group object accounting.', flags: ['readonly', 'perDataset'], deps: ['extensible_dataset'] },
  { name: 'encryption', guid: 'com.datto:encryption', desc: 'Support for dataset level encryption', flags: ['perDataset'], deps: ['extensible_dataset', 'bookmark_v2'] },
  { name: 'project_quota', guid: 'org.zfsonlinux:project_quota', desc: 'space/object accounting based on project ID.', flags: ['readonly', 'perDataset'], deps: ['extensible_dataset'] },
  { name: 'device_removal', guid: 'com.delphix:device_removal', desc: 'Top-level vdevs can be removed, reducing logical pool size.', flags: ['mos'], deps: [] },
  { name: 'obsolete_counts', guid: 'com.delphix:obsolete_counts', desc: 'Reduce memory used by removed devices when their blocks are freed or remapped.', flags: ['readonly'], deps: ['extensible_dataset', 'device_removal'] },
  { name: 'zpool_checkpoint', guid: 'com.delphix:zpool_checkpoint', desc: 'Pool state can be checkpointed, allowing rewind later.', flags: ['readonly'], deps: [] },
  { name: 'spacemap_v2', guid: 'com.delphix:spacemap_v2', desc: 'Space maps representing large segments are more efficient.', flags: ['readonly', 'activateOnEnable'], deps: [] },
  { name: 'allocation_classes', guid: 'org.zfsonlinux:allocation_classes', desc: 'Support for separate allocation classes.', flags: ['readonly'], deps: [] },
  { name: 'resilver_defer', guid: 'com.datto:resilver_defer', desc: 'Support for deferring new resilvers when one is already running.', flags: ['readonly'], deps: [] },
  { name: 'bookmark_v2', guid: 'com.datto:bookmark_v2', desc: 'Support for larger bookmarks', flags: [], deps: ['extensible_dataset', 'bookmarks'] },
  { name: 'redaction_bookmarks', guid: 'com.delphix:redaction_bookmarks', desc: 'Support for bookmarks which store redaction lists for zfs redacted send/recv.', flags: [], deps: ['bookmark_v2', 'extensible_dataset', 'bookmarks'] },
  { name: 'redacted_datasets', guid: 'com.delphix:redacted_datasets', desc: 'Support for redacted datasets, produced by receiving a redacted zfs send stream.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'bookmark_written', guid: 'com.delphix:bookmark_written', desc: 'Additional accounting, enabling the written#<bookmark> property (space written since a bookmark), and estimates of send stream sizes for incrementals from bookmarks.', flags: [], deps: ['bookmark_v2', 'extensible_dataset', 'bookmarks'] },
  { name: 'log_spacemap', guid: 'com.delphix:log_spacemap', desc: 'Log metaslab changes on a single spacemap and flush them periodically.', flags: ['readonly'], deps: ['spacemap_v2'] },
  { name: 'livelist', guid: 'com.delphix:livelist', desc: 'Improved clone deletion performance.', flags: ['readonly'], deps: ['extensible_dataset'] },
  { name: 'device_rebuild', guid: 'org.openzfs:device_rebuild', desc: 'Support for sequential mirror/dRAID device rebuilds', flags: ['readonly'], deps: [] },
  { name: 'zstd_compress', guid: 'org.freebsd:zstd_compress', desc: 'zstd compression algorithm support.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'draid', guid: 'org.openzfs:draid', desc: 'Support for distributed spare RAID', flags: ['mos'], deps: [] },
  { name: 'zilsaxattr', guid: 'org.openzfs:zilsaxattr', desc: 'Support for xattr=sa extended attribute logging in ZIL.', flags: ['readonly', 'perDataset'], deps: ['extensible_dataset'] },
  { name: 'head_errlog', guid: 'com.delphix:head_errlog', desc: 'Support for per-dataset on-disk error logs.', flags: ['activateOnEnable'], deps: [] },
  { name: 'blake3', guid: 'org.openzfs:blake3', desc: 'BLAKE3 hash algorithm.', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'block_cloning', guid: 'com.fudosecurity:block_cloning', desc: 'Support for block cloning via Block Reference Table.', flags: ['readonly'], deps: [] },
  { name: 'vdev_zaps_v2', guid: 'com.klarasystems:vdev_zaps_v2', desc: 'Support for root vdev ZAP.', flags: ['mos'], deps: [] },
  { name: 'redaction_list_spill', guid: 'com.delphix:redaction_list_spill', desc: 'Support for increased number of redaction_snapshot arguments in zfs redact.', flags: [], deps: ['redaction_bookmarks'] },
  { name: 'raidz_expansion', guid: 'org.openzfs:raidz_expansion', desc: 'Support for raidz expansion', flags: ['mos'], deps: [] },
  { name: 'fast_dedup', guid: 'com.klarasystems:fast_dedup', desc: 'Support for advanced deduplication', flags: ['readonly'], deps: [] },
  { name: 'longname', guid: 'org.zfsonlinux:longname', desc: 'support filename up to 1024 bytes', flags: ['perDataset'], deps: ['extensible_dataset'] },
  { name: 'large_microzap', guid: 'com.klarasystems:large_microzap', desc: 'Support for microzaps larger than 128KB.', flags: ['readonly', 'perDataset'], deps: ['extensible_dataset', 'large_blocks'] },
];

/** What a fresh 2.3 pool reports for a feature that is enabled and unused: these are in use from
 *  the moment they are enabled (spacemaps, ZIL, MOS structures every pool has). */
const ACTIVE_ON_ENABLE = new Set([
  'empty_bpobj', 'lz4_compress', 'spacemap_histogram', 'enabled_txg', 'hole_birth', 'extensible_dataset',
  'embedded_data', 'userobj_accounting', 'project_quota', 'spacemap_v2', 'log_spacemap', 'zilsaxattr',
  'head_errlog', 'vdev_zaps_v2',
]);

export const isBaselineActive = (name: string) => ACTIVE_ON_ENABLE.has(name);

export function findFeature(name: string): FeatureInfo | undefined {
  return FEATURE_TABLE.find((f) => f.name === name);
}

/** feature_enable_sync(): a feature and, first, everything it depends on, in table order. */
export function withDependencies(name: string): string[] {
  const need = new Set<string>();
  const add = (n: string) => {
    if (need.has(n)) return;
    need.add(n);
    for (const d of findFeature(n)?.deps ?? []) add(d);
  };
  add(name);
  return FEATURE_TABLE.filter((f) => need.has(f.name)).map((f) => f.name);
}

/** zpool upgrade -v's legacy version lines. */
export const LEGACY_VERSIONS: readonly string[] = [
  'Initial ZFS version',
  'Ditto blocks (replicated metadata)',
  'Hot spares and double parity RAID-Z',
  'zpool history',
  'Compression using the gzip algorithm',
  'bootfs pool property',
  'Separate intent log devices',
  'Delegated administration',
  'refquota and refreservation properties',
  'Cache devices',
  'Improved scrub performance',
  'Snapshot properties',
  'snapused property',
  'passthrough-x aclinherit',
  'user/group space accounting',
  'stmf property support',
  'Triple-parity RAID-Z',
  'Snapshot user holds',
  'Log device removal',
  'Compression using zle (zero-length encoding)',
  'Deduplication',
  'Received properties',
  'Slim ZIL',
  'System attributes',
  'Improved scrub stats',
  'Improved snapshot deletion performance',
  'Improved snapshot creation performance',
  'Multiple vdev replacements',
];

export const isSupportedPoolVersion = (v: number) => (v >= 1 && v <= SPA_VERSION_LEGACY_MAX) || v === SPA_VERSION_FEATURES;

/** zfs_version_table (zfs_comutil.c): the pool version each filesystem version needs. */
const ZPL_NEEDS_SPA: Record<number, number> = { 1: 1, 2: 1, 3: 9, 4: 15, 5: 24 };

export const spaVersionFor = (zpl: number): number => ZPL_NEEDS_SPA[zpl] ?? -1;

/** zfs_zpl_version_map(): the newest filesystem version a pool version allows. */
export function zplVersionFor(spa: number): number {
  let best = 1;
  for (const [zpl, need] of Object.entries(ZPL_NEEDS_SPA)) if (spa >= need) best = Math.max(best, Number(zpl));
  return best;
}

/** zfs upgrade -v's lines. */
export const ZPL_VERSIONS: readonly string[] = [
  'Initial ZFS filesystem version',
  'Enhanced directory entries',
  'Case insensitive and filesystem user identifier (FUID)',
  'userquota, groupquota properties',
  'System attributes',
];
