/**
 * `zfs send [-nvP] [-R] [-p] [-i SNAP | -I SNAP] SNAP`: a full or incremental stream of a
 * snapshot to a byte sink; with -R or -p a package (ZFS: compound stream) that names the datasets,
 * their properties and snapshots before their streams (docs/stream-format.md).
 */
import { damagedBlock } from '../engine/errno.js';
import { StreamWriter, PACKAGE_VERSION, type PackageDataset, type PackageHeader } from '../engine/streams/format.js';
import { sendStreamOf } from '../engine/reading.js';
import { streamCryptOf } from './crypto/streams.js';
import { keyLoaded } from '../engine/keys.js';
import { sendPackageHeader, type BookmarkRef, type SendShape, type SnapshotRef, type StreamFeature } from '../engine/streams/send.js';
import { holdsOf } from '../engine/datasets/holds.js';
import { decodeResumeToken, type ResumeState } from '../engine/streams/resume-token.js';

export { printResumeState, type ResumeState } from '../engine/streams/resume-token.js';
export type { StreamFeature } from '../engine/streams/send.js';
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
  /** -h: the snapshots' holds with the stream (a package, as -p makes) */
  holds?: boolean;
  /** -b: only received property values, whatever is set locally (a package, as -p makes) */
  backup?: boolean;
  /** -L, -c, -e, -w: how records are sent (engine/streams/send.ts SendShape) */
  features?: readonly StreamFeature[];
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
        // zfs_send_one: -p, -h and -b send the filesystem's header (send_prelim_records) first.
        if (opts.props || opts.holds || opts.backup) {
          header = packageHeader(view, name, [{ dir: to.dir, snapshots: snapshotsUpTo(view, to.dir, to.ds) }], plan, false, null, opts);
        }
      }
      const ref = (s: SnapshotRecord): SnapshotRef => {
        const type = view.dir(s.dir).type;
        return { name: view.datasetName(s), guid: s.guid, creation: s.creation, root: s.root, ...(type && { type }) };
      };
      const baseRef = (b: SnapshotRecord | FromBookmark): SnapshotRef | BookmarkRef => ('bookmark' in b ? b.bookmark : ref(b));
      const raw = opts.features?.includes('raw') === true;
      refuseEncrypted(h, view, name, plan, raw, header !== null);
      const sendOne = ({ base, snap, clone }: Planned): SendSummary => {
        const writer = new StreamWriter(opts.dryRun ? null : out);
        const crypt = raw ? streamCryptOf(view, view.dir(snap.dir)) : undefined;
        sendStreamOf(h.pool, opts.dryRun === true, base && baseRef(base), ref(snap), writer, clone, { features: opts.features, ...(crypt && { crypt }) });
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

/**
 * What OpenZFS refuses to send of encrypted datasets without -w: with properties (-p, -R, ...),
 * as send_iterate_fs words it, and any whose key is not loaded (the kernel's EACCES).
 */
function refuseEncrypted(h: PoolHandle, view: DslView, name: string, plan: readonly Planned[], raw: boolean, withProps: boolean): void {
  if (raw) return;
  for (const { snap } of plan) {
    const dir = view.dir(snap.dir);
    if (!dir.crypt) continue;
    if (withProps) {
      const fs = view.dirName(dir.id);
      throw new ZfsError([`cannot send ${fs}@${snap.name}: encrypted dataset ${fs} may not be sent with properties without the raw flag or no-preserve-encryption flag`]);
    }
    if (!keyLoaded(h.pool.t, dir.crypt)) throw ZfsError.action(`warning: cannot send '${name}'`, 'source key must be loaded');
  }
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
  return { header: packageHeader(view, name, members, plan, true, fromShort, opts), plan };
}

function packageHeader(
  view: DslView,
  toName: string,
  members: Member[],
  plan: Planned[],
  recursive: boolean,
  fromShort: string | null,
  opts: SendOptions,
): PackageHeader {
  const datasets = members.map((m): PackageDataset => {
    const dir = view.dir(m.dir);
    const origin = dir.origin === null ? null : view.ds(dir.origin);
    const snapshotProps: PackageDataset['snapshotProps'] = {};
    for (const s of m.snapshots) {
      const props = { ...(s.received ?? {}), ...s.props };
      if (Object.keys(props).length > 0) snapshotProps[s.name] = props;
    }
    // -h: each snapshot's holds (gather_nvlist's snapholds), by short name.
    const holds: Record<string, string[]> = {};
    if (opts.holds) {
      for (const s of m.snapshots) {
        const tags = holdsOf(view, s.id).map((x) => x.tag);
        if (tags.length > 0) holds[s.name] = tags;
      }
    }
    // Properties go with -R, -p and -b; -h alone sends none.
    const withProps = recursive || opts.props === true || opts.backup === true;
    return {
      name: view.dirName(m.dir),
      guid: view.head(m.dir).guid,
      originGuid: origin?.guid ?? null,
      props: withProps ? sentProperties(dir, opts.backup === true) : null,
      snapshots: m.snapshots.map((s) => ({ name: s.name, guid: s.guid })),
      snapshotProps,
      ...(opts.holds ? { holds } : {}),
    };
  });
  const streams = plan.map((p) => ({ toGuid: p.snap.guid, fromGuid: p.base === null ? null : 'bookmark' in p.base ? p.base.bookmark.guid : p.base.guid }));
  return { version: PACKAGE_VERSION, kind: 'package', toName, fromName: fromShort, recursive, datasets, streams };
}

/** send_iterate_prop: what is set here, locally or received (a local value wins), less read-only
 *  ones; with -b (backup) only what was received, whatever is set locally. */
function sentProperties(dir: DirRecord, backup: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(backup ? { ...(dir.received ?? {}) } : { ...(dir.received ?? {}), ...dir.props })) {
    // `version` lives in the file system itself (ZPL master node), not among its dsl properties.
    if (findProperty(k)?.attr !== 'readonly' && k !== 'version') out[k] = v;
  }
  return out;
}

