/**
 * Space per owner (ZFS userused/groupused/userobjused/groupobjused, dmu_objset_userquota_*).
 * Each objset keeps, per uid and per gid, the bytes its objects are charged and how many objects
 * it owns. A file is charged the allocated size (asize) of its data blocks, kept in its dnode
 * (`used`) as blocks are written and freed, so chown moves the whole charge in one step; every
 * other object is charged no bytes (tszfs counts data only: the charges of a file system add up
 * to its `referenced`). Every object, the root directory included, counts one object for its
 * owner and one for its group. The counts live in the objset node, so a snapshot freezes them,
 * a clone starts with its origin's, and rollback brings a snapshot's back with its tree.
 *
 * Quotas (userquota@, groupquota@, userobjquota@, groupobjquota@) are checked as a change is
 * charged: a change that raises an owner's bytes (or objects) above its quota is refused with
 * EDQUOT, and the whole command with it. ZFS checks lazily, before a write, whether the owner is
 * already at or over its quota; tszfs's rule is exact: no command leaves an owner it charged
 * more over its quota.
 */
import { EngineError } from '../errno.js';
import type { NodeSource } from '../blocks/nodes.js';
import type { TreeRef } from '../store/records.js';
import { blockMap, objectTable, type Dnode, type FileDnode } from './objset.js';

/** Bytes and objects charged to each id (a decimal string key). */
export type OwnerCounts = Record<string, [bytes: number, objects: number]>;
export interface OwnerSpace {
  user: OwnerCounts;
  group: OwnerCounts;
}

/** Quotas of a file system, by id; an id absent has none. */
export interface OwnerQuotas {
  user: Map<number, number>;
  group: Map<number, number>;
  userobj: Map<number, number>;
  groupobj: Map<number, number>;
}

/** The allocated bytes of a file's data blocks (its dnode's `used`, or counted from its blocks). */
export function fileUsed(src: NodeSource, dn: FileDnode): number {
  if (dn.used !== undefined) return dn.used;
  let used = 0;
  blockMap.walkBornAfter(src, dn.blocks, -1, () => {}, (bp) => {
    used += bp.asize;
  });
  return used;
}

/** The counts of a tree, counted object by object (a tree made before tszfs kept them). */
export function countOwners(src: NodeSource, objects: TreeRef): OwnerSpace {
  const space: OwnerSpace = { user: {}, group: {} };
  objectTable.walkBornAfter(src, objects, -1, () => {}, (dn) => {
    const bytes = dn.type === 'file' ? fileUsed(src, dn) : 0;
    add(space.user, dn.uid, bytes, 1);
    add(space.group, dn.gid, bytes, 1);
  });
  return space;
}

function add(counts: OwnerCounts, id: number, bytes: number, objects: number): void {
  const key = String(id);
  const c = counts[key] ?? [0, 0];
  const next: [number, number] = [c[0] + bytes, c[1] + objects];
  if (next[0] === 0 && next[1] === 0) delete counts[key];
  else counts[key] = next;
}

const copy = (counts: OwnerCounts): OwnerCounts => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, [v[0], v[1]]]));

/** The counts a writer changes as it replaces dnodes (kept in its objset node). */
export class OwnerLedger {
  readonly space: OwnerSpace;

  constructor(
    private readonly src: NodeSource,
    objset: { objects: TreeRef; owners?: OwnerSpace },
    private readonly quotas?: OwnerQuotas,
  ) {
    this.space = objset.owners ? { user: copy(objset.owners.user), group: copy(objset.owners.group) } : countOwners(src, objset.objects);
    objset.owners = this.space;
  }

  /** Keep the counts in `objset` (the same node read again after the writer spilled it). */
  attach(objset: { owners?: OwnerSpace }): void {
    objset.owners = this.space;
  }

  /** Charge `next` in place of `prev` (null: no object). */
  change(prev: Dnode | null, next: Dnode | null): void {
    // Most changes (a directory's entries, times, modes) charge the same owners the same.
    if (prev && next && prev.uid === next.uid && prev.gid === next.gid) {
      if (next.type === 'file' ? prev.type === 'file' && prev.used !== undefined && prev.used === next.used : prev.type !== 'file') return;
    }
    const before = prev ? this.charge(prev) : null;
    const after = next ? this.charge(next) : null;
    if (before) {
      add(this.space.user, before.uid, -before.bytes, -1);
      add(this.space.group, before.gid, -before.bytes, -1);
    }
    if (after) {
      add(this.space.user, after.uid, after.bytes, 1);
      add(this.space.group, after.gid, after.bytes, 1);
    }
    if (!this.quotas || !after) return;
    const q = this.quotas;
    const same = (a: 'uid' | 'gid') => before !== null && before[a] === after[a];
    const raised = (a: 'uid' | 'gid') => !same(a) || after.bytes > before!.bytes;
    this.check(q.user, this.space.user, after.uid, 0, raised('uid'));
    this.check(q.group, this.space.group, after.gid, 0, raised('gid'));
    this.check(q.userobj, this.space.user, after.uid, 1, !same('uid'));
    this.check(q.groupobj, this.space.group, after.gid, 1, !same('gid'));
  }

  private check(quotas: Map<number, number>, counts: OwnerCounts, id: number, which: 0 | 1, raised: boolean): void {
    if (!raised) return;
    const quota = quotas.get(id);
    if (quota !== undefined && (counts[String(id)]?.[which] ?? 0) > quota) throw new EngineError('EDQUOT');
  }

  private charge(dn: Dnode): { uid: number; gid: number; bytes: number } {
    return { uid: dn.uid, gid: dn.gid, bytes: dn.type === 'file' ? fileUsed(this.src, dn) : 0 };
  }
}

/** A file system's quotas per owner, from its dir's `quotas` (`userquota@1000` = bytes). */
export function ownerQuotas(quotas: Record<string, number> | undefined): OwnerQuotas | undefined {
  let q: OwnerQuotas | undefined;
  for (const [name, value] of Object.entries(quotas ?? {})) {
    const m = /^(user|group|userobj|groupobj)quota@(\d+)$/.exec(name);
    if (!m) continue;
    q ??= { user: new Map(), group: new Map(), userobj: new Map(), groupobj: new Map() };
    q[m[1] as keyof OwnerQuotas].set(Number(m[2]), Number(value));
  }
  return q;
}

/**
 * For the pool check: what an objset's stored counts and its files' `used` say against a walk of
 * every block. Problems as lines; none for a tree that keeps no counts (a volume, an old tree).
 */
export function checkOwners(src: NodeSource, objset: { objects: TreeRef; owners?: OwnerSpace }, name: string): string[] {
  if (!objset.owners) return [];
  const problems: string[] = [];
  const walked: OwnerSpace = { user: {}, group: {} };
  objectTable.walkBornAfter(src, objset.objects, -1, () => {}, (dn) => {
    const bytes = dn.type === 'file' ? fileUsed(src, { ...dn, used: undefined }) : 0;
    if (dn.type === 'file' && dn.used !== undefined && dn.used !== bytes) problems.push(`${name}: a file's used is ${dn.used}, its blocks take ${bytes}`);
    add(walked.user, dn.uid, bytes, 1);
    add(walked.group, dn.gid, bytes, 1);
  });
  for (const kind of ['user', 'group'] as const) {
    const stored = JSON.stringify(Object.entries(objset.owners[kind]).sort());
    const found = JSON.stringify(Object.entries(walked[kind]).sort());
    if (stored !== found) problems.push(`${name}: ${kind} space ${stored}, walk finds ${found}`);
  }
  return problems;
}
