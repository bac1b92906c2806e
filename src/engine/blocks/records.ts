/**
 * Data records (ZFS: level-0 blocks) in the image. A record of `lsize` bytes is stored as is or,
 * under the dataset's `compression`, compressed (compression.ts); it occupies `asize` = its stored
 * size rounded up to 4 KiB, carries the txg that wrote it, and the checksum of the dataset's
 * `checksum` algorithm over the stored bytes, verified on every read: a mismatch is an I/O error,
 * never wrong bytes.
 */
import type { PoolTxn } from '../pool/pool.js';
import type { Image } from '../pool/image.js';
import type { BlockPtr, ChecksumAlgorithm, CompressAlgorithm } from '../store/records.js';
import { checksumError, EngineError } from '../errno.js';
import { checksumMatches, checksumOf } from './checksum.js';
import { compressRecord, decompressRecord, isAllZero } from './compression.js';
import { decryptBytes, encryptBytes, type MasterKey } from './crypt.js';

/** How a head's new records are stored: its `checksum` and `compression` properties, read in
 *  the transaction that writes them. */
export interface WriteSettings {
  readonly checksum: ChecksumAlgorithm;
  readonly compression: CompressAlgorithm | 'off';
  /** `special_small_blocks`: records stored in at most this many bytes go to a special vdev */
  readonly specialSmallBlocks?: number;
  /** an encrypted dataset's master key (absent: records are stored in clear) */
  readonly crypt?: MasterKey;
}

/**
 * Write `lsize` bytes of `buf` (zero-padded by the caller) as a new record born in this txg.
 * Null when nothing is to be stored: with compression on, an all-zero record is a hole.
 */
export function writeRecord(tx: PoolTxn, settings: WriteSettings, buf: Buffer, lsize: number): BlockPtr | null {
  if (settings.crypt) return writeEncrypted(tx, settings, settings.crypt, buf, lsize);
  const data = buf.subarray(0, lsize);
  const cksumAlg = settings.checksum;
  const algorithm = settings.compression;
  if (algorithm !== 'off') {
    if (isAllZero(data)) return null;
    const c = compressRecord(algorithm, data, tx.sector);
    if (c) {
      const checksum = checksumOf(cksumAlg, c.stored, tx.image.checksumSalt);
      const { offset, asize } = tx.writeBlock(c.stored, c.psize, settings.specialSmallBlocks);
      return { offset, asize, lsize, psize: c.psize, compress: algorithm, birth: tx.txg, cksumAlg, checksum };
    }
  }
  const checksum = checksumOf(cksumAlg, data, tx.image.checksumSalt);
  const { offset, asize } = tx.writeBlock(buf, lsize, settings.specialSmallBlocks);
  return { offset, asize, lsize, birth: tx.txg, cksumAlg, checksum };
}

/** writeRecord for an encrypted dataset: compressed as it would be, then encrypted under `mk`;
 *  the checksum covers the ciphertext. */
function writeEncrypted(tx: PoolTxn, settings: WriteSettings, mk: MasterKey, buf: Buffer, lsize: number): BlockPtr | null {
  const data = buf.subarray(0, lsize);
  const cksumAlg = settings.checksum;
  const algorithm = settings.compression;
  let plain: Buffer = data;
  let psize: number | undefined;
  if (algorithm !== 'off') {
    if (isAllZero(data)) return null;
    const c = compressRecord(algorithm, data, tx.sector);
    if (c) {
      plain = c.stored.subarray(0, c.psize);
      psize = c.psize;
    }
  }
  const { stored, iv, mac } = encryptBytes(mk, plain);
  const checksum = checksumOf(cksumAlg, stored, tx.image.checksumSalt);
  const { offset, asize } = tx.writeBlock(stored, stored.length, settings.specialSmallBlocks);
  const crypt = { key: mk.guid, iv, mac };
  return psize === undefined
    ? { offset, asize, lsize, birth: tx.txg, cksumAlg, checksum, ...crypt }
    : { offset, asize, lsize, psize, compress: algorithm as CompressAlgorithm, birth: tx.txg, cksumAlg, checksum, ...crypt };
}

/**
 * Write a record received raw (send -w): its stored bytes, IV, MAC and key guid kept as they
 * are; the checksum is the destination's, over the ciphertext. Null when the sizes are not
 * those a record can have.
 */
