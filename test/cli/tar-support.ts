/** Archives for the tar tests, made and read by tar-stream's streams (not by tszfs's code). */
import { createHash } from 'node:crypto';
import * as tarStream from 'tar-stream';

export interface PackEntry {
  header: tarStream.Headers & { pax?: Record<string, string> };
  body?: Buffer;
  /** a raw PAX extended header to put before this entry (binary values) */
  rawPax?: Buffer;
}

export async function pack(entries: PackEntry[]): Promise<Buffer> {
  const p = tarStream.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    if (e.rawPax) p.entry({ name: RAW_PAX, type: 'file', size: e.rawPax.length }, e.rawPax);
    p.entry(e.header, e.body ?? undefined);
  }
  p.finalize();
  await done;
  return markRawPax(Buffer.concat(chunks));
}

const RAW_PAX = 'PaxHeaders/raw';

/** tar-stream takes no body for a PAX header: the raw ones go in as files, made PAX headers here. */
function markRawPax(tar: Buffer): Buffer {
  for (let at = 0; at + 512 <= tar.length; ) {
    const block = tar.subarray(at, at + 512);
    if (block.every((b) => b === 0)) break;
    const size = parseInt(block.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
    if (block.toString('latin1', 0, RAW_PAX.length + 1) === `${RAW_PAX}\0`) {
      block[156] = 'x'.charCodeAt(0);
      block.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of block) sum += b;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return tar;
}

/** One PAX record with its length. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.byteLength(key) + value.length + 3;
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

export interface Listed {
  name: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  mtime: string;
  atime?: string;
  linkname?: string;
  dev?: string;
  sha?: string;
  xattrs: Record<string, string>;
}

/** Entries with the fields that must survive, comparable across archives (names without `./`). */
export async function list(archive: Buffer): Promise<Listed[]> {
  const x = tarStream.extract();
  const out: Listed[] = [];
  x.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const pax = (h.pax ?? {}) as Record<string, string>;
      const xattrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(pax)) {
        if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice(13)] = Buffer.from(v, 'utf8').toString('hex');
      }
      const name = h.name.replace(/^\.\//, '').replace(/\/$/, '') || '.';
      out.push({
        name,
        type: h.type ?? 'file',
        mode: (h.mode ?? 0).toString(8),
        uid: Number(pax.uid ?? h.uid),
        gid: Number(pax.gid ?? h.gid),
        mtime: normTime(pax.mtime ?? String(Math.floor(h.mtime!.getTime() / 1000))),
        ...(pax.atime ? { atime: normTime(pax.atime) } : {}),
        ...(h.linkname ? { linkname: h.linkname.replace(/^\.\//, '') } : {}),
        ...(h.type === 'character-device' || h.type === 'block-device' ? { dev: `${h.devmajor},${h.devminor}` } : {}),
        ...(h.type === 'file' ? { sha: createHash('sha256').update(Buffer.concat(chunks)).digest('hex').slice(0, 16) } : {}),
        xattrs,
      });
      next();
    });
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => {
    x.on('finish', resolve);
    x.on('error', reject);
  });
  x.end(archive);
  await done;
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const normTime = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
