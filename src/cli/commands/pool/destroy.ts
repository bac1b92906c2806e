/** `zpool destroy [-f] POOL` */
import { ZfsError } from '../../../lib/errors.js';
import { destroyPool } from '../../../lib/pools.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['destroy [-f] <pool>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'f' });
    if (p.operands.length === 0) throw new UsageError('missing pool argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const name = p.operands[0];
    try {
      destroyPool(ctx.home, name);
    } catch (err) {
      if (err instanceof ZfsError && name.includes('/')) throw new ZfsError([...err.lines, "use 'zfs destroy' to destroy a dataset"]);
      throw err;
    }
    return 0;
  },
};
