/**
 * Space per owner, as libzfs reads and sets it: `zfs userspace`/`groupspace` rows
 * (zfs_userspace), the `userused@`/`groupused@`/`userobjused@`/`groupobjused@` and quota
 * properties (userquota_propname_decode, zfs_prop_get_userquota), and the quotas `zfs set`
 * stores. The counts come from the dataset's tree (engine/files/owners.ts); the quotas of a
 * file system live in its dir, so a snapshot reads its file system's current quotas.
 */
import type { DslView } from '../engine/datasets/view.js';
import type { DatasetRecord, DirRecord, OwnerSpace } from '../engine/model.js';
import { ownerSpaceAt } from '../engine/reading.js';
import { ZfsError } from './errors.js';
import { withDataset } from './files.js';
import type { Home } from './home.js';
import { groupId, userId } from './ids.js';
import { pathOperand } from './listing.js';
import { headKind, type PoolHandle } from './pool-handle.js';
import type { PropValue } from './properties/values.js';

/** zfs_prop_userquota(): `{user|group|project}{obj}{used|quota}@...`. */
const USERQUOTA = /^(user|group|project)(obj)?(used|quota)@/;
export const isUserquotaProp = (name: string): boolean => USERQUOTA.test(name);

export type OwnerKind = 'user' | 'group';
export type OwnerField = 'used' | 'quota' | 'objused' | 'objquota';

export interface OwnerProp {
  owner: OwnerKind | 'project';
  field: OwnerField;
  /** the uid or gid: a name resolved through the host's passwd or group, or a number */
  id: number;
}

/** userquota_propname_decode(): the owner and field a property names, or null (a name that is
 *  no user or group of this host and no number). */
export function decodeOwnerProp(name: string): OwnerProp | null {
  const m = USERQUOTA.exec(name);
  if (!m) return null;
  const owner = m[1] as OwnerProp['owner'];
  const field = `${m[2] ?? ''}${m[3]}` as OwnerField;
  const who = name.slice(m[0].length);
  const id = owner === 'user' ? userId(who) : owner === 'group' ? groupId(who) : /^\d+$/.test(who) ? Number(who) : null;
  if (id === null || who === '' || id > 0xffffffff) return null;
  return { owner, field, id };
}

/** The key a quota is stored under in its dir's `quotas`. */
export const quotaKey = (p: OwnerProp): string => `${p.owner}${p.field}@${p.id}`;

const quotaOf = (dir: DirRecord, owner: OwnerKind, field: 'quota' | 'objquota', id: number): number => dir.quotas?.[`${owner}${field}@${id}`] ?? 0;

/** The value of `prop` for `ds` (`zfs get userused@bob`), or null (printed `-`). */
export function ownerPropValue(h: PoolHandle, view: DslView, ds: DatasetRecord, prop: string): PropValue | null {
  const p = decodeOwnerProp(prop);
  if (!p || p.owner === 'project' || headKind(view, ds.dir) === 'volume') return null;
  const local = { type: 'local' } as const;
  if (p.field === 'quota' || p.field === 'objquota') {
    const value = quotaOf(view.dir(ds.dir), p.owner, p.field, p.id);
    return { value, format: p.field === 'quota' ? 'quota' : 'objquota', source: local };
  }
  const counts = ownerSpaceAt(h.pool.t, ds.root)[p.owner][String(p.id)] ?? [0, 0];
  return p.field === 'used' ? { value: counts[0], format: 'bytes', source: local } : { value: counts[1], format: 'number', source: local };
}

/** One owner's row of `zfs userspace`: its counts and quotas (0: none). */
export interface OwnerRow {
  kind: OwnerKind;
  id: number;
  used: number;
  quota: number;
  objused: number;
  objquota: number;
}

/**
 * zfs_userspace over every property of the kinds asked for: each owner with space charged or a
 * quota set, as `zfs userspace DS` lists them. A volume (or a volume's snapshot) has none.
 */
export function ownerRows(home: Home, dataset: string, kinds: readonly OwnerKind[]): OwnerRow[] {
  // zfs_path_to_zhandle: a path names the mounted file system holding it (never a tszfs one).
  if (dataset.startsWith('/') || dataset.startsWith('./')) throw new ZfsError([pathOperand(dataset)]);
  return withDataset(home, dataset, null, (h, r, contents) => {
    if (r.kind === 'volume') throw ZfsError.action(`cannot open '${dataset}'`, 'operation not applicable to datasets of this type');
    if (contents === 'volume') throw new ZfsError(['operation is only applicable to filesystems and their snapshots']);
    const view = h.view();
    const space: OwnerSpace = ownerSpaceAt(h.pool.t, r.ds.root);
    const dir = view.dir(r.dir);
    const rows: OwnerRow[] = [];
    for (const kind of kinds) {
      const ids = new Set<number>(Object.keys(space[kind]).map(Number));
      for (const key of Object.keys(dir.quotas ?? {})) {
        const m = /^(user|group)(?:obj)?quota@(\d+)$/.exec(key);
        if (m && m[1] === kind) ids.add(Number(m[2]));
      }
      for (const id of ids) {
        const [used, objused] = space[kind][String(id)] ?? [0, 0];
        rows.push({ kind, id, used, objused, quota: quotaOf(dir, kind, 'quota', id), objquota: quotaOf(dir, kind, 'objquota', id) });
      }
    }
    return rows;
  });
}
