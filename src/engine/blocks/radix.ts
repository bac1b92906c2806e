/**
 * A copy-on-write radix tree keyed by small integers (block ids of a file, object ids of a
 * dataset), the shape of ZFS's indirect blocks. Snapshots and clones share whole subtrees; a change
 * rewrites only the path from the changed leaf to the root.
 */
import type { NodePtr, TreeRef, Txg } from '../store/records.js';
import type { NodeSource, NodeWriter } from './nodes.js';

interface Interior {
  t: 'i';
  c: Array<NodePtr | null>;
}
interface Leaf<E> {
  t: 'l';
  e: Array<E | null>;
}
type RadixNode<E> = Interior | Leaf<E>;

export const EMPTY_TREE: TreeRef = { root: null, levels: 0 };

export class RadixTree<E> {
  private readonly fanout: number;

  constructor(private readonly bits: number) {
    this.fanout = 1 << bits;
  }

  private slot(key: number, level: number): number {
    return Math.floor(key / 2 ** (this.bits * level)) % this.fanout;
  }

  private capacity(levels: number): number {
    return 2 ** (this.bits * (levels + 1));
  }

  get(src: NodeSource, tree: TreeRef, key: number): E | null {
    if (tree.root === null || key >= this.capacity(tree.levels)) return null;
    let node = src.get<RadixNode<E>>(tree.root);
    for (let level = tree.levels; level > 0; level--) {
      const child = (node as Interior).c[this.slot(key, level)];
      if (!child) return null;
      node = src.get<RadixNode<E>>(child);
    }
    return (node as Leaf<E>).e[this.slot(key, 0)] ?? null;
  }

  /** Store `value` (or clear the slot with null) and return the new tree. */
  set(w: NodeWriter, tree: TreeRef, key: number, value: E | null): TreeRef {
    let levels = tree.levels;
    let root = tree.root;
    if (root === null && value === null) return tree;
    while (key >= this.capacity(levels)) {
      if (root !== null) root = w.create<Interior>({ t: 'i', c: [root, ...new Array(this.fanout - 1).fill(null)] });
      levels++;
    }
    const newRoot = this.setIn(w, root, levels, key, value);
    return { root: newRoot, levels: newRoot === null ? 0 : levels };
  }

  private setIn(w: NodeWriter, ptr: NodePtr | null, level: number, key: number, value: E | null): NodePtr | null {
    if (ptr === null && value === null) return null;
    const index = this.slot(key, level);
    if (level === 0) {
      const { node, ptr: p } = ptr
        ? w.modify<Leaf<E>>(ptr, (n) => ({ t: 'l', e: n.e.slice() }))
        : { node: { t: 'l', e: new Array(this.fanout).fill(null) } as Leaf<E>, ptr: null };
      node.e[index] = value;
      if (node.e.every((x) => x === null)) {
        if (p) w.kill(p);
        return null;
      }
      return p ?? w.create(node);
    }
    const { node, ptr: p } = ptr
      ? w.modify<Interior>(ptr, (n) => ({ t: 'i', c: n.c.slice() }))
      : { node: { t: 'i', c: new Array(this.fanout).fill(null) } as Interior, ptr: null };
    node.c[index] = this.setIn(w, node.c[index], level - 1, key, value);
    if (node.c.every((x) => x === null)) {
      if (p) w.kill(p);
      return null;
    }
    return p ?? w.create(node);
  }

  /** Visit entries with key >= `from` in key order; stop when `visit` returns false. */
  scan(src: NodeSource, tree: TreeRef, from: number, visit: (key: number, entry: E) => boolean | void): void {
    if (tree.root === null) return;
    this.scanIn(src, tree.root, tree.levels, 0, from, visit);
  }

  private scanIn(
    src: NodeSource,
    ptr: NodePtr,
    level: number,
    base: number,
    from: number,
    visit: (key: number, entry: E) => boolean | void,
  ): boolean {
    const node = src.get<RadixNode<E>>(ptr);
    const span = 2 ** (this.bits * level);
    for (let i = 0; i < this.fanout; i++) {
      const start = base + i * span;
      if (start + span <= from) continue;
      if (node.t === 'l') {
        const entry = node.e[i];
        if (entry !== null && entry !== undefined && visit(start, entry) === false) return false;
      } else {
        const child = node.c[i];
        if (child && !this.scanIn(src, child, level - 1, start, from, visit)) return false;
      }
    }
    return true;
  }

