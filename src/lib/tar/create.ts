/**
 * `tar -c` of a filesystem or snapshot: a POSIX (PAX) archive as GNU tar's `--format=posix`
 * writes it, reproducible: entries in name order (the tree's own order, byte-stable), every field
 * from the tree and nothing from the clock, so a snapshot gives the same bytes every time.
 *
 * Names are `./` and `./PATH` (what `tar -C DIR -c .` writes). Each entry has a PAX header with
 * `mtime`, `atime` and `ctime` to the nanosecond, `SCHILY.xattr.NAME` for each xattr, and `path`,
 * `linkpath`, `uid`, `gid` or `size` when the ustar fields cannot hold them; owners are numbers
 * (no uname/gname: as `--numeric-owner`). The second and later names of a hard-linked object are
 * hard links to the first. Sockets are left out with GNU tar's `socket ignored`. The archive is
 * padded to 10240 bytes as GNU tar and bsdtar pad theirs. Headers are tar-stream's.
 */
import type { Dnode, Timespec } from '../../engine/model.js';
import { components, readFiles } from '../files.js';
import type { Home } from '../home.js';
import { ZfsError, engineFailure, strerror } from '../errors.js';
import { EngineError } from '../../engine/errno.js';
import { compressing, type Compression } from './compression.js';
import { tarHeaders } from './headers.js';
import { encodePax, formatPaxTime } from './pax.js';

const BLOCK = 512;
const RECORD = 10240;
const OUT_BUFFER = 1 << 20;
const ZEROS = Buffer.alloc(RECORD);
const MAX_ID = 0o7777777;
const MAX_SIZE = 0o77777777777;

export interface CreateOptions {
  directory: string;
  compression: Compression;
  warn(line: string): void;
  /**
   * An image layer of what changed (image-spec layer.md): only the objects at `paths` (relative,
   * `/`-separated) go in, with the directories above them, and before them a whiteout
   * `.wh.NAME` for each of `whiteouts` (names deleted from the layer below) and `DIR/.wh..wh..opq`
   * for each of `opaque` (directories whose lower contents are hidden).
   */
  layer?: { paths: ReadonlySet<string>; whiteouts: readonly string[]; subtrees?: ReadonlySet<string>; opaque?: readonly string[] };
}

/** Bytes gathered into large writes. */
class Buffered {
  private readonly buf = Buffer.allocUnsafe(OUT_BUFFER);
  private held = 0;
  total = 0;

  constructor(private readonly out: (chunk: Buffer) => void) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= OUT_BUFFER) {
      this.flush();
      this.out(chunk);
      return;
    }
    if (this.held + chunk.length > OUT_BUFFER) this.flush();
    chunk.copy(this.buf, this.held);
    this.held += chunk.length;
  }

  flush(): void {
    if (this.held) this.out(this.buf.subarray(0, this.held));
    this.held = 0;
  }
}

const TYPE: Partial<Record<Dnode['type'], string>> = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  chardev: 'character-device',
  blockdev: 'block-device',
  fifo: 'fifo',
};

/** A name the ustar fields can take in place of one they cannot (the PAX record has the real one). */
const ustarStandIn = (name: string, max: number) => {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return Buffer.byteLength(ascii) <= max ? ascii : ascii.slice(ascii.length - max);
};

