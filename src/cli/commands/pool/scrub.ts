/** `zpool scrub [-s | -p] [-w] POOL ...`: verify every block of each pool (silent on success). */
import { scrubPool, type ScrubRequest } from '../../../lib/health.js';
import { ZfsError } from '../../../lib/errors.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['scrub [-e | -s | -p | -C] [-w] <pool> ...'],
  run(ctx, args) {
    // -w (wait) is what every scrub here does: it runs to completion before the command returns.
    const p = parseOptions(args, { flags: 'spw' });
    if (p.flags.has('s') && p.flags.has('p')) throw new UsageError('invalid option combination: -s and -p are mutually exclusive');
    if (p.operands.length === 0) throw new UsageError('missing pool name argument');
    const request: ScrubRequest = p.flags.has('s') ? 'stop' : p.flags.has('p') ? 'pause' : 'start';
    let failed = false;
    for (const name of p.operands) {
      try {
        scrubPool(ctx.home, name, request, ctx.historyLine);
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        ctx.err.write(err.lines.join('\n') + '\n');
        failed = true;
      }
    }
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
