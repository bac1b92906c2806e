/** `zpool detach POOL DEVICE` (lib/pool-attach.ts). */
import { detachDevice } from '../../../lib/pool-attach.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['detach <pool> <device>'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    const [pool, device, ...extra] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name argument');
    if (device === undefined) throw new UsageError('missing <device> specification');
    if (extra.length > 0) throw new UsageError('too many arguments');
    detachDevice(ctx.home, pool, device, ctx.historyLine);
    return 0;
  },
};
