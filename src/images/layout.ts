/**
 * Reading an image before anything is made of it: an OCI image layout (image-spec 1.0/1.1
 * image-layout.md: `oci-layout`, `index.json`, `blobs/ALG/HEX`; nested indexes; a platform picked
 * from an index with several manifests) or a `docker save` archive (`manifest.json` with Config,
 * RepoTags and Layers), either as a directory or as a tar file (or stdin).
 *
 * Every blob read is checked against its digest, and every layer's diff_id (the digest of the
 * uncompressed tar) against the config's rootfs.diff_ids, all before the caller creates anything:
 * a bad image is an ImageError and the pool is left as it was.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openScratch, type ByteSource } from '../engine/pool/staging.js';
import { ArchiveError, decompressing } from '../lib/tar/compression.js';
import { tarHeaders } from '../lib/tar/headers.js';
import { decodePax } from '../lib/tar/pax.js';

/** A bad image: its words go after `cannot load image: `. */
export class ImageError extends Error {}

/** A file of an image source, read as a stream from its start as often as asked. */
export interface Blob {
  size: number;
  source(): ByteSource;
}

/** The files of an image source by path (relative, `/`-separated). */
export interface ImageFiles {
  has(name: string): boolean;
  /** a small file (an index, a manifest, a config), whole */
  read(name: string): Buffer;
  /** a file of any size (a layer), as a stream */
  open(name: string): Blob;
  /** close what the source holds open */
  close(): void;
}

/** One layer, checked: its diff_id and its blob (compressed or not), streamed when applied; a
 *  reader of the blob that reads to its end throws if the bytes are not those checked. */
export interface Layer {
  diffId: string;
  blob: Blob;
}

export interface LoadedImage {
  /** the config's digest (`sha256:...`): the image id */
  id: string;
  config: Buffer;
  layers: Layer[];
  /** `name:tag` references the source gives (annotations, RepoTags) */
  refs: string[];
}

const BLOCK = 512;
/** The most a small file (index, manifest, config) may hold. */
const SMALL = 64 << 20;
const CHUNK = 1 << 20;

/** Bytes `[start, start + size)` of the open file `fd`, as a stream. */
function rangeSource(fd: number, start: number, size: number): ByteSource {
  let at = 0;
  return {
    settled: true,
    read(buf, offset, length) {
      const want = Math.min(length, size - at);
      if (want <= 0) return 0;
      const n = fs.readSync(fd, buf, offset, want, start + at);
      if (n === 0) throw new ImageError('unexpected end of file');
      at += n;
      return n;
    },
  };
}

/** Bytes held in memory as a blob. */
export function bufferBlob(data: Buffer): Blob {
  return {
    size: data.length,
    source() {
      let at = 0;
      return {
        settled: true,
        read(buf, offset, length) {
          const n = data.copy(buf, offset, at, Math.min(data.length, at + length));
          at += n;
          return n;
        },
      };
    },
  };
}

function readWhole(b: Blob, name: string): Buffer {
  if (b.size > SMALL) throw new ImageError(`'${name}' is too large (${b.size} bytes)`);
  const out = Buffer.alloc(b.size);
  const src = b.source();
  for (let at = 0; at < b.size; ) {
    const n = src.read(out, at, b.size - at);
    if (n === 0) break;
    at += n;
  }
  return out;
}

/**
 * The files of a tar archive in the open file `fd` (regular files only; PAX and GNU long names):
 * its headers are read to index it, the members' bytes only when asked for (bounded memory).
 */
