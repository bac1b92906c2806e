/**
 * `zfs send [-nvP] [-R] [-p] [-i SNAP | -I SNAP] SNAP`: a full or incremental stream of a
 * snapshot to a byte sink; with -R or -p a package (ZFS: compound stream) that names the datasets,
 * their properties and snapshots before their streams (docs/stream-format.md).
 */
import { damagedBlock } from '../engine/errno.js';
import { StreamWriter, PACKAGE_VERSION, type PackageDataset, type PackageHeader } from '../engine/streams/format.js';
import { sendStreamOf } from '../engine/reading.js';
import { sendPackageHeader, type BookmarkRef, type SnapshotRef } from '../engine/streams/send.js';
import { isBefore } from '../engine/datasets/bookmark.js';
import { findBookmark } from './datasets/bookmark.js';
import type { DslView } from '../engine/datasets/view.js';
import type { DirRecord, Id, SnapshotRecord } from '../engine/model.js';
import { engineFailure, ZfsError, notFound } from './errors.js';
import type { Home } from './home.js';
import { checkDatasetName } from './names.js';
import type { PoolHandle } from './pool-handle.js';
import { findProperty } from './properties/table.js';
import { withPoolOf } from './session.js';

export interface SendOptions {
  /** -i or -I: the incremental source, as `@a`, `fs@a` or `a` */
  from?: string;
  /** -I: one incremental stream per snapshot between `from` and the snapshot sent */
  intermediates?: boolean;
  /** -R: the filesystem, its descendants, every snapshot and the properties */
  replicate?: boolean;
  /** -p: the properties with the stream */
  props?: boolean;
  /** -n: only estimate */
  dryRun: boolean;
  /** -v or -P: the size is estimated first (estimate_size), which words a failure differently */
  estimate?: boolean;
}

export interface SendSummary {
  kind: 'full' | 'incremental';
  from: string | null;
  to: string;
  bytes: number;
}

/** One stream of what is sent: `snap` on top of `base` (or whole); `clone`: base is its origin. */
interface Planned {
  base: SnapshotRecord | FromBookmark | null;
  snap: SnapshotRecord;
  clone: boolean;
}

