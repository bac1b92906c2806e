/**
 * `zpool labelclear [-f] DEVICE` (zpool_main.c zpool_do_labelclear): wipe a device's label so
 * that no pool claims it. A device of an active pool is refused (with -f, an offline one is
 * wiped, as vdev_is_active allows); one of an exported pool needs -f.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image, LABEL_BYTES } from '../engine/pool/image.js';
import { LEAF_LABEL_BYTES } from '../engine/pool/vdevs/config.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';

/** The errors are printed as zpool prints them: `lines` on stderr, `newline` on stdout. */
export class LabelclearError extends ZfsError {
  constructor(
    readonly text: string,
    readonly newlineOnStdout: boolean,
  ) {
    super([], 1);
  }
}

export function labelclear(home: Home, device: string, force: boolean): void {
  const file = path.resolve(device);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // a relative name that is not there is looked for as a disk name first
    if (!device.startsWith('/') && e.code === 'ENOENT') throw new LabelclearError(`failed to find device ${device}, try specifying absolute path instead\n`, false);
    throw new LabelclearError(`failed to open ${device}: ${errnoText(e.code)}\n`, false);
  }
  try {
    const label = Image.readLabel(file);
    if (!label) throw new LabelclearError(`failed to read label from ${device}\n`, false);
    const state = poolStateOf(home, file, label.pool, label.guid);
    if (state && state.kind !== 'EXPORTED' && !(force && state.offline)) {
      throw new LabelclearError(`${device} is a member (${state.kind}) of pool "${label.pool}"${force ? '. Offline the disk first to clear its label.' : ''}`, true);
    }
    if (!state && !force) throw new LabelclearError(`use '-f' to override the following error:\n${device} is a member of exported pool "${label.pool}"\n`, false);
    const bytes = Math.min(label.tree ? LEAF_LABEL_BYTES : LABEL_BYTES, fs.fstatSync(fd).size);
    fs.writeSync(fd, Buffer.alloc(bytes), 0, bytes, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Wipe the label of a device that left its pool (vdev_remove_complete, a finished replace):
 *  it is free to use again. A device already gone is nothing to wipe. */
export function wipeLeafLabel(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
  } catch {
    return;
  }
  try {
    fs.writeSync(fd, Buffer.alloc(LEAF_LABEL_BYTES), 0, LEAF_LABEL_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** zpool_in_use: the registered pool of that name and guid holding the file, or null (exported). */
function poolStateOf(home: Home, file: string, pool: string, guid: string): { kind: 'ACTIVE' | 'SPARE' | 'L2CACHE' | 'EXPORTED'; offline: boolean } | null {
  const entry = home.pools().find((p) => p.name === pool);
  if (!entry) return null;
  return withPool(home, pool, (h) => {
    const meta = h.pool.meta();
    if (meta.guid !== guid) return null;
    const tree = meta.vdevs;
    if (!tree) return path.resolve(entry.image) === file ? { kind: 'ACTIVE' as const, offline: false } : null;
    if (tree.spares.some((l) => path.resolve(l.path) === file)) return { kind: 'SPARE' as const, offline: false };
    if (tree.cache.some((l) => path.resolve(l.path) === file)) return { kind: 'L2CACHE' as const, offline: false };
    const leaf = tree.tops.flatMap((t) => t.children).find((l) => path.resolve(l.path) === file);
    return leaf ? { kind: 'ACTIVE' as const, offline: leaf.offline !== undefined } : null;
  });
}

function errnoText(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOENT':
      return 'No such file or directory';
    default:
      return code ?? 'Input/output error';
  }
}
