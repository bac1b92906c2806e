/** Small pieces several command files share. */
import { ZfsError } from '../../lib/errors.js';
import { parsePropertyArgs, PropertyError } from '../../lib/properties/assign.js';

/** `-o prop=value` arguments; a malformed one fails the command (exit 1) as zfs_main's parseprop. */
export function propertyArgs(values: string[] | undefined): Array<[string, string]> {
  try {
    return parsePropertyArgs(values ?? []);
  } catch (err) {
    if (err instanceof PropertyError) throw new ZfsError([err.message]);
    throw err;
  }
}
