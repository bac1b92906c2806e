/**
 * `zfs receive [-Fnuv] [-d | -e] TARGET`: applies a stream, the series `send -I` writes, or a
 * package (`send -R`/`-p`), all in one LMDB transaction: each snapshot in its own txg, as in
 * OpenZFS, but the command commits all or nothing. Everything is checked before the commit (the
 * magic, every record, each stream's SHA-256, that a package's streams are those it lists), so a
 * truncated, corrupted or foreign stream leaves the target exactly as it was.
 */
import { destroySnapshot } from '../engine/datasets/destroy.js';
import { emptyHead, rollbackHead } from '../engine/datasets/rollback.js';
import { createClone, createSnapshot } from '../engine/datasets/snapshot.js';
import type { DslView } from '../engine/datasets/view.js';
import { badStream, EngineError, isErrno } from '../engine/errno.js';
import { stageInput, type ByteSource } from '../engine/pool/staging.js';
import type { ObjectWriter } from '../engine/files/object-writer.js';
import {
  BOOKMARK_STREAM_VERSION,
  PACKAGE_VERSION,
  FAILED_TO_READ,
  RESUMABLE_VERSION,
  RecordType,
  STREAM_VERSION,
  StreamReader,
  type BeginHeader,
  type PackageDataset,
  type PackageHeader,
  type StreamRecord,
  type ObjectHeader,
} from '../engine/streams/format.js';
import { OLD_MAX_BLOCK_SIZE } from '../engine/streams/send.js';
import { checkBegin, StreamChecker } from '../engine/streams/validate.js';
import type { HeadRecord, Id, SnapshotRecord } from '../engine/model.js';
import { filesystemsOf, leaveNewUnmounted } from './datasets/mounts.js';
import { engineFailure, ZfsError, datasetError } from './errors.js';
import type { Home } from './home.js';
import { checkDatasetName, isUserPropName } from './names.js';
import type { Change, PoolHandle } from './pool-handle.js';
import { DatasetProps } from './properties/values.js';
import { findProperty } from './properties/table.js';
import { checkUserValues, PropertyError, validateAssignment } from './properties/assign.js';
import { assignProperties } from './datasets/set.js';
import { scratchDirOf, withPoolOf } from './session.js';
import { isFeatureEnabled } from './pool-features.js';
import { ensureParent, newFilesystem } from './datasets/create.js';
import { cryptFromStream } from './crypto/streams.js';
import { inheritParentCrypt } from './crypto/create.js';
import { inheritedCrypt, masterKeyOf } from '../engine/keys.js';
import { dependents, execute, type Step } from './datasets/destroy.js';
import { newObjset, nextTxg, openObjects, walkTree, writeSettings } from '../engine/sync-task.js';
import { addHold, hasHold } from '../engine/datasets/holds.js';
import { nowSeconds } from '../engine/pool/clock.js';
import { advance, dropPartial, joinedRecords, newProgress, partialOf, resumes, resumeTokenOf, savePartial, type Progress } from './resumable.js';

export interface ReceiveOptions {
  force: boolean;
  dryRun: boolean;
  /** -d keeps the sent name less its pool; -e keeps its last component */
  naming: 'target' | 'd' | 'e';
  /** -u: a file system the receive creates is left unmounted (lib/datasets/mounts.ts) */
  noMount?: boolean;
  /** -o: set locally on the top dataset received, as `zfs set` just before it; below it (a
   *  replication stream) the received values give way to the inherited one */
  set?: ReadonlyArray<readonly [string, string]>;
  /** -x: the value received for these, if any, does not count */
  exclude?: readonly string[];
  /** the warnings zfs_setup_cmdline_props prints on standard error and goes on */
  warn?: (line: string) => void;
  /** -s: a stream cut short keeps what came (lib/resumable.ts) */
  resumable?: boolean;
  /** -h: the holds a package carries (send -h) are not placed */
  skipHolds?: boolean;
}

/** What `receive -v` prints, as it happens. */
export type ReceiveEvent =
  | { kind: 'receiving'; stream: 'full' | 'incremental'; sent: string; into: string }
  | { kind: 'received'; bytes: number; seconds: number }
  | { kind: 'exists'; into: string };

/** One stream of the input: its reader, positioned after BEGIN, and where it goes. */
interface Incoming {
  reader: StreamReader;
  begin: BeginHeader;
  into: string;
  action: string;
  /** the package's entry for the filesystem sent, when the stream is part of one */
  dataset: PackageDataset | null;
  /** where in the input the stream began (for -v's byte counts) */
  start: number;
  /** how far its records have been read (what receive -s keeps) */
  progress: Progress;
}

