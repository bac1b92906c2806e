/**
 * Faults injected on purpose, for tests (ZFS zinject -d): handlers kept in the pool's health
 * table, applied by the vdevs each time the pool is opened (vdevs/root.ts), until cleared.
 */
import type { Tables } from '../store/environment.js';
import type { Injection } from './vdevs/root.js';

export interface InjectHandler extends Injection {
  id: number;
}

export function injectHandlers(t: Tables): InjectHandler[] {
  return (t.health.get('inject') as InjectHandler[] | undefined) ?? [];
}

/** Register a handler (inside a write transaction). */
export function addInjectHandler(t: Tables, handler: InjectHandler): void {
  t.health.putSync('inject', [...injectHandlers(t), handler]);
}

/** Remove handler `id` (or all with null); whether any went. */
export function removeInjectHandlers(t: Tables, id: number | null): boolean {
  const before = injectHandlers(t);
  const after = id === null ? [] : before.filter((h) => h.id !== id);
  if (after.length === before.length) return false;
  t.health.putSync('inject', after);
  return true;
}
