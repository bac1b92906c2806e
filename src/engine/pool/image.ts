/**
 * The pool's image file: one preallocated file holding block data, as a file vdev does.
 * Its first 4 KiB is a label naming the pool, so an image is recognised (and not reused by accident).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../errno.js';
import { ImageWriter, WRITEBACK_BYTES, Writeback, type SharedBytesMaker } from './writeback.js';
import { crc32 } from '../crc32.js';
import type { VdevRoot } from './vdevs/root.js';
import type { VdevTree } from './vdevs/config.js';

export const SECTOR = 4096;
export const LABEL_BYTES = SECTOR;
const MAGIC = 'TSZFS-IMAGE-1\n';
const READ_WRITE = fs.constants.O_RDWR | fs.constants.O_NOFOLLOW;

export interface Label {
  pool: string;
  guid: string;
  /** a device of a pool of several (vdevs/): its own vdev guid, the tree, the txg it was written */
  vdevGuid?: string;
  txg?: number;
  tree?: VdevTree;
}

/** The master keys of encrypted records, by guid, as the record reader asks for them. */
export interface RecordKeys {
  master(guid: string): { readonly suite: 'aes-128-ccm' | 'aes-192-ccm' | 'aes-256-ccm' | 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'; readonly key: Buffer } | undefined;
}

export class Image {
  /** the guid the checksum salt derives from (set by the pool that opens it: saltFrom) */
  private saltGuid: string | null = null;
  private salt: Uint8Array | null = null;

  /** The pool's checksum salt, for the salted checksum algorithms: derived on first use, since
   *  deriving it loads node:crypto, which a command that checksums nothing salted never needs. */
  get checksumSalt(): Uint8Array {
    return (this.salt ??= this.saltGuid === null ? new Uint8Array(32) : checksumSaltOf(this.saltGuid));
  }

  /** Salt the checksums with the salt of the pool whose guid is `guid`. */
  saltFrom(guid: string): void {
    this.saltGuid = guid;
    this.salt = null;
  }

  /** the keys loaded for the pool (blocks/crypt.ts Keyring), for its encrypted records; null: none */
  keyring: RecordKeys | null = null;

  private constructor(
    readonly path: string,
    readonly fd: number,
    readonly size: number,
    /** the devices of a pool of several: then there is no one file (fd is -1) */
    readonly tree: VdevRoot | null = null,
  ) {}

  /** The block device of a pool of several devices (path: its first device). */
  static ofTree(path: string, tree: VdevRoot, size: number): Image {
    return new Image(path, -1, size, tree);
  }

