/** Seconds since the epoch; TSZFS_NOW pins it so that golden output stays byte-stable. */
export function nowSeconds(): number {
  const pinned = process.env.TSZFS_NOW;
  if (pinned !== undefined && /^\d+$/.test(pinned)) return Number(pinned);
  return Math.floor(Date.now() / 1000);
}
