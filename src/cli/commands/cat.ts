/** `tszfs cat DATASET[@SNAP] PATH...`: file contents to standard output. */
import { catFiles } from '../../lib/files.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { Progress } from '../progress.js';

export const command: Command = {
  usage: ['cat <filesystem|snapshot> <path> ...'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    // Contents on the terminal are the point of `cat` there: a bar only when they go elsewhere.
    const progress = Progress.start(ctx.err, { label: `reading ${paths.join(' ')}`, total: null, sharesTerminalWithOutput: ctx.out.isTTY });
    try {
      catFiles(ctx.home, dataset, paths, (chunk) => {
        ctx.out.write(chunk);
        progress?.advance(chunk.length);
      });
    } finally {
      progress?.finish();
    }
    return 0;
  },
};
