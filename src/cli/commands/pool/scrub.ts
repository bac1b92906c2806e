/** `zpool scrub [-e | -s | -p | -C] [-w] POOL ...`: verify the blocks of each pool (silent on success). */
import { scrubPool, type ScrubRequest } from '../../../lib/health.js';
import { ZfsError } from '../../../lib/errors.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

/** zpool_do_scrub's checks, in its order. */
const EXCLUSIVE: Array<[string, string]> = [
  ['s', 'p'],
  ['p', 'C'],
  ['s', 'C'],
  ['e', 'C'],
];

export const command: Command = {
  usage: ['scrub [-e | -s | -p | -C] [-w] <pool> ...'],
  run(ctx, args) {
    // -w (wait) is what every scrub here does: it runs to completion before the command returns.
    const p = parseOptions(args, { flags: 'espwC' });
    for (const [a, b] of EXCLUSIVE) {
      if (p.flags.has(a) && p.flags.has(b)) throw new UsageError(`invalid option combination: -${a} and -${b} are mutually exclusive`);
    }
    // -e with -s stops (there is one kind of scan to stop); -e with -p pauses an error scrub.
    const request: ScrubRequest = p.flags.has('p')
      ? 'pause'
      : p.flags.has('s')
        ? 'stop'
        : p.flags.has('e')
          ? 'error'
          : p.flags.has('C')
            ? 'continue'
            : 'start';
    if (p.flags.has('w') && (request === 'pause' || request === 'stop')) {
      throw new UsageError('invalid option combination: -w cannot be used with -p or -s');
    }
    if (p.operands.length === 0) throw new UsageError('missing pool name argument');
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
