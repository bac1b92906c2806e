/**
 * `zfs destroy [-fnpRrv] FS` and `zfs destroy [-dnpRrv] FS@SNAP[%SNAP][,...]`: everything the
 * command names and depends on goes in one transaction group, dependents first, or nothing does.
 * `-n`/`-v` report what goes and, for snapshots, the space reclaimed from deadlist sums
 * (wouldFree): no block is visited. `-d` marks held or cloned snapshots instead of refusing them.
 */
import { destroyHead, destroySnapshot, wouldFree } from '../../engine/datasets/destroy.js';
import { destroyOrDefer } from '../../engine/datasets/holds.js';
import { RECV_DIR, type DslView } from '../../engine/datasets/view.js';
import type { Id, SnapshotRecord } from '../../engine/model.js';
import { ZfsError, notFound } from '../errors.js';
import { dropKey } from '../crypto/keystore.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { headKind, type Change, type PoolHandle } from '../pool-handle.js';
import { withPoolOf } from '../session.js';
import { walkTree } from '../../engine/sync-task.js';

export interface DestroyOptions {
  /** -r: children and snapshots */
  recursive: boolean;
  /** -R: every dependent, clones included */
  dependents: boolean;
  /** -d: a held or cloned snapshot is marked for destruction instead of refused */
  defer?: boolean;
  /** -n: say what would go, change nothing */
  dryRun?: boolean;
}

/** What `-v` reports, in order: each dataset that goes, and for snapshots the space reclaimed. */
export type DestroyReport = { kind: 'destroy'; name: string } | { kind: 'reclaim'; bytes: number };

export type Step = { kind: 'snapshot'; id: Id } | { kind: 'filesystem'; dir: Id };

