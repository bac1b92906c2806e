/** Opens a pool of a sandbox through the library and runs the full consistency check. */
import { checkPool } from '../../src/engine/check.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';

export function poolProblems(home: string, pool = 'tank'): string[] {
  const h = PoolHandle.open(new Home(home), pool);
  if (!h) return [`pool ${pool} not found`];
  try {
    return checkPool(h.pool).problems;
  } finally {
    h.close();
  }
}