export function receive(
  home: Home,
  target: string,
  opts: ReceiveOptions,
  src: ByteSource,
  history: string,
  report: (e: ReceiveEvent) => void = () => {},
): void {
  checkCommandLineProps(opts);
  // The whole stream is read before the pool's write lock is taken: its sender may be a command
  // on this very pool (`send | receive`), which needs that lock to register as a reader.
  // -s: the input is staged (a regular file too), so that what came of a stream cut short can be
  // read again and kept.
  const staged = stageInput(opts.resumable ? { read: (b, o, l) => src.read(b, o, l) } : src, scratchDirOf(home, target));
  // -v's lines wait until the lock is given back: a slow reader of them must not hold up the pool.
  const events: ReceiveEvent[] = [];
  try {
    receiveStaged(home, target, opts, staged, history, (e) => events.push(e), () => staged.rewind?.());
  } finally {
    staged.close();
    events.forEach(report);
  }
}

function receiveStaged(
  home: Home,
  target: string,
  opts: ReceiveOptions,
  src: ByteSource,
  history: string,
  report: (e: ReceiveEvent) => void,
  rewind: () => void,
): void {
  const input = new PeekableSource(src);
  const first = readBegin(input);
  const pkg = first.header.kind === 'package' ? openPackage(first.reader, first.header, target) : null;
  const sendFs = fsOf(first.header.toName);
  const topInto = destination(target, sendFs, first.header.toName, opts.naming);
  const topFs = fsOf(topInto);
  // A name no dataset can have (an empty TARGET: `@snap`) is said as such, not looked for.
  const badName = checkDatasetName(topInto, ['snapshot'], true);
  if (badName) throw ZfsError.action('cannot receive', badName);
  const topType = first.header.kind !== 'package' && first.header.type === 'volume' ? 'volume' : 'filesystem';
  const overrides = overrideValues(opts, topType, pkg?.recursive === true);
  // Every stream after the first is read where it is received (the input is a pipe).
  const streams = function* (): Generator<Incoming> {
    if (pkg) {
      for (const expected of pkg.streams) {
        const s = incoming(input.bytes, readBegin(input), pkg, sendFs, target, opts);
        if (s.begin.toGuid !== expected.toGuid || s.begin.fromGuid !== expected.fromGuid) throw ZfsError.action('cannot receive', 'invalid backup stream');
        yield s;
      }
      // Nothing follows the streams a package lists.
      if (!input.atEnd()) throw ZfsError.action('cannot receive', 'invalid backup stream');
    } else {
      yield incoming(0, first, null, sendFs, target, opts);
      while (!input.atEnd()) yield incoming(input.bytes, readBegin(input), null, sendFs, target, opts);
    }
  };
  withPoolOf(
    home,
    topFs,
    (h) => {
      const each = (fn: (s: Incoming) => void) => {
        for (const s of streams()) {
          const started = process.hrtime.bigint();
          fn(s);
          if (!opts.dryRun) report({ kind: 'received', bytes: input.bytes - s.start, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
        }
      };
      if (opts.dryRun) {
        each((s) => {
          report({ kind: 'receiving', stream: s.begin.kind, sent: s.begin.toName, into: s.into });
          drain(s.reader, s.action);
        });
        return;
      }
      let current: Incoming | null = null;
      const changed = () => h.change(history, (c) => {
        const existing = opts.noMount ? filesystemsOf(c.dsl, h.rootDir()) : null;
        if (pkg?.recursive && pkg.fromName !== null && opts.force) prune(h, c, topFs, pkg);
        let firstStream = true;
        each((s) => {
          // A snapshot per txg: blocks written after one are born after it.
          if (!firstStream) nextTxg(c);
          firstStream = false;
          current = s;
          receiveOne(h, c, s, opts, report);
          applyCommandLineProps(c, h.findDir(c.dsl, fsOf(s.into)) as Id, fsOf(s.into) === topFs, overrides, opts, action(s));
        });
        if (existing) leaveNewUnmounted(c, h.rootDir(), existing);
      });
      try {
        changed();
      } catch (err) {
        const cut = current as Incoming | null;
        // receive -s of one stream cut short (not a package's, nor one after the first of a series).
        if (!opts.resumable || !cut?.progress.truncated || pkg || cut.start !== 0) throw err;
        rewind();
        throw keepPartial(h, cut, src, history, opts.naming === 'd');
      }
    },
    () => {
      throw datasetError(`cannot open '${topFs}'`, 'ENOENT');
    },
  );
}

/**
 * Keep what came of a stream cut short (unless it resumed one: the partial receive stays as it
 * was) and say how to resume it (recv_ecksum_set_aux).
 */
function keepPartial(h: PoolHandle, s: Incoming, src: ByteSource, history: string, parents: boolean): ZfsError {
  const fsName = fsOf(s.into);
  // A resumed stream cut short again: the partial receive stays as it was, nothing is written.
  const known = h.findDir(h.view(), fsName);
  const kept = known === undefined ? null : resumeTokenOf(h.view(), known);
  const token = kept ?? h.change(history, (c) => {
    let dir = h.findDir(c.dsl, fsName);
    const found = dir === undefined ? undefined : partialOf(c.dsl, dir);
    if (found) return resumeTokenOf(c.dsl, dir as Id) as string;
    const created = dir === undefined;
    if (dir === undefined) {
      const parent = ensureParent(h, c, fsName, parents, `cannot open '${fsName}'`);
      dir = newFilesystem(c, parent, fsName.slice(fsName.lastIndexOf('/') + 1), {});
      inheritParentCrypt(c, dir, `cannot open '${fsName}'`);
    }
    return savePartial(c, dir, created, s.begin, s.progress, src);
  });
  return ZfsError.action(
    s.action,
    `checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\nA resuming stream can be generated on the sending system by running:\n    zfs send -t ${token}`,
  );
}

const fsOf = (name: string) => name.slice(0, name.indexOf('@'));
const action = (s: Incoming) => s.action;

/** zfs_receive_checkprops' words, which libzfs prefixes with its action twice. */
const badCommandLineProp = (name: string) => ZfsError.action('cannot receive', `cannot receive: invalid property '${name}'`);

/**
 * zfs_receive_checkprops: -o and -x name user properties or properties that can be set (not
 * read-only ones, `version` or `volsize`). `origin` (receiving a full stream as a clone) is not
 * supported by tszfs.
 */
function checkCommandLineProps(opts: ReceiveOptions): void {
  for (const name of [...(opts.set ?? []).map(([n]) => n), ...(opts.exclude ?? [])]) {
    const def = findProperty(name);
    if (!def) {
      if (!isUserPropName(name)) throw badCommandLineProp(name);
      continue;
    }
    if (def.name === 'origin') throw ZfsError.action('cannot receive', "'-o origin' is not supported by tszfs");
    if (['encryption', 'keyformat', 'keylocation', 'pbkdf2iters'].includes(def.name)) continue;
    if (def.attr === 'readonly' || def.name === 'version' || def.name === 'volsize') throw badCommandLineProp(name);
  }
}

/**
 * zfs_setup_cmdline_props for the top dataset: the -o values as `zfs set` would take them
 * (`cannot receive: ...` otherwise). One that does not apply to the dataset's type fails, unless
 * the stream is a replication stream, where it is left out.
 */
function overrideValues(opts: ReceiveOptions, type: 'filesystem' | 'volume', recursive: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const [name, value] of opts.set ?? []) {
      const def = findProperty(name);
      if (def && !def.types.includes(type)) {
        if (recursive) continue;
        throw ZfsError.action('cannot receive', `property '${name}' does not apply to datasets of this type`);
      }
      const v = validateAssignment(name, value, type, true);
      out[v.name] = v.value;
    }
    checkUserValues(out);
  } catch (err) {
    if (err instanceof PropertyError) throw ZfsError.action('cannot receive', err.message);
    throw err;
  }
  return out;
}

