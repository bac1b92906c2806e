/** `zfs create [-p] [-o prop=val]... FS` */
import { createFilesystem as createInDsl } from '../../engine/datasets/create.js';
import type { Id } from '../../engine/store/records.js';
import { ZfsError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import type { Change, PoolHandle } from '../pool-handle.js';
import { poolNameOf } from '../pool-handle.js';
import { PropertyError, validateAssignment } from '../properties/assign.js';
import { withPoolOf } from '../session.js';
import { assignProperties } from './set.js';
import { newObjset } from './tree.js';

export interface CreateOptions {
  parents: boolean;
  props: Array<[string, string]>;
}

/** Validate `-o` assignments for a new filesystem; `action` prefixes the message. */
export function validateNewProps(action: string, props: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of props) {
    try {
      const v = validateAssignment(name, value, 'filesystem', true);
      out[v.name] = v.value;
    } catch (err) {
      if (err instanceof PropertyError) throw ZfsError.action(action, err.message);
      throw err;
    }
  }
  return out;
}

export function createFilesystem(home: Home, name: string, opts: CreateOptions, history: string): void {
  const action = `cannot create '${name}'`;
  const bad = checkDatasetName(name, ['filesystem'], true);
  if (bad) throw ZfsError.action(action, bad);
  const props = validateNewProps(action, opts.props);
  withPoolOf(
    home,
    name,
    (h) => {
      if (!name.includes('/')) throw ZfsError.action(action, 'missing dataset name');
      h.change(history, (c) => {
        if (h.findDir(c.dsl, name) !== undefined) {
          if (opts.parents) return;
          throw ZfsError.action(action, 'dataset already exists');
        }
        const parent = ensureParent(h, c, name, opts.parents, action);
        const dir = newFilesystem(c, parent, name.slice(name.lastIndexOf('/') + 1), {});
        assignProperties(c, dir, props, () => ZfsError.action(action, 'out of space'));
      });
    },
    () => {
      throw ZfsError.action(action, `no such pool '${poolNameOf(name)}'`);
    },
  );
}

/** The parent dir of `name`, creating missing ancestors when `parents` (zfs create -p). */
export function ensureParent(h: PoolHandle, c: Change, name: string, parents: boolean, action: string): Id {
  const parts = name.split('/');
  let dir = h.rootDir();
  for (let i = 1; i < parts.length - 1; i++) {
    const child = c.dsl.childDir(dir, parts[i]);
    if (child !== undefined) dir = child;
    else if (parents) dir = newFilesystem(c, dir, parts[i], {});
    else throw ZfsError.action(action, 'parent does not exist');
  }
  return dir;
}

export function newFilesystem(c: Change, parent: Id | null, name: string, props: Record<string, string>): Id {
  const ids = { dir: c.tx.newId(), head: c.tx.newId() };
  createInDsl(c.dsl, parent, name, props, newObjset(c), ids);
  return ids.dir;
}
