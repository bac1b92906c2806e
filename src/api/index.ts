/**
 * The tszfs package API: `import { openPool, createPool, ZfsError } from "tszfs"`.
 *
 * A thin, stable facade over the library (src/lib) that the CLI uses too: every call here is the
 * same library verb a `tszfs` command runs, with the same checks, the same atomic transaction and
 * the same OpenZFS messages, and is recorded in the pool's history as that command would be
 * (`zpool history`). A failure is a {@link ZfsError}: OpenZFS's message and an errno-like `code`.
 *
 * Calls are synchronous and each opens the pool for its own duration, as one `tszfs` process
 * does: other processes (and other `Pool` objects) may work on the same pool at any time, and
 * nothing is held open between calls. Only the calls that consume or produce a stream
 * (`writeFile`, `receive`, `createWriteStream`, `readFile`, `send`) are asynchronous, at their
 * stream's end: input is spooled before the pool's lock is taken, and output is spooled while the
 * pool is open and handed on at the reader's pace (in memory up to 8 MiB, past that in an unlinked
 * scratch file beside the pool's image).
 *
 * @packageDocumentation
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WriteMode } from '../engine/files/fs-writer.js';
import type { HistoryRecord } from '../engine/model.js';
import { ZfsError, codeOfLines } from '../lib/errors.js';
import { Home } from '../lib/home.js';
import { storeFailure } from '../lib/pool-handle.js';
import { createPool as createPoolInLib, destroyPool as destroyPoolInLib, poolHistory, poolSummary, type PoolSummary } from '../lib/pools.js';
import { withPool, scratchDirOf } from '../lib/session.js';
import { createFilesystem, createVolume } from '../lib/datasets/create.js';
import { snapshot as snapshotInLib } from '../lib/datasets/snapshot.js';
import { clone as cloneInLib } from '../lib/datasets/clone.js';
import { destroy as destroyInLib } from '../lib/datasets/destroy.js';
import { rename as renameInLib } from '../lib/datasets/rename.js';
import { rollback as rollbackInLib } from '../lib/datasets/rollback.js';
import { promote as promoteInLib } from '../lib/datasets/promote.js';
import { setProperties } from '../lib/datasets/set.js';
import { catFiles, dnodeSize, listDirectory, makeDirectory, removeFiles, writeFile as writeFileInLib } from '../lib/files.js';
import { selectDatasets, propertyName, ListingUsageError, type ListType } from '../lib/listing.js';
import type { Source } from '../lib/properties/values.js';
import { send as sendInLib } from '../lib/send.js';
import { receive as receiveInLib } from '../lib/receive.js';
import { Spool } from '../lib/spool.js';
import { SizeError } from '../lib/sizes.js';
import { PropertyError } from '../lib/properties/assign.js';

export { ZfsError };
export type { Errno as ErrorCode } from '../engine/errno.js';
export type { ListType as DatasetType };
export type { PoolSummary, HistoryRecord };

/** Where pools are registered: a folder (TSZFS_HOME's role). Default: `TSZFS_HOME`, else
 *  `$XDG_DATA_HOME/tszfs`, else `~/.local/share/tszfs`. */
export interface HomeOptions {
  /** the home folder; default as above */
  home?: string;
}

/** Options of {@link createPool} (`zpool create`). */
export interface CreatePoolOptions extends HomeOptions {
  /** the image file; default `HOME/NAME.img` */
  image?: string;
  /** bytes the image holds (at least 64 MiB); default 1 GiB */
  size?: number;
  /** use an image that holds an exported pool (`-f`) */
  force?: boolean;
  /** properties of the root filesystem (`-O`) */
  properties?: Record<string, string>;
  /** pool properties (`-o`) */
  poolProperties?: Record<string, string>;
}

/** A pool as `zpool list` counts it. */
export type PoolInfo = PoolSummary;

/** A property value as `zfs get -p` reports it, with where it comes from. */
export interface PropertyValue {
  /** the value: bytes, counts and times (seconds) as numbers, the rest as text */
  value: number | string;
  /** `local`, `default`, `received`, `inherited from NAME`, or `-` (a read-only value) */
  source: string;
}

