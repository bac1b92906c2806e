/** `zpool labelclear [-f] <vdev>`: wipe a device's label (lib/pool-labelclear.ts). */
import { labelclear, LabelclearError } from '../../../lib/pool-labelclear.js';
import { ZfsError } from '../../../lib/errors.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['labelclear [-f] <vdev>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'f' });
    if (p.operands.length < 1) throw new UsageError('missing vdev name');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    try {
      labelclear(ctx.home, p.operands[0], p.flags.has('f'));
    } catch (err) {
      if (!(err instanceof LabelclearError)) throw err;
      ctx.err.write(err.text);
      // zpool_do_labelclear ends the "is a member" message with printf("\n"): on stdout
      if (err.newlineOnStdout) ctx.out.write('\n');
      throw new ZfsError([], 1);
    }
    return 0;
  },
};
