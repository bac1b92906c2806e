/**
 * `zfs inherit [-r] PROP DATASET...`: clears the local value so that the parent's (or the
 * default) shows through. zfs_main checks the property once (checkInheritable); then
 * zfs_for_each opens every operand, and each dataset is changed in sort order, as one ioctl per
 * dataset does in OpenZFS, but all those of one pool in one transaction (all or nothing on a kill).
 */
import type { DslView } from '../../engine/datasets/view.js';
import type { SnapshotRecord } from '../../engine/model.js';
import { ZfsError, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { compareDefault } from '../listing.js';
import { checkDatasetName, isUserPropName } from '../names.js';
import { headKind, PoolHandle, poolNameOf, type Change, type DatasetKind, type Resolved } from '../pool-handle.js';
import { findProperty, type PropDef } from '../properties/table.js';
import { changeEachTarget, withPoolsOpenedOnce } from '../session.js';
import { mountsAfterSet } from './mounts.js';


export type InheritCheck = { kind: 'ok'; def: PropDef | null } | { kind: 'fail'; lines: string[] } | { kind: 'usage'; reason: string };

/** zfs_do_inherit's checks on the property, before any dataset is opened. */
export function checkInheritable(propname: string, received: boolean): InheritCheck {
  const def = findProperty(propname);
  if (def) {
    if (def.attr !== 'default' && def.attr !== 'inherit') return { kind: 'fail', lines: [`${propname} property is read-only`] };
    if (!def.inheritable && !received) {
      const lines = [`'${propname}' property cannot be inherited`];
      if (['quota', 'reservation', 'refquota', 'refreservation'].includes(def.name)) {
        lines.push(`use 'zfs set ${propname}=none' to clear`, `use 'zfs inherit -S ${propname}' to revert to received value`);
      }
      return { kind: 'fail', lines };
    }
    if (received && (def.name === 'volsize' || def.name === 'version')) {
      return { kind: 'fail', lines: [`'${propname}' property cannot be reverted to a received value`] };
    }
    return { kind: 'ok', def };
  }
  if (!isUserPropName(propname)) return { kind: 'usage', reason: `invalid property '${propname}'` };
  return { kind: 'ok', def: null };
}

interface Target {
  name: string;
  pool: string;
  createTxg: number;
  kind: DatasetKind;
}

/**
 * Returns the exit status: 1 if an operand could not be opened or a dataset refused, else 0.
 * `def` is null for a user property.
 */
export function inheritProperty(
  home: Home,
  propname: string,
  def: PropDef | null,
  datasets: readonly string[],
  recursive: boolean,
  received: boolean,
  history: string,
  onError: (line: string) => void,
): number {
  return withPoolsOpenedOnce(home, (poolOf) => {
    let status = 0;
    const targets = new Map<string, Target>();
    for (const name of datasets) {
      const action = `cannot open '${name}'`;
      const bad = checkDatasetName(name, ['filesystem', 'snapshot'], false);
      const h = bad === null ? poolOf(poolNameOf(name)) : null;
      const view = h?.view();
      const r = h && view ? h.resolve(view, name) : undefined;
      if (bad !== null || !h || !view || !r) {
        onError(`${action}: ${bad ?? 'dataset does not exist'}`);
        status = 1;
        continue;
      }
      for (const t of recursive ? descendants(h, view, r) : [{ name, createTxg: r.ds.createTxg, kind: r.kind }]) {
        // -r skips datasets the property does not apply to (inherit_recurse_cb).
        if (recursive && def && !def.types.includes(t.kind)) continue;
        targets.set(t.name, { name: t.name, pool: h.name, createTxg: t.createTxg, kind: t.kind });
      }
    }
    // Datasets the property does not apply to fail before anything changes: zfs_main logs the
    // command line only when the whole command succeeded.
    const ok: Target[] = [];
    for (const t of [...targets.values()].sort(compareDefault)) {
      if (def && !def.types.includes(t.kind)) {
        onError(`cannot inherit ${propname} for '${t.name}': property doesn't apply to datasets of this type`);
        status = 1;
      } else ok.push(t);
    }
    const refused = changeEachTarget(ok, poolOf, history, status !== 0, onError, (h, c, t) =>
      inheritOne(h, c, t.name, propname, def, received),
    );
    return refused ? 1 : status;
  });
}

/** The dataset and everything below it: child filesystems and volumes, and every snapshot. */
function descendants(h: PoolHandle, view: DslView, r: Resolved): Array<{ name: string; createTxg: number; kind: DatasetKind }> {
  if (r.kind === 'snapshot') return [{ name: view.datasetName(r.ds), createTxg: r.ds.createTxg, kind: 'snapshot' }];
  const out: Array<{ name: string; createTxg: number; kind: DatasetKind }> = [];
  const walk = (dir: number) => {
    const head = view.head(dir);
    out.push({ name: view.datasetName(head), createTxg: head.createTxg, kind: headKind(view, dir) });
    for (const id of view.snapshotIds(dir)) {
      const s = view.ds(id);
      out.push({ name: view.datasetName(s), createTxg: s.createTxg, kind: 'snapshot' });
    }
    for (const child of view.childDirs(dir)) walk(child);
  };
  walk(r.dir);
  return out;
}

/** zfs_prop_inherit() for one dataset, inside the command's transaction. */
function inheritOne(h: PoolHandle, c: Change, name: string, propname: string, def: PropDef | null, received: boolean): void {
  const action = `cannot inherit ${propname} for '${name}'`;
  const r = h.resolve(c.dsl, name);
  if (!r) throw datasetError(action, 'ENOENT');
  if (def && !def.inheritable && !received) throw ZfsError.action(action, 'property cannot be inherited');
  if (def && !def.types.includes(r.kind)) throw ZfsError.action(action, "property doesn't apply to datasets of this type");
  const key = def ? def.name : propname;
  const holder = r.kind === 'snapshot' ? (c.dsl.ds(r.ds.id) as SnapshotRecord) : c.dsl.dir(r.dir);
  // A new mountpoint or sharing remounts and reshares as `zfs set` does (changelist).
  const remount = r.kind === 'filesystem' && REMOUNTING.has(key) ? mountsAfterSet(c, r.dir, { [key]: '' }) : () => undefined;
  delete holder.props[key];
  // -S reverts to the received value; a plain inherit masks it (tszfs forgets it: same value shown).
  if (!received && holder.received) delete holder.received[key];
  remount();
}

const REMOUNTING = new Set(['mountpoint', 'sharenfs', 'sharesmb']);
