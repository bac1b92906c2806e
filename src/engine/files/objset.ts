/**
 * A dataset's file system tree (ZFS: objset + ZPL). The objset node points at the object table,
 * a radix tree of dnodes keyed by object number; a file's dnode points at its block map (a radix
 * tree of block pointers keyed by block id); a directory's dnode points at one node of entries,
 * sorted by name.
 *
 * Every dnode carries the POSIX attributes ZFS keeps in its system attributes (zfs_znode.h):
 * type, mode, owners, link count, four times to the nanosecond, and extended attributes. A
 * symlink's target is inline in its dnode and a device, FIFO or socket has no data at all, so
 * neither takes a data block. A hard link is one object named by several directory entries:
 * `parent` is one directory that names it and `links` the directories of its other names.
 */
import { RadixTree, EMPTY_TREE } from '../blocks/radix.js';
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import type { BlockPtr, NodePtr, TreeRef, Txg } from '../store/records.js';
import { entryNodes, lookupEntry, readEntries, type DirEntries } from './dir.js';
import type { OwnerSpace } from './owners.js';

export interface ObjsetNode {
  t: 'os';
  objects: TreeRef;
  nextObject: number;
  /** bytes and objects per uid and gid (owners.ts); absent in a tree made before tszfs kept them */
  owners?: OwnerSpace;
  /** the objset's metadata allocation, charged as one block born with the dataset and never
   *  read (datasets/create.ts metadataBytes); absent in a tree made before tszfs charged it */
  meta?: BlockPtr;
}

export type { DirEntries, DirNode } from './dir.js';
export { entryIndex } from './dir.js';

/** A time as stat(2) has it: seconds since the epoch and nanoseconds (epoch ns do not fit a double). */
export type Timespec = [sec: number, nsec: number];

export type ObjectType = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';
export const OBJECT_TYPES: readonly ObjectType[] = ['file', 'dir', 'symlink', 'chardev', 'blockdev', 'fifo', 'socket'];

/** Extended attributes (names and values of any bytes; POSIX ACLs as `system.posix_acl_*`), sorted by name. */
export type Xattrs = Array<[name: Buffer, value: Buffer]>;

/** Permission bits with setuid, setgid and sticky: what chmod sets (the type is `type`). */
export const MODE_MASK = 0o7777;

interface DnodeCommon {
  /** txg in which the object was created (ZFS z_gen) */
  gen: Txg;
  /** a directory that names the object (ZFS z_parent) */
  parent: number;
  /** the directories of the object's other names, one per name (hard links; absent when none) */
  links?: number[];
  mode: number;
  uid: number;
  gid: number;
  /** names of a non-directory; 2 + subdirectories for a directory, as a kernel file system counts */
  nlink: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** creation time (ZFS z_crtime, statx btime) */
  crtime: Timespec;
  xattrs?: Xattrs;
}
export interface FileDnode extends DnodeCommon {
  type: 'file';
  size: number;
  /** block size: below the recordsize while the file is one block, else fixed for the file */
  blksz: number;
  blocks: TreeRef;
  /** allocated bytes of its data blocks, charged to its owners (owners.ts); absent: count them */
  used?: number;
}
export interface DirDnode extends DnodeCommon {
  type: 'dir';
  entries: NodePtr | null;
  count: number;
}
export interface SymlinkDnode extends DnodeCommon {
  type: 'symlink';
  /** the target, inline (no data block) */
  target: string;
}
export interface DeviceDnode extends DnodeCommon {
  type: 'chardev' | 'blockdev';
  rdev: [major: number, minor: number];
}
export interface SpecialDnode extends DnodeCommon {
  type: 'fifo' | 'socket';
}
export type Dnode = FileDnode | DirDnode | SymlinkDnode | DeviceDnode | SpecialDnode;

/** The default permission bits of an object made without any (umask 022). */
export const defaultMode = (type: ObjectType): number => (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644);

/** The byte size stat(2) reports: a file's length, a symlink's target, a directory's entries + 2. */
export function dnodeSize(dn: Dnode): number {
  switch (dn.type) {
    case 'file':
      return dn.size;
    case 'dir':
      return dn.count + 2;
    case 'symlink':
      return Buffer.byteLength(dn.target);
    default:
      return 0;
  }
}

export const ROOT_OBJECT = 1;
export const objectTable = new RadixTree<Dnode>(5);
export const blockMap = new RadixTree<BlockPtr>(7);

/** The attributes of a new object: its times all `now`, owned by root unless given. */
export function newAttributes(type: ObjectType, gen: Txg, parent: number, now: Timespec): DnodeCommon {
  return { gen, parent, mode: defaultMode(type), uid: 0, gid: 0, nlink: type === 'dir' ? 2 : 1, atime: now, mtime: now, ctime: now, crtime: now };
}

export function createObjset(w: NodeWriter, now: Timespec, meta: BlockPtr): NodePtr {
  const root: DirDnode = { type: 'dir', ...newAttributes('dir', w.txg, ROOT_OBJECT, now), entries: null, count: 0 };
  const objects = objectTable.set(w, EMPTY_TREE, ROOT_OBJECT, root);
  const owners: OwnerSpace = { user: { [root.uid]: [0, 1] }, group: { [root.gid]: [0, 1] } };
  return w.create<ObjsetNode>({ t: 'os', objects, nextObject: ROOT_OBJECT + 1, owners, meta });
}

/** A directory's entries, in name order. */
export function dirEntries(src: NodeSource, dn: DirDnode): DirEntries {
  return readEntries(src, dn.entries);
}

/** The object `name` names in a directory, or null. */
export function findEntry(src: NodeSource, dn: DirDnode, name: string): number | null {
  return lookupEntry(src, dn.entries, name);
}

/** Every node and block of the tree born after `minBirth`, the metadata allocation included,
 *  for destroying a dataset. */
export function walkObjsetBornAfter(
  src: NodeSource,
  root: NodePtr,
  minBirth: Txg,
  onNode: (ptr: NodePtr) => void,
  onBlock: (bp: BlockPtr) => void,
): void {
  if (root.birth <= minBirth) return;
  const os = src.get<ObjsetNode>(root);
  objectTable.walkBornAfter(src, os.objects, minBirth, onNode, (dn) => {
    if (dn.type === 'file') blockMap.walkBornAfter(src, dn.blocks, minBirth, onNode, onBlock);
    else if (dn.type === 'dir' && dn.entries && dn.entries.birth > minBirth) {
      for (const ptr of entryNodes(src, dn.entries)) if (ptr.birth > minBirth) onNode(ptr);
    }
  });
  if (os.meta && os.meta.birth > minBirth) onBlock(os.meta);
  onNode(root);
}
