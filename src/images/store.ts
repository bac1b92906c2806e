/**
 * Images and containers in a pool, as moby's ZFS graph driver keeps them
 * (daemon/graphdriver/zfs/zfs.go), through the library API (image load through the engine's front
 * door, so that a whole layer chain is one transaction):
 * - the base layer is `zfs create -o mountpoint=legacy POOL/ID`; every next layer a snapshot of its
 *   parent and a clone of it (`-o mountpoint=legacy`), the snapshot then destroyed with `-d`
 *   (deferred: it goes with its last clone), as Create/CreateReadWrite do;
 * - a layer's ID is the hex of its chain id (image-spec config.md), so the same layer stack is the
 *   same dataset: loading an image twice creates nothing the second time, and images share the
 *   layers they have in common;
 * - a layer is marked complete (`tszfs.image:layer` = its diff_id) once its tar is applied; one
 *   without the mark (left by an older version's load cut short) is made again;
 * - an image's references (`name:tag`, space separated), id and config are user properties of its
 *   top layer (`tszfs.image:refs`, `tszfs.image:id`, `tszfs.image:config`);
 * - a container is `POOL/NAME-init` (what Docker's init layer holds: the mount points and files
 *   the runtime binds over) cloned from the top layer, and `POOL/NAME`, its writable layer, cloned
 *   from the init layer: two snapshots and two clones whatever the image's size or depth;
 * - each layer keeps its tar's tar-split (tar-split.ts) as `tszfs.image:tarsplit.N` (base64 of
 *   gzip, in chunks), so that `image save` gives back the very bytes that were loaded.
 */
import { destroyOrDefer } from '../engine/datasets/holds.js';
import { createClone, createSnapshot } from '../engine/datasets/snapshot.js';
import type { Id } from '../engine/model.js';
import { nextTxg, openFiles } from '../engine/sync-task.js';
import { clone } from '../lib/datasets/clone.js';
import { applyPoolVersion, newFilesystem } from '../lib/datasets/create.js';
import { dependents, destroy, execute } from '../lib/datasets/destroy.js';
import { assignProperties, setProperties } from '../lib/datasets/set.js';
import { snapshot } from '../lib/datasets/snapshot.js';
import { datasetError, engineFailure, ZfsError } from '../lib/errors.js';
import { changeFiles, fileSettingsOf } from '../lib/files.js';
import type { Home } from '../lib/home.js';
import { selectDatasets, type Row } from '../lib/listing.js';
import type { PoolHandle } from '../lib/pool-handle.js';
import { withPool } from '../lib/session.js';
import { ArchiveError, decompressing } from '../lib/tar/compression.js';
import { extractLayer } from '../lib/tar/extract.js';
import { chainIds, ImageError, type LoadedImage } from './layout.js';
import { LayerSplitter } from './tar-split.js';

export const P_LAYER = 'tszfs.image:layer';
export const P_REFS = 'tszfs.image:refs';
export const P_ID = 'tszfs.image:id';
export const P_CONFIG = 'tszfs.image:config';
export const P_CONTAINER = 'tszfs.container:image';
const P_SPLIT = 'tszfs.image:tarsplit';
const CONFIG_CHUNK = 8000;
const MAX_CONFIG_CHUNKS = 64;

/**
 * What a long image command reports as it goes (the CLI draws it on a terminal): `bytes` more of
 * layer `layer` (0-based) of `layers` done; `total` the bytes of all layers when known.
 */
export type StoreProgress = (e: { phase: 'load' | 'save' | 'commit'; layer: number; layers: number; bytes: number; total: number | null }) => void;

/** The pool images go to: `--pool`, else the only pool there is. */
export function imagePool(home: Home, pool: string | undefined): string {
  if (pool !== undefined) return pool;
  const { rows } = selectDatasets(home, { command: 'list', operands: [], recursive: false, depth: 0, types: new Set(['filesystem']), props: [] }, [], () => {});
  const pools = rows.filter((r) => !r.name.includes('/'));
  if (pools.length !== 1) throw new ZfsError([pools.length === 0 ? 'no pools available' : 'more than one pool: name one with --pool']);
  return pools[0].name;
}

