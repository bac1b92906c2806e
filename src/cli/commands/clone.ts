/** `zfs clone [-p] [-o property=value]... SNAPSHOT FILESYSTEM` */
import { clone } from '../../lib/datasets/clone.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { propertyArgs } from './shared.js';

export const command: Command = {
  usage: ['clone [-p] [-o property=value] ... <snapshot> <filesystem|volume>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p', values: 'o', repeated: 'o' });
    if (p.operands.length === 0) throw new UsageError('missing source dataset argument');
    if (p.operands.length === 1) throw new UsageError('missing target dataset argument');
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    const props = propertyArgs(p.values.get('o'));
    clone(ctx.home, p.operands[0], p.operands[1], { parents: p.flags.has('p'), props }, ctx.historyLine);
    return 0;
  },
};
