/**
 * Every record the pool keeps in LMDB, in one place.
 *
 * Glossary (names follow OpenZFS's DSL, see shared/design/zfs-dsl-semantics.md):
 * - txg: transaction group. Each changing command is one txg; `birth` of a block is the txg that wrote it.
 * - dir: the name-space node of a filesystem (ZFS dsl_dir): its head, its snapshots, its children.
 * - head: the live, writable dataset of a dir. A snapshot is a frozen dataset in the same chain.
 * - prev / prevTxg (ZFS ds_prev_snap_obj / ds_prev_snap_txg): the previous snapshot in a dataset's
 *   chain; for a clone's head (or first snapshot) that is the origin snapshot in another dir.
 * - deadlist: blocks referenced by `prev` but no longer by this dataset, kept by birth txg.
 * - unique (ds_unique_bytes): for a snapshot, what destroying it alone would free.
 */

export type Txg = number;
export type Id = number;

/** A pointer to an immutable tree node. `birth` is the txg that wrote the node, which is also the
 *  newest birth of anything below it (every change rewrites the path up to the root). */
export interface NodePtr {
  id: Id;
  birth: Txg;
}

/** A copy-on-write radix tree: `levels` interior levels above the leaves. */
export interface TreeRef {
  root: NodePtr | null;
  levels: number;
}

/** The `checksum` property's algorithms as a block pointer records them (`on` is fletcher4;
 *  `sha512` is SHA-512/256; `skein`, `edonr` and `blake3` are salted with the pool's checksum salt). */
export type ChecksumAlgorithm = 'fletcher4' | 'sha256' | 'off' | 'fletcher2' | 'sha512' | 'skein' | 'edonr' | 'blake3';

/** How a record is stored compressed (ZFS BP_GET_COMPRESS); the `compression` property's
 *  values name them (`on` is lz4, `gzip` gzip-6, `zstd` zstd-3, `zstd-fast` zstd-fast-1). */
export type CompressAlgorithm = 'lz4' | 'lzjb' | 'zle' | `gzip-${number}` | `zstd-${number}` | `zstd-fast-${number}`;

/** Where a data record lives in the image. `asize` is what it occupies (psize rounded up to 4K). */
export interface BlockPtr {
  offset: number;
  asize: number;
  lsize: number;
  /** bytes stored (ZFS psize) of a compressed record, a whole number of sectors; absent: stored
   *  as is, psize = lsize (records written before compression existed have neither field) */
  psize?: number;
  /** the algorithm of a compressed record; absent when stored as is */
  compress?: CompressAlgorithm;
  birth: Txg;
  /** the algorithm that made `checksum` (ZFS BP_GET_CHECKSUM) */
  cksumAlg: ChecksumAlgorithm;
  /** 32 bytes: fletcher2's or fletcher4's four 64-bit sums, little-endian, or the digest; empty when off */
  checksum: Uint8Array;
  /** an encrypted record (blocks/crypt.ts): the guid of its master key, its IV and its MAC;
   *  absent on every record of an unencrypted dataset */
  key?: string;
  iv?: Uint8Array;
  mac?: Uint8Array;
}

/** A master key wrapped by its encryption root's wrapping key (ZFS's DSL crypto key object). */
export interface WrappedKey {
  guid: string;
  iv: Uint8Array;
  mac: Uint8Array;
  data: Uint8Array;
}

/** How an encryption root makes its wrapping key from the user's key (keyformat, pbkdf2salt, pbkdf2iters). */
export interface KeyParams {
  keyformat: 'raw' | 'hex' | 'passphrase';
  /** PBKDF2's 64-bit salt, as a decimal string (0 unless passphrase) */
  salt: string;
  /** PBKDF2's iterations (0 unless passphrase) */
  iters: number;
}

