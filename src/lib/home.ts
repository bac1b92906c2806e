/**
 * Where pools live: TSZFS_HOME (or --home) holds the registry of imported pools, the analogue of
 * zpool.cache, and the default pool images.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
    this.dir = path.resolve(dir ?? process.env.TSZFS_HOME ?? defaultHome());
  }

  private get registryPath(): string {
    return path.join(this.dir, 'pools.json');
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
    const registry = this.read();
    const entry = registry.pools[name];
    if (!entry || (entry.faulted ?? null) === reason) return;
    if (reason === null) delete entry.faulted;
    else entry.faulted = reason;
    this.write(registry);
  }

  add(entry: PoolEntry): void {
    const registry = this.read();
    registry.pools[entry.name] = { image: entry.image };
    this.write(registry);
  }

  remove(name: string): void {
    const registry = this.read();
    delete registry.pools[name];
    this.write(registry);
  }

  private read(): Registry {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.registryPath, 'utf8')) as Registry;
      return parsed && typeof parsed.pools === 'object' ? parsed : { pools: {} };
    } catch {
      return { pools: {} };
    }
  }

  /** Replace the registry atomically: a crash leaves the old or the new file, never half of one. */
  private write(registry: Registry): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.registryPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(registry, null, 2) + '\n');
    fs.renameSync(tmp, this.registryPath);
  }
}

function defaultHome(): string {
  const xdg = process.env.XDG_DATA_HOME;
  return xdg ? path.join(xdg, 'tszfs') : path.join(os.homedir(), '.local', 'share', 'tszfs');
}