  /** Fill a new (or reused) image to its full size with zeros, so later writes never hit ENOSPC
   *  on the host file system, then write the label. */
  static create(path: string, bytes: number, label: Label): Image {
    const exists = fs.existsSync(path);
    if (!exists) {
      // Refuse an image the host cannot hold before writing a byte of it.
      const host = fs.statfsSync(dirname(path));
      if (bytes > host.bavail * host.bsize) throw new EngineError('ENOSPC'); // the host has no room for it
    }
    // Never through a symlink: O_EXCL refuses one for a new image, O_NOFOLLOW for an existing one.
    const fd = fs.openSync(path, exists ? READ_WRITE : 'wx', 0o666);
    try {
      if (!exists) {
        const chunk = Buffer.alloc(1 << 20);
        for (let pos = 0; pos < bytes; pos += chunk.length) {
          fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - pos), pos);
        }
      }
      const image = new Image(path, fd, fs.fstatSync(fd).size);
      image.writeLabel(label);
      return image;
    } catch (err) {
      fs.closeSync(fd);
      if (!exists) fs.rmSync(path, { force: true });
      throw err;
    }
  }

  static open(path: string): Image {
    const fd = fs.openSync(path, READ_WRITE);
    return new Image(path, fd, fs.fstatSync(fd).size);
  }

  /** The label of an image, or null when the file holds none. */
  static readLabel(path: string): Label | null {
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      return null;
    }
    try {
      const buf = Buffer.alloc(LABEL_BYTES);
      fs.readSync(fd, buf, 0, LABEL_BYTES, 0);
      return decodeLabel(buf);
    } finally {
      fs.closeSync(fd);
    }
  }

  private writeLabel(label: Label): void {
    writeLabelTo(this.fd, label);
  }

  /** flushes started early while a large write goes on; bytes written since the last one */
  private writeback: Writeback | null = null;
  private unflushed = 0;
  /** writes from writeBuffer()'s buffers, done on a thread of their own */
  private writer: ImageWriter | null = null;

  /**
   * A buffer to fill and write() from, for large writes: those writes are done on a thread of
   * their own (ImageWriter), and checksums of its bytes need no copy. Null when `bytes` is more
   * than its buffers hold. Valid until the fourth next call. `makeShared` makes the buffers' memory
   * on the first call (the caller's checksums read it in place).
   */
  writeBuffer(bytes: number, makeShared: SharedBytesMaker): Buffer | null {
    if (this.tree) return null;
    this.writer ??= new ImageWriter(this.fd, Math.max(bytes, 1 << 20), makeShared);
    return this.writer.fits(bytes) ? this.writer.buffer(bytes) : null;
  }

  read(buf: Buffer, length: number, position: number): void {
    if (this.tree) throw new Error('a pool of several devices reads blocks through its vdevs');
    this.writer?.settle(); // what is read may just have been written
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new Error(`short read at ${position}`);
      done += n;
    }
  }

  write(buf: Buffer, length: number, position: number): void {
    if (this.tree) return this.tree.write(buf, length, position);
    if (this.writer?.owns(buf)) this.writer.write(buf, length, position);
    else {
      let done = 0;
      while (done < length) done += fs.writeSync(this.fd, buf, done, length - done, position + done);
    }
    this.unflushed += length;
    if (this.unflushed >= WRITEBACK_BYTES) {
      this.unflushed = 0;
      (this.writeback ??= new Writeback(this.fd)).kick();
    }
  }

  /** Make every write so far durable (the transaction group commits only after this). */
  sync(): void {
    if (this.tree) return this.tree.sync();
    this.writer?.settle();
    this.writeback?.pause();
    fs.fdatasyncSync(this.fd);
    this.unflushed = 0;
  }

  close(): void {
    if (this.tree) return this.tree.close();
    try {
      this.writer?.settle();
    } finally {
      this.writeback?.close();
      fs.closeSync(this.fd);
    }
  }
}

/** The checksum salt of the pool whose label holds `guid`, for the salted checksum algorithms.
 *  OpenZFS draws 32 random bytes when a pool is created (spa_cksum_salt); tszfs derives them from
 *  the pool's (random) guid, so that pools made before salted algorithms existed have one too. */
export function checksumSaltOf(guid: string): Uint8Array {
  return createHash('sha256').update(`tszfs checksum salt ${guid}`).digest();
}

/** Write `label` in the first LABEL_BYTES of the file open as `fd`, durably. */
export function writeLabelTo(fd: number, label: Label): void {
  const buf = Buffer.alloc(LABEL_BYTES);
  let body = Buffer.from(MAGIC + JSON.stringify(label));
  // A tree too large for the label is left out: the pool's metadata has it anyway.
  if (body.length > LABEL_BYTES - 4) body = Buffer.from(MAGIC + JSON.stringify({ ...label, tree: undefined }));
  body.copy(buf, 4);
  buf.writeUInt32LE(crc32(buf.subarray(4)), 0);
  fs.writeSync(fd, buf, 0, LABEL_BYTES, 0);
  fs.fdatasyncSync(fd);
}

function decodeLabel(buf: Buffer): Label | null {
  if (buf.readUInt32LE(0) !== crc32(buf.subarray(4))) return null;
  const text = buf.subarray(4).toString('utf8').replace(/\0+$/, '');
  if (!text.startsWith(MAGIC)) return null;
  try {
    const label = JSON.parse(text.slice(MAGIC.length)) as Label;
    return typeof label.pool === 'string' && typeof label.guid === 'string' ? label : null;
  } catch {
    return null;
  }
}