/** Every filesystem of `pool` with the given properties' local values ('' when unset). */
export function datasetsOf(home: Home, pool: string, props: string[], types: Array<'filesystem' | 'snapshot'> = ['filesystem']): Array<{ name: string; row: Row; get(p: string): string }> {
  const { rows, failed } = selectDatasets(home, { command: 'get', operands: [pool], recursive: true, depth: null, types: new Set(types), props }, [], () => {});
  if (failed) throw ZfsError.action(`cannot open '${pool}'`, 'no such pool');
  return rows.map((row) => ({
    name: row.name,
    row,
    get: (p: string) => {
      const v = row.values.get(p);
      return v && v.source.type === 'local' ? String(v.value) : '';
    },
  }));
}

/** The snapshot a dataset of datasetsOf (asked for `origin`) was cloned from; null for a base layer. */
export function originOf(d: { row: Row }): string | null {
  const o = d.row.values.get('origin');
  return o && String(o.value) !== '-' ? String(o.value) : null;
}

/** The hex part of a digest (`sha256:HEX`). */
export const hexOf = (digest: string): string => digest.slice(digest.indexOf(':') + 1);
/** An id as Docker shows it in a table: the first 12 hex digits of a sha256 digest. */
export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
/** A layer's dataset. */
export const layerDataset = (pool: string, chainId: string) => `${pool}/${hexOf(chainId)}`;

export interface LoadReport {
  /** layers created, in order */
  created: string[];
  /** layers already there */
  shared: string[];
  top: string;
  refs: string[];
}

/**
 * Make the layer chain of a checked image (see the file's comment), then tag its top layer, all in
 * ONE transaction: a load that fails or is killed leaves the pool as it was. Each layer's writes
 * get a txg of their own (nextTxg, as receive of a series does): the snapshot a clone is made
 * from sees everything below it, and what a layer writes is born after its origin, so each layer
 * is charged only what it wrote. Layer tars are streamed from the source as they are applied.
 */