/** The `encryption` property's suites (`on` is aes-256-gcm). */
export const CRYPT_SUITES = ['aes-128-ccm', 'aes-192-ccm', 'aes-256-ccm', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm'] as const;
export type CryptSuite = (typeof CRYPT_SUITES)[number];

/** An encrypted dir: its suite, its encryption root, its master key; a root also its key parameters. */
export interface DirCrypt {
  suite: CryptSuite;
  /** the dir whose wrapping key wraps `key` (the encryptionroot property) */
  root: Id;
  /** a clone's is its origin's, a copy of the same wrapped key */
  key: WrappedKey;
  /** on the encryption root only */
  params?: KeyParams;
}

/** The vdev tree of a pool of several devices (pool/vdevs/config.ts has its arithmetic). */
export interface LeafConfig {
  path: string;
  guid: string;
  /** the file's size when the pool was made */
  size: number;
  /** taken offline by `zpool offline` (`-t`: until the pool is imported again) */
  offline?: 'persistent' | 'temporary';
  /** this leaf is a hot spare standing in for `replaced` (ZFS: a `spare-N` vdev of the two):
   *  blocks are read from and written to the spare; the device it replaces is only shown, until
   *  one of the two is detached */
  replaced?: LeafConfig;
  /** the last txg committed before the spare went in: the device it stands in for lacks only
   *  blocks born after it (what a resilver of that device copies when the spare goes back) */
  since?: number;
}

/** allocation classes (ZFS vdev_alloc_bias); absent is the normal class */
export type VdevClass = 'log' | 'special' | 'dedup';

export interface TopConfig {
  /** indirect: a removed top-level vdev (zpool remove), no devices; its blocks are found through
   *  its mapping (pool/vdevs/indirect.ts). hole: a removed log device, nothing at all. Both keep
   *  their place so that the vdevs after them keep their index (and their blocks' offsets). */
  type: 'file' | 'mirror' | 'raidz' | 'indirect' | 'hole';
  guid: string;
  /** 1 to 3 for raidz, else 0 */
  nparity: number;
  /** a file top-level vdev has itself as its one child */
  children: LeafConfig[];
  class?: VdevClass;
  /** bytes allocatable (raidz: raw, parity included) */
  space: number;
  /** no new blocks go here (ZFS vdev_noalloc: the vdev property `allocating=off`) */
  noalloc?: true;
}

export interface VdevTree {
  ashift: number;
  tops: TopConfig[];
  spares: LeafConfig[];
  cache: LeafConfig[];
}

export interface PoolMeta {
  /** the record format (store/upgrade.ts): older pools are brought to the current one at open */
  formatVersion: number;
  /** every LMDB value carries a checksum (checked-encoding.ts); absent in pools made before */
  valueChecksums?: true;
  name: string;
  guid: string;
  /** the guid the checksum salt is made from when it is not `guid`: a pool split from another
   *  keeps the salt its blocks were checksummed with (ZFS copies spa_cksum_salt with the MOS) */
  saltGuid?: string;
  /** the image's size; for a pool of several devices, SIZE: the space of its data vdevs */
  imageBytes: number;
  /** a pool of several devices (pool/vdevs/): absent for a pool of one image */
  vdevs?: VdevTree;
  /** bytes allocated on each top-level vdev of `vdevs` */
  vdevAlloc?: number[];
  /** the vdev properties set with `zpool set PROP=VALUE POOL VDEV`, by vdev guid (the root's is
   *  the pool's guid); `allocating` lives in the tree as TopConfig.noalloc */
  vdevProps?: Record<string, Record<string, string>>;
  /** bytes handed out by the allocator, the label included */
  allocated: number;
  txg: Txg;
  nextId: Id;
  rootDir: Id;
  createdAt: number;
  props: Record<string, string>;
}

/** dd_used_breakdown: what a dir's `used` is made of. */
export interface UsedBreakdown {
  head: number;
  snap: number;
  /** Σ used of the child dirs */
  child: number;
  /** Σ max(0, reservation − used) of the child dirs: their unused reservations (DD_USED_CHILD_RSRV) */
  childRsrv: number;
  /** the head's unused refreservation, max(0, refreservation − unique) (DD_USED_REFRSRV) */
  refrsrv: number;
}

export interface DirRecord {
  id: Id;
  parent: Id | null;
  name: string;
  head: Id;
  /** the origin snapshot for a clone, else null */
  origin: Id | null;
  /** creation txg of the origin snapshot (0 for a non-clone): blocks born at or before it belong to the origin */
  originTxg: Txg;
  used: UsedBreakdown;
  /** dd_compressed_bytes / dd_uncompressed_bytes: psize and lsize sums of everything `used`
   *  counts (snapshots and children included, reservations not) */
  compressed: number;
  uncompressed: number;
  /** locally set properties, native and user (`module:name`) */
  props: Record<string, string>;
  /** quotas per owner (`userquota@1000`, `groupobjquota@0`, ...: bytes or objects; absent: none) */
  quotas?: Record<string, number>;
  /** what the head and its snapshots hold (ZFS: the objset type): a volume's one data object,
   *  else (absent, as in every record written before volumes) a filesystem's files */
  type?: 'volume';
  /** properties received with a stream (`send -R`/`-p`); a local value overrides one (absent: none) */
  received?: Record<string, string>;
  /** set by `zfs mount`/`unmount` (true/false); absent: as a filesystem is after create, mounted
   *  when canmount=on (lib/properties/values.ts mountedNow). Nothing is mounted in the host. */
  mounted?: boolean;
  /** set by `zfs share`/`unshare`; absent: shared when sharenfs or sharesmb is not off */
  shared?: boolean;
  /** the head's bookmarks (ZFS ds_bookmarks_obj), by name; absent: none */
  bookmarks?: BookmarkRecord[];
  /** on the hidden `%recv` child only: the receive -s cut short whose records it keeps */
  partial?: PartialReceive;
  /** an encrypted filesystem or volume (blocks/crypt.ts); absent: not encrypted */
  crypt?: DirCrypt;
}

/**
 * A `receive -s` cut short (ZFS's DS_FIELD_RESUME_* fields): the hidden `%recv` child of the
 * destination keeps the records received, as the file `stream` (the stream's first `bytes` bytes,
 * up to its last whole record), until `send -t` brings the rest or `receive -A` drops them.
 */
export interface PartialReceive {
  toguid: string;
  toname: string;
  /** the incremental source's guid, absent for a full stream */
  fromguid?: string;
  /** records received after BEGIN, and the object and byte offset of the last of them */
  records: number;
  object: number;
  offset: number;
  bytes: number;
  /** the stream's features (largeblocks, compressed, embedded, raw): the resumed stream's */
  features: string[];
  /** the destination did not exist: the receive made it, and receive -A destroys it */
  created: boolean;
}

/**
 * A bookmark (ZFS zfs_bookmark_phys_t): the point in time of a snapshot, as its guid, txg and
 * creation time, without its data, so it outlives the snapshot and serves as an incremental
 * source (everything born after `createTxg`). The sizes are the snapshot's at bookmark time
 * (bookmark_written's zbm_*_bytes_refd), for `written#bookmark`.
 */
export interface BookmarkRecord {
  name: string;
  guid: string;
  createTxg: Txg;
  /** seconds since the epoch */
  creation: number;
  referenced: number;
  compressed: number;
  uncompressed: number;
  /** zbm_referenced_freed_before_next_snap: bytes the snapshot held, born at or before it, that
   *  have died since in the dataset that followed it (kept up as blocks die and snapshots go;
   *  `written#bookmark` needs it once the snapshot is gone) */
  freedBeforeNext: number;
}

interface DatasetCommon {
  id: Id;
  dir: Id;
  prev: Id | null;
  prevTxg: Txg;
  createTxg: Txg;
  /** seconds since the epoch */
  creation: number;
  guid: string;
  root: NodePtr;
  referenced: number;
  unique: number;
  deadlist: Id;
  /** |DL(D)|: bytes on this dataset's deadlist */
  deadBytes: number;
  /** ds_compressed_bytes / ds_uncompressed_bytes: psize and lsize sums of what `referenced`
   *  counts */
  compressed: number;
  uncompressed: number;
  /** per-dataset features in use (ZFS ds_feature): set when a block that needs one is born here
   *  (large_blocks, zstd_compress, sha512, skein, edonr, blake3), kept by snapshots and clones;
   *  absent: none */
  features?: string[];
}

export interface HeadRecord extends DatasetCommon {
  kind: 'head';
}

export interface SnapshotRecord extends DatasetCommon {
  kind: 'snapshot';
  name: string;
  /** the next dataset in the same chain: a later snapshot or the head */
  next: Id;
  /** number of clones made from this snapshot (ds_num_children - 1) */
  numClones: number;
  /** number of user holds (`zfs hold` tags) */
  userrefs: number;
  /** `zfs destroy -d` asked for it while held or cloned: it goes with its last hold or clone */
  deferDestroy: boolean;
  /** user properties set on the snapshot */
  props: Record<string, string>;
  /** user properties received with a stream (absent: none) */
  received?: Record<string, string>;
}

export type DatasetRecord = HeadRecord | SnapshotRecord;

/** A deadlist entry: a data extent (ref = image offset) or a tree node (ref = node id, asize 0). */
export type DeadKind = 0 | 1;
export const DEAD_DATA: DeadKind = 0;
export const DEAD_NODE: DeadKind = 1;

/** One line of `zpool history`: a command that changed the pool. */
export interface HistoryRecord {
  /** when, in seconds since the epoch */
  time: number;
  /** the command line, as `zpool history` prints it */
  line: string;
  /** who ran it and where, as `zpool history -l` prints it: `user 0 (root) on host` */
  who?: string;
}
