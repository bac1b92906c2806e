/**
 * `zfs receive [-Fnv] [-d | -e] TARGET`: applies a stream in one transaction group. Everything
 * is checked before the commit (the magic, every record, the final SHA-256), so a truncated,
 * corrupted or foreign stream leaves the target exactly as it was.
 */
import { compressionFor } from '../engine/blocks/compression.js';
import { algorithmFor } from '../engine/blocks/checksum.js';
import { destroyHead } from '../engine/datasets/destroy.js';
import { rollbackHead } from '../engine/datasets/rollback.js';
import { createSnapshot } from '../engine/datasets/snapshot.js';
import { EngineError } from '../engine/errno.js';
import { OutOfSpace } from '../engine/pool/allocator.js';
import type { ByteSource } from '../engine/files/fs-writer.js';
import type { ObjectWriter } from '../engine/files/object-writer.js';
import { RecordType, StreamError, StreamReader, type BeginHeader, type StreamRecord } from '../engine/streams/format.js';
import type { HeadRecord, Id } from '../engine/store/records.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { checkDatasetName } from './names.js';
import type { Change, PoolHandle } from './pool-handle.js';
import { DatasetProps } from './properties/values.js';
import { withPoolOf } from './session.js';
import { ensureParent, newFilesystem } from './datasets/create.js';
import { openObjects, walkTree } from './datasets/tree.js';

export interface ReceiveOptions {
  force: boolean;
  dryRun: boolean;
  /** -d keeps the sent name less its pool; -e keeps its last component */
  naming: 'target' | 'd' | 'e';
}

export interface ReceiveSummary {
  kind: 'full' | 'incremental';
  sent: string;
  into: string;
}

/** One stream of the input: its reader, positioned after BEGIN, and where it goes. */
interface Incoming {
  reader: StreamReader;
  begin: BeginHeader;
  summary: ReceiveSummary;
  action: string;
}

/** Receive every stream on `src` (one, or the series `send -I` writes), each in its own transaction
 *  group as in OpenZFS: a snapshot per txg, and a failure keeps the snapshots received before it. */
export function receive(home: Home, target: string, opts: ReceiveOptions, src: ByteSource, history: string): ReceiveSummary[] {
  const input = new PeekableSource(src);
  const first = openStream(input, target, opts);
  const fsName = first.summary.into.slice(0, first.summary.into.indexOf('@'));
  return withPoolOf(
    home,
    fsName,
    (h) => {
      const summaries: ReceiveSummary[] = [];
      const each = (fn: (s: Incoming) => void) => {
        for (let s: Incoming | null = first; s; s = input.atEnd() ? null : openStream(input, target, opts)) {
          fn(s);
          summaries.push(s.summary);
        }
      };
      if (opts.dryRun) each((s) => drain(s.reader, s.action));
      else each((s) => h.change(history, (c) => receiveOne(h, c, s, opts)));
      return summaries;
    },
    () => {
      throw ZfsError.action(`cannot open '${fsName}'`, 'dataset does not exist');
    },
  );
}

function openStream(input: PeekableSource, target: string, opts: ReceiveOptions): Incoming {
  let reader: StreamReader;
  let begin: BeginHeader;
  try {
    reader = new StreamReader((buf, offset, length) => input.read(buf, offset, length));
    const first = reader.next();
    if (!first || first.type !== RecordType.Begin || first.header.version !== 1) throw new StreamError('invalid backup stream');
    begin = first.header;
  } catch (err) {
    if (err instanceof StreamError) throw ZfsError.action('cannot receive', err.message);
    throw err;
  }
  const [sentFs, snapName] = begin.toName.split('@');
  const into = destination(target, sentFs, snapName, opts.naming);
  const bad = checkDatasetName(into, ['snapshot'], true);
  if (bad) throw ZfsError.action('cannot receive', bad);
  const action = `cannot receive ${begin.kind === 'full' ? 'new filesystem' : 'incremental'} stream`;
  return { reader, begin, summary: { kind: begin.kind, sent: begin.toName, into }, action };
}

function receiveOne(h: PoolHandle, c: Change, s: Incoming, opts: ReceiveOptions): void {
  const { begin, summary, action } = s;
  const fsName = summary.into.slice(0, summary.into.indexOf('@'));
  const snapName = summary.into.slice(summary.into.indexOf('@') + 1);
  const headId = begin.kind === 'full' ? prepareFull(h, c, fsName, opts, action) : prepareIncremental(h, c, fsName, begin, opts, action);
  // A volume's stream makes a volume (its data object replaces the new root directory).
  if (begin.kind === 'full' && begin.type) c.dsl.dir(c.dsl.ds(headId).dir).type = begin.type;
  const dir = c.dsl.ds(headId).dir;
  if (c.dsl.snapshotByName(dir, snapName) !== undefined) throw ZfsError.action(`cannot restore to ${summary.into}`, 'destination already exists');
  // Received blocks carry the destination's checksum and compression, as written ones do.
  const props = new DatasetProps(c.dsl, c.tx.meta, c.dsl.ds(headId));
  c.tx.checksumAlgorithm = algorithmFor(props.get('checksum')?.value);
  c.tx.compression = compressionFor(props.get('compression')?.value);
  try {
    apply(s.reader, openObjects(c, headId), action);
  } catch (err) {
    throw spaceFailure(err, action, fsName);
  }
  const snap = createSnapshot(c.dsl, headId, snapName, {});
  // A received snapshot keeps its identity: incremental streams find their base by guid.
  snap.guid = begin.toGuid;
  snap.creation = begin.toCreation;
}