export function storeImage(home: Home, pool: string, image: LoadedImage, refs: string[], history: string, progress?: StoreProgress): LoadReport {
  const chain = chainIds(image.layers.map((l) => l.diffId));
  if (chain.length === 0) throw new ZfsError(['cannot load image: it has no layers']);
  const report: LoadReport = { created: [], shared: [], top: layerDataset(pool, chain[chain.length - 1]), refs };
  const total = image.layers.reduce((n, l) => n + l.blob.size, 0);
  withPool(home, pool, (h) => {
    // What the engine refuses (out of space, a quota) undoes the whole load, and is worded.
    try {
      loadChain(h);
    } catch (err) {
      throw engineFailure('cannot load image', err);
    }
  });
  return report;

  function loadChain(h: PoolHandle): void {
    h.change(history, (c) => {
      report.created = [];
      report.shared = [];
      const root = h.rootDir();
      const refused = (ds: string) => () => datasetError(`cannot create '${ds}'`, 'ENOSPC');
      let parentDir: Id | null = null;
      for (let i = 0; i < chain.length; i++) {
        const ds = layerDataset(pool, chain[i]);
        const leaf = hexOf(chain[i]);
        const diffId = image.layers[i].diffId;
        const there = h.findDir(c.dsl, ds);
        if (there !== undefined && c.dsl.dir(there).props[P_LAYER] === diffId) {
          report.shared.push(ds);
          parentDir = there;
          continue;
        }
        // A layer left half made (by a load of an older tszfs cut short) goes, with what was made on it.
        if (there !== undefined) execute(c, dependents(c.dsl, there, true, []), false);
        let dir: Id;
        let head: Id;
        let origin: Id | null = null;
        if (parentDir === null) {
          const props: Record<string, string> = { mountpoint: 'legacy' };
          applyPoolVersion(c.tx.meta, props, `cannot create '${ds}'`);
          dir = newFilesystem(c, root, leaf, {});
          assignProperties(c, dir, props, refused(ds));
          head = c.dsl.dir(dir).head;
        } else {
          // What the layer below wrote is older than its snapshot...
          nextTxg(c);
          const snapName = leaf.slice(0, 12);
          // (one a load cut short between snapshot and clone left is taken as it is)
          origin = c.dsl.snapshotByName(parentDir, snapName) ?? createSnapshot(c.dsl, c.dsl.dir(parentDir).head, snapName, {}).id;
          const clone = createClone(c.dsl, origin, root, leaf, {});
          dir = clone.dir;
          head = clone.id;
          assignProperties(c, dir, { mountpoint: 'legacy' }, refused(ds));
          // ... and what this layer writes is born after it.
          nextTxg(c);
        }
        c.dsl.dir(dir).mounted = false;
        const failed: string[] = [];
        // The tar-split is made from the bytes as they are applied.
        const splitter = new LayerSplitter();
        try {
          const blob = image.layers[i].blob.source();
          const counted = { settled: true, read(buf: Buffer, offset: number, length: number) {
            const n = blob.read(buf, offset, length);
            progress?.({ phase: 'load', layer: i, layers: chain.length, bytes: n, total });
            return n;
          } };
          const tar = decompressing(counted).source;
          const src = { settled: true, read(buf: Buffer, offset: number, length: number) {
            const n = tar.read(buf, offset, length);
            splitter.write(buf.subarray(offset, offset + n));
            return n;
          } };
          extractLayer(openFiles(c, head), src, fileSettingsOf(c, head), (line) => failed.push(line));
          // To its end, so that the blob is known to be the one checked.
          const rest = Buffer.allocUnsafe(1 << 16);
          while (src.read(rest, 0, rest.length) > 0);
        } catch (err) {
          if (err instanceof ArchiveError) failed.push(err.message);
          else if (err instanceof ImageError) failed.push(err.message);
          else throw err;
        }
        if (failed.length > 0) throw new ZfsError([`cannot load image: layer ${diffId}:`, ...failed.map((w) => `  ${w}`)]);
        const split = splitter.finish();
        assignProperties(c, dir, { ...(split === null ? {} : Object.fromEntries(chunked(P_SPLIT, split.toString('base64')))), [P_LAYER]: diffId }, refused(ds));
        if (origin !== null) destroyOrDefer(c.dsl, origin);
        report.created.push(ds);
        parentDir = dir;
      }
      const topDir = parentDir as Id;
      // The references go to this image, taken from any other.
      for (const other of c.dsl.childDirs(root)) {
        const props = c.dsl.dir(other).props;
        const had = (props[P_REFS] ?? '').split(' ').filter(Boolean);
        const keep = other === topDir ? [...new Set([...had, ...refs])] : had.filter((r) => !refs.includes(r));
        if (keep.join(' ') !== had.join(' ')) assignProperties(c, other, { [P_REFS]: keep.join(' ') }, refused(report.top));
      }
      const config = image.config.toString('utf8');
      assignProperties(c, topDir, { [P_ID]: image.id, ...Object.fromEntries(pieces(P_CONFIG, config)) }, refused(report.top));
    });
  }
}

/** `text` as properties `NAME.0`, `NAME.1`... of at most CONFIG_CHUNK characters. */
function pieces(name: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let at = 0; at < text.length; at += CONFIG_CHUNK) out.push([`${name}.${out.length}`, text.slice(at, at + CONFIG_CHUNK)]);
  return out;
}

/** pieces(), and `NAME` their count. */
function chunked(name: string, text: string): Array<[string, string]> {
  const out = pieces(name, text);
  return [[name, String(out.length)], ...out];
}

/** Properties of one dataset: user properties' local values ('' when unset), or any value with `any`. */
export function propsOf(home: Home, dataset: string, props: string[], any = false): (p: string) => string {
  const { rows, failed } = selectDatasets(home, { command: 'get', operands: [dataset], recursive: false, depth: null, types: new Set(['filesystem']), props }, [], () => {});
  if (failed || rows.length === 0) throw ZfsError.action(`cannot open '${dataset}'`, 'dataset does not exist');
  return (p: string) => {
    const v = rows[0].values.get(p);
    return v && (any || v.source.type === 'local') ? String(v.value) : '';
  };
}

/** The tar-split a layer keeps, or null (a layer loaded before tar-splits were kept). */
export function layerSplit(home: Home, dataset: string): Buffer | null {
  const count = Number(propsOf(home, dataset, [P_SPLIT])(P_SPLIT) || '0');
  if (!count) return null;
  const names = Array.from({ length: count }, (_, i) => `${P_SPLIT}.${i}`);
  const get = propsOf(home, dataset, names);
  return Buffer.from(names.map(get).join(''), 'base64');
}

