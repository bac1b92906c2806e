import { invocationEnv } from './env.js';

/** Seconds since the epoch; TSZFS_NOW pins it so that golden output stays byte-stable. */
export function nowSeconds(): number {
  return clockPinned() ? Number(invocationEnv().TSZFS_NOW) : Math.floor(Date.now() / 1000);
}

export const clockPinned = (): boolean => /^\d+$/.test(invocationEnv().TSZFS_NOW ?? '');