/** One dataset of {@link Pool.list}. */
export interface DatasetInfo {
  /** the full name: `tank/fs`, `tank/fs@snap` or `tank/fs#mark` */
  name: string;
  /** what it is (`zfs list`'s `type`) */
  type: ListType;
  /** the properties asked for; a property that does not apply to the type is absent */
  properties: Record<string, PropertyValue>;
}

/** Options of {@link Pool.list} (`zfs list`). */
export interface ListOptions {
  /** datasets to start from (default: the whole pool, recursively) */
  roots?: string[];
  /** their descendants too (default: true when no roots are given) */
  recursive?: boolean;
  /** at most this many levels below each root (implies `recursive`) */
  depth?: number;
  /** default: filesystems and volumes, and snapshots when the pool's `listsnapshots` is on */
  types?: ListType[];
  /** property names, as `zfs list -o` takes them (default: used, available, referenced, mountpoint) */
  properties?: string[];
}

/** Options of {@link Pool.createDataset} (`zfs create`). */
export interface CreateDatasetOptions {
  /** create missing ancestors, and succeed when it exists (`-p`) */
  parents?: boolean;
  /** properties to set (`-o`) */
  properties?: Record<string, string>;
  /** a volume of this many bytes instead of a filesystem (`-V`) */
  volumeSize?: number | bigint;
  /** a volume without a reservation (`-s`) */
  sparse?: boolean;
}

/** Options of {@link Pool.writeFile} and {@link Pool.createWriteStream} (`tszfs write`). */
export interface WriteFileOptions {
  /** create missing directories (`-p`) */
  parents?: boolean;
  /** add to the end of the file (`--append`) */
  append?: boolean;
  /** write from this byte, keeping what is around (`--offset`) */
  offset?: number;
}

/** Options of {@link Pool.send} (`zfs send`). */
export interface SendOptions {
  /** incremental from this snapshot or bookmark (`-i`): `@a`, `fs@a` or `fs#book` */
  from?: string;
  /** with `from`: every snapshot in between, one stream each (`-I`) */
  intermediates?: boolean;
  /** the filesystem, its descendants, every snapshot and the properties (`-R`) */
  replicate?: boolean;
  /** the properties with the stream (`-p`) */
  properties?: boolean;
}

/** Options of {@link Pool.receive} (`zfs receive`). */
export interface ReceiveOptions {
  /** roll back, and destroy what the stream does not hold, to receive (`-F`) */
  force?: boolean;
  /** name the target from the sent name: less its pool (`d`, `-d`) or its last part (`e`, `-e`) */
  naming?: 'target' | 'd' | 'e';
  /** leave what is received unmounted (`-u`) */
  noMount?: boolean;
}

/** An entry of {@link Pool.readdir}. */
export interface DirectoryEntry {
  /** the entry's name in its directory */
  name: string;
  /** the kind of object it names */
  type: 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';
  /** stat's st_size: bytes for a file, the target's length for a symlink, entries (with . and ..)
   *  for a directory, as ZFS reports it */
  size: number;
  /** permission bits with setuid, setgid and sticky */
  mode: number;
  /** owner's user id */
  uid: number;
  /** owner's group id */
  gid: number;
  /** seconds since the epoch */
  mtime: number;
}

/** Bytes a call accepts as input: a Node Readable, any (async) iterable of chunks, or the bytes. */
export type ByteInput = Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> | Uint8Array | string;

/** Create a pool (`zpool create`) and return it. */
export function createPool(name: string, opts: CreatePoolOptions = {}): Pool {
  const home = homeOf(opts);
  const words = ['zpool', 'create', ...(opts.force ? ['-f'] : []), name, ...(opts.image ? [opts.image] : [])];
  guard(home, () =>
    createPoolInLib(
      home,
      name,
      {
        image: opts.image,
        size: opts.size,
        force: opts.force ?? false,
        fsProps: Object.entries(opts.properties ?? {}),
        poolProps: Object.entries(opts.poolProperties ?? {}),
      },
      words.join(' '),
    ),
  );
  return new Pool(home, name);
}

/** Open an imported pool by name; a pool that is not there is ZfsError `ENOENT` (`no such pool`). */
export function openPool(name: string, opts: HomeOptions = {}): Pool {
  const pool = new Pool(homeOf(opts), name);
  pool.info();
  return pool;
}

