/**
 * The one error type of the library, as libzfs's zfs_error: an action ("cannot open 'tank/x'")
 * and a description ("dataset does not exist"), raised deep and printed in one place by the CLI.
 */
export class ZfsError extends Error {
  constructor(
    /** the lines printed on standard error, in order */
    readonly lines: string[],
    /** the exit status: 1 for failures, 2 for usage errors, 255 for `zfs set` failures */
    readonly exitCode = 1,
  ) {
    super(lines.join('\n'));
  }

  static action(action: string, description: string, ...more: string[]): ZfsError {
    return new ZfsError([`${action}: ${description}`, ...more]);
  }
}

export const notFound = (name: string) => ZfsError.action(`cannot open '${name}'`, 'dataset does not exist');
