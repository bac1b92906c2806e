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
  size: number;
  /** a regular file without sparse maps */
  plain: boolean;
  whiteout: boolean;
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

/** Contents of file members kept in memory in case they cannot be references (a name given
 *  twice, a file replaced later in the same tar): only small ones, up to a bound in all. */
const KEEP_EACH = 64 << 10;
const KEEP_ALL = 8 << 20;
/** Contents of other members (sparse files...) go into the split; past this, no split is kept. */
const RAW_DATA_MAX = 1 << 20;

type Piece = { raw: Buffer } | { member: Member; kept: Buffer[] | null };

/**
 * The tar-split of a layer tar, built as the tar streams past (the load applies the layer from
 * the same bytes): `write` each chunk of the uncompressed tar in order, then `finish`, which gives
 * the split (gzip of records `RAW len bytes` and `FILE size pathLen path`), or null when the tar
 * cannot be given back from the layer (a large file given twice, a large sparse member...).
 */
export class LayerSplitter {
  private readonly pieces: Piece[] = [];
  private raw: Buffer[] = [];
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** what the bytes now arriving are: a header, a member's data, or what follows the end */
  private state: 'header' | 'meta' | 'content' | 'data' | 'tail' = 'header';
  private left = 0;
  private padLeft = 0;
  private meta: Buffer[] = [];
  private metaType: string | null = null;
  private current: { member: Member; kept: Buffer[] | null } | null = null;
  private pax = new Map<string, Buffer>();
  private longName: string | null = null;
  private kept = 0;
  private rawData = 0;
  private failed = false;

  write(chunk: Buffer): void {
    for (let at = 0; at < chunk.length && !this.failed; ) {
      if (this.state === 'tail') {
        this.raw.push(Buffer.from(chunk.subarray(at)));
        return;
      }
      if (this.state === 'header') {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + n);
        this.headerFill += n;
        at += n;
        if (this.headerFill === BLOCK) this.onHeader();
        continue;
      }
      // member data, then its padding
      const inData = this.left > 0;
      const n = Math.min(inData ? this.left : this.padLeft, chunk.length - at);
      const part = chunk.subarray(at, at + n);
      at += n;
      if (inData) {
        this.left -= n;
        if (this.state === 'content') {
          if (this.current!.kept !== null) this.current!.kept.push(Buffer.from(part));
        } else {
          this.raw.push(Buffer.from(part));
          if (this.state === 'meta') this.meta.push(Buffer.from(part));
          else if ((this.rawData += n) > RAW_DATA_MAX) this.failed = true;
        }
        if (this.left === 0 && this.state === 'meta') this.onMeta();
      } else {
        this.padLeft -= n;
        this.raw.push(Buffer.from(part));
      }
      if (this.left === 0 && this.padLeft === 0) this.state = 'header';
    }
  }

  private onHeader(): void {
    const block = Buffer.from(this.header);
    this.headerFill = 0;
    this.raw.push(block);
    let h;
    try {
      h = tarHeaders().decode(block, 'utf-8', true);
    } catch {
      h = null;
    }
    if (h === null) {
      // the end (or a header tar itself could not read): the rest goes as it is
      this.state = 'tail';
      return;
    }
    const typeflag = block[156];
    const sizeText = this.pax.get('size')?.toString('latin1');
    const meta = h.type === 'pax-header' || h.type === 'gnu-long-path' || h.type === 'pax-global-header' || h.type === 'gnu-long-link-path';
    const size = meta || sizeText === undefined ? h.size : Number(sizeText);
    if (!Number.isSafeInteger(size) || size < 0) {
      this.failed = true;
      return;
    }
    this.left = size;
    this.padLeft = pad(size);
    if (meta) {
      this.state = 'meta';
      this.metaType = h.type;
      this.meta = [];
      if (size === 0) this.onMeta();
    } else {
      const raw = this.pax.get('path')?.toString('utf8') ?? this.longName ?? h.name;
      const sparse = typeflag === 0x53 || [...this.pax.keys()].some((k) => k.startsWith('GNU.sparse.'));
      const name = treeName(raw);
      const leaf = name?.slice(name.lastIndexOf('/') + 1) ?? '';
      const member: Member = { name, size, plain: (h.type === 'file' || h.type === 'contiguous-file') && !sparse, whiteout: leaf.startsWith('.wh.') };
      this.pax = new Map();
      this.longName = null;
      if (member.plain && size > 0) {
        this.pieces.push({ raw: Buffer.concat(this.raw) });
        this.raw = [];
        const keep = size <= KEEP_EACH && this.kept + size <= KEEP_ALL;
        if (keep) this.kept += size;
        this.current = { member, kept: keep ? [] : null };
        this.pieces.push(this.current);
        this.state = 'content';
      } else {
        this.pieces.push({ member, kept: null });
        this.state = 'data';
      }
    }
    if (this.left === 0 && this.padLeft === 0) this.state = 'header';
  }

  private onMeta(): void {
    const data = Buffer.concat(this.meta);
    if (this.metaType === 'pax-header') this.pax = decodePax(data);
    else if (this.metaType === 'gnu-long-path') this.longName = data.toString('utf8').replace(/\0+$/, '');
  }

  /** The split, or null when the layer cannot give this tar back. */
  finish(): Buffer | null {
    if (this.failed || (this.state !== 'tail' && this.state !== 'header') || this.headerFill !== 0) return null;
    this.pieces.push({ raw: Buffer.concat(this.raw) });
    this.raw = [];
    const members = this.pieces.flatMap((p) => ('member' in p ? [p.member] : []));
    const refs = byReference(members);
    const parts: Buffer[] = [];
    const rawRecord = (data: Buffer) => {
      // one record holds at most 4 GiB - 1: longer runs are cut
      for (let at = 0; at < data.length; at += 0xffffffff) {
        const end = Math.min(data.length, at + 0xffffffff);
        const head = Buffer.alloc(5);
        head[0] = RAW;
        head.writeUInt32BE(end - at, 1);
        parts.push(head, data.subarray(at, end));
      }
    };
    for (const p of this.pieces) {
      if ('raw' in p) rawRecord(p.raw);
      else if (!p.member.plain || p.member.size === 0) continue;
      else if (refs.has(p.member)) {
        const name = Buffer.from(p.member.name!, 'utf8');
        const head = Buffer.alloc(13);
        head[0] = FILE;
        head.writeDoubleBE(p.member.size, 1);
        head.writeUInt32BE(name.length, 9);
        parts.push(head, name);
      } else if (p.kept !== null) rawRecord(Buffer.concat(p.kept));
      else return null;
    }
    return gzipSync(Buffer.concat(parts));
  }
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
