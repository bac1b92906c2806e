/**
 * Reading a real tree (issue 13): stat, readlink, find, du, xattr get/list, on a filesystem or a
 * snapshot. Failures per path are worded as GNU coreutils words them, the file named
 * `DATASET:PATH`; the other paths are still answered (exit 1 at the end).
 */
import { EngineError } from '../engine/errno.js';
import type { FsView } from '../engine/files/fs-view.js';
import type { Dnode } from '../engine/files/objset.js';
import { displayPath, pathComponents } from '../engine/files/paths.js';
import { fileFailure, ZfsError } from './errors.js';
import { readFiles } from './files.js';
import type { Home } from './home.js';
import { fileName } from './trees.js';

export interface StatInfo {
  /** the path as given */
  path: string;
  object: number;
  dnode: Dnode;
  /** bytes it takes in the pool (st_blocks * 512) */
  allocated: number;
}

/** Run `each` on each path's object; a failure is worded `action(file)` and the others go on. */
function eachPath<T>(fs: FsView, dataset: string, paths: string[], action: (file: string) => string, each: (parts: string[], path: string) => T): { results: T[]; failures: string[] } {
  const results: T[] = [];
  const failures: string[] = [];
  for (const path of paths) {
    try {
      results.push(each(pathComponents(path), path));
    } catch (err) {
      const e = fileFailure(action(fileName(dataset, path)), err);
      if (!(e instanceof ZfsError)) throw e;
      failures.push(...e.lines);
    }
  }
  return { results, failures };
}

/** A command's answers so far, and the failures that make it exit 1 after printing them. */
export interface Partial<T> {
  results: T[];
  failures: string[];
}

/** `stat` of each path (the last symlink followed with `follow`, as stat -L). */
export function statPaths(home: Home, dataset: string, paths: string[], follow: boolean): Partial<StatInfo> {
  return readFiles(home, dataset, (fs) =>
    eachPath(fs, dataset, paths, (f) => `stat: cannot statx '${f}'`, (parts, path) => {
      const { object, dnode } = fs.lookup(parts, follow);
      return { path, object, dnode, allocated: fs.allocated(dnode) };
    }),
  );
}

/** A symlink's target; with `canonical` (readlink -f), the path it resolves to. Null: not a symlink. */
export function readLink(home: Home, dataset: string, path: string, canonical: boolean): string | null {
  return readFiles(home, dataset, (fs) => {
    const parts = pathComponents(path);
    if (canonical) {
      try {
        return displayPath(fs.resolve(parts).parts);
      } catch (err) {
        if (err instanceof EngineError && err.errno === 'ENOENT') {
          // readlink -f: every component but the last must exist.
          return displayPath([...fs.resolve(parts.slice(0, -1)).parts, parts[parts.length - 1]]);
        }
        throw err;
      }
    }
    try {
      const { dnode } = fs.lookup(parts, false);
      return dnode.type === 'symlink' ? dnode.target : null;
    } catch {
      return null;
    }
  });
}

export interface TreeEntry {
  /** the path, as find prints it: the starting point, then `/name` for each level */
  path: string;
  object: number;
  dnode: Dnode;
  allocated: number;
}

/** Every object under `path` (itself first, depth first, names in order); `keep` filters, `allocated` on request. */
export function walkTree(home: Home, dataset: string, path: string, action: (file: string) => string, withAllocated: boolean, visit: (e: TreeEntry) => void): void {
  readFiles(home, dataset, (fs) => {
    let start;
    try {
      start = fs.lookup(pathComponents(path), false);
    } catch (err) {
      throw fileFailure(action(fileName(dataset, path)), err);
    }
    const base = path === '/' ? '' : path.replace(/\/+$/, '');
    fs.walk(start, (parts, object, dnode) => {
      visit({ path: parts.length === 0 ? path : `${base}/${parts.join('/')}`, object, dnode, allocated: withAllocated ? fs.allocated(dnode) : 0 });
    });
  });
}

/** The object at `path` (its last symlink followed unless `noFollow`): find -newer, xattr get/list. */
export function lookupPath(home: Home, dataset: string, path: string, action: (file: string) => string, noFollow = false): Dnode {
  return readFiles(home, dataset, (fs) => {
    try {
      return fs.lookup(pathComponents(path), !noFollow).dnode;
    } catch (err) {
      throw fileFailure(action(fileName(dataset, path)), err);
    }
  });
}
