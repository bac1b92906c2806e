/**
 * Failures the engine reports, by POSIX errno name, as the kernel does to libzfs. The library
 * turns each into OpenZFS's message for the command at hand.
 */
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
  | 'EIO'
  | 'EXDEV'
  | 'EAGAIN'
  | 'EDQUOT';

export class EngineError extends Error {
  constructor(
    readonly errno: Errno,
    message?: string,
  ) {
    super(message ?? errno);
  }
}
