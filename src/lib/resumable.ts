/**
 * Resumable receive (`zfs receive -s`, `send -t`, `receive -A`). OpenZFS keeps the blocks of a
 * receive cut short in a `%recv` clone of the destination and resumes from the object and offset
 * it reached. tszfs keeps the records themselves: the stream's first bytes, up to its last whole
 * record, as the file `stream` of a hidden `%recv` filesystem below the destination, written in one
 * transaction as any change (so a crash leaves all of it or nothing, and its space is counted, as
 * OpenZFS's, in the destination's usedbychildren). The destination does not change until the rest
 * arrives: `send -t TOKEN` sends the records after the `records` the token names, and receive
 * applies the kept records and the new ones as the one stream they make, in one transaction.
 */
import { inheritParentCrypt } from './crypto/create.js';
import { masterKeyOf } from '../engine/keys.js';
import { RECV_DIR, type DslView } from '../engine/datasets/view.js';
import { RecordType, StreamReader, type BeginHeader, type StreamRecord } from '../engine/streams/format.js';
import { encodeResumeToken, type ResumeState } from '../engine/streams/resume-token.js';
import type { ByteSource } from '../engine/pool/staging.js';
import { filesAt } from '../engine/reading.js';
import { openFiles, writeSettings } from '../engine/sync-task.js';
import type { Id, PartialReceive } from '../engine/model.js';
import { badStream } from '../engine/errno.js';
import type { Change, PoolHandle } from './pool-handle.js';
import { newFilesystem } from './datasets/create.js';
import { dependents, execute } from './datasets/destroy.js';

/** Where a stream being applied has got to: what a receive -s keeps when it stops there. */
export interface Progress {
  /** records read after BEGIN */
  records: number;
  /** bytes of the input up to the end of the last whole record */
  bytes: number;
  object: number;
  offset: number;
  /** the input ended before the stream's END */
  truncated: boolean;
}

export const newProgress = (start: number): Progress => ({ records: 0, bytes: start, object: 0, offset: 0, truncated: false });

/** Count one record read (its end is the input's position `at`). */
export function advance(p: Progress, r: StreamRecord, at: number): void {
  if (r.type === RecordType.Begin || r.type === RecordType.End) return;
  p.records++;
  p.bytes = at;
  p.object = r.header.object;
  p.offset = r.type === RecordType.Write ? (r.header.block + 1) * r.header.lsize : 0;
}

/** The hidden child of `dir` with a partial receive, if any. */
export function partialOf(view: DslView, dir: Id): { dir: Id; partial: PartialReceive } | undefined {
  const child = view.childDir(dir, RECV_DIR);
  if (child === undefined) return undefined;
  const partial = view.dir(child).partial;
  return partial && { dir: child, partial };
}

/** The receive_resume_token of a filesystem with a partial receive. */
export function resumeTokenOf(view: DslView, dir: Id): string | null {
  const found = partialOf(view, dir);
  return found ? encodeResumeToken(tokenState(found.partial)) : null;
}

function tokenState(p: PartialReceive): ResumeState {
  const state: ResumeState = {
    ...(p.fromguid !== undefined ? { fromguid: p.fromguid } : {}),
    object: p.object,
    offset: p.offset,
    bytes: p.bytes,
    toguid: p.toguid,
    toname: p.toname,
    records: p.records,
  };
  if (p.features.includes('largeblocks')) state.largeblockok = true;
  if (p.features.includes('embedded')) state.embedok = true;
  if (p.features.includes('compressed')) state.compressok = true;
  if (p.features.includes('raw')) state.rawok = true;
  return state;
}

/** A source of the first `limit` bytes of `src`. */
function limited(src: ByteSource, limit: number): ByteSource {
  let done = 0;
  return {
    read(buf, offset, length) {
      const n = src.read(buf, offset, Math.min(length, limit - done));
      done += n;
      return n;
    },
  };
}

/**
 * Keep the records received of a stream cut short under `dir` (made first when `created`): the
 * input from its start (`input`, rewound) up to `progress.bytes`. Returns the token.
 */
export function savePartial(c: Change, dir: Id, created: boolean, begin: BeginHeader, progress: Progress, input: ByteSource): string {
  const recv = newFilesystem(c, dir, RECV_DIR, {});
  // Under an encrypted filesystem the records kept are encrypted as its own (never in clear).
  inheritParentCrypt(c, recv, `cannot receive into '${c.dsl.dirName(dir)}'`);
  const record = c.dsl.dir(recv);
  const files = openFiles(c, record.head);
  const crypt = masterKeyOf(c, record);
  const settings = { ...writeSettings(undefined, undefined), ...(crypt && { crypt }), recordsize: 128 << 10 };
  files.write(['stream'], { kind: 'replace' }, limited(input, progress.bytes), false, settings);
  record.partial = {
    toguid: begin.toGuid,
    toname: begin.toName,
    ...(begin.fromGuid !== null ? { fromguid: begin.fromGuid } : {}),
    records: progress.records,
    object: progress.object,
    offset: progress.offset,
    bytes: progress.bytes,
    features: begin.features ?? [],
    created,
  };
  return encodeResumeToken(tokenState(record.partial));
}

/** Whether a resuming stream's BEGIN is the one the partial receive was cut from: the same
 *  snapshot, source and point, and records cut the same way (-L: whole or in 128K pieces). */
export function resumes(partial: PartialReceive, begin: BeginHeader): boolean {
  const r = begin.resume;
  const large = (features: readonly string[] | undefined) => features?.includes('largeblocks') === true;
  return (
    r !== undefined &&
    partial.toguid === begin.toGuid &&
    (partial.fromguid ?? null) === begin.fromGuid &&
    partial.records === r.records &&
    large(partial.features) === large(begin.features)
  );
}

/**
 * The records of the stream a resuming one completes: the kept ones (read from the hidden
 * filesystem, whose stream has no END), then the resuming stream's, which ends with its own END
 * (whose hash covers what it sent). Records are checked and applied as one stream's.
 */
export function joinedRecords(h: PoolHandle, c: Change, recvDir: Id, partial: PartialReceive, rest: StreamReader): { next(): StreamRecord | null } {
  const view = filesAt(c.tx.t, c.dsl.head(recvDir).root);
  const chunks: Buffer[] = [];
  view.readFile(h.pool.image, view.lookup(['stream']).dnode, (chunk) => chunks.push(Buffer.from(chunk)));
  const kept = Buffer.concat(chunks);
  let at = 0;
  const prefix = new StreamReader((buf, offset, length) => {
    const n = kept.copy(buf, offset, at, Math.min(kept.length, at + length));
    at += n;
    return n;
  });
  if (prefix.next()?.type !== RecordType.Begin) throw badStream();
  let left = partial.records;
  return {
    next() {
      if (left > 0) {
        left--;
        const r = prefix.next();
        if (!r || r.type === RecordType.End) throw badStream();
        return r;
      }
      return rest.next();
    },
  };
}

/** Drop a partial receive: its hidden filesystem, and the destination when the receive made it. */
export function dropPartial(c: Change, dir: Id, found: { dir: Id; partial: PartialReceive }): void {
  execute(c, dependents(c.dsl, found.dir, false, []), false);
  const stillEmpty = c.dsl.snapshotIds(dir).length === 0 && c.dsl.childDirs(dir, true).length === 0;
  if (found.partial.created && stillEmpty) execute(c, [{ kind: 'filesystem', dir }], false);
}
