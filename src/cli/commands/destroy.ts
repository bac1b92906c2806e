/** `zfs destroy [-rR] FILESYSTEM` and `zfs destroy [-rR] FILESYSTEM@SNAP[%SNAP][,...]` */
import { destroy } from '../../lib/datasets/destroy.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: [
    'destroy [-fnpRrv] <filesystem|volume>',
    'destroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]',
    'destroy <filesystem|volume>#<bookmark>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rRf' });
    if (p.operands.length === 0) throw new UsageError('missing dataset argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dependents = p.flags.has('R');
    destroy(ctx.home, p.operands[0], { recursive: p.flags.has('r') || dependents, dependents }, ctx.historyLine);
    return 0;
  },
};
