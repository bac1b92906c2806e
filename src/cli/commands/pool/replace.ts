/**
 * `zpool replace [-fsw] [-o property=value] POOL DEVICE [NEW-DEVICE]`: the new device (or the
 * same path, a fresh file there) takes DEVICE's place and is resilvered before the command
 * returns (lib/pool-replace.ts). -s (sequential rebuild) and -w (wait) change nothing here.
 */
import { replaceDevice } from '../../../lib/pool-replace.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['replace [-fsw] [-o property=value] <pool> <device> [new-device]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'fsw', values: 'o', repeated: 'o' });
    const [pool, device, newDevice, ...extra] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name argument');
    if (device === undefined) throw new UsageError('missing <device> specification');
    if (extra.length > 0) throw new UsageError('too many arguments');
    replaceDevice(ctx.home, pool, device, newDevice, p.flags.has('f'), ctx.historyLine);
    return 0;
  },
};
