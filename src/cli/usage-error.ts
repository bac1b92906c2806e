/** A usage error: the reason line (or none), then the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(
    /** the line printed before the usage text, or null for the usage alone */
    readonly reason: string | null,
  ) {
    super(reason ?? 'usage');
  }
}
