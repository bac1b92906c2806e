/**
 * What changed between two trees of one lineage (ZFS dmu_diff + libzfs_diff's candidate objects):
 * only the parts of the newer tree's object table born after the older snapshot's txg are read
 * (dmu_diff's traverse_dataset from the from-snapshot's txg), and each object found there is
 * compared with the older tree's dnode. The cost follows what changed, never the size of the tree.
 */
import type { NodeSource } from '../blocks/nodes.js';
import type { NodePtr, Txg } from '../store/records.js';
import { entryNodes, lookupEntry } from './dir.js';
import { objectTable, ROOT_OBJECT, type DirNode, type Dnode, type ObjsetNode } from './objset.js';

export interface ObjectChange {
  object: number;
  /** the dnode in A, or null if the object did not exist there */
  from: Dnode | null;
  /** the dnode in B, or null if it no longer exists */
  to: Dnode | null;
}

/** Equal values: numbers, strings, arrays, bytes and plain objects, compared in place (a decoded
 *  dnode is not cheap to serialise, and most dnodes of a rewritten leaf are unchanged). */
function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    return x instanceof Uint8Array && y instanceof Uint8Array && Buffer.compare(x, y) === 0;
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  let count = 0;
  for (const key in a) {
    if (a[key] === undefined) continue;
    count++;
    if (!sameValue(a[key], b[key])) return false;
  }
  for (const key in b) if (b[key] !== undefined) count--;
  return count === 0;
}

/** ZFS compares the generation and the ctime; a pinned clock (TSZFS_NOW) makes ctimes equal, so
 *  the whole dnode is compared when they are. */
const sameDnode = (x: Dnode, y: Dnode) => x.gen === y.gen && x.ctime[0] === y.ctime[0] && x.ctime[1] === y.ctime[1] && sameValue(x, y);

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

/** Paths of objects in one tree, through `parent` and the parent's entries (ZFS zfs_obj_to_path,
 *  whose zap_value_search reads the parent's entries too). A directory's entries are read at most
 *  once per diff, bucket by bucket until the object is found, the buckets the other tree does not
 *  share first (an added, removed or renamed name is in one of those); `guess` offers a name to
 *  try first (the object's name in the other tree), which one lookup confirms. */
export class PathFinder {
  private readonly dirs = new Map<number, { names: Map<number, string>; nodes: NodePtr[]; next: number; entries: NodePtr | null }>();
  constructor(
    private readonly src: NodeSource,
    private readonly lookup: (object: number) => Dnode | null,
    private readonly other: (dir: number) => Dnode | null = () => null,
    private readonly guess: (dir: number, object: number) => string | undefined = () => undefined,
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

  /** The name of `object` in `dir` if it was already found. */
  known(dir: number, object: number): string | undefined {
    return this.dirs.get(dir)?.names.get(object);
  }

  private nameIn(dir: number, object: number): string | null {
    let d = this.dirs.get(dir);
    if (!d) {
      const parent = this.lookup(dir);
      const entries = parent?.type === 'dir' ? parent.entries : null;
      const otherDir = this.other(dir);
      const shared = new Set(otherDir?.type === 'dir' ? entryNodes(this.src, otherDir.entries).map((p) => p.id) : []);
      const nodes = entryNodes(this.src, entries);
      nodes.sort((x, y) => Number(shared.has(x.id)) - Number(shared.has(y.id)));
      d = { names: new Map(), nodes, next: 0, entries };
      this.dirs.set(dir, d);
    }
    const found = d.names.get(object);
    if (found !== undefined) return found;
    const guess = this.guess(dir, object);
    if (guess !== undefined && lookupEntry(this.src, d.entries, guess) === object) {
      d.names.set(object, guess);
      return guess;
    }
    while (d.next < d.nodes.length) {
      const node = this.src.get<DirNode | { t: 'dh' }>(d.nodes[d.next++]);
      if (node.t !== 'd') continue;
      for (const [name, o] of node.e) if (!d.names.has(o)) d.names.set(o, name);
      const name = d.names.get(object);
      if (name !== undefined) return name;
    }
    return null;
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
  const inFrom = (o: number) => objectTable.get(src, fromTable, o);
  const inTo = (o: number) => objectTable.get(src, toTable, o);
  const fromPaths = new PathFinder(src, inFrom, inTo);
  const toPaths = new PathFinder(src, inTo, inFrom, (dir, o) => fromPaths.known(dir, o));
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
