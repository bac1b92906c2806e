/** `zfs promote CLONE` */
import { promote } from '../../lib/datasets/promote.js';
import type { Command } from '../context.js';
import { UsageError } from '../parse.js';

export const command: Command = {
  usage: ['promote <clone-filesystem>'],
  run(ctx, args) {
    // zfs_do_promote takes no options: any leading '-' is an invalid option.
    if (args[0]?.startsWith('-')) throw new UsageError(`invalid option '${args[0][1] ?? ''}'`);
    if (args.length === 0) throw new UsageError('missing clone filesystem argument');
    if (args.length > 1) throw new UsageError('too many arguments');
    promote(ctx.home, args[0], ctx.historyLine);
    return 0;
  },
};
