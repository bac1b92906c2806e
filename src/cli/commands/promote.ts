/** `zfs promote CLONE` */
import { promote } from '../../lib/datasets/promote.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['promote <clone-filesystem>'],
  run(ctx, args) {
    // zfs_do_promote takes no options: any '-x' is an invalid option.
    const { operands } = parseOptions(args, {});
    if (operands.length === 0) throw new UsageError('missing clone filesystem argument');
    if (operands.length > 1) throw new UsageError('too many arguments');
    promote(ctx.home, operands[0], ctx.historyLine);
    return 0;
  },
};
