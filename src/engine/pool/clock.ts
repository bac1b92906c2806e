import { invocationEnv } from './env.js';

/** Seconds since the epoch; TSZFS_NOW pins it so that golden output stays byte-stable. */
export function nowSeconds(): number {
  return clockPinned() ? Number(invocationEnv().TSZFS_NOW) : Math.floor(Date.now() / 1000);
}

/** The time as [seconds, nanoseconds] (a file's times); pinned by TSZFS_NOW to whole seconds. */
export function nowTimespec(): [number, number] {
  if (clockPinned()) return [Number(invocationEnv().TSZFS_NOW), 0];
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  return [sec, Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6))];
}

export const clockPinned = (): boolean => /^\d+$/.test(invocationEnv().TSZFS_NOW ?? '');
