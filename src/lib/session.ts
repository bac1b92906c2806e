/**
 * Opening pools: the one that holds a dataset, as every `zfs` subcommand does first, or each pool
 * a `zpool` command names.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Home } from './home.js';
import { ZfsError, notFound, poolError } from './errors.js';
import { checkDatasetName } from './names.js';
import { PoolHandle, poolNameOf, type Change } from './pool-handle.js';

/** Where input staged for a change of `datasetName` spills (engine/pool/staging.ts): beside its
 *  pool's image, on the disk that holds the pool, or in the home when there is no such pool. */
export function scratchDirOf(home: Home, datasetName: string): string {
  const entry = home.find(poolNameOf(datasetName));
  return entry ? path.dirname(path.resolve(entry.image)) : os.tmpdir();
}

/**
 * The way the library opens a pool: run `fn` with the pool `name` open, and close it after. A
 * name with no imported pool is `onMissing()`, by default `cannot open 'NAME': no such pool`.
 * `fullCheck` reads every page of its metadata first (import, scrub, clear: PoolHandle.open).
 */
export function withPool<T>(
  home: Home,
  name: string,
  fn: (h: PoolHandle) => T,
  { onMissing = noSuchPool(name), fullCheck = false }: { onMissing?: () => T; fullCheck?: boolean } = {},
): T {
  const handle = PoolHandle.open(home, name, { fullCheck });
  if (!handle) return onMissing();
  try {
    return fn(handle);
  } finally {
    handle.close();
  }
}

const noSuchPoolError = (name: string) => poolError(`cannot open '${name}'`, 'ENOENT');

const noSuchPool = (name: string) => (): never => {
  throw noSuchPoolError(name);
};

/** Run `fn` with the pool of `datasetName` open, or return `onMissing()` when no such pool. */
export function withPoolOf<T>(home: Home, datasetName: string, fn: (h: PoolHandle) => T, onMissing: () => T): T {
  return withPool(home, poolNameOf(datasetName), fn, { onMissing });
}

/** Run `fn` with the filesystem `fsName` (a `fs@snap` operand's first part) open, as zfs_main
 *  opens it before acting on its snapshots: a bad name, or no such pool or filesystem, fails. */
export function withFilesystem<T>(home: Home, fsName: string, fn: (h: PoolHandle, dir: number) => T): T {
  const bad = checkDatasetName(fsName, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${fsName}'`, bad);
  return withPoolOf(
    home,
    fsName,
    (h) => {
      const dir = h.findDir(h.view(), fsName);
      if (dir === undefined) throw notFound(fsName);
      return fn(h, dir);
    },
    () => {
      throw notFound(fsName);
    },
  );
}

/** Run `fn` with a lookup that opens each pool once, however many operands name it; every pool
 *  it opened is closed when `fn` returns. */
export function withPoolsOpenedOnce<T>(home: Home, fn: (poolOf: (pool: string) => PoolHandle | null) => T): T {
  const handles = new Map<string, PoolHandle | null>();
  const poolOf = (pool: string) => {
    if (!handles.has(pool)) handles.set(pool, PoolHandle.open(home, pool));
    return handles.get(pool)!;
  };
  try {
    return fn(poolOf);
  } finally {
    for (const h of handles.values()) h?.close();
  }
}

/**
 * zfs_for_each's second half for `set` and `inherit`: change each target in turn, as OpenZFS does
 * with one ioctl each, but the targets of one pool commit in ONE transaction, so that a kill
 * leaves all of them changed or none. A refused change is reported and the rest go on: the
 * transaction is run again without the refused target (which then changed nothing, exactly as
 * its own refused ioctl would). The command line goes to a pool's history with the first change
 * made there, and only while nothing has failed (zfs_main logs only a command that succeeded).
 * Returns whether any was refused.
 */
export function changeEachTarget<T extends { pool: string }>(
  targets: readonly T[],
  poolOf: (pool: string) => PoolHandle | null,
  history: string,
  failedBefore: boolean,
  onError: (line: string) => void,
  change: (h: PoolHandle, c: Change, target: T) => void,
): boolean {
  let failed = failedBefore;
  const logged = new Set<string>();
  // Consecutive targets of one pool form one group (one transaction); order is kept.
  for (let i = 0; i < targets.length; ) {
    const pool = targets[i].pool;
    let j = i;
    while (j < targets.length && targets[j].pool === pool) j++;
    const group = targets.slice(i, j);
    i = j;
    const h = poolOf(pool)!;
    const refused = new Map<T, ZfsError>();
    for (;;) {
      const going = group.filter((t) => !refused.has(t));
      if (going.length === 0) break;
      // Logged with the group's first change when no target before it failed.
      const log = !logged.has(pool) && !failed && going[0] === group[0];
      let refusal: { target: T; err: ZfsError } | null = null;
      try {
        h.change(log ? history : null, (c) => {
          for (const t of going) {
            try {
              change(h, c, t);
            } catch (err) {
              if (err instanceof ZfsError) refusal = { target: t, err };
              throw err;
            }
          }
        });
        break;
      } catch (err) {
        const r = refusal as { target: T; err: ZfsError } | null;
        if (r === null || r.err !== err) throw err;
        refused.set(r.target, r.err);
      }
    }
    for (const t of group) {
      const err = refused.get(t);
      if (err) {
        for (const line of err.lines) onError(line);
        failed = true;
      } else logged.add(pool);
    }
  }
  return failed !== failedBefore;
}

/**
 * Run `fn` with each named pool open, in order, as zpool's commands walk their operands: a name
 * with no imported pool is reported (`cannot open 'x': no such pool`) and skipped, and so, with
 * `skipDamaged`, is a pool that cannot be opened. Returns whether any pool was skipped.
 */
export function forEachNamedPool(
  home: Home,
  names: readonly string[],
  report: (lines: string[]) => void,
  fn: (h: PoolHandle) => void,
  opts: { skipDamaged: boolean } = { skipDamaged: false },
): boolean {
  let skipped = false;
  const skip = (lines: string[]) => {
    report(lines);
    skipped = true;
  };
  for (const name of names) {
    let opened = false;
    try {
      withPool(home, name, (h) => ((opened = true), fn(h)), { onMissing: () => skip(noSuchPoolError(name).lines) });
    } catch (err) {
      // Only the open may be skipped: a failure of `fn` is the command's.
      if (opened || !opts.skipDamaged || !(err instanceof ZfsError)) throw err;
      skip(err.lines);
    }
  }
  return skipped;
}
