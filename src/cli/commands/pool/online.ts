/** `zpool online [-e] POOL DEVICE...`: back in use, and resilvered (lib/pool-offline.ts). */
import { onlineDevices } from '../../../lib/pool-offline.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['online [--power][-e] <pool> <device> ...'],
  run(ctx, args) {
    // -e (expand to the device's size): the devices here keep the size they were added with.
    const p = parseOptions(args, { flags: 'e' });
    const [pool, ...devices] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name');
    if (devices.length === 0) throw new UsageError('missing device name');
    onlineDevices(ctx.home, pool, devices, ctx.historyLine);
    return 0;
  },
};
