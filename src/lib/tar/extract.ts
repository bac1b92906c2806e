/**
 * `tar -x` into a filesystem: every entry of one archive in ONE transaction (lib/files.ts
 * changeFiles), so a kill at any instant leaves all of it or none. The archive streams: headers are
 * read 512 bytes at a time and each file's bytes go straight from the (decompressed) input into its
 * records, so memory does not grow with the archive.
 *
 * Headers are decoded by tar-stream (ustar, GNU, v7, base-256 numbers); PAX records by pax.ts.
 * What GNU tar 1.34 does, tszfs does, with its words:
 * - owners are the archive's numbers (as GNU tar's --numeric-owner: uname/gname are ignored);
 *   modes keep setuid/setgid/sticky (as root's --same-permissions);
 * - mtime from the PAX `mtime` (to the nanosecond) or the header; atime and ctime from PAX
 *   `atime`/`ctime` when present (GNU tar cannot set ctime; tszfs restores it), else the
 *   transaction's time;
 *   creation time from `LIBARCHIVE.creationtime`;
 * - xattrs from `SCHILY.xattr.NAME` and `LIBARCHIVE.xattr.NAME` (URL-encoded name, base64 value);
 * - GNU sparse members (old GNU type S with extension blocks, PAX 0.1 and 1.0; tar-stream reads
 *   none of them) are written out whole, holes as zeros, which compression (on by default) stores
 *   as holes as OpenZFS does: bounded memory, but time grows with the file's full size;
 * - a leading `/` or `../` prefix is removed with `Removing leading '...' from member names`
 *   (hard link targets likewise), and a member whose name holds a `..` component is skipped with
 *   `NAME: Member name contains '..'`;
 * - a symlink whose target is absolute or holds `..` is made last (GNU tar's delayed links), and a
 *   member to be extracted through it fails `Cannot open: Not a directory` as through GNU tar's
 *   placeholder file, so no entry lands where such a link points;
 * - a directory's times are set after all entries (adding an entry changes a directory's mtime);
 * - an existing non-directory is replaced; a failure of one member is reported and the others go
 *   on; the command then ends with `Exiting with failure status due to previous errors` (status 2).
 * A damaged archive, a full pool, a quota or a failed read ends it all, and nothing is stored.
 */
import { EngineError } from '../../engine/errno.js';
import type { AttrChange, FileWriteSettings, FsWriter, NewObject } from '../../engine/files/fs-writer.js';
import type { Timespec } from '../../engine/model.js';
import type { ByteSource } from '../../engine/pool/staging.js';
import { engineFailure, strerror } from '../errors.js';
import { changeFiles, components } from '../files.js';
import type { Home } from '../home.js';
import { ArchiveError, decompressing } from './compression.js';
import { tarHeaders, type TarHeader } from './headers.js';
import { decodePax, paxTime, type PaxRecords } from './pax.js';

const BLOCK = 512;
/** Members between two spills of the tree's written nodes to the open transaction (bounded memory). */
const SPILL_EVERY = 2048;
/** The largest PAX or GNU long-name member read into memory (xattrs are at most 64 KiB each). */
const META_MAX = 16 << 20;


/** Blocks of the archive, read through a buffer. */
class ArchiveReader {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private at = 0;
  private end = 0;
  private eof = false;
  /** bytes consumed so far */
  offset = 0;

  constructor(private readonly src: ByteSource) {}

