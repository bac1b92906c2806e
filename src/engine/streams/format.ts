/**
 * The tszfs send stream, versions 1 to 3 (documented in docs/stream-format.md).
 *
 * A stream is the 16-byte magic `TSZFS-STREAM v1\n`, then records. Each record is a type byte,
 * a little-endian u32 header length, a UTF-8 JSON header, a u32 payload length and the payload
 * (only WRITE records carry one). The last record is END, whose header holds the SHA-256 of every
 * byte before it: a truncated, corrupted or foreign stream is refused before anything is kept.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ObjectAttributes } from '../files/object-writer.js';
import { badStream } from '../errno.js';

export const MAGIC = Buffer.from('TSZFS-STREAM v1\n');
/** A stream of one snapshot: every tszfs reads it. */
export const STREAM_VERSION = 1;
/** A package (ZFS: compound stream): a BEGIN naming the datasets, then the streams of their
 *  snapshots, each a version 1 stream. Written only by `send -R` or `-p`. */
export const PACKAGE_VERSION = 2;
/** A stream of one snapshot from a bookmark: version 1's records, and FREE records that free a
 *  range of blocks (`count`), which a tszfs that only knows version 1 must refuse, not misread. */
export const BOOKMARK_STREAM_VERSION = 3;
/** Version 3's records, where a WRITE may carry its record as stored (`compress`, `psize`: send
 *  -c/-w) and BEGIN may say the stream resumes a partial receive (`resume`: send -t). Written only
 *  with those options; a tszfs that knows only versions 1 to 3 refuses it. */
export const RESUMABLE_VERSION = 4;

/** Where a resuming stream starts: after the first `records` records of the stream it resumes. */
export interface ResumePoint {
  records: number;
  object: number;
  offset: number;
  bytes: number;
}

/** SPA_MAXBLOCKSIZE: no block, and so no record's payload, is larger. */
export const MAX_BLOCK_SIZE = 16 << 20;
/** The largest header a record may have (a directory of about two million entries): a length
 *  beyond it is damage, refused before anything is allocated for it. */
export const MAX_HEADER_BYTES = 64 << 20;

export const enum RecordType {
  Begin = 1,
  Object = 2,
  FreeObject = 3,
  Write = 4,
  Free = 5,
  End = 6,
}

export interface BeginHeader {
  version: number;
  kind: 'full' | 'incremental';
  /** the snapshot sent, as named on the sender */
  toName: string;
  toGuid: string;
  toCreation: number;
  fromName: string | null;
  fromGuid: string | null;
  /** what the dataset holds: a volume, or (absent, as in streams before volumes) files */
  type?: 'volume';
  /** a clone's first snapshot: `fromGuid` is its origin, in another filesystem (ZFS DRR_FLAG_CLONE) */
  clone?: true;
  /** (version 4) what send's options asked for (ZFS DRR_BEGIN featureflags): `largeblocks`
   *  (-L), `compressed` (-c), `embedded` (-e), `raw` (-w) */
  features?: string[];
  /** (version 4) this stream resumes a partial receive: the records before this point are not in it */
  resume?: ResumePoint;
  /** (send -w of an encrypted dataset) its suite, its wrapped master key and its encryption
   *  root's key parameters (ZFS: the BEGIN payload's crypt_keydata): the receiver keeps the
   *  records encrypted, readable once `load-key` is given the sender's key */
  crypt?: StreamCrypt;
}

/** Byte strings are hex in the JSON header. */
export interface StreamCrypt {
  suite: string;
  key: { guid: string; iv: string; mac: string; data: string };
  keyformat: string;
  salt: string;
  iters: number;
}

/** One filesystem of a package, as the sender has it (ZFS: an entry of the `fss` nvlist). */
export interface PackageDataset {
  name: string;
  /** the guid of the filesystem's head */
  guid: string;
  /** the guid of the origin snapshot of a clone */
  originGuid: string | null;
  /** properties set locally or received on the sender (`send -R`, `-p`); null without them */
  props: Record<string, string> | null;
  /** every snapshot up to the one sent, oldest first: what the receiver keeps with -F */
  snapshots: Array<{ name: string; guid: string }>;
  /** user properties of those snapshots, by snapshot name (only those that have some) */
  snapshotProps: Record<string, Record<string, string>>;
  /** (send -h) the holds' tags of those snapshots, by snapshot name (only those that have some);
   *  an older tszfs ignores them */
  holds?: Record<string, string[]>;
}

/** The BEGIN of a package; its END follows at once, then the version 1 streams it lists, in order. */
export interface PackageHeader {
  version: typeof PACKAGE_VERSION;
  kind: 'package';
  /** the snapshot named on the command line */
  toName: string;
  /** the short name of the -i/-I snapshot */
  fromName: string | null;
  /** -R: the named filesystem and its descendants */
  recursive: boolean;
  datasets: PackageDataset[];
  /** the guids each stream that follows goes to and from: a stream out of place is refused */
  streams: Array<{ toGuid: string; fromGuid: string | null }>;
}

