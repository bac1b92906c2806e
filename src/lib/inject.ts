/**
 * `tszfs inject` (ZFS zinject -d): faults on a device of a pool, on purpose, for tests: its reads
 * damaged (`-e checksum`, or zinject's `corrupt`), its reads or writes failing (`-e io`, `-T`),
 * or the device taken away (`-e nxio`, the default). Handlers stay until `-c` clears them.
 */
import * as path from 'node:path';
import { addInjectHandler, injectHandlers, removeInjectHandlers, type InjectHandler } from '../engine/pool/inject.js';
import { allLeaves } from '../engine/pool/vdevs/config.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';

export interface HandlerRow {
  pool: string;
  handler: InjectHandler;
}

/** Every handler of every pool that opens, by id. */
export function listInjectHandlers(home: Home): HandlerRow[] {
  const rows: HandlerRow[] = [];
  for (const { name } of home.pools()) {
    try {
      withPool(home, name, (h) => rows.push(...injectHandlers(h.pool.t).map((handler) => ({ pool: name, handler }))));
    } catch {
      /* a pool that does not open has no handlers to show */
    }
  }
  return rows.sort((a, b) => a.handler.id - b.handler.id);
}

/** Register a device handler; returns it. DEVICE is a device's path, file name or guid (hex). */
export function injectDevice(home: Home, pool: string, device: string, error: InjectHandler['error'], iotype: InjectHandler['iotype']): InjectHandler {
  const id = 1 + Math.max(0, ...listInjectHandlers(home).map((r) => r.handler.id));
  return withPool(home, pool, (h) => {
    const tree = h.pool.meta().vdevs;
    const leaf = tree
      ? allLeaves(tree).find((l) => l.path === path.resolve(device) || path.basename(l.path) === device || BigInt(l.guid).toString(16) === device.toLowerCase())
      : undefined;
    if (!leaf) throw new ZfsError([`cannot find device '${device}' in pool '${pool}'`]);
    const handler: InjectHandler = { id, guid: leaf.guid, error, iotype };
    h.pool.store.write(() => addInjectHandler(h.pool.t, handler));
    return handler;
  });
}

/** Remove handler `id`, or every handler (null); false when there was no such handler. */
export function clearInjectHandlers(home: Home, id: number | null): boolean {
  let removed = false;
  for (const { name } of home.pools()) {
    try {
      withPool(home, name, (h) => {
        h.pool.store.write(() => {
          if (removeInjectHandlers(h.pool.t, id)) removed = true;
        });
      });
    } catch {
      /* a pool that does not open keeps its handlers until it does */
    }
  }
  return removed || id === null;
}
