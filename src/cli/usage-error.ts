/** A usage error: the reason line (or none), then the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(
    /** the line printed before the usage text, or null for the usage alone */
    readonly reason: string | null,
    /** false where zfs_main's message lacks its newline, so `usage:` follows on the same line */
    readonly newline = true,
  ) {
    super(reason ?? 'usage');
  }
}
