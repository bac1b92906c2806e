/** Small real images for the image tests: layer tars by tar-stream (test/cli/tar-support.ts),
 *  gzip by node:zlib, packed as an OCI image layout (directory or tar) or a `docker save` archive. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Encoder } from '@toondepauw/node-zstd';
import { pack, type PackEntry } from './tar-support.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const date = new Date(1700000000 * 1000);

export const dir = (name: string, mode = 0o755): PackEntry => ({ header: { name, type: 'directory', mode, uid: 0, gid: 0, mtime: date } });
export const file = (name: string, body: string | Buffer, mode = 0o644): PackEntry => ({ header: { name, type: 'file', mode, uid: 0, gid: 0, mtime: date }, body: Buffer.from(body) });
export const link = (name: string, target: string): PackEntry => ({ header: { name, type: 'link', linkname: target, mode: 0o644, uid: 0, gid: 0, mtime: date } });
export const symlink = (name: string, target: string): PackEntry => ({ header: { name, type: 'symlink', linkname: target, mode: 0o777, uid: 0, gid: 0, mtime: date } });
export const whiteout = (name: string): PackEntry => file(name.replace(/[^/]*$/, (b) => `.wh.${b}`), '');
export const opaque = (dirName: string): PackEntry => file(`${dirName}/.wh..wh..opq`, '');

export interface BuiltImage {
  /** path -> bytes */
  files: Map<string, Buffer>;
  configDigest: string;
  diffIds: string[];
}

export interface ImageSpec {
  layers: PackEntry[][];
  /** compress the layer blobs */
  gzip?: boolean;
  /** compress the layer blobs with zstd */
  zstd?: boolean;
  ref?: string;
  /** more manifests for other platforms (an index with several) */
  otherPlatforms?: Array<{ os: string; architecture: string; layers: PackEntry[][] }>;
}

async function manifestFor(files: Map<string, Buffer>, layers: PackEntry[][], gz: boolean | 'zstd', platform: { os: string; architecture: string }) {
  const tars = await Promise.all(layers.map(pack));
  const blobs = tars.map((t) => (gz === 'zstd' ? new Encoder(3).encodeSync(t) : gz ? gzipSync(t) : t));
  const diffIds = tars.map(sha);
  const config = Buffer.from(JSON.stringify({ ...platform, config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const put = (b: Buffer) => {
    files.set(`blobs/sha256/${sha(b).slice(7)}`, b);
    return sha(b);
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
      layers: blobs.map((b) => ({ mediaType: `application/vnd.oci.image.layer.v1.tar${gz === 'zstd' ? '+zstd' : gz ? '+gzip' : ''}`, digest: put(b), size: b.length })),
    }),
  );
  return { manifest, digest: put(manifest), configDigest: sha(config), diffIds, tars, config };
}

export async function ociImage(spec: ImageSpec): Promise<BuiltImage> {
  const files = new Map<string, Buffer>();
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  const manifests = [];
  const others = [];
  for (const o of spec.otherPlatforms ?? []) {
    const m = await manifestFor(files, o.layers, spec.gzip ?? false, { os: o.os, architecture: o.architecture });
    others.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.manifest.length, platform: { os: o.os, architecture: o.architecture } });
  }
  const m = await manifestFor(files, spec.layers, spec.zstd ? 'zstd' : (spec.gzip ?? false), { os: 'linux', architecture: 'amd64' });
  manifests.push(...others, {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: m.digest,
    size: m.manifest.length,
    platform: { os: 'linux', architecture: 'amd64' },
    ...(spec.ref ? { annotations: { 'org.opencontainers.image.ref.name': spec.ref } } : {}),
  });
  files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })));
  return { files, configDigest: m.configDigest, diffIds: m.diffIds };
}

export async function dockerSave(spec: ImageSpec): Promise<BuiltImage> {
  const files = new Map<string, Buffer>();
  const tars = await Promise.all(spec.layers.map(pack));
  const diffIds = tars.map(sha);
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configName = `${sha(config).slice(7)}.json`;
  files.set(configName, config);
  const layerNames = tars.map((t, i) => {
    const name = `${createHash('sha256').update(`layer${i}`).update(t).digest('hex')}/layer.tar`;
    files.set(name, t);
    return name;
  });
  files.set('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: spec.ref ? [spec.ref] : null, Layers: layerNames }])));
  return { files, configDigest: sha(config), diffIds };
}

/** The image as a tar archive (what `docker save` or `skopeo copy oci-archive:` write). */
export async function asTar(img: BuiltImage): Promise<Buffer> {
  return pack([...img.files].sort().map(([name, body]) => ({ header: { name, type: 'file', mode: 0o644, mtime: date }, body })));
}

/** The image as a directory. */
export function asDir(img: BuiltImage, where: string): string {
  for (const [name, body] of img.files) {
    fs.mkdirSync(path.dirname(path.join(where, name)), { recursive: true });
    fs.writeFileSync(path.join(where, name), body);
  }
  return where;
}

/** The layer datasets' names (the hex of the chain ids, image-spec config.md). */
export function chainHexes(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha(Buffer.from(`${out[out.length - 1]} ${d}`)));
  return out.map((c) => c.slice(7));
}