/** An OBJECT record carries exactly what the receiver sets on the object. */
export type ObjectHeader = ObjectAttributes;

export interface WriteHeader {
  object: number;
  block: number;
  lsize: number;
  /** (version 4) the record as stored, compressed by `compress`: the payload is its `psize` bytes */
  compress?: string;
  psize?: number;
  /** (send -w) an encrypted record as stored: its master key's guid, IV and MAC (hex) */
  key?: string;
  iv?: string;
  mac?: string;
}

export type StreamRecord =
  | { type: RecordType.Begin; header: BeginHeader | PackageHeader }
  | { type: RecordType.Object; header: ObjectHeader }
  | { type: RecordType.FreeObject; header: { object: number } }
  | { type: RecordType.Write; header: WriteHeader; data: Buffer }
  /** `count` blocks from `block` (absent: one) are now holes */
  | { type: RecordType.Free; header: { object: number; block: number; count?: number } }
  | { type: RecordType.End; header: { sha256: string } };

/** Encodes records to a byte sink, hashing as it goes; with `counting` it only counts bytes. */
export class StreamWriter {
  private readonly hash: Hash = createHash('sha256');
  private hashing = true;
  bytes = 0;
  /** records (after BEGIN) not to write: those a resumed stream's receiver has (send -t) */
  skipRecords = 0;

  constructor(private readonly sink: ((chunk: Buffer) => void) | null) {
    this.emit(MAGIC);
  }

  private emit(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.sink) return;
    if (this.hashing) this.hash.update(chunk);
    this.sink(chunk);
  }

  /** Whether the next record is one skipRecords leaves out (its data need not be read). */
  get skipping(): boolean {
    return this.skipRecords > 0;
  }

  record(type: RecordType, header: object, data?: Buffer, dataLength = data?.length ?? 0): void {
    if (this.skipRecords > 0 && type !== RecordType.Begin && type !== RecordType.End) {
      this.skipRecords--;
      return;
    }
    const json = Buffer.from(JSON.stringify(header));
    const frame = Buffer.alloc(9);
    frame.writeUInt8(type, 0);
    frame.writeUInt32LE(json.length, 1);
    this.emit(frame.subarray(0, 5));
    this.emit(json);
    frame.writeUInt32LE(dataLength, 5);
    this.emit(frame.subarray(5, 9));
    if (data) this.emit(data);
    else this.bytes += dataLength;
  }

  /** The END record carries the hash of everything before it (a placeholder of the same length when counting). */
  end(): void {
    const sha256 = this.sink ? this.hash.digest('hex') : '0'.repeat(64);
    this.hashing = false;
    this.record(RecordType.End, { sha256 });
  }
}

/** A stream that ends before its END record (libzfs's recv_read). */
export const FAILED_TO_READ = 'failed to read from stream';

/** Decodes records from a synchronous byte source, checking the magic and the final hash. */
export class StreamReader {
  private readonly hash: Hash = createHash('sha256');
  private ended = false;
  /** bytes read so far, from the magic on: where the last record read ends */
  bytesRead = 0;

  constructor(private readonly read: (buf: Buffer, offset: number, length: number) => number) {
    const magic = this.take(MAGIC.length, true);
    if (!magic.equals(MAGIC)) throw badStream('invalid stream (bad magic number)');
  }

  /** Reused for payloads: a record's data is valid until the next call of next(). */
  private payload = Buffer.alloc(0);

  private take(length: number, hashed: boolean, into?: Buffer): Buffer {
    // Filled in full below (or the stream is refused): no need to zero it first.
    const buf = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = this.read(buf, done, length - done);
      if (n === 0) throw badStream(FAILED_TO_READ);
      done += n;
    }
    this.bytesRead += length;
    if (hashed) this.hash.update(buf);
    return buf;
  }

  /** The next record, or null after END. A WRITE's data is overwritten by the next call. */
  next(): StreamRecord | null {
    if (this.ended) return null;
    const before = this.hash.copy();
    const head = this.take(5, true);
    const type = head.readUInt8(0) as RecordType;
    if (type < RecordType.Begin || type > RecordType.End) throw badStream();
    const headerLength = head.readUInt32LE(1);
    if (headerLength > MAX_HEADER_BYTES) throw badStream();
    const json = this.take(headerLength, true);
    let header: unknown;
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch {
      throw badStream();
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw badStream();
    const dataLength = this.take(4, true).readUInt32LE(0);
    if (dataLength > (type === RecordType.Write ? MAX_BLOCK_SIZE : 0)) throw badStream();
    if (this.payload.length < dataLength) this.payload = Buffer.allocUnsafe(dataLength);
    const data = this.take(dataLength, true, this.payload);
    if (type === RecordType.End) {
      if ((header as { sha256: string }).sha256 !== before.digest('hex')) throw badStream();
      this.ended = true;
    }
    return { type, header, data } as StreamRecord;
  }
}
