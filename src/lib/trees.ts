/**
 * The file commands of a real tree (issue 13): ln, mv, chmod, chown, touch, mknod, xattr change a
 * filesystem's objects; each command is ONE transaction, whatever number of paths it names. Their
 * failures are worded as GNU coreutils words them (`ln: failed to create symbolic link 'X': File
 * exists`), X being `DATASET:PATH` as the other file commands name a file.
 */
import { EngineError } from '../engine/errno.js';
import type { AttrChange, FsWriter, NewObject } from '../engine/files/fs-writer.js';
import type { Dnode, Timespec } from '../engine/files/objset.js';
import { pathComponents } from '../engine/files/paths.js';
import { nowTimespec } from '../engine/pool/clock.js';
import { fileFailure, ZfsError } from './errors.js';
import { changeFiles, readFiles } from './files.js';
import type { Home } from './home.js';

export type { AttrChange } from '../engine/files/fs-writer.js';

/** `DATASET:PATH`, as messages name a file. */
export const fileName = (dataset: string, path: string) => `${dataset}:${path}`;

/** The components of `path`, or the failure `action(path)` words (ENAMETOOLONG, ...). */
function partsOf(path: string, action: string): string[] {
  try {
    return pathComponents(path);
  } catch (err) {
    throw fileFailure(action, err);
  }
}

/** One path's failure, already worded (the others still change). */
class PathFailure extends Error {
  constructor(readonly error: ZfsError) {
    super(error.message);
  }
}

/**
 * Apply `fn` to each path in ONE transaction; a path that fails is reported (its words from
 * `action`) and the others still change, as coreutils goes on to the next operand (exit 1 at the end).
 */
function changeEach(home: Home, dataset: string, paths: string[], action: (path: string) => string, fn: (fs: FsWriter, parts: string[], path: string) => void): void {
  const failures: string[] = [];
  const fail = (path: string, err: unknown) => {
    const e = fileFailure(action(path), err);
    if (!(e instanceof ZfsError)) throw e;
    failures.push(...e.lines);
  };
  const targets: Array<{ path: string; parts: string[] }> = [];
  for (const path of paths) {
    try {
      targets.push({ path, parts: partsOf(path, action(path)) });
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      failures.push(...err.lines);
    }
  }
  if (targets.length > 0) {
    changeFiles(home, dataset, action(targets[0].path), (fs) => {
      let done = 0;
      for (const { path, parts } of targets) {
        try {
          fn(fs, parts, path);
          done++;
        } catch (err) {
          // Each check comes before the change it guards, so a refused path changed nothing.
          if (err instanceof PathFailure) failures.push(...err.error.lines);
          else if (err instanceof EngineError) fail(path, err);
          else throw err;
        }
      }
      if (done === 0) throw new ZfsError(failures);
    }, { word: fileFailure });
  }
  if (failures.length > 0) throw new ZfsError(failures);
}

/** One change at one path, in its own transaction, worded `action: strerror`. */
function changeOne(home: Home, dataset: string, action: string, fn: (fs: FsWriter) => void): void {
  changeFiles(home, dataset, action, fn, { word: fileFailure });
}

/** `ln -s TARGET LINK` (TARGET stored as given) and `ln TARGET LINK` (a hard link). An existing
 *  directory LINK gets the link inside it, named as TARGET's last component. */
export function makeLink(home: Home, dataset: string, target: string, link: string, opts: { symbolic: boolean; force: boolean }): void {
  const kind = opts.symbolic ? 'symbolic' : 'hard';
  let shown = link;
  const action = () => `ln: failed to create ${kind} link '${fileName(dataset, shown)}'`;
  changeOne(home, dataset, action(), (fs) => {
    let parts = partsOf(link, action());
    if (fs.exists(parts) && fs.lookup(parts).dnode.type === 'dir') {
      const base = target.split('/').filter((p) => p !== '').pop() ?? '';
      if (base === '') throw new EngineError('EEXIST');
      shown = `${link.replace(/\/+$/, '')}/${base}`;
      parts = [...fs.resolve(parts).parts, base];
    }
    try {
      if (opts.symbolic) {
        fs.create(parts, { type: 'symlink', target }, {}, { replace: opts.force });
      } else {
        const from = partsOf(target, `ln: failed to access '${fileName(dataset, target)}'`);
        if (!fs.exists(from, false)) throw fileFailure(`ln: failed to access '${fileName(dataset, target)}'`, new EngineError('ENOENT'));
        if (fs.lookup(from, false).dnode.type === 'dir') throw new ZfsError([`ln: ${fileName(dataset, target)}: hard link not allowed for directory`]);
        fs.hardlink(from, parts, { replace: opts.force });
      }
    } catch (err) {
      throw fileFailure(action(), err);
    }
  });
}

/**
 * `mv SOURCE DEST`: rename(2) inside one filesystem, atomic, over an existing DEST as rename does;
 * DEST an existing directory takes SOURCE inside it (unless `noTargetDirectory`, mv -T).
 * `destDataset` other than `dataset` is a cross-device link.
 */