  /** Visit every node and entry of the subtrees born after `minBirth` (ZFS traverse_visitbp's pruning). */
  walkBornAfter(
    src: NodeSource,
    tree: TreeRef,
    minBirth: Txg,
    onNode: (ptr: NodePtr) => void,
    onEntry: (entry: E) => void,
  ): void {
    const walk = (ptr: NodePtr, level: number): void => {
      if (ptr.birth <= minBirth) return;
      const node = src.get<RadixNode<E>>(ptr);
      if (node.t === 'l') {
        for (const e of node.e) if (e !== null && e !== undefined) onEntry(e);
      } else {
        for (const c of node.c) if (c) walk(c, level - 1);
      }
      onNode(ptr);
    };
    if (tree.root) walk(tree.root, tree.levels);
  }

  /** Keys the tree can hold at its height: every key it has is below. */
  capacityOf(tree: TreeRef): number {
    return tree.root === null ? 0 : this.capacity(tree.levels);
  }

  /**
   * Visit, in key order, what lies under nodes born after `txg`: each entry, and each run of
   * empty keys (`count` of them from `key`), which may have held an entry at `txg`. A node born at
   * or before `txg` is as it was then, and is skipped whole (ZFS traverse_visitbp from a
   * bookmark's txg). Keys past the tree's capacity are the caller's.
   */
  bornAfter(
    src: NodeSource,
    tree: TreeRef,
    txg: Txg,
    onEntry: (key: number, entry: E) => void,
    onEmpty: (key: number, count: number) => void,
  ): void {
    let run: { key: number; count: number } | null = null;
    const empty = (key: number, count: number) => {
      if (run && run.key + run.count === key) run.count += count;
      else {
        if (run) onEmpty(run.key, run.count);
        run = { key, count };
      }
    };
    const entry = (key: number, e: E) => {
      if (run) onEmpty(run.key, run.count);
      run = null;
      onEntry(key, e);
    };
    const walk = (ptr: NodePtr, level: number, base: number): void => {
      if (ptr.birth <= txg) return;
      const node = src.get<RadixNode<E>>(ptr);
      const span = 2 ** (this.bits * level);
      for (let i = 0; i < this.fanout; i++) {
        if (node.t === 'l') {
          const e = node.e[i];
          if (e === null || e === undefined) empty(base + i, 1);
          else entry(base + i, e);
        } else {
          const child = node.c[i];
          if (child) walk(child, level - 1, base + i * span);
          else empty(base + i * span, span);
        }
      }
    };
    if (tree.root) walk(tree.root, tree.levels, 0);
    const last = run as { key: number; count: number } | null;
    if (last) onEmpty(last.key, last.count);
  }

  /**
   * Visit every key whose entry differs between tree `a` and tree `b`, in key order. Subtrees the
   * two trees share (the same node) are skipped whole, so the cost follows what changed between
   * them, not their size: what incremental send and diff need.
   */
  compare(
    src: NodeSource,
    a: TreeRef,
    b: TreeRef,
    same: (x: E, y: E) => boolean,
    visit: (key: number, inA: E | null, inB: E | null) => void,
  ): void {
    const levels = Math.max(a.levels, b.levels);
    const walk = (x: Slot, y: Slot, level: number, base: number): void => {
      if (x === null && y === null) return;
      if (x !== null && y !== null && 'id' in x && 'id' in y && x.id === y.id) return;
      const span = 2 ** (this.bits * level);
      if (level === 0) {
        const ex = this.entries(src, x);
        const ey = this.entries(src, y);
        for (let i = 0; i < this.fanout; i++) {
          const p = ex[i] ?? null;
          const q = ey[i] ?? null;
          if (p === null && q === null) continue;
          if (p !== null && q !== null && same(p, q)) continue;
          visit(base + i, p, q);
        }
        return;
      }
      for (let i = 0; i < this.fanout; i++) {
        walk(this.child(src, x, level, i), this.child(src, y, level, i), level - 1, base + i * span);
      }
    };
    walk(lift(a, levels), lift(b, levels), levels, 0);
  }

  /** The child in slot `i` of a node at `level` (a shallower tree sits in slot 0 of virtual nodes). */
  private child(src: NodeSource, slot: Slot, level: number, i: number): Slot {
    if (slot === null) return null;
    if ('virtualOf' in slot) {
      if (i !== 0) return null;
      return level - 1 === slot.virtualOf.levels ? slot.virtualOf.root : { virtualOf: slot.virtualOf };
    }
    return src.get<Interior>(slot).c[i];
  }

  private entries(src: NodeSource, slot: Slot): Array<E | null> {
    if (slot === null || 'virtualOf' in slot) return [];
    return src.get<Leaf<E>>(slot).e;
  }
}

/** A tree pointer, or the empty levels above a tree that is shallower than the one it is compared with. */
type Slot = NodePtr | null | { virtualOf: TreeRef };

function lift(tree: TreeRef, levels: number): Slot {
  if (tree.root === null) return null;
  return tree.levels === levels ? tree.root : { virtualOf: tree };
}