/**
 * -o and -x on one received dataset (zfs_setup_cmdline_props, then the kernel's receive): the top
 * one takes the -o values as local settings; below it, they are inherited, so what was received
 * for them there gives way, as for -x, whose received value goes unless a local setting hides it.
 */
function applyCommandLineProps(c: Change, dir: Id, top: boolean, overrides: Record<string, string>, opts: ReceiveOptions, act: string): void {
  const record = c.dsl.dir(dir);
  const type = record.type ?? 'filesystem';
  const name = c.dsl.dirName(dir);
  for (const prop of opts.exclude ?? []) {
    const def = findProperty(prop);
    const canonical = def?.name ?? prop;
    if (def && !def.types.includes(type)) {
      opts.warn?.(`Warning: ${name}: property '${prop}' does not apply to datasets of this type`);
      continue;
    }
    if (record.props[canonical] !== undefined) continue;
    if (record.received) delete record.received[canonical];
  }
  if (top) {
    assignProperties(c, dir, overrides, () => datasetError(act, 'ENOSPC'));
    return;
  }
  for (const prop of Object.keys(overrides)) {
    delete record.props[prop];
    if (record.received) delete record.received[prop];
  }
}

function readBegin(input: PeekableSource): { reader: StreamReader; header: BeginHeader | PackageHeader } {
  try {
    const reader = new StreamReader((buf, offset, length) => input.read(buf, offset, length));
    const first = reader.next();
    if (!first || first.type !== RecordType.Begin) throw badStream();
    const { header } = first;
    checkBegin(header);
    const known = header.kind === 'package' ? [PACKAGE_VERSION] : [STREAM_VERSION, BOOKMARK_STREAM_VERSION, RESUMABLE_VERSION];
    if (!known.includes(header.version)) throw badStream();
    return { reader, header };
  } catch (err) {
    throw engineFailure('cannot receive', err);
  }
}

/** A package's BEGIN is followed at once by its END, which checks it. */
function openPackage(reader: StreamReader, header: PackageHeader, target: string): PackageHeader {
  try {
    const end = reader.next();
    if (!end || end.type !== RecordType.End || reader.next() !== null) throw badStream();
  } catch (err) {
    throw engineFailure('cannot receive', err);
  }
  if (header.recursive && target.includes('@')) {
    throw ZfsError.action('cannot receive', 'cannot specify snapshot name for multi-snapshot stream');
  }
  return header;
}

