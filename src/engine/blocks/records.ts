/**
 * Data records (ZFS: level-0 blocks) in the image. A record of `lsize` bytes occupies `asize` =
 * lsize rounded up to 4 KiB, carries the txg that wrote it, and the checksum of the dataset's
 * `checksum` algorithm, verified on every read: a mismatch is an I/O error, never wrong bytes.
 */
import { roundUpToSector } from '../pool/allocator.js';
import type { PoolTxn } from '../pool/pool.js';
import type { Image } from '../pool/image.js';
import type { BlockPtr } from '../store/records.js';
import { checksumMatches, checksumOf } from './checksum.js';

/** A block that could not be read back as written (ZFS ECKSUM, reported as EIO). The file layer
 *  adds which object and block it was, for the pool's error log. */
export class ChecksumError extends Error {
  object?: number;
  blockId?: number;

  constructor(readonly bp: BlockPtr) {
    super(`checksum mismatch in block at ${bp.offset}`);
  }
}

/** Write `lsize` bytes of `buf` (zero-padded by the caller) as a new record born in this txg. */
export function writeRecord(tx: PoolTxn, buf: Buffer, lsize: number): BlockPtr {
  const asize = roundUpToSector(lsize);
  const data = buf.subarray(0, lsize);
  const cksumAlg = tx.checksumAlgorithm;
  const checksum = checksumOf(cksumAlg, data, tx.image.checksumSalt);
  const offset = tx.writeData(buf, lsize, asize);
  return { offset, asize, lsize, birth: tx.txg, cksumAlg, checksum };
}

/** Read a whole record into `buf`, which must hold `bp.lsize` bytes. */
export function readRecord(image: Image, bp: BlockPtr, buf: Buffer): Buffer {
  try {
    image.read(buf, bp.lsize, bp.offset);
  } catch {
    // A block past the end of a truncated image reads as damaged, not as a crash.
    throw new ChecksumError(bp);
  }
  if (!checksumMatches(bp.cksumAlg, bp.checksum, buf.subarray(0, bp.lsize), image.checksumSalt)) throw new ChecksumError(bp);
  return buf;
}
