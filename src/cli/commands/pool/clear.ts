/** `zpool clear POOL [DEVICE]`: reset the device error counters that `zpool status` shows. */
import { clearPool } from '../../../lib/health.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['clear [[--power]|[-nF]] <pool> [device]'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    if (p.operands.length < 1) throw new UsageError('missing pool name');
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    clearPool(ctx.home, p.operands[0], p.operands[1], ctx.historyLine);
    return 0;
  },
};
