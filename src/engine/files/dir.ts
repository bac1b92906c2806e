/**
 * A directory's entries (ZFS: its ZAP). A small directory is one node of entries sorted by name
 * (a micro-ZAP); past DIR_FLAT_MAX entries it becomes a fat one: DIR_FAN buckets chosen by a
 * hash of the name, each a sorted node, under one index node. A change then rewrites the index
 * and one bucket, so adding a name to a directory of 100,000 costs about what it costs in one of
 * 2,000 (a tar of a large directory, one transaction per `write`), instead of the whole list.
 * Listings come back in name order either way.
 */
import type { NodeSource, NodeWriter } from '../blocks/nodes.js';
import { EngineError } from '../errno.js';
import type { NodePtr } from '../store/records.js';

export type DirEntries = Array<[name: string, object: number]>;
/** A directory's entries, or one bucket of a fat directory's: sorted by name. */
export interface DirNode {
  t: 'd';
  e: DirEntries;
}
/** A fat directory's index: DIR_FAN buckets, null where no name hashes. */
export interface DirHashNode {
  t: 'dh';
  b: Array<NodePtr | null>;
}

/** Entries a directory holds in one node; past it, buckets (and back below half of it). */
export const DIR_FLAT_MAX = 2048;
export const DIR_FAN = 256;

/** FNV-1a of the name's UTF-16 code units: which bucket of a fat directory holds it. */
export function bucketOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % DIR_FAN;
}

const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: [string, number], b: [string, number]) => compareNames(a[0], b[0]);

/** Where `name` is in sorted `entries`, or where it would go (as ~insertion point). */
export function entryIndex(entries: DirEntries, name: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareNames(entries[mid][0], name);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return ~lo;
}

type Root = DirNode | DirHashNode;

/** Every entry, in name order. */
export function readEntries(src: NodeSource, ptr: NodePtr | null): DirEntries {
  if (!ptr) return [];
  const root = src.get<Root>(ptr);
  if (root.t === 'd') return root.e;
  const all: DirEntries = [];
  for (const b of root.b) if (b) for (const e of src.get<DirNode>(b).e) all.push(e);
  return all.sort(byName);
}

/** The object `name` names, or null. */
export function lookupEntry(src: NodeSource, ptr: NodePtr | null, name: string): number | null {
  if (!ptr) return null;
  const root = src.get<Root>(ptr);
  const node = root.t === 'd' ? root : root.b[bucketOf(name)] ? src.get<DirNode>(root.b[bucketOf(name)]!) : null;
  if (!node) return null;
  const i = entryIndex(node.e, name);
  return i >= 0 ? node.e[i][1] : null;
}

/** Every node a directory's entries take (to free them, or to walk what was born after a txg). */
export function entryNodes(src: NodeSource, ptr: NodePtr | null): NodePtr[] {
  if (!ptr) return [];
  const root = src.get<Root>(ptr);
  return root.t === 'd' ? [ptr] : [ptr, ...root.b.filter((b): b is NodePtr => b !== null)];
}

/** The nodes of `entries` (sorted by name), flat or fat by their number. */
export function buildEntries(w: NodeWriter, entries: DirEntries): NodePtr | null {
  if (entries.length === 0) return null;
  if (entries.length <= DIR_FLAT_MAX) return w.create<DirNode>({ t: 'd', e: entries });
  const buckets: DirEntries[] = Array.from({ length: DIR_FAN }, () => []);
  for (const e of entries) buckets[bucketOf(e[0])].push(e); // stays sorted: entries are
  return w.create<DirHashNode>({ t: 'dh', b: buckets.map((e) => (e.length ? w.create<DirNode>({ t: 'd', e }) : null)) });
}

/**
 * Add (`object` a number) or remove (`object` null) the entry `name`; EEXIST / ENOENT as the
 * kernel. Nodes of this txg change in place, others are copied; what is replaced is killed.
 * Returns the new root (null when empty).
 */
export function changeEntry(w: NodeWriter, ptr: NodePtr | null, count: number, name: string, object: number | null): NodePtr | null {
  // Refused before anything is copied or killed: a caller may go on with other changes.
  const exists = lookupEntry(w, ptr, name) !== null;
  if (object === null && !exists) throw new EngineError('ENOENT');
  if (object !== null && exists) throw new EngineError('EEXIST');
  const after = count + (object === null ? -1 : 1);
  if (!ptr) {
    if (object === null) throw new EngineError('ENOENT');
    return w.create<DirNode>({ t: 'd', e: [[name, object]] });
  }
  const root = w.get<Root>(ptr);
  // Crossing a threshold: rebuilt in the other shape (rare: once per DIR_FLAT_MAX / 2 changes at most).
  const fat = root.t === 'dh';
  if ((!fat && after > DIR_FLAT_MAX) || (fat && after < DIR_FLAT_MAX / 2)) {
    const entries = readEntries(w, ptr).slice();
    edit(entries, name, object);
    for (const p of entryNodes(w, ptr)) w.kill(p);
    return buildEntries(w, entries);
  }
  if (!fat) {
    const { node, ptr: p } = w.modify<DirNode>(ptr, (n) => ({ t: 'd', e: n.e.slice() }));
    edit(node.e, name, object);
    if (node.e.length > 0) return p;
    w.kill(p);
    return null;
  }
  const i = bucketOf(name);
  const bucket = root.b[i];
  if (!bucket && object === null) throw new EngineError('ENOENT');
  let newBucket: NodePtr | null;
  if (!bucket) newBucket = w.create<DirNode>({ t: 'd', e: [[name, object!]] });
  else {
    const { node, ptr: p } = w.modify<DirNode>(bucket, (n) => ({ t: 'd', e: n.e.slice() }));
    edit(node.e, name, object);
    newBucket = p;
    if (node.e.length === 0) {
      w.kill(p);
      newBucket = null;
    }
  }
  const { node: index, ptr: indexPtr } = w.modify<DirHashNode>(ptr, (n) => ({ t: 'dh', b: n.b.slice() }));
  index.b[i] = newBucket;
  return indexPtr;
}

function edit(entries: DirEntries, name: string, object: number | null): void {
  const i = entryIndex(entries, name);
  if (object === null) {
    if (i < 0) throw new EngineError('ENOENT');
    entries.splice(i, 1);
  } else {
    if (i >= 0) throw new EngineError('EEXIST');
    entries.splice(~i, 0, [name, object]);
  }
}
