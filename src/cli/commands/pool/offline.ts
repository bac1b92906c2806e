/** `zpool offline [-ft] POOL DEVICE...` (lib/pool-offline.ts). */
import { offlineDevices } from '../../../lib/pool-offline.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['offline [--power]|[[-f][-t]] <pool> <device> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'ft' });
    const [pool, ...devices] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name');
    if (devices.length === 0) throw new UsageError('missing device name');
    offlineDevices(ctx.home, pool, devices, p.flags.has('t'), ctx.historyLine);
    return 0;
  },
};