function incoming(
  start: number,
  opened: { reader: StreamReader; header: BeginHeader | PackageHeader },
  pkg: PackageHeader | null,
  sendFs: string,
  target: string,
  opts: ReceiveOptions,
): Incoming {
  const begin = opened.header;
  if (begin.kind === 'package') throw ZfsError.action('cannot receive', 'invalid backup stream');
  // A package's streams are those of the snapshots it lists.
  const dataset = pkg?.datasets.find((d) => d.snapshots.some((s) => s.guid === begin.toGuid)) ?? null;
  // ... and of the filesystem it was sent from or its descendants (libzfs asserts as much).
  const within = sendFs !== '' && begin.toName.startsWith(sendFs) && ['/', '@'].includes(begin.toName.charAt(sendFs.length));
  if (pkg && (!dataset || !within)) throw ZfsError.action('cannot receive', 'invalid backup stream');
  const into = destination(target, pkg ? sendFs : fsOf(begin.toName), begin.toName, opts.naming);
  const bad = checkDatasetName(into, ['snapshot'], true);
  if (bad) throw ZfsError.action('cannot receive', bad);
  const action = `cannot receive ${begin.kind === 'full' || begin.clone ? 'new filesystem' : 'incremental'} stream`;
  return { reader: opened.reader, begin, into, action, dataset, start, progress: newProgress(start) };
}

/**
 * zfs_receive_one's naming of `toName`, sent from filesystem `sendFs`: a snapshot target is
 * used as is; a filesystem target takes what follows `sendFs`; -d what follows the pool's name;
 * -e what follows `sendFs`'s parent.
 */
function destination(target: string, sendFs: string, toName: string, naming: ReceiveOptions['naming']): string {
  const at = toName.indexOf('@');
  if (naming === 'd') {
    const slash = toName.indexOf('/');
    return target + toName.slice(slash >= 0 && slash < at ? slash : at);
  }
  if (naming === 'e') {
    const slash = sendFs.lastIndexOf('/');
    return target + (slash < 0 ? '/' + toName : toName.slice(slash));
  }
  return target.includes('@') ? target : target + toName.slice(sendFs.length);
}

function receiveOne(h: PoolHandle, c: Change, s: Incoming, opts: ReceiveOptions, report: (e: ReceiveEvent) => void): void {
  const { begin, into, action } = s;
  const fsName = fsOf(into);
  const snapName = into.slice(into.indexOf('@') + 1);
  // A snapshot the destination already has (same name, same guid) is skipped, as zfs_receive_one
  // does when the kernel says it exists.
  const existing = h.findDir(c.dsl, fsName);
  const same = existing === undefined ? undefined : c.dsl.snapshotByName(existing, snapName);
  if (begin.kind === 'incremental' && same !== undefined && c.dsl.ds(same).guid === begin.toGuid) {
    report({ kind: 'exists', into });
    drain(s.reader, action);
    return;
  }
  // A partial receive (-s) blocks every other receive into the filesystem; a resuming stream
  // completes it: the records kept, then the ones that follow.
  let records: RecordSource = s.reader;
  let resumingNew = false;
  const partial = existing === undefined ? undefined : partialOf(c.dsl, existing);
  if (begin.resume) {
    if (existing === undefined) {
      drain(s.reader, action);
      throw ZfsError.action('cannot receive resume stream', `destination '${fsName}' does not exist`);
    }
    if (!partial || !resumes(partial.partial, begin)) {
      drain(s.reader, action);
      throw ZfsError.action(action, 'invalid backup stream');
    }
    records = joinedRecords(h, c, partial.dir, partial.partial, s.reader);
    resumingNew = partial.partial.created;
    execute(c, dependents(c.dsl, partial.dir, false, []), false);
  } else if (partial) {
    drain(s.reader, action);
    throw ZfsError.action(action, `destination ${fsName} contains partially-complete state from "zfs receive -s".`);
  }
  let headId: Id;
  try {
    headId =
      begin.kind === 'full'
        ? prepareFull(h, c, fsName, begin, opts, action, resumingNew)
        : begin.clone
          ? prepareClone(h, c, fsName, begin, opts, action)
          : prepareIncremental(h, c, fsName, begin, opts, action, snapName);
  } catch (err) {
    // BEGIN is acted on before the END's hash is read: if the stream is damaged, say that instead.
    if (err instanceof ZfsError) drain(s.reader, action);
    throw err;
  }
  const dir = c.dsl.ds(headId).dir;
  // A volume's stream makes a volume (its data object replaces the new root directory).
  if (begin.kind === 'full' && begin.type) c.dsl.dir(dir).type = begin.type;
  report({ kind: 'receiving', stream: begin.kind, sent: begin.toName, into });
  // Received properties replace those received before; local settings still override them.
  if (s.dataset?.props) c.dsl.dir(dir).received = receivable(s.dataset.props);
  const raw = receiveCrypt(h, c, dir, begin, action, s);
  // Received blocks carry the destination's checksum and compression, as written ones do.
  const props = new DatasetProps(c.dsl, c.tx.meta, c.dsl.ds(headId));
  let settings = writeSettings(props.get('checksum')?.value, props.get('compression')?.value, props.get('special_small_blocks')?.value);
  const checker = new StreamChecker(begin.kind === 'full', c.dsl.dir(dir).type === 'volume');
  if (raw === null && c.dsl.dir(dir).crypt) {
    // A stream in clear into an encrypted dataset is encrypted as written: its key must be loaded.
    try {
      settings = { ...settings, crypt: masterKeyOf(c, c.dsl.dir(dir)) };
    } catch {
      drain(s.reader, action);
      throw ZfsError.action(action, 'inherited key must be loaded');
    }
  }
  try {
    apply(records, openObjects(c, headId, settings), checker, action, s, {
      stream: begin.features?.includes('largeblocks') === true,
      pool: isFeatureEnabled(c.tx.meta, 'large_blocks'),
    }, raw);
  } catch (err) {
    throw spaceFailure(err, action, fsName);
  }
  const snap = createSnapshot(c.dsl, headId, snapName, {});
  // A received snapshot keeps its identity: incremental streams find their base by guid.
  snap.guid = begin.toGuid;
  snap.creation = begin.toCreation;
  const sentSnap = begin.toName.slice(begin.toName.indexOf('@') + 1);
  const snapProps = s.dataset?.snapshotProps[sentSnap];
  if (snapProps) snap.received = receivable(snapProps);
  // send -h: the holds the snapshot has on the sender, unless receive -h (zfs_receive_impl's lzc_hold).
  const holds = s.dataset?.holds?.[sentSnap];
  if (holds && !opts.skipHolds) {
    if (!Array.isArray(holds) || !holds.every((t) => typeof t === 'string' && t !== '' && Buffer.byteLength(t) <= 256)) throw ZfsError.action(action, 'invalid backup stream');
    const now = nowSeconds();
    for (const tag of holds) if (!hasHold(c.dsl, snap.id, tag)) addHold(c.dsl, snap.id, tag, now);
  }
}

