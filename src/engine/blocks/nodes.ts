/**
 * Tree nodes (ZFS: indirect blocks, dnode blocks, ZAPs) live in LMDB, immutable once committed.
 * A node written in the current txg is still private to it, so it is changed in place; any other
 * node is copied on write and the old one is handed to the dataset layer to free or deadlist.
 */
import { EngineError } from '../errno.js';
import type { Tables } from '../store/environment.js';
import type { Id, NodePtr, Txg } from '../store/records.js';

export interface NodeSource {
  get<N>(ptr: NodePtr): N;
}

/** What the dataset layer does with a node the head no longer references. */
export interface NodeKillSink {
  killNode(ptr: NodePtr): void;
}

export class NodeReader implements NodeSource {
  constructor(protected readonly t: Tables) {}

  get<N>(ptr: NodePtr): N {
    const node = this.t.nodes.get(ptr.id);
    // A pointer to no node: the metadata is damaged (a key flipped, say), an I/O error of the pool.
    if (node === undefined) throw new EngineError('ECKSUM', `missing tree node ${ptr.id}`, { kind: 'metadata-record' });
    return node as N;
  }
}

/**
 * A reader that keeps the nodes it decoded (committed nodes never change): walking a tree reads
 * each node once, not once per entry below it. Bounded: past CACHE_NODES it starts again. For
 * read-only views; callers must not change what it returns.
 */
export class CachingNodeReader extends NodeReader {
  private readonly cache = new Map<Id, unknown>();

  override get<N>(ptr: NodePtr): N {
    const hit = this.cache.get(ptr.id);
    if (hit !== undefined) return hit as N;
    const node = super.get<N>(ptr);
    if (this.cache.size >= CACHE_NODES) this.cache.clear();
    this.cache.set(ptr.id, node);
    return node;
  }
}

const CACHE_NODES = 4096;

/** Nodes written in the current txg, shared by every writer of that txg. */
export type DirtyNodes = Map<Id, unknown>;

export class NodeWriter extends NodeReader {
  constructor(
    t: Tables,
    readonly txg: Txg,
    private readonly newId: () => Id,
    private readonly sink: NodeKillSink,
    private readonly dirty: DirtyNodes = new Map(),
  ) {
    super(t);
  }

  override get<N>(ptr: NodePtr): N {
    const node = this.dirty.get(ptr.id);
    if (node !== undefined) return node as N;
    const stored = super.get<N>(ptr);
    // Born in this txg and stored early by flush(): this txg's again, to be changed in place.
    if (ptr.birth === this.txg) this.dirty.set(ptr.id, stored);
    return stored as N;
  }

  create<N>(node: N): NodePtr {
    const id = this.newId();
    this.dirty.set(id, node);
    return { id, birth: this.txg };
  }

  /** A node this txg may change: the node itself if born in this txg, else a copy under a new id. */
  modify<N>(ptr: NodePtr, copy: (node: N) => N): { node: N; ptr: NodePtr } {
    if (ptr.birth === this.txg) return { node: this.get<N>(ptr), ptr };
    const node = copy(this.get<N>(ptr));
    this.sink.killNode(ptr);
    return { node, ptr: this.create(node) };
  }

  /** The head stops referencing `ptr`. */
  kill(ptr: NodePtr): void {
    if (ptr.birth === this.txg) {
      // Never committed: it goes, from memory and from what an early flush() stored.
      this.dirty.delete(ptr.id);
      this.t.nodes.removeSync(ptr.id);
      return;
    }
    this.sink.killNode(ptr);
  }

  /**
   * Store this txg's nodes in the open LMDB transaction and let go of them: a change of any size
   * (tar -x of a whole tree) in bounded memory. They stay this txg's: read back, they are changed
   * in place as before. Called between whole operations: no node object may be kept across it.
   */
  flush(): void {
    for (const [id, node] of this.dirty) this.t.nodes.putSync(id, node);
    this.dirty.clear();
  }
}