  /** At least `n` bytes buffered (fewer at the end of the input). */
  private fill(n: number): number {
    if (this.end - this.at >= n || this.eof) return this.end - this.at;
    this.buf.copy(this.buf, 0, this.at, this.end);
    this.end -= this.at;
    this.at = 0;
    while (this.end < n && !this.eof) {
      const got = this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end - this.at;
  }

  /** The next 512-byte block, or null at the end of the input (a partial block is an error). */
  block(): Buffer | null {
    const have = this.fill(BLOCK);
    if (have === 0) return null;
    if (have < BLOCK) throw unexpectedEof();
    const b = this.buf.subarray(this.at, this.at + BLOCK);
    this.at += BLOCK;
    this.offset += BLOCK;
    return b;
  }

  /** Read what follows the end of the archive, as GNU tar reads its records to the end: a
   *  compressed input is thereby checked whole. */
  drain(): void {
    this.at = this.end = 0;
    while (!this.eof) if (this.src.read(this.buf, 0, this.buf.length) === 0) this.eof = true;
  }

  /** `size` bytes of a member (copied), and its padding consumed. */
  bytes(size: number): Buffer {
    if (size > META_MAX) throw new ArchiveError('Archive header too large');
    const out = Buffer.allocUnsafe(size);
    this.source(size).read(out, 0, size) === size || (() => { throw unexpectedEof(); })();
    return out;
  }

  /** A member's `size` bytes as a source; `finish` consumes what was not read and the padding. */
  source(size: number): ByteSource & { finish(): void } {
    let left = size;
    const read = (buf: Buffer, offset: number, length: number): number => {
      if (left === 0) return 0;
      let done = 0;
      while (done < length && left > 0) {
        if (this.end === this.at && this.fill(1) === 0) throw unexpectedEof();
        const n = Math.min(length - done, left, this.end - this.at);
        this.buf.copy(buf, offset + done, this.at, this.at + n);
        this.at += n;
        this.offset += n;
        left -= n;
        done += n;
      }
      if (left === 0) this.skipRaw(padding(size));
      return done;
    };
    return {
      settled: true,
      read,
      finish: () => {
        while (left > 0) read(skipBuffer, 0, Math.min(skipBuffer.length, left));
      },
    };
  }

  private skipRaw(n: number): void {
    while (n > 0) {
      if (this.fill(1) === 0) throw unexpectedEof();
      const k = Math.min(n, this.end - this.at);
      this.at += k;
      this.offset += k;
      n -= k;
    }
  }
}

/** Where the bytes of a member not extracted are read to. */
const skipBuffer = Buffer.allocUnsafe(64 << 10);
const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
const unexpectedEof = () => new ArchiveError('Unexpected EOF in archive', undefined, true);

export interface ExtractOptions {
  /** directory of the dataset the members go under (`-C`), as given */
  directory: string;
  /** a warning or error line, without `tar: ` */
  warn(line: string): void;
  /** an OCI image layer (image-spec layer.md): `.wh.NAME` removes NAME of a lower layer, a
   *  directory holding `.wh..wh..opq` hides what lower layers put in it, whiteout files are never
   *  stored, and every symlink is made where it is met (it points inside the image's root) */
  layer?: boolean;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** GNU tar's safer_name_suffix: strip up to the last `..` component and leading slashes. */
function saferName(name: string): { name: string; prefix: string } {
  let prefixLen = 0;
  for (let p = 0; p < name.length; ) {
    if (name[p] === '.' && name[p + 1] === '.' && (name[p + 2] === '/' || p + 2 === name.length)) prefixLen = p + 2;
    const slash = name.indexOf('/', p);
    p = slash < 0 ? name.length : slash + 1;
  }
  let p = prefixLen;
  while (name[p] === '/') p++;
  return { prefix: name.slice(0, p), name: p === name.length ? '.' : name.slice(p) };
}

const hasDotDot = (name: string) => name.split('/').includes('..');

/** The xattrs a member's PAX records carry. */
function xattrsOf(pax: PaxRecords): Array<[Buffer, Buffer]> {
  const found = new Map<string, [Buffer, Buffer]>();
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) {
      const name = Buffer.from(key.slice(13));
      found.set(name.toString('latin1'), [name, value]);
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      let name: Buffer;
      try {
        name = Buffer.from(decodeURIComponent(key.slice(17)), 'utf8');
      } catch {
        name = Buffer.from(key.slice(17));
      }
      const k = name.toString('latin1');
      if (!found.has(k)) found.set(k, [name, Buffer.from(value.toString('latin1'), 'base64')]);
    }
  }
  return [...found.values()].sort((a, b) => Buffer.compare(a[0], b[0]));
}


