/**
 * The file commands that stand in for a mounted file system: write, cat, ls, mkdir, rm; and
 * write and cat of a volume's bytes, which stand in for its device. Paths print as
 * `DATASET:/PATH` in messages.
 */
import * as path from 'node:path';
import type { DslView } from '../engine/datasets/view.js';
import { damagedBlock, EngineError, isErrno } from '../engine/errno.js';
import { FsView, type Listing } from '../engine/files/fs-view.js';
import type { FileWriteSettings, FsWriter, WriteMode } from '../engine/files/fs-writer.js';
import { stageInput, type ByteSource } from '../engine/pool/staging.js';
import type { Dnode } from '../engine/files/objset.js';
import { displayPath, namesDirectory, pathComponents } from '../engine/files/paths.js';
import { filesAt, readVolumeAt } from '../engine/reading.js';
import { dsizeOf } from '../engine/pool/pool.js';
import type { HeadRecord, Id } from '../engine/model.js';
import { noteDamagedBlock } from '../engine/scrub.js';
import { engineFailure, ZfsError, notFound } from './errors.js';
import type { Home } from './home.js';
import { checkDatasetName } from './names.js';
import { headKind, type Change, type PoolHandle, type Resolved } from './pool-handle.js';
import { DatasetProps } from './properties/values.js';
import { withPoolOf } from './session.js';
import { openFiles, openVolume, writeSettings } from '../engine/sync-task.js';
import { masterKeyOf } from '../engine/keys.js';

export { dnodeSize } from '../engine/files/objset.js';

export function fileError(verb: string, dataset: string, path: string, err: unknown): unknown {
  return engineFailure(`cannot ${verb} '${dataset}:${path}'`, err);
}

export function components(verb: string, dataset: string, path: string): string[] {
  try {
    return pathComponents(path);
  } catch (err) {
    throw fileError(verb, dataset, path, err);
  }
}

/** What a command reaches in a dataset: a filesystem's files or a volume's bytes. */
export type Contents = 'files' | 'volume';

/** The contents of `dataset` as `view` sees it; a dataset holding other contents than `want` is
 *  refused as zfs_open refuses a wrong type. */
function resolveContents(h: PoolHandle, view: DslView, dataset: string, want: Contents | null): { r: Resolved; contents: Contents } {
  const r = h.resolve(view, dataset);
  if (!r) throw notFound(dataset);
  const contents: Contents = headKind(view, r.dir) === 'volume' ? 'volume' : 'files';
  if (want !== null && contents !== want) {
    throw ZfsError.action(`cannot open '${dataset}'`, 'operation not applicable to datasets of this type');
  }
  return { r, contents };
}