/** The imported pools, by name. */
export function listPools(opts: HomeOptions = {}): PoolInfo[] {
  const home = homeOf(opts);
  return home.pools().map((p) => new Pool(home, p.name).info());
}

/** Destroy a pool (`zpool destroy`): its metadata goes, and its image when tszfs made it. */
export function destroyPool(name: string, opts: HomeOptions = {}): void {
  const home = homeOf(opts);
  guard(home, () => destroyPoolInLib(home, name));
}

/**
 * An imported pool. Dataset names are full names (`tank/home@monday`), as with `zfs`. Each call
 * opens the pool for its own duration; a Pool holds nothing open and needs no closing.
 */
export class Pool {
  /** @internal use {@link openPool} or {@link createPool} */
  constructor(
    private readonly homeRef: Home,
    /** the pool's name */
    readonly name: string,
  ) {}

  /** The folder the pool is registered in. */
  get home(): string {
    return this.homeRef.dir;
  }

  /** Size and allocation (`zpool list`). */
  info(): PoolInfo {
    return this.run(() => withPool(this.homeRef, this.name, poolSummary));
  }

  /** The pool's history (`zpool history`), oldest first. */
  history(): HistoryRecord[] {
    return this.run(() => withPool(this.homeRef, this.name, poolHistory));
  }

  /** Create a filesystem, or with `volumeSize` a volume (`zfs create`). */
  createDataset(name: string, opts: CreateDatasetOptions = {}): void {
    const props = Object.entries(opts.properties ?? {});
    const flags = [opts.parents ? '-p' : '', opts.sparse ? '-s' : '', ...props.map(([k, v]) => `-o ${k}=${v}`)];
    this.run(() => {
      if (opts.volumeSize === undefined) return createFilesystem(this.homeRef, name, { parents: opts.parents ?? false, props }, this.line('create', ...flags, name));
      const size = BigInt(opts.volumeSize);
      const history = this.line('create', ...flags, `-V ${size}`, name);
      createVolume(this.homeRef, name, { parents: opts.parents ?? false, props, size, sparse: opts.sparse ?? false, warn: () => {} }, history);
    });
  }

  /** Take snapshots (`zfs snapshot`), all at once in one transaction: `tank/a@now`. */
  snapshot(names: string | string[], opts: { recursive?: boolean; properties?: Record<string, string> } = {}): void {
    const list = typeof names === 'string' ? [names] : names;
    const props = Object.entries(opts.properties ?? {});
    this.run(() => snapshotInLib(this.homeRef, list, { recursive: opts.recursive ?? false, props }, this.line('snapshot', opts.recursive ? '-r' : '', ...list)));
  }

  /** Clone a snapshot as a new filesystem or volume (`zfs clone`). */
  clone(snapshot: string, target: string, opts: { parents?: boolean; properties?: Record<string, string> } = {}): void {
    const props = Object.entries(opts.properties ?? {});
    this.run(() => cloneInLib(this.homeRef, snapshot, target, { parents: opts.parents ?? false, props }, this.line('clone', opts.parents ? '-p' : '', snapshot, target)));
  }

  /** Destroy a dataset or snapshot (`zfs destroy`); `tank/a@x%y` names a range of snapshots. */
  destroy(name: string, opts: { recursive?: boolean; dependents?: boolean; defer?: boolean } = {}): void {
    const flags = [opts.recursive ? '-r' : '', opts.dependents ? '-R' : '', opts.defer ? '-d' : ''];
    this.run(() =>
      destroyInLib(this.homeRef, name, { recursive: opts.recursive ?? false, dependents: opts.dependents ?? false, defer: opts.defer }, this.line('destroy', ...flags, name)),
    );
  }

  /** Rename a dataset or snapshot (`zfs rename`). */
  rename(name: string, newName: string, opts: { recursive?: boolean; parents?: boolean } = {}): void {
    const flags = [opts.recursive ? '-r' : '', opts.parents ? '-p' : ''];
    this.run(() => renameInLib(this.homeRef, name, newName, { recursive: opts.recursive ?? false, parents: opts.parents ?? false }, this.line('rename', ...flags, name, newName)));
  }

