/**
 * A layer tar's bytes kept without its file contents, as containers/storage and Docker keep a
 * "tar-split" beside each layer: the headers, PAX records, padding and end blocks are stored as
 * they came, and each regular file's contents only as a reference (its path in the layer and its
 * size), since the layer's dataset holds those bytes already. `image save` then gives back the
 * very tar that was loaded, so the layer keeps its diff_id and the image its id, at a cost of
 * about a hundred bytes (compressed) per entry instead of a second copy of the data.
 *
 * A file member is kept by reference only when the layer's tree must hold exactly its bytes at
 * its name: the name is a plain one (no `..`, not a whiteout), met once in the tar, no other member
 * replaces or removes it or a directory above it, and it is not sparse. Anything else (a name given
 * twice, a GNU sparse member...) is kept whole in the raw bytes. Joining checks nothing itself: the
 * caller compares the digest of the result with the diff_id, and rebuilds the layer from its
 * changes when they differ (a layer changed after load).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { tarHeaders } from '../lib/tar/headers.js';
import { decodePax } from '../lib/tar/pax.js';

const BLOCK = 512;
const RAW = 0;
const FILE = 1;

const pad = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** A member's name as the layer's tree has it (`./a/b`, `/a/b` and `a/b/` are `a/b`), or null when unsure. */
function treeName(raw: string): string | null {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return null;
  return parts.join('/');
}

interface Member {
  name: string | null;
  /** where its contents start and how long they are (0 for no contents) */
  at: number;
  size: number;
  /** a regular file without sparse maps */
  plain: boolean;
  whiteout: boolean;
}

/** The members of a tar (stops at the first zero block or damaged header). */
function members(tar: Buffer): Member[] {
  const out: Member[] = [];
  const codec = tarHeaders();
  let pax = new Map<string, Buffer>();
  let longName: string | null = null;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    let h;
    try {
      h = codec.decode(tar.subarray(at, at + BLOCK), 'utf-8', true);
    } catch {
      break;
    }
    if (h === null) break;
    const typeflag = tar[at + 156];
    const data = at + BLOCK;
    const sizeText = pax.get('size')?.toString('latin1');
    const size = h.type === 'pax-header' || h.type === 'gnu-long-path' || sizeText === undefined ? h.size : Number(sizeText);
    if (!Number.isSafeInteger(size) || data + size > tar.length) break;
    at = data + size + pad(size);
    if (h.type === 'pax-header') {
      pax = decodePax(tar.subarray(data, data + size));
      continue;
    }
    if (h.type === 'gnu-long-path') {
      longName = tar.toString('utf8', data, data + size).replace(/\0+$/, '');
      continue;
    }
    if (h.type === 'pax-global-header' || h.type === 'gnu-long-link-path') continue;
    const raw = pax.get('path')?.toString('utf8') ?? longName ?? h.name;
    const sparse = typeflag === 0x53 || [...pax.keys()].some((k) => k.startsWith('GNU.sparse.'));
    const name = treeName(raw);
    const leaf = name?.slice(name.lastIndexOf('/') + 1) ?? '';
    out.push({ name, at: data, size, plain: (h.type === 'file' || h.type === 'contiguous-file') && !sparse, whiteout: leaf.startsWith('.wh.') });
    pax = new Map();
    longName = null;
  }
  return out;
}

/** The names whose contents the layer's tree holds exactly as this member gave them. */
function byReference(list: Member[]): Set<Member> {
  const count = new Map<string, number>();
  const replaced = new Set<string>();
  for (const m of list) {
    if (m.name === null) continue;
    if (m.whiteout) {
      const slash = m.name.lastIndexOf('/');
      const leaf = m.name.slice(slash + 1);
      if (leaf !== '.wh..wh..opq') replaced.add(m.name.slice(0, slash + 1) + leaf.slice(4));
      continue;
    }
    count.set(m.name, (count.get(m.name) ?? 0) + 1);
  }
  const above = (name: string) => {
    for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1)) if (replaced.has(name.slice(0, at))) return true;
    return false;
  };
  const out = new Set<Member>();
  for (const m of list) if (m.plain && m.size > 0 && m.name !== null && !m.whiteout && count.get(m.name) === 1 && !replaced.has(m.name) && !above(m.name)) out.add(m);
  return out;
}

/** The tar-split of a layer tar: gzip of records `RAW len bytes` and `FILE size pathLen path`. */
export function splitLayer(tar: Buffer): Buffer {
  const list = members(tar);
  const refs = byReference(list);
  const parts: Buffer[] = [];
  let from = 0;
  const raw = (to: number) => {
    // one record holds at most 4 GiB - 1: longer runs are cut
    for (let at = from; at < to; at += 0xffffffff) {
      const end = Math.min(to, at + 0xffffffff);
      const head = Buffer.alloc(5);
      head[0] = RAW;
      head.writeUInt32BE(end - at, 1);
      parts.push(head, tar.subarray(at, end));
    }
  };
  for (const m of list) {
    if (!refs.has(m)) continue;
    raw(m.at);
    const name = Buffer.from(m.name!, 'utf8');
    const head = Buffer.alloc(13);
    head[0] = FILE;
    head.writeDoubleBE(m.size, 1);
    head.writeUInt32BE(name.length, 9);
    parts.push(head, name);
    from = m.at + m.size;
  }
  // What is left (end blocks, trailing bytes) goes as it is.
  raw(tar.length);
  return gzipSync(Buffer.concat(parts));
}

/**
 * The tar again from its split: `contents(path, size)` gives a file's bytes from the layer's
 * tree, or null when it has no such file of that size (the layer changed: the caller rebuilds).
 */
export function joinLayer(split: Buffer, contents: (path: string, size: number) => Buffer | null): Buffer | null {
  const data = gunzipSync(split);
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    if (data[at] === RAW) {
      const len = data.readUInt32BE(at + 1);
      out.push(data.subarray(at + 5, at + 5 + len));
      at += 5 + len;
    } else {
      const size = data.readDoubleBE(at + 1);
      const len = data.readUInt32BE(at + 9);
      const name = data.toString('utf8', at + 13, at + 13 + len);
      at += 13 + len;
      const body = contents(name, size);
      if (body === null || body.length !== size) return null;
      out.push(body);
    }
  }
  return Buffer.concat(out);
}
