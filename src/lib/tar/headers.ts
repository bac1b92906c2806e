/**
 * tar-stream's header codec (ustar, GNU and v7 headers, base-256 numbers), used synchronously:
 * an extraction is one synchronous transaction, which its streams (streamx) cannot run in. The
 * package exports only its streams, so its headers.js is loaded by path.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  type: string | null;
  linkname: string | null;
  uname?: string;
  gname?: string;
  devmajor: number;
  devminor: number;
}

interface Codec {
  decode(buf: Buffer, filenameEncoding: string, allowUnknownFormat: boolean): TarHeader | null;
  encode(h: Partial<TarHeader> & { name: string; mode: number; uid: number; gid: number; size: number; mtime: Date; type: string }): Buffer | null;
}

let codec: Codec | null = null;

export function tarHeaders(): Codec {
  if (codec) return codec;
  const req = createRequire(import.meta.url);
  codec = req(path.join(path.dirname(req.resolve('tar-stream')), 'headers.js')) as Codec;
  return codec;
}