/** Write the archive of `dataset` (`FS` or `FS@SNAP`) under `opts.directory` to `out`. */
export function createArchive(home: Home, dataset: string, out: (chunk: Buffer) => void, opts: CreateOptions): void {
  const base = components('archive', dataset, opts.directory);
  const codec = tarHeaders();
  readFiles(home, dataset, (fs, readFile) => {
    let start;
    try {
      start = fs.lookup(base);
    } catch (err) {
      if (err instanceof EngineError && err.aux === undefined) throw ZfsError.action(`tar: ${opts.directory}`, `Cannot open: ${strerror(err.errno)}`);
      throw engineFailure(`cannot open '${dataset}'`, err);
    }
    const sink = compressing(opts.compression, out);
    const tar = new Buffered((chunk) => sink.write(chunk));
    const first = new Map<number, string>();
    const header = (fields: { name: string; linkname?: string; type: string; size: number; mode: number; uid: number; gid: number; mtime: number; devmajor?: number; devminor?: number }, pax: Array<[string, Buffer | string]>) => {
      let h = codec.encode({ ...fields, mtime: new Date(fields.mtime * 1000) });
      if (h === null) {
        const stand = { ...fields, mtime: new Date(fields.mtime * 1000), name: ustarStandIn(fields.name, 100) };
        pax.unshift(['path', fields.name]);
        if (fields.linkname !== undefined) {
          pax.splice(1, 0, ['linkpath', fields.linkname]);
          stand.linkname = ustarStandIn(fields.linkname, 100);
        }
        h = codec.encode(stand)!;
      }
      if (pax.length) {
        const body = encodePax(pax);
        const slash = fields.name.replace(/\/$/, '').lastIndexOf('/');
        const paxName = `${fields.name.slice(0, slash + 1)}PaxHeaders/${fields.name.replace(/\/$/, '').slice(slash + 1)}`;
        const ph = codec.encode({ name: paxName, type: 'pax-header', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(Math.max(0, fields.mtime) * 1000) }) ??
          codec.encode({ name: ustarStandIn(paxName, 100), type: 'pax-header', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(Math.max(0, fields.mtime) * 1000) })!;
        tar.write(ph);
        tar.write(body);
        pad(body.length);
      }
      tar.write(h);
    };
    const pad = (size: number) => {
      const p = (BLOCK - (size % BLOCK)) % BLOCK;
      if (p) tar.write(ZEROS.subarray(0, p));
    };
    const layer = opts.layer;
    const above = new Set<string>();
    if (layer) {
      for (const p of [...layer.paths, ...layer.whiteouts, ...(layer.subtrees ?? [])]) for (let at = p.indexOf('/'); at >= 0; at = p.indexOf('/', at + 1)) above.add(p.slice(0, at));
      const markers = [...layer.whiteouts.map((w) => `${w.slice(0, w.lastIndexOf('/') + 1)}.wh.${w.slice(w.lastIndexOf('/') + 1)}`), ...(layer.opaque ?? []).map((o) => `${o}/.wh..wh..opq`)];
      for (const m of markers.sort()) header({ name: `./${m}`, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0 }, []);
    }
    fs.walk(start, (parts, object, dnode) => {
      if (layer && parts.length === 0) return true;
      if (layer) {
        const key = parts.join('/');
        const inTree = layer.subtrees !== undefined && parts.some((_, i) => layer.subtrees!.has(parts.slice(0, i).join('/')));
        if (!layer.paths.has(key) && !inTree) {
          if (!above.has(key)) return false;
          // A directory above a change goes in, as in Docker's layers, but its entries only as changed.
        }
      }
      const name = parts.length === 0 ? './' : `./${parts.join('/')}${dnode.type === 'dir' ? '/' : ''}`;
      let type = TYPE[dnode.type];
      if (type === undefined) {
        opts.warn(`${name}: socket ignored`);
        return;
      }
      let linkname: string | undefined = dnode.type === 'symlink' ? dnode.target : undefined;
      if (dnode.type !== 'dir' && dnode.nlink > 1) {
        const seen = first.get(object);
        if (seen !== undefined) {
          type = 'link';
          linkname = seen;
        } else first.set(object, name);
      }
      const size = type === 'file' && dnode.type === 'file' ? dnode.size : 0;
      const pax: Array<[string, Buffer | string]> = [];
      const time = (key: string, t: Timespec) => pax.push([key, formatPaxTime(t)]);
      time('mtime', dnode.mtime);
      time('atime', dnode.atime);
      time('ctime', dnode.ctime);
      if (dnode.uid > MAX_ID) pax.push(['uid', String(dnode.uid)]);
      if (dnode.gid > MAX_ID) pax.push(['gid', String(dnode.gid)]);
      if (size > MAX_SIZE) pax.push(['size', String(size)]);
      for (const [k, v] of dnode.xattrs ?? []) pax.push([`SCHILY.xattr.${k.toString('utf8')}`, v]);
      const rdev = dnode.type === 'chardev' || dnode.type === 'blockdev' ? dnode.rdev : [0, 0];
      header(
        { name, linkname, type, size, mode: dnode.mode, uid: Math.min(dnode.uid, MAX_ID), gid: Math.min(dnode.gid, MAX_ID), mtime: dnode.mtime[0], devmajor: rdev[0], devminor: rdev[1] },
        pax,
      );
      if (size > 0) {
        readFile(dnode, (chunk) => tar.write(chunk));
        pad(size);
      }
    });
    tar.write(ZEROS.subarray(0, 2 * BLOCK));
    const rest = (RECORD - (tar.total % RECORD)) % RECORD;
    if (rest) tar.write(ZEROS.subarray(0, rest));
    tar.flush();
    sink.end();
  });
}
