/** `zfs snapshot [-r] [-o property=value]... FILESYSTEM@SNAPNAME...` */
import { snapshot } from '../../lib/datasets/snapshot.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { propertyArgs } from './shared.js';

export const command: Command = {
  usage: ['snapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'r', values: 'o', repeated: 'o' });
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    // An operand without '@' gets the usage alone, as zfs_main does.
    if (p.operands.some((o) => !o.includes('@'))) throw new UsageError(null);
    const props = propertyArgs(p.values.get('o'));
    snapshot(ctx.home, p.operands, { recursive: p.flags.has('r'), props }, ctx.historyLine);
    return 0;
  },
};
