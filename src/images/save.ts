/**
 * `image save`: an image of the pool as an OCI image layout (image-spec image-layout.md) or a
 * `docker save` archive (manifest.json, repositories, `HEX.json` config, `DIR/layer.tar`), as a
 * directory or a tar, the same bytes every time:
 * - each layer's tar is given back as it was loaded, from its tar-split and the layer's files
 *   (tar-split.ts), and checked against the layer's diff_id; a layer that no longer matches (its
 *   files changed after load, or it kept no tar-split) is rebuilt from its changes against the
 *   snapshot below it (changes.ts, as `container commit` makes a layer), and the config then
 *   names the new diff_ids (a new image id, as for any changed image);
 * - layers go uncompressed (as `docker save` writes them): nothing to make deterministic there;
 * - the outer tar has its entries in name order, mtime 0, owner 0:0, modes 0644/0755, no user or
 *   group names, padded to 10240 bytes: nothing from the clock or the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFiles } from '../lib/files.js';
import type { Home } from '../lib/home.js';
import { tarHeaders } from '../lib/tar/headers.js';
import { layerChanges, layerTar } from './changes.js';
import { sha256 } from './layout.js';
import { datasetsOf, findImage, hexOf, imageConfig, layerSplit, normalRef, originOf, P_LAYER, type StoreProgress } from './store.js';
import { joinLayer } from './tar-split.js';

export type SaveFormat = 'oci' | 'docker';

export interface SavedLayer {
  dataset: string;
  diffId: string;
  tar: Buffer;
  /** rebuilt from the layer's changes (its loaded bytes could not be given back) */
  rebuilt: boolean;
}

export interface ImageToSave {
  id: string;
  config: Buffer;
  layers: SavedLayer[];
  /** the references the archive names (the one asked for; none when asked by id) */
  refs: string[];
  os: string;
  architecture: string;
}

/** The layer datasets of an image, base first (the top layer's origins, down to the base). */
export function layerChain(home: Home, pool: string, top: string): Array<{ dataset: string; origin: string | null; diffId: string }> {
  const all = new Map(datasetsOf(home, pool, [P_LAYER, 'origin']).map((d) => [d.name, d]));
  const out: Array<{ dataset: string; origin: string | null; diffId: string }> = [];
  for (let name: string | null = top; name !== null; ) {
    const d = all.get(name);
    if (!d) break;
    const origin = originOf(d);
    out.unshift({ dataset: name, origin, diffId: d.get(P_LAYER) });
    name = origin === null ? null : origin.split('@')[0];
  }
  return out;
}

/** The bytes of a layer: its loaded tar again, or one rebuilt from its changes. */
function layerBytes(home: Home, layer: { dataset: string; origin: string | null; diffId: string }, progress: (bytes: number) => void): SavedLayer {
  const split = layerSplit(home, layer.dataset);
  if (split !== null) {
    const tar = readFiles(home, layer.dataset, (view, readFile) =>
      joinLayer(split, (name, size) => {
        const parts = name.split('/');
        if (!view.exists(parts, false)) return null;
        const { dnode } = view.lookup(parts, false);
        if (dnode.type !== 'file' || dnode.size !== size) return null;
        const chunks: Buffer[] = [];
        readFile(dnode, (chunk) => {
          chunks.push(Buffer.from(chunk));
          progress(chunk.length);
        });
        return Buffer.concat(chunks);
      }),
    );
    if (tar !== null && sha256(tar) === layer.diffId) return { dataset: layer.dataset, diffId: layer.diffId, tar, rebuilt: false };
  }
  const changes = layer.origin === null ? null : layerChanges(home, layer.origin, layer.dataset);
  const tar = layerTar(home, layer.dataset, changes, progress);
  return { dataset: layer.dataset, diffId: sha256(tar), tar, rebuilt: true };
}

