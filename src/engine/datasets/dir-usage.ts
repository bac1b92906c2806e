/** What a dir's record says of its space: its limits, its `used`, and what its parent is charged.
 *  Pure functions of the record, below both the view and the transaction (no import cycle). */
import type { DirRecord } from '../store/records.js';

export type SpaceLimit = 'quota' | 'refquota' | 'reservation' | 'refreservation';

export const isSpaceLimit = (name: string): name is SpaceLimit =>
  name === 'quota' || name === 'refquota' || name === 'reservation' || name === 'refreservation';

export function limitOf(dir: DirRecord, name: SpaceLimit): number {
  const value = dir.props[name];
  return value === undefined ? 0 : Number(value);
}

/** dd_used_bytes: everything a dir's `used` is made of. */
export function usedOf(dir: DirRecord): number {
  const u = dir.used;
  return u.head + u.snap + u.child + u.childRsrv + u.refrsrv;
}

/** ZFS parent_delta: how a change of `delta` in a dir's used changes what its parent is charged,
 *  max(used, reservation). */
export function parentDelta(dir: DirRecord, delta: number): number {
  const used = usedOf(dir);
  const reserved = limitOf(dir, 'reservation');
  return Math.max(used + delta, reserved) - Math.max(used, reserved);
}