/**
 * What a stream makes of the destination's encryption (dmu_recv_begin_check, dsl_crypto_recv_raw):
 * a raw stream's new filesystem becomes an encryption root of the sender's key, not loaded; into
 * an existing one, its key must be the stream's. A stream in clear makes a new filesystem under an
 * encrypted parent encrypted as the parent (zfs create's inheritance). Returns the master key
 * guid raw records must name, or null for a stream in clear.
 */
function receiveCrypt(h: PoolHandle, c: Change, dir: Id, begin: BeginHeader, action: string, s: Incoming): { guid: string } | null {
  const d = c.dsl.dir(dir);
  const fresh = begin.kind === 'full' && c.dsl.snapshotIds(dir).length === 0;
  if (begin.crypt) {
    if (fresh && !begin.clone) {
      d.crypt = cryptFromStream(begin.crypt, dir);
      // send -R -w: a child of the sender's encryption root received under that root's copy
      // joins it (recv_fix_encryption_hierarchy), its key wrapped by the same wrapping key.
      const parent = s.dataset && d.parent !== null ? c.dsl.dir(d.parent).crypt : undefined;
      const params = parent && c.dsl.dir(parent.root).crypt?.params;
      const sc = begin.crypt;
      if (parent && params && params.salt === sc.salt && params.keyformat === sc.keyformat && params.iters === sc.iters) {
        d.crypt = { suite: d.crypt.suite, root: parent.root, key: d.crypt.key };
      } else d.props.keylocation = 'prompt';
      // Its key is not loaded: it cannot be mounted (zfs_mount_at).
      if (d.type !== 'volume') d.mounted = false;
      const head = c.dsl.ds(d.head) as HeadRecord;
      head.features = [...new Set([...(head.features ?? []), 'encryption'])];
    } else if (d.crypt?.key.guid !== begin.crypt.key.guid) {
      drain(s.reader, action);
      throw ZfsError.action(action, 'encryption key does not match existing key');
    }
    return { guid: begin.crypt.key.guid };
  }
  if (fresh && !d.crypt && d.parent !== null) {
    const parent = c.dsl.dir(d.parent).crypt;
    if (parent) {
      try {
        d.crypt = inheritedCrypt(c, parent, null);
      } catch {
        drain(s.reader, action);
        throw ZfsError.action(action, 'inherited key must be loaded');
      }
      const head = c.dsl.ds(d.head) as HeadRecord;
      head.features = [...new Set([...(head.features ?? []), 'encryption'])];
    }
  }
  return null;
}

/**
 * `zfs receive -A FS`: drop the partial state a receive -s kept (zfs_do_receive destroys
 * `FS/%recv`, or FS itself when the receive made it).
 */
export function abortReceive(home: Home, fsName: string, history: string): void {
  const bad = checkDatasetName(fsName, ['filesystem'], false);
  if (bad) throw new ZfsError([`cannot open '${fsName}': ${bad}`], 2);
  withPoolOf(
    home,
    fsName,
    (h) =>
      h.change(history, (c) => {
        const dir = h.findDir(c.dsl, fsName);
        if (dir === undefined) throw new ZfsError([`cannot open '${fsName}': dataset does not exist`], 2);
        const found = partialOf(c.dsl, dir);
        if (!found) throw new ZfsError([`'${fsName}' does not have any resumable receive state to abort`]);
        dropPartial(c, dir, found);
      }),
    () => {
      throw new ZfsError([`cannot open '${fsName}': dataset does not exist`], 2);
    },
  );
}

