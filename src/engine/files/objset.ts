/**
 * A dataset's file system tree (ZFS: objset + ZPL). The objset node points at the object table,
 * a radix tree of dnodes keyed by object number; a file's dnode points at its block map (a radix
 * tree of block pointers keyed by block id); a directory's dnode points at one node of entries.
 */
import { RadixTree, EMPTY_TREE } from '../blocks/radix.js';
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import type { BlockPtr, NodePtr, TreeRef, Txg } from '../store/records.js';

export interface ObjsetNode {
  t: 'os';
  objects: TreeRef;
  nextObject: number;
}

export type DirEntries = Array<[name: string, object: number]>;
export interface DirNode {
  t: 'd';
  e: DirEntries;
}

interface DnodeCommon {
  /** txg in which the object was created (ZFS z_gen) */
  gen: Txg;
  parent: number;
  mtime: number;
  ctime: number;
}
export interface FileDnode extends DnodeCommon {
  type: 'file';
  size: number;
  /** block size: below the recordsize while the file is one block, else fixed for the file */
  blksz: number;
  blocks: TreeRef;
}
export interface DirDnode extends DnodeCommon {
  type: 'dir';
  entries: NodePtr | null;
  count: number;
}
export type Dnode = FileDnode | DirDnode;

export const ROOT_OBJECT = 1;
export const objectTable = new RadixTree<Dnode>(5);
export const blockMap = new RadixTree<BlockPtr>(7);

export function createObjset(w: NodeWriter, now: number): NodePtr {
  const root: DirDnode = { type: 'dir', gen: w.txg, parent: ROOT_OBJECT, mtime: now, ctime: now, entries: null, count: 0 };
  const objects = objectTable.set(w, EMPTY_TREE, ROOT_OBJECT, root);
  return w.create<ObjsetNode>({ t: 'os', objects, nextObject: ROOT_OBJECT + 1 });
}

export function dirEntries(src: NodeSource, dn: DirDnode): DirEntries {
  return dn.entries ? src.get<DirNode>(dn.entries).e : [];
}

/** Every node and block of the tree born after `minBirth`, for destroying a dataset. */
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
    else if (dn.entries && dn.entries.birth > minBirth) onNode(dn.entries);
  });
  onNode(root);
}
