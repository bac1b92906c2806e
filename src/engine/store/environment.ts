/**
 * The pool's LMDB environment: one file beside the image holding every table.
 * Each changing command runs inside one synchronous write transaction (`Store.write`), which LMDB
 * serializes across processes and rolls back if the callback throws. Reads need nothing more:
 * lmdb-js keeps one read transaction for a whole synchronous event-loop turn.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { CheckedEncoder } from './checked-encoding.js';
import type { DatasetRecord, DirRecord, HistoryRecord, Id, PoolMeta } from './records.js';
import type { Key } from './keys.js';

export interface Tables {
  meta: Database<PoolMeta, string>;
  dirs: Database<DirRecord, Id>;
  dirChildren: Database<Id, Key>;
  datasets: Database<DatasetRecord, Id>;
  snapNames: Database<Id, Key>;
  snapTxgs: Database<Id, Key>;
  nextClones: Database<true, Key>;
  /** user holds: [snapshot id, tag] -> time the hold was placed (seconds) */
  holds: Database<number, Key>;
  nodes: Database<unknown, Id>;
  /** [deadlist, birth, kind, ref] -> asize, or [asize, psize, lsize] for a data record */
  deadEntries: Database<number | [number, number, number], Key>;
  /** [deadlist, birth] -> the bucket's [asize, psize, lsize] sums */
  deadSums: Database<[number, number, number], Key>;
  freeByOffset: Database<number, number>;
  freeBySize: Database<true, Key>;
  history: Database<HistoryRecord, number>;
  /** pool health: 'errors' -> device error counters, 'scan' -> the last scrub (engine/pool/health.ts) */
  health: Database<unknown, string>;
  /** the persistent error log (ZFS spa_errlog): [dataset id, object, block id] -> generation */
  errlog: Database<number, Key>;
  /** processes reading block data: [pid, nonce] -> the txg committed when they began (pool/readers.ts) */
  readers: Database<number, Key>;
  /** extents freed while an older reader may still read them: [free txg, offset] -> length */
  deferred: Database<number, Key>;
  /** removed top-level vdevs' mappings (ZFS vdev_indirect_mapping): [top, source offset] ->
   *  [length, destination offset], offsets as block pointers hold them (vdevs/indirect.ts) */
  indirect: Database<[number, number], Key>;
}

export class Store {
  private constructor(
    readonly env: RootDatabase,
    readonly t: Tables,
    private readonly encoder: CheckedEncoder,
  ) {}

  /** From now on a value without a checksum is damage (the pool was made with them). */
  requireValueChecksums(): void {
    this.encoder.strict = true;
  }

  static open(path: string): Store {
    const env = open({
      path,
      noSubdir: true,
      maxDbs: 32,
      // Durability: a command's commit is on disk when the command returns.
      overlappingSync: false,
      noSync: false,
      cache: false,
    } as Parameters<typeof open>[0]);
    const encoder = new CheckedEncoder();
    const db = <V, K extends Key | string | number>(name: string) =>
      // `encoder` is an lmdb-js option its typings leave out (they list only `encoding`).
      env.openDB<V, K>({ name, encoder, cache: false } as Parameters<RootDatabase['openDB']>[0] & object);
    const t: Tables = {
      meta: db('meta'),
      dirs: db('dirs'),
      dirChildren: db('dirChildren'),
      datasets: db('datasets'),
      snapNames: db('snapNames'),
      snapTxgs: db('snapTxgs'),
      nextClones: db('nextClones'),
      holds: db('holds'),
      nodes: db('nodes'),
      deadEntries: db('deadEntries'),
      deadSums: db('deadSums'),
      freeByOffset: db('freeByOffset'),
      freeBySize: db('freeBySize'),
      history: db('history'),
      health: db('health'),
      errlog: db('errlog'),
      readers: db('readers'),
      deferred: db('deferred'),
      indirect: db('indirect'),
    };
    return new Store(env, t, encoder);
  }

  /** Run `fn` as one atomic, durable write transaction; a throw rolls everything back. */
  write<T>(fn: () => T): T {
    return this.env.transactionSync(fn);
  }

  close(): void {
    // With only synchronous transactions lmdb-js closes at once; the promise merely reports it.
    void this.env.close();
  }
}
