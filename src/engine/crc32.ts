/**
 * CRC-32 (zlib's: the polynomial 0xedb88320, reflected, inverted), as `zlib.crc32` computes it.
 * Every metadata record read (engine/store/checked-encoding.ts) and the image label carry one,
 * so every command computes a few hundred of them over small buffers. node:zlib loads node:stream
 * beneath it (~3 ms of every start-up); a table in JavaScript is as fast for small buffers, and
 * large ones still go to zlib's native code, loaded only then.
 */
import { zlib } from './pool/zlib.js';

/** Past this many bytes the native `zlib.crc32` is faster than the table, load included. */
const NATIVE_FROM = 64 * 1024;

let table: Int32Array | null = null;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** The CRC-32 of `data`, an unsigned 32-bit number (what `zlib.crc32(data)` returns). */
export function crc32(data: Uint8Array): number {
  if (data.length >= NATIVE_FROM) return zlib.crc32(data);
  const t = (table ??= makeTable());
  let c = -1;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
