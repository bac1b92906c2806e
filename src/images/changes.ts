/**
 * What a layer changed against the snapshot below it, and the layer tar of those changes
 * (image-spec layer.md): `container diff` and `container commit` ask it of a container's writable
 * layer, `image save` of an image layer whose loaded bytes it cannot give back. The changes come
 * from `zfs diff` (birth txgs), so the cost grows with the change, never with the image.
 */
import { diff } from '../lib/datasets/diff.js';
import { readFiles } from '../lib/files.js';
import type { Home } from '../lib/home.js';
import { createArchive } from '../lib/tar/create.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export interface Changes {
  lines: Change[];
  /** renamed-to names: their whole subtree is new at that name */
  moved: Set<string>;
  /** directories removed and made again: opaque in a layer (what was below them is hidden) */
  replaced: Set<string>;
}

/** What `dataset` changed since `origin`, the snapshot it was cloned from. */
export function layerChanges(home: Home, origin: string, dataset: string): Changes {
  const d = diff(home, origin, dataset).lines.filter((l) => l.path !== '/');
  // What zfs diff says is about objects; Docker's lines are about names. The names of the
  // directories that changed, before and after, settle which names came and went (a new or
  // removed hard link is one object's link count, not a name of its own).
  const dirs = new Set<string>(['/']);
  const paths = new Set<string>();
  for (const l of d) {
    paths.add(l.path);
    if (l.newPath !== undefined) paths.add(l.newPath);
    // A new directory's names are all new, hard links to older objects among them (no object
    // of theirs is new, so zfs diff does not name them).
    if ((l.change === 'M' || l.change === '+') && l.type === '/') dirs.add(l.path);
  }
  const removedDirs = new Set(d.filter((l) => l.change === '-' && l.type === '/').map((l) => l.path));
  const replaced = new Set(d.filter((l) => l.change === '+' && l.type === '/' && removedDirs.has(l.path)).map((l) => l.path));
  const before = namesIn(home, origin, dirs, paths);
  const after = namesIn(home, dataset, dirs, paths);
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
    let under = false;
    for (let at = p.lastIndexOf('/'); at > 0 && !under; at = p.lastIndexOf('/', at - 1)) under = deleted.has(p.slice(0, at));
    if (under) continue;
    lines.push({ kind: 'D', path: p });
  }
  lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { lines, moved, replaced };
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

/**
 * The layer tar of `changes` in `dataset`: the objects that came or changed (with the directories
 * above them, and renamed directories whole), a whiteout `.wh.NAME` for each name deleted, and
 * a directory removed and made again whole, after its opaque marker `.wh..wh..opq`. With no
 * changes given (a base layer), the whole tree. `progress` counts the bytes as they are made.
 */
export function layerTar(home: Home, dataset: string, changes: Changes | null, progress?: (bytes: number) => void): Buffer {
  const rel = (p: string) => p.replace(/^\/+/, '');
  const chunks: Buffer[] = [];
  // A directory made again goes whole, marked opaque, and nothing that was below it is whited out.
  const opaque = [...(changes?.replaced ?? [])].map(rel);
  const hidden = (p: string) => opaque.some((o) => p.startsWith(`${o}/`));
  const layer = changes && {
    paths: new Set(changes.lines.filter((l) => l.kind !== 'D').map((l) => rel(l.path))),
    whiteouts: changes.lines.filter((l) => l.kind === 'D' && !hidden(rel(l.path))).map((l) => rel(l.path)),
    subtrees: new Set([...changes.moved, ...changes.replaced].map(rel)),
    opaque,
  };
  createArchive(
    home,
    dataset,
    (chunk) => {
      chunks.push(Buffer.from(chunk));
      progress?.(chunk.length);
    },
    { directory: '/', compression: 'none', warn: () => {}, ...(layer ? { layer } : {}) },
  );
  return Buffer.concat(chunks);
}