/** Everything `image save` writes of the image named `name`. */
export function imageToSave(home: Home, pool: string, name: string, progress?: StoreProgress): ImageToSave {
  const img = findImage(home, pool, name);
  const refs = img.ref === normalRef(name) ? [img.ref] : [];
  const chain = layerChain(home, pool, img.top);
  const layers = chain.map((l, i) => layerBytes(home, l, (bytes) => progress?.({ phase: 'save', layer: i, layers: chain.length, bytes, total: null })));
  let config = imageConfig(home, img.top);
  const parsed = JSON.parse(config.toString('utf8')) as { os?: unknown; architecture?: unknown; rootfs?: { diff_ids?: string[] } };
  const diffIds = layers.map((l) => l.diffId);
  if (JSON.stringify(parsed.rootfs?.diff_ids) !== JSON.stringify(diffIds)) {
    config = Buffer.from(JSON.stringify({ ...parsed, rootfs: { ...parsed.rootfs, type: 'layers', diff_ids: diffIds } }));
  }
  return {
    id: sha256(config),
    config,
    layers,
    refs,
    os: typeof parsed.os === 'string' ? parsed.os : 'linux',
    architecture: typeof parsed.architecture === 'string' ? parsed.architecture : 'amd64',
  };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** The files of the archive, by name. */
export function archiveFiles(image: ImageToSave, format: SaveFormat): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (format === 'oci') {
    const blob = (data: Buffer) => {
      const digest = sha256(data);
      files.set(`blobs/sha256/${hexOf(digest)}`, data);
      return { digest, size: data.length };
    };
    const manifest = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(image.config) },
      layers: image.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...blob(l.tar) })),
    });
    const m = blob(manifest);
    const platform = { architecture: image.architecture, os: image.os };
    const descriptor = (ref: string | null) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...m,
      platform,
      ...(ref === null ? {} : { annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1) } }),
    });
    files.set('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
    files.set('index.json', json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: image.refs.length ? image.refs.map(descriptor) : [descriptor(null)] }));
    return files;
  }
  const configName = `${hexOf(image.id)}.json`;
  files.set(configName, image.config);
  const names = image.layers.map((l) => {
    const name = `${hexOf(l.diffId)}/layer.tar`;
    files.set(name, l.tar);
    files.set(`${hexOf(l.diffId)}/VERSION`, Buffer.from('1.0'));
    return name;
  });
  files.set('manifest.json', json([{ Config: configName, RepoTags: image.refs.length ? image.refs : null, Layers: names }]));
  const repositories: Record<string, Record<string, string>> = {};
  const top = hexOf(image.layers[image.layers.length - 1].diffId);
  for (const ref of image.refs) {
    const at = ref.lastIndexOf(':');
    (repositories[ref.slice(0, at)] ??= {})[ref.slice(at + 1)] = top;
  }
  files.set('repositories', json(repositories));
  return files;
}

const BLOCK = 512;
const RECORD = 10240;

/** The files as a tar: directories and files in name order, nothing from the clock or host. */
export function writeTar(files: Map<string, Buffer>, out: (chunk: Buffer) => void): void {
  const codec = tarHeaders();
  const names = new Set<string>();
  for (const name of files.keys()) {
    names.add(name);
    for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1)) names.add(name.slice(0, at + 1));
  }
  let total = 0;
  const put = (b: Buffer) => {
    out(b);
    total += b.length;
  };
  for (const name of [...names].sort()) {
    const data = files.get(name);
    const dir = data === undefined;
    const h = codec.encode({ name, type: dir ? 'directory' : 'file', size: dir ? 0 : data.length, mode: dir ? 0o755 : 0o644, uid: 0, gid: 0, mtime: new Date(0), uname: '', gname: '' });
    if (h === null) throw new Error(`name too long for the archive: ${name}`);
    put(h);
    if (!dir && data.length > 0) {
      put(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) put(Buffer.alloc(pad));
    }
  }
  put(Buffer.alloc(2 * BLOCK));
  const rest = (RECORD - (total % RECORD)) % RECORD;
  if (rest) put(Buffer.alloc(rest));
}

/** The files into directory `dir` (made when missing). */
export function writeDir(files: Map<string, Buffer>, dir: string): void {
  for (const [name, data] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const to = path.join(dir, ...name.split('/'));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, data);
  }
}