/** The number a PAX record gives, else the header's. */
function paxNumber(pax: PaxRecords, key: string, fallback: number): number {
  const v = pax.get(key);
  if (!v) return fallback;
  const n = Number(v.toString('latin1'));
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/** Extract the archive read from `input` into `dataset`; true when every member was extracted. */
export function extractArchive(home: Home, dataset: string, input: ByteSource, opts: ExtractOptions): boolean {
  let ok = true;
  const warned = [new Set<string>(), new Set<string>()];
  const warnPrefix = (prefix: string, link: 0 | 1) => {
    if (prefix === '' || warned[link].has(prefix)) return;
    warned[link].add(prefix);
    opts.warn(`Removing leading \`${prefix}' from ${link ? 'hard link targets' : 'member names'}`);
  };
  const fail = (line: string) => {
    opts.warn(line);
    ok = false;
  };
  const base = components('extract to', dataset, opts.directory);
  changeFiles(
    home,
    dataset,
    `cannot extract to '${dataset}'`,
    (fs, staged, settings) => {
      ok = true;
      for (const set of warned) set.clear();
      extractInto(fs, staged, settings, base, opts, warnPrefix, fail);
    },
    { input, word: engineFailure },
  );
  return ok;
}

/**
 * Apply an image layer's tar (plain, gzip or zstd) to the root of `fs`, inside the caller's
 * transaction (image load makes a whole layer chain in one); `fail` gets each member that could not
 * be applied, and a fault in the archive is thrown as an ArchiveError.
 */
export function extractLayer(fs: FsWriter, input: ByteSource, settings: FileWriteSettings, fail: (line: string) => void): void {
  extractInto(fs, input, settings, [], { directory: '/', warn: fail, layer: true }, () => {}, fail);
}

function extractInto(
  fs: FsWriter,
  staged: ByteSource,
  settings: FileWriteSettings,
  base: string[],
  opts: ExtractOptions,
  warnPrefix: (prefix: string, link: 0 | 1) => void,
  fail: (line: string) => void,
): void {
  try {
    const at = fs.lookup(base);
    if (at.dnode.type !== 'dir') throw new EngineError('ENOTDIR');
  } catch (err) {
    if (err instanceof EngineError) throw new ArchiveError(`${opts.directory}: Cannot open: ${strerror(err.errno)}`, undefined, true);
    throw err;
  }
  const reader = new ArchiveReader(decompressing(staged).source);
  const dirTimes: Array<{ parts: string[]; attrs: AttrChange }> = [];
  const delayedLinks = new Map<string, { parts: string[]; target: string; attrs: AttrChange; name: string }>();
  let globalPax: PaxRecords = new Map();
  let pax: PaxRecords = new Map();
  let longName: string | null = null;
  let longLink: string | null = null;
  let first = true;
  let members = 0;
  /** In layer mode, what this layer made (and the directories above): an opaque directory keeps them. */
  const madeHere = new Set<string>();
  for (;;) {
    const block = reader.block();
    if (block === null) {
      if (first) throw new ArchiveError('This does not look like a tar archive');
      break;
    }
    let h: TarHeader | null;
    try {
      h = tarHeaders().decode(block, 'utf-8', true);
    } catch {
      throw new ArchiveError(first ? 'This does not look like a tar archive' : 'Skipping to next header', undefined, !first);
    }
    first = false;
    if (h === null) {
      reader.drain(); // a zero block: the end of the archive
      break;
    }
    const typeflag = block[156];
    switch (h.type) {
      case 'pax-header':
        pax = decodePax(reader.bytes(h.size));
        continue;
      case 'pax-global-header':
        globalPax = new Map([...globalPax, ...decodePax(reader.bytes(h.size))]);
        continue;
      case 'gnu-long-path':
        longName = reader.bytes(h.size).toString('utf8').replace(/\0+$/, '');
        continue;
      case 'gnu-long-link-path':
        longLink = reader.bytes(h.size).toString('utf8').replace(/\0+$/, '');
        continue;
    }
    const records: PaxRecords = globalPax.size === 0 ? pax : new Map([...globalPax, ...pax]);
    // An old GNU sparse member: its map is in the header and the extension blocks after it.
    const oldSparse = typeflag === 0x53 /* S */ ? oldGnuSparseMap(block, reader) : null;
    const rawName = records.get('GNU.sparse.name')?.toString('utf8') ?? records.get('path')?.toString('utf8') ?? longName ?? h.name;
    const rawLink = records.get('linkpath')?.toString('utf8') ?? longLink ?? h.linkname ?? '';
    pax = new Map();
    longName = longLink = null;
    const size = paxNumber(records, 'size', h.size);
    const hasData = h.type === 'file' || h.type === 'contiguous-file' || h.type === null;
    const data = reader.source(hasData ? size : h.type === 'directory' || h.type === 'link' || h.type === 'symlink' ? 0 : size);
    let sparse: SparseMap | null = oldSparse;
    try {
      sparse ??= paxSparseMap(records, data);
    } catch (err) {
      if (!(err instanceof SparseFormatError)) throw err;
      fail(`${rawName}: Cannot extract: ${err.message}`);
      data.finish();
      continue;
    }
    if (typeflag === 0x56 /* V */) {
      data.finish();
      continue;
    }
    const safe = saferName(rawName);
    warnPrefix(safe.prefix, 0);
    if (hasDotDot(rawName)) {
      fail(`${rawName}: Member name contains '..'`);
      data.finish();
      continue;
    }
    let parts: string[];
    try {
      parts = [...base, ...components('extract', 'x', safe.name)];
    } catch {
      fail(`${safe.name}: Cannot open: File name too long`);
      data.finish();
      continue;
    }
    const key = parts.join('/');
    // A member under a link made last: GNU tar's placeholder file is in the way.
    let through: string | null = null;
    if (delayedLinks.size > 0) {
      for (let i = 1; i < parts.length && through === null; i++) if (delayedLinks.has(parts.slice(0, i).join('/'))) through = parts.slice(0, i).join('/');
    }
    const mtime = paxTime(records.get('mtime')) ?? [Math.floor(h.mtime.getTime() / 1000), 0];
    const attrs: AttrChange = {
      mode: h.mode & 0o7777,
      uid: paxNumber(records, 'uid', h.uid),
      gid: paxNumber(records, 'gid', h.gid),
      mtime,
    };
    // Absent ones are the transaction's own time, as the object is made.
    const atime = paxTime(records.get('atime'));
    if (atime) attrs.atime = atime;
    const ctime = paxTime(records.get('ctime'));
    if (ctime) attrs.ctime = ctime;
    const crtime = paxTime(records.get('LIBARCHIVE.creationtime'));
    if (crtime) attrs.crtime = crtime;
    const xattrs = xattrsOf(records);
    if (xattrs.length) attrs.xattrs = xattrs;
    const name = safe.name;
    let verb = 'Cannot open';
    if (opts.layer) {
      // The root's own entry (`./`, which umoci writes) has no leaf: it is no whiteout.
      const leaf = parts.length > 0 ? parts[parts.length - 1] : '';
      if (leaf.startsWith(WHITEOUT)) {
        try {
          applyWhiteout(fs, parts, leaf, madeHere);
        } catch (err) {
          if (!(err instanceof EngineError) || !MEMBER_ERRORS.has(err.errno) || err.aux !== undefined) throw err;
          fail(`${name}: Cannot remove: ${strerror(err.errno)}`);
        }
        data.finish();
        continue;
      }
      for (let i = base.length + 1; i <= parts.length; i++) madeHere.add(parts.slice(0, i).join('/'));
    }
    try {
      if (through !== null) throw new EngineError('ENOTDIR');
      delayedLinks.delete(key);
      switch (h.type) {
        case 'directory':
          verb = 'Cannot mkdir';
          fs.create(parts, { type: 'dir' }, {}, { parents: true, replace: true });
          dirTimes.push({ parts, attrs });
          break;
        case 'link': {
          verb = `Cannot hard link to '${rawLink}'`;
          const target = saferName(rawLink);
          warnPrefix(target.prefix, 1);
          fs.hardlink([...base, ...components('extract', 'x', target.name)], parts, { parents: true, replace: true });
          break;
        }
        case 'symlink': {
          verb = `Cannot create symlink to '${rawLink}'`;
          if (!opts.layer && (rawLink.startsWith('/') || hasDotDot(rawLink))) {
            delayedLinks.set(key, { parts, target: rawLink, attrs, name });
            // The name is taken now (an older member there goes), as by GNU tar's placeholder.
            if (fs.exists(parts, false) && fs.lookup(parts, false).dnode.type !== 'dir') fs.remove(parts, false);
          } else fs.create(parts, { type: 'symlink', target: rawLink }, attrs, { parents: true, replace: true });
          break;
        }
        case 'character-device':
        case 'block-device':
        case 'fifo': {
          verb = 'Cannot mknod';
          const spec: NewObject =
            h.type === 'fifo' ? { type: 'fifo' } : { type: h.type === 'character-device' ? 'chardev' : 'blockdev', rdev: [h.devmajor, h.devminor] };
          fs.create(parts, spec, attrs, { parents: true, replace: true });
          break;
        }
        default:
          if (h.type === null && sparse === null) opts.warn(`${name}: Unknown file type '${String.fromCharCode(typeflag)}', extracted as normal file`);
          fs.create(parts, { type: 'file', data: sparse ? expanded(sparse, data) : data, settings }, attrs, { parents: true, replace: true });
      }
    } catch (err) {
      if (!(err instanceof EngineError) || !MEMBER_ERRORS.has(err.errno) || err.aux !== undefined) throw err;
      fail(`${name}: ${verb}: ${strerror(err.errno)}`);
    }
    data.finish();
    if (++members % SPILL_EVERY === 0) fs.spill();
  }
  for (const link of delayedLinks.values()) {
    try {
      fs.create(link.parts, { type: 'symlink', target: link.target }, link.attrs, { parents: true, replace: true });
    } catch (err) {
      if (!(err instanceof EngineError) || !MEMBER_ERRORS.has(err.errno)) throw err;
      fail(`${link.name}: Cannot create symlink to '${link.target}': ${strerror(err.errno)}`);
    }
  }
  for (const { parts, attrs } of dirTimes) {
    try {
      fs.setAttrs(parts, attrs, false);
    } catch (err) {
      if (!(err instanceof EngineError) || !MEMBER_ERRORS.has(err.errno)) throw err;
    }
  }
}

/** A layer's whiteout member: `.wh..wh..opq` empties its directory of what lower layers made;
 *  `.wh.NAME` removes NAME (a whole subtree) when a lower layer has it. */
function applyWhiteout(fs: FsWriter, parts: string[], leaf: string, madeHere: Set<string>): void {
  const dir = parts.slice(0, -1);
  if (leaf === OPAQUE) {
    if (!fs.exists(dir, false)) {
      fs.create(dir, { type: 'dir' }, {}, { parents: true, replace: true });
      return;
    }
    const at = fs.lookup(dir, false);
    if (at.dnode.type !== 'dir') return;
    for (const entry of fs.list(at.dnode)) {
      const child = [...dir, entry.name];
      if (!madeHere.has(child.join('/'))) fs.remove(child, true);
    }
    return;
  }
  const target = [...dir, leaf.slice(WHITEOUT.length)];
  if (fs.exists(target, false)) fs.remove(target, true);
}

/** A sparse file's data segments ([offset, length], in order) and its whole size. */
interface SparseMap {
  segments: Array<[number, number]>;
  realsize: number;
}

class SparseFormatError extends Error {}

const octal = (b: Buffer, at: number, len: number): number => {
  const text = b.toString('latin1', at, at + len).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
};

/** The map of an old GNU sparse member (type S): four entries in the header, 21 per extension block. */
function oldGnuSparseMap(header: Buffer, reader: ArchiveReader): SparseMap {
  const segments: Array<[number, number]> = [];
  const take = (b: Buffer, at: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const off = octal(b, at + i * 24, 12);
      const len = octal(b, at + i * 24 + 12, 12);
      if (off === 0 && len === 0 && b[at + i * 24] === 0) break;
      segments.push([off, len]);
    }
  };
  take(header, 386, 4);
  const realsize = octal(header, 483, 12);
  let extended = header[482] !== 0;
  while (extended) {
    const ext = reader.block();
    if (ext === null) throw unexpectedEof();
    take(ext, 0, 21);
    extended = ext[504] !== 0;
  }
  return { segments, realsize };
}

