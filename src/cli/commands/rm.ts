/** `tszfs rm [-r] [-f] DATASET PATH...` */
import { removeFiles } from '../../lib/files.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['rm [-rf] <filesystem> <path> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rf' });
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    removeFiles(ctx.home, dataset, paths, { recursive: p.flags.has('r'), force: p.flags.has('f') });
    return 0;
  },
};