/** Properties this tszfs knows and may set (a newer sender may know more). */
function receivable(props: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    const def = findProperty(k);
    if (def ? def.attr !== 'readonly' : isUserPropName(k)) out[def?.name ?? k] = v;
  }
  return out;
}

function snapshotByGuid(view: DslView, dir: Id, guid: string): SnapshotRecord | undefined {
  return view
    .snapshotIds(dir)
    .map((id) => view.ds(id) as SnapshotRecord)
    .find((s) => s.guid === guid);
}

/** A byte source that counts what it gave and can tell whether another stream follows. */
class PeekableSource {
  private peeked: number | null = null;
  private readonly one = Buffer.alloc(1);
  bytes = 0;

  constructor(private readonly src: ByteSource) {}

  read(buf: Buffer, offset: number, length: number): number {
    if (this.peeked === null) {
      const n = this.src.read(buf, offset, length);
      this.bytes += n;
      return n;
    }
    buf[offset] = this.peeked;
    this.peeked = null;
    this.bytes++;
    return 1;
  }

  atEnd(): boolean {
    if (this.peeked !== null) return false;
    if (this.src.read(this.one, 0, 1) === 0) return true;
    this.peeked = this.one[0];
    return false;
  }
}

/** A full stream creates the filesystem, or with -F empties one that has no snapshots and
 *  receives into it: the filesystem keeps its properties and children, as OpenZFS's receive
 *  into a temporary dataset whose contents it swaps in. */
function prepareFull(h: PoolHandle, c: Change, fsName: string, begin: BeginHeader, opts: ReceiveOptions, action: string, resumingNew = false): Id {
  // A resumed full stream goes into the filesystem its partial receive made, -F or not.
  const existing = overwritable(h, c, fsName, begin, resumingNew ? { ...opts, force: true } : opts, action);
  if (existing !== undefined) {
    const headId = c.dsl.dir(existing).head;
    emptyHead(c.dsl, headId, walkTree(c), newObjset(c));
    if (begin.type === undefined) delete c.dsl.dir(existing).type;
    return headId;
  }
  const parent = ensureParent(h, c, fsName, opts.naming === 'd', `cannot open '${fsName}'`);
  const dir = newFilesystem(c, parent, fsName.slice(fsName.lastIndexOf('/') + 1), {});
  return c.dsl.dir(dir).head;
}

/** A clone's first stream applies on top of its origin, which an earlier stream brought. */
function prepareClone(h: PoolHandle, c: Change, fsName: string, begin: BeginHeader, opts: ReceiveOptions, action: string): Id {
  const origin = findSnapshotByGuid(h, c.dsl, begin.fromGuid, fsName);
  if (!origin) throw ZfsError.action(action, `local origin for clone ${fsName}@${begin.toName.split('@')[1]} does not exist`);
  // The kernel receives no clone into an existing filesystem (dmu_recv_begin_check: EINVAL).
  if (overwritable(h, c, fsName, begin, opts, action) !== undefined) throw ZfsError.action(action, 'invalid backup stream');
  const parent = ensureParent(h, c, fsName, opts.naming === 'd', `cannot open '${fsName}'`);
  return createClone(c.dsl, origin.id, parent, fsName.slice(fsName.lastIndexOf('/') + 1), {}).id;
}

/**
 * zfs_receive_one's checks before a stream that makes a new filesystem is received over an
 * existing one: -F given, no snapshots, not a clone, and for a volume neither the pool's root
 * dataset nor a filesystem with children. Returns the existing dir, if any.
 */
function overwritable(h: PoolHandle, c: Change, fsName: string, begin: BeginHeader, opts: ReceiveOptions, action: string): Id | undefined {
  const existing = h.findDir(c.dsl, fsName);
  if (existing === undefined) return undefined;
  if (!opts.force) throw ZfsError.action(action, `destination '${fsName}' exists\nmust specify -F to overwrite it`);
  const snaps = c.dsl.snapshotIds(existing);
  if (snaps.length > 0) {
    const first = c.dsl.datasetName(c.dsl.ds(snaps[0]));
    throw ZfsError.action(action, `destination has snapshots (eg. ${first})\nmust destroy them to overwrite it`);
  }
  if (begin.type === 'volume') {
    if (!fsName.includes('/')) throw ZfsError.action(action, `destination ${fsName} is the root dataset\ncannot overwrite with a ZVOL`);
    const children = c.dsl.childDirs(existing);
    if (children.length > 0) {
      const first = c.dsl.datasetName(c.dsl.head(children[0]));
      throw ZfsError.action(action, `destination has children (eg. ${first})\ncannot overwrite with a ZVOL`);
    }
  }
  if (c.dsl.dir(existing).origin !== null) throw ZfsError.action(action, `destination '${fsName}' is a clone\nmust destroy it to overwrite it`);
  return existing;
}

