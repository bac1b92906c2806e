/**
 * Where pools live: TSZFS_HOME (or --home) holds the registry of imported pools, the analogue of
 * zpool.cache, and the default pool images.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { invocationEnv } from '../engine/pool/env.js';
import { sleepSync } from '../engine/sleep.js';
import { strerror, ZfsError } from './errors.js';
import { homeAction, makeDir, unusableDir } from './host-dirs.js';

export interface PoolEntry {
  name: string;
  image: string;
  /** why the pool's metadata was found damaged (by a full check); no command reads it until a
   *  scrub, clear or import finds it sound again */
  faulted?: string;
}

interface Registry {
  pools: Record<string, { image: string; faulted?: string }>;
}

export class Home {
  readonly dir: string;
  /** The pool this invocation opened last: a failure of its metadata store surfacing later, in
   *  the middle of a command, is reported against it (pool-handle.ts storeFailure). */
  lastOpened: { name: string; metadata: string } | null = null;

  constructor(dir?: string) {
    // An empty TSZFS_HOME is unset (as shells treat an empty variable), not the working directory.
    this.dir = path.resolve(dir ?? (invocationEnv().TSZFS_HOME || defaultHome()));
  }

  private get registryPath(): string {
    return path.join(this.dir, 'pools.json');
  }

  /** Why the home cannot be used at all (it is a file, or on /proc), or null: a missing home is
   *  fine until something is stored in it, and then it is made. */
  unusable(): string | null {
    const bad = unusableDir(this.dir, false);
    return bad && `${homeAction(this.dir)}: ${bad}`;
  }

  defaultImage(pool: string): string {
    return path.join(this.dir, `${pool}.img`);
  }

  pools(): PoolEntry[] {
    const registry = this.read();
    return Object.keys(registry.pools)
      .sort()
      .map((name) => ({ name, image: registry.pools[name].image }));
  }

  find(name: string): PoolEntry | undefined {
    const entry = this.read().pools[name];
    return entry ? { name, ...entry } : undefined;
  }

  /** Record (or, with null, forget) that a pool's metadata is damaged. */
  setFaulted(name: string, reason: string | null): void {
    this.update((registry) => {
      const entry = registry.pools[name];
      if (!entry || (entry.faulted ?? null) === reason) return false;
      if (reason === null) delete entry.faulted;
      else entry.faulted = reason;
      return true;
    });
  }

  /** Register a pool. False, and nothing changes, when a pool of that name is registered already
   *  (two creates or imports of one name at once: the first to register wins). */
  add(entry: PoolEntry): boolean {
    return this.update((registry) => {
      if (registry.pools[entry.name]) return false;
      registry.pools[entry.name] = { image: entry.image };
      return true;
    });
  }

  /** The pool's registered image is now `image` (its first device was replaced). */
  move(name: string, image: string): void {
    this.update((registry) => {
      if (!registry.pools[name]) return false;
      registry.pools[name] = { ...registry.pools[name], image };
      return true;
    });
  }

  remove(name: string): void {
    this.update((registry) => {
      if (!registry.pools[name]) return false;
      delete registry.pools[name];
      return true;
    });
  }

  private read(): Registry {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.registryPath, 'utf8')) as Registry;
      return parsed && typeof parsed.pools === 'object' ? parsed : { pools: {} };
    } catch {
      return { pools: {} };
    }
  }

  /**
   * Read, change and replace the registry under the home's lock, so that two processes changing
   * it at once (two `pool create`s) both land: without the lock the second write, made from a
   * registry read before the first landed, loses the first pool. `change` returns whether it
   * changed anything. The file is replaced atomically: a crash leaves the old or the new one.
   */
  private update(change: (registry: Registry) => boolean): boolean {
    makeDir(this.dir, homeAction(this.dir));
    return withLock(`${this.registryPath}.lock`, homeAction(this.dir), () => {
      const registry = this.read();
      if (!change(registry)) return false;
      const tmp = `${this.registryPath}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, JSON.stringify(registry, null, 2) + '\n');
        fs.renameSync(tmp, this.registryPath);
      } catch (err) {
        // A full or failing disk: the registry stays as it was.
        fs.rmSync(tmp, { force: true });
        if (!(err as NodeJS.ErrnoException).code) throw err;
        throw ZfsError.action(homeAction(this.dir), strerror(err));
      }
      return true;
    });
  }
}

/** How long a registry change may wait for another process's (milliseconds held: a few). */
const LOCK_WAIT_MS = 10_000;
/** A lock older than this is stale whoever holds it (its holder is stopped, or its pid reused). */
const LOCK_STALE_MS = 30_000;

/**
 * Run `fn` holding the lock file `lock`, made with O_EXCL and naming its holder. A lock whose
 * holder died (kill -9 between taking and dropping it) is broken: moved aside under a name of
 * our own, and put back if it turns out another process took it meanwhile.
 */
function withLock<T>(lock: string, action: string, fn: () => T): T {
  const mine = `${process.pid} ${Math.random().toString(36).slice(2)}\n`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      fs.writeFileSync(lock, mine, { flag: 'wx' });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // Made but not written (a full disk): O_EXCL made it ours to remove.
        if (code !== undefined && readLock(lock) === '') fs.rmSync(lock, { force: true });
        throw code === undefined ? err : ZfsError.action(action, strerror(err));
      }
    }
    const holder = readLock(lock);
    if (holder !== null && isStale(lock, holder)) breakLock(lock, holder);
    else if (Date.now() > deadline) throw ZfsError.action(`cannot lock '${lock}'`, `held by process ${holder?.split(' ')[0] ?? '?'}`);
    else sleepSync(wait);
  }
  try {
    return fn();
  } finally {
    if (readLock(lock) === mine) fs.rmSync(lock, { force: true });
  }
}

function readLock(lock: string): string | null {
  try {
    return fs.readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
}

function isStale(lock: string, holder: string): boolean {
  const pid = Number(holder.split(' ')[0]);
  const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
  // A lock file being written is empty for an instant: only its age makes it stale.
  if (!Number.isInteger(pid) || pid <= 0) return holder === '' ? age > LOCK_STALE_MS : true;
  return !processAlive(pid) || age > LOCK_STALE_MS;
}

function breakLock(lock: string, holder: string): void {
  const aside = `${lock}.${process.pid}.stale`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return;
  }
  // Another process broke it first and took the lock: give that one back.
  if (readLock(aside) !== holder) {
    try {
      fs.linkSync(aside, lock);
    } catch {
      /* a third process holds the lock now; the one we moved was not ours to keep */
    }
  }
  fs.rmSync(aside, { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function defaultHome(): string {
  const env = invocationEnv();
  if (env.XDG_DATA_HOME) return path.join(env.XDG_DATA_HOME, 'tszfs');
  return path.join(env.HOME || os.homedir(), '.local', 'share', 'tszfs');
}