/** A byte source that can tell whether another stream follows. */
class PeekableSource {
  private peeked: number | null = null;
  private readonly one = Buffer.alloc(1);

  constructor(private readonly src: ByteSource) {}

  read(buf: Buffer, offset: number, length: number): number {
    if (this.peeked === null) return this.src.read(buf, offset, length);
    buf[offset] = this.peeked;
    this.peeked = null;
    return 1;
  }

  atEnd(): boolean {
    if (this.peeked !== null) return false;
    if (this.src.read(this.one, 0, 1) === 0) return true;
    this.peeked = this.one[0];
    return false;
  }
}

function destination(target: string, sentFs: string, snapName: string, naming: ReceiveOptions['naming']): string {
  if (naming === 'd') return `${target}/${sentFs.split('/').slice(1).join('/')}@${snapName}`.replace('/@', '@');
  if (naming === 'e') return `${target}/${sentFs.split('/').pop()}@${snapName}`;
  return target.includes('@') ? target : `${target}@${snapName}`;
}

/** A full stream creates the filesystem; -F replaces one that has no snapshots. */
function prepareFull(h: PoolHandle, c: Change, fsName: string, opts: ReceiveOptions, action: string): Id {
  const existing = h.findDir(c.dsl, fsName);
  if (existing !== undefined) {
    if (!opts.force) throw ZfsError.action(action, `destination '${fsName}' exists\nmust specify -F to overwrite it`);
    const snaps = c.dsl.snapshotIds(existing);
    if (snaps.length > 0) {
      const first = c.dsl.datasetName(c.dsl.ds(snaps[0]));
      throw ZfsError.action(action, `destination has snapshots (eg. ${first})\nmust destroy them to overwrite it`);
    }
    if (c.dsl.childDirs(existing).length > 0) throw ZfsError.action(action, `destination '${fsName}' has children`);
    destroyHead(c.dsl, existing, walkTree(c));
  }
  const parent = ensureParent(h, c, fsName, opts.naming === 'd', `cannot open '${fsName}'`);
  const dir = newFilesystem(c, parent, fsName.slice(fsName.lastIndexOf('/') + 1), {});
  return c.dsl.dir(dir).head;
}

/** An incremental stream applies on top of the snapshot it was made from, unchanged since. */
function prepareIncremental(h: PoolHandle, c: Change, fsName: string, begin: BeginHeader, opts: ReceiveOptions, action: string): Id {
  const dir = h.findDir(c.dsl, fsName);
  if (dir === undefined) throw ZfsError.action(action, `destination '${fsName}' does not exist`);
  const head = c.dsl.head(dir) as HeadRecord;
  const latest = head.prev === null ? null : c.dsl.ds(head.prev);
  if (!latest || latest.guid !== begin.fromGuid) {
    throw ZfsError.action(action, `most recent snapshot of ${fsName} does not\nmatch incremental source`);
  }
  if (head.root.id !== latest.root.id) {
    if (!opts.force) throw ZfsError.action(action, `destination ${fsName} has been modified\nsince most recent snapshot`);
    // -F: first roll the destination back to the snapshot the stream starts from.
    rollbackHead(c.dsl, head.id, walkTree(c));
  }
  return head.id;
}

function apply(reader: StreamReader, objects: ObjectWriter, action: string): void {
  try {
    for (let r: StreamRecord | null; (r = reader.next()) !== null; ) {
      switch (r.type) {
        case RecordType.Object:
          objects.setObject(r.header);
          break;
        case RecordType.FreeObject:
          objects.freeObject(r.header.object);
          break;
        case RecordType.Write:
          if (r.data.length !== r.header.lsize) throw new StreamError('invalid backup stream');
          objects.writeBlock(r.header.object, r.header.block, r.data, r.header.lsize);
          break;
        case RecordType.Free:
          objects.freeBlock(r.header.object, r.header.block);
          break;
        case RecordType.End:
          break;
        default:
          throw new StreamError('invalid backup stream');
      }
    }
  } catch (err) {
    throw streamFailure(err, action);
  }
}

/** A stream that ends early is `cannot receive: failed to read ...` whatever it carried, as in libzfs. */
function streamFailure(err: unknown, action: string): unknown {
  if (err instanceof StreamError && err.message === 'failed to read from stream') return ZfsError.action('cannot receive', err.message);
  if (err instanceof StreamError || (err instanceof EngineError && err.errno !== 'EDQUOT')) return ZfsError.action(action, err.message);
  return err;
}

/** A quota the received blocks would exceed, and a full pool, in zfs_receive_one's words. */
function spaceFailure(err: unknown, action: string, fsName: string): unknown {
  if (err instanceof EngineError && err.errno === 'EDQUOT') return ZfsError.action(action, `destination ${fsName} space quota exceeded.`);
  if (err instanceof OutOfSpace) return ZfsError.action(action, 'out of space');
  return err;
}

function drain(reader: StreamReader, action: string): void {
  try {
    while (reader.next() !== null);
  } catch (err) {
    throw streamFailure(err, action);
  }
}
