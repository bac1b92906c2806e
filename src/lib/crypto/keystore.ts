/**
 * Where a loaded key lives between commands. OpenZFS keeps loaded wrapping keys in the kernel
 * until `unload-key` or export; tszfs has no kernel, so `load-key` leaves the wrapping key (never
 * the passphrase) in a file private to the user: `$XDG_RUNTIME_DIR/tszfs/keys` (a tmpfs that the
 * system empties at logout and reboot, as a kernel's memory is), else `$TSZFS_HOME/run/keys`;
 * the directory is mode 0700, each file 0600, named by the pool's guid and the encryption
 * root's dataset guid. `unload-key`, export and destroy remove them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invocationEnv } from '../env.js';
import type { Home } from '../home.js';

function keyDir(home: Home): string {
  const runtime = invocationEnv().XDG_RUNTIME_DIR;
  return runtime ? path.join(runtime, 'tszfs', 'keys') : path.join(home.dir, 'run', 'keys');
}

const fileOf = (home: Home, poolGuid: string, rootGuid: string) => path.join(keyDir(home), `${poolGuid}-${rootGuid}`);

/** Keep the wrapping key of the encryption root whose head has guid `rootGuid`. */
export function saveKey(home: Home, poolGuid: string, rootGuid: string, wrapping: Buffer): void {
  const dir = keyDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const file = fileOf(home, poolGuid, rootGuid);
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, wrapping.toString('hex') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function dropKey(home: Home, poolGuid: string, rootGuid: string): void {
  fs.rmSync(fileOf(home, poolGuid, rootGuid), { force: true });
}

/** The kept wrapping keys of a pool, by encryption root guid (none: an empty map, at the cost of
 *  one readdir). */
export function keptKeys(home: Home, poolGuid: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let names: string[];
  try {
    names = fs.readdirSync(keyDir(home));
  } catch {
    return out;
  }
  const prefix = `${poolGuid}-`;
  for (const name of names) {
    if (!name.startsWith(prefix) || name.includes('.')) continue;
    try {
      const hex = fs.readFileSync(path.join(keyDir(home), name), 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(hex)) out.set(name.slice(prefix.length), Buffer.from(hex, 'hex'));
    } catch {
      /* gone meanwhile: not loaded */
    }
  }
  return out;
}

/** Forget every key of a pool (export, destroy). */
export function dropPoolKeys(home: Home, poolGuid: string): void {
  for (const guid of keptKeys(home, poolGuid).keys()) dropKey(home, poolGuid, guid);
}

/** The kept key of one encryption root now belongs to another (promote moved the root). */
export function moveKey(home: Home, poolGuid: string, fromGuid: string, toGuid: string): void {
  const key = keptKeys(home, poolGuid).get(fromGuid);
  if (!key) return;
  saveKey(home, poolGuid, toGuid, key);
  dropKey(home, poolGuid, fromGuid);
}
