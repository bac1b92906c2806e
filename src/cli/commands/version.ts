/** `zfs version [-j]`: the OpenZFS release tszfs follows, then tszfs's own. */
import type { Command } from '../context.js';
import { toJson } from '../format/props.js';
import { parseOptions, UsageError } from '../parse.js';

const USERLAND = 'zfs-2.3.4-tszfs';
const KERNEL = 'zfs-kmod-2.3.4-tszfs';

export const command: Command = {
  usage: ['version [-j]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'j', longFlags: ['json'] });
    if (p.operands.length > 0) throw new UsageError('too many arguments');
    if (p.flags.has('j') || p.flags.has('json')) {
      // zfs_do_version: zfs_json_schema(0, 1) and zfs_version_nvlist().
      const output = { output_version: { command: 'zfs version', vers_major: 0n, vers_minor: 1n }, zfs_version: { userland: USERLAND, kernel: KERNEL } };
      ctx.out.write(toJson(output) + '\n');
      return 0;
    }
    ctx.out.write(`${USERLAND}\n${KERNEL}\n`);
    return 0;
  },
};
