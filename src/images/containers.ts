/**
 * `container diff` and `container commit`: what a container changed, from `zfs diff` of its
 * writable layer against the snapshot it was cloned from (the init layer's), so the cost grows
 * with the change (birth txgs), never with the image. Lines are Docker's: `A` added, `C` changed,
 * `D` deleted (a deleted directory once, not its entries); a rename is the old name deleted and
 * the new one added. commit writes those changes as a layer tar (whiteouts for deletions, the
 * renamed directories whole) and loads it on top of the image as `image load` makes a layer.
 */
import { createHash } from 'node:crypto';
import { diff } from '../lib/datasets/diff.js';
import { ZfsError } from '../lib/errors.js';
import type { Home } from '../lib/home.js';
import { createArchive } from '../lib/tar/create.js';
import { bufferBlob } from './layout.js';
import { readFiles } from '../lib/files.js';
import { datasetsOf, listContainers, normalRef, P_CONFIG, P_ID, storeImage, type LoadReport } from './store.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

function containerOf(home: Home, pool: string, name: string) {
  const c = listContainers(home, pool).find((x) => x.name === name);
  if (!c) throw new ZfsError([`Error response from daemon: No such container: ${name}`]);
  return c;
}

interface Changes {
  lines: Change[];
  /** renamed-to names: their whole subtree is new at that name */
  moved: Set<string>;
}

function changesOf(home: Home, pool: string, name: string): Changes {
  const c = containerOf(home, pool, name);
  const origin = `${c.dataset}-init@${name}`;
  const d = diff(home, origin, c.dataset).lines.filter((l) => l.path !== '/');
  // What zfs diff says is about objects; Docker's lines are about names. The names of the
  // directories that changed, before and after, settle which names came and went (a new or
  // removed hard link is one object's link count, not a name of its own).
  const dirs = new Set<string>(['/']);
  const paths = new Set<string>();
  for (const l of d) {
    paths.add(l.path);
    if (l.newPath !== undefined) paths.add(l.newPath);
    if (l.change === 'M' && l.type === '/') dirs.add(l.path);
  }
  const before = namesIn(home, origin, dirs, paths);
  const after = namesIn(home, c.dataset, dirs, paths);
  const added = new Set<string>();
  const changed = new Set<string>();
  const deleted = new Set<string>();
  const moved = new Set<string>();
  const came = (p: string, dir: boolean) => {
    if (before.exists.has(p)) changed.add(p);
    else {
      added.add(p);
      if (dir) moved.add(p);
    }
  };
  for (const l of d) {
    if (l.change === '+') came(l.path, false);
    else if (l.change === '-') {
      if (!after.exists.has(l.path)) deleted.add(l.path);
    } else if (l.change === 'M') changed.add(l.path);
    else {
      came(l.newPath!, l.type === '/');
      if (!after.exists.has(l.path)) deleted.add(l.path);
    }
  }
  for (const dir of dirs) {
    const was = before.names.get(dir) ?? new Map<string, boolean>();
    const now = after.names.get(dir) ?? new Map<string, boolean>();
    const at = (n: string) => (dir === '/' ? `/${n}` : `${dir}/${n}`);
    for (const [n, isDir] of now) if (!was.has(n) && !added.has(at(n))) came(at(n), isDir);
    for (const n of was.keys()) if (!now.has(n)) deleted.add(at(n));
  }
  const lines: Change[] = [];
  for (const p of added) lines.push({ kind: 'A', path: p });
  for (const p of changed) if (!added.has(p)) lines.push({ kind: 'C', path: p });
  // A directory deleted goes once, not its entries; a name deleted and made again is changed.
  for (const p of deleted) {
    if (added.has(p) || changed.has(p)) continue;
    if ([...deleted].some((q) => p.startsWith(`${q}/`))) continue;
    lines.push({ kind: 'D', path: p });
  }
  lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { lines, moved };
}

/** In `dataset`: the entries of `dirs` (name -> is a directory), and which of `paths` exist. */
function namesIn(home: Home, dataset: string, dirs: Set<string>, paths: Set<string>) {
  const names = new Map<string, Map<string, boolean>>();
  const exists = new Set<string>();
  readFiles(home, dataset, (fs) => {
    const parts = (p: string) => p.split('/').filter(Boolean);
    for (const p of paths) if (fs.exists(parts(p), false)) exists.add(p);
    for (const dir of dirs) {
      if (!fs.exists(parts(dir), false)) continue;
      const at = fs.lookup(parts(dir), false);
      if (at.dnode.type === 'dir') names.set(dir, new Map(fs.list(at.dnode).map((e) => [e.name, e.dnode.type === 'dir'])));
    }
  });
  return { names, exists };
}

export function containerDiff(home: Home, pool: string, name: string): Change[] {
  return changesOf(home, pool, name).lines;
}

/** The config of an image's top layer. */
function configOf(home: Home, pool: string, top: string): Record<string, unknown> & { rootfs: { diff_ids: string[] } } {
  const props = Array.from({ length: 64 }, (_, i) => `${P_CONFIG}.${i}`);
  const d = datasetsOf(home, pool, [P_ID, ...props]).find((x) => x.name === top);
  if (!d || d.get(P_ID) === '') throw new ZfsError([`Error: No such image: ${top}`]);
  return JSON.parse(props.map((p) => d.get(p)).join('')) as Record<string, unknown> & { rootfs: { diff_ids: string[] } };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function commitContainer(home: Home, pool: string, name: string, ref: string | undefined, history: string): LoadReport & { id: string } {
  const c = containerOf(home, pool, name);
  const { lines, moved } = changesOf(home, pool, name);
  const rel = (p: string) => p.replace(/^\/+/, '');
  const chunks: Buffer[] = [];
  createArchive(home, c.dataset, (chunk) => chunks.push(Buffer.from(chunk)), {
    directory: '/',
    compression: 'none',
    warn: () => {},
    layer: {
      paths: new Set(lines.filter((l) => l.kind !== 'D').map((l) => rel(l.path))),
      whiteouts: lines.filter((l) => l.kind === 'D').map((l) => rel(l.path)),
      subtrees: new Set([...moved].map(rel)),
    },
  });
  const tar = Buffer.concat(chunks);
  const config = configOf(home, pool, c.image);
  const diffIds = [...config.rootfs.diff_ids, sha256(tar)];
  const history_ = Array.isArray(config.history) ? [...(config.history as unknown[])] : [];
  history_.push({ created_by: `tszfs container commit ${name}` });
  const newConfig = Buffer.from(JSON.stringify({ ...config, rootfs: { ...config.rootfs, diff_ids: diffIds }, history: history_ }));
  const id = sha256(newConfig);
  const layers = diffIds.map((diffId, i) => ({ diffId, blob: bufferBlob(i === diffIds.length - 1 ? tar : Buffer.alloc(0)) }));
  const report = storeImage(home, pool, { id, config: newConfig, layers, refs: [] }, ref ? [normalRef(ref)] : [], history);
  return { ...report, id };
}
