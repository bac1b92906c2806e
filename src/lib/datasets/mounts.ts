/**
 * `zfs mount`, `unmount`, `share` and `unshare` as zfs_main.c's share_mount_one and
 * unshare_unmount decide them, touching nothing in the host: a filesystem's mounted and shared
 * states are kept in its dir (DirRecord.mounted/shared), changed through the front door, and read
 * back by the `mounted` property (properties/values.ts mountedNow). The refusals and their words
 * are OpenZFS's; what the host would add (zones, encryption keys, redacted or partial receives)
 * does not arise here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DslView } from '../../engine/datasets/view.js';
import type { Id, PoolMeta } from '../../engine/model.js';
import { ZfsError, notFound } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { headKind, type Change, type PoolHandle } from '../pool-handle.js';
import { DatasetProps } from '../properties/values.js';
import { forEachNamedPool, withPoolOf } from '../session.js';

export type MountOp = 'mount' | 'share';

export interface MountedFs {
  name: string;
  mountpoint: string;
}

/** Every filesystem of a pool below `dir` (itself first), depth first in name order. */
function filesystemsBelow(view: DslView, dir: Id, out: Id[] = []): Id[] {
  if (headKind(view, dir) !== 'filesystem') return out;
  out.push(dir);
  const children = view.childDirs(dir).map((c) => ({ c, n: view.dir(c).name }));
  children.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0)).forEach(({ c }) => filesystemsBelow(view, c, out));
  return out;
}

const propsOf = (view: DslView, meta: PoolMeta, dir: Id) => new DatasetProps(view, meta, view.head(dir));

/** Run `fn` with each imported pool open, in the registry's order, passing over one that
 *  cannot be opened (faulted, damaged): none of its file systems is mounted, as after a boot. */
function eachPool(home: Home, fn: (h: PoolHandle) => void): void {
  forEachNamedPool(home, home.pools().map((p) => p.name), () => {}, fn, { skipDamaged: true });
}

/** Run `fn` in one change of each pool that opens. */
function forEachPool(home: Home, fn: (h: PoolHandle, c: Change) => void): void {
  eachPool(home, (h) => h.change(null, (c) => fn(h, c)));
}

/** What `zfs mount` with no operand lists (the host's mount table, here the stored states). */
export function listMounted(home: Home): MountedFs[] {
  const out: MountedFs[] = [];
  eachPool(home, (h) => {
    const view = h.view();
    const meta = h.pool.meta();
    for (const dir of filesystemsBelow(view, h.rootDir())) {
      const p = propsOf(view, meta, dir);
      if (p.isMounted()) out.push({ name: p.name, mountpoint: String(p.get('mountpoint')?.value) });
    }
  });
  return out;
}

/**
 * share_mount_one: why `op` may not act on this filesystem (the lines an explicit request
 * prints), or null when it may. A request that is not explicit (-a, -R) passes over a refusal
 * silently, and over canmount=noauto too.
 */
function refusal(p: DatasetProps, op: MountOp, explicit: boolean, options: string | null): string[] | null {
  const name = p.name;
  const mountpoint = String(p.get('mountpoint')?.value);
  const canmount = String(p.get('canmount')?.value);
  if (op === 'share' && p.legacyShare()) {
    return [`cannot share '${name}': legacy share`, 'use exports(5) or smb.conf(5) to share this filesystem, or set the sharenfs or sharesmb property'];
  }
  if (mountpoint === 'legacy') return [`cannot ${op} '${name}': legacy mountpoint`, `use ${op}(8) to ${op} this filesystem`];
  if (mountpoint === 'none') return [`cannot ${op} '${name}': no mountpoint set`];
  if (canmount === 'off') return [`cannot ${op} '${name}': 'canmount' property is set to 'off'`];
  if (canmount === 'noauto' && !explicit && (op === 'mount' || !p.isMounted())) return [];
  if (op === 'share' && p.isShared()) {
    // As share_mount_one has it: a file system shared with options (sharenfs=rw) by one
    // protocol only is shared again rather than refused.
    const nfs = String(p.get('sharenfs')?.value);
    const smb = String(p.get('sharesmb')?.value);
    if ((nfs !== 'off' && smb !== 'off') || (nfs === 'on' && smb === 'off') || (smb === 'on' && nfs === 'off')) {
      return [`cannot share '${name}': filesystem already shared`];
    }
  }
  const remount = (options ?? '').split(',').includes('remount');
  if (op === 'mount' && !remount && p.isMounted()) return [`cannot mount '${name}': filesystem already mounted`];
  // zfs_mount_at: an encrypted filesystem mounts with its key loaded (tszfs has no -l to load it).
  if (op === 'mount' && p.get('keystatus')?.value === 'unavailable') return [`cannot mount '${name}': encryption key not loaded`];
  return null;
}

function mountOrShareDir(c: Change, meta: PoolMeta, dir: Id, op: MountOp, explicit: boolean, options: string | null): void {
  const why = refusal(propsOf(c.dsl, meta, dir), op, explicit, options);
  if (why !== null) {
    if (explicit) throw new ZfsError(why);
    return;
  }
  c.dsl.dir(dir).mounted = true;
  if (op === 'share') c.dsl.dir(dir).shared = true;
}

