/** `tszfs cat DATASET[@SNAP] PATH...`: file contents to standard output; `tszfs cat VOLUME[@SNAP]`:
 *  every byte of the volume. */
import { catFiles, catVolume, contentsOf } from '../../lib/files.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { Progress } from '../progress.js';

export const command: Command = {
  usage: ['cat <filesystem|snapshot> <path> ...', 'cat <volume|snapshot>'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    const volume = paths.length === 0 && contentsOf(ctx.home, dataset) === 'volume';
    if (paths.length === 0 && !volume) throw new UsageError('missing path argument');
    // Contents on the terminal are the point of `cat` there: a bar only when they go elsewhere.
    const progress = Progress.start(ctx.err, { label: `reading ${volume ? dataset : paths.join(' ')}`, total: null, sharesTerminalWithOutput: ctx.out.isTTY });
    const out = (chunk: Buffer) => {
      ctx.out.write(chunk);
      progress?.advance(chunk.length);
    };
    try {
      if (volume) catVolume(ctx.home, dataset, out);
      else catFiles(ctx.home, dataset, paths, out);
    } finally {
      progress?.finish();
    }
    return 0;
  },
};
