/**
 * Data records (ZFS: level-0 blocks) in the image. A record of `lsize` bytes occupies `asize` =
 * lsize rounded up to 4 KiB, carries the txg that wrote it, and a checksum verified on every read.
 */
import { roundUpToSector } from '../pool/allocator.js';
import type { PoolTxn } from '../pool/pool.js';
import type { Image } from '../pool/image.js';
import { zlib } from '../pool/zlib.js';
import type { BlockPtr } from '../store/records.js';

export class ChecksumError extends Error {
  constructor(readonly bp: BlockPtr) {
    super(`checksum mismatch in block at ${bp.offset}`);
  }
}

/** Write `lsize` bytes of `buf` (zero-padded by the caller) as a new record born in this txg. */
export function writeRecord(tx: PoolTxn, buf: Buffer, lsize: number): BlockPtr {
  const asize = roundUpToSector(lsize);
  const offset = tx.writeData(buf, lsize, asize);
  return { offset, asize, lsize, birth: tx.txg, checksum: zlib.crc32(buf.subarray(0, lsize)) };
}

/** Read a whole record into `buf`, which must hold `bp.lsize` bytes. */
export function readRecord(image: Image, bp: BlockPtr, buf: Buffer): Buffer {
  image.read(buf, bp.lsize, bp.offset);
  if (zlib.crc32(buf.subarray(0, bp.lsize)) !== bp.checksum) throw new ChecksumError(bp);
  return buf;
}
