/** `tszfs readlink [-f] DATASET[@SNAP] PATH`: a symlink's target (exit 1, silent, for anything else), or with -f the path it resolves to. */
import { readLink } from '../../lib/tree-read.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['readlink [-f] <filesystem|snapshot> <path>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'f' });
    const [dataset, path, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const target = readLink(ctx.home, dataset, path, p.flags.has('f'));
    if (target === null) return 1;
    ctx.out.write(target + '\n');
    return 0;
  },
};
