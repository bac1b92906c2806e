/** `zpool resilver POOL ...`: restart a resilver (zpool_do_resilver); each pool on its own. */
import { ZfsError } from '../../../lib/errors.js';
import { restartResilver } from '../../../lib/pool-resilver.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['resilver <pool> ...'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    if (p.operands.length < 1) throw new UsageError('missing pool name argument');
    let failed = false;
    for (const name of p.operands) {
      try {
        restartResilver(ctx.home, name);
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        if (err.lines.length > 0) ctx.err.write(err.lines.join('\n') + '\n');
        failed = true;
      }
    }
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
