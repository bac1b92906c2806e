/**
 * `zfs destroy [-rR] FS` and `zfs destroy [-rR] FS@SNAP[%SNAP][,...]`: everything the command
 * names and depends on goes in one transaction group, dependents first, or nothing does.
 */
import { destroyHead, destroySnapshot } from '../../engine/datasets/destroy.js';
import type { DslView } from '../../engine/datasets/view.js';
import type { Id, SnapshotRecord } from '../../engine/store/records.js';
import { ZfsError, notFound } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import type { PoolHandle } from '../pool-handle.js';
import { withPoolOf } from '../session.js';
import { walkTree } from './tree.js';

export interface DestroyOptions {
  /** -r: children and snapshots */
  recursive: boolean;
  /** -R: every dependent, clones included */
  dependents: boolean;
}

type Step = { kind: 'snapshot'; id: Id } | { kind: 'filesystem'; dir: Id };

export function destroy(home: Home, name: string, opts: DestroyOptions, history: string): void {
  const at = name.indexOf('@');
  const fsName = at < 0 ? name : name.slice(0, at);
  const bad = checkDatasetName(fsName, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${fsName}'`, bad);
  withPoolOf(
    home,
    fsName,
    (h) =>
      h.change(history, (c) => {
        const dir = h.findDir(c.dsl, fsName);
        if (dir === undefined) throw notFound(fsName);
        const steps =
          at < 0 ? planFilesystem(h, c.dsl, name, dir, opts) : planSnapshots(c.dsl, dir, name.slice(at + 1), opts);
        // A clone goes before its origin snapshot, wherever the plan listed it.
        const key = (s: Step) => (s.kind === 'snapshot' ? `s${s.id}` : `f${s.dir}`);
        const planned = new Set(steps.map(key));
        const done = new Set<string>();
        const run = (step: Step): void => {
          if (done.has(key(step))) return;
          if (step.kind === 'snapshot') {
            for (const cloneHead of c.dsl.cloneIds(step.id)) {
              for (const s of dependents(c.dsl, c.dsl.ds(cloneHead).dir, true, [])) if (planned.has(key(s))) run(s);
            }
          }
          done.add(key(step));
          if (step.kind === 'snapshot') destroySnapshot(c.dsl, step.id);
          else destroyHead(c.dsl, step.dir, walkTree(c));
        };
        steps.forEach(run);
      }),
    () => {
      throw notFound(fsName);
    },
  );
}

/** Post-order: each child's subtree, then the snapshots (oldest first), then the filesystem. */
function dependents(view: DslView, dir: Id, withClones: boolean, out: Step[]): Step[] {
  for (const child of sortedChildren(view, dir)) dependents(view, child, withClones, out);
  for (const snap of view.snapshotIds(dir)) {
    if (withClones) for (const cloneHead of view.cloneIds(snap)) dependents(view, view.ds(cloneHead).dir, true, out);
    out.push({ kind: 'snapshot', id: snap });
  }
  out.push({ kind: 'filesystem', dir });
  return out;
}

function sortedChildren(view: DslView, dir: Id): Id[] {
  return view
    .childDirs(dir)
    .map((id) => ({ id, name: view.dir(id).name }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((x) => x.id);
}

const stepName = (view: DslView, step: Step) =>
  step.kind === 'snapshot' ? view.datasetName(view.ds(step.id)) : view.dirName(step.dir);

function planFilesystem(h: PoolHandle, view: DslView, name: string, dir: Id, opts: DestroyOptions): Step[] {
  const action = `cannot destroy '${name}'`;
  const isRoot = dir === h.rootDir();
  if (isRoot && !opts.recursive && !opts.dependents) {
    throw new ZfsError([
      `${action}: operation does not apply to pools`,
      `use 'zfs destroy -r ${name}' to destroy all datasets in the pool`,
      `use 'zpool destroy ${name}' to destroy the pool itself`,
    ]);
  }
  const steps = dependents(view, dir, opts.dependents, []);
  if (!opts.recursive && !opts.dependents && steps.length > 1) {
    throw new ZfsError([
      `${action}: filesystem has children`,
      "use '-r' to destroy the following datasets:",
      ...steps.slice(0, -1).map((s) => stepName(view, s)),
    ]);
  }
  if (!opts.dependents) refuseOutsideClones(view, steps, action, 'filesystem has dependent clones');
  return isRoot ? steps.slice(0, -1) : steps;
}

/** Clones of snapshots about to go that are not themselves about to go: -R is needed. */
function refuseOutsideClones(view: DslView, steps: Step[], action: string, why: string): void {
  const going = new Set(steps.filter((s) => s.kind === 'filesystem').map((s) => (s as { dir: Id }).dir));
  const outside: Step[] = [];
  for (const step of steps) {
    if (step.kind !== 'snapshot') continue;
    for (const cloneHead of view.cloneIds(step.id)) {
      const cloneDir = view.ds(cloneHead).dir;
      if (!going.has(cloneDir)) dependents(view, cloneDir, true, outside);
    }
  }
  if (outside.length > 0) {
    throw new ZfsError([`${action}: ${why}`, "use '-R' to destroy the following datasets:", ...outside.map((s) => stepName(view, s))]);
  }
}

/** The snapshots named by `a`, `a,b`, `a%c`, `%c`, `a%` or `%` in one filesystem, oldest first. */
export function matchSnapshots(view: DslView, dir: Id, spec: string): SnapshotRecord[] {
  const all = view.snapshotIds(dir).map((id) => view.ds(id) as SnapshotRecord);
  const chosen = new Set<Id>();
  for (const item of spec.split(',')) {
    const pct = item.indexOf('%');
    if (pct < 0) {
      const s = all.find((x) => x.name === item);
      if (s) chosen.add(s.id);
      continue;
    }
    const from = item.slice(0, pct);
    const to = item.slice(pct + 1);
    const first = from === '' ? 0 : all.findIndex((x) => x.name === from);
    const last = to === '' ? all.length - 1 : all.findIndex((x) => x.name === to);
    if (first < 0 || last < 0) continue;
    for (let i = first; i <= last; i++) chosen.add(all[i].id);
  }
  return all.filter((s) => chosen.has(s.id));
}

function planSnapshots(view: DslView, dir: Id, spec: string, opts: DestroyOptions): Step[] {
  const dirs: Id[] = [];
  const collect = (d: Id) => {
    dirs.push(d);
    if (opts.recursive) for (const child of sortedChildren(view, d)) collect(child);
  };
  collect(dir);
  const snaps = dirs.flatMap((d) => matchSnapshots(view, d, spec));
  if (snaps.length === 0) throw new ZfsError(['could not find any snapshots to destroy; check snapshot names.']);
  const steps: Step[] = [];
  for (const snap of snaps) {
    const clones = view.cloneIds(snap.id);
    if (clones.length > 0 && !opts.dependents) {
      const list: Step[] = [];
      for (const c of clones) dependents(view, view.ds(c).dir, true, list);
      throw new ZfsError([
        `cannot destroy '${view.datasetName(snap)}': snapshot has dependent clones`,
        "use '-R' to destroy the following datasets:",
        ...list.map((s) => stepName(view, s)),
      ]);
    }
    for (const c of clones) dependents(view, view.ds(c).dir, true, steps);
    steps.push({ kind: 'snapshot', id: snap.id });
  }
  return steps;
}
