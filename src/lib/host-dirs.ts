/**
 * Directories of the host that tszfs makes files in (its home, an image's directory), checked
 * before anything is made there: a path under a file, on a file system that holds no files
 * (/proc, /sys: Node's recursive mkdir spins forever on /proc), or not writable fails at once
 * with one line saying why, instead of an internal error or a hang.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { strerror, ZfsError } from './errors.js';

/** statfs f_type of Linux's pseudo file systems, which cannot hold a pool's files. */
const PSEUDO_FILE_SYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
  0x19800202: 'mqueue',
  0x65735543: 'fusectl',
};

/**
 * Why `dir` cannot hold tszfs's files, or null. A missing `dir` is judged by its nearest existing
 * ancestor, where it would be made. `writing`: the files are to be made now, so the directory
 * must be writable too.
 */
export function unusableDir(dir: string, writing: boolean): string | null {
  let at = path.resolve(dir);
  let stat: fs.Stats | undefined;
  for (;;) {
    try {
      stat = fs.statSync(at);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) return strerror(err);
      at = path.dirname(at);
    }
  }
  if (!stat.isDirectory()) return strerror('ENOTDIR');
  let type: number;
  try {
    type = fs.statfsSync(at).type;
  } catch (err) {
    return strerror(err);
  }
  const pseudo = PSEUDO_FILE_SYSTEMS[type];
  if (pseudo) return `'${at}' is on a ${pseudo} file system, which cannot hold files`;
  if (writing) {
    try {
      fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      return strerror(err);
    }
  }
  return null;
}

/** Make `dir` (and its missing parents) after checking it, or fail with `${action}: why`. */
export function makeDir(dir: string, action: string): void {
  const bad = unusableDir(dir, true);
  if (bad) throw ZfsError.action(action, bad);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw ZfsError.action(action, strerror(err));
  }
}

/** The action in messages about the home directory. */
export const homeAction = (dir: string) => `cannot use TSZFS_HOME '${dir}'`;