export function move(home: Home, dataset: string, source: string, destDataset: string, dest: string, opts: { noTargetDirectory: boolean }): void {
  const from = fileName(dataset, source);
  let to = fileName(destDataset, dest);
  const cannot = () => `mv: cannot move '${from}' to '${to}'`;
  if (destDataset !== dataset) {
    // A missing source is named first, as mv stats it before it tries rename(2).
    readFiles(home, dataset, (fs) => {
      try {
        fs.lookup(partsOf(source, `mv: cannot stat '${from}'`), false);
      } catch (err) {
        throw fileFailure(`mv: cannot stat '${from}'`, err);
      }
    });
    throw fileFailure(cannot(), new EngineError('EXDEV'));
  }
  changeOne(home, dataset, cannot(), (fs) => {
    const src = partsOf(source, `mv: cannot stat '${from}'`);
    let dst = partsOf(dest, cannot());
    let found: Dnode;
    try {
      found = fs.lookup(src, false).dnode;
    } catch (err) {
      throw fileFailure(`mv: cannot stat '${from}'`, err);
    }
    if (!opts.noTargetDirectory && fs.exists(dst) && fs.lookup(dst).dnode.type === 'dir' && src.length > 0) {
      dst = [...fs.resolve(dst).parts, src[src.length - 1]];
      to = fileName(dataset, '/' + dst.join('/'));
    }
    if (found.type === 'dir' && dst.length > src.length && src.every((p, i) => dst[i] === p)) {
      throw new ZfsError([`mv: cannot move '${from}' to a subdirectory of itself, '${to}'`]);
    }
    const existing = fs.exists(dst, false) ? fs.lookup(dst, false) : null;
    if (existing && existing.object !== fs.lookup(src, false).object) {
      if (found.type === 'dir' && existing.dnode.type !== 'dir') throw new ZfsError([`mv: cannot overwrite non-directory '${to}' with directory '${from}'`]);
      if (found.type !== 'dir' && existing.dnode.type === 'dir') throw new ZfsError([`mv: cannot overwrite directory '${to}' with non-directory`]);
    }
    try {
      fs.rename(src, dst);
    } catch (err) {
      throw fileFailure(cannot(), err);
    }
  });
}

/** Set attributes of each path: chmod, chown, touch, xattr set/remove. With `recursive`, of
 *  everything below each directory too (symlinks not followed, as chmod/chown -R do). `change`
 *  may depend on the object (a symbolic chmod). */
export function setAttributes(
  home: Home,
  dataset: string,
  paths: string[],
  change: (dnode: Dnode) => AttrChange | null,
  opts: { recursive?: boolean; follow?: boolean; action: (file: string) => string; lookupAction?: (file: string) => string },
): void {
  changeEach(home, dataset, paths, (p) => opts.action(fileName(dataset, p)), (fs, parts, path) => {
    let top;
    try {
      top = fs.lookup(parts, opts.follow ?? true);
    } catch (err) {
      if (!opts.lookupAction) throw err;
      const e = fileFailure(opts.lookupAction(fileName(dataset, path)), err);
      if (e instanceof ZfsError) throw new PathFailure(e);
      throw e;
    }
    if (!opts.recursive) {
      const c = change(top.dnode);
      if (c) fs.setAttrsOf(top.object, c);
      return;
    }
    const all: Array<{ object: number; dnode: Dnode }> = [];
    fs.walk(top, (_p, object, dnode) => void all.push({ object, dnode }));
    for (const { object, dnode } of all) {
      const c = change(dnode);
      if (c) fs.setAttrsOf(object, c);
    }
  });
}

/** `touch`: set times of each path (now, or `times`), making an empty file where none is (unless `noCreate`). */
export function touch(home: Home, dataset: string, paths: string[], opts: { atime: boolean; mtime: boolean; time: Timespec | 'now' | { ref: string }; noCreate: boolean }): void {
  changeEach(home, dataset, paths, (p) => `touch: cannot touch '${fileName(dataset, p)}'`, (fs, parts) => {
    let at: Timespec;
    let mt: Timespec;
    if (opts.time === 'now') at = mt = nowTimespec();
    else if (Array.isArray(opts.time)) at = mt = opts.time;
    else {
      const ref = opts.time.ref;
      let dn: Dnode;
      try {
        dn = fs.lookup(partsOf(ref, `touch: failed to get attributes of '${fileName(dataset, ref)}'`)).dnode;
      } catch (err) {
        // Not one path's failure but the command's: nothing changes.
        throw fileFailure(`touch: failed to get attributes of '${fileName(dataset, ref)}'`, err);
      }
      at = dn.atime;
      mt = dn.mtime;
    }
    if (!fs.exists(parts)) {
      if (opts.noCreate) return; // touch -c of nothing: silently nothing
      // Through a dangling symlink: its target is made, as open(O_CREAT) does.
      fs.create(fs.createPath(parts), { type: 'file' }, {}, {});
    }
    fs.setAttrs(parts, { ...(opts.atime ? { atime: at } : {}), ...(opts.mtime ? { mtime: mt } : {}) });
  });
}

/** `mknod PATH TYPE [MAJOR MINOR]` with `mode` (0666 & ~umask by default). */
export function makeNode(home: Home, dataset: string, path: string, spec: NewObject, mode: number): void {
  const action = `mknod: ${fileName(dataset, path)}`;
  changeOne(home, dataset, action, (fs) => {
    try {
      fs.create(partsOf(path, action), spec, { mode });
    } catch (err) {
      throw fileFailure(action, err);
    }
  });
}
export { nowSeconds } from '../engine/pool/clock.js';