/** guid_to_name: the snapshot with `guid` nearest to `fsName`, searching the subtree of its parent,
 *  then of each ancestor in turn (a pool may hold the sent tree and its copy). */
function findSnapshotByGuid(h: PoolHandle, view: DslView, guid: string | null, fsName: string): SnapshotRecord | undefined {
  const walk = (dir: Id, skip: Id | null): SnapshotRecord | undefined => {
    const here = snapshotByGuid(view, dir, guid ?? '');
    if (here) return here;
    for (const child of view.childDirs(dir)) {
      const found = child === skip ? undefined : walk(child, null);
      if (found) return found;
    }
    return undefined;
  };
  const parts = fsName.split('/');
  let searched: Id | null = null;
  for (let n = parts.length - 1; n >= 1; n--) {
    const dir = h.findDir(view, parts.slice(0, n).join('/'));
    if (dir === undefined) continue;
    const found = walk(dir, searched);
    if (found) return found;
    searched = dir;
  }
  return undefined;
}

/**
 * An incremental stream applies on top of the snapshot it was made from (recv_begin_check_existing_impl).
 * Without -F the destination must be unchanged since that snapshot; snapshots taken after it,
 * with nothing changed, stay, and the new snapshot follows them. With -F the snapshots after it
 * are destroyed and the destination rolled back to it.
 */
function prepareIncremental(h: PoolHandle, c: Change, fsName: string, begin: BeginHeader, opts: ReceiveOptions, action: string, snapName: string): Id {
  const dir = h.findDir(c.dsl, fsName);
  if (dir === undefined) throw ZfsError.action(action, `destination '${fsName}' does not exist`);
  // The new snapshot's name is checked first, -F or not: -F does not destroy a snapshot to free it.
  if (c.dsl.snapshotByName(dir, snapName) !== undefined) throw ZfsError.action(`cannot restore to ${fsName}@${snapName}`, 'destination already exists');
  const head = c.dsl.head(dir) as HeadRecord;
  const base = snapshotByGuid(c.dsl, dir, begin.fromGuid ?? '');
  if (!base) throw ZfsError.action(action, `most recent snapshot of ${fsName} does not\nmatch incremental source`);
  // dsl_dataset_modified_since_snap: the head's tree is no longer the one the snapshot took.
  const modified = head.root.id !== base.root.id;
  if (opts.force) {
    const later = c.dsl.snapshotIds(dir).filter((id) => c.dsl.ds(id).createTxg > base.createTxg);
    for (const id of later.reverse()) destroyForReceive(c, id);
    if (modified) rollbackHead(c.dsl, head.id, walkTree(c));
  } else if (modified) {
    throw ZfsError.action(action, `destination ${fsName} has been modified\nsince most recent snapshot`);
  }
  return head.id;
}

/** A snapshot -F removes; a held or cloned one stops the receive. */
function destroyForReceive(c: Change, id: Id): void {
  const snap = c.dsl.ds(id) as SnapshotRecord;
  if (snap.userrefs > 0 || snap.numClones > 0) throw datasetError(`cannot destroy '${c.dsl.datasetName(snap)}'`, 'EBUSY');
  destroySnapshot(c.dsl, id);
}

/**
 * recv_incremental_replication with -F: below the destination, destroy the snapshots whose guid
 * the package does not list and the filesystems none of whose snapshots it lists (with their
 * descendants), so that the destination holds what the sender holds. Renames and promotes on the
 * sending side are not followed (tszfs departs from OpenZFS here: see tszfs-streams(8)).
 */
function prune(h: PoolHandle, c: Change, topFs: string, pkg: PackageHeader): void {
  const top = h.findDir(c.dsl, topFs);
  if (top === undefined) return;
  const sent = new Set(pkg.datasets.flatMap((d) => d.snapshots.map((s) => s.guid)));
  const steps: Step[] = [];
  const visit = (dir: Id) => {
    const snaps = c.dsl.snapshotIds(dir);
    if (dir !== top && !snaps.some((id) => sent.has(c.dsl.ds(id).guid))) {
      dependents(c.dsl, dir, false, steps);
      return;
    }
    for (const id of snaps) if (!sent.has(c.dsl.ds(id).guid)) steps.push({ kind: 'snapshot', id });
    for (const child of c.dsl.childDirs(dir)) visit(child);
  };
  visit(top);
  const going = new Set(steps.flatMap((s) => (s.kind === 'filesystem' ? [s.dir] : [])));
  for (const step of steps) {
    if (step.kind !== 'snapshot') continue;
    const snap = c.dsl.ds(step.id) as SnapshotRecord;
    const clonedOutside = c.dsl.cloneIds(step.id).some((head) => !going.has(c.dsl.ds(head).dir));
    if (snap.userrefs > 0 || clonedOutside) throw datasetError(`cannot destroy '${c.dsl.datasetName(snap)}'`, 'EBUSY');
  }
  execute(c, steps, false);
}