/** zfs_open(name, ZFS_TYPE_FILESYSTEM) and `fn` on it inside one change. */
function withFilesystemChange<T>(home: Home, name: string, fn: (c: Change, meta: PoolMeta, dir: Id) => T): T {
  const bad = checkDatasetName(name, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  const missing = (): never => {
    throw notFound(name);
  };
  return withPoolOf(
    home,
    name,
    (h) =>
      h.change(null, (c) => {
        const dir = h.findDir(c.dsl, name);
        if (dir === undefined) return missing();
        if (headKind(c.dsl, dir) !== 'filesystem') throw ZfsError.action(`cannot open '${name}'`, 'operation not applicable to datasets of this type');
        return fn(c, c.tx.meta, dir);
      }),
    missing,
  );
}

/** Check that `name` opens as a filesystem (share_mount's check of -R operands). */
export function openFilesystem(home: Home, name: string): void {
  withFilesystemChange(home, name, () => undefined);
}

/** `zfs mount FS` / `zfs share FS`: an explicit request, refused in OpenZFS's words. */
export function mountOrShare(home: Home, op: MountOp, name: string, options: string | null): void {
  withFilesystemChange(home, name, (c, meta, dir) => mountOrShareDir(c, meta, dir, op, true, options));
}

/** `zfs mount -a` / `-R FS...`, `zfs share -a`: every filesystem that may be, silently passing
 *  over the rest. `roots` null: all of every pool. */
export function mountOrShareAll(home: Home, op: MountOp, roots: string[] | null, options: string | null): void {
  if (roots === null) {
    forEachPool(home, (h, c) => {
      for (const dir of filesystemsBelow(c.dsl, h.rootDir())) mountOrShareDir(c, c.tx.meta, dir, op, false, options);
    });
    return;
  }
  for (const root of roots) {
    withFilesystemChange(home, root, (c, meta, top) => {
      for (const dir of filesystemsBelow(c.dsl, top)) mountOrShareDir(c, meta, dir, op, false, options);
    });
  }
}

/** zfs_unmountall: the filesystem and every mounted one below it; zfs_unshareall: the one. */
function unmountOrUnshareBelow(c: Change, meta: PoolMeta, top: Id, op: MountOp): void {
  if (op === 'share') {
    c.dsl.dir(top).shared = false;
    return;
  }
  for (const dir of filesystemsBelow(c.dsl, top)) {
    const p = propsOf(c.dsl, meta, dir);
    if (!p.isMounted()) continue;
    if (op === 'mount') c.dsl.dir(dir).mounted = false;
    c.dsl.dir(dir).shared = false;
  }
}

/** `zfs unmount FS` / `zfs unshare FS`. */
function unmountOrUnshareFs(home: Home, op: MountOp, name: string): void {
  const cmd = op === 'mount' ? 'unmount' : 'unshare';
  withFilesystemChange(home, name, (c, meta, dir) => {
    const p = propsOf(c.dsl, meta, dir);
    if (op === 'share') {
      if (p.legacyShare()) throw new ZfsError([`cannot unshare '${name}': legacy share`, 'use exports(5) or smb.conf(5) to unshare this filesystem']);
      if (!p.isShared()) throw new ZfsError([`cannot unshare '${name}': not currently shared`]);
    } else {
      if (p.get('mountpoint')?.value === 'legacy') throw new ZfsError([`cannot unmount '${name}': legacy mountpoint`, 'use umount(8) to unmount this filesystem']);
      if (!p.isMounted()) throw new ZfsError([`cannot ${cmd} '${name}': not currently mounted`]);
    }
    unmountOrUnshareBelow(c, meta, dir, op);
  });
}

const normalized = (p: string) => {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
};

/** unshare_unmount_path: a path names the mounted filesystem whose mountpoint it is. */
function unmountOrUnshareAt(home: Home, op: MountOp, given: string): void {
  const cmd = op === 'mount' ? 'unmount' : 'unshare';
  const target = normalized(given);
  // The mount holding the path (getextmntent): the deepest mountpoint at or above it.
  let holder: MountedFs | null = null;
  for (const m of listMounted(home)) {
    const mp = normalized(m.mountpoint);
    const holds = target === mp || target.startsWith(mp === '/' ? '/' : mp + '/');
    if (holds && (holder === null || mp.length > normalized(holder.mountpoint).length)) holder = m;
  }
  if (holder === null) {
    if (op === 'share') throw new ZfsError([`cannot unshare '${given}': not currently mounted`]);
    // OpenZFS hands the path to umount2(2); tszfs unmounts nothing in the host, and says what
    // umount2 says of a path that is not a mountpoint.
    const reason = fs.existsSync(given) ? 'Invalid argument' : 'No such file or directory';
    throw new ZfsError([`warning: ${given} not in/proc/self/mounts`, `${given}: ${reason}`]);
  }
  if (normalized(holder.mountpoint) !== target) throw new ZfsError([`cannot ${cmd} '${given}': not a mountpoint`]);
  const name = holder.name;
  withFilesystemChange(home, name, (c, meta, dir) => {
    const p = propsOf(c.dsl, meta, dir);
    // Found outside the change: checked again inside it (another command may have come between).
    if (!p.isMounted() || normalized(String(p.get('mountpoint')?.value)) !== target) {
      throw new ZfsError([`cannot ${cmd} '${given}': not currently mounted`]);
    }
    if (op === 'share') {
      if (p.legacyShare()) throw new ZfsError([`cannot unshare '${given}': legacy share`, 'use exportfs(8) or smbcontrol(1) to unshare this filesystem']);
      if (!p.isShared()) throw new ZfsError([`cannot unshare '${given}': not currently shared`]);
    }
    unmountOrUnshareBelow(c, meta, dir, op);
  });
}

/** `zfs unmount FS|mountpoint`, `zfs unshare FS|mountpoint`. */
export function unmountOrUnshare(home: Home, op: MountOp, operand: string): void {
  if (operand.startsWith('/')) unmountOrUnshareAt(home, op, operand);
  else unmountOrUnshareFs(home, op, operand);
}

/** `zfs unmount -a` (passing over canmount=noauto, as OpenZFS does) and `zfs unshare -a`. */
export function unmountOrUnshareAll(home: Home, op: MountOp): void {
  forEachPool(home, (h, c) => {
    for (const dir of filesystemsBelow(c.dsl, h.rootDir())) {
      const p = propsOf(c.dsl, c.tx.meta, dir);
      if (!p.isMounted()) continue;
      if (op === 'mount' && p.get('canmount')?.value === 'noauto') continue;
      if (op === 'share' && p.legacyShare()) continue;
      if (op === 'mount') c.dsl.dir(dir).mounted = false;
      c.dsl.dir(dir).shared = false;
    }
  });
}

/** What `zpool import` does to the states: OpenZFS's export unmounts every filesystem and its
 *  import mounts (and shares) those with canmount=on, so each state reads as after create again. */
export function forgetMountStates(c: Change, root: Id): void {
  for (const dir of filesystemsBelow(c.dsl, root)) {
    const d = c.dsl.dir(dir);
    delete d.mounted;
    delete d.shared;
  }
}

/** Whether `dir` takes `prop` from `from` (itself, or an ancestor with no value set in between). */
function inheritsFrom(view: DslView, dir: Id, from: Id, prop: string): boolean {
  for (let d = dir; d !== from; d = view.dir(d).parent as Id) {
    const rec = view.dir(d);
    if (rec.props[prop] !== undefined || rec.received?.[prop] !== undefined || rec.parent === null) return false;
  }
  return true;
}

/**
 * What `zfs set` does to the states (libzfs changelist_prefix/postfix), called before `values`
 * are stored in `dir`; returns the step to run after. Each file system the change reaches (the
 * dataset, and for mountpoint, sharenfs and sharesmb those that inherit it) is unmounted and
 * mounted again if it was mounted; one that was not is mounted when canmount=on and the change
 * is a new mountpoint or sharing is on. canmount=noauto leaves the state as it was
 * (zfs_prop_set_list skips the unmount); canmount=off unmounts. Sharing follows again.
 */
export function mountsAfterSet(c: Change, dir: Id, values: Record<string, string>): () => void {
  const steps: Array<() => void> = [];
  const meta = c.tx.meta;
  const reach = (prop: string, d: Id) => {
    const before = propsOf(c.dsl, meta, d).isMounted();
    steps.push(() => {
      const p = propsOf(c.dsl, meta, d);
      const canmountOn = p.get('canmount')?.value === 'on';
      const rec = c.dsl.dir(d);
      if (prop === 'canmount' && values.canmount !== 'on') rec.mounted = values.canmount === 'noauto' && before;
      else rec.mounted = before || (canmountOn && (prop === 'mountpoint' || !p.legacyShare()));
      delete rec.shared;
    });
  };
  if (headKind(c.dsl, dir) !== 'filesystem') return () => undefined;
  if (values.canmount !== undefined) reach('canmount', dir);
  for (const prop of ['mountpoint', 'sharenfs', 'sharesmb']) {
    if (values[prop] === undefined) continue;
    for (const d of filesystemsBelow(c.dsl, dir)) if (inheritsFrom(c.dsl, d, dir, prop)) reach(prop, d);
  }
  return () => steps.forEach((step) => step());
}

/** The file systems of a pool, for `leaveNewUnmounted`. */
export function filesystemsOf(view: DslView, root: Id): Set<Id> {
  return new Set(filesystemsBelow(view, root));
}

/** `zfs receive -u`: every file system not in `existing` (made by the receive) is left
 *  unmounted; one that existed keeps its state (libzfs gathers it with CL_GATHER_DONT_UNMOUNT). */
export function leaveNewUnmounted(c: Change, root: Id, existing: Set<Id>): void {
  for (const dir of filesystemsBelow(c.dsl, root)) if (!existing.has(dir)) c.dsl.dir(dir).mounted = false;
}