/** The map of a PAX sparse member (GNU formats 0.1 and 1.0), or null for any other member. */
function paxSparseMap(records: PaxRecords, data: ByteSource): SparseMap | null {
  const major = records.get('GNU.sparse.major')?.toString('latin1');
  const minor = records.get('GNU.sparse.minor')?.toString('latin1');
  if (major === '1' && minor === '0') {
    // The map leads the member's data: decimal numbers one a line, padded to a block.
    const realsize = Number(records.get('GNU.sparse.realsize')?.toString('latin1'));
    const numbers: number[] = [];
    const block = Buffer.alloc(BLOCK);
    let text = '';
    let want = 1;
    while (numbers.length < want) {
      let got = 0;
      while (got < BLOCK) {
        const n = data.read(block, got, BLOCK - got);
        if (n === 0) throw new SparseFormatError('Malformed extended header: missing sparse map');
        got += n;
      }
      text += block.toString('latin1');
      const lines = text.split('\n');
      text = lines.pop()!;
      for (const line of lines) {
        if (numbers.length >= want) break;
        numbers.push(Number(line));
        if (numbers.length === 1) want = 1 + 2 * numbers[0];
      }
    }
    return checked(pairs(numbers.slice(1)), realsize);
  }
  const map = records.get('GNU.sparse.map')?.toString('latin1');
  const realsize = Number((records.get('GNU.sparse.realsize') ?? records.get('GNU.sparse.size'))?.toString('latin1'));
  if (map !== undefined) return checked(pairs(map === '' ? [] : map.split(',').map(Number)), realsize);
  if (records.has('GNU.sparse.offset') || records.has('GNU.sparse.major')) throw new SparseFormatError('Unsupported sparse format');
  return null;
}