export function tarFiles(fd: number, owned = false): ImageFiles {
  const files = new Map<string, { start: number; size: number }>();
  const end = fs.fstatSync(fd).size;
  const block = Buffer.alloc(BLOCK);
  let at = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  const bytes = (start: number, size: number) => readWhole({ size, source: () => rangeSource(fd, start, size) }, 'a tar header');
  while (at + BLOCK <= end) {
    if (fs.readSync(fd, block, 0, BLOCK, at) < BLOCK) break;
    let h;
    try {
      h = tarHeaders().decode(block, 'utf-8', true);
    } catch {
      throw new ImageError('not an image archive: damaged tar header');
    }
    if (h === null) break;
    const size = h.size;
    const start = at + BLOCK;
    if (start + size > end) throw new ImageError('not an image archive: unexpected end of archive');
    at += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (h.type === 'pax-header') {
      paxPath = decodePax(bytes(start, size)).get('path')?.toString('utf8') ?? null;
      continue;
    }
    if (h.type === 'gnu-long-path') {
      longName = bytes(start, size).toString('utf8').replace(/\0+$/, '');
      continue;
    }
    const name = normal(paxPath ?? longName ?? h.name);
    paxPath = longName = null;
    if (h.type === 'file' || h.type === 'contiguous-file' || h.type === null) files.set(name, { start, size });
  }
  if (files.size === 0) throw new ImageError('not an image archive: no files in it');
  const open = (name: string): Blob => {
    const f = files.get(name);
    if (f === undefined) throw new ImageError(`missing file '${name}'`);
    return { size: f.size, source: () => rangeSource(fd, f.start, f.size) };
  };
  return { has: (name) => files.has(name), read: (name) => readWhole(open(name), name), open, close: () => (owned ? fs.closeSync(fd) : undefined) };
}

