/** `zfs version`: the OpenZFS release tszfs follows, then tszfs's own. */
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['version [-j]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'j' });
    if (p.operands.length > 0) throw new UsageError('too many arguments');
    ctx.out.write('zfs-2.3.4-tszfs\nzfs-kmod-2.3.4-tszfs\n');
    return 0;
  },
};