const pairs = (n: number[]): Array<[number, number]> => Array.from({ length: n.length >> 1 }, (_, i) => [n[2 * i], n[2 * i + 1]]);

function checked(segments: Array<[number, number]>, realsize: number): SparseMap {
  let end = 0;
  for (const [off, len] of segments) {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < end || len < 0) throw new SparseFormatError('Malformed extended header: invalid sparse map');
    end = off + len;
  }
  if (!Number.isSafeInteger(realsize) || realsize < end) throw new SparseFormatError('Malformed extended header: invalid GNU.sparse.realsize');
  return { segments, realsize };
}

/** A sparse member's bytes as the file holds them: its segments, zeros between (stored as holes
 *  wherever compression is on, as OpenZFS stores zeros). */
function expanded(map: SparseMap, data: ByteSource): ByteSource {
  let pos = 0;
  let seg = 0;
  return {
    settled: true,
    read(buf, offset, length) {
      while (seg < map.segments.length && pos >= map.segments[seg][0] + map.segments[seg][1]) seg++;
      if (pos >= map.realsize) return 0;
      if (seg < map.segments.length && pos >= map.segments[seg][0]) {
        const want = Math.min(length, map.segments[seg][0] + map.segments[seg][1] - pos);
        let got = 0;
        while (got < want) {
          const n = data.read(buf, offset + got, want - got);
          if (n === 0) throw unexpectedEof();
          got += n;
        }
        pos += got;
        return got;
      }
      const end = seg < map.segments.length ? map.segments[seg][0] : map.realsize;
      const n = Math.min(length, end - pos);
      buf.fill(0, offset, offset + n);
      pos += n;
      return n;
    },
  };
}

/** Failures of one member that GNU tar reports and goes on after (nothing of it was made). */
const MEMBER_ERRORS = new Set(['EEXIST', 'EISDIR', 'ENOTDIR', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'EINVAL', 'EPERM', 'ENOTEMPTY']);
