/** `zfs rollback [-rRf] SNAPSHOT` */
import { rollback } from '../../lib/datasets/rollback.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['rollback [-rRf] <snapshot>'],
  run(ctx, args) {
    // -f forced an unmount; nothing is mounted here.
    const p = parseOptions(args, { flags: 'rRf' });
    if (p.operands.length === 0) throw new UsageError('missing dataset argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const clones = p.flags.has('R');
    rollback(ctx.home, p.operands[0], { recursive: p.flags.has('r') || clones, clones }, ctx.historyLine);
    return 0;
  },
};