/** Copy `src` (standard input) to its end into a new unlinked scratch file in `dir`; its fd. */
export function spoolToScratch(src: ByteSource, dir: string): number {
  const fd = openScratch(dir, 'image');
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (let at = 0, n; (n = src.read(buf, 0, buf.length)) > 0; at += n) {
      for (let done = 0; done < n; ) done += fs.writeSync(fd, buf, done, n - done, at + done);
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

const normal = (name: string) => name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');

/** The files of a directory. */
export function dirFiles(dir: string): ImageFiles {
  const full = (name: string) => path.join(dir, ...name.split('/').filter((p) => p !== '..'));
  const fds: number[] = [];
  const open = (name: string): Blob => {
    let fd: number;
    try {
      fd = fs.openSync(full(name), 'r');
    } catch {
      throw new ImageError(`missing file '${name}'`);
    }
    fds.push(fd);
    return { size: fs.fstatSync(fd).size, source: () => rangeSource(fd, 0, fs.fstatSync(fd).size) };
  };
  const close = (fd: number) => {
    fs.closeSync(fd);
    fds.splice(fds.indexOf(fd), 1);
  };
  return {
    has: (name) => fs.existsSync(full(name)),
    read: (name) => {
      const b = open(name);
      try {
        return readWhole(b, name);
      } finally {
        close(fds[fds.length - 1]);
      }
    },
    open,
    close: () => fds.splice(0).forEach((fd) => fs.closeSync(fd)),
  };
}

/** The digest of `data` as images name blobs: `sha256:HEX`. */
export const sha256 = (data: Buffer): string => 'sha256:' + createHash('sha256').update(data).digest('hex');

function checkAlgorithm(algorithm: string): void {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new ImageError(`unsupported digest algorithm '${algorithm}'`);
}

function digestOf(data: Buffer, algorithm: string): string {
  checkAlgorithm(algorithm);
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** The name of an OCI layout's blob, its digest checked for form and the blob for presence. */
function blobName(files: ImageFiles, digest: unknown): string {
  if (typeof digest !== 'string' || !/^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) throw new ImageError(`malformed digest '${String(digest)}'`);
  const [alg, hex] = digest.split(':');
  checkAlgorithm(alg);
  const name = `blobs/${alg}/${hex}`;
  if (!files.has(name)) throw new ImageError(`missing blob ${digest}`);
  return name;
}

/** A small blob of an OCI layout (index, manifest, config), checked against its digest. */
function blob(files: ImageFiles, digest: unknown): Buffer {
  const name = blobName(files, digest);
  const alg = (digest as string).split(':')[0];
  const data = files.read(name);
  if (digestOf(data, alg) !== digest) throw new ImageError(`blob ${String(digest)}: digest mismatch (content is ${digestOf(data, alg)})`);
  return data;
}

function json(data: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ImageError(`malformed ${what}: not JSON`);
  }
  if (v === null || typeof v !== 'object') throw new ImageError(`malformed ${what}: not an object`);
  return v as Record<string, unknown>;
}

/**
 * Stream a layer blob once: its digest (when the layout names it by one) and the digest of its
 * uncompressed tar (gzip and zstd told by their magic), in bounded memory.
 */
function verifyLayer(b: Blob, what: string, digest: string | null, diffId: unknown): string {
  const alg = digest === null ? null : digest.split(':')[0];
  const raw = b.source();
  const rawHash = alg === null ? null : createHash(alg);
  const sameHash = createHash('sha256');
  const tee: ByteSource = {
    settled: true,
    read(buf, offset, length) {
      const n = raw.read(buf, offset, length);
      rawHash?.update(buf.subarray(offset, offset + n));
      sameHash.update(buf.subarray(offset, offset + n));
      return n;
    },
  };
  const tarHash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let damaged = false;
  try {
    const plain = decompressing(tee).source;
    for (let n; (n = plain.read(buf, 0, buf.length)) > 0; ) tarHash.update(buf.subarray(0, n));
  } catch (err) {
    if (!(err instanceof ArchiveError)) throw err;
    damaged = true;
  }
  while (tee.read(buf, 0, buf.length) > 0);
  if (rawHash !== null) {
    const got = `${alg}:${rawHash.digest('hex')}`;
    if (got !== digest) throw new ImageError(`blob ${digest}: digest mismatch (content is ${got})`);
  }
  if (damaged) throw new ImageError(`${what}: damaged compressed data`);
  const got = `sha256:${tarHash.digest('hex')}`;
  if (diffId !== got) throw new ImageError(`${what}: diff_id mismatch (config says ${String(diffId)}, content is ${got})`);
  return sameHash.digest('hex');
}

/**
 * The blob as checked: read again to be applied, its bytes must be those the check read (a file
 * of a directory changed meanwhile is an error when its end is read, and the load, one
 * transaction, is undone).
 */
function unchanged(b: Blob, sha: string, what: string): Blob {
  return {
    size: b.size,
    source() {
      const raw = b.source();
      const hash = createHash('sha256');
      let ended = false;
      return {
        settled: true,
        read(buf, offset, length) {
          const n = raw.read(buf, offset, length);
          if (ended) return n;
          hash.update(buf.subarray(offset, offset + n));
          if (n === 0 && length > 0) {
            ended = true;
            if (hash.digest('hex') !== sha) throw new ImageError(`${what}: changed while it was being loaded`);
          }
          return n;
        },
      };
    },
  };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string): Platform | null {
  const [os, architecture, variant, ...rest] = text.split('/');
  if (!os || !architecture || rest.length > 0) return null;
  return variant ? { os, architecture, variant } : { os, architecture };
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** Read and check a whole image from `files`. */
export function readImage(files: ImageFiles, platform: Platform): LoadedImage {
  if (files.has('index.json')) return readOci(files, platform);
  if (files.has('manifest.json')) return readDockerSave(files);
  throw new ImageError('neither an OCI image layout (index.json) nor a docker save archive (manifest.json)');
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: Partial<Platform>;
  annotations?: Record<string, string>;
}

function descriptors(v: unknown, what: string): Descriptor[] {
  if (!Array.isArray(v)) throw new ImageError(`malformed ${what}: no manifests`);
  for (const d of v) if (d === null || typeof d !== 'object' || typeof (d as Descriptor).digest !== 'string') throw new ImageError(`malformed ${what}: a descriptor without a digest`);
  return v as Descriptor[];
}

function readOci(files: ImageFiles, platform: Platform): LoadedImage {
  if (files.has('oci-layout')) {
    const layout = json(files.read('oci-layout'), 'oci-layout');
    if (typeof layout.imageLayoutVersion !== 'string') throw new ImageError('malformed oci-layout: no imageLayoutVersion');
  }
  const index = json(files.read('index.json'), 'index.json');
  const refs: string[] = [];
  let found: Descriptor | null = null;
  const pick = (list: Descriptor[], what: string, depth: number): void => {
    if (depth > 8) throw new ImageError(`malformed ${what}: indexes nested too deep`);
    const matching = list.filter((d) => {
      const mt = d.mediaType;
      if (mt === INDEX || mt === DOCKER_LIST) return true;
      if (mt !== undefined && mt !== MANIFEST && mt !== DOCKER_MANIFEST) return false;
      if (!d.platform || list.length === 1) return true;
      return d.platform.os === platform.os && d.platform.architecture === platform.architecture && (platform.variant === undefined || d.platform.variant === platform.variant);
    });
    for (const d of matching) {
      if (found) return;
      if (d.mediaType === INDEX || d.mediaType === DOCKER_LIST) {
        const nested = json(blob(files, d.digest), `index ${d.digest}`);
        pick(descriptors(nested.manifests, `index ${d.digest}`), `index ${d.digest}`, depth + 1);
      } else {
        found = d;
      }
      const ref = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
      if (found === d && ref) refs.push(ref);
    }
  };
  pick(descriptors(index.manifests, 'index.json'), 'index.json', 0);
  if (!found) throw new ImageError(`no manifest for platform ${platform.os}/${platform.architecture}${platform.variant ? '/' + platform.variant : ''}`);
  const desc: Descriptor = found;
  const manifest = json(blob(files, desc.digest), `manifest ${desc.digest}`);
  const config = manifest.config as Descriptor | undefined;
  if (!config || typeof config.digest !== 'string') throw new ImageError(`malformed manifest ${desc.digest}: no config`);
  const layers = manifest.layers;
  if (!Array.isArray(layers)) throw new ImageError(`malformed manifest ${desc.digest}: no layers`);
  const configBytes = blob(files, config.digest);
  const blobs = (layers as Descriptor[]).map((l) => {
    if (l === null || typeof l !== 'object') throw new ImageError(`malformed manifest ${desc.digest}: a layer without a digest`);
    return { what: `layer ${l.digest}`, digest: l.digest, blob: files.open(blobName(files, l.digest)) };
  });
  return checked(config.digest, configBytes, blobs, refs);
}

function readDockerSave(files: ImageFiles): LoadedImage {
  const list = json(files.read('manifest.json'), 'manifest.json') as unknown;
  if (!Array.isArray(list) || list.length === 0) throw new ImageError('malformed manifest.json: not a list of images');
  const m = list[0] as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
  if (typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw new ImageError('malformed manifest.json: no Config or Layers');
  const configBytes = files.read(m.Config);
  // The config's file name is its digest (`HEX.json` or `blobs/sha256/HEX`).
  const hex = /([0-9a-f]{64})(\.json)?$/.exec(m.Config)?.[1];
  const id = sha256(configBytes);
  if (hex !== undefined && id !== `sha256:${hex}`) throw new ImageError(`config ${m.Config}: digest mismatch (content is ${id})`);
  const blobs = (m.Layers as unknown[]).map((l) => {
    if (typeof l !== 'string') throw new ImageError('malformed manifest.json: a layer that is not a path');
    return { what: `layer ${l}`, digest: null, blob: files.open(l) };
  });
  const refs = Array.isArray(m.RepoTags) ? (m.RepoTags as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  return checked(id, configBytes, blobs, refs);
}

/** The config's diff_ids against the layers' uncompressed tars, every layer streamed once. */
function checked(id: string, configBytes: Buffer, blobs: Array<{ what: string; digest: string | null; blob: Blob }>, refs: string[]): LoadedImage {
  const config = json(configBytes, `config ${id}`);
  const rootfs = config.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || !Array.isArray(rootfs.diff_ids)) throw new ImageError(`malformed config ${id}: no rootfs.diff_ids`);
  const diffIds = rootfs.diff_ids as unknown[];
  if (diffIds.length !== blobs.length) throw new ImageError(`config ${id}: ${diffIds.length} diff_ids for ${blobs.length} layers`);
  const layers = blobs.map(({ what, digest, blob: b }, i) => {
    const sha = verifyLayer(b, what, digest, diffIds[i]);
    return { diffId: diffIds[i] as string, blob: unchanged(b, sha, what) };
  });
  return { id, config: configBytes, layers, refs };
}

/** The chain ids of a layer stack (image-spec config.md: ChainID(L0) = DiffID(L0),
 *  ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(Buffer.from(`${out[out.length - 1]} ${d}`)));
  return out;
}
