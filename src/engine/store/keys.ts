/**
 * Key shapes of the pool's LMDB tables. Keys are arrays in lmdb-js's ordered-binary encoding, so
 * they sort element by element: numbers numerically, strings bytewise. Every id, txg and offset
 * stays below 2^53, so plain numbers encode exactly (a bigint would silently become a double).
 */
import type { Id, Txg } from './records.js';

export type KeyPart = number | string;
export type Key = KeyPart[];

export const dirChildKey = (parent: Id, name: string): Key => [parent, name];
export const snapNameKey = (dir: Id, name: string): Key => [dir, name];
export const snapTxgKey = (dir: Id, txg: Txg): Key => [dir, txg];
export const nextCloneKey = (snap: Id, firstOfClone: Id): Key => [snap, firstOfClone];
export const deadEntryKey = (deadlist: Id, birth: Txg, kind: number, ref: number): Key => [deadlist, birth, kind, ref];
export const deadSumKey = (deadlist: Id, birth: Txg): Key => [deadlist, birth];
export const freeBySizeKey = (length: number, offset: number): Key => [length, offset];

/** The range of keys that begin with `prefix` (whose last part is an integer id). */
export function prefixRange(...prefix: number[]): { start: Key; end: Key } {
  const end = prefix.slice();
  end[end.length - 1] += 1;
  return { start: prefix, end };
}

/** Keys [first, b, ...] with `low < b <= high`: the deadlist entries born in (low, high]. */
export function birthRange(first: Id, low: Txg, high: Txg): { start: Key; end: Key } {
  return { start: [first, low + 1], end: [first, high === Infinity ? Number.MAX_SAFE_INTEGER : high + 1] };
}
