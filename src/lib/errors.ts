/**
 * The one error type of the library, as libzfs's zfs_error: an action ("cannot open 'tank/x'")
 * and a description ("dataset does not exist"), raised deep and printed in one place by the CLI.
 * Engine failures become one here, through one table (libzfs's zfs_standard_error): the engine
 * raises codes, and only this file words them.
 */
import { EngineError, poolFilesFailure, type Errno } from '../engine/errno.js';

/**
 * A failure as OpenZFS reports it: the lines it prints (`cannot open 'tank/x': dataset does not
 * exist`), the exit status, and an errno-like `code` (`ENOENT`) to test in code.
 */
export class ZfsError extends Error {
  /** the errno-like code of the failure (the library API's `err.code`): the engine's, or the one
   *  its OpenZFS description stands for (codeOfLines) */
  readonly code: Errno;

  /** A failure of `lines`, exit status `exitCode`; `code` defaults to the one its wording stands for. */
  constructor(
    /** the lines printed on standard error, in order */
    readonly lines: string[],
    /** the exit status: 1 for failures, 2 for usage errors, 255 for `zfs set` failures */
    readonly exitCode = 1,
    code?: Errno,
  ) {
    super(lines.join('\n'));
    this.code = code ?? codeOfLines(lines);
  }

  /** `ACTION: DESCRIPTION` and any `more` lines, as libzfs's zfs_error_aux words a failure. */
  static action(action: string, description: string, ...more: string[]): ZfsError {
    return new ZfsError([`${action}: ${description}`, ...more]);
  }
}

/**
 * The code an OpenZFS description stands for, read from the first line's `ACTION: DESCRIPTION`
 * (libzfs's EZFS_* codes come to the same few errnos): what a refusal worded in place, without
 * an engine code, carries. A refusal of anything else (a bad name, value or type) is EINVAL.
 */
export function codeOfLines(lines: readonly string[]): Errno {
  const text = lines[0] ?? '';
  for (const [pattern, code] of CODE_PATTERNS) if (pattern.test(text)) return code;
  return 'EINVAL';
}

const CODE_PATTERNS: ReadonlyArray<[RegExp, Errno]> = [
  [/: (no such (pool|file|device|tag)|dataset does not exist|parent does not exist|.*does not exist)/i, 'ENOENT'],
  [/: (.*already exists|file exists|bookmark exists|destination .* exists)/i, 'EEXIST'],
  [/: (dataset is busy|device or resource busy|.*has dependent clones|.*is busy)/, 'EBUSY'],
  [/: (out of space|.*no space left)/i, 'ENOSPC'],
  [/: (disk quota exceeded|.*quota exceeded)/i, 'EDQUOT'],
  [/: (dataset is read-only|read-only file system)/i, 'EROFS'],
  [/: (.*name is too long|file name too long|tag too long)/, 'ENAMETOOLONG'],
  [/: not a directory/, 'ENOTDIR'],
  [/: is a directory/, 'EISDIR'],
  [/: directory not empty/, 'ENOTEMPTY'],
  [/: (invalid backup stream|failed to read from stream)/, 'EBADSTREAM'],
  [/: (source and target pools differ|datasets must be within same pool|.*in a different pool|cross-device link)/, 'EXDEV'],
  [/: (I\/O error|input\/output error)/i, 'EIO'],
];

/** libzfs's zfs_standard_error: how a dataset command words a failure's errno. */
const DATASET_DESCRIPTIONS = {
  ENOENT: 'dataset does not exist',
  EEXIST: 'dataset already exists',
  EBUSY: 'dataset is busy',
  ENOSPC: 'out of space',
  EIO: 'I/O error',
  ENAMETOOLONG: 'dataset name is too long',
} as const satisfies Partial<Record<Errno, string>>;

/** libzfs's zpool_standard_error: how a pool command words a failure's errno. */
const POOL_DESCRIPTIONS = {
  ENOENT: 'no such pool',
  EEXIST: 'pool already exists',
  ENOSPC: 'out of space',
  EIO: 'I/O error',
} as const satisfies Partial<Record<Errno, string>>;

/** `ACTION: DESCRIPTION` for a dataset command that failed with `errno` (zfs_standard_error). */
export const datasetError = (action: string, errno: keyof typeof DATASET_DESCRIPTIONS, ...more: string[]): ZfsError =>
  new ZfsError([`${action}: ${DATASET_DESCRIPTIONS[errno]}`, ...more], 1, errno);

/** `ACTION: DESCRIPTION` for a pool command that failed with `errno` (zpool_standard_error). */
export const poolError = (action: string, errno: keyof typeof POOL_DESCRIPTIONS, ...more: string[]): ZfsError =>
  new ZfsError([`${action}: ${POOL_DESCRIPTIONS[errno]}`, ...more], 1, errno);

export const notFound = (name: string) => datasetError(`cannot open '${name}'`, 'ENOENT');

/** OpenZFS's words for each code the engine raises, as the kernel's strerror and libzfs say them. */
const DESCRIPTIONS: Record<Errno, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  ENOSPC: 'out of space',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'directory not empty',
  ENAMETOOLONG: 'file name too long',
  EIO: 'I/O error',
  EXDEV: 'cross-device link',
  EAGAIN: 'resource temporarily unavailable',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENODATA: 'no data available',
  E2BIG: 'argument list too long',
  ERANGE: 'numerical result out of range',
  ECKSUM: 'I/O error',
  EBADSTREAM: 'invalid backup stream',
};

/** An engine failure's description: the more specific one it carries, else its code's. */
export const describe = (err: EngineError): string => err.aux ?? DESCRIPTIONS[err.errno];

/**
 * The ZfsError for an engine failure met while doing `action` (`cannot open 'tank'`), with the
 * reason a pool's files could not be opened on the line below; anything else comes back as is,
 * for the caller to rethrow (a bug stays an internal error).
 */
export function engineFailure(action: string, err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  const files = poolFilesFailure(err);
  return new ZfsError([`${action}: ${describe(err)}`, ...(files ? [files.reason] : [])], 1, err.errno);
}

/**
 * The file commands of issue 13 (ln, mv, chmod, ...): `ACTION: DESCRIPTION` with the kernel's
 * strerror (`No such file or directory`) as GNU coreutils print it, for an engine failure;
 * anything else comes back as is.
 */
export function fileFailure(action: string, err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  if (err.aux !== undefined || poolFilesFailure(err)) return engineFailure(action, err);
  const code = err.errno === 'ECKSUM' ? 'EIO' : err.errno;
  return ZfsError.action(action, STRERROR[code] ?? DESCRIPTIONS[err.errno]);
}

/** strerror(3) of the host errors tszfs meets (its home, input and output files, path operands). */
const STRERROR: Record<string, string> = {
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
  ENOENT: 'No such file or directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EPIPE: 'Broken pipe',
  EISDIR: 'Is a directory',
  EIO: 'Input/output error',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  EINVAL: 'Invalid argument',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  EXDEV: 'Invalid cross-device link',
  EBUSY: 'Device or resource busy',
  ENODATA: 'No data available',
  E2BIG: 'Argument list too long',
  ERANGE: 'Numerical result out of range',
};

/** A host error (or its code, `ENOTDIR`) as strerror() words it for the codes tszfs meets, else
 *  its own message. */
export function strerror(err: unknown): string {
  const code = typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? '');
  return STRERROR[code] ?? (typeof err === 'string' ? err : err instanceof Error ? err.message : String(err));
}
