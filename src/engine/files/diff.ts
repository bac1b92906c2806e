/**
 * What changed between two trees of one lineage (ZFS dmu_diff + libzfs_diff's candidate objects):
 * only the parts of the newer tree's object table born after the older snapshot's txg are read
 * (dmu_diff's traverse_dataset from the from-snapshot's txg), and each object found there is
 * compared with the older tree's dnode. The cost follows what changed, never the size of the tree.
 */
import type { NodeSource } from '../blocks/nodes.js';
import type { NodePtr, Txg } from '../store/records.js';
import { dirEntries, objectTable, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

export interface ObjectChange {
  object: number;
  /** the dnode in A, or null if the object did not exist there */
  from: Dnode | null;
  /** the dnode in B, or null if it no longer exists */
  to: Dnode | null;
}

const sameDnode = (x: Dnode, y: Dnode) => JSON.stringify(x) === JSON.stringify(y);

/**
 * Objects whose dnodes differ between A (a snapshot taken at `fromTxg`) and B (a later tree of the
 * same lineage), in object-number order. Only the nodes of B's object table born after `fromTxg`
 * are visited: anything older is as A has it. A free run of keys there may have held objects in A:
 * those are looked up in A (dmu_diff's free records, libzfs's write_free_diffs).
 */
export function changedObjects(src: NodeSource, fromRoot: NodePtr, fromTxg: Txg, toRoot: NodePtr, visit: (c: ObjectChange) => void): void {
  if (fromRoot.id === toRoot.id || toRoot.birth <= fromTxg) return;
  const a = src.get<ObjsetNode>(fromRoot).objects;
  const b = src.get<ObjsetNode>(toRoot).objects;
  const removedIn = (first: number, end: number) =>
    objectTable.scan(src, a, first, (object, from) => {
      if (object >= end) return false;
      visit({ object, from, to: null });
    });
  objectTable.bornAfter(
    src,
    b,
    fromTxg,
    (object, to) => {
      const from = objectTable.get(src, a, object);
      if (!from || !sameDnode(from, to)) visit({ object, from, to });
    },
    (first, count) => removedIn(first, first + count),
  );
  // Past B's height: objects A had there are gone (the table only grows, so this is rare).
  removedIn(objectTable.capacityOf(b), Infinity);
}

/** Paths of objects in one tree, through `parent` and the parent's entries. A directory's entries
 *  are read once per diff, however many of its objects changed (ZFS zfs_obj_to_path). */
export class PathFinder {
  private readonly names = new Map<number, Map<number, string>>();
  constructor(
    private readonly src: NodeSource,
    private readonly lookup: (object: number) => Dnode | null,
  ) {}

  /** The path of `object` (`/` for the root). */
  path(object: number): string {
    const parts: string[] = [];
    let current = object;
    while (current !== ROOT_OBJECT) {
      const dn = this.lookup(current);
      if (!dn) break;
      const name = this.nameIn(dn.parent, current);
      if (name === null) break;
      parts.push(name);
      current = dn.parent;
    }
    return '/' + parts.reverse().join('/');
  }

  private nameIn(dir: number, object: number): string | null {
    let names = this.names.get(dir);
    if (!names) {
      names = new Map();
      const parent = this.lookup(dir);
      if (parent?.type === 'dir') {
        for (const [name, o] of dirEntries(this.src, parent)) if (!names.has(o)) names.set(o, name);
      }
      this.names.set(dir, names);
    }
    return names.get(object) ?? null;
  }
}

/** One line of `zfs diff`: an object added, removed, modified or renamed between A and B. */
export interface TreeChange {
  change: '+' | '-' | 'M' | 'R';
  /** the object as B has it (as A had it, for a removal) */
  dnode: Dnode;
  path: string;
  /** for R: the path in B */
  newPath?: string;
  /** for M: how the link count of a non-directory changed (libzfs print_link_change) */
  linkDelta?: number;
}

/** What changed between A (a snapshot taken at `fromTxg`) and B, classified as libzfs's
 *  write_inuse_diffs_one does. */
export function diffTrees(src: NodeSource, fromRoot: NodePtr, fromTxg: Txg, toRoot: NodePtr): TreeChange[] {
  const fromTable = src.get<ObjsetNode>(fromRoot).objects;
  const toTable = src.get<ObjsetNode>(toRoot).objects;
  const fromPaths = new PathFinder(src, (o) => objectTable.get(src, fromTable, o));
  const toPaths = new PathFinder(src, (o) => objectTable.get(src, toTable, o));
  const changes: TreeChange[] = [];
  const add = (c: TreeChange) => changes.push(c);
  changedObjects(src, fromRoot, fromTxg, toRoot, ({ object, from, to }) => {
    if (!from && to) return add({ change: '+', dnode: to, path: toPaths.path(object) });
    if (from && !to) return add({ change: '-', dnode: from, path: fromPaths.path(object) });
    if (!from || !to) return;
    const fromPath = fromPaths.path(object);
    // A changed type or generation is another object under a reused number: - then +.
    if (from.type !== to.type || from.gen !== to.gen) {
      add({ change: '-', dnode: from, path: fromPath });
      return add({ change: '+', dnode: to, path: toPaths.path(object) });
    }
    // A dnode leaf rewritten for a neighbour was skipped above (ZFS compares ctimes; a pinned
    // clock, TSZFS_NOW, makes those equal, so the whole dnode is compared instead).
    const toPath = toPaths.path(object);
    // The link count of a non-directory: libzfs prints the change instead of M or R, under the
    // name in A when links were added, in B when removed.
    const linkDelta = from.type === 'dir' || from.nlink === 0 || to.nlink === 0 ? 0 : to.nlink - from.nlink;
    if (linkDelta !== 0) return add({ change: 'M', dnode: to, path: linkDelta > 0 ? fromPath : toPath, linkDelta });
    if (toPath === fromPath) add({ change: 'M', dnode: to, path: fromPath });
    else add({ change: 'R', dnode: to, path: fromPath, newPath: toPath });
  });
  return changes;
}