  /** Roll a filesystem back to a snapshot (`zfs rollback`); `recursive` destroys newer ones. */
  rollback(snapshot: string, opts: { recursive?: boolean; clones?: boolean } = {}): void {
    const flags = [opts.recursive ? '-r' : '', opts.clones ? '-R' : ''];
    this.run(() => rollbackInLib(this.homeRef, snapshot, { recursive: opts.recursive ?? false, clones: opts.clones ?? false }, this.line('rollback', ...flags, snapshot)));
  }

  /** Make a clone independent of its origin (`zfs promote`). */
  promote(clone: string): void {
    this.run(() => promoteInLib(this.homeRef, clone, this.line('promote', clone)));
  }

  /** Set properties on datasets (`zfs set`), each dataset's in one transaction. */
  set(names: string | string[], properties: Record<string, string>): void {
    const list = typeof names === 'string' ? [names] : names;
    const assignments = Object.entries(properties);
    this.run(() => {
      const lines: string[] = [];
      const status = setProperties(this.homeRef, assignments, list, this.line('set', ...assignments.map(([k, v]) => `${k}=${v}`), ...list), (l) => lines.push(l));
      if (status !== 0) throw new ZfsError(lines, status);
    });
  }

  /** One property of one dataset (`zfs get -p`). */
  get(name: string, property: string): PropertyValue {
    const info = this.list({ roots: [name], recursive: false, types: ['filesystem', 'volume', 'snapshot', 'bookmark'], properties: [property] })[0];
    const canonical = propertyName(property) ?? property;
    const value = info?.properties[canonical];
    if (value === undefined) throw ZfsError.action(`cannot get property '${property}' of '${name}'`, "property doesn't apply to datasets of this type");
    return value;
  }

  /** Datasets with their properties (`zfs list -p`), in OpenZFS's order. */
  list(opts: ListOptions = {}): DatasetInfo[] {
    return this.run(() => {
      const props: string[] = [];
      for (const p of opts.properties ?? ['used', 'available', 'referenced', 'mountpoint']) {
        const name = propertyName(p);
        if (name === null) throw ZfsError.action('bad property list', `invalid property '${p}'`);
        props.push(name);
      }
      const lines: string[] = [];
      const roots = opts.roots ?? [this.name];
      const { rows, failed } = selectDatasets(
        this.homeRef,
        {
          command: 'list',
          operands: roots,
          recursive: opts.recursive ?? opts.roots === undefined,
          depth: opts.depth ?? null,
          types: opts.types ? new Set(opts.types) : null,
          props,
        },
        [],
        (l) => lines.push(l),
      );
      if (failed) throw new ZfsError(lines);
      return rows.map((r) => {
        const properties: Record<string, PropertyValue> = {};
        for (const p of props) {
          const v = r.values.get(p);
          if (v) properties[p] = { value: v.value, source: sourceText(v.source) };
        }
        return { name: r.name, type: r.type, properties };
      });
    });
  }

  /**
   * Write a file from `data` (a Readable, an async iterable of chunks, or bytes), as one atomic
   * change: a failure or a stream that errors leaves the file as it was.
   */
  async writeFile(dataset: string, path: string, data: ByteInput, opts: WriteFileOptions = {}): Promise<void> {
    await pipeline(toReadable(data), this.createWriteStream(dataset, path, opts));
  }

