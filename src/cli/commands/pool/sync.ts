/**
 * `zpool sync [POOL]...`: force the pools' dirty data to stable storage. Every tszfs command
 * commits its transaction group durably before it returns, so nothing is ever dirty between
 * commands: sync opens each pool (all of them when none is named), which checks it is there and
 * whole, and has nothing more to write.
 */
import { forEachNamedPool } from '../../../lib/session.js';
import type { Command } from '../../context.js';
import { ZfsError } from '../../../lib/errors.js';
import { parseOptions } from '../../parse.js';

export const command: Command = {
  usage: ['sync [pool] ...'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    const names = p.operands.length > 0 ? p.operands : ctx.home.pools().map((e) => e.name);
    const failed = forEachNamedPool(ctx.home, names, (lines) => ctx.err.write(lines.join('\n') + '\n'), () => {});
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
