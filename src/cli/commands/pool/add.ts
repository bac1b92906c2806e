/** `zpool add [-fn] POOL VDEV...`: more top-level vdevs, spares or cache devices (lib/pool-add.ts). */
import { addVdevs } from '../../../lib/pool-add.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['add [-afgLnP] [-o property=value] <pool> <vdev> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'afgLnP', values: 'o', repeated: 'o' });
    const [pool, ...vdevs] = p.operands;
    if (pool === undefined) throw new UsageError('missing pool name argument');
    if (vdevs.length === 0) throw new UsageError('missing vdev specification');
    const layout = addVdevs(ctx.home, pool, vdevs, p.flags.has('f'), p.flags.has('n'), ctx.historyLine);
    if (layout !== null) ctx.out.write(layout);
    return 0;
  },
};
