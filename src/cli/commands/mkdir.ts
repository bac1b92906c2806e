/** `tszfs mkdir [-p] DATASET PATH` */
import { makeDirectory } from '../../lib/files.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['mkdir [-p] <filesystem> <path>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p' });
    const [dataset, path, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    makeDirectory(ctx.home, dataset, path, { parents: p.flags.has('p') });
    return 0;
  },
};
