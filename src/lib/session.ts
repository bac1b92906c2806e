/**
 * Opening the pool that holds a dataset, as every `zfs` subcommand does first.
 */
import type { Home } from './home.js';
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

/** Run `fn` for each imported pool, in name order. */
export function forEachPool(home: Home, fn: (h: PoolHandle) => void): void {
  for (const entry of home.pools()) {
    const handle = PoolHandle.open(home, entry.name);
    if (!handle) continue;
    try {
      fn(handle);
    } finally {
      handle.close();
    }
  }
}
