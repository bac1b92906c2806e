/**
 * An open pool as the library sees it (libzfs's zpool_handle_t): name lookups over the dataset
 * layer, read views, and `change`, which runs one command as one transaction group and records it
 * in the pool's history.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DslView } from '../engine/datasets/view.js';
import { Image } from '../engine/pool/image.js';
import { metadataDamage, Pool } from '../engine/pool/pool.js';
import { EngineError, poolFilesFailure } from '../engine/errno.js';
import { syncTask, type Change, type SyncTask } from '../engine/sync-task.js';
import type { HeadRecord, Id, SnapshotRecord } from '../engine/model.js';
import { engineFailure, ZfsError, poolError } from './errors.js';
import { keptKeys } from './crypto/keystore.js';
import { loadKeptKeys } from '../engine/keys.js';
import type { Home } from './home.js';

export type Resolved =
  | { kind: 'filesystem' | 'volume'; dir: Id; ds: HeadRecord }
  | { kind: 'snapshot'; dir: Id; ds: SnapshotRecord };

export type DatasetKind = Resolved['kind'];

/** What a dir's head is: a volume, or (records before volumes too) a filesystem. */
export const headKind = (view: DslView, dir: Id): 'filesystem' | 'volume' => view.dir(dir).type ?? 'filesystem';

export type { Change };

export const metadataPathOf = (image: string) => `${image}.lmdb`;

export const poolNameOf = (datasetName: string) => datasetName.split(/[/@#]/, 1)[0];

export class PoolHandle {
  private constructor(
    readonly name: string,
    readonly image: string,
    readonly pool: Pool,
  ) {}

  /**
   * The imported pool called `name`, or null. `fullCheck` reads every page of its metadata before
   * LMDB does (engine/store/verify.ts), as import, scrub and clear do: damage it finds marks the
   * pool faulted in the registry, and a faulted pool is opened by nothing but a full check, which
   * clears the mark once the metadata is sound (restored from a copy).
   */
  static open(home: Home, name: string, { fullCheck = false } = {}): PoolHandle | null {
    const entry = home.find(name);
    if (!entry) return null;
    if (entry.faulted && !fullCheck) throw poolError(`cannot open '${name}'`, 'EIO', entry.faulted);
    const label = Image.readLabel(entry.image);
    const metadata = metadataPathOf(path.resolve(entry.image));
    const notThisPool = () => poolError(`cannot open '${name}'`, 'EIO', `the image '${entry.image}' does not hold this pool`);
    // The first device of a pool of several may be gone, or a new file without a label (to be
    // replaced): its metadata finds the others. A pool of one image needs its label.
    const maybeDeviceGone = !label && fs.existsSync(metadata);
    if (!maybeDeviceGone && (!label || label.pool !== name)) throw notThisPool();
    home.lastOpened = { name, metadata };
    let pool: Pool;
    try {
      pool = Pool.open(entry.image, metadata, fullCheck);
    } catch (err) {
      const files = poolFilesFailure(err);
      if (files?.damaged) home.setFaulted(name, files.reason);
      if (!label && !files?.damaged) throw notThisPool();
      throw engineFailure(`cannot open '${name}'`, err);
    }
    if (!label && !pool.image.tree) {
      pool.close();
      throw notThisPool();
    }
    if (fullCheck) home.setFaulted(name, null);
    const handle = new PoolHandle(name, entry.image, pool);
    // Keys that load-key left for this pool (lib/crypto/keystore.ts): one readdir when none.
    loadKeptKeys(pool, keptKeys(home, pool.meta().guid), handle.view());
    return handle;
  }

  /** A handle over a pool opened by its builder (pool create), before it is registered. */
  static over(name: string, image: string, pool: Pool): PoolHandle {
    return new PoolHandle(name, image, pool);
  }

  view(): DslView {
    return new DslView(this.pool.t);
  }

  rootDir(): Id {
    return this.pool.meta().rootDir;
  }

  /** The dir of a filesystem name like `tank/a/b`. */
  findDir(view: DslView, name: string): Id | undefined {
    const [poolName, ...rest] = name.split('/');
    if (poolName !== this.name) return undefined;
    let dir: Id | undefined = this.rootDir();
    for (const part of rest) {
      dir = view.childDir(dir, part);
      if (dir === undefined) return undefined;
    }
    return dir;
  }

  /** A filesystem, volume or snapshot by full name. */
  resolve(view: DslView, name: string): Resolved | undefined {
    const at = name.indexOf('@');
    const dir = this.findDir(view, at < 0 ? name : name.slice(0, at));
    if (dir === undefined) return undefined;
    if (at < 0) return { kind: headKind(view, dir), dir, ds: view.head(dir) };
    const snap = view.snapshotByName(dir, name.slice(at + 1));
    return snap === undefined ? undefined : { kind: 'snapshot', dir, ds: view.ds(snap) as SnapshotRecord };
  }

  /** Run one changing command through the engine's front door (check, then sync, in one
   *  transaction group), and log it to the pool's history when it succeeds. */
  syncTask<C, T>(history: string | null, task: SyncTask<C, T>): T {
    return syncTask(this.pool, history === null ? null : { line: history, who: whoAmI() }, task);
  }

  /** A change whose checks are made as it goes (each before the step it guards). */
  change<T>(history: string | null, fn: (c: Change) => T): T {
    return this.syncTask(history, { check: () => undefined, sync: fn });
  }

  close(): void {
    this.pool.close();
  }
}

/**
 * An unexpected error met while a pool was open, as a user-facing error when it is a failure of
 * the pool's metadata store: an LMDB error code (MDB_CORRUPTED, MDB_PAGE_NOTFOUND, ...), a record
 * that does not decode or fails its checksum (checked-encoding.ts), or a page that a
 * full check now finds damaged. Null for anything else (a bug stays an internal error).
 */
export function storeFailure(home: Home, err: unknown): ZfsError | null {
  const opened = home.lastOpened;
  if (!opened || !(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  const lmdbCode = typeof code === 'number' && code >= -30800 && code <= -30700;
  const decoding =
    (err instanceof EngineError && err.object?.kind === 'metadata-record') || /[\\/]node_modules[\\/](lmdb|msgpackr)[\\/]/.test(err.stack ?? '');
  const damage = metadataDamage(opened.metadata);
  if (damage) {
    home.setFaulted(opened.name, damage);
    return poolError(`cannot open '${opened.name}'`, 'EIO', damage);
  }
  if (!lmdbCode && !decoding) return null;
  return poolError(`cannot open '${opened.name}'`, 'EIO', `the metadata '${opened.metadata}' cannot be read (${err.message})`);
}

/** The user and host a history record names (`zpool history -l`). */
function whoAmI(): string {
  const user = os.userInfo();
  return `user ${user.uid} (${user.username}) on ${os.hostname()}`;
}
