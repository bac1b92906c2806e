/**
 * Readers of block data and the space they pin (semantics §10.6, invariant I4; ZFS keeps freed
 * blocks out of reach for TXG_DEFER_SIZE txgs for a similar reason).
 *
 * LMDB gives a reader a stable view of the metadata, but the image has no versions: if another
 * process frees a block the reader's view still references, and a third process is handed the
 * space and writes there, the reader would meet foreign bytes. So a process that reads block data
 * registers itself with the txg committed when it began; an extent freed in txg F while a live
 * reader began before F is parked in the `deferred` table instead of the free map, still counted
 * as allocated, and joins the free map once no live reader began before F (at the next command, or
 * when the last such reader leaves). A reader that died (kill -9) is recognised by its pid and
 * stops pinning anything.
 */
import type { Tables } from '../store/environment.js';
import type { Key } from '../store/keys.js';

/** Is process `pid` still running? (EPERM: it runs as someone else.) */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The txg at which the oldest live reader began (Infinity if none); inside a write transaction,
 *  forgets readers that died. */
export function oldestReader(t: Tables): number {
  let oldest = Infinity;
  for (const { key, value } of [...t.readers.getRange({})]) {
    const [pid] = key as number[];
    if (!alive(pid)) t.readers.removeSync(key);
    else oldest = Math.min(oldest, value);
  }
  return oldest;
}

let nonce = 0;

/** A key for one reading of this process. */
export function readerKey(): Key {
  return [process.pid, nonce++];
}