/** Stream `name` (from `opts.from`) to `out`; returns what was (or would be) sent, stream by stream. */
export function send(home: Home, name: string, opts: SendOptions, out: (chunk: Buffer) => void): SendSummary[] {
  const bad = checkDatasetName(name, ['snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  return withPoolOf(
    home,
    name,
    (h) => {
      const view = h.view();
      const to = h.resolve(view, name);
      if (!to || to.kind !== 'snapshot') throw notFound(name);
      let header: PackageHeader | null = null;
      let plan: Planned[];
      if (opts.replicate) {
        ({ header, plan } = replicationPlan(h, view, name, to.dir, to.ds, opts));
      } else {
        plan = chain(h, view, name, to.ds, opts);
        if (opts.props) header = packageHeader(view, name, [{ dir: to.dir, snapshots: snapshotsUpTo(view, to.dir, to.ds) }], plan, false);
      }
      const ref = (s: SnapshotRecord): SnapshotRef => {
        const type = view.dir(s.dir).type;
        return { name: view.datasetName(s), guid: s.guid, creation: s.creation, root: s.root, ...(type && { type }) };
      };
      const baseRef = (b: SnapshotRecord | FromBookmark): SnapshotRef | BookmarkRef => ('bookmark' in b ? b.bookmark : ref(b));
      const sendOne = ({ base, snap, clone }: Planned): SendSummary => {
        const writer = new StreamWriter(opts.dryRun ? null : out);
        sendStreamOf(h.pool, opts.dryRun === true, base && baseRef(base), ref(snap), writer, clone);
        // OpenZFS reports a clone's first snapshot as a full send (its from-snapshot is elsewhere).
        const from = base && !clone ? ('bookmark' in base ? base.bookmark.name : view.datasetName(base)) : null;
        return { kind: from ? 'incremental' : 'full', from, to: view.datasetName(snap), bytes: writer.bytes };
      };
      try {
        // A registered reader: blocks other commands free meanwhile stay unallocated until it ends.
        return h.pool.readingData(() => {
          if (header && !opts.dryRun) sendPackageHeader(header, new StreamWriter(out));
          return plan.map(sendOne);
        });
      } catch (err) {
        // A damaged block is never sent: the stream stops short, and receive refuses what came.
        if (damagedBlock(err)) throw engineFailure(`warning: cannot send '${name}'`, err);
        throw err;
      }
    },
    () => {
      throw notFound(name);
    },
  );
}

/** An incremental source that is a bookmark (`send -i fs#book`), by its full name. */
interface FromBookmark {
  bookmark: BookmarkRef;
}

/**
 * `-i fs#book`: the bookmark must mark a point in the history of the snapshot sent (dmu_send's
 * dsl_bookmark_lookup). The kernel's refusal reads as zfs_send_one words it, or, when -v or -P
 * asked for an estimate first, as estimate_size does (strerror of ESRCH, ENOENT or EXDEV).
 */
function bookmarkSource(h: PoolHandle, view: DslView, toName: string, to: SnapshotRecord, spec: string, estimate: boolean): FromBookmark {
  const action = `warning: cannot send '${toName}'`;
  const found = findBookmark(h, view, spec);
  if (!found) {
    const fsExists = h.findDir(view, spec.slice(0, spec.indexOf('#'))) !== undefined;
    throw ZfsError.action(action, estimate ? (fsExists ? 'No such process' : 'No such file or directory') : `incremental source (${spec}) does not exist`);
  }
  if (!isBefore(view, to, found.dir, found.bookmark.createTxg)) {
    throw ZfsError.action(action, estimate ? 'Invalid cross-device link' : 'not an earlier snapshot from the same fs');
  }
  return { bookmark: { name: spec, guid: found.bookmark.guid, txg: found.bookmark.createTxg } };
}

/** Without -R: the snapshot, on top of -i's; with -I every snapshot in between, each on the last. */
function chain(h: PoolHandle, view: DslView, name: string, to: SnapshotRecord, opts: SendOptions): Planned[] {
  if (opts.from?.includes('#')) {
    // zfs_send_one_cb_impl asks the kernel nothing for a dry run without an estimate.
    if (opts.dryRun && !opts.estimate) return [];
    return [{ base: bookmarkSource(h, view, name, to, opts.from, opts.estimate === true), snap: to, clone: false }];
  }
  const from = opts.from === undefined ? null : incrementalSource(h, view, name, to, opts.from);
  const snaps: SnapshotRecord[] = [to];
  if (from && opts.intermediates) {
    for (let id = to.prev; id !== null && id !== from.id; id = view.ds(id).prev) snaps.unshift(view.ds(id) as SnapshotRecord);
  }
  return snaps.map((snap, i) => ({ base: i === 0 ? from : snaps[i - 1], snap, clone: false }));
}

/** The -i snapshot: it must be an earlier snapshot of the same filesystem or of its origins. */
function incrementalSource(h: PoolHandle, view: DslView, toName: string, to: SnapshotRecord, spec: string): SnapshotRecord {
  const fsName = toName.slice(0, toName.indexOf('@'));
  const fromName = spec.startsWith('@') ? fsName + spec : spec.includes('@') ? spec : `${fsName}@${spec}`;
  const from = h.resolve(view, fromName);
  if (!from || from.kind !== 'snapshot') {
    throw ZfsError.action(`warning: cannot send '${toName}'`, `incremental source (${fromName}) does not exist`);
  }
  for (let id: number | null = to.prev; id !== null; id = view.ds(id).prev) {
    if (id === from.ds.id) return from.ds;
  }
  throw ZfsError.action(`warning: cannot send '${toName}'`, 'not an earlier snapshot from the same fs');
}

/** A filesystem of a replication stream: its snapshots up to the one sent, oldest first. */
interface Member {
  dir: Id;
  snapshots: SnapshotRecord[];
}

function snapshotsUpTo(view: DslView, dir: Id, to: SnapshotRecord): SnapshotRecord[] {
  return view
    .snapshotIds(dir)
    .map((id) => view.ds(id) as SnapshotRecord)
    .filter((s) => s.createTxg <= to.createTxg);
}

/**
 * -R (libzfs gather_nvlist and dump_filesystems): the named filesystem and its descendants that
 * have the snapshot (one created after its parent's snapshot is left out; one older is an error),
 * parents before children and origins before their clones. Each sends every snapshot up to the
 * named one (with -i, only from -i's to it, plus the origins of clones); a filesystem without the
 * -i snapshot, and every filesystem of a full replication stream, starts with a full stream, or
 * for a clone whose origin is sent too, with one on top of its origin.
 */
function replicationPlan(
  h: PoolHandle,
  view: DslView,
  name: string,
  topDir: Id,
  top: SnapshotRecord,
  opts: SendOptions,
): { header: PackageHeader; plan: Planned[] } {
  // The CLI has checked that -i names a snapshot of the filesystem sent.
  const fromShort = opts.from === undefined ? null : incrementalSource(h, view, name, top, opts.from).name;
  const members: Member[] = [];
  const visit = (dir: Id, parentToTxg: number) => {
    const snapId = view.snapshotByName(dir, top.name);
    if (snapId === undefined) {
      if (view.head(dir).createTxg > parentToTxg) return;
      throw new ZfsError([
        `cannot send ${name} recursively: snapshot ${view.dirName(dir)}@${top.name} does not exist`,
        `warning: cannot send '${name}': backup failed`,
      ]);
    }
    const to = view.ds(snapId) as SnapshotRecord;
    members.push({ dir, snapshots: snapshotsUpTo(view, dir, to) });
    for (const child of view.childDirs(dir)) visit(child, to.createTxg);
  };
  visit(topDir, top.createTxg);

  const sentSnapshots = new Set(members.flatMap((m) => m.snapshots.map((s) => s.id)));
  const originOf = (m: Member): SnapshotRecord | null => {
    const origin = view.dir(m.dir).origin;
    return origin !== null && sentSnapshots.has(origin) ? (view.ds(origin) as SnapshotRecord) : null;
  };
  const cloneOrigins = new Set(members.flatMap((m) => originOf(m)?.id ?? []));
  const doAll = opts.intermediates === true || fromShort === null;

  const streamsOf = (m: Member): Planned[] => {
    const out: Planned[] = [];
    const hasFrom = fromShort !== null && m.snapshots.some((s) => s.name === fromShort);
    let prev: SnapshotRecord | null = null;
    let seenFrom = !hasFrom;
    for (const snap of m.snapshots) {
      if (!seenFrom) {
        if (snap.name === fromShort) {
          seenFrom = true;
          prev = snap;
        }
        continue;
      }
      const isTo = snap.name === top.name;
      if (doAll || isTo || cloneOrigins.has(snap.id)) {
        const origin = prev ? null : originOf(m);
        out.push({ base: prev ?? origin, snap, clone: origin !== null });
        prev = snap;
      }
      if (isTo) break;
    }
    return out;
  };

  // Parents first (the visit's order), and a clone only after the filesystem of its origin.
  const ordered: Member[] = [];
  const done = new Set<Id>();
  const waitsFor = (m: Member): Id[] => [view.dir(m.dir).parent, originOf(m)?.dir ?? null].filter((d): d is Id => d !== null);
  const ready = (m: Member) => waitsFor(m).every((d) => done.has(d) || !members.some((x) => x.dir === d));
  const take = (m: Member) => {
    ordered.push(m);
    done.add(m.dir);
  };
  while (ordered.length < members.length) {
    const before = ordered.length;
    for (const m of members) if (!done.has(m.dir) && ready(m)) take(m);
    // Clones that wait for each other in a circle (after promotes): take the first left.
    if (ordered.length === before) take(members.filter((m) => !done.has(m.dir))[0]);
  }
  const plan = ordered.flatMap(streamsOf);
  return { header: packageHeader(view, name, members, plan, true, fromShort), plan };
}

function packageHeader(
  view: DslView,
  toName: string,
  members: Member[],
  plan: Planned[],
  recursive: boolean,
  fromShort: string | null = null,
): PackageHeader {
  const datasets = members.map((m): PackageDataset => {
    const dir = view.dir(m.dir);
    const origin = dir.origin === null ? null : view.ds(dir.origin);
    const snapshotProps: PackageDataset['snapshotProps'] = {};
    for (const s of m.snapshots) {
      const props = { ...(s.received ?? {}), ...s.props };
      if (Object.keys(props).length > 0) snapshotProps[s.name] = props;
    }
    return {
      name: view.dirName(m.dir),
      guid: view.head(m.dir).guid,
      originGuid: origin?.guid ?? null,
      props: sentProperties(dir),
      snapshots: m.snapshots.map((s) => ({ name: s.name, guid: s.guid })),
      snapshotProps,
    };
  });
  const streams = plan.map((p) => ({ toGuid: p.snap.guid, fromGuid: p.base === null ? null : 'bookmark' in p.base ? p.base.bookmark.guid : p.base.guid }));
  return { version: PACKAGE_VERSION, kind: 'package', toName, fromName: fromShort, recursive, datasets, streams };
}

/** send_iterate_prop: what is set here, locally or received (a local value wins), less read-only ones. */
function sentProperties(dir: DirRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(dir.received ?? {}), ...dir.props })) {
    if (findProperty(k)?.attr !== 'readonly') out[k] = v;
  }
  return out;
}
