/** `zpool export [-af] <pool> ...` */
import { ZfsError } from '../../../lib/errors.js';
import { exportPool } from '../../../lib/pool-import.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['export [-af] <pool> ...'],
  run(ctx, args) {
    // -f (force unmount) changes nothing: datasets are never mounted.
    const p = parseOptions(args, { flags: 'af' });
    const all = p.flags.has('a');
    if (all && p.operands.length > 0) throw new UsageError('too many arguments');
    if (!all && p.operands.length === 0) throw new UsageError('missing pool argument');
    const names = all ? ctx.home.pools().map((e) => e.name) : p.operands;
    let status = 0;
    for (const name of names) {
      try {
        exportPool(ctx.home, name, ctx.historyLine);
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        ctx.err.write(err.lines.join('\n') + '\n');
        status = 1;
      }
    }
    return status;
  },
};
