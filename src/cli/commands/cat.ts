/** `tszfs cat DATASET[@SNAP] PATH...`: file contents to standard output. */
import { catFiles } from '../../lib/files.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['cat <filesystem|snapshot> <path> ...'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    catFiles(ctx.home, dataset, paths, (chunk) => ctx.out.write(chunk));
    return 0;
  },
};
