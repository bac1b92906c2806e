/**
 * Opening pools: the one that holds a dataset, as every `zfs` subcommand does first, or each pool
 * a `zpool` command names.
 */
import type { Home } from './home.js';
import { ZfsError } from './errors.js';
import { PoolHandle, poolNameOf } from './pool-handle.js';

/** Run `fn` with the pool of `datasetName` open, or return `onMissing()` when no such pool. */
export function withPoolOf<T>(home: Home, datasetName: string, fn: (h: PoolHandle) => T, onMissing: () => T): T {
  const handle = PoolHandle.open(home, poolNameOf(datasetName));
  if (!handle) return onMissing();
  try {
    return fn(handle);
  } finally {
    handle.close();
  }
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
  for (const name of names) {
    let handle: PoolHandle | null;
    try {
      handle = PoolHandle.open(home, name);
    } catch (err) {
      if (!opts.skipDamaged || !(err instanceof ZfsError)) throw err;
      report(err.lines);
      skipped = true;
      continue;
    }
    if (!handle) {
      report([`cannot open '${name}': no such pool`]);
      skipped = true;
      continue;
    }
    try {
      fn(handle);
    } finally {
      handle.close();
    }
  }
  return skipped;
}
