/**
 * What changed between two trees of one lineage (ZFS dmu_diff + libzfs_diff's candidate objects):
 * the object tables of the older tree A and the newer tree B are walked side by side, skipping
 * every subtree of B born at or before A's txg (it is A's own) and every pointer the two share.
 * The cost follows the changed dnode leaves, never the size of the file system.
 */
import type { NodeSource } from '../blocks/nodes.js';
import type { NodePtr, TreeRef, Txg } from '../store/records.js';
import { dirEntries, ROOT_OBJECT, type Dnode, type ObjsetNode } from './objset.js';

/** The object table's fan-out: 2^5 dnodes per leaf, as objectTable in objset.ts. */
const BITS = 5;
const FANOUT = 1 << BITS;

interface Interior {
  t: 'i';
  c: Array<NodePtr | null>;
}
interface Leaf {
  t: 'l';
  e: Array<Dnode | null>;
}

export interface ObjectChange {
  object: number;
  /** the dnode in A, or null if the object did not exist there */
  from: Dnode | null;
  /** the dnode in B, or null if it no longer exists */
  to: Dnode | null;
}

type Side = { ptr: NodePtr | null; levels: number };

/** Candidate objects in object-number order: those in a dnode leaf that differs between A and B. */
export function changedObjects(src: NodeSource, fromRoot: NodePtr, toRoot: NodePtr, fromTxg: Txg, visit: (c: ObjectChange) => void): void {
  if (fromRoot.id === toRoot.id) return;
  const a = src.get<ObjsetNode>(fromRoot).objects;
  const b = src.get<ObjsetNode>(toRoot).objects;
  const level = Math.max(a.levels, b.levels);
  walk(src, lift(a), lift(b), level, 0, fromTxg, visit);
}

const lift = (tree: TreeRef): Side => ({ ptr: tree.root, levels: tree.levels });

/** The children of one side at `level`: a shorter tree sits in slot 0 of the missing levels. */
function children(src: NodeSource, side: Side, level: number): Side[] {
  const out: Side[] = new Array(FANOUT).fill(null).map(() => ({ ptr: null, levels: level - 1 }));
  if (side.ptr === null) return out;
  if (side.levels < level) {
    out[0] = side;
    return out;
  }
  const node = src.get<Interior>(side.ptr);
  for (let i = 0; i < FANOUT; i++) out[i] = { ptr: node.c[i] ?? null, levels: level - 1 };
  return out;
}

function walk(src: NodeSource, a: Side, b: Side, level: number, base: number, fromTxg: Txg, visit: (c: ObjectChange) => void): void {
  if (a.ptr === null && b.ptr === null) return;
  if (a.ptr && b.ptr && a.ptr.id === b.ptr.id && a.levels === b.levels) return;
  // Born at or before A: B still has A's own subtree here.
  if (b.ptr && b.ptr.birth <= fromTxg && a.levels === b.levels && a.ptr !== null) return;
  if (level === 0) {
    const ea = a.ptr ? src.get<Leaf>(a.ptr).e : [];
    const eb = b.ptr ? src.get<Leaf>(b.ptr).e : [];
    for (let i = 0; i < FANOUT; i++) {
      const from = ea[i] ?? null;
      const to = eb[i] ?? null;
      if (from || to) visit({ object: base + i, from, to });
    }
    return;
  }
  const ca = children(src, a, level);
  const cb = children(src, b, level);
  const span = 2 ** (BITS * level);
  for (let i = 0; i < FANOUT; i++) walk(src, ca[i], cb[i], level - 1, base + i * span, fromTxg, visit);
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
