/**
 * The one error the engine raises: an errno-like code, as the kernel hands libzfs, and the object
 * it concerns. The library turns it into OpenZFS's message for the command at hand, in one table
 * (lib/errors.ts); the engine never words a message for a user.
 */
import type { BlockPtr } from './store/records.js';

/** The errno-like code of a failure (the package API's `ErrorCode`, a `ZfsError`'s `code`). */
export type Errno =
  | 'ENOENT'
  | 'EEXIST'
  | 'EBUSY'
  | 'EINVAL'
  | 'ENOSPC'
  | 'EROFS'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'ENAMETOOLONG'
  | 'EIO'
  | 'EXDEV'
  | 'EAGAIN'
  | 'EDQUOT'
  | 'ELOOP'
  | 'EPERM'
  /** an encrypted dataset whose key is not loaded */
  | 'EACCES'
  /** an extended attribute that does not exist (ENOATTR) */
  | 'ENODATA'
  /** an extended attribute's value too large */
  | 'E2BIG'
  /** an extended attribute's name empty or too long */
  | 'ERANGE'
  /** a block that could not be read back as written (ZFS's ECKSUM, reported as EIO) */
  | 'ECKSUM'
  /** a send stream that is not a valid one (libzfs EZFS_BADSTREAM) */
  | 'EBADSTREAM';

/** What a failure concerns, when it is more than the operation's own operand. */
export type ErrorObject =
  /** a data block; the file layer adds which object and which of its blocks, for the error log */
  | { kind: 'block'; bp: BlockPtr; object?: number; blockId?: number }
  /** a pool's files that cannot be opened as one: `reason` says what is wrong, and `damaged` is
   *  set when the LMDB environment's pages or records are damaged (not missing or foreign) */
  | { kind: 'pool-files'; metadata: string; reason: string; damaged: boolean }
  /** a record of the pool's LMDB tables that fails its checksum */
  | { kind: 'metadata-record' };

export class EngineError extends Error {
  constructor(
    readonly errno: Errno,
    /** a more specific description than the code's own (libzfs's zfs_error_aux) */
    readonly aux?: string,
    readonly object?: ErrorObject,
  ) {
    super(aux ?? errno);
  }
}

/** Whether `err` is the engine's error with code `errno`. */
export const isErrno = (err: unknown, errno: Errno): err is EngineError => err instanceof EngineError && err.errno === errno;

export type DamagedBlock = Extract<ErrorObject, { kind: 'block' }>;

/** The block `err` concerns when it is a checksum failure, else null. */
export function damagedBlock(err: unknown): DamagedBlock | null {
  return isErrno(err, 'ECKSUM') && err.object?.kind === 'block' ? err.object : null;
}

/** Why a pool's files could not be opened, when that is what `err` says, else null. */
export function poolFilesFailure(err: unknown): Extract<ErrorObject, { kind: 'pool-files' }> | null {
  return err instanceof EngineError && err.object?.kind === 'pool-files' ? err.object : null;
}

/** A pool's files that cannot be opened (EIO), for `reason`. */
export const poolFilesError = (metadata: string, reason: string, damaged = false) =>
  new EngineError('EIO', undefined, { kind: 'pool-files', metadata, reason, damaged });

export const checksumError = (bp: BlockPtr) => new EngineError('ECKSUM', undefined, { kind: 'block', bp });

export const outOfSpace = () => new EngineError('ENOSPC');

export const badStream = (aux?: string) => new EngineError('EBADSTREAM', aux);