/** The config an image's top layer keeps (the bytes it was loaded with). */
export function imageConfig(home: Home, top: string): Buffer {
  const props = Array.from({ length: MAX_CONFIG_CHUNKS }, (_, i) => `${P_CONFIG}.${i}`);
  const get = propsOf(home, top, [P_ID, ...props]);
  if (get(P_ID) === '') throw new ZfsError([`Error: No such image: ${top}`]);
  return Buffer.from(props.map(get).join(''), 'utf8');
}

function set(home: Home, ds: string, props: Array<[string, string]>, history: string): void {
  const errors: string[] = [];
  if (setProperties(home, props, [ds], history, (l) => errors.push(l), true) !== 0) throw new ZfsError(errors);
}

/** `name[:tag]` with Docker's default tag. */
export function normalRef(ref: string): string {
  const slash = ref.lastIndexOf('/');
  return ref.slice(slash + 1).includes(':') ? ref : `${ref}:latest`;
}

export interface ImageRow {
  ref: string;
  id: string;
  top: string;
  layers: number;
}

/** The images of a pool: one row per reference (and one for an image with none). */
export function listImages(home: Home, pool: string): ImageRow[] {
  const all = datasetsOf(home, pool, [P_REFS, P_ID, P_LAYER, 'origin']);
  const byName = new Map(all.map((d) => [d.name, d]));
  const depth = (name: string): number => {
    let n = 0;
    for (let d = byName.get(name); d; n++) {
      const origin = originOf(d);
      d = origin === null ? undefined : byName.get(origin.split('@')[0]);
    }
    return n;
  };
  const rows: ImageRow[] = [];
  for (const d of all) {
    if (d.get(P_ID) === '') continue;
    const refs = d.get(P_REFS).split(' ').filter(Boolean);
    for (const ref of refs.length ? refs : ['<none>:<none>']) rows.push({ ref, id: d.get(P_ID), top: d.name, layers: depth(d.name) });
  }
  return rows.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** The top layer of an image named by reference, image id (or its prefix) or dataset. */
export function findImage(home: Home, pool: string, name: string): ImageRow {
  const rows = listImages(home, pool);
  const ref = normalRef(name);
  const hex = name.replace(/^sha256:/, '');
  const hit =
    rows.find((r) => r.ref === ref) ??
    rows.find((r) => r.top === name) ??
    (hex.length >= 4 && /^[0-9a-f]+$/.test(hex) ? rows.find((r) => hexOf(r.id).startsWith(hex)) : undefined);
  if (!hit) throw new ZfsError([`Error: No such image: ${name}`]);
  return hit;
}

/** Containers of a pool: writable layer, name, image. */
export function listContainers(home: Home, pool: string): Array<{ name: string; dataset: string; image: string }> {
  return datasetsOf(home, pool, [P_CONTAINER])
    .filter((d) => d.get(P_CONTAINER) !== '' && !d.name.endsWith('-init'))
    .map((d) => ({ name: d.name.slice(pool.length + 1), dataset: d.name, image: d.get(P_CONTAINER) }));
}

/**
 * `image rm`: the reference goes; when the image has none left, its layers go from the top down,
 * as long as no other image or container stands on them. An image a container stands on keeps
 * its last reference (Docker's conflict, exit 1, nothing changed) unless forced: `-f` then takes
 * the reference and leaves the image untagged (`<none>`), its layers under the container.
 */
export function removeImage(home: Home, pool: string, name: string, history: string, force = false): string[] {
  const img = findImage(home, pool, name);
  const byRef = img.ref === normalRef(name);
  const out: string[] = [];
  const all = datasetsOf(home, pool, [P_REFS]);
  const refs = all.find((d) => d.name === img.top)!.get(P_REFS).split(' ').filter(Boolean);
  const left = refs.filter((r) => r !== img.ref);
  if (byRef && left.length > 0) {
    set(home, img.top, [[P_REFS, left.join(' ')]], history);
    out.push(`Untagged: ${img.ref}`);
    return out;
  }
  const short = shortId(img.id);
  if (!byRef && refs.length > 1 && !force) throw new ZfsError([`Error response from daemon: conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`]);
  const users = listContainers(home, pool).filter((c) => c.image === img.top);
  if (users.length > 0) {
    if (!force) {
      throw new ZfsError([
        byRef
          ? `Error response from daemon: conflict: unable to remove repository reference "${name}" (must force) - container ${users[0].name} is using its referenced image ${short}`
          : `Error response from daemon: conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${users[0].name}`,
      ]);
    }
    // Forced: the references go, the image stays (untagged) for the containers on it.
    if (refs.length > 0) set(home, img.top, [[P_REFS, '']], history);
    return refs.map((r) => `Untagged: ${r}`);
  }
  for (const r of refs) out.push(`Untagged: ${r}`);
  // No longer an image: a layer other images may still stand on.
  set(home, img.top, [[P_REFS, ''], [P_ID, '']], history);
  out.push(`Deleted: ${img.id}`);
  let layer: string | null = img.top;
  while (layer !== null) {
    const d = datasetsOf(home, pool, [P_REFS, P_ID, 'origin', 'clones'], ['filesystem', 'snapshot']);
    const self = d.find((x) => x.name === layer)!;
    // Still needed: another image's top, or a clone of one of its snapshots.
    const snaps = d.filter((x) => x.name.startsWith(`${layer}@`));
    const cloned = snaps.some((s) => {
      const c = s.row.values.get('clones');
      return c !== null && c !== undefined && String(c.value) !== '';
    });
    if (cloned || self.get(P_ID) !== '') break;
    const origin = originOf(self);
    destroy(home, layer, { recursive: true, dependents: false }, history);
    out.push(`Deleted: ${layer}`);
    layer = origin === null ? null : origin.split('@')[0];
  }
  return out;
}

/** Docker's init layer (daemon/initlayer): mount points and files the runtime binds over. */
const INIT_DIRS = ['dev', 'dev/pts', 'dev/shm', 'proc', 'sys', 'etc'];
const INIT_FILES = ['.dockerenv', 'dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab'];

export function createContainer(home: Home, pool: string, imageName: string, name: string, history: string): string {
  const img = findImage(home, pool, imageName);
  const ds = `${pool}/${name}`;
  const init = `${ds}-init`;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new ZfsError([`Error response from daemon: Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`]);
  const taken = new Set(datasetsOf(home, pool, []).map((d) => d.name));
  if (taken.has(ds) || taken.has(init)) throw new ZfsError([`Error response from daemon: Conflict. The container name "/${name}" is already in use (${taken.has(ds) ? ds : init} exists)`]);
  const props: Array<[string, string]> = [['mountpoint', 'legacy'], [P_CONTAINER, img.top]];
  const topSnap = `${img.top}@${name}-init`;
  snapshot(home, [topSnap], { recursive: false, props: [] }, history);
  clone(home, topSnap, init, { parents: false, props, noMount: true }, history);
  destroy(home, topSnap, { recursive: false, dependents: false, defer: true }, history);
  changeFiles(home, init, `cannot create '${init}'`, (fs, _input, settings) => {
    for (const d of INIT_DIRS) if (!fs.exists(d.split('/'), false)) fs.create(d.split('/'), { type: 'dir' }, { mode: 0o755, uid: 0, gid: 0 }, { parents: true });
    for (const f of INIT_FILES) {
      const parts = f.split('/');
      if (!fs.exists(parts, false)) fs.create(parts, { type: 'file', data: { settled: true, read: () => 0 }, settings }, { mode: 0o755, uid: 0, gid: 0 }, { parents: true });
    }
  });
  const initSnap = `${init}@${name}`;
  snapshot(home, [initSnap], { recursive: false, props: [] }, history);
  clone(home, initSnap, ds, { parents: false, props, noMount: true }, history);
  destroy(home, initSnap, { recursive: false, dependents: false, defer: true }, history);
  return ds;
}

export function removeContainer(home: Home, pool: string, name: string, history: string): void {
  const c = listContainers(home, pool).find((x) => x.name === name);
  if (!c) throw new ZfsError([`Error response from daemon: No such container: ${name}`]);
  destroy(home, c.dataset, { recursive: true, dependents: false }, history);
  destroy(home, `${c.dataset}-init`, { recursive: true, dependents: false }, history);
}
