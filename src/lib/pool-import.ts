/**
 * `zpool export` / `zpool import`: a pool is its image plus the LMDB environment beside it, so
 * exporting forgets it in the home's registry (after logging the command in its history) and
 * importing finds labelled images with their environment in a directory and registers one,
 * optionally under a new name (label, pool record and root dataset renamed together).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image } from '../engine/pool/image.js';
import type { VdevTree } from '../engine/pool/vdevs/config.js';
import { metadataDamage, Pool } from '../engine/pool/pool.js';
import { ZfsError, poolError } from './errors.js';
import { dropPoolKeys } from './crypto/keystore.js';
import type { Home } from './home.js';
import { checkPoolName } from './names.js';
import { beingCreated, forgetCreateMarkers } from './create-marker.js';
import { metadataPathOf } from './pool-handle.js';
import { withPool } from './session.js';
import { forgetMountStates, leaveNewUnmounted } from './datasets/mounts.js';
import { PoolPropertyError, validatePoolAssignment } from './pool-props.js';

export interface Importable {
  name: string;
  guid: string;
  image: string;
  comment?: string;
  /** a pool of several devices: its tree, from the label */
  tree?: VdevTree;
}

export function exportPool(home: Home, name: string, history: string): void {
  // A pool faulted for damaged metadata is forgotten without reading it (nowhere to log to).
  if (home.find(name)?.faulted) {
    home.remove(name);
    return;
  }
  // The export records itself inside the pool before the pool goes (as spa_export does).
  const image = withPool(home, name, (h) => {
    h.change(history, () => undefined);
    h.pool.writeLabels();
    // Export unloads every key of the pool, as spa_export does.
    dropPoolKeys(home, h.pool.meta().guid);
    return h.image;
  });
  // A create killed after registering left its marker: the exported pool is complete.
  forgetCreateMarkers(path.resolve(image));
  home.remove(name);
}

/** Pools in the directories `dirs` (`-d`, each searched) that could be imported: labelled images
 *  with their environment beside them, not imported already. Sorted by name, then image. */
export function findImportable(home: Home, dirs: readonly string[]): Importable[] {
  const imported = new Set(home.pools().map((p) => path.resolve(p.image)));
  const out: Importable[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isFile()) continue;
      const image = path.resolve(dir, e.name);
      // An image a create is building (or was killed building) is no pool.
      if (seen.has(image) || imported.has(image) || !fs.existsSync(metadataPathOf(image)) || beingCreated(image)) continue;
      const label = Image.readLabel(image);
      if (!label) continue;
      seen.add(image);
      out.push({ name: label.pool, guid: label.guid, image, comment: readComment(image), ...(label.tree ? { tree: label.tree } : {}) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.image < b.image ? -1 : 1));
}

/** The pool's `comment` property, read without registering the pool. */
function readComment(image: string): string | undefined {
  try {
    const pool = Pool.open(image, metadataPathOf(image));
    try {
      return pool.meta().props.comment;
    } finally {
      pool.close();
    }
  } catch {
    return undefined;
  }
}

export interface ImportOptions {
  /** -o property=value (and -R's altroot and cachefile): pool properties set by the import */
  props?: ReadonlyArray<readonly [string, string]>;
  /** -N: no filesystem is mounted */
  noMount?: boolean;
}

/** The pool properties an import sets, checked as zpool_valid_proplist() does at import. */
function importProperties(origName: string, props: ImportOptions['props']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of props ?? []) {
    try {
      const [canonical, stored] = validatePoolAssignment(name, value, 'import');
      // tszfs has no read-only pools: an import that asks for one is refused, not made writable.
      if (canonical === 'readonly' && stored === 'on') throw new PoolPropertyError('a read-only import is not supported by tszfs');
      // A legacy version is the pool's own, kept by create and upgrade; import does not change it.
      if (canonical !== 'version') out[canonical] = stored;
    } catch (err) {
      if (err instanceof PoolPropertyError) throw ZfsError.action(`cannot import pool '${origName}'`, err.message);
      throw err;
    }
  }
  return out;
}

/** `zpool import [-d dir]... [-o prop=value]... [-R root] [-N] pool|id [newname]`. */
export function importPool(home: Home, dirs: readonly string[], which: string, newName: string | undefined, history: string, opts: ImportOptions = {}): void {
  const matches = findImportable(home, dirs).filter((p) => p.name === which || p.guid === which);
  if (matches.length === 0) throw ZfsError.action(`cannot import '${which}'`, 'no such pool available');
  if (matches.length > 1) throw ZfsError.action(`cannot import '${which}'`, 'more than one matching pool', 'import by numeric ID instead');
  const found = matches[0];
  const name = newName ?? found.name;
  if (newName !== undefined) {
    const bad = checkPoolName(newName, true);
    if (bad) throw ZfsError.action(`cannot import '${which}' as '${newName}'`, bad);
  }
  if (home.find(name)) {
    if (newName !== undefined) throw ZfsError.action(`cannot import '${which}' as '${newName}'`, 'a pool with that name already exists');
    throw ZfsError.action(
      `cannot import '${which}'`,
      'a pool with that name already exists',
      "use the form 'zpool import <pool | id> <newpool>' to give it a new name",
    );
  }
  const props = importProperties(found.name, opts.props);
  // Every page of the metadata is checked before LMDB reads any (engine/store/verify.ts).
  const metadata = metadataPathOf(found.image);
  const damage = metadataDamage(metadata);
  if (damage) throw poolError(`cannot import '${which}'`, 'EIO', damage);
  if (name !== found.name) {
    // The label first: an interrupted rename leaves an image that imports under the new name
    // and whose records are renamed below on that import.
    Image.create(found.image, 0, { ...Image.readLabel(found.image), pool: name, guid: found.guid }).close();
  }
  if (!home.add({ name, image: found.image })) throw ZfsError.action(`cannot import '${which}'`, 'a pool with that name already exists');
  withPool(home, name, (h) =>
    h.change(history, (c) => {
      c.tx.meta.name = name;
      c.dsl.dir(c.tx.meta.rootDir).name = name;
      forgetMountStates(c, c.tx.meta.rootDir);
      // zpool offline -t holds until the pool is imported again.
      const tree = c.tx.meta.vdevs && structuredClone(c.tx.meta.vdevs);
      for (const leaf of tree?.tops.flatMap((top) => top.children) ?? []) if (leaf.offline === 'temporary') delete leaf.offline;
      if (tree) c.tx.meta.vdevs = tree;
      // altroot and readonly hold for one import (OpenZFS keeps them in no label).
      delete c.tx.meta.props.altroot;
      delete c.tx.meta.props.readonly;
      Object.assign(c.tx.meta.props, props);
      if (opts.noMount) leaveNewUnmounted(c, c.tx.meta.rootDir, new Set());
    }),
  );
  if (name !== found.name) withPool(home, name, (h) => h.pool.writeLabels());
}