/** Records to apply: a stream's reader, or a resumed stream's joined with the kept ones. */
type RecordSource = { next(): StreamRecord | null };

/** Large blocks as the stream sends them (`send -L`) and as the pool may hold them (feature large_blocks). */
interface LargeBlocks {
  stream: boolean;
  pool: boolean;
}

function apply(
  reader: RecordSource,
  objects: ObjectWriter,
  checker: StreamChecker,
  action: string,
  s: Incoming | null,
  largeBlocks: LargeBlocks,
  raw: { guid: string } | null = null,
): void {
  /** A stream refused for what it says may also be damaged or cut short: that is named first. */
  const refuse = (err: unknown): never => {
    drain(reader, action);
    throw err;
  };
  try {
    for (let r: StreamRecord | null; (r = next(reader, s)) !== null; ) {
      try {
        checker.check(r);
      } catch (err) {
        refuse(err);
      }
      switch (r.type) {
        case RecordType.Object:
          if (!largeBlocks.stream) {
            try {
              refuseSplitOverLarge(objects, r.header, action);
            } catch (err) {
              refuse(err);
            }
          }
          objects.setObject(r.header);
          break;
        case RecordType.FreeObject:
          objects.freeObject(r.header.object);
          break;
        case RecordType.Write:
          if (r.header.key !== undefined) {
            // send -w: kept encrypted, only into a dataset of that master key.
            if (!raw || raw.guid !== r.header.key) refuse(ZfsError.action(action, 'encryption key does not match existing key'));
            const crypt = { key: r.header.key, iv: Buffer.from(r.header.iv!, 'hex'), mac: Buffer.from(r.header.mac!, 'hex') };
            objects.writeRawBlock(r.header.object, r.header.block, r.data, r.header.lsize, crypt, r.header.compress);
            break;
          }
          if (r.header.compress !== undefined) {
            objects.writeStoredBlock(r.header.object, r.header.block, r.data, r.header.compress, r.header.lsize);
            break;
          }
          if (r.data.length !== r.header.lsize) throw badStream();
          // dmu_recv_begin_check: a stream of blocks over 128K needs large_blocks (ENOTSUP).
          if (r.header.lsize > 128 * 1024 && !largeBlocks.pool) refuse(ZfsError.action(action, 'pool must be upgraded to receive this stream.'));
          objects.writeBlock(r.header.object, r.header.block, r.data, r.header.lsize);
          break;
        case RecordType.Free:
          objects.freeBlock(r.header.object, r.header.block, r.header.count);
          break;
        case RecordType.End:
          break;
        default:
          throw badStream();
      }
    }
    objects.finish();
    try {
      checker.finish(objects.source, objects.baseObjects, objects.objects);
    } catch (err) {
      refuse(err);
    }
  } catch (err) {
    throw streamFailure(err, action);
  }
}

/**
 * A file received with -L (records over 128K whole) cannot take a stream sent without it, whose
 * records come in 128K pieces (dmu_recv's ZFS_ERR_STREAM_LARGE_BLOCK_MISMATCH).
 */
function refuseSplitOverLarge(objects: ObjectWriter, h: ObjectHeader, action: string): void {
  if (h.type !== 'file' || h.blksz !== OLD_MAX_BLOCK_SIZE) return;
  const now = objects.fileShape(h.object);
  if (now && now.gen === h.gen && now.blksz > h.blksz) {
    throw ZfsError.action(action, 'incremental send stream requires -L (--large-block), to match previous receive.');
  }
}

/** The next record, counted in the stream's progress; an input that ends early is marked so. */
function next(reader: RecordSource, s: Incoming | null): StreamRecord | null {
  if (!s) return reader.next();
  try {
    const r = reader.next();
    if (r) advance(s.progress, r, s.start + s.reader.bytesRead);
    return r;
  } catch (err) {
    if (isErrno(err, 'EBADSTREAM') && err.aux === FAILED_TO_READ) s.progress.truncated = true;
    throw err;
  }
}

/** A stream that ends early is `cannot receive: failed to read ...` whatever it carried, as in libzfs. */
function streamFailure(err: unknown, action: string): unknown {
  if (isErrno(err, 'EBADSTREAM') && err.aux === FAILED_TO_READ) return engineFailure('cannot receive', err);
  if (err instanceof EngineError && err.errno !== 'EDQUOT' && err.errno !== 'ENOSPC') return engineFailure(action, err);
  return err;
}

/** A quota the received blocks would exceed, and a full pool, in zfs_receive_one's words. */
function spaceFailure(err: unknown, action: string, fsName: string): unknown {
  if (isErrno(err, 'EDQUOT')) return ZfsError.action(action, `destination ${fsName} space quota exceeded.`);
  if (isErrno(err, 'ENOSPC')) return engineFailure(action, err);
  return err;
}

function drain(reader: RecordSource, action: string): void {
  try {
    while (reader.next() !== null);
  } catch (err) {
    throw streamFailure(err, action);
  }
}