export function destroy(
  home: Home,
  name: string,
  opts: DestroyOptions,
  history: string,
  report: (r: DestroyReport) => void = () => {},
): void {
  const at = name.indexOf('@');
  const fsName = at < 0 ? name : name.slice(0, at);
  // -d names snapshots only: zfs opens a plain name as a snapshot and fails.
  const bad = checkDatasetName(opts.defer && at < 0 ? name : fsName, opts.defer && at < 0 ? ['snapshot'] : ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${opts.defer && at < 0 ? name : fsName}'`, bad);
  // A partial receive's hidden %recv goes unnamed, as the kernel lists no hidden dataset.
  const going = (view: DslView, s: Step) => {
    if (s.kind !== 'filesystem' || view.dir(s.dir).name !== RECV_DIR) report({ kind: 'destroy', name: stepName(view, s) });
  };
  withPoolOf(
    home,
    fsName,
    (h) => {
      const work = (dsl: DslView, c: Change | null): void => {
        const dir = h.findDir(dsl, fsName);
        if (dir === undefined) throw notFound(fsName);
        let steps: Step[];
        if (at < 0) {
          steps = planFilesystem(h, dsl, name, dir, opts);
          for (const s of steps) going(dsl, s);
          if (dir === h.rootDir()) steps = steps.slice(0, -1);
        } else {
          const plan = planSnapshots(dsl, dir, name.slice(at + 1), opts);
          for (const id of plan.snapshots) going(dsl, { kind: 'snapshot', id });
          report({ kind: 'reclaim', bytes: plan.reclaim });
          // zfs destroys (and reports) the clones only when it really destroys.
          if (c) for (const s of plan.cloneSteps) going(dsl, s);
          steps = [...plan.cloneSteps, ...plan.snapshots.map((id): Step => ({ kind: 'snapshot', id }))];
        }
        // A dry run never reaches the kernel, which is what refuses held snapshots.
        if (!c) return;
        if (!opts.defer) refuseHeld(dsl, steps.flatMap((s) => (s.kind === 'snapshot' ? [s.id] : [])));
        // An encryption root destroyed takes its loaded key along (the keystore drops it).
        const roots = steps.flatMap((s) => (s.kind === 'filesystem' && dsl.dir(s.dir).crypt?.root === s.dir ? [dsl.head(s.dir).guid] : []));
        execute(c, steps, opts.defer === true);
        for (const guid of roots) dropKey(home, h.pool.meta().guid, guid);
      };
      if (opts.dryRun) work(h.view(), null);
      else h.change(history, (c) => work(c.dsl, c));
    },
    () => {
      throw notFound(fsName);
    },
  );
}

/** Run the plan; a clone goes before its origin snapshot, wherever the plan listed it. */
export function execute(c: Change, steps: Step[], defer: boolean): void {
  const key = (s: Step) => (s.kind === 'snapshot' ? `s${s.id}` : `f${s.dir}`);
  const planned = new Set(steps.map(key));
  const done = new Set<string>();
  const run = (step: Step): void => {
    if (done.has(key(step))) return;
    // Marked before its clones run: after a promote a clone can depend on this very snapshot.
    done.add(key(step));
    if (step.kind === 'snapshot') {
      for (const cloneHead of c.dsl.cloneIds(step.id)) {
        for (const s of dependents(c.dsl, c.dsl.ds(cloneHead).dir, true, [])) if (planned.has(key(s))) run(s);
      }
    }
    // A deferred origin may already have gone with its last clone.
    if (step.kind === 'snapshot') {
      if (!stillThere(c, step.id)) return;
      if (defer) destroyOrDefer(c.dsl, step.id);
      else destroySnapshot(c.dsl, step.id);
    } else destroyHead(c.dsl, step.dir, walkTree(c));
  };
  steps.forEach(run);
}

/** DslTxn.ds throws for a dataset destroyed earlier in this transaction group. */
export function stillThere(c: Change, id: Id): boolean {
  try {
    c.dsl.ds(id);
    return true;
  } catch {
    return false;
  }
}

/** A held snapshot stops the whole command (lzc_destroy_snaps is all or nothing). */
export function refuseHeld(view: DslView, snapshots: Id[]): void {
  const held = snapshots.map((id) => view.ds(id) as SnapshotRecord).filter((s) => s.userrefs > 0);
  if (held.length === 0) return;
  throw new ZfsError(
    held.map((s) => {
      const n = view.datasetName(s);
      return `cannot destroy snapshot ${n}: it's being held. Run 'zfs holds -r ${n}' to see holders.`;
    }),
  );
}

/** Post-order: each child's subtree, then the snapshots (oldest first), then the filesystem. */
export function dependents(view: DslView, dir: Id, withClones: boolean, out: Step[], seen = new Set<Id>()): Step[] {
  // After a promote, a filesystem can be a clone of its own descendant's snapshot: visit each once.
  if (seen.has(dir)) return out;
  seen.add(dir);
  // A partial receive's hidden %recv goes with its filesystem (dsl_destroy_head).
  for (const child of view.childDirs(dir, true)) dependents(view, child, withClones, out, seen);
  for (const snap of view.snapshotIds(dir)) {
    if (withClones) for (const cloneHead of view.cloneIds(snap)) dependents(view, view.ds(cloneHead).dir, true, out, seen);
    out.push({ kind: 'snapshot', id: snap });
  }
  out.push({ kind: 'filesystem', dir });
  return out;
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
  const shown = steps.filter((s) => s.kind !== 'filesystem' || view.dir(s.dir).name !== RECV_DIR);
  if (!opts.recursive && !opts.dependents && shown.length > 1) {
    throw new ZfsError([
      `${action}: ${headKind(view, dir)} has children`,
      "use '-r' to destroy the following datasets:",
      ...shown.slice(0, -1).map((s) => stepName(view, s)),
    ]);
  }
  if (!opts.dependents) refuseOutsideClones(view, steps, action, `${headKind(view, dir)} has dependent clones`);
  return steps;
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
  const items = spec.split(',');
  // Ranges need the dir's snapshots in txg order; plain names are looked up one by one, so that
  // destroying one snapshot among thousands reads only that one.
  const all = items.some((i) => i.includes('%')) ? view.snapshotIds(dir).map((id) => view.ds(id) as SnapshotRecord) : [];
  const chosen = new Map<Id, SnapshotRecord>();
  for (const item of items) {
    const pct = item.indexOf('%');
    if (pct < 0) {
      const id = view.snapshotByName(dir, item);
      if (id !== undefined) chosen.set(id, view.ds(id) as SnapshotRecord);
      continue;
    }
    const from = item.slice(0, pct);
    const to = item.slice(pct + 1);
    const first = from === '' ? 0 : all.findIndex((x) => x.name === from);
    const last = to === '' ? all.length - 1 : all.findIndex((x) => x.name === to);
    if (first < 0 || last < 0) continue;
    for (let i = first; i <= last; i++) chosen.set(all[i].id, all[i]);
  }
  return [...chosen.values()].sort((a, b) => a.createTxg - b.createTxg);
}

interface SnapshotPlan {
  /** per filesystem (pre-order), oldest first */
  snapshots: Id[];
  /** with -R: the clones of those snapshots and everything that depends on them */
  cloneSteps: Step[];
  /** what destroying them would free: the wouldfree sum over each run of adjacent snapshots */
  reclaim: number;
}

function planSnapshots(view: DslView, dir: Id, spec: string, opts: DestroyOptions): SnapshotPlan {
  const plan: SnapshotPlan = { snapshots: [], cloneSteps: [], reclaim: 0 };
  const visit = (d: Id) => {
    const chosen = new Set(matchSnapshots(view, d, spec).map((s) => s.id));
    let run: SnapshotRecord[] = [];
    const endRun = () => {
      if (run.length > 0) plan.reclaim += wouldFree(view, run[0], run[run.length - 1]);
      run = [];
    };
    for (const id of view.snapshotIds(d)) {
      if (!chosen.has(id)) {
        endRun();
        continue;
      }
      const snap = view.ds(id) as SnapshotRecord;
      refuseClones(view, snap, opts);
      plan.snapshots.push(id);
      run.push(snap);
    }
    endRun();
    if (opts.recursive) for (const child of view.childDirs(d)) visit(child);
  };
  visit(dir);
  if (plan.snapshots.length === 0) throw new ZfsError(['could not find any snapshots to destroy; check snapshot names.']);
  if (opts.dependents) {
    for (const id of plan.snapshots) for (const c of view.cloneIds(id)) dependents(view, view.ds(c).dir, true, plan.cloneSteps);
  }
  return plan;
}

/** Without -R or -d, a snapshot with clones cannot go. */
function refuseClones(view: DslView, snap: SnapshotRecord, opts: DestroyOptions): void {
  const clones = view.cloneIds(snap.id);
  if (clones.length === 0 || opts.dependents || opts.defer) return;
  const list: Step[] = [];
  for (const c of clones) dependents(view, view.ds(c).dir, true, list);
  throw new ZfsError([
    `cannot destroy '${view.datasetName(snap)}': snapshot has dependent clones`,
    "use '-R' to destroy the following datasets:",
    ...list.map((s) => stepName(view, s)),
  ]);
}