export function writeRawRecord(
  tx: PoolTxn,
  settings: WriteSettings,
  stored: Buffer,
  lsize: number,
  crypt: { key: string; iv: Uint8Array; mac: Uint8Array },
  compress?: CompressAlgorithm,
): BlockPtr | null {
  const psize = stored.length;
  if (psize === 0 || psize % 512 !== 0 || psize > lsize || (compress !== undefined) === (psize === lsize)) return null;
  const cksumAlg = settings.checksum;
  const checksum = checksumOf(cksumAlg, stored, tx.image.checksumSalt);
  const { offset, asize } = tx.writeBlock(stored, psize, settings.specialSmallBlocks);
  const bp: BlockPtr = { offset, asize, lsize, birth: tx.txg, cksumAlg, checksum, key: crypt.key, iv: crypt.iv, mac: crypt.mac };
  if (compress !== undefined) Object.assign(bp, { psize, compress });
  return bp;
}

/**
 * Write a record received as stored (send -c): its `psize` bytes compressed by `algorithm` are
 * kept as they are, not recompressed; the checksum is the destination's, over those bytes. Null
 * when they do not decode to `lsize` bytes (the stream is damaged or hostile): such a record is
 * never stored.
 */
export function writeStoredRecord(tx: PoolTxn, settings: WriteSettings, stored: Buffer, algorithm: CompressAlgorithm, lsize: number): BlockPtr | null {
  const psize = stored.length;
  // A whole number of the smallest sector (ashift 9): the sender's pool may have a smaller one than this pool.
  if (psize === 0 || psize % 512 !== 0 || psize >= lsize) return null;
  const plain = Buffer.alloc(lsize);
  if (!decompressRecord(algorithm, stored, plain)) return null;
  // Into an encrypted dataset a record in clear is encrypted as written (compressed again).
  if (settings.crypt) return writeEncrypted(tx, settings, settings.crypt, plain, lsize) ?? null;
  const cksumAlg = settings.checksum;
  const checksum = checksumOf(cksumAlg, stored, tx.image.checksumSalt);
  const { offset, asize } = tx.writeBlock(stored, psize, settings.specialSmallBlocks);
  return { offset, asize, lsize, psize, compress: algorithm, birth: tx.txg, cksumAlg, checksum };
}

/** The bytes of `bp` as stored (compressed or not, encrypted or not), checksum verified: what
 *  send -c and send -w send. */
export function readStored(image: Image, bp: BlockPtr, buf: Buffer, scrubbing = false): Buffer {
  const size = bp.psize ?? bp.lsize;
  const raw = buf.subarray(0, size);
  if (image.tree) {
    const verify = (b: Buffer) => checksumMatches(bp.cksumAlg, bp.checksum, b, image.checksumSalt);
    if (!image.tree.readBlock(raw, size, bp.offset, verify, scrubbing)) throw checksumError(bp);
    return raw;
  }
  try {
    image.read(raw, size, bp.offset);
  } catch {
    throw checksumError(bp);
  }
  if (!checksumMatches(bp.cksumAlg, bp.checksum, raw, image.checksumSalt)) throw checksumError(bp);
  return raw;
}

/** The bytes of an encrypted `bp` as they were before encryption (compressed or not): what
 *  send -c sends of an encrypted dataset whose key is loaded. EACCES when it is not. */
export function readDecrypted(image: Image, bp: BlockPtr, buf: Buffer): Buffer {
  const raw = readStored(image, bp, buf);
  const mk = image.keyring?.master(bp.key!);
  if (!mk) throw new EngineError('EACCES');
  const out = Buffer.alloc(raw.length);
  if (!decryptBytes(mk, bp.iv!, bp.mac!, raw, out)) throw checksumError(bp);
  out.copy(raw);
  return raw;
}

let stored = Buffer.alloc(0);
let clear = Buffer.alloc(0);

/** Read a whole record into `buf`, which must hold `bp.lsize` bytes; `scrubbing` also checks
 *  every copy and parity column of a redundant vdev (an encrypted record: its checksum only,
 *  needing no key, as scrub does). An encrypted record whose key is not loaded is EACCES. */