/** Open `dataset` (a filesystem, volume or snapshot) and run `fn` on it with what it holds. */
export function withDataset<T>(home: Home, dataset: string, want: Contents | null, fn: (h: PoolHandle, r: Resolved, contents: Contents) => T): T {
  const bad = checkDatasetName(dataset, ['filesystem', 'snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${dataset}'`, bad);
  return withPoolOf(
    home,
    dataset,
    (h) => {
      const { r, contents } = resolveContents(h, h.view(), dataset, want);
      return fn(h, r, contents);
    },
    () => {
      throw notFound(dataset);
    },
  );
}

/** Whether `dataset` (or a snapshot's dataset) holds files or a volume's bytes: what decides how
 *  `write` and `cat` read their operands. */
export const contentsOf = (home: Home, dataset: string): Contents => withDataset(home, dataset, null, (_h, _r, contents) => contents);

export interface FileChange {
  parents: boolean;
}

/**
 * Run `fn` on the head of `dataset` in one transaction; `what` names it in messages. Input is
 * staged first (engine/pool/staging.ts), with no lock held; every read that decides the change
 * (the dataset, its type, readonly, checksum, compression, recordsize) is made inside the
 * transaction that applies it, so a concurrent change cannot slip in between.
 */
function changeHead(
  home: Home,
  verb: string,
  dataset: string,
  what: string,
  want: Contents,
  input: ByteSource | null,
  fn: (c: Change, head: Id, props: DatasetProps, input: ByteSource) => void,
  failure: { action: string; word: (action: string, err: unknown) => unknown } = { action: `cannot ${verb} '${what}'`, word: engineFailure },
): void {
  const action = failure.action;
  const word = failure.word;
  withDataset(home, dataset, want, (h) => {
    const staged = stageInput(input ?? EMPTY, path.dirname(path.resolve(h.image)));
    let head: Id | null = null;
    try {
      h.syncTask(null, {
        check(c) {
          const { r } = resolveContents(h, c.dsl, dataset, want);
          if (r.kind === 'snapshot') throw word(action, new EngineError('EROFS'));
          head = r.ds.id;
          const props = new DatasetProps(c.dsl, c.tx.meta, r.ds);
          if (props.get('readonly')?.value === 'on') throw word(action, new EngineError('EROFS'));
          return { head: r.ds.id, props };
        },
        sync: (c, { head, props }) => fn(c, head, props, staged),
      });
    } catch (err) {
      // The command rolled back; a damaged block it met is logged in a transaction of its own.
      const block = damagedBlock(err);
      if (block && head !== null) noteDamagedBlock(h.pool, head, block);
      throw word(action, err);
    } finally {
      staged.close();
    }
  });
}

const EMPTY: ByteSource = { settled: true, read: () => 0 };

function change(home: Home, verb: string, dataset: string, path: string, fn: (fs: FsWriter, input: ByteSource, settings: FileWriteSettings) => void, input: ByteSource | null = null): void {
  changeHead(home, verb, dataset, `${dataset}:${path}`, 'files', input, (c, head, props, staged) =>
    fn(openFiles(c, head), staged, { ...settingsOf(props, c), recordsize: Number(props.get('recordsize')?.value) }),
  );
}

/**
 * Change the files of the filesystem `dataset` in ONE transaction (every call of `fn` on `fs` is
 * committed together, or none: a throw rolls all back). `input` (an archive, a file's bytes) is
 * staged first with no lock held and handed to `fn`; `settings` are the head's recordsize,
 * checksum and compression, for the files `fn` writes. A snapshot or a readonly filesystem is
 * refused EROFS, and any failure is worded by `word` as `action: description`
 * (lib/errors.ts: fileFailure for the kernel's strerror, engineFailure for OpenZFS's words).
 */
export function changeFiles(
  home: Home,
  dataset: string,
  action: string,
  fn: (fs: FsWriter, input: ByteSource, settings: FileWriteSettings) => void,
  opts: { input?: ByteSource | null; word?: (action: string, err: unknown) => unknown } = {},
): void {
  changeHead(
    home,
    'change',
    dataset,
    dataset,
    'files',
    opts.input ?? null,
    (c, head, props, staged) => fn(openFiles(c, head), staged, { ...settingsOf(props, c), recordsize: Number(props.get('recordsize')?.value) }),
    { action, word: opts.word ?? engineFailure },
  );
}

/**
 * Read the files of `dataset` (a filesystem or a snapshot): `fn` gets a view of its tree and a
 * reader of file contents. As a registered reader: no block it may read is reused meanwhile, however
 * long `fn` takes (tar -c of a large snapshot).
 */
export function readFiles<T>(home: Home, dataset: string, fn: (fs: FsView, readFile: (dnode: Dnode, out: (chunk: Buffer) => void) => void) => T): T {
  return withDataset(home, dataset, 'files', (h) =>
    h.pool.readingData(() => {
      const r = h.resolve(h.view(), dataset);
      if (!r) throw notFound(dataset);
      const fs = readView(h, r);
      return fn(fs, (dnode, out) => {
        try {
          fs.readFile(h.pool.image, dnode, out);
        } catch (err) {
          const block = damagedBlock(err);
          if (block) noteDamagedBlock(h.pool, r.ds.id, block);
          // An encrypted dataset whose key is not loaded: its contents cannot be read.
          if (isErrno(err, 'EACCES')) throw engineFailure(`cannot open '${dataset}'`, err);
          throw err;
        }
      });
    }),
  );
}

/** How files written into the head `headId` are stored (its recordsize, checksum, compression),
 *  for a caller that opens the head's files in its own transaction (image load). */
export function fileSettingsOf(c: Change, headId: Id): FileWriteSettings {
  const props = new DatasetProps(c.dsl, c.tx.meta, c.dsl.ds(headId) as HeadRecord);
  return { ...settingsOf(props, c), recordsize: Number(props.get('recordsize')?.value) };
}

/** How the head's new records are stored; an encrypted head's key must be loaded (EACCES). */
const settingsOf = (props: DatasetProps, c: Change) => {
  const settings = writeSettings(props.get('checksum')?.value, props.get('compression')?.value, props.get('special_small_blocks')?.value);
  const crypt = masterKeyOf(c, props.dir);
  return crypt ? { ...settings, crypt } : settings;
};

/** Write `src` into a volume from byte `offset` (a write(2) on its device): what would go past
 *  volsize fails the whole write with ENOSPC. */
export function writeVolume(home: Home, dataset: string, offset: number, src: ByteSource): void {
  changeHead(home, 'write', dataset, dataset, 'volume', src, (c, head, props, staged) => openVolume(c, head).write(offset, staged, settingsOf(props, c)));
}

/** Stream all volsize bytes of a volume (or volume snapshot) to `out`, as `cat` of its device. */
export function catVolume(home: Home, dataset: string, out: (chunk: Buffer) => void): void {
  withDataset(home, dataset, 'volume', (h) => h.pool.readingData(() => {
    const r = h.resolve(h.view(), dataset);
    if (!r) throw notFound(dataset);
    try {
      readVolumeAt(h.pool, r.ds.root, out);
    } catch (err) {
      const block = damagedBlock(err);
      if (block) noteDamagedBlock(h.pool, r.ds.id, block);
      throw engineFailure(`cannot open '${dataset}'`, err);
    }
  }));
}

export function writeFile(home: Home, dataset: string, path: string, mode: WriteMode, src: ByteSource, opts: FileChange): void {
  const parts = components('write', dataset, path);
  change(home, 'write', dataset, path, (fs, staged, settings) => {
    if (namesDirectory(path)) refuseNonDirectory(fs, parts, opts.parents);
    fs.write(parts, mode, staged, opts.parents, settings);
  }, src);
}

/**
 * `write DIR/NAME/`: the trailing slash asks for a directory, so an existing file or a name the
 * write would create is ENOTDIR (a directory there goes on to fail EISDIR, a missing parent ENOENT).
 */
function refuseNonDirectory(fs: FsView, parts: string[], parents: boolean): void {
  const found = fs.exists(parts) ? fs.lookup(parts).dnode : null;
  if (found?.type === 'dir') return;
  if (found || parents || fs.exists(parts.slice(0, -1))) throw new EngineError('ENOTDIR');
}

/** A path with a trailing slash that reached something other than a directory. */
function requireDirectory(path: string, dnode: Dnode): void {
  if (namesDirectory(path) && dnode.type !== 'dir') throw new EngineError('ENOTDIR');
}

export function makeDirectory(home: Home, dataset: string, path: string, opts: FileChange): void {
  const parts = components('create directory', dataset, path);
  change(home, 'create directory', dataset, path, (fs) => fs.mkdir(parts, opts.parents));
}

/** Remove each path in ONE transaction group, so that a crash leaves all of them or none. As rm
 *  does, a path that cannot go is reported and the others still go (exit 1 at the end). */
export function removeFiles(home: Home, dataset: string, paths: string[], opts: { recursive: boolean; force: boolean }): void {
  const failures: string[] = [];
  const fail = (path: string, err: unknown) => {
    const e = fileError('remove', dataset, path, err);
    if (!(e instanceof ZfsError)) throw e;
    failures.push(...e.lines);
  };
  const targets: Array<{ path: string; parts: string[] }> = [];
  for (const path of paths) {
    try {
      targets.push({ path, parts: pathComponents(path) });
    } catch (err) {
      fail(path, err);
    }
  }
  if (targets.length > 0) {
    change(home, 'remove', dataset, targets[0].path, (fs) => {
      let removed = 0;
      for (const { path, parts } of targets) {
        try {
          if (opts.force && !fs.exists(parts)) continue;
          if (fs.exists(parts)) requireDirectory(path, fs.lookup(parts).dnode);
          fs.remove(parts, opts.recursive);
          removed++;
        } catch (err) {
          // Each check comes before the removal it guards, so a refused path changed nothing.
          if (!(err instanceof EngineError)) throw err;
          fail(path, err);
        }
      }
      if (removed === 0 && failures.length > 0) throw new ZfsError(failures);
    });
  }
  if (failures.length > 0) throw new ZfsError(failures);
}

function readView(h: PoolHandle, r: Resolved): FsView {
  const fs = filesAt(h.pool.t, r.ds.root);
  const meta = h.pool.meta();
  if (meta.vdevs) fs.dsize = (offset, asize) => dsizeOf(meta, offset, asize);
  return fs;
}

/** Stream each file to `out` (which must consume the chunk before returning). As a registered
 *  reader: however slow `out` is, no block it has yet to read is reused meanwhile. */
export function catFiles(home: Home, dataset: string, paths: string[], out: (chunk: Buffer) => void): void {
  withDataset(home, dataset, 'files', (h) => h.pool.readingData(() => {
    // The view after registering: the dataset may have changed (or gone) since it was found.
    const r = h.resolve(h.view(), dataset);
    if (!r) throw notFound(dataset);
    const fs = readView(h, r);
    for (const path of paths) {
      try {
        const { object, dnode } = fs.lookup(components('open', dataset, path));
        requireDirectory(path, dnode);
        try {
          fs.readFile(h.pool.image, dnode, out);
        } catch (err) {
          const block = damagedBlock(err);
          if (block) {
            block.object = object;
            noteDamagedBlock(h.pool, r.ds.id, block);
          }
          throw err;
        }
      } catch (err) {
        throw fileError('open', dataset, path, err);
      }
    }
  }));
}

export interface DirectoryListing {
  path: string;
  entries: Array<{ name: string; object: number; dnode: Dnode; allocated: number }>;
  /** the path names a non-directory: its one entry is itself */
  single?: true;
}

/** The entries of a directory (or the object itself), and with `recursive` of every directory
 *  below; a symlink named by `path` is followed only with `followLast` (ls -l shows the link). */
export function listDirectory(home: Home, dataset: string, path: string, recursive: boolean, followLast = true): DirectoryListing[] {
  return withDataset(home, dataset, 'files', (h, r) => {
    const fs = readView(h, r);
    const parts = components('open', dataset, path);
    let found;
    try {
      found = fs.lookup(parts, followLast || namesDirectory(path));
      requireDirectory(path, found.dnode);
    } catch (err) {
      throw fileError('open', dataset, path, err);
    }
    if (found.dnode.type !== 'dir') {
      return [{ path: displayPath(parts), entries: [{ name: parts[parts.length - 1], object: found.object, dnode: found.dnode, allocated: fs.allocated(found.dnode) }], single: true }];
    }
    const out: DirectoryListing[] = [];
    const walk = (dirParts: string[], dnode: Dnode) => {
      const entries = fs.list(dnode).map((e: Listing) => ({ ...e, allocated: fs.allocated(e.dnode) }));
      out.push({ path: displayPath(dirParts), entries });
      if (recursive) for (const e of entries) if (e.dnode.type === 'dir') walk([...dirParts, e.name], e.dnode);
    };
    walk(parts, found.dnode);
    return out;
  });
}
