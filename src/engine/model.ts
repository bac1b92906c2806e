/**
 * The engine's records as the library sees them: ids, txgs, pool, dir and dataset records, and
 * history. Defined beside the tables that hold them (store/records.ts); the library names them
 * from here, so that it never reaches into the store.
 */
export type {
  BlockPtr,
  BookmarkRecord,
  PartialReceive,
  DatasetRecord,
  DirRecord,
  DirCrypt,
  KeyParams,
  HeadRecord,
  HistoryRecord,
  Id,
  NodePtr,
  PoolMeta,
  SnapshotRecord,
  Txg,
} from './store/records.js';

/** A dataset's objects and their attributes (engine/files/objset.ts), for the file commands. */
export type { Dnode, DirDnode, FileDnode, ObjectType, SymlinkDnode, DeviceDnode, Timespec, Xattrs } from './files/objset.js';

/** Bytes and objects per uid and gid of a file system (engine/files/owners.ts). */
export type { OwnerSpace, OwnerCounts } from './files/owners.js';
