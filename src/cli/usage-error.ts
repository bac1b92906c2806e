/** A usage error: the reason line (or none), then the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(
    /** the line printed before the usage text, or null for the usage alone */
    readonly reason: string | null,
    /** false where zfs_main's message lacks its newline, so `usage:` follows on the same line */
    readonly newline = true,
    /** zpool get/set/list: which property table ends the usage (the vdev one once zpool get
     *  knows it is reading vdevs: current_prop_type) */
    readonly propertyTable: 'pool' | 'vdev' = 'pool',
  ) {
    super(reason ?? 'usage');
  }
}

/**
 * `CMD --help`, `-?` or `-h` (a word of its own, where `-h` is not one of the command's options):
 * the command's usage and an example on standard output, exit status 0.
 */
export class HelpRequest extends Error {
  constructor() {
    super('help');
  }
}
