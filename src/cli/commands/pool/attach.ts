/** `zpool attach [-fsw] POOL DEVICE NEW-DEVICE` (lib/pool-attach.ts). */
import { attachDevice } from '../../../lib/pool-attach.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['attach [-fsw] [-o property=value] <pool> <vdev> <new-device>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'fsw', values: 'o', repeated: 'o' });
    const [pool, device, newDevice, ...extra] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name argument');
    if (device === undefined) throw new UsageError('missing <device> specification');
    if (newDevice === undefined) throw new UsageError('missing <new_device> specification');
    if (extra.length > 0) throw new UsageError('too many arguments');
    attachDevice(ctx.home, pool, device, newDevice, p.flags.has('f'), ctx.historyLine);
    return 0;
  },
};
