/**
 * What changed between two trees of one lineage (ZFS dmu_diff + libzfs_diff's candidate objects):
 * the object tables of the older tree A and the newer tree B are compared, skipping every subtree
 * the two share. The cost follows the changed dnode leaves, never the size of the file system.
 */
import type { NodeSource } from '../blocks/nodes.js';
import type { NodePtr } from '../store/records.js';
import { dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

export interface ObjectChange {
  object: number;
  /** the dnode in A, or null if the object did not exist there */
  from: Dnode | null;
  /** the dnode in B, or null if it no longer exists */
  to: Dnode | null;
}

const sameDnode = (x: Dnode, y: Dnode) => JSON.stringify(x) === JSON.stringify(y);

/** Objects whose dnodes differ between A and B, in object-number order. Subtrees the two trees
 *  share are skipped whole (RadixTree.compare), so the cost follows the changed dnode leaves. */
export function changedObjects(src: NodeSource, fromRoot: NodePtr, toRoot: NodePtr, visit: (c: ObjectChange) => void): void {
  if (fromRoot.id === toRoot.id) return;
  const a = src.get<ObjsetNode>(fromRoot).objects;
  const b = src.get<ObjsetNode>(toRoot).objects;
  objectTable.compare(src, a, b, sameDnode, (object, from, to) => visit({ object, from, to }));
}

/** The path of an object inside its tree (`/` for the root), through `parent` and the entries. */
export function objectPath(src: NodeSource, lookup: (object: number) => Dnode | null, object: number): string {
  const parts: string[] = [];
  let current = object;
  while (current !== ROOT_OBJECT) {
    const dn = lookup(current);
    if (!dn) break;
    const parent = lookup(dn.parent);
    if (!parent || parent.type !== 'dir') break;
    const entry = dirEntries(src, parent).find(([, o]) => o === current);
    if (!entry) break;
    parts.push(entry[0]);
    current = dn.parent;
  }
  return '/' + parts.reverse().join('/');
}

/** One line of `zfs diff`: an object added, removed, modified or renamed between A and B. */
export interface TreeChange {
  change: '+' | '-' | 'M' | 'R';
  /** the object as B has it (as A had it, for a removal) */
  dnode: Dnode;
  path: string;
  /** for R: the path in B */
  newPath?: string;
}

/** What changed between A and B, classified as libzfs's write_inuse_diffs_one does. */
export function diffTrees(src: NodeSource, fromRoot: NodePtr, toRoot: NodePtr): TreeChange[] {
  const fromTable = src.get<ObjsetNode>(fromRoot).objects;
  const toTable = src.get<ObjsetNode>(toRoot).objects;
  const inFrom = (o: number) => objectTable.get(src, fromTable, o);
  const inTo = (o: number) => objectTable.get(src, toTable, o);
  const changes: TreeChange[] = [];
  const add = (change: TreeChange['change'], dnode: Dnode, path: string, newPath?: string) =>
    changes.push({ change, dnode, path, ...(newPath === undefined ? {} : { newPath }) });
  changedObjects(src, fromRoot, toRoot, ({ object, from, to }) => {
    if (!from && to) return add('+', to, objectPath(src, inTo, object));
    if (from && !to) return add('-', from, objectPath(src, inFrom, object));
    if (!from || !to) return;
    const fromPath = objectPath(src, inFrom, object);
    // A changed type or generation is another object under a reused number.
    if (from.type !== to.type || from.gen !== to.gen) {
      add('-', from, fromPath);
      return add('+', to, objectPath(src, inTo, object));
    }
    // A dnode leaf rewritten for a neighbour: this object did not change. ZFS compares ctimes;
    // a pinned clock (TSZFS_NOW) makes those equal, so the whole dnode is compared instead.
    if (sameDnode(from, to)) return;
    const toPath = objectPath(src, inTo, object);
    if (toPath === fromPath) add('M', to, fromPath);
    else add('R', to, fromPath, toPath);
  });
  return changes;
}