/** A receive_resume_token's contents, or `cannot resume send: <why>` (zfs_send_resume). */
export function parseResumeToken(token: string): ResumeState {
  const state = decodeResumeToken(token);
  if (typeof state === 'string') throw ZfsError.action('cannot resume send', state);
  return state;
}

export interface ResumeOptions {
  /** -L, -c, -e, -w given with -t (those the token names are added) */
  features: readonly StreamFeature[];
  dryRun: boolean;
  /** -v or -P */
  estimate: boolean;
}

/**
 * `send -t`: the stream of the token's snapshot (from its incremental source) after the records the
 * partial receive kept (zfs_send_resume_impl_cb_impl, with its refusals).
 */
export function sendResume(home: Home, state: ResumeState, opts: ResumeOptions, out: (chunk: Buffer) => void): SendSummary[] {
  const action = 'cannot resume send';
  const isCount = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  const guid = (g: unknown) => typeof g === 'string' && /^[0-9]{1,20}$/.test(g);
  if (typeof state.toname !== 'string' || !state.toname.includes('@') || !guid(state.toguid) || ![state.object, state.offset, state.bytes, state.records].every(isCount)) {
    throw ZfsError.action(action, 'resume token is corrupt');
  }
  if (state.fromguid !== undefined && !guid(state.fromguid)) throw ZfsError.action(action, 'resume token is corrupt');
  const toname = state.toname;
  const gone = () => ZfsError.action(action, `'${toname}' used in the initial send no longer exists`);
  if (checkDatasetName(toname, ['snapshot'], false)) throw gone();
  return withPoolOf(
    home,
    toname,
    (h) => {
      const view = h.view();
      const fsName = toname.slice(0, toname.indexOf('@'));
      const fsDir = h.findDir(view, fsName);
      // guid_to_name: the snapshot with the token's guid, whatever its name is now.
      const to = fsDir === undefined ? undefined : view.snapshotIds(fsDir).map((id) => view.ds(id) as SnapshotRecord).find((s) => s.guid === state.toguid);
      if (!to) {
        const named = h.resolve(view, toname);
        throw named ? ZfsError.action(action, `'${toname}' is no longer the same snapshot used in the initial send`) : gone();
      }
      let from: SnapshotRef | BookmarkRef | null = null;
      if (state.fromguid !== undefined) {
        from = resumeSource(h, view, to, state.fromguid);
        if (!from) throw ZfsError.action(action, `incremental source 0x${BigInt(state.fromguid).toString(16)} no longer exists`);
      }
      const features = new Set<StreamFeature>(opts.features);
      if (state.largeblockok) features.add('largeblocks');
      if (state.compressok) features.add('compressed');
      if (state.embedok) features.add('embedded');
      if (state.rawok) features.add('raw');
      const type = view.dir(to.dir).type;
      const toRef: SnapshotRef = { name: view.datasetName(to), guid: to.guid, creation: to.creation, root: to.root, ...(type && { type }) };
      const shape: SendShape = {
        features: (['largeblocks', 'compressed', 'embedded', 'raw'] as const).filter((f) => features.has(f)),
        resume: { records: state.records, object: state.object, offset: state.offset, bytes: state.bytes },
      };
      const writer = new StreamWriter(opts.dryRun ? null : out);
      try {
        h.pool.readingData(() => sendStreamOf(h.pool, opts.dryRun, from, toRef, writer, false, shape));
      } catch (err) {
        if (damagedBlock(err)) throw engineFailure(`warning: cannot send '${toRef.name}'`, err);
        throw err;
      }
      const fromName = from ? from.name : null;
      return [{ kind: fromName ? 'incremental' : 'full', from: fromName, to: toRef.name, bytes: writer.bytes }];
    },
    () => {
      throw gone();
    },
  );
}

/** guid_to_name_redact_snaps for the incremental source: an earlier snapshot of the same
 *  filesystem (or of its origins) or one of its bookmarks with that guid. */
function resumeSource(h: PoolHandle, view: DslView, to: SnapshotRecord, guid: string): SnapshotRef | BookmarkRef | null {
  for (let id: number | null = to.prev; id !== null; id = view.ds(id).prev) {
    const s = view.ds(id) as SnapshotRecord;
    if (s.guid === guid) return { name: view.datasetName(s), guid: s.guid, creation: s.creation, root: s.root };
  }
  const book = (view.dir(to.dir).bookmarks ?? []).find((b) => b.guid === guid);
  return book ? { name: `${view.dirName(to.dir)}#${book.name}`, guid: book.guid, txg: book.createTxg } : null;
}