export function readRecord(image: Image, bp: BlockPtr, buf: Buffer, scrubbing = false): Buffer {
  if (bp.key !== undefined) return readEncrypted(image, bp, buf, scrubbing);
  const compressed = bp.compress !== undefined && bp.psize !== undefined;
  const size = compressed ? (bp.psize as number) : bp.lsize;
  if (compressed && stored.length < size) stored = Buffer.alloc(size);
  const raw = compressed ? stored.subarray(0, size) : buf.subarray(0, size);
  if (image.tree) {
    // Several devices: the vdevs verify each copy and repair what they can (vdevs/root.ts).
    const verify = (b: Buffer) => checksumMatches(bp.cksumAlg, bp.checksum, b, image.checksumSalt);
    if (!image.tree.readBlock(raw, size, bp.offset, verify, scrubbing)) throw checksumError(bp);
  } else {
    try {
      image.read(raw, size, bp.offset);
    } catch {
      // A block past the end of a truncated image reads as damaged, not as a crash.
      throw checksumError(bp);
    }
    if (!checksumMatches(bp.cksumAlg, bp.checksum, raw, image.checksumSalt)) throw checksumError(bp);
  }
  // A record that passes its checksum but does not decode is damaged all the same (ZFS: EIO).
  if (compressed && !decompressRecord(bp.compress!, raw, buf.subarray(0, bp.lsize))) throw checksumError(bp);
  return buf;
}

function readEncrypted(image: Image, bp: BlockPtr, buf: Buffer, scrubbing: boolean): Buffer {
  const size = bp.psize ?? bp.lsize;
  if (stored.length < size) stored = Buffer.alloc(size);
  const raw = readStored(image, bp, stored, scrubbing);
  if (scrubbing) return buf;
  const mk = image.keyring?.master(bp.key!);
  if (!mk) throw new EngineError('EACCES');
  const compressed = bp.compress !== undefined && bp.psize !== undefined;
  if (compressed && clear.length < size) clear = Buffer.alloc(size);
  const out = compressed ? clear.subarray(0, size) : buf.subarray(0, size);
  if (!decryptBytes(mk, bp.iv!, bp.mac!, raw, out)) throw checksumError(bp);
  if (compressed && !decompressRecord(bp.compress!, out, buf.subarray(0, bp.lsize))) throw checksumError(bp);
  return buf;
}

/**
 * Whether `bp` can extend `run` for readRun: a record stored as is in exactly its `lsize`
 * (a whole number of sectors; a compressed record occupies less), of the run's size, right after
 * the run's last record in the image. Records of a file written sequentially mostly are.
 */
export function joinsRun(run: readonly BlockPtr[], bp: BlockPtr): boolean {
  if (bp.asize !== bp.lsize || bp.key !== undefined) return false;
  if (run.length === 0) return true;
  const last = run[run.length - 1];
  return bp.lsize === last.lsize && bp.offset === last.offset + last.asize;
}

/**
 * Read a run of records (each joined by joinsRun) into `buf` with one read, back to back; verifyRun
 * checks them. A read that fails (past the end of a truncated image) goes record by record as
 * readRecord, which throws the checksum error (ECKSUM) of the first that cannot be read.
 */
export function readRun(image: Image, run: readonly BlockPtr[], buf: Buffer): void {
  const lsize = run[0].lsize;
  try {
    image.read(buf, lsize * run.length, run[0].offset);
  } catch {
    for (let i = 0; i < run.length; i++) readRecord(image, run[i], buf.subarray(i * lsize));
  }
}

/**
 * Verify a run read into `buf` as readRecord verifies each record: the first mismatch throws its
 * ECKSUM error (`salt` keys skein, edonr and blake3). `fletcher4(i)`, when given, is record
 * i's fletcher4 already computed over exactly those bytes (by another thread: run-reader.ts);
 * otherwise it is computed here, in place when `buf` lies in a ChecksumArena.
 */
export function verifyRun(run: readonly BlockPtr[], buf: Buffer, salt: Uint8Array, fletcher4?: (i: number) => Uint8Array): void {
  const lsize = run[0].lsize;
  for (let i = 0; i < run.length; i++) {
    const bp = run[i];
    const ok = bp.cksumAlg === 'fletcher4' && fletcher4
      ? Buffer.compare(fletcher4(i), bp.checksum) === 0
      : checksumMatches(bp.cksumAlg, bp.checksum, buf.subarray(i * lsize, (i + 1) * lsize), salt);
    if (!ok) throw checksumError(bp);
  }
}