  /** A Writable into a file: what is written is stored, atomically, when it ends. */
  createWriteStream(dataset: string, path: string, opts: WriteFileOptions = {}): Writable {
    const spool = new Spool(scratchDirOf(this.homeRef, dataset));
    const mode: WriteMode = opts.offset !== undefined ? { kind: 'offset', offset: opts.offset } : opts.append ? { kind: 'append' } : { kind: 'replace' };
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        try {
          spool.append(chunk);
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
      final: (callback) => {
        try {
          this.run(() => writeFileInLib(this.homeRef, dataset, path, mode, spool.source(), { parents: opts.parents ?? false }));
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
      destroy(err, callback) {
        spool.close();
        callback(err);
      },
    });
  }

  /** A file's bytes (of a filesystem or a snapshot), verified against their checksums. */
  readFile(dataset: string, path: string): Readable {
    const spool = new Spool(scratchDirOf(this.homeRef, dataset));
    try {
      this.run(() => catFiles(this.homeRef, dataset, [path], (chunk) => spool.append(chunk)));
    } catch (err) {
      spool.close();
      throw err;
    }
    return spool.readable();
  }

  /** The entries of a directory (`tszfs ls`). */
  readdir(dataset: string, path = '/'): DirectoryEntry[] {
    return this.run(() =>
      listDirectory(this.homeRef, dataset, path, false)[0].entries.map(({ name, dnode }) => ({
        name,
        type: dnode.type,
        size: dnodeSize(dnode),
        mode: dnode.mode,
        uid: dnode.uid,
        gid: dnode.gid,
        mtime: dnode.mtime[0],
      })),
    );
  }

  /** Make a directory (`tszfs mkdir`). */
  mkdir(dataset: string, path: string, opts: { parents?: boolean } = {}): void {
    this.run(() => makeDirectory(this.homeRef, dataset, path, { parents: opts.parents ?? false }));
  }

  /** Remove files or directories (`tszfs rm`), all in one transaction. */
  rm(dataset: string, paths: string | string[], opts: { recursive?: boolean; force?: boolean } = {}): void {
    const list = typeof paths === 'string' ? [paths] : paths;
    this.run(() => removeFiles(this.homeRef, dataset, list, { recursive: opts.recursive ?? false, force: opts.force ?? false }));
  }

  /** A send stream of a snapshot (`zfs send`), for {@link Pool.receive} here or on another pool. */
  send(snapshot: string, opts: SendOptions = {}): Readable {
    const spool = new Spool(scratchDirOf(this.homeRef, snapshot));
    try {
      this.run(() =>
        sendInLib(
          this.homeRef,
          snapshot,
          { from: opts.from, intermediates: opts.intermediates, replicate: opts.replicate, props: opts.properties, dryRun: false },
          (chunk) => spool.append(chunk),
        ),
      );
    } catch (err) {
      spool.close();
      throw err;
    }
    return spool.readable();
  }

  /** Receive a send stream into `target` (`zfs receive`), all or nothing. */
  async receive(target: string, stream: ByteInput, opts: ReceiveOptions = {}): Promise<void> {
    const spool = new Spool(scratchDirOf(this.homeRef, target));
    try {
      for await (const chunk of toReadable(stream)) spool.append(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
      const flags = [opts.force ? '-F' : '', opts.naming === 'd' ? '-d' : opts.naming === 'e' ? '-e' : '', opts.noMount ? '-u' : ''];
      this.run(() =>
        receiveInLib(
          this.homeRef,
          target,
          { force: opts.force ?? false, dryRun: false, naming: opts.naming ?? 'target', noMount: opts.noMount },
          spool.source(),
          this.line('receive', ...flags, target),
        ),
      );
    } finally {
      spool.close();
    }
  }

  /** The history line of a call, as the command it stands for. */
  private line(...words: string[]): string {
    return ['zfs', ...words.filter((w) => w !== '')].join(' ');
  }

  private run<T>(fn: () => T): T {
    return guard(this.homeRef, fn);
  }
}

const homeOf = (opts: HomeOptions): Home => new Home(opts.home);

/** Run a library call: its failures reach the caller as ZfsError, whatever layer refused. */
function guard<T>(home: Home, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ZfsError) throw err;
    if (err instanceof ListingUsageError || err instanceof SizeError || err instanceof PropertyError) {
      const lines = [err.message];
      throw new ZfsError(lines, 1, codeOfLines(lines));
    }
    throw storeFailure(home, err) ?? err;
  }
}

function sourceText(source: Source): string {
  switch (source.type) {
    case 'none':
      return '-';
    case 'inherited':
      return `inherited from ${source.from}`;
    default:
      return source.type;
  }
}

function toReadable(data: ByteInput): Readable {
  if (data instanceof Readable) return data;
  if (typeof data === 'string' || data instanceof Uint8Array) return Readable.from([Buffer.from(data)]);
  return Readable.from(data as Iterable<Uint8Array>);
}
